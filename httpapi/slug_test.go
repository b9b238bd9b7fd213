package httpapi_test

import (
	"sync"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// API.md: a wedding's slug is unique across the engine; a taken slug is
// 409 duplicate_slug, on creation (also when two creates race) and on a
// change of slug (PATCH /v1/weddings/{w}).
func TestHTTP_SlugUnique(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	body := func(slug string) map[string]any {
		return map[string]any{"name": "W", "slug": slug, "date": "2026-12-12"}
	}
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = s.call("POST", "/v1/weddings", s.root, body("asha-rohan")).status })
	}
	wg.Wait()
	created := 0
	for _, st := range statuses {
		switch st {
		case 201:
			created++
		case 409:
		default:
			t.Errorf("concurrent create: %d", st)
		}
	}
	if created != 1 {
		t.Fatalf("%d of %d concurrent creates with one slug succeeded (%v), want 1", created, n, statuses)
	}
	wantError(t, s.call("POST", "/v1/weddings", s.root, body("asha-rohan")), 409, "duplicate_slug")

	w, owner := s.newWedding("other")
	a := s.call("PATCH", "/v1/weddings/"+w, owner, map[string]any{"slug": "asha-rohan"})
	if d := wantError(t, a, 409, "duplicate_slug"); d["field"] != "slug" || d["existing_id"] != nil {
		t.Errorf("duplicate_slug names %v; it must not reveal the other wedding", d)
	}
	got := s.must(200, "PATCH", "/v1/weddings/"+w, owner, map[string]any{"slug": "other-2027", "name": "Other, renamed"})
	if got.str("slug") != "other-2027" || got.str("name") != "Other, renamed" {
		t.Errorf("PATCH answered %s", got.raw)
	}
	// The old slug is free again; the new one is taken.
	s.must(201, "POST", "/v1/weddings", s.root, body("other"))
	wantError(t, s.call("POST", "/v1/weddings", s.root, body("other-2027")), 409, "duplicate_slug")
	wantError(t, s.call("PATCH", "/v1/weddings/"+w, owner, map[string]any{"slug": "Not A Slug"}), 400, "invalid_field")
	_, admin := s.issue(w, owner, "admin", "")
	wantError(t, s.call("PATCH", "/v1/weddings/"+w, admin, map[string]any{"slug": "mine"}), 403, "forbidden")
}
