package domain

import (
	"errors"
	"sync/atomic"
)

// View is an immutable picture of a wedding at one sequence: what hot reads
// (headcount, token checks) need, published by the wedding's actor after
// each durable commit. Nothing in a View is ever modified after it is built.
//
// A view is built once per journal commit, so it is laid out to be cheap to
// build: the numbers are one pointer-free slice (three scopes × (events +
// totals)), and the parts that rarely change (wedding info, event names,
// tokens) sit in a table shared by consecutive views until one of them
// changes. Building a view is then two allocations, one of them never
// scanned by the garbage collector.
type View struct {
	WeddingID string
	Seq       uint64
	AsOf      Instant

	static *viewStatic
	// counts holds, for each scope (all, bride, groom), one row per event
	// followed by the scope's totals.
	counts []Counts
	// memo keeps an encoding of each scope's headcount, made by the first
	// reader that asks (see Memo).
	memo [numScopes]atomic.Pointer[[]byte]
	// roster is the guest list kept for exports, fetched by the first
	// export that asks (see Roster).
	roster atomic.Pointer[rosterSlot]
}

// rosterSlot is a view's roster, being fetched until done is closed.
type rosterSlot struct {
	done chan struct{}
	r    *Roster
	err  error
}

// viewStatic is the slowly changing part of a view, shared between views.
type viewStatic struct {
	of     *Wedding // the wedding instance whose staticVer this is
	ver    uint64
	id     uint64 // unique in the process: the Edition
	info   Info
	labels []eventLabel
	tokens map[[32]byte]Token
	pages  *Pages
}

type eventLabel struct{ id, name string }

// Scopes of a view's headcount.
const (
	scopeAll = iota
	scopeBride
	scopeGroom
	numScopes
)

// Headcount is the per-event numbers for one scope, in event time order. It
// is a window on an immutable View: reading it allocates nothing.
type Headcount struct {
	labels []eventLabel
	counts []Counts // one row per event, then the totals
}

// EventHeadcount is one event's numbers.
type EventHeadcount struct {
	EventID string
	Name    string
	Counts
}

// Len is the number of events.
func (h Headcount) Len() int { return len(h.labels) }

// Event returns the i-th event's numbers (0 ≤ i < Len), in time order.
func (h Headcount) Event(i int) EventHeadcount {
	return EventHeadcount{EventID: h.labels[i].id, Name: h.labels[i].name, Counts: h.counts[i]}
}

// Totals are the sums over events, except InvitedUnits, which counts
// distinct units invited to at least one event.
func (h Headcount) Totals() Counts {
	if len(h.counts) == 0 {
		return Counts{}
	}
	return h.counts[len(h.counts)-1]
}

// Events copies the per-event rows into a new slice.
func (h Headcount) Events() []EventHeadcount {
	out := make([]EventHeadcount, h.Len())
	for i := range out {
		out[i] = h.Event(i)
	}
	return out
}

// Info is the wedding's descriptive fields at this view's sequence.
func (v *View) Info() Info { return v.static.info }

// All is the headcount over every unit.
func (v *View) All() Headcount { return v.scope(scopeAll) }

// Bride is the headcount a bride-side admin sees: its side plus "both".
func (v *View) Bride() Headcount { return v.scope(scopeBride) }

// Groom is the headcount a groom-side admin sees: its side plus "both".
func (v *View) Groom() Headcount { return v.scope(scopeGroom) }

func (v *View) scope(s int) Headcount {
	n := len(v.static.labels) + 1
	return Headcount{labels: v.static.labels, counts: v.counts[s*n : (s+1)*n : (s+1)*n]}
}

// Memo returns the bytes build makes from the headcount p may see, building
// them once per view and scope: a view never changes, so neither does an
// encoding of it, and a dashboard polling a quiet wedding is answered
// without encoding again. Concurrent first readers may each build; one
// result is kept. The caller must not modify the bytes.
func (v *View) Memo(p Principal, build func(Headcount) []byte) []byte {
	s := scopeAll
	if p.Role == RoleSideAdmin {
		switch p.Side {
		case SideBride:
			s = scopeBride
		case SideGroom:
			s = scopeGroom
		}
	}
	if b := v.memo[s].Load(); b != nil {
		return *b
	}
	b := build(v.scope(s))
	v.memo[s].Store(&b)
	return b
}

// Roster returns the guest list kept with this view for exports, calling
// fetch for one when there is none yet. Concurrent callers share one
// fetch: they wait for it and get its outcome. A failed fetch is not
// kept: the next caller tries again.
//
// fetch must copy the wedding's state as of this view or later, durable
// (GetRoster through the wedding's mailbox, whose answer waits for the
// commits in flight): a roster newer than the view is as good for its
// readers (it shows nothing they may not see, and everything the view
// does), an older one would hide a change a reader may have made. A
// roster of another wedding or older than the view is refused
// (ErrRosterMismatch).
//
// NB: the roster, and the sheets built from it, live as long as the view:
// until the wedding's next change, or until it leaves memory.
func (v *View) Roster(fetch func() (*Roster, error)) (*Roster, error) {
	for {
		s := v.roster.Load()
		if s == nil {
			s = &rosterSlot{done: make(chan struct{})}
			if !v.roster.CompareAndSwap(nil, s) {
				continue
			}
			v.fetchRoster(s, fetch)
			return s.r, s.err
		}
		<-s.done
		return s.r, s.err
	}
}

// ErrRosterMismatch: a roster fetched for a view is of another wedding or
// older than the view (a caller's mistake).
var ErrRosterMismatch = errors.New("domain: the roster fetched is of another wedding or older than its view")

// errNoRoster: a roster fetch panicked.
var errNoRoster = errors.New("domain: the roster fetch failed")

func (v *View) fetchRoster(s *rosterSlot, fetch func() (*Roster, error)) {
	defer close(s.done)
	defer func() {
		// Also on a panic in fetch (which goes on up): the slot's
		// waiters get an error, and the next caller tries again.
		if s.r == nil && s.err == nil {
			s.err = errNoRoster
		}
		if s.err != nil {
			s.r = nil
			v.roster.CompareAndSwap(s, nil)
		}
	}()
	r, err := fetch()
	if err == nil && (r == nil || r.WeddingID != v.WeddingID || r.Seq < v.Seq) {
		err = ErrRosterMismatch
	}
	s.r, s.err = r, err
}

// KeepRoster keeps r with v for the exports that follow when v has none
// and r is a copy of v's own state (the same wedding and sequence): a
// roster fetched through an older view is the newest view's as well when
// nothing changed in between.
func (v *View) KeepRoster(r *Roster) {
	if r == nil || r.WeddingID != v.WeddingID || r.Seq != v.Seq || v.roster.Load() != nil {
		return
	}
	v.roster.CompareAndSwap(nil, &rosterSlot{done: closedChan, r: r})
}

// closedChan is a closed channel: the done of a slot filled when made.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// HeadcountFor returns the numbers p may see.
func (v *View) HeadcountFor(p Principal) Headcount {
	if p.Role == RoleSideAdmin {
		switch p.Side {
		case SideBride:
			return v.Bride()
		case SideGroom:
			return v.Groom()
		}
	}
	return v.All()
}

// Authenticate finds the live token with this SHA-256 hash. The lookup is a
// map access on the hash of a secret; hashes are compared whole by the map,
// and the secret itself is never compared, so timing reveals nothing usable.
func (v *View) Authenticate(hash [32]byte) (Principal, bool) {
	t, ok := v.static.tokens[hash]
	if !ok || t.Revoked {
		return Principal{}, false
	}
	return Principal{TokenID: t.ID, Role: t.Role, Side: t.Side}, true
}

// View builds the current view. prev (may be nil) is the last published
// view: its info, event names and token table are reused when none of them
// has changed since.
func (w *Wedding) View(prev *View) *View {
	v := &View{WeddingID: w.Info.ID, Seq: w.Seq, AsOf: w.LastAt}
	if prev != nil && prev.static.of == w && prev.static.ver == w.staticVer {
		v.static = prev.static
	} else {
		v.static = w.viewStatic()
	}
	n := len(w.Events)
	v.counts = make([]Counts, numScopes*(n+1))
	all, bride, groom := v.counts[:n+1], v.counts[n+1:2*n+2], v.counts[2*n+2:]
	for i := range w.Events {
		if c := w.counts.events[w.Events[i].ID]; c != nil {
			bride[i], groom[i] = c[SideBoth], c[SideBoth]
			bride[i].plus(c[SideBride])
			groom[i].plus(c[SideGroom])
			all[i] = bride[i]
			all[i].plus(c[SideGroom])
		}
		all[n].plus(all[i])
		bride[n].plus(bride[i])
		groom[n].plus(groom[i])
	}
	iu := &w.counts.invitedUnits
	all[n].InvitedUnits = iu[SideBoth] + iu[SideBride] + iu[SideGroom]
	bride[n].InvitedUnits = iu[SideBoth] + iu[SideBride]
	groom[n].InvitedUnits = iu[SideBoth] + iu[SideGroom]
	return v
}

func (w *Wedding) viewStatic() *viewStatic {
	s := &viewStatic{of: w, ver: w.staticVer, id: staticIDs.Add(1), info: w.Info,
		labels: make([]eventLabel, len(w.Events)),
		tokens: make(map[[32]byte]Token, len(w.Tokens)), pages: w.pages()}
	for i := range w.Events {
		s.labels[i] = eventLabel{id: w.Events[i].ID, name: w.Events[i].Name}
	}
	for _, t := range w.Tokens {
		s.tokens[t.Hash] = t
	}
	return s
}
