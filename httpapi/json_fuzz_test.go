package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
)

// FuzzDecode checks the strict JSON decoding of every request body type:
// it never panics, and every refusal is a 400 *apiError with one of the
// decoding codes, a message, a field where the code needs one, and an
// answer body of the documented shape that says the same. Against
// encoding/json alone (laxDecode) it accepts exactly the bodies without a
// key twice in one object and without a key that names a field only
// ignoring case, and refuses those with the right code.
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
		// keys that match a field only ignoring case, keys twice
		`{"NAME":"x"}`, `{"name":"a","NAME":"b"}`, `{"Status":"yes"}`, `{"\u017ftatus":"yes"}`, `{"st\u0041tus":"no"}`,
		`{"members":[{"Phone":"1"}]}`, `{"units":[{"name":"a","Side":"bride"}]}`,
		`{"name":"a","name":"b"}`, `{"status":"no","status":"yes"}`, `{"name":"a","n\u0061me":"b"}`,
		`{"members":[{"name":"A"},{"name":"B","phone":"1","phone":"2"}]}`, `{"units":[],"units":[]}`,
		`{"units":[{"tags":["a","a"],"tags":[]}]}`, `{"event_ids":[],"unit_ids":[],"event_ids":[]}`,
		`{"note":"{\"status\":1,\"status\":2}","status":"no"}`, `{"tags":["NAME","name"]}`,
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
		{"weddingPatchIn", func() any { return new(weddingPatchIn) }},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		dup := duplicateKey(body)
		for _, tt := range targets {
			v := tt.new()
			ae := decode(body, v)
			lax := laxDecode(body, tt.new())
			if ae == nil {
				switch {
				case lax != nil:
					t.Fatalf("%s: %q: accepted what encoding/json refuses: %v", tt.name, body, lax)
				case dup != "":
					t.Fatalf("%s: %q: accepted the key %q twice in one object", tt.name, body, dup)
				}
				if key := inexactKey(body, v); key != "" {
					t.Fatalf("%s: %q: accepted the key %q, no field's exact name", tt.name, body, key)
				}
				continue
			}
			if lax == nil { // refused by the exact-key checks alone
				switch ae.Code {
				case "invalid_json":
					if dup == "" {
						t.Fatalf("%s: %q: refused for a key twice (%+v), but none is", tt.name, body, ae)
					}
				case "unknown_field":
					if key := inexactKey(body, v); key == "" {
						t.Fatalf("%s: %q: refused for a key's case (%+v), but every key is exact", tt.name, body, ae)
					}
				default:
					t.Fatalf("%s: %q: encoding/json accepts it, refused with %+v", tt.name, body, ae)
				}
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

// laxDecode is decode before the exact-key checks: encoding/json with
// unknown fields refused, nothing after the value.
func laxDecode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 || !utf8.Valid(body) {
		return io.ErrUnexpectedEOF
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return io.ErrShortBuffer
	}
	return nil
}

// objectKeysOf calls key with every key of every object in valid JSON
// (json.Decoder's tokens: keys unescaped), with the keys before it in the
// same object; it stops at the first error.
func objectKeysOf(body []byte, key func(k string, before map[string]bool)) {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object  bool
		wantKey bool
		keys    map[string]bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, &frame{object: d == '{', wantKey: d == '{', keys: map[string]bool{}})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
			}
			continue
		}
		if top != nil && top.object && top.wantKey {
			k := tok.(string)
			key(k, top.keys)
			top.keys[k], top.wantKey = true, false
			continue
		}
		if top != nil && top.object {
			top.wantKey = true
		}
	}
}

// duplicateKey is a key twice in one object of body, or "".
func duplicateKey(body []byte) string {
	dup := ""
	objectKeysOf(body, func(k string, before map[string]bool) {
		if before[k] && dup == "" {
			dup = k
		}
	})
	return dup
}

// inexactKey is a key of body that is no exact JSON name of a field that
// v (which body decoded into) has: v encoded again names all of them, the
// request types having no omitempty field. "" if every key is exact.
func inexactKey(body []byte, v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	names := map[string]bool{}
	objectKeysOf(out, func(k string, _ map[string]bool) { names[k] = true })
	bad := ""
	objectKeysOf(body, func(k string, _ map[string]bool) {
		if !names[k] && bad == "" {
			bad = k
		}
	})
	return bad
}

// TestFuzzDecodeOracle checks the fuzz target's own oracles on bodies
// whose answer is known.
func TestFuzzDecodeOracle(t *testing.T) {
	tests := []struct {
		body, dup, inexact string
	}{
		{`{"name":"a","NAME":"b"}`, "", "NAME"},
		{`{"name":"a","name":"b"}`, "name", ""},
		{`{"members":[{"name":"A","n\u0061me":"B"}]}`, "name", ""},
		{`{"name":"x","tags":["NAME"]}`, "", ""},
	}
	for _, tt := range tests {
		var in unitIn
		if err := laxDecode([]byte(tt.body), &in); err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if got := duplicateKey([]byte(tt.body)); got != tt.dup {
			t.Errorf("duplicateKey(%s) = %q, want %q", tt.body, got, tt.dup)
		}
		if got := inexactKey([]byte(tt.body), &in); got != tt.inexact {
			t.Errorf("inexactKey(%s) = %q, want %q", tt.body, got, tt.inexact)
		}
	}
}
