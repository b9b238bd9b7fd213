package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_HeadOnGetRoutes: HEAD on every GET route answers what GET
// answers (status, Content-Type, Content-Length), without the body; it was
// 405 (RFC 9110 9.3.2: HEAD is GET without the content).
func TestHTTP_HeadOnGetRoutes(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("head")
	e := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	u := s.unit(w, owner, unitBody("Sharma", "bride", nil, phone(1)))
	id, _ := s.issue(w, owner, "viewer", "")
	fill := strings.NewReplacer("{w}", w, "{e}", e, "{u}", u, "{id}", id)
	var gets []string
	for method, paths := range s.srv.Routes() {
		switch method {
		case "GET":
			gets = append(gets, paths...)
		case "HEAD":
			t.Errorf("Routes lists HEAD %v: it lists the table's routes, which the docs cover", paths)
		}
	}
	if len(gets) == 0 {
		t.Fatal("no GET routes")
	}
	for _, p := range gets {
		t.Run(p, func(t *testing.T) {
			s := s.with(t)
			path := fill.Replace(p)
			for _, token := range []string{owner, ""} {
				get := s.call("GET", path, token, nil)
				head := s.call("HEAD", path, token, nil)
				if head.status != get.status {
					t.Fatalf("token %q: HEAD %d, GET %d: %s", token, head.status, get.status, head.raw)
				}
				if len(head.raw) != 0 {
					t.Errorf("HEAD answered a body: %s", head.raw)
				}
				for _, h := range []string{"Content-Type", "Content-Length"} {
					// /metrics grows between two calls (the calls count).
					if h == "Content-Length" && p == "/metrics" {
						continue
					}
					if head.header.Get(h) != get.header.Get(h) {
						t.Errorf("token %q: HEAD %s %q, GET %q", token, h, head.header.Get(h), get.header.Get(h))
					}
				}
			}
		})
	}
	// Other methods stay refused, and name HEAD among the allowed ones.
	a := s.call("PUT", "/v1/weddings/"+w+"/headcount", owner, nil)
	wantError(t, a, 405, "method_not_allowed")
	if allow := a.header.Get("Allow"); !strings.Contains(allow, "HEAD") || !strings.Contains(allow, "GET") {
		t.Errorf("Allow %q, want GET and HEAD", allow)
	}
}
