package load

import (
	"context"
	"sync"
	"time"
)

// OpenLoop is the shape of an open-loop run.
type OpenLoop struct {
	Rate     float64       // requests per second asked for
	Duration time.Duration // requests are scheduled over this long
	Workers  int           // requests in flight at most; default 64
	// Grace is how long after Duration scheduled requests may still be
	// sent (the backlog of an engine that fell behind); those not sent by
	// then count as errors "not_sent". Default: Duration, at least 2 s.
	Grace time.Duration
}

// Open runs an open loop: request i is due at start + i/Rate whatever the
// earlier answers do, and its latency counts from that intended start, so
// a stalled engine shows in the latency of every request that was due
// during the stall (no coordinated omission). A pool of workers takes the
// due times from a queue; when all of them are busy the schedule still
// advances and the due requests wait, their wait counted.
//
// The run ends when every scheduled request was answered, or at Duration +
// Grace, or when ctx ends (then the requests not yet sent are not counted
// at all). newOp gives each worker its own operation.
func Open(ctx context.Context, ol OpenLoop, newOp func(worker int) func() (bool, error)) Result {
	if ol.Workers <= 0 {
		ol.Workers = 64
	}
	if ol.Grace <= 0 {
		ol.Grace = max(ol.Duration, 2*time.Second)
	}
	interval := time.Duration(float64(time.Second) / ol.Rate)
	total := int64(0)
	if ol.Rate > 0 && interval > 0 {
		total = int64((ol.Duration + interval - 1) / interval) // i·interval < Duration
	}
	start := time.Now()
	cutoff := start.Add(ol.Duration + ol.Grace)
	due := make(chan time.Time, 4096)
	cs := make([]*tally, ol.Workers)
	var wg sync.WaitGroup
	for w := range cs {
		cs[w] = newTally()
		op := newOp(w)
		wg.Add(1)
		go func(c *tally) {
			defer wg.Done()
			for t := range due {
				t0 := time.Now()
				if t0.After(cutoff) || ctx.Err() != nil {
					continue // drained below, uncounted or not_sent
				}
				ok, err := op()
				end := time.Now()
				if err != nil || !ok {
					c.fail(err)
					continue
				}
				c.count++
				recordLatency(c.lat, end.Sub(t))
				recordLatency(c.svc, end.Sub(t0))
			}
		}(cs[w])
	}

	// The schedule: due times are computed from i, never from when the
	// previous one went out, so a late scheduler or a full queue delays
	// sending but not the latency's starting point.
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var scheduled int64
	cancelled := false
schedule:
	for i := int64(0); i < total; i++ {
		t := start.Add(time.Duration(i) * interval)
		switch d := time.Until(t); {
		case d <= 0:
		case d < 2*time.Millisecond:
			sleepUntil(t)
		default:
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				cancelled = true
				break schedule
			}
		}
		select {
		case due <- t:
			scheduled++
		case <-ctx.Done():
			cancelled = true
			break schedule
		}
		if time.Now().After(cutoff) {
			break
		}
	}
	close(due)
	wg.Wait()
	res := mergeCounters(cs, time.Since(start), true)
	sent := res.Count + res.Errors
	res.Scheduled = scheduled
	if !cancelled && ctx.Err() == nil {
		res.Scheduled = total
		if missed := total - sent; missed > 0 {
			res.Errors += missed
			res.ErrorsByCode["not_sent"] += missed
		}
	} else {
		res.Scheduled = sent // what ran before the cancel
	}
	return res
}
