package actors_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

var owner = domain.Principal{TokenID: "t-owner", Role: domain.RoleOwner}

// openEngine opens storage in dir and an engine over it; both close at the
// end of the test.
func openEngine(t testing.TB, dir string, cfg actors.Config) (*actors.Engine, *storage.DB) {
	t.Helper()
	e, db := openUnmanaged(t, dir, cfg)
	closed := false
	t.Cleanup(func() {
		if !closed {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := e.Close(ctx); err != nil {
				t.Errorf("close engine: %v", err)
			}
			if err := db.Close(); err != nil {
				t.Errorf("close db: %v", err)
			}
		}
	})
	return e, db
}

// openUnmanaged is openEngine for a test that closes both itself (to
// reopen the directory, say).
func openUnmanaged(t testing.TB, dir string, cfg actors.Config) (*actors.Engine, *storage.DB) {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, db
}

func do(t testing.TB, e *actors.Engine, w string, by domain.Principal, cmd domain.Command) actors.Result {
	t.Helper()
	r, err := e.Do(context.Background(), w, by, cmd)
	if err != nil {
		t.Fatalf("%T: %v", cmd, err)
	}
	return r
}

// seedWedding creates a wedding with events and units (3 members each),
// every unit invited to every event. It returns event and unit ids.
func seedWedding(t testing.TB, e *actors.Engine, id string, units, events int) (evIDs, unitIDs []string) {
	t.Helper()
	do(t, e, id, domain.Root, &domain.CreateWedding{ID: id, Name: "Test " + id, Slug: "s" + id, Date: "2026-12-12", Region: "IN"})
	base := time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC)
	for i := 0; i < events; i++ {
		r := do(t, e, id, owner, &domain.AddEvent{Name: fmt.Sprintf("Event %d", i), StartsAt: domain.At(base.Add(time.Duration(i) * 6 * time.Hour))})
		evIDs = append(evIDs, r.Value.(domain.Event).ID)
	}
	var in []domain.UnitInput
	for i := 0; i < units; i++ {
		var ms []domain.MemberInput
		for m := 0; m < 3; m++ {
			ms = append(ms, domain.MemberInput{Name: fmt.Sprintf("Guest %d-%d", i, m), Phone: fmt.Sprintf("+9190%03d%05d", m, i)})
		}
		side := domain.Side(i % 3)
		in = append(in, domain.UnitInput{Name: fmt.Sprintf("Family %d", i), Side: side, Members: ms})
	}
	for len(in) > 0 {
		n := min(len(in), domain.MaxBatchUnits)
		r := do(t, e, id, owner, &domain.AddUnits{Units: in[:n]})
		for _, it := range r.Value.([]domain.BatchItem) {
			if it.Err != nil {
				t.Fatalf("seed unit %d: %v", it.Index, it.Err)
			}
			unitIDs = append(unitIDs, it.ID)
		}
		in = in[n:]
	}
	if units > 0 && events > 0 {
		do(t, e, id, owner, &domain.Invite{EventIDs: evIDs, All: true})
	}
	return evIDs, unitIDs
}

// seedWeddings seeds n weddings w0…w(n-1) alike (see seedWedding) and
// returns their ids and, by wedding, their event and unit ids.
func seedWeddings(t testing.TB, e *actors.Engine, n, units, events int) (ids []string, evIDs, unitIDs [][]string) {
	t.Helper()
	ids = make([]string, n)
	evIDs = make([][]string, n)
	unitIDs = make([][]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("w%d", i)
		evIDs[i], unitIDs[i] = seedWedding(t, e, ids[i], units, events)
	}
	return ids, evIDs, unitIDs
}
