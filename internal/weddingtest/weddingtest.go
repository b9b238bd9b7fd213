// Package weddingtest builds weddings for tests through real domain
// commands, the way the engine does, recording every change they produce.
package weddingtest

import (
	"testing"

	"github.com/parinayaos/engine/domain"
)

// Start is the creation time of every test wedding; the clock steps a
// second per command from there.
const Start = domain.Instant(1_760_000_000_000_000_000)

// Journal is a wedding driven through domain commands, with the changes
// they produced, in order.
type Journal struct {
	T       testing.TB
	W       *domain.Wedding
	Now     domain.Instant
	Changes []domain.Change
}

// New creates wedding id (as the operator) and returns its journal.
func New(t testing.TB, id string) *Journal {
	t.Helper()
	j := &Journal{T: t, W: domain.New(), Now: Start}
	j.Must(domain.Root, &domain.CreateWedding{ID: id, Name: "Asha & Rohan", Slug: "asha-rohan", Date: "2026-02-14"})
	return j
}

// Must executes cmd as by, one second after the previous command, and
// returns its result; a rejection fails the test.
func (j *Journal) Must(by domain.Principal, cmd domain.Command) any {
	j.T.Helper()
	j.Now += domain.Instant(1_000_000_000)
	changes, out, err := j.W.Execute(cmd, domain.Meta{By: by, Now: j.Now})
	if err != nil {
		j.T.Fatalf("%T: %v", cmd, err)
	}
	j.Changes = append(j.Changes, changes...)
	return out
}
