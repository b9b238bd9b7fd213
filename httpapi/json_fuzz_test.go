package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzDecode checks the strict JSON decoding of every request body type:
// it never panics, and every refusal is a 400 *apiError with one of the
// decoding codes, a message, a field where the code needs one, and an
// answer body of the documented shape that says the same.
//
// Run longer with: go test ./httpapi -run '^$' -fuzz FuzzDecode -fuzztime 30s
func FuzzDecode(f *testing.F) {
	seeds := []string{
		// valid
		`{"name":"Sharma","side":"bride","tags":["family"],"members":[{"name":"Anil","phone":"98765 43210","email":"a@b.in","primary":true}]}`,
		`{"units":[{"name":"A","members":[{"name":"A"}]},{"side":"groom","members":[{"id":"p1.0","name":"B"}]}]}`,
		`{"event_ids":["e1","e2"],"unit_ids":["u1"],"seats":3}`,
		`{"event_ids":["e1"],"all":true}`,
		`{"event_ids":["e1"],"side":"both"}`,
		`{"event_ids":["e1"],"tag":"vip"}`,
		`{"status":"yes","headcount":2,"note":"veg"}`,
		`{"status":"no"}`,
		`{"name":"Sangeet","starts_at":"2026-12-11T18:00:00+05:30","ends_at":"","venue":"Udaipur","visibility":"invite_only"}`,
		`{"name":"Asha & Rohan","slug":"asha-rohan","date":"2026-12-12","timezone":"Asia/Kolkata","region":"IN"}`,
		`{"role":"side_admin","side":"bride","label":"Bride's family"}`,
		`{}`, `null`, ` {"status" : "maybe"} `,
		// invalid
		``, ` `, `{`, `}`, `[]`, `[{}]`, `"x"`, `5`, `true`, `{} {}`, `{}x`, `{"name":}`, `{"name":"x",}`,
		`{"nmae":"x"}`, `{"":"0"}`, `{"a\"b":1}`, `{"\u0000":1}`, `{"members":[{"mobile":"1"}]}`,
		`{"name":5}`, `{"members":"x"}`, `{"members":[5]}`, `{"tags":[1]}`, `{"headcount":"2"}`, `{"headcount":1.5}`,
		`{"headcount":99999999999}`, `{"seats":-1e40}`, `{"all":"yes"}`, `{"units":{}}`, `{"units":[{"members":{}}]}`,
		"{\"name\":\"\xff\"}", `{"name":"\ud800"}`, `{"name":"` + "\u2028" + `"}`,
		`{"event_ids":[` + string(bytes.Repeat([]byte(`"e",`), 100)) + `"e"]}`,
		string(bytes.Repeat([]byte(`[`), 20000)),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	targets := []struct {
		name string
		new  func() any
	}{
		{"unitIn", func() any { return new(unitIn) }},
		{"batchIn", func() any { return new(batchIn) }},
		{"inviteIn", func() any { return new(inviteIn) }},
		{"uninviteIn", func() any { return new(uninviteIn) }},
		{"rsvpIn", func() any { return new(rsvpIn) }},
		{"eventIn", func() any { return new(eventIn) }},
		{"weddingIn", func() any { return new(weddingIn) }},
		{"tokenIn", func() any { return new(tokenIn) }},
		{"snapshotIn", func() any { return new(snapshotIn) }},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, tt := range targets {
			ae := decode(body, tt.new())
			if ae == nil {
				continue
			}
			if ae.Status != fasthttp.StatusBadRequest || ae.Message == "" {
				t.Fatalf("%s: %q: got %+v, want a 400 with a message", tt.name, body, ae)
			}
			switch ae.Code {
			case "invalid_json":
			case "unknown_field":
				// The field is the key as sent, which may be "" ({"":1}).
				if ae.Field == "" && !bytes.Contains(body, []byte(`""`)) {
					t.Fatalf("%s: %q: unknown_field without a field: %+v", tt.name, body, ae)
				}
			case "invalid_field":
				if ae.Field == "" {
					t.Fatalf("%s: %q: %s without a field: %+v", tt.name, body, ae.Code, ae)
				}
			default:
				t.Fatalf("%s: %q: code %q", tt.name, body, ae.Code)
			}
			if got := toAPIError(ae); got != ae {
				t.Fatalf("%s: toAPIError changed a decoding error: %+v → %+v", tt.name, ae, got)
			}
			var rc fasthttp.RequestCtx
			writeError(&rc, ae)
			if rc.Response.StatusCode() != fasthttp.StatusBadRequest {
				t.Fatalf("%s: answered %d", tt.name, rc.Response.StatusCode())
			}
			var out struct {
				Error struct {
					Code, Message, Field string
				} `json:"error"`
			}
			dec := json.NewDecoder(bytes.NewReader(rc.Response.Body()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&out); err != nil {
				t.Fatalf("%s: %q: error body %s is not the documented JSON: %v", tt.name, body, rc.Response.Body(), err)
			}
			if out.Error.Code != ae.Code || out.Error.Message != ae.Message || out.Error.Field != ae.Field {
				t.Fatalf("%s: error body %s does not say %+v", tt.name, rc.Response.Body(), ae)
			}
		}
	})
}

// indexedPath walks any bytes, up to any offset, without panicking (it
// runs on request bodies that failed to decode).
func FuzzIndexedPath(f *testing.F) {
	f.Add([]byte(`{"units":[{"members":[{"phone":1}]}]}`), int64(33))
	f.Add([]byte(`[[[]]]`), int64(3))
	f.Add([]byte(`{"a":{"b":[1,2,{"c":"d"}]}}`), int64(20))
	f.Fuzz(func(t *testing.T, body []byte, offset int64) {
		_ = indexedPath(body, offset)
	})
}
