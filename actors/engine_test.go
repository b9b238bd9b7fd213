package actors_test

import (
	"context"
	"errors"
	"testing"

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
	if got := h.Events[0].YesHeadcount; got != 3 {
		t.Fatalf("yes headcount = %d, want 3", got)
	}
	if h.Totals.InvitedUnits != 30 {
		t.Fatalf("invited units = %d, want 30", h.Totals.InvitedUnits)
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
	if after.Seq != before.Seq || after.All.Events[1].NoUnits != 1 {
		t.Fatalf("reactivated view seq %d no=%d, want seq %d no=1", after.Seq, after.All.Events[1].NoUnits, before.Seq)
	}
}
