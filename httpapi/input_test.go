package httpapi_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// Bad input gets the right 4xx, an error body of the documented shape, and
// changes nothing (API.md "Conventions": "400 … validation; nothing is
// changed").

func TestHTTP_BadInput(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("bad-input")
	e := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	first := s.must(201, "POST", "/v1/weddings/"+w+"/units", owner, unitBody("Sharma", "bride", nil, phone(1), phone(2)))
	u := first.str("id")
	holder := obj(first.body["members"].([]any)[1])["id"]
	s.must(200, "POST", "/v1/weddings/"+w+"/invitations", owner, map[string]any{"event_ids": []string{e}, "all": true})
	base := "/v1/weddings/" + w
	units := base + "/units"

	tests := []struct {
		name         string
		method, path string
		body         any
		status       int
		code, field  string
		existingID   any
		message      string // a part the message must have
	}{
		{name: "malformed JSON", method: "POST", path: units, body: `{"name":`, status: 400, code: "invalid_json"},
		{name: "trailing comma", method: "POST", path: units, body: `{"name":"x",}`, status: 400, code: "invalid_json"},
		{name: "not JSON at all", method: "POST", path: units, body: `name=x`, status: 400, code: "invalid_json"},
		{name: "two values", method: "POST", path: units, body: `{} {}`, status: 400, code: "invalid_json"},
		{name: "an array, not an object", method: "POST", path: units, body: `[]`, status: 400, code: "invalid_json", message: "must be an object"},
		{name: "a string, not an object", method: "PUT", path: base + "/rsvps/" + u + "/" + e, body: `"yes"`, status: 400, code: "invalid_json"},
		{name: "invalid UTF-8", method: "POST", path: units, body: []byte("{\"name\":\"\xff\xfe\"}"), status: 400, code: "invalid_json"},
		{name: "empty body", method: "POST", path: units, body: "", status: 400, code: "invalid_json"},
		{name: "blank body", method: "POST", path: base + "/events", body: " \n", status: 400, code: "invalid_json"},
		{name: "empty body on PATCH", method: "PATCH", path: units + "/" + u, body: "", status: 400, code: "invalid_json"},
		{name: "empty body on PUT", method: "PUT", path: base + "/rsvps/" + u + "/" + e, body: "", status: 400, code: "invalid_json"},
		{name: "empty body on invitations", method: "POST", path: base + "/invitations", body: "", status: 400, code: "invalid_json"},
		{name: "empty body on a new wedding", method: "POST", path: "/v1/weddings", body: "", status: 400, code: "invalid_json"},
		{name: "unknown field", method: "POST", path: units, body: `{"nmae":"Sharma","members":[{"name":"A"}]}`, status: 400, code: "unknown_field", field: "nmae"},
		{name: "unknown member field", method: "POST", path: units, body: `{"members":[{"name":"A","mobile":"1"}]}`, status: 400, code: "unknown_field", field: "mobile"},
		{name: "unknown field with a quote", method: "POST", path: base + "/events", body: `{"a\"b":1}`, status: 400, code: "unknown_field", field: `a"b`},
		{name: "unknown field on a rsvp", method: "PUT", path: base + "/rsvps/" + u + "/" + e, body: `{"status":"yes","guests":2}`, status: 400, code: "unknown_field", field: "guests"},
		{name: "unknown field on a wedding", method: "POST", path: "/v1/weddings", body: `{"name":"x","slug":"x","date":"2026-01-01","owner":"me"}`, status: 400, code: "unknown_field", field: "owner"},
		{name: "name a number", method: "POST", path: units, body: `{"name":5,"members":[{"name":"A"}]}`, status: 400, code: "invalid_field", field: "name", message: "must be a string"},
		{name: "members a string", method: "POST", path: units, body: `{"members":"x"}`, status: 400, code: "invalid_field", field: "members", message: "must be an array"},
		{name: "member phone a number", method: "POST", path: units, body: `{"members":[{"name":"A","phone":9876543210}]}`, status: 400, code: "invalid_field", field: "members.0.phone"},
		{name: "second member's phone a number", method: "POST", path: units, body: `{"members":[{"name":"A","phone":"+919876543210"},{"name":"B","phone":9876543210}]}`, status: 400, code: "invalid_field", field: "members.1.phone", message: "members.1.phone must be a string"},
		{name: "a batch unit's member an array", method: "POST", path: units + "/batch", body: `{"units":[{"name":"A","members":[{"name":"a"}]},{"name":"B","members":[{"name":"b"},["c"]]}]}`, status: 400, code: "invalid_field", field: "units.1.members.1"},
		{name: "a batch unit's tags an object", method: "POST", path: units + "/batch", body: `{"units":[{"name":"A","tags":["x"],"members":[{"name":"a"}]},{"name":"B","tags":{"k":"v"},"members":[{"name":"b"}]}]}`, status: 400, code: "invalid_field", field: "units.1.tags"},
		{name: "tags an object", method: "PATCH", path: units + "/" + u, body: `{"tags":{"a":1}}`, status: 400, code: "invalid_field", field: "tags"},
		{name: "headcount a string", method: "PUT", path: base + "/rsvps/" + u + "/" + e, body: `{"status":"yes","headcount":"2"}`, status: 400, code: "invalid_field", field: "headcount"},
		{name: "headcount a fraction", method: "PUT", path: base + "/rsvps/" + u + "/" + e, body: `{"status":"yes","headcount":1.5}`, status: 400, code: "invalid_field", field: "headcount"},
		{name: "headcount too big for its type", method: "PUT", path: base + "/rsvps/" + u + "/" + e, body: `{"status":"yes","headcount":99999999999}`, status: 400, code: "invalid_field", field: "headcount"},
		{name: "event_ids a string", method: "POST", path: base + "/invitations", body: `{"event_ids":"e","all":true}`, status: 400, code: "invalid_field", field: "event_ids"},
		{name: "all a string", method: "POST", path: base + "/invitations", body: `{"event_ids":["` + e + `"],"all":"yes"}`, status: 400, code: "invalid_field", field: "all"},
		{name: "starts_at a number", method: "POST", path: base + "/events", body: `{"name":"x","starts_at":5}`, status: 400, code: "invalid_field", field: "starts_at"},
		{name: "event without starts_at", method: "POST", path: base + "/events", body: `{"name":"x"}`, status: 400, code: "invalid_field", field: "starts_at"},
		{name: "invalid phone", method: "POST", path: units, body: unitBody("Verma", "groom", nil, "12345"), status: 400, code: "invalid_phone", field: "members.0.phone"},
		{name: "phone of letters", method: "POST", path: units, body: unitBody("Verma", "groom", nil, phone(3), "call me"), status: 400, code: "invalid_phone", field: "members.1.phone"},
		{name: "invalid phone on PATCH", method: "PATCH", path: units + "/" + u, body: map[string]any{"members": []any{map[string]any{"name": "A", "phone": "+1 555"}}}, status: 400, code: "invalid_phone", field: "members.0.phone"},
		{name: "duplicate phone in a unit", method: "POST", path: units, body: unitBody("Verma", "groom", nil, phone(3), "+91 "+phone(3)), status: 409, code: "duplicate_phone", field: "members.1.phone"},
		{name: "duplicate phone of a stored person", method: "POST", path: units, body: unitBody("Verma", "groom", nil, phone(3), phone(2)), status: 409, code: "duplicate_phone", field: "members.1.phone", existingID: holder},
		{name: "duplicate phone, written otherwise", method: "POST", path: units, body: unitBody("Verma", "groom", nil, e164(2)), status: 409, code: "duplicate_phone", field: "members.0.phone", existingID: holder},
		{name: "bad email", method: "POST", path: units, body: map[string]any{"members": []any{map[string]any{"name": "A", "email": "not an address"}}}, status: 400, code: "invalid_field", field: "members.0.email"},
		{name: "two primaries", method: "POST", path: units, body: map[string]any{"members": []any{map[string]any{"name": "A", "primary": true}, map[string]any{"name": "B", "primary": true}}}, status: 400, code: "invalid_field", field: "members"},
		{name: "a tag too long", method: "POST", path: units, body: unitBody("V", "both", []string{strings.Repeat("t", 65)}, ""), status: 400, code: "invalid_field", field: "tags.0"},
		{name: "bad slug", method: "POST", path: "/v1/weddings", body: map[string]any{"name": "x", "slug": "Not A Slug", "date": "2026-01-01"}, status: 400, code: "invalid_field", field: "slug"},
		{name: "bad date", method: "POST", path: "/v1/weddings", body: map[string]any{"name": "x", "slug": "x", "date": "12/12/2026"}, status: 400, code: "invalid_field", field: "date"},
		{name: "bad timezone", method: "POST", path: "/v1/weddings", body: map[string]any{"name": "x", "slug": "x", "date": "2026-01-01", "timezone": "Mars/Olympus"}, status: 400, code: "invalid_field", field: "timezone"},
		{name: "bad region", method: "POST", path: "/v1/weddings", body: map[string]any{"name": "x", "slug": "x", "date": "2026-01-01", "region": "XX"}, status: 400, code: "invalid_field", field: "region"},
		{name: "limit=0", method: "GET", path: units + "?limit=0", status: 400, code: "invalid_field", field: "limit"},
		{name: "limit=5000", method: "GET", path: units + "?limit=5000", status: 400, code: "invalid_field", field: "limit"},
		{name: "limit=-1 on rsvps", method: "GET", path: base + "/rsvps?limit=-1", status: 400, code: "invalid_field", field: "limit"},
		{name: "limit=ten on audit", method: "GET", path: base + "/audit?limit=ten", status: 400, code: "invalid_field", field: "limit"},
		{name: "side filter", method: "GET", path: units + "?side=left", status: 400, code: "invalid_field", field: "side"},
		{name: "rsvp filter without event", method: "GET", path: units + "?rsvp=yes", status: 400, code: "invalid_field", field: "rsvp"},
		{name: "rsvp filter value", method: "GET", path: units + "?event=" + e + "&rsvp=sure", status: 400, code: "invalid_field", field: "rsvp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			seq := s.seq(w)
			ids := s.unitIDs(w, owner)
			weddings := len(s.must(200, "GET", "/v1/weddings", s.root, nil).items())
			token := owner
			if strings.HasPrefix(tt.path, "/v1/weddings") && !strings.HasPrefix(tt.path, base) {
				token = s.root
			}
			a := s.call(tt.method, tt.path, token, tt.body)
			got := wantError(t, a, tt.status, tt.code)
			if tt.field != "" && a.errField() != tt.field {
				t.Errorf("field %q, want %s", a.errField(), tt.field)
			}
			if tt.existingID != nil && got["existing_id"] != tt.existingID {
				t.Errorf("existing_id %v, want %v", got["existing_id"], tt.existingID)
			}
			if tt.code == "duplicate_phone" && got["existing_id"] == nil {
				t.Errorf("duplicate_phone without existing_id")
			}
			if msg, _ := got["message"].(string); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q lacks %q", msg, tt.message)
			}
			if after := s.seq(w); after != seq {
				t.Errorf("seq moved %d → %d on a rejected request", seq, after)
			}
			if after := s.unitIDs(w, owner); !slices.Equal(after, ids) {
				t.Errorf("units changed on a rejected request: %v → %v", ids, after)
			}
			if n := len(s.must(200, "GET", "/v1/weddings", s.root, nil).items()); n != weddings {
				t.Errorf("weddings %d → %d on a rejected request", weddings, n)
			}
		})
	}
}

// TestHTTP_BodyLimits checks 413 body_too_large: API.md "Body limits".
// Small limits keep it fast; one case checks the 1 MiB default.
func TestHTTP_BodyLimits(t *testing.T) {
	s := newTestServer(t, httpapi.Config{MaxBodyBytes: 4096, BatchBodyBytes: 16384})
	w, owner := s.newWedding("limits")
	units := "/v1/weddings/" + w + "/units"
	// padded is a valid unit JSON of at least n bytes.
	padded := func(n int) []byte {
		const head, tail = `{"name":"`, `","members":[{"name":"A"}]}`
		return []byte(head + strings.Repeat("x", max(n-len(head)-len(tail), 1)) + tail)
	}
	// batch is a valid batch JSON of at least n bytes.
	batch := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`{"units":[`)
		for i := 0; b.Len() < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"name":"Unit %d with a long enough name to fill the batch","members":[{"name":"A"}]}`, i)
		}
		b.WriteString(`]}`)
		return b.Bytes()
	}
	tests := []struct {
		name   string
		path   string
		body   []byte
		status int
	}{
		{"unit under the limit", units, padded(150), 201},
		{"unit over the route limit", units, padded(5000), 413},
		{"unit over the batch limit too", units, padded(20000), 413},
		{"event over the route limit", "/v1/weddings/" + w + "/events", padded(5000), 413},
		{"batch over the route limit, under its own", units + "/batch", batch(10000), 200},
		{"batch over its limit", units + "/batch", batch(17000), 413},
		{"batch far over its limit", units + "/batch", batch(100000), 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			seq := s.seq(w)
			a, err := s.try("POST", tt.path, owner, tt.body)
			if err != nil && tt.status == 413 && len(tt.body) > 2*16384 && isReset(err) {
				// fasthttp refuses a body over its largest limit as soon as it
				// reads the headers, answers 413 and closes; a client still
				// writing that body may see the reset before the answer. The
				// refusal must still have changed nothing.
				t.Logf("connection reset while sending %d bytes (the 413 came first): %v", len(tt.body), err)
				if after := s.seq(w); after != seq {
					t.Errorf("seq moved %d → %d on a refused body", seq, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.status != 413 {
				if a.status != tt.status {
					t.Fatalf("status %d, want %d: %.300s", a.status, tt.status, a.raw)
				}
				return
			}
			wantError(t, a, 413, "body_too_large")
			if after := s.seq(w); after != seq {
				t.Errorf("seq moved %d → %d on a refused body", seq, after)
			}
		})
	}

	t.Run("default 1 MiB", func(t *testing.T) {
		d := newTestServer(t, httpapi.Config{})
		w, owner := d.newWedding("limits-default")
		seq := d.seq(w)
		wantError(t, d.call("POST", "/v1/weddings/"+w+"/units", owner, padded(1<<20+1)), 413, "body_too_large")
		d.must(201, "POST", "/v1/weddings/"+w+"/units", owner, padded(150))
		if after := d.seq(w); after != seq+1 {
			t.Errorf("seq %d → %d, want one change", seq, after)
		}
	})
}

func TestHTTP_UnknownRoutes(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("routes")
	tests := []struct {
		name         string
		method, path string
		status       int
		code         string
	}{
		{"unknown path", "GET", "/v2/weddings", 404, "not_found"},
		{"unknown path under a wedding", "GET", "/v1/weddings/" + w + "/guests", 404, "not_found"},
		{"too deep", "GET", "/v1/weddings/" + w + "/units/u1/members", 404, "not_found"},
		{"root", "GET", "/", 404, "not_found"},
		{"wrong method on a list", "DELETE", "/v1/weddings", 405, "method_not_allowed"},
		{"wrong method on health", "POST", "/healthz", 405, "method_not_allowed"},
		{"wrong method on headcount", "POST", "/v1/weddings/" + w + "/headcount", 405, "method_not_allowed"},
		{"PUT on a unit", "PUT", "/v1/weddings/" + w + "/units/u1", 405, "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.with(t).call(tt.method, tt.path, owner, nil)
			wantError(t, a, tt.status, tt.code)
		})
	}
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}
