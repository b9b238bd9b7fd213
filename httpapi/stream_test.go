package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/storage"
)

// The headcount stream over real HTTP on loopback, read by net/http as a
// dashboard's fetch reads it.

// streamEnv is a real engine behind a real server on loopback.
type streamEnv struct {
	t    *testing.T
	url  string
	root string
	srv  *Server
	eng  *actors.Engine
	cl   *http.Client
	tr   *http.Transport
	stop func()
}

func newStreamEnv(t *testing.T, tune func(*streamHub)) *streamEnv {
	t.Helper()
	db, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := actors.New(db, actors.Config{IdleTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	root := NewRootToken()
	srv := New(eng, Config{RootTokenHash: HashToken(root)})
	if tune != nil {
		tune(&srv.streams)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	srv.SetReady(true)
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tr.CloseIdleConnections()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			_ = eng.Close(ctx)
			_ = db.Close()
		})
	}
	t.Cleanup(stop)
	return &streamEnv{t: t, url: "http://" + ln.Addr().String(), root: root, srv: srv, eng: eng,
		cl: &http.Client{Transport: tr}, tr: tr, stop: stop}
}

// call sends a JSON request and returns the status and the decoded body.
func (e *streamEnv) call(method, path, token string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.cl.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, out
}

func (e *streamEnv) must(want int, method, path, token string, body any) map[string]any {
	e.t.Helper()
	st, out := e.call(method, path, token, body)
	if st != want {
		e.t.Fatalf("%s %s: status %d, want %d: %v", method, path, st, want, out)
	}
	return out
}

// raw is a GET's body as sent.
func (e *streamEnv) raw(path, token string) string {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.cl.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// streamFixture: a wedding with an event, a bride and a groom unit, all
// invited, and tokens.
type streamFixture struct {
	w, owner, bride, viewer, viewerID, e, brideUnit, groomUnit string
}

func (e *streamEnv) fixture() streamFixture {
	e.t.Helper()
	var f streamFixture
	f.w, _ = e.must(201, "POST", "/v1/weddings", e.root, map[string]any{"name": "Stream", "slug": "stream",
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"})["id"].(string)
	issue := func(role, side string) (string, string) {
		body := map[string]any{"role": role, "label": role}
		if side != "" {
			body["side"] = side
		}
		a := e.must(201, "POST", "/v1/weddings/"+f.w+"/tokens", e.root, body)
		return a["id"].(string), a["token"].(string)
	}
	_, f.owner = issue("owner", "")
	_, f.bride = issue("side_admin", "bride")
	f.viewerID, f.viewer = issue("viewer", "")
	base := "/v1/weddings/" + f.w
	f.e = e.must(201, "POST", base+"/events", f.owner, map[string]any{"name": "Sangeet",
		"starts_at": "2026-12-11T18:00:00+05:30", "venue": "Udaipur"})["id"].(string)
	unit := func(name, side, phone string) string {
		return e.must(201, "POST", base+"/units", f.owner, map[string]any{"name": name, "side": side,
			"members": []any{map[string]any{"name": name + " ji", "phone": phone}}})["id"].(string)
	}
	f.brideUnit = unit("Sharma", "bride", "98765 00001")
	f.groomUnit = unit("Verma", "groom", "98765 00002")
	e.must(200, "POST", base+"/invitations", f.owner, map[string]any{"event_ids": []string{f.e}, "all": true})
	return f
}

func (e *streamEnv) rsvp(f streamFixture, unit, status string) {
	e.t.Helper()
	e.must(200, "PUT", "/v1/weddings/"+f.w+"/rsvps/"+unit+"/"+f.e, f.owner, map[string]any{"status": status})
}

// sse is one stream being read.
type sse struct {
	resp     *http.Response
	cancel   context.CancelFunc
	events   chan sseEvent
	comments chan string
	ended    chan struct{} // closed at the stream's end
}

// open opens a stream with token; the answer must be 200.
func (e *streamEnv) open(w, token string) *sse {
	e.t.Helper()
	s, status := e.tryOpen(w, token)
	if status != 200 {
		e.t.Fatalf("stream: status %d", status)
	}
	return s
}

// tryOpen opens a stream; a non-200 answer's body is read and closed.
func (e *streamEnv) tryOpen(w, token string) (*sse, int) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/weddings/"+w+"/headcount/stream", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.cl.Do(req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		e.t.Errorf("Content-Type %q, want text/event-stream", ct)
	}
	s := &sse{resp: resp, cancel: cancel, events: make(chan sseEvent, 64), comments: make(chan string, 64), ended: make(chan struct{})}
	go func() {
		defer close(s.ended)
		br := bufio.NewReader(resp.Body)
		var data string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch {
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimSuffix(line[len("data: "):], "\n")
			case line == "\n" && data != "":
				s.events <- sseEvent{data: data, at: time.Now()}
				data = ""
			case strings.HasPrefix(line, ":"):
				select {
				case s.comments <- line:
				default:
				}
			}
		}
	}()
	e.t.Cleanup(s.close)
	return s, 200
}

func (s *sse) close() {
	s.cancel()
	s.resp.Body.Close()
}

// sseEvent is one event's data, and when it was read.
type sseEvent struct {
	data string
	at   time.Time
}

// next is the stream's next event's data, within 5 s.
func (s *sse) next(t *testing.T) string {
	t.Helper()
	return s.nextEvent(t).data
}

func (s *sse) nextEvent(t *testing.T) sseEvent {
	t.Helper()
	select {
	case ev := <-s.events:
		return ev
	case <-s.ended:
		t.Fatal("the stream ended")
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return sseEvent{}
}

// waitEnd waits (up to 10 s) for the stream to end.
func (s *sse) waitEnd(t *testing.T) {
	t.Helper()
	select {
	case <-s.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end within 10 s")
	}
}

type headcountEvent struct {
	Seq    uint64 `json:"seq"`
	Totals struct {
		YesHeadcount int `json:"yes_headcount"`
	} `json:"totals"`
}

func decodeEvent(t *testing.T, d string) headcountEvent {
	t.Helper()
	var ev headcountEvent
	if err := json.Unmarshal([]byte(d), &ev); err != nil {
		t.Fatalf("event data is not the headcount: %v: %s", err, d)
	}
	return ev
}

func (e *streamEnv) seq(w string) uint64 {
	e.t.Helper()
	n, _ := e.must(200, "GET", "/v1/weddings/"+w, e.root, nil)["seq"].(float64)
	return uint64(n)
}

func TestHeadcountStream(t *testing.T) {
	env := newStreamEnv(t, nil)
	f := env.fixture()
	hc := "/v1/weddings/" + f.w + "/headcount"

	owner, bride := env.open(f.w, f.owner), env.open(f.w, f.bride)
	// The first event at once: the headcount as GET answers it, each its
	// own scope.
	if got, want := owner.next(t), env.raw(hc, f.owner); got != want {
		t.Fatalf("first event:\n%s\nwant GET headcount:\n%s", got, want)
	}
	if got, want := bride.next(t), env.raw(hc, f.bride); got != want {
		t.Fatalf("side admin's first event:\n%s\nwant its GET headcount:\n%s", got, want)
	}

	// An RSVP of the groom's side: the owner sees it, the bride's side
	// admin not (its headcount did not move).
	env.rsvp(f, f.groomUnit, "yes")
	ev := decodeEvent(t, owner.next(t))
	if ev.Seq != env.seq(f.w) || ev.Totals.YesHeadcount != 1 {
		t.Fatalf("after the groom's RSVP: %+v; want seq %d and 1 yes", ev, env.seq(f.w))
	}

	// A unit renamed moves no headcount: no event. The next event is the
	// next RSVP's, for both.
	env.must(200, "PATCH", "/v1/weddings/"+f.w+"/units/"+f.brideUnit, f.owner, map[string]any{"name": "Sharma parivar"})
	env.rsvp(f, f.brideUnit, "yes")
	want := env.seq(f.w)
	for name, s := range map[string]*sse{"owner": owner, "bride": bride} {
		ev := decodeEvent(t, s.next(t))
		if ev.Seq != want {
			t.Fatalf("%s: event of seq %d, want %d (the rename or the other side's RSVP must send nothing)", name, ev.Seq, want)
		}
	}
}

func TestHeadcountStreamHeartbeatAndRevoke(t *testing.T) {
	env := newStreamEnv(t, func(h *streamHub) { h.heartbeat = 20 * time.Millisecond })
	f := env.fixture()
	v := env.open(f.w, f.viewer)
	v.next(t)
	select {
	case c := <-v.comments:
		if c != ": keepalive\n" {
			t.Fatalf("heartbeat %q", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no heartbeat within 5 s")
	}
	// Revoking the token ends its stream.
	env.must(204, "DELETE", "/v1/weddings/"+f.w+"/tokens/"+f.viewerID, f.owner, nil)
	v.waitEnd(t)
}

func TestHeadcountStreamAuth(t *testing.T) {
	env := newStreamEnv(t, nil)
	f := env.fixture()
	if _, st := env.tryOpen(f.w, ""); st != 401 {
		t.Fatalf("no token: %d, want 401", st)
	}
	other := env.must(201, "POST", "/v1/weddings", env.root, map[string]any{"name": "Other", "slug": "other",
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"})["id"].(string)
	if _, st := env.tryOpen(other, f.owner); st != 404 {
		t.Fatalf("another wedding's token: %d, want 404", st)
	}
	// Root sees everything.
	if got, want := env.open(f.w, env.root).next(t), env.raw("/v1/weddings/"+f.w+"/headcount", env.root); got != want {
		t.Fatalf("root's first event %s, want %s", got, want)
	}
	// HEAD answers the headers only, and takes no stream.
	req, _ := http.NewRequest("HEAD", env.url+"/v1/weddings/"+f.w+"/headcount/stream", nil)
	req.Header.Set("Authorization", "Bearer "+f.owner)
	resp, err := env.cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("HEAD: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// As GET: no Content-Length (GET's body is chunked, and endless).
	get := env.open(f.w, f.owner)
	if h, g := resp.Header.Get("Content-Length"), get.resp.Header.Get("Content-Length"); h != g {
		t.Errorf("HEAD Content-Length %q, GET %q", h, g)
	}
}

// waitStreams waits (up to 10 s) for the server to count n open streams.
func waitStreams(t *testing.T, srv *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.streams.count() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams open, want %d", srv.streams.count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHeadcountStreamLimits(t *testing.T) {
	env := newStreamEnv(t, func(h *streamHub) {
		h.max, h.perWedding = 2, 1
		h.heartbeat = 20 * time.Millisecond // finds a gone client soon
	})
	f := env.fixture()
	a := env.open(f.w, f.owner)
	a.next(t)
	// One per wedding: the next is refused, 429 with Retry-After.
	req, _ := http.NewRequest("GET", env.url+"/v1/weddings/"+f.w+"/headcount/stream", nil)
	req.Header.Set("Authorization", "Bearer "+f.owner)
	resp, err := env.cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"overloaded"`) {
		t.Fatalf("over the wedding's limit: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// Another wedding has its own place, up to the server's limit.
	other := env.must(201, "POST", "/v1/weddings", env.root, map[string]any{"name": "Other", "slug": "other",
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"})["id"].(string)
	env.open(other, env.root).next(t)
	third := env.must(201, "POST", "/v1/weddings", env.root, map[string]any{"name": "Third", "slug": "third",
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"})["id"].(string)
	if _, st := env.tryOpen(third, env.root); st != 429 {
		t.Fatalf("over the server's limit: %d, want 429", st)
	}
	// A client that goes frees its place.
	a.close()
	waitStreams(t, env.srv, 1)
	env.open(f.w, f.owner).next(t)
}

func TestHeadcountStreamEndsOnShutdown(t *testing.T) {
	env := newStreamEnv(t, nil)
	f := env.fixture()
	s := env.open(f.w, f.owner)
	s.next(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := env.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a stream open: %v", err)
	}
	s.waitEnd(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	if n := env.srv.streams.count(); n != 0 {
		t.Fatalf("%d streams open after shutdown", n)
	}
}

func TestHeadcountStreamEndsOnEngineClose(t *testing.T) {
	env := newStreamEnv(t, nil)
	f := env.fixture()
	s := env.open(f.w, f.owner)
	s.next(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.eng.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s.waitEnd(t)
	waitStreams(t, env.srv, 0)
}

// The latency from an RSVP's 200 to the dashboards' events, with 100
// dashboards streaming: a smoke version of the bench's dashboard part (the
// bench's target is a p99 under 50 ms; here only that every dashboard gets
// every change is checked, and the latencies are logged).
func TestHeadcountStreamFanOut(t *testing.T) {
	env := newStreamEnv(t, nil)
	f := env.fixture()
	const dashboards, changes = 100, 20
	ss := make([]*sse, dashboards)
	for i := range ss {
		ss[i] = env.open(f.w, f.owner)
		ss[i].next(t)
	}
	var lat []time.Duration
	for i := range changes {
		env.rsvp(f, f.groomUnit, []string{"yes", "no"}[i%2])
		answered := time.Now()
		want := env.seq(f.w)
		for j, s := range ss {
			ev := s.nextEvent(t)
			if got := decodeEvent(t, ev.data); got.Seq != want {
				t.Fatalf("change %d, dashboard %d: seq %d, want %d", i, j, got.Seq, want)
			}
			lat = append(lat, max(ev.at.Sub(answered), 0))
		}
	}
	slices.Sort(lat)
	t.Logf("%d dashboards, %d changes: from the RSVP's 200 to an event: p50 %v, p99 %v, max %v",
		dashboards, changes, lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
}
