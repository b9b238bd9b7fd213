package storage_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

// Keys as doc.go lays them out, for tests that plant bad data under them
// through DB.Pebble().
func journalKey(wedding string, seq uint64) []byte {
	k := append([]byte{'j'}, wedding...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func metaKey(wedding string) []byte { return append([]byte{'m'}, wedding...) }

var formatKey = []byte("\x00format")

// appendIn appends changes in batches of the given sizes (cycling), and
// fails the test on error.
func appendIn(t testing.TB, db *storage.DB, wedding string, changes []domain.Change, sizes ...int) {
	t.Helper()
	for i, k := 0, 0; i < len(changes); k++ {
		n := min(sizes[k%len(sizes)], len(changes)-i)
		if err := db.Append(wedding, changes[i:i+n]); err != nil {
			t.Fatalf("append %s seq %d..%d: %v", wedding, changes[i].Seq, changes[i+n-1].Seq, err)
		}
		i += n
	}
}

func TestAppendCloseReopenReplay(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)

	want := map[string][]domain.Change{
		"w-asha":  everyKind(t, "w-asha").Changes,
		"w-bina":  everyKind(t, "w-bina").Changes,
		"w-chaya": synthetic(1, 300),
	}
	// Interleave the weddings' commits, with batches of several sizes.
	appendIn(t, db, "w-chaya", want["w-chaya"][:100], 64, 1, 7)
	appendIn(t, db, "w-asha", want["w-asha"][:5], 1)
	appendIn(t, db, "w-bina", want["w-bina"], 3, 1, 2)
	appendIn(t, db, "w-asha", want["w-asha"][5:], 4)
	appendIn(t, db, "w-chaya", want["w-chaya"][100:], 64)

	check := func(db *storage.DB, when string) {
		t.Helper()
		ids, err := db.Weddings()
		if err != nil {
			t.Fatalf("%s: Weddings: %v", when, err)
		}
		if wantIDs := []string{"w-asha", "w-bina", "w-chaya"}; !slices.Equal(ids, wantIDs) {
			t.Errorf("%s: Weddings = %q, want %q", when, ids, wantIDs)
		}
		for id, changes := range want {
			last := changes[len(changes)-1].Seq
			if got, err := db.LastSeq(id); err != nil || got != last {
				t.Errorf("%s: LastSeq(%s) = %d, %v; want %d", when, id, got, err, last)
			}
			if got, err := db.FirstSeq(id); err != nil || got != 1 {
				t.Errorf("%s: FirstSeq(%s) = %d, %v; want 1", when, id, got, err)
			}
			for _, from := range []uint64{0, 1} {
				got, err := replayAll(t, db, id, from)
				if err != nil {
					t.Fatalf("%s: Replay(%s, %d): %v", when, id, from, err)
				}
				if d := sameChanges(got, changes); d != "" {
					t.Errorf("%s: Replay(%s, %d): %s", when, id, from, d)
				}
			}
			// From the middle, and from just past the end.
			mid := last / 2
			got, err := replayAll(t, db, id, mid)
			if err != nil {
				t.Fatalf("%s: Replay(%s, %d): %v", when, id, mid, err)
			}
			if d := sameChanges(got, changes[mid-1:]); d != "" {
				t.Errorf("%s: Replay(%s, %d): %s", when, id, mid, d)
			}
			if got, err := replayAll(t, db, id, last+1); err != nil || len(got) != 0 {
				t.Errorf("%s: Replay(%s, %d) = %d changes, %v; want none", when, id, last+1, len(got), err)
			}
		}
	}
	check(db, "before close")
	mustClose(t, db)
	db = openAt(t, dir, nil)
	t.Cleanup(func() { mustClose(t, db) })
	check(db, "after reopen")
}

func TestUnknownWedding(t *testing.T) {
	db := openDB(t)
	if err := db.Append("w1", synthetic(1, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LastSeq("w2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("LastSeq(unknown) err = %v, want ErrNotFound", err)
	}
	if _, err := db.FirstSeq("w2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("FirstSeq(unknown) err = %v, want ErrNotFound", err)
	}
	if got, err := replayAll(t, db, "w2", 1); err != nil || len(got) != 0 {
		t.Errorf("Replay(unknown) = %d changes, %v; want none, nil", len(got), err)
	}
	if seqs, err := db.SnapshotSeqs("w2"); err != nil || len(seqs) != 0 {
		t.Errorf("SnapshotSeqs(unknown) = %v, %v; want none", seqs, err)
	}
	if _, err := db.Snapshot("w2", 1); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Snapshot(unknown) err = %v, want ErrNotFound", err)
	}
}

// Wedding ids that share a prefix, or hold bytes just above the key
// separator, must not see each other's records.
func TestWeddingIDsDoNotOverlap(t *testing.T) {
	db := openDB(t)
	ids := []string{"w", "w\x01", "w\xff", "w1", "ww", "x"}
	for i, id := range ids {
		n := uint64(10 + i)
		if err := db.Append(id, synthetic(1, n)); err != nil {
			t.Fatalf("append %q: %v", id, err)
		}
		if err := db.PutSnapshot(id, n, []byte(id)); err != nil {
			t.Fatalf("put snapshot %q: %v", id, err)
		}
	}
	got, err := db.Weddings()
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Weddings = %q, want %q", got, want)
	}
	// Truncate and prune the shortest id; the others must be untouched.
	if err := db.Prune("w", 1, 0); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		n := uint64(10 + i)
		changes, err := replayAll(t, db, id, 0)
		if id == "w" {
			// Pruned behind its only snapshot: no journal left at all.
			if err != nil || len(changes) != 0 {
				t.Errorf("Replay(%q, 0) after prune = %d changes, %v; want none", id, len(changes), err)
			}
			if _, err := db.FirstSeq(id); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("FirstSeq(%q) err = %v, want ErrNotFound (journal pruned)", id, err)
			}
		} else {
			if err != nil {
				t.Fatalf("Replay(%q): %v", id, err)
			}
			if d := sameChanges(changes, synthetic(1, n)); d != "" {
				t.Errorf("Replay(%q): %s", id, d)
			}
		}
		seqs, err := db.SnapshotSeqs(id)
		if err != nil || !slices.Equal(seqs, []uint64{n}) {
			t.Errorf("SnapshotSeqs(%q) = %v, %v; want [%d]", id, seqs, err, n)
		}
		if last, err := db.LastSeq(id); err != nil || last != n {
			t.Errorf("LastSeq(%q) = %d, %v; want %d", id, last, err, n)
		}
	}
}

func TestReplayReturnsCallbackError(t *testing.T) {
	db := openDB(t)
	if err := db.Append("w1", synthetic(1, 10)); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop here")
	var seen []uint64
	err := db.Replay("w1", 1, func(c *domain.Change) error {
		seen = append(seen, c.Seq)
		if c.Seq == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("Replay err = %v, want the callback's error", err)
	}
	if !slices.Equal(seen, []uint64{1, 2, 3}) {
		t.Errorf("Replay called fn for %v, want [1 2 3]", seen)
	}
}

func TestBatchAddRejectsOutOfSequence(t *testing.T) {
	tests := []struct {
		name string
		seqs []uint64
		bad  int // index of the first change Add must reject
	}{
		{"gap", []uint64{1, 3}, 1},
		{"backwards", []uint64{2, 1}, 1},
		{"repeat", []uint64{1, 1}, 1},
		{"gap later", []uint64{5, 6, 8}, 2},
		{"zero after one", []uint64{1, 0}, 1},
	}
	db := openDB(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := db.NewBatch("w1")
			defer b.Close()
			for i, s := range tt.seqs {
				c := synthetic(s, s)[0]
				err := b.Add(&c)
				if i < tt.bad && err != nil {
					t.Fatalf("Add seq %d: %v", s, err)
				}
				if i == tt.bad {
					if !errors.Is(err, storage.ErrOutOfSeq) {
						t.Fatalf("Add seq %d after %d: err = %v, want ErrOutOfSeq", s, tt.seqs[i-1], err)
					}
					break
				}
			}
			if b.Len() != tt.bad {
				t.Errorf("Len = %d after a rejected Add, want %d", b.Len(), tt.bad)
			}

			// Append of the same changes stores nothing.
			changes := make([]domain.Change, 0, len(tt.seqs))
			for _, s := range tt.seqs {
				changes = append(changes, synthetic(s, s)[0])
			}
			if err := db.Append("w1", changes); !errors.Is(err, storage.ErrOutOfSeq) {
				t.Errorf("Append err = %v, want ErrOutOfSeq", err)
			}
			if _, err := db.LastSeq("w1"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("LastSeq after rejected append: err = %v, want ErrNotFound", err)
			}
			if got, _ := replayAll(t, db, "w1", 0); len(got) != 0 {
				t.Errorf("rejected append stored %d changes", len(got))
			}
		})
	}
}

// A batch may start anywhere: continuing the stored journal is the actor's
// job, not the batch's.
func TestBatchStartsAtAnySequence(t *testing.T) {
	db := openDB(t)
	if err := db.Append("w1", synthetic(40, 42)); err != nil {
		t.Fatal(err)
	}
	if got, err := db.LastSeq("w1"); err != nil || got != 42 {
		t.Errorf("LastSeq = %d, %v; want 42", got, err)
	}
	if got, err := db.FirstSeq("w1"); err != nil || got != 40 {
		t.Errorf("FirstSeq = %d, %v; want 40", got, err)
	}
}

func TestBadWeddingID(t *testing.T) {
	db := openDB(t)
	for _, id := range []string{"", "\x00", "a\x00b", "abc\x00"} {
		changes := synthetic(1, 2)
		ops := map[string]func() error{
			"Append": func() error { return db.Append(id, changes) },
			"Batch.Commit": func() error {
				b := db.NewBatch(id)
				defer b.Close()
				if err := b.Add(&changes[0]); err != nil {
					return err
				}
				return b.Commit()
			},
			"Batch.Commit snapshot only": func() error {
				b := db.NewBatch(id)
				defer b.Close()
				if err := b.PutSnapshot(1, []byte("x")); err != nil {
					return err
				}
				return b.Commit()
			},
			"LastSeq":  func() error { _, err := db.LastSeq(id); return err },
			"FirstSeq": func() error { _, err := db.FirstSeq(id); return err },
			"Replay": func() error {
				return db.Replay(id, 1, func(*domain.Change) error { return nil })
			},
			"TruncateJournal": func() error { return db.TruncateJournal(id, 5) },
			"PutSnapshot":     func() error { return db.PutSnapshot(id, 1, []byte("x")) },
			"Snapshot":        func() error { _, err := db.Snapshot(id, 1); return err },
			"SnapshotSeqs":    func() error { _, err := db.SnapshotSeqs(id); return err },
			"DeleteSnapshot":  func() error { return db.DeleteSnapshot(id, 1) },
			"Prune":           func() error { return db.Prune(id, 1, 0) },
		}
		for name, op := range ops {
			if err := op(); !errors.Is(err, storage.ErrBadID) {
				t.Errorf("%s(%q) err = %v, want ErrBadID", name, id, err)
			}
		}
	}
	if ids, err := db.Weddings(); err != nil || len(ids) != 0 {
		t.Errorf("Weddings = %q, %v; want none stored", ids, err)
	}
	// Nothing at all was written under a bad id.
	it, err := db.Pebble().NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		if !bytes.Equal(it.Key(), formatKey) && !bytes.Equal(it.Key(), []byte("\x00slugs-indexed")) {
			t.Errorf("unexpected key %q in the database", it.Key())
		}
	}
}

func TestBatchReuse(t *testing.T) {
	db := openDB(t)
	b := db.NewBatch("w1")
	defer func() { b.Close() }()
	if err := b.Commit(); err != nil {
		t.Fatalf("empty Commit: %v", err)
	}
	if _, err := db.LastSeq("w1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("empty Commit wrote the wedding's meta: %v", err)
	}
	changes := synthetic(1, 5)
	for i := range changes[:3] {
		if err := b.Add(&changes[i]); err != nil {
			t.Fatal(err)
		}
	}
	if b.Len() != 3 {
		t.Errorf("Len = %d; want 3", b.Len())
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	// A closed batch goes back to the pool: the next NewBatch may be the
	// same one, and must start empty, for its own wedding.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = db.NewBatch("w1")
	if b.Len() != 0 {
		t.Errorf("Len of a new batch = %d", b.Len())
	}
	for i := range changes[3:] {
		if err := b.Add(&changes[3+i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := replayAll(t, db, "w1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameChanges(got, changes); d != "" {
		t.Error(d)
	}
	if last, err := db.LastSeq("w1"); err != nil || last != 5 {
		t.Errorf("LastSeq = %d, %v; want 5", last, err)
	}
}

// Batch.PutSnapshot lands in the same atomic, synced commit as the journal
// records: invisible before Commit, all there after it.
func TestBatchPutSnapshotSameCommit(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	if err := db.Append("w1", synthetic(1, 5)); err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch("w1")
	changes := synthetic(6, 10)
	for i := range changes {
		if err := b.Add(&changes[i]); err != nil {
			t.Fatal(err)
		}
	}
	snap := []byte("snapshot at 10")
	if err := b.PutSnapshot(10, snap); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Snapshot("w1", 10); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("snapshot visible before Commit: err = %v", err)
	}
	if last, _ := db.LastSeq("w1"); last != 5 {
		t.Errorf("LastSeq before Commit = %d, want 5", last)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	b.Close()

	// A batch with only a snapshot stores it and leaves the meta alone.
	b = db.NewBatch("w1")
	if err := b.PutSnapshot(7, []byte("older")); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	b.Close()

	mustClose(t, db)
	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	if got, err := db.Snapshot("w1", 10); err != nil || !bytes.Equal(got, snap) {
		t.Errorf("Snapshot(10) = %q, %v; want %q", got, err, snap)
	}
	if seqs, err := db.SnapshotSeqs("w1"); err != nil || !slices.Equal(seqs, []uint64{10, 7}) {
		t.Errorf("SnapshotSeqs = %v, %v; want [10 7]", seqs, err)
	}
	if last, err := db.LastSeq("w1"); err != nil || last != 10 {
		t.Errorf("LastSeq = %d, %v; want 10", last, err)
	}
	got, err := replayAll(t, db, "w1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameChanges(got, synthetic(1, 10)); d != "" {
		t.Error(d)
	}
}

func TestSnapshots(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	data := func(seq uint64) []byte { return []byte{'s', byte(seq), 0, 0xff} }
	for _, s := range []uint64{5, 20, 10, 15} {
		if err := db.PutSnapshot("w1", s, data(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutSnapshot("w2", 99, data(99)); err != nil {
		t.Fatal(err)
	}
	seqs, err := db.SnapshotSeqs("w1")
	if err != nil || !slices.Equal(seqs, []uint64{20, 15, 10, 5}) {
		t.Errorf("SnapshotSeqs = %v, %v; want newest first [20 15 10 5]", seqs, err)
	}
	got, err := db.Snapshot("w1", 10)
	if err != nil || !bytes.Equal(got, data(10)) {
		t.Fatalf("Snapshot(10) = %v, %v; want %v", got, err, data(10))
	}
	// The returned bytes belong to the caller.
	got[0] = 'X'
	if again, _ := db.Snapshot("w1", 10); !bytes.Equal(again, data(10)) {
		t.Errorf("changing the returned slice changed the stored snapshot: %v", again)
	}
	if _, err := db.Snapshot("w1", 11); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Snapshot(11) err = %v, want ErrNotFound", err)
	}
	// Overwriting a snapshot at the same seq replaces it.
	if err := db.PutSnapshot("w1", 5, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Snapshot("w1", 5); string(got) != "new" {
		t.Errorf("Snapshot(5) after overwrite = %q", got)
	}
	if err := db.DeleteSnapshot("w1", 15); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSnapshot("w1", 16); err != nil {
		t.Errorf("DeleteSnapshot of a missing snapshot: %v", err)
	}
	if _, err := db.Snapshot("w1", 15); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Snapshot(15) after delete: err = %v, want ErrNotFound", err)
	}
	mustClose(t, db)
	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	if seqs, err := db.SnapshotSeqs("w1"); err != nil || !slices.Equal(seqs, []uint64{20, 10, 5}) {
		t.Errorf("SnapshotSeqs after reopen = %v, %v; want [20 10 5]", seqs, err)
	}
	if seqs, err := db.SnapshotSeqs("w2"); err != nil || !slices.Equal(seqs, []uint64{99}) {
		t.Errorf("SnapshotSeqs(w2) = %v, %v; want [99]", seqs, err)
	}
	// Snapshots alone do not make a wedding: Weddings lists journals.
	if ids, err := db.Weddings(); err != nil || len(ids) != 0 {
		t.Errorf("Weddings = %q, %v; want none", ids, err)
	}
}

func TestPrune(t *testing.T) {
	tests := []struct {
		name      string
		snaps     []uint64
		keep      int
		tail      uint64
		wantSnaps []uint64
		wantFirst uint64 // first journal seq left
	}{
		// Oldest kept is 20: the journal before 20+1-3 = 18 goes.
		{"keep two with tail", []uint64{10, 20, 25}, 2, 3, []uint64{25, 20}, 18},
		{"keep one no tail", []uint64{10, 20, 25}, 1, 0, []uint64{25}, 26},
		{"keep more than there are", []uint64{10, 20}, 5, 4, []uint64{20, 10}, 7},
		{"tail reaches the start", []uint64{10, 20}, 1, 21, []uint64{20}, 1},
		{"tail past the start", []uint64{10, 20}, 1, 100, []uint64{20}, 1},
		{"tail one short of the start", []uint64{10, 20}, 1, 20, []uint64{20}, 1},
		{"tail leaves seq 2", []uint64{10, 20}, 1, 19, []uint64{20}, 2},
		{"keep zero is a no-op", []uint64{10, 20}, 0, 0, []uint64{20, 10}, 1},
		{"no snapshots is a no-op", nil, 1, 0, nil, 1},
	}
	const last = 30
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			if err := db.Append("w1", synthetic(1, last)); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.snaps {
				if err := db.PutSnapshot("w1", s, []byte{byte(s)}); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 { // Prune is idempotent
				if err := db.Prune("w1", tt.keep, tt.tail); err != nil {
					t.Fatalf("Prune: %v", err)
				}
				seqs, err := db.SnapshotSeqs("w1")
				if err != nil || !slices.Equal(seqs, tt.wantSnaps) {
					t.Errorf("SnapshotSeqs = %v, %v; want %v", seqs, err, tt.wantSnaps)
				}
				first, err := db.FirstSeq("w1")
				if err != nil || first != tt.wantFirst {
					t.Errorf("FirstSeq = %d, %v; want %d", first, err, tt.wantFirst)
				}
				if got, err := db.LastSeq("w1"); err != nil || got != last {
					t.Errorf("LastSeq = %d, %v; want %d", got, err, last)
				}
			}
			// Replay from the first kept record, and from just after each
			// kept snapshot, works.
			froms := []uint64{tt.wantFirst}
			for _, s := range tt.wantSnaps {
				froms = append(froms, s+1)
			}
			for _, from := range froms {
				got, err := replayAll(t, db, "w1", from)
				if err != nil {
					t.Fatalf("Replay(%d): %v", from, err)
				}
				if d := sameChanges(got, synthetic(from, last)); d != "" {
					t.Errorf("Replay(%d): %s", from, d)
				}
			}
			// Replay from before the truncation point is corrupt: the
			// journal no longer holds the changes asked for.
			if tt.wantFirst > 1 {
				for _, from := range []uint64{0, 1, tt.wantFirst - 1} {
					called := false
					err := db.Replay("w1", from, func(*domain.Change) error { called = true; return nil })
					if !errors.Is(err, storage.ErrCorrupt) {
						t.Errorf("Replay(%d) on a journal starting at %d: err = %v, want ErrCorrupt", from, tt.wantFirst, err)
					}
					if called {
						t.Errorf("Replay(%d) called fn before failing", from)
					}
				}
			}
		})
	}
}

func TestTruncateJournal(t *testing.T) {
	db := openDB(t)
	if err := db.Append("w1", synthetic(1, 20)); err != nil {
		t.Fatal(err)
	}
	if err := db.TruncateJournal("w1", 0); err != nil {
		t.Fatal(err)
	}
	if first, _ := db.FirstSeq("w1"); first != 1 {
		t.Errorf("FirstSeq after TruncateJournal(0) = %d, want 1", first)
	}
	if err := db.TruncateJournal("w1", 8); err != nil {
		t.Fatal(err)
	}
	if first, err := db.FirstSeq("w1"); err != nil || first != 8 {
		t.Errorf("FirstSeq = %d, %v; want 8", first, err)
	}
	got, err := replayAll(t, db, "w1", 8)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameChanges(got, synthetic(8, 20)); d != "" {
		t.Error(d)
	}
	if _, err := replayAll(t, db, "w1", 1); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("Replay(1) on truncated journal: err = %v, want ErrCorrupt", err)
	}
	if err := db.TruncateJournal("w1", 21); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FirstSeq("w1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("FirstSeq of an emptied journal: err = %v, want ErrNotFound", err)
	}
	if last, err := db.LastSeq("w1"); err != nil || last != 20 {
		t.Errorf("LastSeq = %d, %v; want 20 (kept by the meta record)", last, err)
	}
}

// Bad bytes planted under the documented keys (through DB.Pebble, as a
// failing disk or a bug would leave them) come back as ErrCorrupt, never a
// panic or a wrong change.
func TestCorruptJournal(t *testing.T) {
	valid, err := storage.AppendChange(nil, &synthetic(3, 3)[0])
	if err != nil {
		t.Fatal(err)
	}
	other, err := storage.AppendChange(nil, &synthetic(4, 4)[0])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		plant func(p *pebble.DB) error
	}{
		{"garbage record", func(p *pebble.DB) error {
			return p.Set(journalKey("w1", 3), []byte("not a change"), pebble.Sync)
		}},
		{"empty record", func(p *pebble.DB) error {
			return p.Set(journalKey("w1", 3), nil, pebble.Sync)
		}},
		{"unknown version", func(p *pebble.DB) error {
			b := append([]byte{2}, valid[1:]...)
			return p.Set(journalKey("w1", 3), b, pebble.Sync)
		}},
		{"truncated record", func(p *pebble.DB) error {
			return p.Set(journalKey("w1", 3), valid[:len(valid)/2], pebble.Sync)
		}},
		{"trailing bytes", func(p *pebble.DB) error {
			return p.Set(journalKey("w1", 3), append(slices.Clone(valid), 0xc0), pebble.Sync)
		}},
		{"record of another seq", func(p *pebble.DB) error {
			return p.Set(journalKey("w1", 3), other, pebble.Sync)
		}},
		{"missing record", func(p *pebble.DB) error {
			return p.Delete(journalKey("w1", 3), pebble.Sync)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			if err := db.Append("w1", synthetic(1, 6)); err != nil {
				t.Fatal(err)
			}
			if err := tt.plant(db.Pebble()); err != nil {
				t.Fatal(err)
			}
			var seen []uint64
			err := db.Replay("w1", 1, func(c *domain.Change) error { seen = append(seen, c.Seq); return nil })
			if !errors.Is(err, storage.ErrCorrupt) {
				t.Errorf("Replay err = %v, want ErrCorrupt", err)
			}
			if !slices.Equal(seen, []uint64{1, 2}) {
				t.Errorf("Replay delivered %v before failing, want [1 2]", seen)
			}
			// Past the bad record the journal reads fine.
			got, err := replayAll(t, db, "w1", 4)
			if err != nil {
				t.Fatalf("Replay(4): %v", err)
			}
			if d := sameChanges(got, synthetic(4, 6)); d != "" {
				t.Error(d)
			}
		})
	}

	// Every truncation of a stored record.
	db := openDB(t)
	if err := db.Append("w1", synthetic(1, 1)); err != nil {
		t.Fatal(err)
	}
	rec, err := storage.AppendChange(nil, &synthetic(1, 1)[0])
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(rec) {
		if err := db.Pebble().Set(journalKey("w1", 1), rec[:n], pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		if _, err := replayAll(t, db, "w1", 1); !errors.Is(err, storage.ErrCorrupt) {
			t.Errorf("record truncated to %d of %d bytes: err = %v, want ErrCorrupt", n, len(rec), err)
		}
	}
}

func TestCorruptMeta(t *testing.T) {
	db := openDB(t)
	if err := db.Append("w1", synthetic(1, 2)); err != nil {
		t.Fatal(err)
	}
	if err := db.Pebble().Set(metaKey("w1"), []byte{0, 0, 2}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LastSeq("w1"); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("LastSeq with a 3-byte meta: err = %v, want ErrCorrupt", err)
	}
}

func TestFormatVersion(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	v, closer, err := db.Pebble().Get(formatKey)
	if err != nil {
		t.Fatalf("format record: %v", err)
	}
	if got := binary.BigEndian.Uint32(v); len(v) != 4 || got != storage.FormatVersion {
		t.Errorf("format record = %x, want %d", v, storage.FormatVersion)
	}
	closer.Close()
	// Reopening a database of the current format works.
	mustClose(t, db)
	db = openAt(t, dir, nil)

	set := func(v []byte) {
		t.Helper()
		if err := db.Pebble().Set(formatKey, v, pebble.Sync); err != nil {
			t.Fatal(err)
		}
		mustClose(t, db)
	}
	set(binary.BigEndian.AppendUint32(nil, storage.FormatVersion+1))
	if _, err := storage.Open(dir, storage.Options{}); !errors.Is(err, storage.ErrNewFormat) {
		t.Fatalf("open a newer format: err = %v, want ErrNewFormat", err)
	}

	// Put a malformed record in place (through a raw Pebble handle, since
	// storage.Open now refuses the directory).
	p, err := pebble.Open(dir, &pebble.Options{Logger: silentLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Set(formatKey, []byte{1, 2, 3}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Open(dir, storage.Options{}); !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("open with a 3-byte format record: err = %v, want ErrCorrupt", err)
	}
}

// silentLogger keeps a raw Pebble handle quiet in test output.
type silentLogger struct{}

func (silentLogger) Infof(string, ...any)           {}
func (silentLogger) Errorf(string, ...any)          {}
func (silentLogger) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

// Start enters a batch into the commit pipeline; Wait makes it durable.
// Commit is the two together.
func TestBatchStartWait(t *testing.T) {
	db := openDB(t)
	b := db.NewBatch("w1")
	if err := b.Wait(); err != nil {
		t.Errorf("Wait before Start: %v", err)
	}
	if err := b.Start(); err != nil {
		t.Errorf("Start of an empty batch: %v", err)
	}
	if err := b.Wait(); err != nil {
		t.Errorf("Wait after starting an empty batch: %v", err)
	}
	changes := synthetic(1, 3)
	for i := range changes {
		if err := b.Add(&changes[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	// Visible once started (durable only after Wait).
	if last, err := db.LastSeq("w1"); err != nil || last != 3 {
		t.Errorf("LastSeq after Start = %d, %v; want 3", last, err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Errorf("second Wait: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	// Close waits for a started batch itself.
	b = db.NewBatch("w1")
	more := synthetic(4, 6)
	for i := range more {
		if err := b.Add(&more[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close of a started batch: %v", err)
	}
	got, err := replayAll(t, db, "w1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameChanges(got, synthetic(1, 6)); d != "" {
		t.Error(d)
	}

	// A bad id fails at Start, before anything enters the pipeline.
	b = db.NewBatch("")
	defer b.Close()
	if err := b.Add(&changes[0]); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); !errors.Is(err, storage.ErrBadID) {
		t.Errorf("Start with a bad id: err = %v, want ErrBadID", err)
	}
}
