package storage_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/storage"
)

// The inbox keeps every body appended, in id order, across a reopen; the
// watermark never passes an append still being written.
func TestInbox_AppendReopenRead(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	ids := make([]uint64, 50)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := db.AppendInbox([]byte(fmt.Sprintf(`{"n":%d}`, i)), storage.InboxReceived, "", at)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	if _, err := db.AppendInbox([]byte("not json"), storage.InboxUnprocessable, "not JSON", at); err != nil {
		t.Fatal(err)
	}
	mark, err := db.InboxWatermark()
	if err != nil || mark != 51 {
		t.Fatalf("watermark %d, %v; want 51", mark, err)
	}
	if err := db.SetInboxState(ids[0], storage.InboxProcessed, ""); err != nil {
		t.Fatal(err)
	}
	mustClose(t, db)

	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	all, err := db.InboxAfter(0, 51, 100)
	if err != nil || len(all) != 51 {
		t.Fatalf("%d entries, %v", len(all), err)
	}
	for i, e := range all {
		if e.ID != uint64(i+1) || !e.At.Equal(at) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if last := all[50]; last.State != storage.InboxUnprocessable || last.Why != "not JSON" || string(last.Body) != "not json" {
		t.Fatalf("the unprocessable entry: %+v", last)
	}
	received, _ := db.InboxAfter(0, 51, 100, storage.InboxReceived)
	if len(received) != 49 {
		t.Fatalf("%d still received, want 49", len(received))
	}
	// Ids go on after a reopen.
	id, err := db.AppendInbox([]byte("{}"), storage.InboxReceived, "", at)
	if err != nil || id != 52 {
		t.Fatalf("the next id after a reopen: %d, %v", id, err)
	}
	if got, _ := db.InboxAfter(51, 51, 10); len(got) != 0 {
		t.Fatalf("read past the bound: %v", got)
	}
}

// A secret is made once and is the same after a reopen.
func TestSecret(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	a, err := db.Secret("payload")
	if err != nil || len(a) != 32 {
		t.Fatalf("%x %v", a, err)
	}
	b, _ := db.Secret("other")
	if string(a) == string(b) {
		t.Fatalf("two secrets alike")
	}
	mustClose(t, db)
	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	if c, err := db.Secret("payload"); err != nil || string(c) != string(a) {
		t.Fatalf("after a reopen: %x %v", c, err)
	}
}

// inboxAt appends one entry per state given, received at the matching
// time, and returns their ids.
func inboxAt(t *testing.T, db *storage.DB, states []storage.InboxState, ats []time.Time) []uint64 {
	t.Helper()
	ids := make([]uint64, len(states))
	for i, st := range states {
		// Stored as received, then moved on as the processor would.
		id, err := db.AppendInbox([]byte(fmt.Sprintf(`{"n":%d}`, i)), storage.InboxReceived, "", ats[i])
		if err != nil {
			t.Fatal(err)
		}
		if st != storage.InboxReceived {
			if err := db.SetInboxState(id, st, "why"); err != nil {
				t.Fatal(err)
			}
		}
		ids[i] = id
	}
	return ids
}

// inboxIDs lists the ids in the inbox.
func inboxIDs(t *testing.T, db *storage.DB) []uint64 {
	t.Helper()
	all, err := db.InboxAfter(0, 1<<62, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ids := []uint64{}
	for _, e := range all {
		ids = append(ids, e.ID)
	}
	return ids
}

// Only processed entries received before the cutoff go; received,
// unroutable and unprocessable ones stay whatever their age, and so does
// everything received at or after the cutoff.
func TestInbox_PruneKeepsAllButOldProcessed(t *testing.T) {
	db := openDB(t)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	cutoff := now.Add(-time.Hour)
	ids := inboxAt(t, db,
		[]storage.InboxState{storage.InboxProcessed, storage.InboxUnroutable, storage.InboxUnprocessable, storage.InboxReceived,
			storage.InboxProcessed, storage.InboxProcessed, storage.InboxProcessed, storage.InboxProcessed},
		[]time.Time{now.Add(-3 * time.Hour), now.Add(-3 * time.Hour), now.Add(-2 * time.Hour), now.Add(-2 * time.Hour),
			now.Add(-90 * time.Minute), cutoff, now, now})
	n, err := db.PruneInbox(cutoff, 100)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want 2", n, err)
	}
	want := []uint64{ids[1], ids[2], ids[3], ids[5], ids[6], ids[7]}
	if got := inboxIDs(t, db); !slices.Equal(got, want) {
		t.Fatalf("left %v, want %v", got, want)
	}
	if n, err := db.PruneInbox(cutoff, 100); err != nil || n != 0 {
		t.Fatalf("a second prune: %d, %v", n, err)
	}
	// A pruned entry stays gone: a late state change does not bring it back.
	if err := db.SetInboxState(ids[0], storage.InboxProcessed, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("state of a pruned entry: %v, want ErrNotFound", err)
	}
	if got := inboxIDs(t, db); !slices.Equal(got, want) {
		t.Fatalf("after setting a pruned entry's state: %v, want %v", got, want)
	}
}

// A prune deletes at most limit entries; the next one goes on.
func TestInbox_PruneLimit(t *testing.T) {
	db := openDB(t)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	states := make([]storage.InboxState, 6)
	ats := make([]time.Time, 6)
	for i := range states {
		states[i], ats[i] = storage.InboxProcessed, now.Add(-time.Duration(10-i)*time.Minute)
	}
	states[2] = storage.InboxUnroutable
	inboxAt(t, db, states, ats)
	// The newest entry (6) is never pruned: 4 processed ones can go.
	for _, want := range []int{2, 2, 0} {
		if n, err := db.PruneInbox(now, 2); err != nil || n != want {
			t.Fatalf("pruned %d, %v; want %d", n, err, want)
		}
	}
	if got := inboxIDs(t, db); !slices.Equal(got, []uint64{3, 6}) {
		t.Fatalf("left %v, want [3 6]", got)
	}
	if n, err := db.PruneInbox(now, 0); err != nil || n != 0 {
		t.Fatalf("limit 0: %d, %v", n, err)
	}
}

// An entry kept by one prune and processed later (an operator's replay)
// is pruned by the next.
func TestInbox_PruneAfterReplay(t *testing.T) {
	db := openDB(t)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	old := now.Add(-48 * time.Hour)
	ids := inboxAt(t, db,
		[]storage.InboxState{storage.InboxUnroutable, storage.InboxProcessed, storage.InboxReceived, storage.InboxProcessed},
		[]time.Time{old, old, old, now})
	if n, err := db.PruneInbox(now.Add(-time.Hour), 100); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	// Replayed, the unroutable one applies now; the received one is applied.
	for _, id := range []uint64{ids[0], ids[2]} {
		for _, st := range []storage.InboxState{storage.InboxReceived, storage.InboxProcessed} {
			if err := db.SetInboxState(id, st, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, err := db.PruneInbox(now.Add(-time.Hour), 100); err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want 2", n, err)
	}
	if got := inboxIDs(t, db); !slices.Equal(got, []uint64{ids[3]}) {
		t.Fatalf("left %v", got)
	}
}

// Pruning the whole inbox but its newest entry, then reopening: ids go
// on, never handed out twice, and what was pruned stays pruned.
func TestInbox_PruneReopen(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	old := now.Add(-48 * time.Hour)
	p := storage.InboxProcessed
	inboxAt(t, db, []storage.InboxState{p, p, p, p}, []time.Time{old, old, old, old})
	if n, err := db.PruneInbox(now, 100); err != nil || n != 3 {
		t.Fatalf("pruned %d, %v; want 3", n, err)
	}
	mustClose(t, db)
	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	if got := inboxIDs(t, db); !slices.Equal(got, []uint64{4}) {
		t.Fatalf("after a reopen: %v, want [4]", got)
	}
	if id, err := db.AppendInbox([]byte("{}"), storage.InboxReceived, "", now); err != nil || id != 5 {
		t.Fatalf("the next id: %d, %v; want 5", id, err)
	}
	// Once 5 is in, 4 may go.
	if n, err := db.PruneInbox(now, 100); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
}

// Prunes and state changes running at once: only processed entries go,
// whatever the interleaving.
func TestInbox_PruneConcurrent(t *testing.T) {
	db := openDB(t)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	old := now.Add(-48 * time.Hour)
	const n = 400
	states := make([]storage.InboxState, n)
	ats := make([]time.Time, n)
	for i := range states {
		ats[i] = old
	}
	ids := inboxAt(t, db, states, ats)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the processor: odd ids apply, even ones are kept
		defer wg.Done()
		for i, id := range ids {
			st := storage.InboxProcessed
			if i%2 == 1 {
				st = storage.InboxUnroutable
			}
			if err := db.SetInboxState(id, st, ""); err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range 50 {
			if _, err := db.PruneInbox(now, 7); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	for {
		k, err := db.PruneInbox(now, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	all, err := db.InboxAfter(0, 1<<62, 1000)
	if err != nil {
		t.Fatal(err)
	}
	// Every unroutable one is left (the newest entry among them), and
	// nothing else.
	if len(all) != n/2 || all[len(all)-1].ID != ids[n-1] {
		t.Fatalf("%d left, want %d", len(all), n/2)
	}
	for _, e := range all {
		if e.State != storage.InboxUnroutable {
			t.Fatalf("left %+v", e)
		}
	}
}
