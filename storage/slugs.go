package storage

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/domain"
)

// The slug index maps each wedding's slug (its website's name) to the
// wedding: 'g' slug → wedding id. It is written in the same batch as the
// change that gives a wedding its slug (WeddingCreated, WeddingUpdated), so
// it can never disagree with the journal, and it is what makes slugs
// unique across the engine: before such a change is decided, the engine
// reserves its slug here (ReserveSlug), which fails while another wedding
// holds it or has it reserved.
//
// NB: persisted key prefix; must not change.
const prefixSlug = 'g'

// slugIndexedKey marks a database whose slug index is complete (every
// wedding's slug is in it). Databases written before the index existed lack
// it until the engine has indexed their weddings once (IndexSlugs).
var slugIndexedKey = []byte("\x00slugs-indexed")

// ErrSlugTaken is returned by ReserveSlug and RestoreWedding for a slug
// another wedding holds.
var ErrSlugTaken = errors.New("storage: slug taken by another wedding")

func slugKey(slug string) []byte { return append([]byte{prefixSlug}, slug...) }

// slugReservations are the slugs claimed by commands still deciding or
// committing.
type slugReservations struct {
	mu sync.Mutex
	m  map[string]struct{}
}

// ReserveSlug claims slug for wedding until release is called. It fails
// with ErrSlugTaken while another wedding holds the slug (stored) or has
// it reserved. Call release once the change that writes the slug is
// durable, or refused: from then on the index itself answers.
func (d *DB) ReserveSlug(slug, wedding string) (release func(), err error) {
	if slug == "" {
		return nil, fmt.Errorf("storage: reserve an empty slug")
	}
	d.slugs.mu.Lock()
	defer d.slugs.mu.Unlock()
	// A slug being claimed is taken, also for the same wedding (two renames
	// at once): the first release must not free the second's claim.
	if _, ok := d.slugs.m[slug]; ok {
		return nil, ErrSlugTaken
	}
	holder, err := d.WeddingBySlug(slug)
	switch {
	case err == nil && holder != wedding:
		return nil, ErrSlugTaken
	case err != nil && !errors.Is(err, ErrNotFound):
		return nil, err
	}
	if d.slugs.m == nil {
		d.slugs.m = map[string]struct{}{}
	}
	d.slugs.m[slug] = struct{}{}
	var once sync.Once
	return func() {
		once.Do(func() {
			d.slugs.mu.Lock()
			delete(d.slugs.m, slug)
			d.slugs.mu.Unlock()
		})
	}, nil
}

// WeddingBySlug returns the id of the wedding whose slug this is, or
// ErrNotFound.
func (d *DB) WeddingBySlug(slug string) (string, error) {
	v, closer, err := d.pdb.Get(slugKey(slug))
	if errors.Is(err, pebble.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("storage: slug %q: %w", slug, err)
	}
	id := string(v)
	_ = closer.Close()
	return id, nil
}

// indexSlug adds a change's slug updates to a batch.
func indexSlug(pb *pebble.Batch, wedding string, c *domain.Change) error {
	switch {
	case c.WeddingCreated != nil:
		return pb.Set(slugKey(c.WeddingCreated.Info.Slug), []byte(wedding), nil)
	case c.WeddingUpdated != nil && c.WeddingUpdated.PrevSlug != "":
		if err := pb.Delete(slugKey(c.WeddingUpdated.PrevSlug), nil); err != nil {
			return err
		}
		return pb.Set(slugKey(c.WeddingUpdated.Info.Slug), []byte(wedding), nil)
	}
	return nil
}

// SlugsIndexed reports whether every wedding's slug is in the index.
func (d *DB) SlugsIndexed() (bool, error) {
	_, closer, err := d.pdb.Get(slugIndexedKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("storage: slug index marker: %w", err)
	}
	_ = closer.Close()
	return true, nil
}

// IndexSlugs completes the slug index of a database written before it
// existed: slugOf gives each stored wedding's current slug. A slug two
// weddings share (possible only then) stays with the wedding indexed
// first, in id order; the other's is reported in dups, to be renamed.
// Then the database is marked indexed, in one synced batch.
func (d *DB) IndexSlugs(slugOf func(wedding string) (string, error)) (dups []string, err error) {
	ids, err := d.Weddings()
	if err != nil {
		return nil, err
	}
	b := d.pdb.NewBatch()
	defer b.Close()
	seen := map[string]string{}
	for _, id := range ids {
		slug, err := slugOf(id)
		if err != nil {
			return nil, fmt.Errorf("storage: index slug of wedding %s: %w", id, err)
		}
		if slug == "" {
			continue
		}
		if holder, ok := seen[slug]; ok {
			dups = append(dups, fmt.Sprintf("%s (slug %s, held by %s)", id, slug, holder))
			continue
		}
		seen[slug] = id
		if err := b.Set(slugKey(slug), []byte(id), nil); err != nil {
			return nil, err
		}
	}
	if err := b.Set(slugIndexedKey, []byte{1}, nil); err != nil {
		return nil, err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return nil, fmt.Errorf("storage: index slugs: %w", err)
	}
	return dups, nil
}
