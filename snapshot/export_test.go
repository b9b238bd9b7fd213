package snapshot_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/parinayaos/engine/internal/weddingdiff"
	"github.com/parinayaos/engine/snapshot"
)

// goldenExportPath is an export file of format version 2; the version 1
// file beside the v1 golden snapshot is still read (TestExportGolden).
const (
	goldenExportPath   = "testdata/v2/wedding.export"
	goldenExportV1Path = "testdata/v1/wedding.export"
)

func mustExport(t testing.TB, snap []byte, audit ...snapshot.AuditRecord) []byte {
	t.Helper()
	b, err := snapshot.EncodeExport(snap, audit)
	if err != nil {
		t.Fatalf("encode export: %v", err)
	}
	return b
}

// auditOf is an audit trail of seq from..to: records whose bytes name
// their seq (package snapshot carries them without reading them).
func auditOf(from, to uint64) []snapshot.AuditRecord {
	var out []snapshot.AuditRecord
	for s := from; s <= to; s++ {
		out = append(out, snapshot.AuditRecord{Seq: s, Record: []byte("change " + strconv.FormatUint(s, 10))})
	}
	return out
}

// auditSection is the bytes of an export's audit records (count, then
// seq, length and bytes of each).
func auditSection(audit []snapshot.AuditRecord) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(len(audit)))
	for _, r := range audit {
		b = binary.BigEndian.AppendUint64(b, r.Seq)
		b = binary.BigEndian.AppendUint32(b, uint32(len(r.Record)))
		b = append(b, r.Record...)
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
// with a correct checksum: version 1 is the snapshot alone (rest empty),
// version 2 has the audit section in rest.
func sealExport(version byte, claimed uint64, snap []byte, rest ...byte) []byte {
	b := []byte("PWEX")
	b = append(b, version)
	b = binary.BigEndian.AppendUint64(b, claimed)
	b = append(b, snap...)
	b = append(b, rest...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func TestExportRoundTrip(t *testing.T) {
	w := realistic(t)
	snap := mustEncode(t, w)
	tests := []struct {
		name  string
		audit []snapshot.AuditRecord
	}{
		{"no audit", nil},
		{"whole trail", auditOf(1, w.Seq)},
		{"trail starting late", auditOf(w.Seq-3, w.Seq)},
		{"with gaps", []snapshot.AuditRecord{{Seq: 2, Record: []byte{1}}, {Seq: 5, Record: make([]byte, 70_000)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustExport(t, snap, tt.audit...)
			if !bytes.Equal(b, sealExport(snapshot.ExportVersion, uint64(len(snap)), snap, auditSection(tt.audit)...)) {
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
			if len(e.Audit) != len(tt.audit) {
				t.Fatalf("%d audit records, want %d", len(e.Audit), len(tt.audit))
			}
			for i, r := range e.Audit {
				if r.Seq != tt.audit[i].Seq || !bytes.Equal(r.Record, tt.audit[i].Record) {
					t.Errorf("audit record %d = seq %d %q, want seq %d %q", i, r.Seq, r.Record, tt.audit[i].Seq, tt.audit[i].Record)
				}
			}
			if d := weddingdiff.Diff(e.Wedding, w); d != "" {
				t.Error(d)
			}
			// Tokens travel with the wedding: the same secrets authenticate.
			if d := viewDiff(e.Wedding.View(nil), w.View(nil), w.Tokens); d != "" {
				t.Error(d)
			}
		})
	}
}

// goldenAudit is the audit trail of the golden export: the golden
// wedding's changes 1..seq.
func goldenAudit(t testing.TB, snap []byte) []snapshot.AuditRecord {
	t.Helper()
	_, h, err := snapshot.Decode(snap)
	if err != nil {
		t.Fatal(err)
	}
	return auditOf(1, h.Seq)
}

// TestExportGolden reads an export file written by export format version
// 2 (around the golden snapshot, with an audit trail) and checks that
// today's encoder writes the same bytes; and reads the version 1 file,
// which has no audit trail. Regenerate the version 2 file with go test
// -run TestExportGolden -update.
func TestExportGolden(t *testing.T) {
	snap, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	audit := goldenAudit(t, snap)
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenExportPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenExportPath, mustExport(t, snap, audit...), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", goldenExportPath)
	}
	for _, tt := range []struct {
		path      string
		version   byte
		audit     []snapshot.AuditRecord
		reencodes bool
	}{
		{goldenExportPath, snapshot.ExportVersion, audit, true},
		{goldenExportV1Path, 1, nil, false},
	} {
		b, err := os.ReadFile(tt.path)
		if err != nil {
			t.Fatalf("%v (generate it with go test -run TestExportGolden -update)", err)
		}
		e, err := snapshot.DecodeExport(b)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if e.Version != tt.version || e.Header.WeddingID != "w-golden" || !bytes.Equal(e.Snapshot, snap) {
			t.Errorf("%s: version %d, holds %q, snapshot equal: %v", tt.path, e.Version, e.Header.WeddingID, bytes.Equal(e.Snapshot, snap))
		}
		if len(e.Wedding.Tokens) != 1 || e.Wedding.Tokens[0].Hash != hash("golden-bride") {
			t.Errorf("%s: golden export tokens = %+v", tt.path, e.Wedding.Tokens)
		}
		if len(e.Audit) != len(tt.audit) || len(tt.audit) > 0 && (e.Audit[0].Seq != 1 || string(e.Audit[len(e.Audit)-1].Record) != string(tt.audit[len(tt.audit)-1].Record)) {
			t.Errorf("%s: audit = %d records, want %d", tt.path, len(e.Audit), len(tt.audit))
		}
		if tt.reencodes && !bytes.Equal(mustExport(t, snap, e.Audit...), b) {
			t.Errorf("%s: the export encoding changed; see TestExportGolden", tt.path)
		}
	}
}

func TestExportBitFlips(t *testing.T) {
	snap := smallSnapshot(t)
	orig := mustExport(t, snap, goldenAudit(t, snap)...)
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
	snap := smallSnapshot(t)
	b := mustExport(t, snap, goldenAudit(t, snap)...)
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
	_, h, err := snapshot.Decode(snap)
	if err != nil {
		t.Fatal(err)
	}
	audit := auditSection(auditOf(1, 2))
	v2 := snapshot.ExportVersion
	tests := []struct {
		name string
		b    []byte
	}{
		{"unknown version", sealExport(snapshot.ExportVersion+1, uint64(len(snap)), snap, audit...)},
		{"version 0", sealExport(0, uint64(len(snap)), snap)},
		{"length too small", sealExport(1, uint64(len(snap)-1), snap)},
		{"length too large", sealExport(1, uint64(len(snap)+1), snap)},
		{"huge length", sealExport(1, 1<<63, snap)},
		{"corrupt snapshot inside", sealExport(1, uint64(len(badSnap)), badSnap)},
		{"empty snapshot inside", sealExport(1, 0, nil)},
		{"bare snapshot", snap},
		{"wrong magic", append([]byte("PWEY"), mustExport(t, snap)[4:]...)},
		{"v2: length too small", sealExport(v2, uint64(len(snap)-1), snap, audit...)},
		{"v2: length too large", sealExport(v2, uint64(len(snap)+len(audit)+1), snap, audit...)},
		{"v2: huge length", sealExport(v2, 1<<63, snap, audit...)},
		{"v2: corrupt snapshot inside", sealExport(v2, uint64(len(badSnap)), badSnap, audit...)},
		{"v2: no audit section", sealExport(v2, uint64(len(snap)), snap)},
		{"v1 with an audit section", sealExport(1, uint64(len(snap)), snap, audit...)},
		{"v2: count too large", sealExport(v2, uint64(len(snap)), snap, append(binary.BigEndian.AppendUint64(nil, 3), audit[8:]...)...)},
		{"v2: huge count", sealExport(v2, uint64(len(snap)), snap, append(binary.BigEndian.AppendUint64(nil, 1<<62), audit[8:]...)...)},
		{"v2: count too small", sealExport(v2, uint64(len(snap)), snap, append(binary.BigEndian.AppendUint64(nil, 1), audit[8:]...)...)},
		{"v2: a record too long", sealExport(v2, uint64(len(snap)), snap, auditSection(auditOf(1, 1))[:8+8+4+3]...)},
		{"v2: trailing byte", sealExport(v2, uint64(len(snap)), snap, append(slices.Clone(audit), 0)...)},
		{"v2: out of order", sealExport(v2, uint64(len(snap)), snap, auditSection([]snapshot.AuditRecord{{Seq: 2, Record: []byte{1}}, {Seq: 1, Record: []byte{1}}})...)},
		{"v2: twice", sealExport(v2, uint64(len(snap)), snap, auditSection([]snapshot.AuditRecord{{Seq: 2, Record: []byte{1}}, {Seq: 2, Record: []byte{1}}})...)},
		{"v2: seq 0", sealExport(v2, uint64(len(snap)), snap, auditSection([]snapshot.AuditRecord{{Seq: 0, Record: []byte{1}}})...)},
		{"v2: past the snapshot", sealExport(v2, uint64(len(snap)), snap, auditSection(auditOf(h.Seq, h.Seq+1))...)},
		{"v2: empty record", sealExport(v2, uint64(len(snap)), snap, auditSection([]snapshot.AuditRecord{{Seq: 1, Record: nil}})...)},
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
	if _, err := snapshot.EncodeExport(snap, nil); !errors.Is(err, snapshot.ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
	if _, err := snapshot.WriteExport(filepath.Join(t.TempDir(), "x"), snap, nil); !errors.Is(err, snapshot.ErrCorrupt) {
		t.Errorf("WriteExport err = %v, want ErrCorrupt", err)
	}
}

func TestEncodeExportRejectsBadAudit(t *testing.T) {
	snap := smallSnapshot(t)
	_, h, err := snapshot.Decode(snap)
	if err != nil {
		t.Fatal(err)
	}
	for name, audit := range map[string][]snapshot.AuditRecord{
		"out of order":  {{Seq: 2, Record: []byte{1}}, {Seq: 1, Record: []byte{1}}},
		"seq 0":         {{Seq: 0, Record: []byte{1}}},
		"past the snap": auditOf(h.Seq, h.Seq+1),
		"empty record":  {{Seq: 1}},
	} {
		if _, err := snapshot.EncodeExport(snap, audit); !errors.Is(err, snapshot.ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}

func TestExportFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.export")
	w := realistic(t)
	snap := mustEncode(t, w)
	n, err := snapshot.WriteExport(path, snap, auditOf(1, w.Seq))
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
	if len(e.Audit) != int(w.Seq) {
		t.Errorf("%d audit records read back, want %d", len(e.Audit), w.Seq)
	}

	// A second write replaces the file whole and leaves no temporary file.
	small := smallSnapshot(t)
	if _, err := snapshot.WriteExport(path, small, nil); err != nil {
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
		if _, err := snapshot.WriteExport(filepath.Join(dir, "no-such-dir", "x"), small, nil); err == nil {
			t.Error("writing into a missing directory succeeded")
		}
	})
}

// FuzzDecodeExport feeds raw bytes to DecodeExport: it never panics, fails
// only with ErrCorrupt and no export, and what it accepts is a wedding that
// agrees with its header and encodes back to the same file (a version 1
// file to the version 2 file of the same snapshot, without audit records).
func FuzzDecodeExport(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if _, h, err := snapshot.Decode(s); err == nil {
			f.Add(mustExport(f, s))
			f.Add(mustExport(f, s, auditOf(max(h.Seq, 3)-2, h.Seq)...))
		}
		f.Add(sealExport(1, uint64(len(s)), s))
		f.Add(s)
	}
	f.Add([]byte("PWEX"))
	f.Add(sealExport(1, 0, nil))
	f.Add(sealExport(snapshot.ExportVersion, 0, nil, auditSection(nil)...))
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
		again, err := snapshot.EncodeExport(e.Snapshot, e.Audit)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		switch e.Version {
		case snapshot.ExportVersion:
			if !bytes.Equal(again, b) {
				t.Fatal("re-encoding an accepted export gives other bytes")
			}
		case 1:
			if len(e.Audit) != 0 || !bytes.Equal(again[exportHeaderLen:exportHeaderLen+len(e.Snapshot)], b[exportHeaderLen:len(b)-4]) {
				t.Fatal("a version 1 file re-encodes to another snapshot, or has audit records")
			}
		default:
			t.Fatalf("accepted version %d", e.Version)
		}
	})
}

// exportHeaderLen is magic, version and the snapshot's length.
const exportHeaderLen = 4 + 1 + 8

// FuzzExportFields fuzzes the header fields and the bytes inside a file
// whose own checksum is right, so every input gets past the file's
// checksum to the length checks, the snapshot decoder and the audit
// records' reader.
func FuzzExportFields(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(byte(1), uint64(len(s)), s, []byte{})
		f.Add(snapshot.ExportVersion, uint64(len(s)), s, auditSection(auditOf(1, 2)))
	}
	f.Add(byte(0), uint64(0), []byte{}, []byte{})
	f.Add(snapshot.ExportVersion, uint64(1)<<63, []byte("PWSN"), []byte{})
	f.Fuzz(func(t *testing.T, version byte, claimed uint64, body, rest []byte) {
		b := sealExport(version, claimed, body, rest...)
		e, err := snapshot.DecodeExport(b)
		if err != nil {
			if !errors.Is(err, snapshot.ErrCorrupt) || e != nil {
				t.Fatalf("DecodeExport = %v, %v; want nil, ErrCorrupt", e, err)
			}
			return
		}
		if version != 1 && version != snapshot.ExportVersion || claimed > uint64(len(body)+len(rest)) ||
			!bytes.Equal(e.Snapshot, append(slices.Clone(body), rest...)[:claimed]) {
			t.Fatalf("accepted version %d, length %d for %d+%d bytes", version, claimed, len(body), len(rest))
		}
		if _, _, err := snapshot.Decode(e.Snapshot); err != nil {
			t.Fatalf("accepted a snapshot Decode rejects: %v", err)
		}
		var prev uint64
		for _, r := range e.Audit {
			if r.Seq <= prev || r.Seq > e.Header.Seq || len(r.Record) == 0 {
				t.Fatalf("accepted audit record seq %d after %d (export at %d)", r.Seq, prev, e.Header.Seq)
			}
			prev = r.Seq
		}
	})
}
