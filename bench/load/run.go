package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is what a run measured.
type Result struct {
	Count   int64                   // answered requests with the wanted status
	Errors  int64                   // transport errors and unwanted statuses
	Elapsed time.Duration           // wall time of the run
	Latency *hdrhistogram.Histogram // microseconds, successful requests only
}

// Throughput is successful requests per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Count) / r.Elapsed.Seconds()
}

// Percentile is the latency at q (0..100).
func (r Result) Percentile(q float64) time.Duration {
	return time.Duration(r.Latency.ValueAtQuantile(q)) * time.Microsecond
}

// newHistogram records 1 µs to 60 s with 3 significant digits.
func newHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, 60_000_000, 3) }

// Closed runs workers closed-loop (each sends its next request when the
// previous one is answered) until ctx ends or n requests were sent (n ≤ 0:
// no limit). newOp gives each worker its own operation, which returns
// whether the request succeeded.
func Closed(ctx context.Context, workers int, n int64, newOp func(worker int) func() (bool, error)) Result {
	var sent, count, errs atomic.Int64
	hists := make([]*hdrhistogram.Histogram, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		hists[w] = newHistogram()
		op := newOp(w)
		wg.Add(1)
		go func(h *hdrhistogram.Histogram) {
			defer wg.Done()
			for ctx.Err() == nil {
				if n > 0 && sent.Add(1) > n {
					return
				}
				t0 := time.Now()
				ok, err := op()
				d := time.Since(t0)
				if err != nil || !ok {
					errs.Add(1)
					continue
				}
				count.Add(1)
				_ = h.RecordValue(max(d.Microseconds(), 1))
			}
		}(hists[w])
	}
	wg.Wait()
	res := Result{Count: count.Load(), Errors: errs.Load(), Elapsed: time.Since(start), Latency: newHistogram()}
	for _, h := range hists {
		res.Latency.Merge(h)
	}
	return res
}
