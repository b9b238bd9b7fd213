package snapshot_test

import (
	"errors"
	"github.com/parinayaos/engine/internal/mpcheck"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/weddingdiff"
	"github.com/parinayaos/engine/snapshot"
)

// checkDecoded is what every fuzz input must satisfy: Decode fails with
// ErrCorrupt and no wedding, or returns a wedding that agrees with its
// header, builds a view, and survives another encode/decode unchanged.
func checkDecoded(t *testing.T, b []byte) {
	w, h, err := snapshot.Decode(b)
	if err != nil {
		if !errors.Is(err, snapshot.ErrCorrupt) {
			t.Fatalf("error not ErrCorrupt: %v", err)
		}
		if w != nil {
			t.Fatal("a wedding returned with an error")
		}
		return
	}
	if w == nil || h.WeddingID != w.Info.ID || h.Seq != w.Seq || h.Version != snapshot.Version {
		t.Fatalf("decoded %+v does not match header %+v", w, h)
	}
	_ = w.View(nil)
	again, err := snapshot.Encode(w, h.CreatedAt)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	w2, h2, err := snapshot.Decode(again)
	if err != nil {
		t.Fatalf("decode of re-encoded snapshot: %v", err)
	}
	if h2 != h {
		t.Fatalf("header %+v became %+v", h, h2)
	}
	if d := weddingdiff.Diff(w2, w); d != "" {
		t.Fatalf("re-encoded wedding differs: %s", d)
	}
}

func fuzzSeeds(tb testing.TB) [][]byte {
	golden := mustEncode(tb, goldenWedding(tb))
	real := mustEncode(tb, realistic(tb))
	empty := domain.New()
	return [][]byte{
		golden,
		real,
		golden[:len(golden)/2],
		seal(2, 7, 0, "w-golden", golden[len(golden)-40:]),
		[]byte("PWSN"),
		{},
		mustEncode(tb, empty), // a wedding not yet created: corrupt
	}
}

// FuzzDecode feeds raw bytes to Decode. Almost every mutation breaks the
// checksum, so this mostly exercises the header; FuzzPayload reaches the
// payload decoder and the state checks.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(checkDecoded)
}

// FuzzPayload wraps fuzzed msgpack in a header whose checksum, id and seq
// are right, so every input gets past ReadHeader to the payload decoder and
// the impossible-state checks.
func FuzzPayload(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if _, p, err := snapshot.ReadHeader(s); err == nil {
			f.Add(p)
		}
	}
	f.Add([]byte{0x80})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		// Read the id and seq the header must carry; if the payload is
		// not even a wedding, any header will do. (Checked first: msgpack
		// allocates what length headers claim.)
		var w domain.Wedding
		if mpcheck.Check(payload) == nil {
			_ = msgpack.Unmarshal(payload, &w)
		}
		checkDecoded(t, seal(snapshot.Version, w.Seq, 0, w.Info.ID, payload))
	})
}
