package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// The hand-written RSVP encoding says what encoding/json says: the same
// bytes, but that encoding/json also escapes <, > and & (which JSON does
// not require; the headcount's hand encoding does not either).
func TestAppendRSVPMatchesJSON(t *testing.T) {
	tests := []rsvpJSON{
		{},
		{UnitID: "u1", EventID: "e2", Status: "yes", Headcount: 3, Seats: 4, Source: "admin",
			AnsweredAt: jsonTime(domain.Instant(1_765_000_000_123_456_789)), Note: "veg, no onion", Seq: 42},
		{UnitID: "u\"1\\", EventID: "e<2>&", Status: "no", Source: "whatsapp", Note: "नहीं आ पाएंगे 🙏\n\t\u2028\x01",
			AnsweredAt: jsonTime(domain.Instant(-1)), Headcount: -1, Seats: 1 << 30},
	}
	for _, r := range tests {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got := appendRSVP(nil, &r)
		var g, w map[string]any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("appendRSVP wrote invalid JSON %s: %v", got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) || !bytes.Equal(got, htmlUnescape(want)) {
			t.Errorf("appendRSVP:\n got %s\nwant %s", got, want)
		}
	}
}

func htmlUnescape(b []byte) []byte {
	for _, p := range [][2]string{{`\u003c`, "<"}, {`\u003e`, ">"}, {`\u0026`, "&"}} {
		b = bytes.ReplaceAll(b, []byte(p[0]), []byte(p[1]))
	}
	return b
}
