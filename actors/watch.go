package actors

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/parinayaos/engine/domain"
)

// Watching a wedding's published view (the headcount stream's source).
//
// A handle that has watchers has a notifier: a "generation" channel that
// publish closes and replaces each time it makes a newer view the
// handle's. A watcher takes the current channel, then looks at the view:
// a view published after it took the channel closes that channel, so no
// publish is missed and nothing polls. A handle nobody watches has no
// notifier, and its publish costs one atomic load more.
//
// Notifiers are kept per handle (one activation of a wedding), in a
// registry of the package: a handle knows nothing of them, so the hook in
// publish is one call. Each is counted by its watchers and dropped by the
// last one to leave, so a passivated wedding's handle (and its last view)
// is not kept alive by the registry.

// watches is the registry of notifiers of the handles being watched.
var watches struct {
	n  atomic.Int64 // handles with a notifier: publish's fast path
	mu sync.Mutex   // guards adding and dropping notifiers and their refs
	m  sync.Map     // *handle → *notifier
}

// notifier is one watched handle's generation channel.
type notifier struct {
	ch   atomic.Pointer[chan struct{}]
	refs int // watchers; guarded by watches.mu
}

// wait is the channel the next publish closes.
func (n *notifier) wait() <-chan struct{} { return *n.ch.Load() }

// notifyWatchers wakes h's watchers; publish calls it each time it makes a
// newer view h's.
func notifyWatchers(h *handle) {
	if watches.n.Load() == 0 {
		return
	}
	v, ok := watches.m.Load(h)
	if !ok {
		return
	}
	n := v.(*notifier)
	next := make(chan struct{})
	// Concurrent publishes each swap in a channel of their own and close
	// the one they took out: every channel is closed once.
	close(*n.ch.Swap(&next))
}

// watch registers a watcher of h and returns its notifier; unwatch must
// follow.
func watch(h *handle) *notifier {
	watches.mu.Lock()
	defer watches.mu.Unlock()
	if v, ok := watches.m.Load(h); ok {
		n := v.(*notifier)
		n.refs++
		return n
	}
	n := &notifier{refs: 1}
	ch := make(chan struct{})
	n.ch.Store(&ch)
	watches.m.Store(h, n)
	watches.n.Add(1)
	return n
}

// unwatch ends a watch; the last watcher drops h's notifier.
func unwatch(h *handle, n *notifier) {
	watches.mu.Lock()
	defer watches.mu.Unlock()
	if n.refs--; n.refs == 0 {
		watches.m.Delete(h)
		watches.n.Add(-1)
	}
}

// WatchView returns the wedding's first published view with a Seq above
// after, waiting for it as long as ctx lets it (then ctx's error). It
// activates the wedding if needed, as View does; its errors are View's,
// and ErrUnavailable once the engine is closing. With after below the
// current view's Seq it returns that view at once.
//
// A wedding passivated while watched (its actor stopped) is looked up
// again, which activates it again: a watched wedding is in use. Each call
// marks the wedding used, as View does, so a caller that watches with a
// bounded ctx and calls again (the headcount stream, at each heartbeat)
// keeps a watched wedding in memory.
func (e *Engine) WatchView(ctx context.Context, weddingID string, after uint64) (*domain.View, error) {
	for {
		if e.closed.Load() {
			return nil, ErrUnavailable
		}
		v, err := e.View(ctx, weddingID)
		if err != nil {
			return nil, err
		}
		if v.Seq > after {
			return v, nil
		}
		h := e.index.get(weddingID)
		if h == nil {
			// Passivated since View: the next View activates it again.
			continue
		}
		v, err = e.watchHandle(ctx, h, after)
		if v != nil || err != nil {
			return v, err
		}
		// h stopped: look the wedding up again.
	}
}

// watchHandle waits for h to publish a view with a Seq above after. It
// returns nil, nil when h stops first (the wedding was passivated).
func (e *Engine) watchHandle(ctx context.Context, h *handle, after uint64) (*domain.View, error) {
	n := watch(h)
	defer unwatch(h, n)
	for {
		ch := n.wait() // before the view: a publish after this closes ch
		if v := h.view.Load(); v != nil && v.Seq > after {
			return v, nil
		}
		select {
		case <-ch:
		case <-h.stopped:
			// Its last view may have come just before it stopped.
			if v := h.view.Load(); v != nil && v.Seq > after {
				return v, nil
			}
			return nil, nil
		case <-e.sweeper: // closed when Close begins
			return nil, ErrUnavailable
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
