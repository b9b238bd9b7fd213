//go:build unix

package load

import (
	"syscall"
	"time"
)

// sleepUntil sleeps until t (under 2 ms away) in the kernel: the Go
// runtime's timers wake sub-millisecond sleeps ~1 ms late when it is idle,
// which would add the load generator's own lateness to every open-loop
// latency; nanosleep is ~0.1 ms late. A signal (the runtime's preemption)
// ends a nanosleep early: it sleeps again for the rest.
func sleepUntil(t time.Time) {
	for d := time.Until(t); d > 0; d = time.Until(t) {
		ts := syscall.NsecToTimespec(int64(d))
		_ = syscall.Nanosleep(&ts, nil)
	}
}
