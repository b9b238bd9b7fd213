package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_JSONKeysExact: encoding/json matches a key to a field ignoring
// case, and lets the last of two equal keys win: {"name":"a","NAME":"b"}
// stored "b", {"status":"no","status":"yes"} said yes. A body that means
// one thing to the engine and maybe another to whoever checked it is
// refused: a key that differs from a field only in case is 400
// unknown_field naming the key as sent, a key twice in one object (at any
// depth, however escaped) 400 invalid_json naming it; nothing changes.
func TestHTTP_JSONKeysExact(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("json-keys")
	e := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	u := s.unit(w, owner, unitBody("Sharma", "bride", nil, phone(1)))
	s.must(200, "POST", "/v1/weddings/"+w+"/invitations", owner, map[string]any{"event_ids": []string{e}, "all": true})
	units := "/v1/weddings/" + w + "/units"
	rsvp := "/v1/weddings/" + w + "/rsvps/" + u + "/" + e
	member := `"members":[{"name":"A","phone":"` + phone(2) + `"}]`
	tests := []struct {
		name         string
		method, path string
		body         string
		code, field  string
		message      string // a part the message must have
	}{
		{name: "a key in capitals beside its field", method: "POST", path: units, body: `{"name":"a","NAME":"b",` + member + `}`, code: "unknown_field", field: "NAME", message: `"name"`},
		{name: "a key in capitals alone", method: "POST", path: units, body: `{"Name":"a",` + member + `}`, code: "unknown_field", field: "Name"},
		{name: "a member's key in capitals", method: "POST", path: units, body: `{"name":"a","members":[{"name":"A","Phone":"` + phone(2) + `"}]}`, code: "unknown_field", field: "Phone"},
		{name: "a key that folds by Unicode", method: "POST", path: units, body: `{"name":"a","ſide":"bride",` + member + `}`, code: "unknown_field", field: "ſide"},
		{name: "a long s", method: "PUT", path: rsvp, body: `{"\u017ftatus":"yes"}`, code: "unknown_field", field: "\u017ftatus"},
		{name: "an escaped key in capitals", method: "PUT", path: rsvp, body: `{"st\u0041tus":"no"}`, code: "unknown_field", field: "stAtus"},
		{name: "a status in capitals", method: "PUT", path: rsvp, body: `{"status":"no","STATUS":"yes"}`, code: "unknown_field", field: "STATUS"},
		{name: "a key twice", method: "POST", path: units, body: `{"name":"a","name":"b",` + member + `}`, code: "invalid_json", field: "name", message: `"name"`},
		{name: "a status twice", method: "PUT", path: rsvp, body: `{"status":"no","status":"yes"}`, code: "invalid_json", field: "status", message: `"status"`},
		{name: "a key twice, once escaped", method: "POST", path: units, body: `{"name":"a","n\u0061me":"b",` + member + `}`, code: "invalid_json", field: "name"},
		{name: "a member's key twice", method: "POST", path: units, body: `{"name":"a","members":[{"name":"A"},{"name":"B","phone":"1","phone":"` + phone(3) + `"}]}`, code: "invalid_json", field: "members.1.phone", message: "members.1"},
		{name: "a batch unit's key twice", method: "POST", path: units + "/batch", body: `{"units":[{"name":"a",` + member + `},{"name":"b","side":"bride","side":"groom","members":[{"name":"B"}]}]}`, code: "invalid_json", field: "units.1.side"},
		{name: "the batch's own key twice", method: "POST", path: units + "/batch", body: `{"units":[],"units":[{"name":"a",` + member + `}]}`, code: "invalid_json", field: "units"},
		{name: "an event's key twice", method: "POST", path: "/v1/weddings/" + w + "/events", body: `{"name":"a","starts_at":"2026-12-11T18:00:00Z","venue":"x","venue":"y"}`, code: "invalid_json", field: "venue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			seq := s.seq(w)
			a := s.call(tt.method, tt.path, owner, tt.body)
			got := wantError(t, a, 400, tt.code)
			if got["field"] != tt.field {
				t.Errorf("field %v, want %q", got["field"], tt.field)
			}
			if msg, _ := got["message"].(string); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q lacks %s", msg, tt.message)
			}
			if after := s.seq(w); after != seq {
				t.Errorf("seq moved %d → %d on a refused body", seq, after)
			}
		})
	}
	// Exact keys, once each, at every depth, still pass; so do the same
	// keys in other objects.
	s.must(201, "POST", units, owner, `{"name":"Verma","side":"groom","tags":["name","NAME"],"members":[{"name":"A","phone":"`+phone(4)+`"},{"name":"B","phone":"`+phone(5)+`"}]}`)
	s.must(200, "PUT", rsvp, owner, `{"status":"yes","headcount":1,"note":"{\"status\":\"no\",\"status\":1}"}`)
}
