package actors

import (
	"strings"
	"testing"
)

// A payload the engine made reads back; any change to it, or another
// engine's key, reads as nothing.
func TestPayload_Signed(t *testing.T) {
	e := &Engine{payloadKey: []byte("0123456789abcdef0123456789abcdef")}
	p := e.payload("wdemo", "c5k.12", "yes")
	if len(p) > 128 {
		t.Fatalf("payload of %d characters: %s", len(p), p)
	}
	w, m, a, ok := e.parsePayload(p)
	if !ok || w != "wdemo" || m != "c5k.12" || a != "yes" {
		t.Fatalf("%s → %q %q %q %v", p, w, m, a, ok)
	}
	other := &Engine{payloadKey: []byte("another engine's key, 32 bytes!!")}
	tampered := []string{
		strings.Replace(p, ":yes:", ":no:", 1),
		strings.Replace(p, "c5k.12", "c5k.13", 1),
		strings.Replace(p, "wdemo", "wother", 1),
		p[:len(p)-1] + "A",
		p + "x",
		"rsvp:wdemo/c5k.12:yes",
		"Yes", "", ":", "rsvp:", "rsvp::::",
	}
	for _, q := range tampered {
		if _, _, _, ok := e.parsePayload(q); ok {
			t.Errorf("tampered payload %q accepted", q)
		}
	}
	if _, _, _, ok := other.parsePayload(p); ok {
		t.Errorf("another engine's key accepted the payload")
	}
	if _, _, _, ok := (&Engine{}).parsePayload(p); ok {
		t.Errorf("an engine without a key accepted a payload")
	}
}
