package snapshot_test

import (
	"testing"

	"github.com/parinayaos/engine/internal/weddingdiff"
	"github.com/parinayaos/engine/snapshot"
)

// The benchmark wedding: 1,000 units of 3 members, 10 events, everyone
// invited everywhere (10,000 invitations), a third of them answered.
const (
	benchUnits  = 1000
	benchEvents = 10
)

func BenchmarkEncode(b *testing.B) {
	w := big(b, benchUnits, benchEvents)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		out, err := snapshot.Encode(w, at)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
	b.ReportMetric(float64(n), "bytes")
}

func BenchmarkDecode(b *testing.B) {
	w := big(b, benchUnits, benchEvents)
	data := mustEncode(b, w)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := snapshot.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "bytes")
}

// TestBigWedding checks the benchmark wedding itself, so the benchmarks
// measure what they claim.
func TestBigWedding(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1,000-unit wedding")
	}
	w := big(t, benchUnits, benchEvents)
	if len(w.Units) != benchUnits || len(w.Events) != benchEvents {
		t.Fatalf("%d units, %d events", len(w.Units), len(w.Events))
	}
	invitations := 0
	for _, u := range w.Units {
		if len(u.Members) != 3 {
			t.Fatalf("unit %s has %d members", u.ID, len(u.Members))
		}
		invitations += len(u.Invitations)
	}
	if invitations != benchUnits*benchEvents {
		t.Fatalf("%d invitations, want %d", invitations, benchUnits*benchEvents)
	}
	got := mustDecode(t, mustEncode(t, w))
	if d := weddingdiff.Diff(got, w); d != "" {
		t.Fatal(d)
	}
	if d := viewDiff(got.View(nil), w.View(nil), w.Tokens); d != "" {
		t.Fatal(d)
	}
}
