package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestASCIIJSON: non-ASCII becomes lowercase \u escapes, surrogate pairs
// past U+FFFF (WHATSAPP.md §2: "äöå" → "\u00e4\u00f6\u00e5"), and the JSON
// still decodes to the same text.
func TestASCIIJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"plain"}`, `{"a":"plain"}`},
		{`{"a":"äöå"}`, `{"a":"\u00e4\u00f6\u00e5"}`},
		{`{"a":"Café 🙏","b":"प्रिय"}`, `{"a":"Caf\u00e9 \ud83d\ude4f","b":"\u092a\u094d\u0930\u093f\u092f"}`},
	}
	for _, tt := range tests {
		got := asciiJSON([]byte(tt.in))
		if string(got) != tt.want {
			t.Errorf("asciiJSON(%s) = %s, want %s", tt.in, got, tt.want)
		}
		var a, b map[string]string
		if json.Unmarshal([]byte(tt.in), &a) != nil || json.Unmarshal(got, &b) != nil || len(a) != len(b) {
			t.Fatalf("%s does not decode", got)
		}
		for k := range a {
			if a[k] != b[k] {
				t.Errorf("%s decodes to %q, want %q", got, b[k], a[k])
			}
		}
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"919812345678": "********5678", "1234": "****", "": ""} {
		if got := maskPhone(in); got != want {
			t.Errorf("maskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWAMID: wamids are "wamid." and base64 of a record naming the phone,
// and differ between messages and between directions.
func TestWAMID(t *testing.T) {
	seen := map[string]bool{}
	for k := uint64(1); k <= 100; k++ {
		for _, in := range []bool{false, true} {
			id := wamid("919812345678", in, k, 0) // the same draw: k alone keeps them apart
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(id, "wamid."))
			if !strings.HasPrefix(id, "wamid.") || err != nil || !bytes.Contains(raw, []byte("919812345678")) {
				t.Fatalf("wamid %q: %v", id, err)
			}
			if seen[id] {
				t.Fatalf("wamid %q twice", id)
			}
			seen[id] = true
		}
	}
}

// TestWindow_Admit: at most limit sends in any (t-1s, t].
func TestWindow_Admit(t *testing.T) {
	w := newWindow(3)
	t0 := time.Unix(1788890400, 0)
	steps := []struct {
		at   time.Duration
		ok   bool
		held int
	}{
		{0, true, 1},
		{100 * time.Millisecond, true, 2},
		{200 * time.Millisecond, true, 3},
		{300 * time.Millisecond, false, 3},
		{999 * time.Millisecond, false, 3},
		{time.Second, true, 3}, // the first is a second old
		{time.Second, false, 3},
		{1200 * time.Millisecond, true, 2}, // the sends at 0.1 s and 0.2 s are a second old
		{5 * time.Second, true, 1},
	}
	for i, s := range steps {
		held, ok := w.admit(t0.Add(s.at))
		if ok != s.ok || held != s.held {
			t.Errorf("step %d at %v: admitted %v holding %d, want %v holding %d", i, s.at, ok, held, s.ok, s.held)
		}
	}
}
