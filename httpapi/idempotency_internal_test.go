package httpapi

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// A request still running when the byte budget overflows keeps its key:
// forgetting it would let the client's retry run the request a second
// time.
func TestIdempotencyBudgetKeepsRunningKeys(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	idem := newIdempotency(time.Hour, 100, 1000, func() time.Time { return now })
	post := func(body string) *fasthttp.RequestCtx {
		rc := &fasthttp.RequestCtx{}
		rc.Request.Header.SetMethod("POST")
		rc.Request.SetBodyString(body)
		return rc
	}
	var runsA atomic.Int32
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	a := post("a")
	go func() {
		defer close(done)
		idem.do(a, "A", func() {
			runsA.Add(1)
			close(started)
			<-release
			a.SetStatusCode(fasthttp.StatusCreated)
			a.SetBodyString("a's answer")
		})
	}()
	<-started
	// B's answer alone is over the budget while A still runs.
	b := post("b")
	idem.do(b, "B", func() {
		b.SetStatusCode(fasthttp.StatusCreated)
		b.SetBody(make([]byte, 2000))
	})
	close(release)
	<-done

	retry := post("a")
	idem.do(retry, "A", func() { runsA.Add(1) })
	if n := runsA.Load(); n != 1 {
		t.Fatalf("A ran %d times, want once: its key was forgotten while it ran", n)
	}
	if got := string(retry.Response.Body()); got != "a's answer" {
		t.Fatalf("A's retry answered %q, want its first answer", got)
	}
	// A's answer pushed B's out: only one fits in 1,000 bytes.
	again := post("b")
	ran := false
	idem.do(again, "B", func() { ran = true })
	if !ran {
		t.Fatalf("B's 2,000-byte answer is still remembered past the 1,000-byte budget")
	}
}
