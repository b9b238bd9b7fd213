package actors_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

// A command that panics — every time it is sent — is answered with
// ErrInternal; acknowledged changes before and around it stay, and the
// wedding keeps serving. hollywood's own restart path never runs.
func TestWeddingPanicRecovers(t *testing.T) {
	var cfg actors.Config
	var armed atomic.Bool
	actors.SetBeforeExecute(&cfg, func(w *domain.Wedding, cmd domain.Command) {
		if ev, ok := cmd.(*domain.AddEvent); ok && ev.Name == "boom" {
			// Corrupt the live state first: recovery must not keep it.
			w.Info.Name = "corrupted"
			panic("boom")
		}
		if armed.Load() {
			if r, ok := cmd.(*domain.SetRSVP); ok && r.Note == "boom" {
				panic("rsvp boom")
			}
		}
	})
	e, _ := openEngine(t, t.TempDir(), cfg)
	evs, units := seedWedding(t, e, "w1", 20, 2)
	before := do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[0], EventID: evs[0], Status: domain.Yes})

	for i := 0; i < 50; i++ { // well past hollywood's restart limit (3)
		_, err := e.Do(context.Background(), "w1", owner, &domain.AddEvent{Name: "boom", StartsAt: 1})
		if !errors.Is(err, actors.ErrInternal) {
			t.Fatalf("panicking command %d: err = %v, want ErrInternal", i, err)
		}
	}
	info, err := e.Query(context.Background(), "w1", owner, domain.GetWedding{})
	if err != nil {
		t.Fatal(err)
	}
	if info.(domain.Info).Name != "Test w1" {
		t.Fatalf("state after panic has name %q: the half-changed state was kept", info.(domain.Info).Name)
	}
	v, _ := e.View(context.Background(), "w1")
	if v.Seq != before.Seq || v.All().Event(0).YesUnits != 1 {
		t.Fatalf("view after panics: seq %d yes %d, want seq %d yes 1", v.Seq, v.All().Event(0).YesUnits, before.Seq)
	}

	// Panics in the middle of a burst: every other caller's change is
	// either acknowledged and kept, or the caller got an error.
	armed.Store(true)
	var wg sync.WaitGroup
	var acked sync.Map
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			note := fmt.Sprintf("n%d", i)
			if i%7 == 0 {
				note = "boom"
			}
			u := units[i%len(units)]
			r, err := e.Do(context.Background(), "w1", owner, &domain.SetRSVP{UnitID: u, EventID: evs[1], Status: domain.Maybe, Note: note})
			switch {
			case note == "boom" && !errors.Is(err, actors.ErrInternal):
				t.Errorf("panicking rsvp: err = %v", err)
			case note != "boom" && err != nil:
				t.Errorf("rsvp %d: %v", i, err)
			case err == nil:
				acked.Store(r.Seq, u)
			}
		}()
	}
	wg.Wait()
	page, err := e.Query(context.Background(), "w1", owner, domain.ListRSVPs{Filter: domain.RSVPFilter{EventID: evs[1], Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]uint64{}
	for _, r := range page.(domain.RSVPPage).Rows {
		stored[r.UnitID] = r.RSVP.Seq
	}
	acked.Range(func(k, v any) bool {
		if stored[v.(string)] < k.(uint64) {
			t.Errorf("acknowledged rsvp seq %d of %s lost (stored %d)", k, v, stored[v.(string)])
		}
		return true
	})
	if e.Active() != 1 {
		t.Fatalf("active weddings = %d, want 1", e.Active())
	}
}

// Past MaxInflight a wedding answers ErrOverloaded at once instead of
// queueing without bound.
func TestWeddingOverload(t *testing.T) {
	var cfg actors.Config
	cfg.MaxInflight = 8
	release := make(chan struct{})
	var blocking atomic.Bool
	actors.SetBeforeExecute(&cfg, func(w *domain.Wedding, cmd domain.Command) {
		if blocking.Load() {
			<-release
		}
	})
	e, _ := openEngine(t, t.TempDir(), cfg)
	evs, units := seedWedding(t, e, "w1", 3, 1)
	blocking.Store(true)
	// Probe until the wedding refuses: the first probe blocks in the actor,
	// the next ones queue behind it (their callers give up after 5 ms but
	// the requests stay queued and count against the bound), so exactly
	// MaxInflight probes get in before the refusal.
	admitted := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		_, err := e.Do(ctx, "w1", owner, &domain.SetRSVP{UnitID: units[1], EventID: evs[0], Status: domain.No})
		cancel()
		if errors.Is(err, actors.ErrOverloaded) {
			break
		}
		if !errors.Is(err, context.DeadlineExceeded) || admitted > 8 {
			t.Fatalf("probe %d: got %v, want a timeout while fewer than 8 are in flight", admitted, err)
		}
		admitted++
	}
	if admitted != 8 {
		t.Fatalf("%d requests admitted before refusal, want MaxInflight = 8", admitted)
	}
	blocking.Store(false)
	close(release)
	// Once the queue drains the wedding serves again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := e.Do(context.Background(), "w1", owner, &domain.SetRSVP{UnitID: units[0], EventID: evs[0], Status: domain.Yes})
		if err == nil {
			break
		}
		if !errors.Is(err, actors.ErrOverloaded) || time.Now().After(deadline) {
			t.Fatalf("after release: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[1], EventID: evs[0], Status: domain.Yes})
}

// A corrupt newest snapshot is detected and skipped: the wedding recovers
// from the older snapshot plus the journal, with nothing lost.
func TestWeddingCorruptSnapshotFallsBack(t *testing.T) {
	dir := t.TempDir()
	cfg := actors.Config{SnapshotEvery: 1 << 40, IdleTimeout: -1}
	e, db := openEngine(t, dir, cfg)
	evs, units := seedWedding(t, e, "w1", 10, 2)
	ctx := context.Background()
	s1, err := e.Snapshot(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[2], EventID: evs[1], Status: domain.Yes})
	s2, err := e.Snapshot(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	last := do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[3], EventID: evs[1], Status: domain.No})
	if ok, err := e.Passivate(ctx, "w1"); !ok || err != nil {
		t.Fatalf("passivate: %v %v", ok, err)
	}
	seqs, _ := db.SnapshotSeqs("w1")
	if len(seqs) != 2 || seqs[0] != last.Seq || seqs[1] != s2 || s1 >= s2 {
		t.Fatalf("snapshots %v, want [%d %d] (keep 2)", seqs, last.Seq, s2)
	}
	// Flip a byte in the newest snapshot's payload.
	b, _ := db.Snapshot("w1", seqs[0])
	b[len(b)-10] ^= 0x40
	if err := db.PutSnapshot("w1", seqs[0], b); err != nil {
		t.Fatal(err)
	}
	v, err := e.View(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Seq != last.Seq || v.All().Event(1).YesUnits != 1 || v.All().Event(1).NoUnits != 1 {
		t.Fatalf("after fallback: seq %d yes %d no %d, want seq %d yes 1 no 1",
			v.Seq, v.All().Event(1).YesUnits, v.All().Event(1).NoUnits, last.Seq)
	}
	_ = storage.ErrCorrupt
}

// Many callers on one wedding: every acknowledged change is in the view
// that follows, and the journal order equals the order of application.
func TestWeddingConcurrentCallers(t *testing.T) {
	e, db := openEngine(t, t.TempDir(), actors.Config{})
	evs, units := seedWedding(t, e, "w1", 100, 4)
	var wg sync.WaitGroup
	var maxSeq atomic.Uint64
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				u := units[(g*20+i)%len(units)]
				r, err := e.Do(context.Background(), "w1", owner, &domain.SetRSVP{UnitID: u, EventID: evs[i%4], Status: domain.Yes})
				if err != nil {
					t.Error(err)
					return
				}
				for {
					m := maxSeq.Load()
					if r.Seq <= m || maxSeq.CompareAndSwap(m, r.Seq) {
						break
					}
				}
				v, _ := e.View(context.Background(), "w1")
				if v.Seq < r.Seq {
					t.Errorf("view seq %d behind acknowledged seq %d", v.Seq, r.Seq)
				}
			}
		}()
	}
	wg.Wait()
	last, err := db.LastSeq("w1")
	if err != nil || last != maxSeq.Load() {
		t.Fatalf("durable last seq %d (%v), highest acknowledged %d", last, err, maxSeq.Load())
	}
	var prev uint64
	if err := db.Replay("w1", 1, func(c *domain.Change) error {
		if c.Seq != prev+1 {
			return fmt.Errorf("seq %d after %d", c.Seq, prev)
		}
		prev = c.Seq
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
