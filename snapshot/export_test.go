package snapshot_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/parinayaos/engine/internal/weddingdiff"
	"github.com/parinayaos/engine/snapshot"
)

const goldenExportPath = "testdata/v1/wedding.export"

func mustExport(t testing.TB, snap []byte) []byte {
	t.Helper()
	b, err := snapshot.EncodeExport(snap)
	if err != nil {
		t.Fatalf("encode export: %v", err)
	}
	return b
}

func wantExportCorrupt(t *testing.T, what string, b []byte) {
	t.Helper()
	e, err := snapshot.DecodeExport(b)
	if !errors.Is(err, snapshot.ErrCorrupt) {
		t.Fatalf("%s: DecodeExport err = %v, want ErrCorrupt", what, err)
	}
	if e != nil {
		t.Fatalf("%s: DecodeExport returned an export with its error", what)
	}
}

// sealExport builds an export file from its parts as doc.go lays it out,
// with a correct checksum.
func sealExport(version byte, claimed uint64, snap []byte) []byte {
	b := []byte("PWEX")
	b = append(b, version)
	b = binary.BigEndian.AppendUint64(b, claimed)
	b = append(b, snap...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func TestExportRoundTrip(t *testing.T) {
	w := realistic(t)
	snap := mustEncode(t, w)
	b := mustExport(t, snap)
	if !bytes.Equal(b, sealExport(snapshot.ExportVersion, uint64(len(snap)), snap)) {
		t.Error("EncodeExport does not lay the file out as doc.go says")
	}
	e, err := snapshot.DecodeExport(b)
	if err != nil {
		t.Fatal(err)
	}
	if e.Version != snapshot.ExportVersion || e.Header.WeddingID != "w-realistic" || e.Header.Seq != w.Seq || !e.Header.CreatedAt.Equal(at) {
		t.Errorf("export = version %d, header %+v; want %d, w-realistic at %d, %v", e.Version, e.Header, snapshot.ExportVersion, w.Seq, at)
	}
	if !bytes.Equal(e.Snapshot, snap) {
		t.Error("the snapshot inside differs from the one exported")
	}
	if d := weddingdiff.Diff(e.Wedding, w); d != "" {
		t.Error(d)
	}
	// Tokens travel with the wedding: the same secrets authenticate.
	if d := viewDiff(e.Wedding.View(nil), w.View(nil), w.Tokens); d != "" {
		t.Error(d)
	}
}

// TestExportGolden reads an export file written by export format version
// 1 (around the golden snapshot) and checks that today's encoder writes the
// same bytes. Regenerate with go test -run TestExportGolden -update.
func TestExportGolden(t *testing.T) {
	snap, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(goldenExportPath, mustExport(t, snap), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", goldenExportPath)
	}
	b, err := os.ReadFile(goldenExportPath)
	if err != nil {
		t.Fatalf("%v (generate it with go test -run TestExportGolden -update)", err)
	}
	e, err := snapshot.DecodeExport(b)
	if err != nil {
		t.Fatal(err)
	}
	if e.Header.WeddingID != "w-golden" || !bytes.Equal(e.Snapshot, snap) {
		t.Errorf("golden export holds %q, snapshot equal: %v", e.Header.WeddingID, bytes.Equal(e.Snapshot, snap))
	}
	if len(e.Wedding.Tokens) != 1 || e.Wedding.Tokens[0].Hash != hash("golden-bride") {
		t.Errorf("golden export tokens = %+v", e.Wedding.Tokens)
	}
	if !bytes.Equal(mustExport(t, snap), b) {
		t.Error("the export encoding changed; see TestExportGolden")
	}
}

func TestExportBitFlips(t *testing.T) {
	orig := mustExport(t, smallSnapshot(t))
	b := bytes.Clone(orig)
	for i := range b {
		for bit := range 8 {
			b[i] ^= 1 << bit
			wantExportCorrupt(t, "bit "+strconv.Itoa(bit)+" of byte "+strconv.Itoa(i), b)
			b[i] ^= 1 << bit
		}
	}
	if _, err := snapshot.DecodeExport(b); err != nil {
		t.Fatalf("test bug: export not restored: %v", err)
	}
}

func TestExportTruncation(t *testing.T) {
	b := mustExport(t, smallSnapshot(t))
	for n := range len(b) {
		wantExportCorrupt(t, "truncated to "+strconv.Itoa(n)+" bytes", b[:n])
	}
	wantExportCorrupt(t, "one byte too many", append(bytes.Clone(b), 0))
	wantExportCorrupt(t, "nil", nil)
}

// Files whose own checksum holds but whose header or contents are wrong.
func TestExportBadContents(t *testing.T) {
	snap := smallSnapshot(t)
	badSnap := bytes.Clone(snap)
	badSnap[len(badSnap)-1] ^= 1 // the snapshot's own checksum fails
	tests := []struct {
		name string
		b    []byte
	}{
		{"unknown version", sealExport(snapshot.ExportVersion+1, uint64(len(snap)), snap)},
		{"version 0", sealExport(0, uint64(len(snap)), snap)},
		{"length too small", sealExport(snapshot.ExportVersion, uint64(len(snap)-1), snap)},
		{"length too large", sealExport(snapshot.ExportVersion, uint64(len(snap)+1), snap)},
		{"huge length", sealExport(snapshot.ExportVersion, 1<<63, snap)},
		{"corrupt snapshot inside", sealExport(snapshot.ExportVersion, uint64(len(badSnap)), badSnap)},
		{"empty snapshot inside", sealExport(snapshot.ExportVersion, 0, nil)},
		{"bare snapshot", snap},
		{"wrong magic", append([]byte("PWEY"), mustExport(t, snap)[4:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantExportCorrupt(t, tt.name, tt.b)
		})
	}
}

func TestEncodeExportRejectsCorruptSnapshot(t *testing.T) {
	snap := smallSnapshot(t)
	snap[len(snap)/2] ^= 0x10
	if _, err := snapshot.EncodeExport(snap); !errors.Is(err, snapshot.ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
	if _, err := snapshot.WriteExport(filepath.Join(t.TempDir(), "x"), snap); !errors.Is(err, snapshot.ErrCorrupt) {
		t.Errorf("WriteExport err = %v, want ErrCorrupt", err)
	}
}

func TestExportFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.export")
	w := realistic(t)
	snap := mustEncode(t, w)
	n, err := snapshot.WriteExport(path, snap)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != int64(n) {
		t.Errorf("WriteExport said %d bytes, the file has %d", n, st.Size())
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %v, want 0600 (it holds guests' phone numbers)", perm)
	}
	e, err := snapshot.ReadExport(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := weddingdiff.Diff(e.Wedding, w); d != "" {
		t.Error(d)
	}

	// A second write replaces the file whole and leaves no temporary file.
	small := smallSnapshot(t)
	if _, err := snapshot.WriteExport(path, small); err != nil {
		t.Fatal(err)
	}
	if e, err := snapshot.ReadExport(path); err != nil || e.Header.WeddingID != "w-golden" {
		t.Fatalf("after replacing: %v, %v", e, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only w.export", names)
	}

	t.Run("errors", func(t *testing.T) {
		if _, err := snapshot.ReadExport(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing file: err = %v, want ErrNotExist", err)
		}
		if _, err := snapshot.ReadExport(dir); err == nil {
			t.Error("reading a directory succeeded")
		}
		garbage := filepath.Join(dir, "garbage")
		if err := os.WriteFile(garbage, []byte("hello, world"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := snapshot.ReadExport(garbage); !errors.Is(err, snapshot.ErrCorrupt) {
			t.Errorf("garbage file: err = %v, want ErrCorrupt", err)
		}
		if _, err := snapshot.WriteExport(filepath.Join(dir, "no-such-dir", "x"), small); err == nil {
			t.Error("writing into a missing directory succeeded")
		}
	})
}

// FuzzDecodeExport feeds raw bytes to DecodeExport: it never panics, fails
// only with ErrCorrupt and no export, and what it accepts is a wedding that
// agrees with its header and encodes back to the same file.
func FuzzDecodeExport(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if _, _, err := snapshot.Decode(s); err == nil {
			f.Add(mustExport(f, s))
		}
		f.Add(sealExport(snapshot.ExportVersion, uint64(len(s)), s))
		f.Add(s)
	}
	f.Add([]byte("PWEX"))
	f.Add(sealExport(snapshot.ExportVersion, 0, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := snapshot.DecodeExport(b)
		if err != nil {
			if !errors.Is(err, snapshot.ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			if e != nil {
				t.Fatal("an export returned with an error")
			}
			return
		}
		if e.Wedding == nil || e.Header.WeddingID != e.Wedding.Info.ID || e.Header.Seq != e.Wedding.Seq {
			t.Fatalf("decoded %+v does not match header %+v", e.Wedding, e.Header)
		}
		again, err := snapshot.EncodeExport(e.Snapshot)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatal("re-encoding an accepted export gives other bytes")
		}
	})
}

// FuzzExportFields fuzzes the header fields and the bytes inside a file
// whose own checksum is right, so every input gets past the file's
// checksum to the length check and the snapshot decoder.
func FuzzExportFields(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(snapshot.ExportVersion, uint64(len(s)), s)
	}
	f.Add(byte(0), uint64(0), []byte{})
	f.Add(snapshot.ExportVersion, uint64(1)<<63, []byte("PWSN"))
	f.Fuzz(func(t *testing.T, version byte, claimed uint64, body []byte) {
		b := sealExport(version, claimed, body)
		e, err := snapshot.DecodeExport(b)
		if err != nil {
			if !errors.Is(err, snapshot.ErrCorrupt) || e != nil {
				t.Fatalf("DecodeExport = %v, %v; want nil, ErrCorrupt", e, err)
			}
			return
		}
		if version != snapshot.ExportVersion || claimed != uint64(len(body)) || !bytes.Equal(e.Snapshot, body) {
			t.Fatalf("accepted version %d, length %d for %d bytes", version, claimed, len(body))
		}
		if _, _, err := snapshot.Decode(body); err != nil {
			t.Fatalf("accepted a snapshot Decode rejects: %v", err)
		}
	})
}
