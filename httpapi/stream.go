package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/domain"
)

// GET /v1/weddings/{w}/headcount/stream: the headcount as Server-Sent
// Events (API.md "Guests' own pages"). The first event's data is the
// headcount the caller may see (the GET .../headcount answer, the same
// memoized bytes), sent at once; another follows each durable change that
// moves it. Nothing polls: the stream waits on the engine's WatchView,
// which wakes when the wedding publishes a view. A change that leaves the
// caller's headcount as it was (a unit renamed, an RSVP of the other side
// for a side admin) sends nothing: events are compared without their seq
// and as_of. A comment line every StreamHeartbeat of silence keeps proxies
// from closing the connection, and finds a client that has gone.
//
// The stream is fasthttp's body stream writer: the handler returns at
// once (so the request timeout, the metrics and the log line see only the
// stream's start, and the route needs no flag), and fasthttp writes the
// events as the writer makes them, each flushed, chunked. Its connection
// closes when the stream ends. The stream ends when the client goes (its
// next write fails: at the latest at the next heartbeat), when the
// server shuts down (fasthttp's Shutdown closes its done channel, which
// ends every stream, and waits for their connections), when the engine
// closes, and when the caller's token is revoked (each new view checks
// it). The server's WriteTimeout bounds each event's write, not the
// stream.
//
// Streams are bounded: MaxStreams per server and MaxStreamsPerWedding per
// wedding; past them, 429 overloaded with Retry-After.

// Stream limits and timing (see streamHub for tests' overrides).
const (
	MaxStreams           = 10_000
	MaxStreamsPerWedding = 1_000
	StreamHeartbeat      = 15 * time.Second
	// streamRetryAfter is the Retry-After of a stream refused for the
	// limits, in seconds.
	streamRetryAfter = 5
)

// viewWatcher is what the stream needs of the engine besides Engine;
// *actors.Engine has it.
type viewWatcher interface {
	// WatchView returns the wedding's first published view with a Seq
	// above after, waiting up to ctx.
	WatchView(ctx context.Context, weddingID string, after uint64) (*domain.View, error)
}

var (
	errStreamsBusy = &apiError{Status: fasthttp.StatusTooManyRequests, Code: "overloaded",
		Message: "the server has as many headcount streams open as it keeps; retry after the delay in Retry-After", RetryAfter: streamRetryAfter}
	errWeddingStreamsBusy = &apiError{Status: fasthttp.StatusTooManyRequests, Code: "overloaded",
		Message: "this wedding has as many headcount streams open as it keeps; close one, or retry after the delay in Retry-After", RetryAfter: streamRetryAfter}
	errNoWatch = errors.New("httpapi: the engine cannot watch views; no headcount stream")
)

var (
	sseData      = []byte("data: ")
	sseEnd       = []byte("\n\n")
	sseHeartbeat = []byte(": keepalive\n\n")
	eventsKey    = []byte(`,"events":[`)
)

func (s *Server) headcountStream(r *request) error {
	watcher, ok := s.eng.(viewWatcher)
	if !ok {
		return errNoWatch
	}
	v := r.view
	if v == nil { // root: its token names no wedding, so authenticate read no view
		var err error
		if v, err = s.view(r, r.wedding); err != nil {
			return err
		}
	}
	rc := r.rc
	rc.SetStatusCode(fasthttp.StatusOK)
	rc.SetContentType("text/event-stream")
	rc.Response.Header.Set("Cache-Control", "no-cache")
	rc.Response.Header.Set("X-Accel-Buffering", "no") // nginx: do not buffer the events
	if rc.IsHead() {
		return nil
	}
	st, aerr := s.streams.open(r.wedding, rc.Done())
	if aerr != nil {
		return aerr
	}
	// The stream's connection is not reused: its writer may still set
	// its deadline after fasthttp is done with the response.
	rc.SetConnectionClose()
	conn := rc.Conn()
	if conn != nil {
		// Ours, not the server's WriteTimeout for the whole response.
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	}
	out := &sseWriter{conn: conn, timeout: s.cfg.WriteTimeout}
	var hash *[32]byte
	if r.by.Role != domain.RoleRoot {
		h := hashBytes(bearer(rc))
		hash = &h
	}
	by, wedding := r.by, r.wedding
	heartbeat := s.streams.heartbeatEvery()
	rc.SetBodyStreamWriter(func(bw *bufio.Writer) {
		defer s.streams.close(st)
		out.bw = bw
		follow(st.ctx, out, watcher, wedding, by, hash, v, heartbeat)
	})
	return nil
}

// follow writes the stream: v's headcount at once, then each one that
// differs from the last sent, until ctx ends, a write fails, the engine
// gives up or the token (hash; nil for root) no longer authenticates.
func follow(ctx context.Context, out *sseWriter, w viewWatcher, wedding string, by domain.Principal, hash *[32]byte, v *domain.View, heartbeat time.Duration) {
	body := headcountOf(v, by)
	last := headcountPart(body)
	if out.event(body) != nil {
		return
	}
	after := v.Seq
	for {
		wctx, cancel := context.WithTimeout(ctx, heartbeat)
		next, err := w.WatchView(wctx, wedding, after)
		cancel()
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				if out.write(sseHeartbeat) != nil {
					return
				}
				continue
			}
			return // shutting down, the engine closing, or the wedding gone
		}
		after = next.Seq
		if hash != nil {
			p, ok := next.Authenticate(*hash)
			if !ok {
				return // revoked
			}
			by = p
		}
		body = headcountOf(next, by)
		if part := headcountPart(body); !bytes.Equal(part, last) {
			last = part
			if out.event(body) != nil {
				return
			}
		}
	}
}

// headcountOf is the headcount by may see in v, as GET .../headcount
// answers it (memoized per view and scope).
func headcountOf(v *domain.View, by domain.Principal) []byte {
	return v.Memo(by, func(h domain.Headcount) []byte { return appendHeadcount(nil, v, h) })
}

// headcountPart is an encoded headcount without its wedding_id, seq and
// as_of: what a dashboard shows. (A JSON string cannot hold `,"events":[`
// unescaped, so the first one is the field's.)
func headcountPart(b []byte) []byte {
	if i := bytes.Index(b, eventsKey); i >= 0 {
		return b[i:]
	}
	return b
}

// sseWriter writes a stream's events, each flushed under the server's
// write timeout.
type sseWriter struct {
	bw      *bufio.Writer
	conn    net.Conn // nil for a handler called without a server
	timeout time.Duration
}

func (w *sseWriter) event(data []byte) error {
	w.deadline()
	_, _ = w.bw.Write(sseData)
	_, _ = w.bw.Write(data)
	_, _ = w.bw.Write(sseEnd)
	return w.bw.Flush()
}

func (w *sseWriter) write(b []byte) error {
	w.deadline()
	_, _ = w.bw.Write(b)
	return w.bw.Flush()
}

func (w *sseWriter) deadline() {
	if w.conn != nil {
		_ = w.conn.SetWriteDeadline(time.Now().Add(w.timeout))
	}
}

// streamHub counts the open streams and ends them all when the server
// shuts down. Its zero value is ready; the zero limits are the defaults.
type streamHub struct {
	mu sync.Mutex
	// max and perWedding bound the streams (0: MaxStreams,
	// MaxStreamsPerWedding); heartbeat is StreamHeartbeat when 0. Tests
	// set them before serving.
	max, perWedding int
	heartbeat       time.Duration
	total           int
	byWedding       map[string]int
	live            map[*liveStream]struct{}
	// watched is the server's done channel a goroutine waits on to end
	// every stream (fasthttp makes one per Serve, closed by Shutdown).
	watched <-chan struct{}
}

// liveStream is one open stream.
type liveStream struct {
	ctx     context.Context
	cancel  context.CancelFunc
	wedding string
}

func (h *streamHub) heartbeatEvery() time.Duration {
	if h.heartbeat > 0 {
		return h.heartbeat
	}
	return StreamHeartbeat
}

// open takes a stream's place, or refuses it (429). done is the server's
// shutdown channel (nil: none); the stream's ctx ends when it closes.
func (h *streamHub) open(wedding string, done <-chan struct{}) (*liveStream, *apiError) {
	h.mu.Lock()
	defer h.mu.Unlock()
	limit, perWedding := h.max, h.perWedding
	if limit <= 0 {
		limit = MaxStreams
	}
	if perWedding <= 0 {
		perWedding = MaxStreamsPerWedding
	}
	switch {
	case h.total >= limit:
		return nil, errStreamsBusy
	case h.byWedding[wedding] >= perWedding:
		return nil, errWeddingStreamsBusy
	}
	if h.live == nil {
		h.live = map[*liveStream]struct{}{}
		h.byWedding = map[string]int{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := &liveStream{ctx: ctx, cancel: cancel, wedding: wedding}
	h.live[st] = struct{}{}
	h.total++
	h.byWedding[wedding]++
	if done != nil && done != h.watched {
		h.watched = done
		go func() {
			<-done
			h.endAll()
		}()
	}
	select {
	case <-done: // closed before the goroutine above could see st
		cancel()
	default:
	}
	return st, nil
}

// close gives a stream's place back.
func (h *streamHub) close(st *liveStream) {
	st.cancel()
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.live[st]; !ok {
		return
	}
	delete(h.live, st)
	h.total--
	if h.byWedding[st.wedding]--; h.byWedding[st.wedding] <= 0 {
		delete(h.byWedding, st.wedding)
	}
}

// endAll ends every open stream (the server is shutting down).
func (h *streamHub) endAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.live {
		st.cancel()
	}
}

// count is the number of streams open (for tests).
func (h *streamHub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}
