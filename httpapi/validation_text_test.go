package httpapi_test

import (
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_TextControlChars: control and bidi characters in names, tags
// and venues are a 400 invalid_field naming the field; a note may hold
// line breaks but no other control character.
func TestHTTP_TextControlChars(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("text-chars")
	base := "/v1/weddings/" + w
	e := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	u := s.unit(w, owner, unitBody("Sharma", "bride", nil, phone(1)))
	s.must(200, "POST", base+"/invitations", owner, map[string]any{"event_ids": []string{e}, "all": true})
	rsvp := base + "/rsvps/" + u + "/" + e

	tests := []struct {
		name         string
		method, path string
		body         any
		field        string // "" for success
	}{
		{"unit name with RLO", "POST", base + "/units", map[string]any{"name": "Sharma\u202eamrahS", "members": []any{map[string]any{"name": "A"}}}, "name"},
		{"member name with a newline", "POST", base + "/units", map[string]any{"members": []any{map[string]any{"name": "A\nB"}}}, "members.0.name"},
		{"tag with NUL", "POST", base + "/units", unitBody("Verma", "groom", []string{"v\x00ip"}, ""), "tags.0"},
		{"batch member name with a tab", "POST", base + "/units/batch", nil, ""},
		{"venue with a tab", "PATCH", base + "/events/" + e, map[string]any{"venue": "City\tPalace"}, "venue"},
		{"event name with an isolate", "POST", base + "/events", map[string]any{"name": "Hal\u2067di", "starts_at": "2026-12-10T10:00:00Z"}, "name"},
		{"note with a tab", "PUT", rsvp, map[string]any{"status": "yes", "note": "veg\tonly"}, "note"},
		{"note with RLO", "PUT", rsvp, map[string]any{"status": "yes", "note": "veg \u202eonly"}, "note"},
		{"note over two lines", "PUT", rsvp, map[string]any{"status": "yes", "note": "veg only\r\narriving late"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			if tt.path == base+"/units/batch" {
				a := s.must(200, "POST", tt.path, owner, map[string]any{"units": []any{
					map[string]any{"members": []any{map[string]any{"name": "A\tB"}}}}})
				res := obj(a.body["results"].([]any)[0])
				if e := obj(res["error"]); e["code"] != "invalid_field" || e["field"] != "units.0.members.0.name" {
					t.Errorf("batch item: %s", a.raw)
				}
				return
			}
			seq := s.seq(w)
			a := s.call(tt.method, tt.path, owner, tt.body)
			if tt.field == "" {
				if a.status != 200 {
					t.Fatalf("status %d: %s", a.status, a.raw)
				}
				return
			}
			if got := wantError(t, a, 400, "invalid_field"); got["field"] != tt.field {
				t.Errorf("field %v, want %s", got["field"], tt.field)
			}
			if after := s.seq(w); after != seq {
				t.Errorf("seq moved %d → %d on a rejected request", seq, after)
			}
		})
	}
}
