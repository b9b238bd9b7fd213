package httpapi_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/httpapi"
)

// An audit page's size and memory are bounded whatever the wedding's
// changes hold. Reproduces the review's finding: 1,000 households
// re-invited to 10 events again and again, each re-invite one change of
// 10,000 grants; audit?limit=1000 then answered 92 MB per 200 changes and
// grew the heap by a gigabyte.
func TestAuditPageBounded(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("big-audit")
	ctx := context.Background()
	var events []string
	for i := range 10 {
		res, err := s.eng.Do(ctx, w, domain.Root, &domain.AddEvent{Name: fmt.Sprint("Event ", i),
			StartsAt: domain.At(time.Date(2026, 12, 10+i, 18, 0, 0, 0, time.UTC))})
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, res.Value.(domain.Event).ID)
	}
	units := make([]domain.UnitInput, 1000)
	for i := range units {
		units[i] = domain.UnitInput{Name: fmt.Sprint("Family ", i), Members: []domain.MemberInput{
			{Name: "A", Phone: e164(i)}, {Name: "B"}, {Name: "C"}}}
	}
	if _, err := s.eng.Do(ctx, w, domain.Root, &domain.AddUnits{Units: units}); err != nil {
		t.Fatal(err)
	}
	const reinvites = 60
	for i := range reinvites {
		if _, err := s.eng.Do(ctx, w, domain.Root, &domain.Invite{EventIDs: events, All: true, Seats: int32(1 + i%2)}); err != nil {
			t.Fatal(err)
		}
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a := s.must(200, "GET", "/v1/weddings/"+w+"/audit?limit=1000", owner, nil)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("audit page: %d bytes, %d items, %.1f MB allocated", len(a.raw), len(a.items()), float64(alloc)/1e6)
	if len(a.raw) > 1<<20+64<<10 {
		t.Errorf("audit page of %d bytes, want at most ~1 MiB", len(a.raw))
	}
	if alloc > 96<<20 {
		t.Errorf("one audit page allocated %d MB, want under 96", alloc>>20)
	}
	items := a.items()
	if len(items) == 0 || a.str("next") == "" {
		t.Fatalf("page: %d items, next %q; want items and a next cursor", len(items), a.str("next"))
	}
	d := obj(obj(items[0])["detail"])
	if num(d["count"]) != 10_000 || d["truncated"] != true || len(d["invitations"].([]any)) != 20 || len(d["events"].([]any)) != 10 {
		t.Errorf("a 10,000-grant change is described as %v", d)
	}
	// Following next walks the whole trail, page by bounded page.
	seen, pages := 0, 0
	for path := "/v1/weddings/" + w + "/audit?limit=1000"; path != ""; pages++ {
		a := s.must(200, "GET", path, owner, nil)
		if len(a.raw) > 1<<20+64<<10 {
			t.Fatalf("page %d of %d bytes", pages, len(a.raw))
		}
		seen += len(a.items())
		path = ""
		if n := a.str("next"); n != "" {
			path = "/v1/weddings/" + w + "/audit?limit=1000&before=" + n
		}
	}
	if want := int(s.seq(w)); seen != want {
		t.Errorf("the pages hold %d changes, the wedding %d", seen, want)
	}
}
