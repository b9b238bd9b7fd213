package domain

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Query is a read of a wedding's state that needs more than the published
// View (lists, single objects). It runs on the wedding's goroutine and must
// return copies that share nothing mutable with the state.
type Query interface {
	Run(w *Wedding, p Principal) (any, error)
}

func sortUnits(us []*Unit) {
	sort.Slice(us, func(i, j int) bool { return us[i].ID < us[j].ID })
}

// copyUnit returns a deep copy safe to hand to another goroutine.
func copyUnit(u *Unit) Unit {
	c := *u
	c.Invitations = slices.Clone(u.Invitations)
	// Members and Tags are replaced, never written in place (see Wedding).
	return c
}

// GetWedding returns the wedding's description.
type GetWedding struct{}

// Run implements Query.
func (GetWedding) Run(w *Wedding, p Principal) (any, error) { return w.Info, nil }

// GetUnit returns one unit (with its invitations) that p may see.
type GetUnit struct{ ID string }

// Run implements Query.
func (q GetUnit) Run(w *Wedding, p Principal) (any, error) {
	u, err := w.visibleUnit(p, q.ID, "")
	if err != nil {
		return nil, err
	}
	return copyUnit(u), nil
}

// ListTokens returns the wedding's tokens, revoked ones included, in issue
// order, without their hashes. Only owners (and the operator) may list
// them, as only they may issue and revoke.
type ListTokens struct{}

// Run implements Query.
func (ListTokens) Run(w *Wedding, p Principal) (any, error) {
	if err := requireRole(p, RoleOwner, "list tokens"); err != nil {
		return nil, err
	}
	out := make([]Token, len(w.Tokens))
	for i, t := range w.Tokens {
		t.Hash = [32]byte{}
		out[i] = t
	}
	return out, nil
}

// AuthorizeAudit says whether p may read the wedding's audit trail (its
// journal, read by the engine from storage): every role but side admins,
// as the trail covers every side.
func AuthorizeAudit(p Principal) error {
	if p.Role == RoleSideAdmin {
		return forbidden("a side admin may not read the audit trail (it covers every side)")
	}
	return nil
}

// ListEvents returns the events in time order.
type ListEvents struct{}

// Run implements Query.
func (ListEvents) Run(w *Wedding, p Principal) (any, error) { return slices.Clone(w.Events), nil }

// UnitFilter selects units; zero fields select everything.
type UnitFilter struct {
	Side    *Side
	Tag     string
	Q       string // substring of a unit or member name (case-insensitive), or a phone as people write it (see readPhoneQuery)
	EventID string // invited to this event
	Status  *RSVPStatus
	After   string // cursor: units with id > After
	Limit   int
}

// UnitPage is a page of units in id order; Next is the cursor of the next
// page, empty at the end.
type UnitPage struct {
	Units []Unit
	Next  string
}

// ListUnits lists the units p may see that match the filter.
type ListUnits struct{ Filter UnitFilter }

// Run implements Query.
func (q ListUnits) Run(w *Wedding, p Principal) (any, error) {
	f := q.Filter
	if f.Limit <= 0 {
		f.Limit = 100
	}
	needle := strings.ToLower(strings.TrimSpace(f.Q))
	// A query shaped like a phone is read once, not per unit (parsing it
	// costs ~20 µs); a name is never parsed.
	pq, isPhone := readPhoneQuery(strings.TrimSpace(f.Q), w.Info.Region)
	var phoneQ *phoneQuery
	if isPhone {
		phoneQ = &pq
	}
	var match []*Unit
	for _, u := range w.Units {
		if !p.SeesSide(u.Side) || u.ID <= f.After && f.After != "" {
			continue
		}
		if f.Side != nil && u.Side != *f.Side || f.Tag != "" && !u.HasTag(f.Tag) {
			continue
		}
		if f.EventID != "" || f.Status != nil {
			if !unitHasRSVP(u, f.EventID, f.Status) {
				continue
			}
		}
		if needle != "" && !unitMatches(u, needle, phoneQ) {
			continue
		}
		match = append(match, u)
	}
	sortUnits(match)
	page := UnitPage{}
	if len(match) > f.Limit {
		match = match[:f.Limit]
		page.Next = match[len(match)-1].ID
	}
	page.Units = make([]Unit, len(match))
	for i, u := range match {
		page.Units[i] = copyUnit(u)
	}
	return page, nil
}

func unitHasRSVP(u *Unit, eventID string, st *RSVPStatus) bool {
	for _, inv := range u.Invitations {
		if (eventID == "" || inv.EventID == eventID) && (st == nil || inv.RSVP.Status == *st) {
			return true
		}
	}
	return false
}

// unitMatches reports whether the unit's or a member's name holds needle,
// or (phone non-nil) a member's phone is what it looks for.
func unitMatches(u *Unit, needle string, phone *phoneQuery) bool {
	if strings.Contains(strings.ToLower(u.Name), needle) {
		return true
	}
	for _, m := range u.Members {
		if strings.Contains(strings.ToLower(m.Name), needle) || phone != nil && phone.matches(m.Phone) {
			return true
		}
	}
	return false
}

// RSVPRow is one invitation with its answer.
type RSVPRow struct {
	UnitID  string
	EventID string
	Seats   int32
	RSVP    RSVP
}

// RSVPFilter selects invitations; zero fields select everything.
type RSVPFilter struct {
	EventID string
	Status  *RSVPStatus
	UnitID  string
	After   string // cursor: RSVPPage.Next of the previous page
	Limit   int
}

// RSVPPage is a page of invitations ordered by unit, then event time.
type RSVPPage struct {
	Rows []RSVPRow
	Next string
}

// ListRSVPs lists invitations (pending ones included) p may see.
type ListRSVPs struct{ Filter RSVPFilter }

// Run implements Query.
func (q ListRSVPs) Run(w *Wedding, p Principal) (any, error) {
	f := q.Filter
	if f.Limit <= 0 {
		f.Limit = 100
	}
	// Rows are ordered by unit id, then by the event's (start, id); the
	// cursor names the last row's unit and event key, so it stays exact
	// when that event is deleted between pages.
	type eventKey struct {
		at Instant
		id string
	}
	keyOf := make(map[string]eventKey, len(w.Events))
	for i := range w.Events {
		keyOf[w.Events[i].ID] = eventKey{w.Events[i].StartsAt, w.Events[i].ID}
	}
	less := func(a, b eventKey) bool { return a.at < b.at || a.at == b.at && a.id < b.id }
	var afterUnit string
	var after eventKey
	if f.After != "" {
		parts := strings.SplitN(f.After, "/", 3)
		if len(parts) == 3 {
			at, _ := strconv.ParseInt(parts[1], 10, 64)
			afterUnit, after = parts[0], eventKey{Instant(at), parts[2]}
		}
	}
	var units []*Unit
	if f.UnitID != "" {
		if u, err := w.visibleUnit(p, f.UnitID, "unit"); err == nil {
			units = append(units, u)
		}
	} else {
		for _, u := range w.Units {
			if p.SeesSide(u.Side) && (afterUnit == "" || u.ID >= afterUnit) {
				units = append(units, u)
			}
		}
	}
	sortUnits(units)
	var page RSVPPage
	for _, u := range units {
		invs := slices.Clone(u.Invitations)
		sort.Slice(invs, func(i, j int) bool { return less(keyOf[invs[i].EventID], keyOf[invs[j].EventID]) })
		for _, inv := range invs {
			k := keyOf[inv.EventID]
			if u.ID < afterUnit || u.ID == afterUnit && !less(after, k) {
				continue
			}
			if f.EventID != "" && inv.EventID != f.EventID || f.Status != nil && inv.RSVP.Status != *f.Status {
				continue
			}
			if len(page.Rows) == f.Limit {
				last := page.Rows[len(page.Rows)-1]
				lk := keyOf[last.EventID]
				page.Next = last.UnitID + "/" + strconv.FormatInt(int64(lk.at), 10) + "/" + last.EventID
				return page, nil
			}
			page.Rows = append(page.Rows, RSVPRow{UnitID: u.ID, EventID: inv.EventID, Seats: inv.Seats, RSVP: inv.RSVP})
		}
	}
	return page, nil
}
