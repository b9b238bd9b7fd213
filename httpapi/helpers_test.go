package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
)

// testServer is a real engine (Pebble in a temp dir, actors) behind a real
// HTTP server on loopback.
type testServer struct {
	t    testing.TB
	url  string
	root string
	eng  *actors.Engine
	srv  *httpapi.Server
	cl   *http.Client
	// stop shuts the server and the engine down and closes storage (also
	// done at the end of the test; stopping twice is harmless).
	stop func()
}

func newTestServer(t testing.TB, cfg httpapi.Config) *testServer {
	t.Helper()
	return newTestServerWith(t, cfg, serverOptions{})
}

// serverOptions vary the test server beyond httpapi.Config.
type serverOptions struct {
	// engine configures the actors engine. Its Registerer is always the
	// HTTP server's registry, so /metrics shows the engine's series too.
	engine actors.Config
	// notReady leaves the server not ready (readyz 503) until the test
	// calls srv.SetReady(true).
	notReady bool
	// dir is the data directory; "" means a new temporary one.
	dir string
	// root is the root token; "" means a new one.
	root string
	// listener, when set, wraps the server's listener (the edge tests
	// watch what the server does with its connections).
	listener func(net.Listener) net.Listener
	// ln, when set, is the listener to serve on (its address must be known
	// before the server is built: the sandbox posts webhooks to it).
	ln net.Listener
}

func newTestServerWith(t testing.TB, cfg httpapi.Config, opts serverOptions) *testServer {
	t.Helper()
	dir := opts.dir
	if dir == "" {
		dir = t.TempDir()
	}
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	acfg := opts.engine
	acfg.Registerer = cfg.Registry
	eng, err := actors.New(db, acfg)
	if err != nil {
		t.Fatal(err)
	}
	root := opts.root
	if root == "" {
		root = httpapi.NewRootToken()
	}
	cfg.RootTokenHash = httpapi.HashToken(root)
	srv := httpapi.New(eng, cfg)
	ln := opts.ln
	if ln == nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	served := ln
	if opts.listener != nil {
		served = opts.listener(ln)
	}
	go func() { _ = srv.Serve(served) }()
	if !opts.notReady {
		srv.SetReady(true)
	}
	// Each server has its own client connections, closed before the server
	// shuts down: Shutdown waits for open connections, and counts one that
	// never carried a request as idle (closable) only after 5 s.
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tr.CloseIdleConnections()
			_ = srv.Shutdown(ctx)
			_ = eng.Close(ctx)
			_ = db.Close()
		})
	}
	t.Cleanup(stop)
	return &testServer{t: t, url: "http://" + ln.Addr().String(), root: root, eng: eng, srv: srv,
		cl: &http.Client{Timeout: 20 * time.Second, Transport: tr}, stop: stop}
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (a answer) errCode() string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (a answer) errField() string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["field"].(string)
	return c
}

func (a answer) str(key string) string { s, _ := a.body[key].(string); return s }

func (a answer) items() []any { it, _ := a.body["items"].([]any); return it }

// members are the ids of a unit answer's members.
func (a answer) members() []string {
	ms, _ := a.body["members"].([]any)
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i], _ = m.(map[string]any)["id"].(string)
	}
	return ids
}

// call sends body (a string, []byte, or anything JSON-encodable; nil for
// none) with token; hdr are extra header name, value pairs.
func (s *testServer) call(method, path, token string, body any, hdr ...string) answer {
	s.t.Helper()
	a, err := s.try(method, path, token, body, hdr...)
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

// try is call without failing the test, for other goroutines.
func (s *testServer) try(method, path, token string, body any, hdr ...string) (answer, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		return answer{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.cl.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	var raw []byte
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		// An event stream never ends: its first event is the answer.
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadBytes('\n')
			raw = append(raw, line...)
			if err != nil || len(line) == 1 {
				break
			}
		}
	} else {
		raw, _ = io.ReadAll(resp.Body)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			return a, fmt.Errorf("%s %s: answer is not JSON: %v: %s", method, path, err, raw)
		}
	}
	return a, nil
}

// must calls and fails the test unless the status is want.
func (s *testServer) must(want int, method, path, token string, body any) answer {
	s.t.Helper()
	a := s.call(method, path, token, body)
	if a.status != want {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, a.status, want, a.raw)
	}
	return a
}
