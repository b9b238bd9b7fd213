package actors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// watchResult is one WatchView's outcome, from another goroutine.
type watchResult struct {
	v   *domain.View
	err error
}

func watchAsync(e *actors.Engine, ctx context.Context, w string, after uint64) <-chan watchResult {
	out := make(chan watchResult, 1)
	go func() {
		v, err := e.WatchView(ctx, w, after)
		out <- watchResult{v, err}
	}()
	return out
}

func waitWatch(t *testing.T, ch <-chan watchResult) watchResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("WatchView did not return within 10 s")
	}
	return watchResult{}
}

// notYet checks that a watch is still waiting (it returned nothing so far).
func notYet(t *testing.T, ch <-chan watchResult) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("WatchView returned early: seq %v, err %v", r.v, r.err)
	default:
	}
}

func TestWatchView(t *testing.T) {
	e, _ := openEngine(t, t.TempDir(), actors.Config{IdleTimeout: -1})
	evs, units := seedWedding(t, e, "w1", 6, 2)
	ctx := context.Background()
	v0, err := e.View(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}

	// A view newer than after is returned at once.
	r := waitWatch(t, watchAsync(e, ctx, "w1", v0.Seq-1))
	if r.err != nil || r.v != v0 {
		t.Fatalf("watch after seq-1: %v, %v; want the current view", r.v, r.err)
	}

	// Otherwise the watch waits for the next durable change, and gets its
	// view (every watcher does).
	w1, w2 := watchAsync(e, ctx, "w1", v0.Seq), watchAsync(e, ctx, "w1", v0.Seq)
	notYet(t, w1)
	res := do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[0], EventID: evs[0], Status: domain.Yes})
	for _, w := range []<-chan watchResult{w1, w2} {
		r := waitWatch(t, w)
		if r.err != nil || r.v == nil || r.v.Seq != res.Seq {
			t.Fatalf("watch: %v, %v; want the view of seq %d", r.v, r.err, res.Seq)
		}
	}

	// ctx ends a watch with its error.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	r = waitWatch(t, watchAsync(e, cctx, "w1", res.Seq))
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("watch past its deadline: err = %v", r.err)
	}

	// An unknown wedding is not found (and not activated).
	if _, err := e.WatchView(ctx, "nope", 0); !errors.Is(err, actors.ErrWeddingNotFound) {
		t.Fatalf("unknown wedding: err = %v", err)
	}
}

// A watcher survives its wedding's passivation: it follows the next
// activation and sees the change made there.
func TestWatchViewAcrossPassivation(t *testing.T) {
	e, _ := openEngine(t, t.TempDir(), actors.Config{IdleTimeout: -1})
	evs, units := seedWedding(t, e, "w1", 6, 2)
	ctx := context.Background()
	v0, err := e.View(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	w := watchAsync(e, ctx, "w1", v0.Seq)
	// Passivation may be refused while the watcher's View is in the
	// mailbox: retry until it is done.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := e.Passivate(ctx, "w1")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the wedding could not be passivated")
		}
		time.Sleep(time.Millisecond)
	}
	notYet(t, w)
	res := do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[1], EventID: evs[1], Status: domain.No})
	r := waitWatch(t, w)
	if r.err != nil || r.v == nil || r.v.Seq != res.Seq {
		t.Fatalf("watch across passivation: %v, %v; want the view of seq %d", r.v, r.err, res.Seq)
	}
}

// Closing the engine ends its watches with ErrUnavailable.
func TestWatchViewEndsOnClose(t *testing.T) {
	e, db := openUnmanaged(t, t.TempDir(), actors.Config{IdleTimeout: -1})
	t.Cleanup(func() { _ = db.Close() })
	seedWedding(t, e, "w1", 2, 1)
	ctx := context.Background()
	v0, err := e.View(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	w := watchAsync(e, ctx, "w1", v0.Seq)
	notYet(t, w)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := e.Close(cctx); err != nil {
		t.Fatal(err)
	}
	if r := waitWatch(t, w); !errors.Is(r.err, actors.ErrUnavailable) {
		t.Fatalf("watch at close: %v, %v; want ErrUnavailable", r.v, r.err)
	}
	if _, err := e.WatchView(ctx, "w1", 0); !errors.Is(err, actors.ErrUnavailable) {
		t.Fatalf("watch after close: err = %v", err)
	}
}
