package load_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/parinayaos/engine/bench/load"
)

// atLeast counts the values of h that are ≥ v (µs).
func atLeast(h *hdrhistogram.Histogram, v int64) int64 {
	var n int64
	for _, b := range h.Distribution() {
		if b.From >= v {
			n += b.Count
		}
	}
	return n
}

// An engine that stalls once for 150 ms while requests are due every
// millisecond: every request due during the stall waits for it, and the
// open loop must count that wait (latency from the intended start), not
// only the few requests that were in flight when it began.
func TestOpen_StallShowsInEveryRequestDueDuringIt(t *testing.T) {
	const (
		rate    = 1000
		stall   = 150 * time.Millisecond
		workers = 8
	)
	var (
		mu    sync.Mutex // the "engine": every request passes through it
		calls atomic.Int64
	)
	res := load.Open(context.Background(), load.OpenLoop{Rate: rate, Duration: 400 * time.Millisecond, Workers: workers},
		func(int) func() (bool, error) {
			return func() (bool, error) {
				mu.Lock()
				if calls.Add(1) == 100 {
					time.Sleep(stall)
				}
				mu.Unlock()
				return true, nil
			}
		})
	if res.Count != 400 || res.Errors != 0 || res.Scheduled != 400 {
		t.Fatalf("count %d errors %d (%v) scheduled %d; want all 400 answered", res.Count, res.Errors, res.ErrorsByCode, res.Scheduled)
	}
	// About 150 requests were due during the stall; those due in its first
	// 100 ms waited at least 50 ms each.
	if n := atLeast(res.Latency, 50_000); n < 60 {
		t.Errorf("%d requests with latency ≥ 50 ms; want ≥ 60 (every request due during the stall waited)", n)
	}
	if max := res.Latency.Max(); max < stall.Microseconds() {
		t.Errorf("max latency %d µs; want ≥ the stall (%v)", max, stall)
	}
	// Measured from the actual send (what a closed loop sees), the stall
	// hits only the requests in flight when it began: one per worker.
	if n := atLeast(res.Service, 50_000); n > workers+2 {
		t.Errorf("%d service times ≥ 50 ms; want ≤ %d (one per worker in flight)", n, workers+2)
	}
}

// A fast operation gets the asked rate: exactly the scheduled requests,
// none sent before its due time, the run as long as the schedule.
func TestOpen_FastOpGetsTheTargetRate(t *testing.T) {
	const rate, n = 2000, 1000
	interval := time.Second / rate
	var (
		mu    sync.Mutex
		calls []time.Duration
	)
	start := time.Now()
	res := load.Open(context.Background(), load.OpenLoop{Rate: rate, Duration: n * interval, Workers: 16},
		func(int) func() (bool, error) {
			return func() (bool, error) {
				mu.Lock()
				calls = append(calls, time.Since(start))
				mu.Unlock()
				return true, nil
			}
		})
	if res.Count != n || res.Errors != 0 || res.Scheduled != n {
		t.Fatalf("count %d errors %d scheduled %d; want %d answered", res.Count, res.Errors, res.Scheduled, n)
	}
	slices.Sort(calls)
	for k, c := range calls {
		if due := time.Duration(k) * interval; c < due {
			t.Fatalf("call %d at %v, before its due time %v: the schedule ran ahead", k, c, due)
		}
	}
	if got := res.Throughput(); got > rate*1.01 || got < rate*0.5 {
		t.Errorf("throughput %.0f/s; want about %d/s", got, rate)
	}
	if res.Latency.TotalCount() != n || res.Service.TotalCount() != n {
		t.Errorf("histograms hold %d and %d values; want %d", res.Latency.TotalCount(), res.Service.TotalCount(), n)
	}
}

// An engine too slow for the rate: the backlog is sent until the grace
// period ends, and what was never sent is an error, not silently dropped.
func TestOpen_BacklogBeyondGraceIsNotSent(t *testing.T) {
	res := load.Open(context.Background(), load.OpenLoop{Rate: 1000, Duration: 100 * time.Millisecond, Workers: 1, Grace: 50 * time.Millisecond},
		func(int) func() (bool, error) {
			return func() (bool, error) { time.Sleep(20 * time.Millisecond); return true, nil }
		})
	if res.Count+res.Errors != 100 || res.Scheduled != 100 {
		t.Fatalf("count %d + errors %d, scheduled %d; want 100 in all", res.Count, res.Errors, res.Scheduled)
	}
	if res.Count < 1 || res.Count > 9 {
		t.Errorf("count %d; 20 ms requests, one at a time, in 150 ms: want 1..9", res.Count)
	}
	if res.ErrorsByCode["not_sent"] != res.Errors {
		t.Errorf("errors %v; want all not_sent", res.ErrorsByCode)
	}
}

func TestOpen_CancelStopsTheSchedule(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	res := load.Open(ctx, load.OpenLoop{Rate: 1000, Duration: time.Minute, Workers: 4},
		func(int) func() (bool, error) {
			return func() (bool, error) {
				if calls.Add(1) == 50 {
					cancel()
				}
				return true, nil
			}
		})
	if res.Count < 50 || res.Count > 60_000/2 || res.ErrorsByCode["not_sent"] != 0 {
		t.Errorf("count %d, errors %v; want the run to stop soon after the cancel, nothing counted as not sent", res.Count, res.ErrorsByCode)
	}
}

func TestClosed_CountsErrorsByCode(t *testing.T) {
	var i atomic.Int64
	res := load.Closed(context.Background(), 2, 8, func(int) func() (bool, error) {
		return func() (bool, error) {
			switch i.Add(1) % 4 {
			case 0:
				return false, load.AnswerError(409, []byte(`{"error":{"code":"not_invited","message":"…"}}`))
			case 1:
				return false, load.AnswerError(502, []byte("bad gateway"))
			case 2:
				return false, syscall.ECONNREFUSED
			}
			return true, nil
		}
	})
	want := map[string]int64{"not_invited": 2, "http_502": 2, "connection_refused": 2}
	if res.Count != 2 || res.Errors != 6 || len(res.ErrorsByCode) != 3 {
		t.Fatalf("count %d errors %d %v; want 2, 6 %v", res.Count, res.Errors, res.ErrorsByCode, want)
	}
	for k, v := range want {
		if res.ErrorsByCode[k] != v {
			t.Errorf("%s: %d; want %d", k, res.ErrorsByCode[k], v)
		}
	}
	if got := load.ErrorCode(errors.New("x")); got != "transport" {
		t.Errorf("ErrorCode(other) = %q", got)
	}
}
