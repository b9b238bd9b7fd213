package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_EventEpoch: the Unix epoch is a time like any other, not
// "unset". An ends_at given as 1970-01-01T00:00:00Z is before the event's
// start (400), never a way to clear the end; only "" clears it, and an
// absent or null ends_at leaves it. Event times before 2000 are refused
// with a message that says so, the epoch included.
func TestHTTP_EventEpoch(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("event-epoch")
	base := "/v1/weddings/" + w + "/events"
	const epoch = "1970-01-01T00:00:00Z"
	e := s.must(201, "POST", base, owner, map[string]any{"name": "Sangeet",
		"starts_at": "2026-12-11T18:00:00+05:30", "ends_at": "2026-12-11T23:00:00+05:30"}).str("id")
	const end = "2026-12-11T17:30:00Z"

	tests := []struct {
		name         string
		method, path string
		body         any
		status       int
		field, msg   string // for errors
		endsAt       any    // for successes: the answer's ends_at
	}{
		{name: "PATCH ends_at at the epoch", method: "PATCH", path: base + "/" + e, body: map[string]any{"ends_at": epoch},
			status: 400, field: "ends_at", msg: "before starts_at"},
		{name: "POST ends_at at the epoch", method: "POST", path: base, body: map[string]any{"name": "Haldi",
			"starts_at": "2026-12-10T10:00:00Z", "ends_at": epoch}, status: 400, field: "ends_at", msg: "before starts_at"},
		{name: "POST starts_at at the epoch", method: "POST", path: base, body: map[string]any{"name": "Haldi",
			"starts_at": epoch}, status: 400, field: "starts_at", msg: "2000"},
		{name: "PATCH starts_at at the epoch", method: "PATCH", path: base + "/" + e, body: map[string]any{"starts_at": epoch},
			status: 400, field: "starts_at", msg: "2000"},
		{name: "POST starts_at in 1999", method: "POST", path: base, body: map[string]any{"name": "Haldi",
			"starts_at": "1999-12-31T23:59:59Z"}, status: 400, field: "starts_at", msg: "2000"},
		{name: "PATCH ends_at null leaves it", method: "PATCH", path: base + "/" + e, body: map[string]any{"ends_at": nil},
			status: 200, endsAt: end},
		{name: "PATCH without ends_at leaves it", method: "PATCH", path: base + "/" + e, body: map[string]any{"venue": "Lawn"},
			status: 200, endsAt: end},
		{name: "PATCH ends_at empty clears it", method: "PATCH", path: base + "/" + e, body: map[string]any{"ends_at": ""},
			status: 200, endsAt: nil},
		{name: "POST ends_at null is no end", method: "POST", path: base, body: map[string]any{"name": "Haldi",
			"starts_at": "2026-12-10T10:00:00Z", "ends_at": nil}, status: 201, endsAt: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			seq := s.seq(w)
			a := s.call(tt.method, tt.path, owner, tt.body)
			if tt.field != "" {
				got := wantError(t, a, tt.status, "invalid_field")
				if got["field"] != tt.field || !strings.Contains(got["message"].(string), tt.msg) {
					t.Errorf("error %v, want field %s and a message with %q", got, tt.field, tt.msg)
				}
				if after := s.seq(w); after != seq {
					t.Errorf("seq moved %d → %d on a rejected request", seq, after)
				}
				return
			}
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if a.body["ends_at"] != tt.endsAt {
				t.Errorf("ends_at %v, want %v: %s", a.body["ends_at"], tt.endsAt, a.raw)
			}
		})
	}
}
