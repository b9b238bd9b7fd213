package actors_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// TestWeddingMemoryFlatUnderCommands: a wedding that keeps changing the
// same RSVPs holds the same state, so its engine's heap must not grow with
// the number of commits. (A finished commit once kept a pointer to the one
// before it: every commit since activation, each with its view, stayed
// reachable, ~1 KB per command.)
func TestWeddingMemoryFlatUnderCommands(t *testing.T) {
	e, _ := openEngine(t, t.TempDir(), actors.Config{SnapshotEvery: 1 << 40})
	const weddings = 16
	ids, evs, units := seedWeddings(t, e, weddings, 20, 4)
	// One sequential caller per wedding: one command per commit, the most
	// commits (and views) per command.
	run := func(perWedding int) {
		var wg sync.WaitGroup
		for w := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWedding {
					cmd := &domain.SetRSVP{UnitID: units[w][i%len(units[w])], EventID: evs[w][i%len(evs[w])],
						Status: domain.RSVPStatus(1 + i%3)}
					if _, err := e.Do(context.Background(), ids[w], owner, cmd); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	heap := func() (bytes, objects uint64) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc, m.HeapObjects
	}
	run(500) // warm up: every wedding active, Pebble's memtables in use
	bytes0, objects0 := heap()
	const perWedding = 2000
	run(perWedding)
	bytes1, objects1 := heap()
	commands := float64(weddings * perWedding)
	perCommand := func(a, b uint64) float64 {
		if b < a {
			return 0
		}
		return float64(b-a) / commands
	}
	t.Logf("heap %d → %d bytes, %d → %d objects over %.0f commands: %.0f bytes, %.3f objects per command",
		bytes0, bytes1, objects0, objects1, commands, perCommand(bytes0, bytes1), perCommand(objects0, objects1))
	// Objects, not bytes: what a leak keeps per commit is at least one
	// object (a job: ~200 bytes), while Pebble's memtables, in the Go heap
	// under -race or without cgo, grow by ~200 bytes per command in a few
	// large arenas.
	if n := perCommand(objects0, objects1); n > 0.2 {
		t.Fatalf("the heap grew by %.3f objects per command: something keeps every commit", n)
	}
}

// TestWeddingForgetsAnsweredCommands: once a commit's callers have their
// answers, the wedding keeps nothing of their commands or results, even
// while that commit stays its newest (a big import stayed in memory,
// megabytes of it, until the wedding's next write).
func TestWeddingForgetsAnsweredCommands(t *testing.T) {
	e, _ := openEngine(t, t.TempDir(), actors.Config{SnapshotEvery: 1 << 40})
	seedWedding(t, e, "w1", 10, 2)
	var cmdGone, resultGone atomic.Bool
	func() {
		in := make([]domain.UnitInput, 500)
		for i := range in {
			in[i] = domain.UnitInput{Name: fmt.Sprintf("Imported family %d", i),
				Members: []domain.MemberInput{{Name: fmt.Sprintf("Guest %d", i), Phone: fmt.Sprintf("+919800%06d", i)}}}
		}
		cmd := &domain.AddUnits{Units: in}
		runtime.AddCleanup(cmd, func(gone *atomic.Bool) { gone.Store(true) }, &cmdGone)
		items := do(t, e, "w1", owner, cmd).Value.([]domain.BatchItem)
		runtime.AddCleanup(&items[0], func(gone *atomic.Bool) { gone.Store(true) }, &resultGone)
	}()
	// No other write follows: the import's commit stays the wedding's newest.
	for i := 0; i < 100 && !(cmdGone.Load() && resultGone.Load()); i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if !cmdGone.Load() || !resultGone.Load() {
		t.Fatalf("answered and dropped by its caller, yet still reachable: command %v, result %v",
			!cmdGone.Load(), !resultGone.Load())
	}
}
