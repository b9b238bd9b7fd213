package domain

import (
	"fmt"
	"slices"
)

// Merge suggestions (API.md "Import, export, audit"): the same uncle
// appears three times with three spellings and two numbers. An import
// never overwrites a person silently; it suggests, and a person decides:
//
//   - same_phone: an import row carries the phone of a person already in
//     the wedding, with other data (a name spelt otherwise, another
//     email). Accepting takes the incoming name and email.
//   - same_name: two people of the same name (case and spacing aside) with
//     different phones, in one household or one on each of the bride's and
//     groom's lists. Accepting merges the incoming person into the
//     existing one (and, when asked, or when it leaves a household empty,
//     the incoming household into the existing one), keeping every
//     invitation, RSVP, message and consent entry.
//
// Dismissing records that. Both are journaled, so both are audited.

// MergeKind is what a suggestion rests on.
type MergeKind uint8

// NB: persisted; must not change.
const (
	MergeSamePhone MergeKind = 0
	MergeSameName  MergeKind = 1
)

func (k MergeKind) String() string {
	if k == MergeSameName {
		return "same_name"
	}
	return "same_phone"
}

// MergeState is where a suggestion is.
type MergeState uint8

// NB: persisted; must not change.
const (
	MergeOpen      MergeState = 0
	MergeAccepted  MergeState = 1
	MergeDismissed MergeState = 2
)

func (s MergeState) String() string {
	switch s {
	case MergeAccepted:
		return "accepted"
	case MergeDismissed:
		return "dismissed"
	}
	return "open"
}

// MergePerson is one side of a suggestion, as it was when suggested.
type MergePerson struct {
	PersonID  string `msgpack:"p,omitempty"` // "" for an import row
	UnitID    string `msgpack:"u,omitempty"`
	Name      string `msgpack:"n"`
	Phone     string `msgpack:"ph,omitempty"`
	Email     string `msgpack:"e,omitempty"`
	Household string `msgpack:"h,omitempty"`
	Line      int32  `msgpack:"l,omitempty"` // its row in the import
}

// MergeSuggestion is one suggested merge.
type MergeSuggestion struct {
	ID       string      `msgpack:"id"`
	Kind     MergeKind   `msgpack:"k"`
	Existing MergePerson `msgpack:"x"`
	Incoming MergePerson `msgpack:"in"`
	Fields   []string    `msgpack:"f"` // the fields that differ
	ImportID string      `msgpack:"im,omitempty"`
	State    MergeState  `msgpack:"st,omitempty"`
}

// MaxSuggestions bounds the suggestions a wedding keeps; resolved ones go
// first when it is full.
const MaxSuggestions = 10_000

func personOf(u *Unit, p *Person) MergePerson {
	return MergePerson{PersonID: p.ID, UnitID: u.ID, Name: p.Name, Phone: p.Phone, Email: p.Email, Household: u.Name}
}

// suggestionOpen reports whether an open suggestion of kind already offers
// incoming's data for person personID.
func (w *Wedding) suggestionOpen(kind MergeKind, personID string, in MergePerson) bool {
	for i := range w.Suggestions {
		s := &w.Suggestions[i]
		if s.State == MergeOpen && s.Kind == kind && s.Existing.PersonID == personID &&
			s.Incoming.Name == in.Name && s.Incoming.Email == in.Email && s.Incoming.Household == in.Household {
			return true
		}
	}
	return false
}

func (w *Wedding) suggestion(id string) *MergeSuggestion {
	for i := range w.Suggestions {
		if w.Suggestions[i].ID == id {
			return &w.Suggestions[i]
		}
	}
	return nil
}

// visibleTo reports whether p may see both people of s.
func (s *MergeSuggestion) visibleTo(w *Wedding, p Principal) bool {
	for _, id := range []string{s.Existing.UnitID, s.Incoming.UnitID} {
		if id == "" {
			continue
		}
		if u := w.Units[id]; u != nil && !p.SeesSide(u.Side) {
			return false
		}
	}
	return true
}

// ListMergeSuggestions is the open suggestions a token may see, oldest
// first.
type ListMergeSuggestions struct{}

// Run implements Query.
func (ListMergeSuggestions) Run(w *Wedding, p Principal) (any, error) {
	out := []MergeSuggestion{}
	for i := range w.Suggestions {
		if s := &w.Suggestions[i]; s.State == MergeOpen && s.visibleTo(w, p) {
			out = append(out, *s)
		}
	}
	return out, nil
}

// ResolveMergeSuggestion accepts or dismisses a suggestion. Units asks a
// same_name merge to merge the two households as well.
type ResolveMergeSuggestion struct {
	ID      string
	Dismiss bool
	Units   bool
}

// MergeResolved records what became of a suggestion.
type MergeResolved struct {
	ID    string     `msgpack:"id"`
	State MergeState `msgpack:"st"`
}

// PeopleMerged merges person Drop into person Keep (a same_name merge):
// Keep's unit gains Drop's invitations and members when Units is set (or
// Drop was alone in its unit, whose invitations would be lost otherwise),
// Drop's attention items become Keep's, Drop's phone's consent entries
// join Keep's phone's ledger, and messages stay the history of the
// household they were sent to.
type PeopleMerged struct {
	Keep  string `msgpack:"k"`
	Drop  string `msgpack:"d"`
	Units bool   `msgpack:"u,omitempty"`
}

// MergeResult is what resolving a suggestion did.
type MergeResult struct {
	Suggestion MergeSuggestion
	// UnitID is the unit the merged person is in now ("" if dismissed).
	UnitID string
}

func (c *ResolveMergeSuggestion) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	s := w.suggestion(c.ID)
	if s == nil || !s.visibleTo(w, m.By) {
		return nil, nil, notFound("id", "merge suggestion", c.ID)
	}
	if s.State != MergeOpen {
		return nil, nil, conflict("suggestion_resolved", "id", "", "this suggestion was %s already", s.State)
	}
	res := MergeResult{Suggestion: *s}
	if c.Dismiss {
		res.Suggestion.State = MergeDismissed
		return []Change{{MergeResolved: &MergeResolved{ID: s.ID, State: MergeDismissed}}}, res, nil
	}
	res.Suggestion.State = MergeAccepted
	done := Change{MergeResolved: &MergeResolved{ID: s.ID, State: MergeAccepted}}
	eu, ep := w.person(s.Existing.PersonID)
	if eu == nil {
		return nil, nil, conflict("merge_stale", "id", "", "the existing person is no longer in the wedding; dismiss the suggestion")
	}
	switch s.Kind {
	case MergeSamePhone:
		if ep.Phone != s.Incoming.Phone {
			return nil, nil, conflict("merge_stale", "id", "", "the existing person's phone changed since; dismiss the suggestion")
		}
		u := *eu
		u.Members = slices.Clone(eu.Members)
		for i := range u.Members {
			if u.Members[i].ID == ep.ID {
				pm := &u.Members[i]
				pm.Name = s.Incoming.Name
				if s.Incoming.Email != "" {
					pm.Email = s.Incoming.Email
				}
				if s.ImportID != "" {
					pm.Sources = appendProvenance(slices.Clone(pm.Sources), Provenance{ImportID: s.ImportID, Source: w.importSource(s.ImportID), Line: s.Incoming.Line})
				}
			}
		}
		u.Invitations = nil
		res.UnitID = u.ID
		return []Change{{UnitsSaved: &UnitsSaved{Units: []Unit{u}}}, done}, res, nil
	default:
		du, _ := w.person(s.Incoming.PersonID)
		if du == nil {
			return nil, nil, conflict("merge_stale", "id", "", "the incoming person is no longer in the wedding; dismiss the suggestion")
		}
		moves := du != eu && (c.Units || len(du.Members) == 1)
		if moves && len(eu.Members)+len(du.Members)-1 > MaxMembers {
			return nil, nil, invalid("units", "the merged household would have more than %d members", MaxMembers)
		}
		res.UnitID = eu.ID
		if du != eu && !moves {
			res.UnitID = du.ID
		}
		return []Change{{PeopleMerged: &PeopleMerged{Keep: ep.ID, Drop: s.Incoming.PersonID, Units: moves}}, done}, res, nil
	}
}

func (w *Wedding) importSource(id string) string {
	for i := range w.Imports {
		if w.Imports[i].ID == id {
			return w.Imports[i].Source
		}
	}
	return ""
}

// recordImport applies ImportRecorded.
func (w *Wedding) recordImport(r *ImportRecorded) {
	w.Imports = append(w.Imports, r.Import)
	if len(w.Imports) > MaxImportSources {
		w.Imports = slices.Delete(w.Imports, 0, len(w.Imports)-MaxImportSources)
	}
	for _, s := range r.Suggestions {
		if len(w.Suggestions) >= MaxSuggestions {
			i := slices.IndexFunc(w.Suggestions, func(s MergeSuggestion) bool { return s.State != MergeOpen })
			if i < 0 {
				i = 0
			}
			w.Suggestions = slices.Delete(w.Suggestions, i, i+1)
		}
		w.Suggestions = append(w.Suggestions, s)
	}
}

// resolveMerge applies MergeResolved.
func (w *Wedding) resolveMerge(r *MergeResolved) error {
	s := w.suggestion(r.ID)
	if s == nil {
		return fmt.Errorf("unknown merge suggestion %q", r.ID)
	}
	s.State = r.State
	return nil
}

// mergePeople applies PeopleMerged.
func (w *Wedding) mergePeople(c *PeopleMerged) error {
	ku, kp := w.person(c.Keep)
	du, dp := w.person(c.Drop)
	if ku == nil || du == nil || c.Keep == c.Drop {
		return fmt.Errorf("merge of unknown people %q into %q", c.Drop, c.Keep)
	}
	keep, drop := *kp, *dp
	w.mergeConsent(keep, drop)
	w.counts.addUnit(ku, -1)
	w.unindexUnit(ku)
	if du != ku {
		w.counts.addUnit(du, -1)
		w.unindexUnit(du)
	}
	// Copies, not edits in place: a published view may share them.
	nk := *ku
	nk.Members = without(ku.Members, drop.ID)
	nk.Invitations = slices.Clone(ku.Invitations)
	unitOf := map[string]string{} // unit moves, for messages and attention
	if du != ku {
		nd := *du
		nd.Members = without(du.Members, drop.ID)
		nd.Invitations = slices.Clone(du.Invitations)
		if c.Units || len(nd.Members) == 0 {
			nk.Members = append(nk.Members, nd.Members...)
			for _, inv := range nd.Invitations {
				mergeInvitation(&nk, inv)
			}
			delete(w.Units, du.ID)
			w.dropGuestLinks(du.ID) // a household merged away has no page
			unitOf[du.ID] = ku.ID
		} else {
			fixPrimary(&nd)
			w.Units[nd.ID] = &nd
			w.indexUnit(&nd)
			w.counts.addUnit(&nd, 1)
		}
	}
	fixPrimary(&nk)
	w.Units[nk.ID] = &nk
	w.indexUnit(&nk)
	w.counts.addUnit(&nk, 1)
	// Attention items, waiting for a person, follow the person and the
	// household. Messages stay as they were sent, history of the household
	// they went to: a campaign holds one message per household, and two
	// merged households each had theirs (one not sent yet is skipped, as
	// for a deleted household, so the merged one is not messaged twice).
	for i := range w.Attention {
		a := &w.Attention[i]
		if a.PersonID == drop.ID {
			a.PersonID = keep.ID
		}
		if to, ok := unitOf[a.UnitID]; ok {
			a.UnitID = to
		}
	}
	return nil
}

// mergeConsent puts drop's phone's consent entries into keep's phone's
// ledger, in time order (the newest entry is what the ledger says now).
func (w *Wedding) mergeConsent(keep, drop Person) {
	from := w.Consent[drop.Phone]
	if len(from) == 0 || keep.Phone == "" || keep.Phone == drop.Phone {
		return
	}
	merged := slices.Clone(w.Consent[keep.Phone])
	for _, e := range from {
		e.PersonID = keep.ID
		e.Source = truncate("merged from "+drop.Phone+": "+e.Source, MaxConsentSourceLen)
		merged = append(merged, e)
	}
	slices.SortStableFunc(merged, func(a, b ConsentEntry) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	if len(merged) > MaxConsentEntries {
		merged = merged[len(merged)-MaxConsentEntries:]
	}
	if w.Consent == nil {
		w.Consent = map[string][]ConsentEntry{}
	}
	w.Consent[keep.Phone] = merged
}

// mergeInvitation adds inv to u: a new event as it is; an event u has,
// with the larger seats and the newer answer.
func mergeInvitation(u *Unit, inv Invitation) {
	have := u.Invitation(inv.EventID)
	if have == nil {
		u.Invitations = append(u.Invitations, inv)
		return
	}
	have.Seats = max(have.Seats, inv.Seats)
	if inv.RSVP.Status != Pending && inv.RSVP.AnsweredAt > have.RSVP.AnsweredAt {
		have.RSVP = inv.RSVP
	}
	if have.RSVP.Headcount > have.Seats {
		have.RSVP.Headcount = have.Seats
	}
}

func without(ps []Person, id string) []Person {
	out := make([]Person, 0, len(ps))
	for _, p := range ps {
		if p.ID != id {
			out = append(out, p)
		}
	}
	return out
}

// fixPrimary leaves u exactly one primary contact: the first marked, or,
// if none is left, the first member with a phone, else the first member.
func fixPrimary(u *Unit) {
	seen := false
	for i := range u.Members {
		if u.Members[i].Primary {
			if seen {
				u.Members[i].Primary = false
			}
			seen = true
		}
	}
	if seen {
		return
	}
	for i := range u.Members {
		if u.Members[i].Phone != "" {
			u.Members[i].Primary = true
			return
		}
	}
	if len(u.Members) > 0 {
		u.Members[0].Primary = true
	}
}
