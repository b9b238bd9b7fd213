package domain

import "sync/atomic"

// The part of a published View that the guests' pages read (httpapi's
// /w/{slug} and /w/{slug}/g/{token}): the published website, the events
// and the live guest links. It changes rarely (a publish, an event saved,
// a link issued or revoked), so it sits in the view's static part, shared
// by consecutive views, and a page is served without asking the wedding's
// actor anything but, on a cache miss, its household.

// Pages is what the guests' pages need of a wedding, as of one view. It is
// immutable: callers must not modify what its methods return.
type Pages struct {
	info   Info
	site   *Website // published; nil when never published
	events []Event  // every event, in time order
	links  map[string]GuestLink
}

// Info is the wedding's descriptive fields.
func (p *Pages) Info() Info { return p.info }

// Site is the website as last published, nil when it never was.
func (p *Pages) Site() *Website { return p.site }

// Events are every event of the wedding, in time order, invite-only ones
// included: a page must choose what it shows.
func (p *Pages) Events() []Event { return p.events }

// Link returns the live link id if it belongs to unitID, which exists, and
// has not expired at at.
func (p *Pages) Link(id, unitID string, at Instant) (GuestLink, bool) {
	l, ok := p.links[id]
	if !ok || l.UnitID != unitID || at >= l.ExpiresAt {
		return GuestLink{}, false
	}
	return l, true
}

// Pages is the guests' pages' part of the view.
func (v *View) Pages() *Pages { return v.static.pages }

// Edition names the static part of a view: two views with the same Edition
// show the same website, events, guest links, tokens and wedding info, so
// a page rendered from one is good for the other as far as those go.
// Comparable; the zero Edition is no view's. It is a number, not a
// pointer: a cache holding Editions must not hold the weddings they came
// from (a wedding passivated, or reloaded after a panic, is gone).
type Edition struct{ id uint64 }

// Edition is the view's Edition.
func (v *View) Edition() Edition { return Edition{v.static.id} }

// staticIDs numbers the static parts of views, for Edition. NB: the one
// counter in the package: it holds no wedding's data, only makes each
// Edition unique within the process (two weddings, or one wedding loaded
// twice, never share one).
var staticIDs atomic.Uint64

func (w *Wedding) pages() *Pages {
	p := &Pages{info: w.Info, site: w.Published,
		events: append([]Event(nil), w.Events...),
		links:  make(map[string]GuestLink, len(w.GuestLinks))}
	for _, l := range w.GuestLinks {
		if w.Units[l.UnitID] != nil { // states from before merges dropped links
			p.links[l.ID] = l
		}
	}
	return p
}
