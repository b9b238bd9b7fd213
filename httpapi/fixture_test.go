package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Fixtures shared by the end-to-end tests: weddings, tokens, units, and the
// checks every error answer must pass.

// with returns a copy of s that reports to t (a subtest must not fail its
// parent).
func (s *testServer) with(t testing.TB) *testServer {
	c := *s
	c.t = t
	return &c
}

// newWedding creates a wedding as root and issues an owner token for it.
func (s *testServer) newWedding(slug string) (id, owner string) {
	s.t.Helper()
	w := s.must(201, "POST", "/v1/weddings", s.root, map[string]any{"name": "Wedding " + slug, "slug": slug,
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"})
	id = w.str("id")
	if id == "" {
		s.t.Fatalf("create wedding: no id: %s", w.raw)
	}
	_, owner = s.issue(id, s.root, "owner", "")
	return id, owner
}

// issue issues a token of role (and side, for side_admin) with by's token.
func (s *testServer) issue(w, by, role, side string) (id, token string) {
	s.t.Helper()
	body := map[string]any{"role": role, "label": role + " " + side}
	if side != "" {
		body["side"] = side
	}
	a := s.must(201, "POST", "/v1/weddings/"+w+"/tokens", by, body)
	return a.str("id"), a.str("token")
}

// seq is the wedding's journal sequence (read as root).
func (s *testServer) seq(w string) uint64 {
	s.t.Helper()
	a := s.must(200, "GET", "/v1/weddings/"+w, s.root, nil)
	n, _ := a.body["seq"].(float64)
	return uint64(n)
}

// event adds an event and returns its id.
func (s *testServer) event(w, token, name, startsAt string) string {
	s.t.Helper()
	return s.must(201, "POST", "/v1/weddings/"+w+"/events", token,
		map[string]any{"name": name, "starts_at": startsAt, "venue": "Udaipur"}).str("id")
}

// unit adds a unit and returns its id.
func (s *testServer) unit(w, token string, body map[string]any) string {
	s.t.Helper()
	return s.must(201, "POST", "/v1/weddings/"+w+"/units", token, body).str("id")
}

// list follows a list's next cursors (at most 100 pages) and returns every
// item. path may carry a query already.
func (s *testServer) list(path, token string, limit int) []map[string]any {
	s.t.Helper()
	var out []map[string]any
	after := ""
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for range 100 {
		q := fmt.Sprintf("%slimit=%d", sep, limit)
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		a := s.must(200, "GET", path+q, token, nil)
		for _, it := range a.items() {
			out = append(out, it.(map[string]any))
		}
		if _, ok := a.body["next"]; !ok {
			s.t.Fatalf("GET %s: no next in %s", path+q, a.raw)
		}
		after = a.str("next")
		if after == "" {
			return out
		}
	}
	s.t.Fatalf("GET %s: more than 100 pages", path)
	return nil
}

// unitIDs lists the ids of every unit token may see.
func (s *testServer) unitIDs(w, token string) []string {
	s.t.Helper()
	var ids []string
	for _, u := range s.list("/v1/weddings/"+w+"/units", token, 1000) {
		ids = append(ids, u["id"].(string))
	}
	return ids
}

// unitBody is a unit's JSON: one member per phone ("" for none).
func unitBody(name, side string, tags []string, phones ...string) map[string]any {
	var ms []any
	for i, p := range phones {
		m := map[string]any{"name": fmt.Sprintf("%s member %d", name, i)}
		if p != "" {
			m["phone"] = p
		}
		ms = append(ms, m)
	}
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{"name": name, "side": side, "tags": tags, "members": ms}
}

// phone is the i-th of a series of distinct valid Indian mobile numbers,
// written as people type them.
func phone(i int) string { return fmt.Sprintf("98765 %05d", i) }

// e164 is phone(i) as the server stores it.
func e164(i int) string { return fmt.Sprintf("+9198765%05d", i) }

// wantError checks that a is an error answer of status and code with
// exactly the documented shape, and returns its error object.
func wantError(t testing.TB, a answer, status int, code string) map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d (%s): %s", a.status, status, code, a.raw)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error answer Content-Type %q, want application/json: %s", ct, a.raw)
	}
	if len(a.body) != 1 {
		t.Fatalf("error body must be exactly {\"error\":{...}}: %s", a.raw)
	}
	e, ok := a.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("error body has no error object: %s", a.raw)
	}
	for k, v := range e {
		switch k {
		case "code", "message", "field", "existing_id":
		default:
			t.Errorf("error object has unexpected key %q: %s", k, a.raw)
		}
		if s, ok := v.(string); !ok || s == "" {
			t.Errorf("error.%s must be a non-empty string: %s", k, a.raw)
		}
	}
	if a.errCode() != code {
		t.Errorf("error code %q, want %s: %s", a.errCode(), code, a.raw)
	}
	if _, ok := e["message"]; !ok {
		t.Errorf("error has no message: %s", a.raw)
	}
	return e
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
