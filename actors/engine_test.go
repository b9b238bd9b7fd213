package actors_test

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

func TestWeddingLifecycle(t *testing.T) {
	dir := t.TempDir()
	e, _ := openEngine(t, dir, actors.Config{})
	evs, units := seedWedding(t, e, "w1", 30, 3)
	r := do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[0], EventID: evs[0], Status: domain.Yes})
	if r.Changes != 1 {
		t.Fatalf("rsvp changes = %d, want 1", r.Changes)
	}
	v, err := e.View(context.Background(), "w1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Seq != r.Seq {
		t.Fatalf("view seq %d, want %d (view must show the acknowledged change)", v.Seq, r.Seq)
	}
	h := v.HeadcountFor(domain.Root)
	if got := h.Event(0).YesHeadcount; got != 3 {
		t.Fatalf("yes headcount = %d, want 3", got)
	}
	if h.Totals().InvitedUnits != 30 {
		t.Fatalf("invited units = %d, want 30", h.Totals().InvitedUnits)
	}
	// A rejection reaches the caller as a *domain.Error.
	_, err = e.Do(context.Background(), "w1", owner, &domain.SetRSVP{UnitID: "nope", EventID: evs[0], Status: domain.Yes})
	if !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown unit: err = %v, want not found", err)
	}
	// Unknown weddings do not exist, and are not activated.
	if _, err := e.View(context.Background(), "nope"); !errors.Is(err, actors.ErrWeddingNotFound) {
		t.Fatalf("unknown wedding: err = %v", err)
	}
	if _, err := e.Do(context.Background(), "nope", owner, &domain.AddEvent{Name: "x", StartsAt: 1}); !errors.Is(err, actors.ErrWeddingNotFound) {
		t.Fatalf("unknown wedding: err = %v", err)
	}
}

func TestWeddingPassivateAndReactivate(t *testing.T) {
	dir := t.TempDir()
	e, db := openEngine(t, dir, actors.Config{IdleTimeout: -1})
	evs, units := seedWedding(t, e, "w1", 10, 2)
	do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[1], EventID: evs[1], Status: domain.No})
	before, _ := e.View(context.Background(), "w1")
	ok, err := e.Passivate(context.Background(), "w1")
	if err != nil || !ok {
		t.Fatalf("passivate: %v %v", ok, err)
	}
	if e.Active() != 0 {
		t.Fatalf("active = %d after passivation", e.Active())
	}
	seqs, _ := db.SnapshotSeqs("w1")
	if len(seqs) == 0 || seqs[0] != before.Seq {
		t.Fatalf("snapshots %v, want one at %d taken on passivation", seqs, before.Seq)
	}
	after, err := e.View(context.Background(), "w1")
	if err != nil {
		t.Fatal(err)
	}
	if after.Seq != before.Seq || after.All().Event(1).NoUnits != 1 {
		t.Fatalf("reactivated view seq %d no=%d, want seq %d no=1", after.Seq, after.All().Event(1).NoUnits, before.Seq)
	}
}

// An unused wedding is passivated after IdleTimeout (snapshot first) and
// comes back on its next use with everything it had.
func TestWeddingIdlePassivation(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	e, db := openEngine(t, t.TempDir(), actors.Config{IdleTimeout: 40 * time.Millisecond, Now: now})
	evs, units := seedWedding(t, e, "w1", 5, 1)
	last := do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[0], EventID: evs[0], Status: domain.Maybe})
	if e.Active() != 1 {
		t.Fatalf("active = %d, want 1", e.Active())
	}
	clock.Add(int64(time.Hour))
	deadline := time.Now().Add(10 * time.Second)
	// Passivation leaves the index first, then the actor snapshots and
	// stops: wait for both.
	for {
		seqs, _ := db.SnapshotSeqs("w1")
		if e.Active() == 0 && len(seqs) > 0 && seqs[0] == last.Seq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle wedding not passivated: active %d, snapshots %v, want one at %d", e.Active(), seqs, last.Seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
	v, err := e.View(context.Background(), "w1")
	if err != nil || v.Seq != last.Seq || v.All().Event(0).MaybeUnits != 1 {
		t.Fatalf("after reactivation: %v seq %d", err, v.Seq)
	}
}

// Snapshotting a wedding that is not in memory does not keep it there: if
// its newest snapshot already holds its last change it is not even loaded;
// otherwise it is loaded, snapshotted and let go again.
func TestSnapshotOfWeddingNotInMemory(t *testing.T) {
	ctx := context.Background()
	e, db := openEngine(t, t.TempDir(), actors.Config{IdleTimeout: -1})
	evs, units := seedWedding(t, e, "w1", 10, 2)
	r := do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[1], EventID: evs[1], Status: domain.No})
	if ok, err := e.Passivate(ctx, "w1"); err != nil || !ok {
		t.Fatalf("passivate: %v %v", ok, err)
	}

	// Passivation left a snapshot at the last change: nothing to load, and
	// nothing written (a new snapshot at the same sequence would carry a
	// new creation time).
	stored, err := db.Snapshot("w1", r.Seq)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := e.Snapshot(ctx, "w1")
	if err != nil || seq != r.Seq {
		t.Fatalf("snapshot = %d, %v; want %d", seq, err, r.Seq)
	}
	if e.Active() != 0 {
		t.Fatalf("active = %d: the wedding was loaded for a snapshot it already had", e.Active())
	}
	if again, _ := db.Snapshot("w1", r.Seq); !bytes.Equal(again, stored) {
		t.Fatalf("the snapshot at %d was written again: the wedding was loaded for a snapshot it already had", r.Seq)
	}

	// A journal tail beyond the newest snapshot (what a crash leaves): the
	// wedding is loaded, snapshotted and let go again.
	tail := []domain.Change{{Seq: r.Seq + 1, At: domain.At(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)), By: owner.TokenID,
		RSVPRecorded: &domain.RSVPRecorded{UnitID: units[2], EventID: evs[0], Status: domain.Yes, Headcount: 1, Source: domain.SourceAdmin,
			AnsweredAt: domain.At(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))}}}
	if err := db.Append("w1", tail); err != nil {
		t.Fatal(err)
	}
	seq, err = e.Snapshot(ctx, "w1")
	if err != nil || seq != r.Seq+1 {
		t.Fatalf("snapshot = %d, %v; want %d (the journal's last change)", seq, err, r.Seq+1)
	}
	if seqs, _ := db.SnapshotSeqs("w1"); len(seqs) == 0 || seqs[0] != r.Seq+1 {
		t.Fatalf("stored snapshots %v, want the newest at %d", seqs, r.Seq+1)
	}
	if e.Active() != 0 {
		t.Fatalf("active = %d: the wedding stayed in memory after its snapshot", e.Active())
	}

	// A corrupt newest snapshot is not taken for a good one.
	b, err := db.Snapshot("w1", r.Seq+1)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := db.PutSnapshot("w1", r.Seq+1, b); err != nil {
		t.Fatal(err)
	}
	if seq, err = e.Snapshot(ctx, "w1"); err != nil || seq != r.Seq+1 {
		t.Fatalf("snapshot over a corrupt one = %d, %v; want %d", seq, err, r.Seq+1)
	}
	if _, err := actors.LoadSnapshot(db, "w1", r.Seq+1); err != nil {
		t.Fatalf("the snapshot at %d is still unreadable (%v): it was not rewritten", r.Seq+1, err)
	}

	if _, err := e.Snapshot(ctx, "nope"); !errors.Is(err, actors.ErrWeddingNotFound) {
		t.Fatalf("snapshot of an unknown wedding: %v, want ErrWeddingNotFound", err)
	}

	// After Close, no snapshot touches storage.
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Snapshot(ctx, "w1"); !errors.Is(err, actors.ErrUnavailable) {
		t.Fatalf("snapshot after close: %v, want ErrUnavailable", err)
	}
}
