package domain_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// TestWeddingMemoryBudget: a 1000-household (3,000-person), 10-event wedding
// with every household invited to every event, built the way a live wedding
// is (by executing commands), holds at most 2 MiB (issue 2's bound; 1 MiB is
// where it should end up). A wedding loaded from a snapshot is smaller
// (exact slices); this is the larger, live figure, which the snapshot-based
// BenchmarkRecovery1000Guests does not see.
func TestWeddingMemoryBudget(t *testing.T) {
	const units, events = 1000, 10
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	w := buildLiveWedding(t, units, events)
	after := heap()
	size := int64(after) - int64(before)
	t.Logf("live wedding of %d households, %d events: %d bytes (%.2f MiB)", units, events, size, float64(size)/(1<<20))
	if size > 2<<20 {
		t.Fatalf("a live %d-household wedding holds %d bytes, over 2 MiB", units, size)
	}
	runtime.KeepAlive(w)
}

// buildLiveWedding executes the commands that make a wedding of n
// households (3 people with phones each) invited to every one of the
// events, and answers half the invitations.
func buildLiveWedding(t testing.TB, n, events int) *domain.Wedding {
	t.Helper()
	w := domain.New()
	now := domain.Instant(1_800_000_000) * domain.Instant(1_000_000_000)
	exec := func(cmd domain.Command) any {
		now += domain.Instant(1_000_000_000)
		_, out, err := w.Execute(cmd, domain.Meta{By: domain.Root, Now: now})
		if err != nil {
			t.Fatalf("%T: %v", cmd, err)
		}
		return out
	}
	exec(&domain.CreateWedding{ID: "w1", Name: "Asha & Rohan", Slug: "asha-rohan", Date: "2026-12-12", Region: "IN"})
	evIDs := make([]string, events)
	for i := range evIDs {
		evIDs[i] = exec(&domain.AddEvent{Name: fmt.Sprintf("Event %d", i), StartsAt: now + domain.Instant(i+1)*86_400_000_000_000}).(domain.Event).ID
	}
	unitIDs := make([]string, 0, n)
	for start := 0; start < n; start += domain.MaxBatchUnits {
		in := make([]domain.UnitInput, min(domain.MaxBatchUnits, n-start))
		for i := range in {
			k := start + i
			ms := make([]domain.MemberInput, 3)
			for m := range ms {
				ms[m] = domain.MemberInput{Name: fmt.Sprintf("Guest %d-%d", k, m), Phone: fmt.Sprintf("+9190%03d%05d", m, k)}
			}
			in[i] = domain.UnitInput{Name: fmt.Sprintf("Family %d", k), Side: domain.Side(k % 3), Members: ms}
		}
		for _, it := range exec(&domain.AddUnits{Units: in}).([]domain.BatchItem) {
			if it.Err != nil {
				t.Fatalf("unit %d: %v", it.Index, it.Err)
			}
			unitIDs = append(unitIDs, it.ID)
		}
	}
	exec(&domain.Invite{EventIDs: evIDs, All: true})
	for i, u := range unitIDs {
		for e, ev := range evIDs {
			if (i+e)%2 == 0 {
				exec(&domain.SetRSVP{UnitID: u, EventID: ev, Status: domain.Yes})
			}
		}
	}
	return w
}
