package storage_test

import (
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

func wantSlug(t *testing.T, db *storage.DB, slug, want string) {
	t.Helper()
	got, err := db.WeddingBySlug(slug)
	if want == "" {
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("WeddingBySlug(%q) = %q, %v; want ErrNotFound", slug, got, err)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("WeddingBySlug(%q) = %q, %v; want %q", slug, got, err, want)
	}
}

// The slug index is written by the journal batch of the change that sets
// a slug: creation indexes it, a rename moves it.
func TestSlugIndexFollowsJournal(t *testing.T) {
	db := openDB(t)
	j := newJournal(t, "w1")
	if err := db.Append("w1", j.Changes); err != nil {
		t.Fatal(err)
	}
	wantSlug(t, db, "asha-rohan", "w1")
	from := len(j.Changes)
	j.Must(owner, &domain.UpdateWedding{Slug: ptr("asha-rohan-goa")})
	j.Must(owner, &domain.UpdateWedding{Name: ptr("only the name")})
	if err := db.Append("w1", j.Changes[from:]); err != nil {
		t.Fatal(err)
	}
	wantSlug(t, db, "asha-rohan", "")
	wantSlug(t, db, "asha-rohan-goa", "w1")
}

func TestReserveSlug(t *testing.T) {
	db := openDB(t)
	if err := db.Append("w1", newJournal(t, "w1").Changes); err != nil {
		t.Fatal(err)
	}
	// Held by a stored wedding: only that wedding may claim it.
	if _, err := db.ReserveSlug("asha-rohan", "w2"); !errors.Is(err, storage.ErrSlugTaken) {
		t.Fatalf("reserve a stored slug for another wedding: %v, want ErrSlugTaken", err)
	}
	rel, err := db.ReserveSlug("asha-rohan", "w1")
	if err != nil {
		t.Fatalf("the holder reserves its own slug: %v", err)
	}
	rel()
	// Reserved, not stored: nobody else gets it until it is released.
	rel, err = db.ReserveSlug("new-slug", "w2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReserveSlug("new-slug", "w3"); !errors.Is(err, storage.ErrSlugTaken) {
		t.Fatalf("reserve a reserved slug: %v, want ErrSlugTaken", err)
	}
	if _, err := db.ReserveSlug("new-slug", "w2"); !errors.Is(err, storage.ErrSlugTaken) {
		t.Fatalf("a second claim by the same wedding at once: %v, want ErrSlugTaken", err)
	}
	rel()
	rel() // a second release is harmless
	rel, err = db.ReserveSlug("new-slug", "w3")
	if err != nil {
		t.Fatalf("reserve after release: %v", err)
	}
	rel()
}

// A database written before slugs were indexed is indexed once; a slug two
// weddings shared stays with the first and the other is reported.
func TestIndexSlugs(t *testing.T) {
	db := openDB(t)
	for _, id := range []string{"w1", "w2", "w3"} {
		if err := db.Append(id, newJournal(t, id).Changes); err != nil {
			t.Fatal(err)
		}
	}
	// Forget the index as an old database would not have it.
	pdb := db.Pebble()
	for _, k := range []string{"\x00slugs-indexed", "gasha-rohan"} {
		if err := pdb.Delete([]byte(k), pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := db.SlugsIndexed(); err != nil || ok {
		t.Fatalf("SlugsIndexed = %v, %v; want false", ok, err)
	}
	slugs := map[string]string{"w1": "asha-rohan", "w2": "asha-rohan", "w3": "other"}
	dups, err := db.IndexSlugs(func(id string) (string, error) { return slugs[id], nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(dups) != 1 {
		t.Errorf("dups = %q, want w2's", dups)
	}
	wantSlug(t, db, "asha-rohan", "w1")
	wantSlug(t, db, "other", "w3")
	if ok, err := db.SlugsIndexed(); err != nil || !ok {
		t.Fatalf("SlugsIndexed after IndexSlugs = %v, %v", ok, err)
	}
}

// A restore indexes the restored wedding's slug, frees the slug of the
// copy it replaces, and refuses a slug another wedding holds.
func TestRestoreWeddingSlug(t *testing.T) {
	db := openDB(t)
	for _, id := range []string{"w1", "w2"} {
		j := newJournal(t, id)
		j.Must(owner, &domain.UpdateWedding{Slug: ptr(id + "-slug")})
		if err := db.Append(id, j.Changes); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RestoreWedding("w1", 9, []byte("snap"), "w2-slug"); !errors.Is(err, storage.ErrSlugTaken) {
		t.Fatalf("restore onto another wedding's slug: %v, want ErrSlugTaken", err)
	}
	if last, err := db.LastSeq("w1"); err != nil || last != 2 {
		t.Errorf("a refused restore changed w1: LastSeq = %d, %v", last, err)
	}
	if err := db.RestoreWedding("w1", 9, []byte("snap"), "w1-restored"); err != nil {
		t.Fatal(err)
	}
	wantSlug(t, db, "w1-slug", "")
	wantSlug(t, db, "w1-restored", "w1")
	wantSlug(t, db, "w2-slug", "w2")
}
