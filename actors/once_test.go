package actors_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// onceFor keys a command; its answer names the unit the command created.
func onceFor(key, body string) *actors.Once {
	return &actors.Once{Key: key, BodyHash: sha256.Sum256([]byte(body)),
		Answer: func(r actors.Result) (int, []byte) {
			return 201, fmt.Appendf(nil, `{"id":%q}`, r.Value.(domain.Unit).ID)
		}}
}

func addUnitCmd(name string) *domain.AddUnit {
	return &domain.AddUnit{Unit: domain.UnitInput{Name: name, Members: []domain.MemberInput{{Name: name}}}}
}

// A command with an idempotency key runs once: a retry with the same key
// and body gets the first answer, also after the engine restarts from its
// journal, and the same key with another body is refused.
func TestOnceSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e, db := openUnmanaged(t, dir, actors.Config{})
	do(t, e, "w1", domain.Root, &domain.CreateWedding{ID: "w1", Name: "W", Slug: "w1", Date: "2026-12-12"})
	ctx := context.Background()
	first, err := e.DoOnce(ctx, "w1", owner, addUnitCmd("Sharma"), onceFor("k1", "body"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Kept == nil || first.Replayed || string(first.Kept.Body) != fmt.Sprintf(`{"id":%q}`, first.Value.(domain.Unit).ID) {
		t.Fatalf("first answer = %+v", first)
	}
	// The engine stops (and snapshots); then the snapshots are deleted, so
	// the answer can only come back from the journal, as after a crash.
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	seqs, err := db.SnapshotSeqs("w1")
	if err != nil || len(seqs) == 0 {
		t.Fatalf("snapshots %v, %v", seqs, err)
	}
	for _, seq := range seqs {
		if err := db.DeleteSnapshot("w1", seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e2, _ := openEngine(t, dir, actors.Config{})
	again, err := e2.DoOnce(ctx, "w1", owner, addUnitCmd("Sharma"), onceFor("k1", "body"))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Replayed || again.Kept == nil || string(again.Kept.Body) != string(first.Kept.Body) ||
		again.Kept.Status != 201 || again.Seq != first.Seq {
		t.Fatalf("retry after restart = %+v (kept %+v), want the first answer %s", again, again.Kept, first.Kept.Body)
	}
	units, err := e2.Query(ctx, "w1", owner, domain.ListUnits{Filter: domain.UnitFilter{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(units.(domain.UnitPage).Units); n != 1 {
		t.Errorf("%d units after a retried create, want 1", n)
	}
	_, err = e2.DoOnce(ctx, "w1", owner, addUnitCmd("Verma"), onceFor("k1", "another body"))
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != "idempotency_mismatch" {
		t.Errorf("same key, other body: %v, want idempotency_mismatch", err)
	}
	// Another key runs.
	if r, err := e2.DoOnce(ctx, "w1", owner, addUnitCmd("Verma"), onceFor("k2", "body")); err != nil || r.Replayed {
		t.Errorf("a new key: %+v, %v", r, err)
	}
}

// Retries sent while the first attempt is still in the mailbox or waiting
// for the disk all get its answer: the command runs once.
func TestOnceConcurrentRetries(t *testing.T) {
	e, _ := openEngine(t, t.TempDir(), actors.Config{})
	do(t, e, "w1", domain.Root, &domain.CreateWedding{ID: "w1", Name: "W", Slug: "w1", Date: "2026-12-12"})
	const n = 32
	var wg sync.WaitGroup
	bodies := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			r, err := e.DoOnce(context.Background(), "w1", owner, addUnitCmd("Sharma"), onceFor("k", "body"))
			errs[i] = err
			if err == nil {
				bodies[i] = string(r.Kept.Body)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || bodies[i] != bodies[0] {
			t.Fatalf("attempt %d: %q, %v; attempt 0: %q", i, bodies[i], errs[i], bodies[0])
		}
	}
	units, err := e.Query(context.Background(), "w1", owner, domain.ListUnits{Filter: domain.UnitFilter{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(units.(domain.UnitPage).Units); got != 1 {
		t.Errorf("%d units after %d concurrent attempts, want 1", got, n)
	}
}

// Slugs are unique across the engine: of many weddings created at once with
// one slug exactly one gets it, and a rename onto a taken slug is refused.
func TestSlugUniqueUnderConcurrentCreates(t *testing.T) {
	e, _ := openEngine(t, t.TempDir(), actors.Config{})
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("w%d", i)
			_, errs[i] = e.Do(context.Background(), id, domain.Root,
				&domain.CreateWedding{ID: id, Name: "W", Slug: "same", Date: "2026-12-12"})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		var de *domain.Error
		switch {
		case err == nil:
			won++
		case errors.As(err, &de) && de.Code == "duplicate_slug":
		default:
			t.Errorf("create %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d creates got the slug, want exactly 1", won)
	}
	holder, err := e.WeddingBySlug("same")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.View(context.Background(), holder); err != nil {
		t.Errorf("the slug's wedding %s: %v", holder, err)
	}
	do(t, e, "other", domain.Root, &domain.CreateWedding{ID: "other", Name: "W", Slug: "other", Date: "2026-12-12"})
	_, err = e.Do(context.Background(), "other", domain.Root, &domain.UpdateWedding{Slug: ptrTo("same")})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != "duplicate_slug" {
		t.Fatalf("rename onto a taken slug: %v, want duplicate_slug", err)
	}
	// A rename frees the old slug for others.
	do(t, e, holder, domain.Root, &domain.UpdateWedding{Slug: ptrTo("renamed")})
	do(t, e, "other", domain.Root, &domain.UpdateWedding{Slug: ptrTo("same")})
	if id, err := e.WeddingBySlug("same"); err != nil || id != "other" {
		t.Errorf("WeddingBySlug(same) = %q, %v; want other", id, err)
	}
}

func ptrTo[T any](v T) *T { return &v }

// A data directory written before slugs were indexed gets its index when
// an engine first opens it: the slugs of its weddings are taken from then
// on.
func TestSlugIndexBuiltForOldData(t *testing.T) {
	dir := t.TempDir()
	e, db := openUnmanaged(t, dir, actors.Config{})
	for _, id := range []string{"w1", "w2"} {
		do(t, e, id, domain.Root, &domain.CreateWedding{ID: id, Name: "W", Slug: "slug-" + id, Date: "2026-12-12"})
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// What an old engine left: no index, no marker.
	for _, k := range []string{"\x00slugs-indexed", "gslug-w1", "gslug-w2"} {
		if err := db.Pebble().Delete([]byte(k), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e2, _ := openEngine(t, dir, actors.Config{})
	for _, id := range []string{"w1", "w2"} {
		if got, err := e2.WeddingBySlug("slug-" + id); err != nil || got != id {
			t.Errorf("WeddingBySlug(slug-%s) = %q, %v", id, got, err)
		}
	}
	_, err := e2.Do(context.Background(), "w3", domain.Root, &domain.CreateWedding{ID: "w3", Name: "W", Slug: "slug-w1", Date: "2026-12-12"})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != "duplicate_slug" {
		t.Errorf("an old wedding's slug taken again: %v, want duplicate_slug", err)
	}
}
