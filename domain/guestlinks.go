package domain

import (
	"cmp"
	"fmt"
	"slices"
)

// Limits of guest links.
const (
	// MaxGuestLinkTTL bounds how far ahead a guest link may expire.
	MaxGuestLinkTTL = Instant(2 * 366 * 24 * 3600 * 1e9)
	// MaxGuestLinksPerUnit bounds a unit's live (unexpired) links: each
	// issue adds one, and a revoke removes them all.
	MaxGuestLinksPerUnit = 16
)

// GuestLink is one link to a unit's own page. The signed token a guest
// holds names it (by ID); the link is valid while it is kept here, has not
// expired and its unit exists. Revoking removes it.
type GuestLink struct {
	ID        string  `msgpack:"id"`
	UnitID    string  `msgpack:"u"`
	IssuedAt  Instant `msgpack:"ia"`
	ExpiresAt Instant `msgpack:"ea"`
}

// GuestLinksRevoked revokes (removes) every link of a unit.
type GuestLinksRevoked struct {
	UnitID string `msgpack:"u"`
}

// IssueGuestLink creates a link to a unit's own page, expiring at
// ExpiresAt (after now, at most MaxGuestLinkTTL ahead). Owners, admins and
// the side admins of the unit's side may. The result is the GuestLink;
// earlier links of the unit keep working, unless Rotate: then they are
// revoked by the same command (a GuestLinksRevoked change before the
// GuestLinkIssued one, journaled together, so that no crash leaves both
// the old links and the new one, or neither). Expired links of the unit
// are dropped with it.
type IssueGuestLink struct {
	UnitID    string
	ExpiresAt Instant
	Rotate    bool
}

func (c *IssueGuestLink) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	if _, err := w.visibleUnit(m.By, c.UnitID, "unit_id"); err != nil {
		return nil, nil, err
	}
	if c.ExpiresAt <= m.Now || c.ExpiresAt > m.Now+MaxGuestLinkTTL {
		return nil, nil, invalid("expires_at", "expires_at must be in the future, at most %d days ahead", MaxGuestLinkTTL/Instant(24*3600*1e9))
	}
	live := 0
	for i := range w.GuestLinks {
		if l := &w.GuestLinks[i]; l.UnitID == c.UnitID && l.ExpiresAt > m.Now {
			live++
		}
	}
	var changes []Change
	switch {
	case c.Rotate && live > 0: // expired links go with the new one
		changes = append(changes, Change{GuestLinksRevoked: &GuestLinksRevoked{UnitID: c.UnitID}})
	case !c.Rotate && live >= MaxGuestLinksPerUnit:
		return nil, nil, conflict("too_many_links", "unit_id", c.UnitID, "unit %s has %d live links; revoke or rotate them first", c.UnitID, live)
	}
	l := GuestLink{ID: w.newID("gl", 0), UnitID: c.UnitID, IssuedAt: m.Now, ExpiresAt: c.ExpiresAt}
	return append(changes, Change{GuestLinkIssued: &l}), l, nil
}

// RevokeGuestLinks revokes every link of a unit (who may: as
// IssueGuestLink). A unit without links is no change.
type RevokeGuestLinks struct {
	UnitID string
}

func (c *RevokeGuestLinks) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	if _, err := w.visibleUnit(m.By, c.UnitID, "unit_id"); err != nil {
		return nil, nil, err
	}
	for i := range w.GuestLinks {
		if w.GuestLinks[i].UnitID == c.UnitID {
			return []Change{{GuestLinksRevoked: &GuestLinksRevoked{UnitID: c.UnitID}}}, nil, nil
		}
	}
	return nil, nil, nil
}

// GuestLinkValid returns the link with id if it belongs to unitID, is
// kept (not revoked), has not expired at at, and its unit exists.
func (w *Wedding) GuestLinkValid(id, unitID string, at Instant) (GuestLink, bool) {
	for i := range w.GuestLinks {
		l := w.GuestLinks[i]
		if l.ID != id {
			continue
		}
		if l.UnitID != unitID || at >= l.ExpiresAt || w.Units[unitID] == nil {
			return GuestLink{}, false
		}
		return l, true
	}
	return GuestLink{}, false
}

// GuestLinkState is one link of a unit as admins list it: live or
// revoked (never its token, which the wedding does not keep).
type GuestLinkState struct {
	GuestLink
	Revoked bool
}

// ListGuestLinks is the query for a unit's links that have not expired at
// At, live and revoked, newest first (who may: as GuestLinks). Its result
// is []GuestLinkState. Revoked links are remembered until they expire, at
// most MaxGuestLinksPerUnit of a unit (the newest).
type ListGuestLinks struct {
	UnitID string
	At     Instant
}

// Run implements Query.
func (q ListGuestLinks) Run(w *Wedding, p Principal) (any, error) {
	if _, err := w.visibleUnit(p, q.UnitID, "unit_id"); err != nil {
		return nil, err
	}
	out := []GuestLinkState{}
	for _, set := range []struct {
		links   []GuestLink
		revoked bool
	}{{w.GuestLinks, false}, {w.RevokedGuestLinks, true}} {
		for _, l := range set.links {
			if l.UnitID == q.UnitID && l.ExpiresAt > q.At {
				out = append(out, GuestLinkState{GuestLink: l, Revoked: set.revoked})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b GuestLinkState) int {
		if a.IssuedAt != b.IssuedAt {
			return cmp.Compare(b.IssuedAt, a.IssuedAt)
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out, nil
}

func (w *Wedding) applyGuestLinks(c *Change) error {
	switch {
	case c.GuestLinkIssued != nil:
		l := *c.GuestLinkIssued
		if l.ID == "" || w.Units[l.UnitID] == nil {
			return fmt.Errorf("guest link %q for unknown unit %q", l.ID, l.UnitID)
		}
		// Drop the unit's expired links: a unit issued a link a month
		// keeps only the live ones.
		kept := w.GuestLinks[:0:0]
		for _, o := range w.GuestLinks {
			if o.ID == l.ID {
				return fmt.Errorf("guest link %q issued twice", l.ID)
			}
			if o.UnitID != l.UnitID || o.ExpiresAt > c.At {
				kept = append(kept, o)
			}
		}
		w.GuestLinks = append(kept, l)
		w.keepRevoked(l.UnitID, nil, c.At)
	case c.GuestLinksRevoked != nil:
		u := c.GuestLinksRevoked.UnitID
		var revoked []GuestLink
		for _, o := range w.GuestLinks {
			if o.UnitID == u {
				revoked = append(revoked, o)
			}
		}
		w.GuestLinks = withoutUnit(w.GuestLinks, u)
		w.keepRevoked(u, revoked, c.At)
	}
	return nil
}

// keepRevoked remembers a unit's newly revoked links (for the admins'
// list) and forgets its revoked links expired at at, keeping at most
// MaxGuestLinksPerUnit of the unit, the newest.
//
// NB: revoked links live in RevokedGuestLinks, never in GuestLinks: every
// link in GuestLinks is live for whoever reads it (the guests' pages).
func (w *Wedding) keepRevoked(unitID string, revoked []GuestLink, at Instant) {
	var mine []GuestLink
	for _, o := range w.RevokedGuestLinks {
		if o.UnitID == unitID && o.ExpiresAt > at {
			mine = append(mine, o)
		}
	}
	for _, o := range revoked {
		if o.ExpiresAt > at {
			mine = append(mine, o)
		}
	}
	if n := len(mine) - MaxGuestLinksPerUnit; n > 0 {
		mine = mine[n:] // oldest first: the newest stay
	}
	w.RevokedGuestLinks = append(withoutUnit(w.RevokedGuestLinks, unitID), mine...)
	if len(w.RevokedGuestLinks) == 0 {
		w.RevokedGuestLinks = nil
	}
}

// withoutUnit returns a new slice of the links not of unitID (nil when
// none).
func withoutUnit(links []GuestLink, unitID string) []GuestLink {
	var kept []GuestLink
	for _, o := range links {
		if o.UnitID != unitID {
			kept = append(kept, o)
		}
	}
	return kept
}

// dropGuestLinks removes every link of a unit, revoked ones included.
func (w *Wedding) dropGuestLinks(unitID string) {
	w.GuestLinks = withoutUnit(w.GuestLinks, unitID)
	w.RevokedGuestLinks = withoutUnit(w.RevokedGuestLinks, unitID)
}
