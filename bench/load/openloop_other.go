//go:build !unix

package load

import "time"

// sleepUntil sleeps until t (under 2 ms away); see the unix version.
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }
