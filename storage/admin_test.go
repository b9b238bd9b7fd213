package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

func seqsOf(cs []domain.Change) []uint64 {
	out := make([]uint64, len(cs))
	for i := range cs {
		out[i] = cs[i].Seq
	}
	return out
}

func seqRange(from, to uint64) []uint64 { // from down to to, or up
	var out []uint64
	if from >= to {
		for s := from; s >= to && s > 0; s-- {
			out = append(out, s)
		}
		return out
	}
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// A page bounded in bytes ends once it holds that many encoded bytes,
// with at least one change.
func TestJournalPageBytes(t *testing.T) {
	db := openDB(t)
	changes := synthetic(1, 30)
	appendIn(t, db, "w1", changes, 7)
	one, err := storage.AppendChange(nil, &changes[29])
	if err != nil {
		t.Fatal(err)
	}
	size := len(one) // the synthetic changes are about this size each
	tests := []struct {
		maxBytes int
		want     int
	}{
		{1, 1},
		{size, 1},
		{3*size - 1, 3},
		{1 << 30, 10},
	}
	for _, tt := range tests {
		got, err := db.JournalPage("w1", 0, 10, tt.maxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < max(tt.want-1, 1) || len(got) > tt.want {
			t.Errorf("maxBytes %d (records of ~%d bytes): %d changes, want ~%d", tt.maxBytes, size, len(got), tt.want)
		}
	}
}

func TestJournalPage(t *testing.T) {
	db := openDB(t)
	appendIn(t, db, "w1", synthetic(1, 30), 7)
	// Neighbours whose keys sort right next to w1's must not leak in.
	appendIn(t, db, "w", synthetic(1, 3), 3)
	appendIn(t, db, "w10", synthetic(1, 3), 3)

	tests := []struct {
		name   string
		before uint64
		limit  int
		want   []uint64
	}{
		{"newest", 0, 5, seqRange(30, 26)},
		{"before the last", 30, 3, seqRange(29, 27)},
		{"past the end", 1000, 2, seqRange(30, 29)},
		{"to the start", 4, 10, seqRange(3, 1)},
		{"before the first", 1, 10, nil},
		{"all", 0, 100, seqRange(30, 1)},
		{"no limit", 0, 0, nil},
		{"negative limit", 0, -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.JournalPage("w1", tt.before, tt.limit, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(seqsOf(got), tt.want) {
				t.Errorf("JournalPage(w1, %d, %d, 0) = %v, want %v", tt.before, tt.limit, seqsOf(got), tt.want)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var all []domain.Change
		for before := uint64(0); ; {
			page, err := db.JournalPage("w1", before, 4, 0)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < 4 {
				break
			}
			before = page[len(page)-1].Seq
		}
		want := synthetic(1, 30)
		slices.Reverse(want)
		if d := sameChanges(all, want); d != "" {
			t.Error(d)
		}
	})

	t.Run("truncated", func(t *testing.T) {
		db := openDB(t)
		appendIn(t, db, "w1", synthetic(1, 10), 10)
		if err := db.TruncateJournal("w1", 6); err != nil {
			t.Fatal(err)
		}
		got, err := db.JournalPage("w1", 8, 10, 0)
		if err != nil || !slices.Equal(seqsOf(got), []uint64{7, 6}) {
			t.Errorf("JournalPage after truncation = %v, %v; want [7 6]", seqsOf(got), err)
		}
	})

	t.Run("unknown wedding", func(t *testing.T) {
		got, err := db.JournalPage("nope", 0, 10, 0)
		if err != nil || len(got) != 0 {
			t.Errorf("JournalPage(nope) = %v, %v; want nothing", seqsOf(got), err)
		}
	})

	t.Run("bad id", func(t *testing.T) {
		if _, err := db.JournalPage("", 0, 10, 0); !errors.Is(err, storage.ErrBadID) {
			t.Errorf("err = %v, want ErrBadID", err)
		}
	})

	t.Run("corrupt record", func(t *testing.T) {
		db := openDB(t)
		appendIn(t, db, "w1", synthetic(1, 5), 5)
		if err := db.Pebble().Set(journalKey("w1", 4), []byte("garbage"), pebble.Sync); err != nil {
			t.Fatal(err)
		}
		if _, err := db.JournalPage("w1", 0, 10, 0); !errors.Is(err, storage.ErrCorrupt) {
			t.Errorf("err = %v, want ErrCorrupt", err)
		}
		// A page that stops before the bad record is fine.
		if got, err := db.JournalPage("w1", 0, 1, 0); err != nil || !slices.Equal(seqsOf(got), []uint64{5}) {
			t.Errorf("page above the bad record = %v, %v", seqsOf(got), err)
		}
		other, _ := storage.AppendChange(nil, &synthetic(2, 2)[0])
		if err := db.Pebble().Set(journalKey("w1", 4), other, pebble.Sync); err != nil {
			t.Fatal(err)
		}
		if _, err := db.JournalPage("w1", 0, 10, 0); !errors.Is(err, storage.ErrCorrupt) {
			t.Errorf("record of another seq: err = %v, want ErrCorrupt", err)
		}
	})
}

// checkRestored asserts that a wedding holds exactly one snapshot, snap at
// seq, no journal, and last sequence seq.
func checkRestored(t *testing.T, db *storage.DB, wedding string, seq uint64, snap string) {
	t.Helper()
	if last, err := db.LastSeq(wedding); err != nil || last != seq {
		t.Errorf("LastSeq = %d, %v; want %d", last, err, seq)
	}
	if seqs, err := db.SnapshotSeqs(wedding); err != nil || !slices.Equal(seqs, []uint64{seq}) {
		t.Errorf("SnapshotSeqs = %v, %v; want [%d]", seqs, err, seq)
	}
	if got, err := db.Snapshot(wedding, seq); err != nil || string(got) != snap {
		t.Errorf("Snapshot(%d) = %q, %v; want %q", seq, got, err, snap)
	}
	if _, err := db.FirstSeq(wedding); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("FirstSeq: err = %v, want ErrNotFound (empty journal)", err)
	}
	if ids, err := db.Weddings(); err != nil || !slices.Contains(ids, wedding) {
		t.Errorf("Weddings = %q, %v; want it to list %s", ids, err, wedding)
	}
}

func TestRestoreWedding(t *testing.T) {
	tests := []struct {
		name    string
		before  func(t *testing.T, db *storage.DB) // what the directory held
		restore uint64
	}{
		{"new wedding", func(*testing.T, *storage.DB) {}, 12},
		{"older than stored", func(t *testing.T, db *storage.DB) {
			appendIn(t, db, "w1", synthetic(1, 40), 9)
			for _, s := range []uint64{10, 30} {
				if err := db.PutSnapshot("w1", s, []byte("old")); err != nil {
					t.Fatal(err)
				}
			}
		}, 12},
		{"newer than stored", func(t *testing.T, db *storage.DB) {
			appendIn(t, db, "w1", synthetic(1, 5), 5)
			if err := db.PutSnapshot("w1", 3, []byte("old")); err != nil {
				t.Fatal(err)
			}
		}, 12},
		{"same seq as a stored snapshot", func(t *testing.T, db *storage.DB) {
			appendIn(t, db, "w1", synthetic(1, 20), 20)
			if err := db.PutSnapshot("w1", 12, []byte("old")); err != nil {
				t.Fatal(err)
			}
		}, 12},
		{"truncated journal", func(t *testing.T, db *storage.DB) {
			appendIn(t, db, "w1", synthetic(1, 20), 20)
			if err := db.TruncateJournal("w1", 21); err != nil {
				t.Fatal(err)
			}
		}, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openAt(t, dir, nil)
			// Neighbours are left alone.
			appendIn(t, db, "w", synthetic(1, 3), 3)
			appendIn(t, db, "w10", synthetic(1, 4), 4)
			if err := db.PutSnapshot("w10", 2, []byte("w10 at 2")); err != nil {
				t.Fatal(err)
			}
			tt.before(t, db)

			if err := db.RestoreWedding("w1", tt.restore, []byte("restored"), "w1-slug"); err != nil {
				t.Fatal(err)
			}
			checkRestored(t, db, "w1", tt.restore, "restored")

			// The wedding continues at seq+1, with no gap before it.
			next := synthetic(tt.restore+1, tt.restore+3)
			appendIn(t, db, "w1", next, 2)
			if last, err := db.LastSeq("w1"); err != nil || last != tt.restore+3 {
				t.Errorf("LastSeq after appending = %d, %v; want %d", last, err, tt.restore+3)
			}
			got, err := replayAll(t, db, "w1", tt.restore+1)
			if err != nil {
				t.Fatal(err)
			}
			if d := sameChanges(got, next); d != "" {
				t.Error(d)
			}

			mustClose(t, db)
			db = openAt(t, dir, nil)
			defer mustClose(t, db)
			if last, err := db.LastSeq("w1"); err != nil || last != tt.restore+3 {
				t.Errorf("LastSeq after reopen = %d, %v; want %d", last, err, tt.restore+3)
			}
			if seqs, _ := db.SnapshotSeqs("w1"); !slices.Equal(seqs, []uint64{tt.restore}) {
				t.Errorf("SnapshotSeqs after reopen = %v", seqs)
			}
			for w, last := range map[string]uint64{"w": 3, "w10": 4} {
				if got, err := replayAll(t, db, w, 1); err != nil || len(got) != int(last) {
					t.Errorf("neighbour %s: %d changes, %v; want %d", w, len(got), err, last)
				}
			}
			if got, err := db.Snapshot("w10", 2); err != nil || string(got) != "w10 at 2" {
				t.Errorf("neighbour snapshot = %q, %v", got, err)
			}
		})
	}
}

func TestRestoreWeddingRejects(t *testing.T) {
	db := openDB(t)
	appendIn(t, db, "w1", synthetic(1, 5), 5)
	tests := []struct {
		name    string
		wedding string
		seq     uint64
		snap    []byte
		is      error
	}{
		{"seq 0", "w1", 0, []byte("x"), nil},
		{"empty snapshot", "w1", 3, nil, nil},
		{"empty id", "", 3, []byte("x"), storage.ErrBadID},
		{"NUL in id", "w\x001", 3, []byte("x"), storage.ErrBadID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.RestoreWedding(tt.wedding, tt.seq, tt.snap, "a-slug")
			if err == nil || tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want an error (%v)", err, tt.is)
			}
			if last, err := db.LastSeq("w1"); err != nil || last != 5 {
				t.Errorf("a rejected restore changed w1: LastSeq = %d, %v", last, err)
			}
		})
	}
}

// A restore is one synced batch: after a crash the restored wedding is
// there whole.
func TestCrashRestoreWedding(t *testing.T) {
	for _, cc := range crashConfigs(t) {
		t.Run(cc.name, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			db := openAt(t, "db", fs)
			appendIn(t, db, "w1", synthetic(1, 30), 10)
			if err := db.PutSnapshot("w1", 20, []byte("old")); err != nil {
				t.Fatal(err)
			}
			if err := db.RestoreWedding("w1", 7, []byte("restored"), "w1-slug"); err != nil {
				t.Fatal(err)
			}
			crashed := fs.CrashClone(cc.cfg())
			mustClose(t, db)

			db = openAt(t, "db", crashed)
			defer mustClose(t, db)
			checkRestored(t, db, "w1", 7, "restored")
		})
	}
}

func TestSnapshotsListsEveryWedding(t *testing.T) {
	db := openDB(t)
	put := func(w string, seq uint64, n int) {
		t.Helper()
		if err := db.PutSnapshot(w, seq, make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
	appendIn(t, db, "w1", synthetic(1, 30), 30)
	put("w1", 20, 5)
	put("w1", 10, 3)
	put("w10", 4, 7)
	put("orphan", 9, 1) // no journal, no meta: Weddings does not list it
	got, err := db.Snapshots()
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.SnapshotInfo{
		{Wedding: "orphan", Seq: 9, Bytes: 1},
		{Wedding: "w1", Seq: 10, Bytes: 3},
		{Wedding: "w1", Seq: 20, Bytes: 5},
		{Wedding: "w10", Seq: 4, Bytes: 7},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Snapshots = %+v\nwant %+v", got, want)
	}

	if err := db.Pebble().Set([]byte("sx"), []byte("?"), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Snapshots(); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("malformed snapshot key: err = %v, want ErrCorrupt", err)
	}
}

func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	for _, ro := range []bool{false, true} {
		if db2, err := storage.Open(dir, storage.Options{ReadOnly: ro}); !errors.Is(err, storage.ErrLocked) {
			if err == nil {
				db2.Close()
			}
			t.Errorf("second Open (read-only %v): err = %v, want ErrLocked", ro, err)
		}
	}
	mustClose(t, db)
	// Closing released the lock.
	db = openAt(t, dir, nil)
	mustClose(t, db)
}

func TestOpenReadOnly(t *testing.T) {
	t.Run("missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "none")
		if _, err := storage.Open(dir, storage.Options{ReadOnly: true}); !errors.Is(err, storage.ErrNoDatabase) {
			t.Errorf("err = %v, want ErrNoDatabase", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a read-only Open created %s (%v)", dir, err)
		}
	})
	t.Run("not a database", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.Open(dir, storage.Options{ReadOnly: true}); !errors.Is(err, storage.ErrNoDatabase) {
			t.Errorf("err = %v, want ErrNoDatabase", err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("a read-only Open left files in a directory that is not a database: %v", ents)
		}
	})
	t.Run("existing database", func(t *testing.T) {
		dir := t.TempDir()
		db := openAt(t, dir, nil)
		appendIn(t, db, "w1", synthetic(1, 5), 5)
		mustClose(t, db) // what is in the WAL only must be read too

		db, err := storage.Open(dir, storage.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer mustClose(t, db)
		got, err := replayAll(t, db, "w1", 1)
		if err != nil || len(got) != 5 {
			t.Errorf("read-only replay: %d changes, %v; want 5", len(got), err)
		}
		if err := db.Append("w1", synthetic(6, 6)); err == nil {
			t.Error("Append on a read-only database succeeded")
		}
	})
}
