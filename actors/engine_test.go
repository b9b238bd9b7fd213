package actors_test

import (
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
