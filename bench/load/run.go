package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/valyala/fasthttp"
)

// Result is what a run measured.
type Result struct {
	Count   int64                   // answered requests with the wanted status
	Errors  int64                   // transport errors and unwanted statuses
	Elapsed time.Duration           // wall time of the run
	Latency *hdrhistogram.Histogram // microseconds, successful requests only
	// ErrorsByCode counts Errors by ErrorCode.
	ErrorsByCode map[string]int64
	// Service (open loop only) is the latency from the moment a worker
	// actually sent the request: Latency minus the wait for a free worker.
	// Latency, measured from the intended start, is the one to judge.
	Service *hdrhistogram.Histogram
	// Scheduled (open loop only) is how many requests the schedule asked
	// for; those never sent count as errors "not_sent".
	Scheduled int64
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

// recordLatency adds d to h in microseconds (at least 1, at most the histogram's
// top: a longer wait is still counted, at 60 s).
func recordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	_ = h.RecordValue(min(max(d.Microseconds(), 1), h.HighestTrackableValue()))
}

// StatusError is an answer with a status the operation did not want.
type StatusError struct {
	Status int
	Code   string // the API's error code, from {"error":{"code":…}}; may be empty
}

func (e *StatusError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("status %d", e.Status)
	}
	return fmt.Sprintf("status %d %s", e.Status, e.Code)
}

// AnswerError makes the error for an unwanted answer: its status and the
// API error code its body carries.
func AnswerError(status int, body []byte) error {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return &StatusError{Status: status, Code: e.Error.Code}
}

// ErrorCode names a failed operation's error for ErrorsByCode: the API
// error code ("not_invited", "overloaded"), "http_<status>" when the answer
// carried none, or a short name for a transport error ("timeout",
// "connection_refused", …).
func ErrorCode(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return "unwanted_status"
	case errors.As(err, &se):
		if se.Code != "" {
			return se.Code
		}
		return fmt.Sprintf("http_%d", se.Status)
	case errors.Is(err, ErrNoInvitations):
		return "no_invitations"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, fasthttp.ErrNoFreeConns):
		return "no_free_conns"
	case errors.Is(err, fasthttp.ErrConnectionClosed):
		return "connection_closed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection_reset"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "transport"
}

// tally is a worker's private tally, merged at the end of a run.
type tally struct {
	count, errs int64
	codes       map[string]int64
	lat, svc    *hdrhistogram.Histogram
}

func newTally() *tally {
	return &tally{codes: map[string]int64{}, lat: newHistogram(), svc: newHistogram()}
}

func (c *tally) fail(err error) {
	c.errs++
	c.codes[ErrorCode(err)]++
}

func mergeCounters(cs []*tally, elapsed time.Duration, service bool) Result {
	res := Result{Elapsed: elapsed, Latency: newHistogram(), ErrorsByCode: map[string]int64{}}
	if service {
		res.Service = newHistogram()
	}
	for _, c := range cs {
		res.Count += c.count
		res.Errors += c.errs
		for k, v := range c.codes {
			res.ErrorsByCode[k] += v
		}
		res.Latency.Merge(c.lat)
		if service {
			res.Service.Merge(c.svc)
		}
	}
	return res
}

// Closed runs workers closed-loop (each sends its next request when the
// previous one is answered) until ctx ends or n requests were sent (n ≤ 0:
// no limit). newOp gives each worker its own operation, which returns
// whether the request succeeded; a failure is counted under
// ErrorCode(err).
func Closed(ctx context.Context, workers int, n int64, newOp func(worker int) func() (bool, error)) Result {
	var sent atomic.Int64
	cs := make([]*tally, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		cs[w] = newTally()
		op := newOp(w)
		wg.Add(1)
		go func(c *tally) {
			defer wg.Done()
			for ctx.Err() == nil {
				if n > 0 && sent.Add(1) > n {
					return
				}
				t0 := time.Now()
				ok, err := op()
				d := time.Since(t0)
				if err != nil || !ok {
					c.fail(err)
					continue
				}
				c.count++
				recordLatency(c.lat, d)
			}
		}(cs[w])
	}
	wg.Wait()
	return mergeCounters(cs, time.Since(start), false)
}
