package domain

import (
	"fmt"
	"sort"
)

// Wedding is the whole state of one wedding. Exported fields are the state a
// snapshot holds; unexported ones are indexes and projections derived from
// them (Reindex rebuilds them after a snapshot is loaded).
//
// NB: a Change's slices (members, tags) are shared with the state after
// Apply. State code replaces such slices, never writes into them, so a
// change being encoded on another goroutine is never disturbed.
type Wedding struct {
	Info   Info             `msgpack:"i"`
	Seq    uint64           `msgpack:"q"` // sequence of the last applied change
	LastAt Instant          `msgpack:"la"`
	Events []Event          `msgpack:"ev"` // in time order (StartsAt, then ID)
	Units  map[string]*Unit `msgpack:"u"`
	Tokens []Token          `msgpack:"t"`
	// Kept holds the answers of recent commands that carried an
	// idempotency key, oldest first (see KeptAnswer).
	Kept []KeptAnswer `msgpack:"ka,omitempty"`
	// Consent is the consent ledger, by E.164 phone, oldest entry first.
	Consent map[string][]ConsentEntry `msgpack:"cn,omitempty"`
	// Campaigns are the send campaigns with their outboxes, oldest first.
	Campaigns []*Campaign `msgpack:"cp,omitempty"`
	// Attention are the replies waiting for a person, oldest first.
	Attention []AttentionItem `msgpack:"at,omitempty"`
	// Imports are the past contact imports, oldest first (imports.go).
	Imports []ImportRecord `msgpack:"im,omitempty"`
	// Suggestions are the merge suggestions, open and resolved, oldest
	// first (merge.go).
	Suggestions []MergeSuggestion `msgpack:"ms,omitempty"`
	// Website is the website's configuration, nil until set (website.go).
	Website *Website `msgpack:"ws,omitempty"`
	// Published is the configuration as last published, which the guests'
	// pages show: edits after a publish wait for the next one. Nil until
	// the first publish, and in states written before it was kept (then
	// Website, when its Version is set, stands for it).
	Published *Website `msgpack:"wsp,omitempty"`
	// GuestLinks are the units' live links, oldest first (guestlinks.go).
	GuestLinks []GuestLink `msgpack:"gl,omitempty"`
	// RevokedGuestLinks are links revoked before they expired, kept for
	// the admins' list until they expire (at most MaxGuestLinksPerUnit a
	// unit), grouped by unit (the unit revoked last at the end), each
	// unit's oldest first. None of them opens a page.
	RevokedGuestLinks []GuestLink `msgpack:"rgl,omitempty"`

	// phones maps each E.164 phone to the unit of the person holding it
	// (one index, not two: a person-to-unit map cost 10% of a 1000-unit
	// wedding's memory for one rejection's message).
	phones map[string]*Unit
	counts projection
	// keptBytes is what Kept counts for against MaxKeptBytes.
	keptBytes int
	// wamids finds the campaign message Meta knows by a wamid.
	wamids map[string]msgRef
	// staticVer changes whenever Info, Events, Tokens, the published
	// website or the guest links do, so a published View can share its
	// static part (info, event names, tokens, pages) with the next.
	staticVer uint64
}

// New returns an empty wedding, ready for its WeddingCreated change.
func New() *Wedding {
	w := &Wedding{Units: map[string]*Unit{}}
	w.Reindex()
	return w
}

// Created reports whether the wedding exists (its first change applied).
func (w *Wedding) Created() bool { return w.Info.ID != "" }

// Reindex rebuilds every derived index and projection from the exported
// state. Call it after decoding a snapshot.
func (w *Wedding) Reindex() {
	if w.Units == nil {
		w.Units = map[string]*Unit{}
	}
	w.phones = make(map[string]*Unit, len(w.Units)*3)
	w.counts = newProjection()
	for i := range w.Events {
		w.counts.addEvent(w.Events[i].ID)
	}
	for _, u := range w.Units {
		w.indexUnit(u)
		w.counts.addUnit(u, 1)
	}
	w.keptBytes = 0
	for i := range w.Kept {
		w.keptBytes += w.Kept[i].size()
	}
	w.wamids = nil
	for _, c := range w.Campaigns {
		for i := range c.Messages {
			w.indexWAMID(c, i)
		}
	}
	if w.Published == nil && w.Website != nil && w.Website.Version > 0 {
		// NB: a state written before Published was kept: its Website is
		// the published one as far as anyone can tell.
		w.Published = w.Website.Copy()
	}
	w.staticVer++
}

func (w *Wedding) indexUnit(u *Unit) {
	for _, p := range u.Members {
		if p.Phone != "" {
			w.phones[p.Phone] = u
		}
	}
}

func (w *Wedding) unindexUnit(u *Unit) {
	for _, p := range u.Members {
		if p.Phone != "" && w.phones[p.Phone] == u {
			delete(w.phones, p.Phone)
		}
	}
}

// phoneHolder returns the unit and the id of the person holding an E.164
// phone.
func (w *Wedding) phoneHolder(e164 string) (*Unit, string, bool) {
	u := w.phones[e164]
	if u == nil {
		return nil, "", false
	}
	for i := range u.Members {
		if u.Members[i].Phone == e164 {
			return u, u.Members[i].ID, true
		}
	}
	return nil, "", false // unreachable while the index is kept right
}

// Event returns the event with id, or nil.
func (w *Wedding) Event(id string) *Event {
	for i := range w.Events {
		if w.Events[i].ID == id {
			return &w.Events[i]
		}
	}
	return nil
}

// PersonByPhone returns the id of the person holding an E.164 phone.
func (w *Wedding) PersonByPhone(e164 string) (string, bool) {
	_, id, ok := w.phoneHolder(e164)
	return id, ok
}

// UnitOfPerson returns the unit a person belongs to. It looks through every
// unit: nothing on a hot path needs it (a phone leads to its unit directly).
func (w *Wedding) UnitOfPerson(personID string) (string, bool) {
	if u, _ := w.person(personID); u != nil {
		return u.ID, true
	}
	return "", false
}

// Apply applies one change. It is deterministic and is used both live (by
// Execute) and for replay. A change that does not fit the state (which only
// a corrupt journal produces) is an error, never a panic.
func (w *Wedding) Apply(c *Change) error {
	if c.Seq != w.Seq+1 {
		return fmt.Errorf("domain: change seq %d does not follow %d", c.Seq, w.Seq)
	}
	links := len(w.GuestLinks)
	if err := w.apply(c); err != nil {
		return fmt.Errorf("domain: apply %s seq %d: %w", c.Kind(), c.Seq, err)
	}
	if c.WebsiteSaved != nil || c.WebsitePublished != nil || c.GuestLinkIssued != nil || c.GuestLinksRevoked != nil ||
		len(w.GuestLinks) != links { // a unit deleted or merged away with its links
		w.staticVer++ // the guests' pages' part of the view (pages.go)
	}
	w.Seq = c.Seq
	w.LastAt = c.At
	if c.Kept != nil {
		w.keep(*c.Kept)
	}
	return nil
}

func (w *Wedding) apply(c *Change) error {
	if c.WeddingCreated == nil && !w.Created() {
		return fmt.Errorf("wedding not created yet")
	}
	switch {
	case c.WeddingCreated != nil:
		if w.Created() {
			return fmt.Errorf("wedding already created")
		}
		w.Info = c.WeddingCreated.Info
		w.staticVer++
	case c.WeddingUpdated != nil:
		if c.WeddingUpdated.Info.ID != w.Info.ID {
			return fmt.Errorf("wedding %q updated as %q", w.Info.ID, c.WeddingUpdated.Info.ID)
		}
		w.Info = c.WeddingUpdated.Info
		w.staticVer++
	case c.TokenIssued != nil:
		w.Tokens = append(w.Tokens, *c.TokenIssued)
		w.staticVer++
	case c.TokenRevoked != nil:
		for i := range w.Tokens {
			if w.Tokens[i].ID == c.TokenRevoked.ID {
				w.Tokens[i].Revoked = true
			}
		}
		w.staticVer++
	case c.EventSaved != nil:
		w.saveEvent(*c.EventSaved)
		w.staticVer++
	case c.EventDeleted != nil:
		w.deleteEvent(c.EventDeleted.ID)
		w.staticVer++
	case c.UnitsSaved != nil:
		for i := range c.UnitsSaved.Units {
			if u := &c.UnitsSaved.Units[i]; u.ID == "" || u.Side >= numSides || len(u.Members) == 0 || len(u.Members) > MaxMembers {
				return fmt.Errorf("unit %q with side %d and %d members", u.ID, u.Side, len(u.Members))
			}
		}
		for i := range c.UnitsSaved.Units {
			w.saveUnit(c.UnitsSaved.Units[i], c.At)
		}
	case c.UnitDeleted != nil:
		u := w.Units[c.UnitDeleted.ID]
		if u == nil {
			return fmt.Errorf("unknown unit %q", c.UnitDeleted.ID)
		}
		w.counts.addUnit(u, -1)
		w.unindexUnit(u)
		delete(w.Units, u.ID)
		w.dropGuestLinks(u.ID)
	case c.Invited != nil:
		for _, g := range c.Invited.Grants {
			if err := w.grant(g); err != nil {
				return err
			}
		}
	case c.Uninvited != nil:
		for _, p := range c.Uninvited.Pairs {
			w.uninvite(p)
		}
	case c.RSVPRecorded != nil:
		return w.recordRSVP(c.RSVPRecorded, c.Seq)
	case c.ImportRecorded != nil:
		w.recordImport(c.ImportRecorded)
	case c.MergeResolved != nil:
		return w.resolveMerge(c.MergeResolved)
	case c.PeopleMerged != nil:
		if err := w.mergePeople(c.PeopleMerged); err != nil {
			return err
		}
	case c.ConsentRecorded != nil:
		if c.ConsentRecorded.Phone == "" || c.ConsentRecorded.Entry.Status > OptedOut {
			return fmt.Errorf("consent %d for phone %q", c.ConsentRecorded.Entry.Status, c.ConsentRecorded.Phone)
		}
		w.recordConsent(c.ConsentRecorded)
	case c.CampaignCreated != nil:
		return w.applyCampaignCreated(c.CampaignCreated)
	case c.CampaignStateSet != nil:
		return w.applyCampaignState(c.CampaignStateSet, c.At)
	case c.MessagesUpdated != nil:
		return w.applyMessagesUpdated(c.MessagesUpdated, c.At)
	case c.WebsiteSaved != nil, c.WebsitePublished != nil:
		return w.applyWebsite(c)
	case c.GuestLinkIssued != nil, c.GuestLinksRevoked != nil:
		return w.applyGuestLinks(c)
	case c.AttentionAdded != nil:
		if c.AttentionAdded.Item.ID == "" || w.attentionIndex(c.AttentionAdded.Item.ID) >= 0 {
			return fmt.Errorf("attention item %q", c.AttentionAdded.Item.ID)
		}
		w.Attention = append(w.Attention, c.AttentionAdded.Item)
	case c.AttentionResolved != nil:
		i := w.attentionIndex(c.AttentionResolved.ID)
		if i < 0 {
			return fmt.Errorf("unknown attention item %q", c.AttentionResolved.ID)
		}
		w.Attention = append(w.Attention[:i:i], w.Attention[i+1:]...)
	default:
		return fmt.Errorf("empty change")
	}
	return nil
}

func (w *Wedding) saveEvent(e Event) {
	if old := w.Event(e.ID); old != nil {
		*old = e
	} else {
		w.Events = append(w.Events, e)
		w.counts.addEvent(e.ID)
	}
	sortEvents(w.Events)
}

func sortEvents(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].StartsAt != evs[j].StartsAt {
			return evs[i].StartsAt < evs[j].StartsAt
		}
		return evs[i].ID < evs[j].ID
	})
}

func (w *Wedding) deleteEvent(id string) {
	for _, u := range w.Units {
		w.uninvite(Pair{UnitID: u.ID, EventID: id})
	}
	for i := range w.Events {
		if w.Events[i].ID == id {
			w.Events = append(w.Events[:i:i], w.Events[i+1:]...)
			break
		}
	}
	delete(w.counts.events, id)
}

func (w *Wedding) saveUnit(u Unit, at Instant) {
	if old := w.Units[u.ID]; old != nil {
		w.counts.addUnit(old, -1)
		w.unindexUnit(old)
		u.Invitations = old.Invitations
		u.CreatedAt = old.CreatedAt
	} else {
		u.Invitations = nil
		u.CreatedAt = at
	}
	u.UpdatedAt = at
	nu := &u
	w.Units[u.ID] = nu
	w.indexUnit(nu)
	w.counts.addUnit(nu, 1)
}

func (w *Wedding) grant(g Grant) error {
	u := w.Units[g.UnitID]
	if u == nil || w.Event(g.EventID) == nil {
		return fmt.Errorf("grant for unknown unit %q or event %q", g.UnitID, g.EventID)
	}
	if g.Seats < 1 || g.Seats > MaxSeats {
		return fmt.Errorf("grant of %d seats", g.Seats)
	}
	// Take the unit out of the projection and put it back: simplest way to
	// keep every counter (including distinct invited units) exact.
	w.counts.addUnit(u, -1)
	if inv := u.Invitation(g.EventID); inv != nil {
		inv.Seats = g.Seats
		if inv.RSVP.Headcount > g.Seats {
			inv.RSVP.Headcount = g.Seats
		}
	} else {
		// Grown to the exact length: units get their invitations an event
		// (or a few) at a time, and append's doubling left a 10-event
		// wedding's units with room for 16, ~40% of its invitations'
		// memory unused (a snapshot-loaded wedding has exact slices; a
		// live one should not cost more).
		n := len(u.Invitations)
		grown := make([]Invitation, n+1)
		copy(grown, u.Invitations)
		grown[n] = Invitation{EventID: g.EventID, Seats: g.Seats}
		u.Invitations = grown
	}
	w.counts.addUnit(u, 1)
	return nil
}

func (w *Wedding) uninvite(p Pair) {
	u := w.Units[p.UnitID]
	if u == nil {
		return
	}
	for i := range u.Invitations {
		if u.Invitations[i].EventID == p.EventID {
			w.counts.addUnit(u, -1)
			u.Invitations = append(u.Invitations[:i:i], u.Invitations[i+1:]...)
			w.counts.addUnit(u, 1)
			return
		}
	}
}

func (w *Wedding) recordRSVP(r *RSVPRecorded, seq uint64) error {
	u := w.Units[r.UnitID]
	if u == nil {
		return fmt.Errorf("rsvp for unknown unit %q", r.UnitID)
	}
	inv := u.Invitation(r.EventID)
	if inv == nil {
		return fmt.Errorf("rsvp for unit %q not invited to %q", r.UnitID, r.EventID)
	}
	if r.Headcount < 0 || r.Headcount > inv.Seats {
		return fmt.Errorf("rsvp headcount %d outside 0..%d", r.Headcount, inv.Seats)
	}
	ev := w.counts.events[r.EventID]
	if ev == nil || u.Side >= numSides || r.Status > Maybe {
		return fmt.Errorf("rsvp for unit %q at event %q does not fit the state", r.UnitID, r.EventID)
	}
	ev[u.Side].addInvitation(inv, -1)
	inv.RSVP = RSVP{Status: r.Status, Headcount: r.Headcount, Source: r.Source, AnsweredAt: r.AnsweredAt, Note: r.Note, Seq: seq}
	ev[u.Side].addInvitation(inv, 1)
	return nil
}

// Counts are one event's numbers for one set of units.
type Counts struct {
	InvitedUnits int32 `json:"invited_units"`
	InvitedSeats int32 `json:"invited_seats"`
	YesUnits     int32 `json:"yes_units"`
	YesHeadcount int32 `json:"yes_headcount"`
	MaybeUnits   int32 `json:"maybe_units"`
	NoUnits      int32 `json:"no_units"`
	PendingUnits int32 `json:"pending_units"`
}

func (c *Counts) addInvitation(inv *Invitation, d int32) {
	c.InvitedUnits += d
	c.InvitedSeats += d * inv.Seats
	switch inv.RSVP.Status {
	case Yes:
		c.YesUnits += d
		c.YesHeadcount += d * inv.RSVP.Headcount
	case No:
		c.NoUnits += d
	case Maybe:
		c.MaybeUnits += d
	default:
		c.PendingUnits += d
	}
}

func (c *Counts) plus(o Counts) {
	c.InvitedUnits += o.InvitedUnits
	c.InvitedSeats += o.InvitedSeats
	c.YesUnits += o.YesUnits
	c.YesHeadcount += o.YesHeadcount
	c.MaybeUnits += o.MaybeUnits
	c.NoUnits += o.NoUnits
	c.PendingUnits += o.PendingUnits
}

// projection keeps per-event, per-side counts, updated in O(1) per
// invitation touched.
type projection struct {
	events map[string]*[numSides]Counts
	// invitedUnits counts, per side, units invited to at least one event.
	invitedUnits [numSides]int32
}

func newProjection() projection {
	return projection{events: map[string]*[numSides]Counts{}}
}

func (p *projection) addEvent(id string) {
	if p.events[id] == nil {
		p.events[id] = new([numSides]Counts)
	}
}

// addUnit adds (d=1) or removes (d=-1) everything a unit contributes.
func (p *projection) addUnit(u *Unit, d int32) {
	if u.Side >= numSides {
		return
	}
	n := 0
	for i := range u.Invitations {
		inv := &u.Invitations[i]
		if ev := p.events[inv.EventID]; ev != nil {
			ev[u.Side].addInvitation(inv, d)
			n++
		}
	}
	if n > 0 {
		p.invitedUnits[u.Side] += d
	}
}
