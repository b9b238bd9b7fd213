package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
)

// The hot routes through the whole server (fasthttp's connection loop, the
// router, auth, body reading, the engine) over an in-memory listener, on an
// in-memory Pebble: what they cost beside the fsync, which a disk would add.
//
//	go test ./httpapi -run '^$' -bench 'HTTP_' -count 5

// benchServer is a real engine on an in-memory Pebble behind the real
// server on an in-memory listener, with one wedding: 100 units invited to
// one event.
type benchServer struct {
	cl          *fasthttp.Client
	w, owner, e string
	units       []string
}

func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	db, err := storage.Open("/bench", storage.Options{FS: vfs.NewMem(), CacheBytes: 8 << 20})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := actors.New(db, actors.Config{})
	if err != nil {
		b.Fatal(err)
	}
	root := httpapi.NewRootToken()
	srv := httpapi.New(eng, httpapi.Config{RootTokenHash: httpapi.HashToken(root)})
	ln := fasthttputil.NewInmemoryListener()
	go func() { _ = srv.Serve(ln) }()
	srv.SetReady(true)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = eng.Close(ctx)
		_ = db.Close()
	})
	s := &benchServer{cl: &fasthttp.Client{Dial: func(string) (net.Conn, error) { return ln.Dial() }, MaxConnsPerHost: 256}}
	var out map[string]any
	s.do(b, 201, "POST", "/v1/weddings", root, `{"name":"Bench","slug":"bench","date":"2026-12-12"}`, &out)
	s.w = out["id"].(string)
	s.do(b, 201, "POST", "/v1/weddings/"+s.w+"/tokens", root, `{"role":"owner"}`, &out)
	s.owner = out["token"].(string)
	s.do(b, 201, "POST", "/v1/weddings/"+s.w+"/events", s.owner, `{"name":"Sangeet","starts_at":"2026-12-11T18:00:00+05:30"}`, &out)
	s.e = out["id"].(string)
	units := make([]any, 100)
	for i := range units {
		units[i] = unitBody(fmt.Sprintf("Unit %d", i), "bride", nil, phone(i), phone(1000+i))
	}
	body, _ := json.Marshal(map[string]any{"units": units})
	s.do(b, 200, "POST", "/v1/weddings/"+s.w+"/units/batch", s.owner, string(body), &out)
	for _, r := range out["results"].([]any) {
		s.units = append(s.units, r.(map[string]any)["id"].(string))
	}
	s.do(b, 200, "POST", "/v1/weddings/"+s.w+"/invitations", s.owner, `{"event_ids":["`+s.e+`"],"all":true}`, &out)
	return s
}

// do sends body (a JSON string; "" for none) and decodes the answer into
// out, failing unless its status is want.
func (s *benchServer) do(b *testing.B, want int, method, path, token, body string, out *map[string]any) {
	b.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	s.prepare(req, method, path, token, body)
	if err := s.cl.Do(req, resp); err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode() != want {
		b.Fatalf("%s %s: %d: %s", method, path, resp.StatusCode(), resp.Body())
	}
	*out = nil
	if err := json.Unmarshal(resp.Body(), out); err != nil {
		b.Fatalf("%s %s: %v", method, path, err)
	}
}

func (s *benchServer) prepare(req *fasthttp.Request, method, path, token, body string) {
	req.Reset()
	req.Header.SetMethod(method)
	req.SetRequestURI("http://engine" + path)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.SetContentType("application/json")
		req.SetBodyString(body)
	}
}

// BenchmarkHTTP_Headcount: GET /v1/weddings/{w}/headcount, the hot read.
func BenchmarkHTTP_Headcount(b *testing.B) {
	s := newBenchServer(b)
	path := "/v1/weddings/" + s.w + "/headcount"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		s.prepare(req, "GET", path, s.owner, "")
		for pb.Next() {
			if err := s.cl.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Fatalf("%v %d: %s", err, resp.StatusCode(), resp.Body())
			}
		}
	})
}

// BenchmarkHTTP_RSVP: PUT /v1/weddings/{w}/rsvps/{u}/{e}, the hot write
// (a small body), round the 100 units.
func BenchmarkHTTP_RSVP(b *testing.B) {
	s := newBenchServer(b)
	var n atomic.Int64
	statuses := []string{`{"status":"yes","headcount":1,"note":"veg"}`, `{"status":"no"}`, `{"status":"maybe"}`}
	// Writes wait for their commit: many in flight, as under load.
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			i := int(n.Add(1))
			s.prepare(req, "PUT", "/v1/weddings/"+s.w+"/rsvps/"+s.units[i%len(s.units)]+"/"+s.e, s.owner, statuses[i%len(statuses)])
			if err := s.cl.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Fatalf("%v %d: %s", err, resp.StatusCode(), resp.Body())
			}
		}
	})
}
