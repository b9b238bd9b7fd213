package domain_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// Principals used throughout the tests. Token ids are arbitrary: the domain
// only copies them into Change.By.
var (
	owner      = domain.Principal{TokenID: "t-owner", Role: domain.RoleOwner}
	admin      = domain.Principal{TokenID: "t-admin", Role: domain.RoleAdmin}
	viewer     = domain.Principal{TokenID: "t-viewer", Role: domain.RoleViewer}
	brideAdmin = domain.Principal{TokenID: "t-bride", Role: domain.RoleSideAdmin, Side: domain.SideBride}
	groomAdmin = domain.Principal{TokenID: "t-groom", Role: domain.RoleSideAdmin, Side: domain.SideGroom}
	// guest is the zero principal: no token (a guest answering on WhatsApp
	// or the web page).
	guest = domain.Principal{}
)

// t0 is the wedding's creation time; tests step the clock from there.
const t0 = domain.Instant(1_760_000_000_000_000_000)

// phone returns the n-th valid Indian mobile number of the test pool.
func phone(n int) string { return fmt.Sprintf("+9198765%05d", n) }

func ptr[T any](v T) *T { return &v }

func hash(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// seqID is the id the domain allocates for the change with sequence seq.
func seqID(prefix string, seq uint64) string { return prefix + strconv.FormatUint(seq, 36) }

// fixture is a wedding plus a clock and the journal of every change it has
// produced, so tests can replay it.
type fixture struct {
	t       testing.TB
	w       *domain.Wedding
	now     domain.Instant
	journal []domain.Change
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{t: t, w: domain.New(), now: t0}
	f.must(domain.Root, &domain.CreateWedding{ID: "w1", Name: "Asha & Rohan", Slug: "asha-rohan", Date: "2026-02-14"})
	return f
}

// exec runs cmd one clock tick after the previous command.
func (f *fixture) exec(by domain.Principal, cmd domain.Command) ([]domain.Change, any, error) {
	f.now += domain.Instant(1_000_000_000)
	changes, out, err := f.w.Execute(cmd, domain.Meta{By: by, Now: f.now})
	f.journal = append(f.journal, changes...)
	return changes, out, err
}

func (f *fixture) must(by domain.Principal, cmd domain.Command) any {
	f.t.Helper()
	_, out, err := f.exec(by, cmd)
	if err != nil {
		f.t.Fatalf("%T: %v", cmd, err)
	}
	return out
}

func (f *fixture) addEvent(name string, startsAt domain.Instant) string {
	f.t.Helper()
	return f.must(admin, &domain.AddEvent{Name: name, StartsAt: startsAt}).(domain.Event).ID
}

// addUnit adds a unit with one member per phone (named after the unit).
func (f *fixture) addUnit(by domain.Principal, name string, side domain.Side, tags []string, phones ...string) domain.Unit {
	f.t.Helper()
	in := domain.UnitInput{Name: name, Side: side, Tags: tags}
	for i, p := range phones {
		in.Members = append(in.Members, domain.MemberInput{Name: name + " " + strconv.Itoa(i), Phone: p})
	}
	return f.must(by, &domain.AddUnit{Unit: in}).(domain.Unit)
}

func (f *fixture) invite(unitID string, seats int32, eventIDs ...string) {
	f.t.Helper()
	f.must(admin, &domain.Invite{EventIDs: eventIDs, UnitIDs: []string{unitID}, Seats: seats})
}

func (f *fixture) rsvp(unitID, eventID string, st domain.RSVPStatus, headcount *int32) {
	f.t.Helper()
	f.must(admin, &domain.SetRSVP{UnitID: unitID, EventID: eventID, Status: st, Headcount: headcount})
}

func (f *fixture) unit(id string) *domain.Unit {
	f.t.Helper()
	u := f.w.Units[id]
	if u == nil {
		f.t.Fatalf("unit %s does not exist", id)
	}
	return u
}

// checkErr asserts that err is a *domain.Error of the sentinel's kind with
// the given code and field.
func checkErr(t testing.TB, err, kind error, code, field string) *domain.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v (code %s, field %q)", kind, code, field)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("err = %v, not of kind %v", err, kind)
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("err = %T, want *domain.Error", err)
	}
	if de.Code != code {
		t.Errorf("code = %q, want %q (%v)", de.Code, code, err)
	}
	if de.Field != field {
		t.Errorf("field = %q, want %q (%v)", de.Field, field, err)
	}
	return de
}

// cloneState deep-copies the exported state into a new Wedding and
// reindexes it, as loading a snapshot does.
func cloneState(w *domain.Wedding) *domain.Wedding {
	c := &domain.Wedding{
		Info:   w.Info,
		Seq:    w.Seq,
		LastAt: w.LastAt,
		Events: slices.Clone(w.Events),
		Tokens: slices.Clone(w.Tokens),
		Kept:   slices.Clone(w.Kept),
		Units:  make(map[string]*domain.Unit, len(w.Units)),
	}
	for phone, l := range w.Consent {
		if c.Consent == nil {
			c.Consent = map[string][]domain.ConsentEntry{}
		}
		c.Consent[phone] = slices.Clone(l)
	}
	c.Attention = slices.Clone(w.Attention)
	c.Imports = slices.Clone(w.Imports)
	c.Suggestions = slices.Clone(w.Suggestions)
	for i := range c.Suggestions {
		c.Suggestions[i].Fields = slices.Clone(w.Suggestions[i].Fields)
	}
	for _, camp := range w.Campaigns {
		cc := *camp
		cc.EventIDs = slices.Clone(camp.EventIDs)
		cc.PriorityTags = slices.Clone(camp.PriorityTags)
		cc.Messages = slices.Clone(camp.Messages)
		for i := range cc.Messages {
			cc.Messages[i].History = slices.Clone(camp.Messages[i].History)
		}
		c.Campaigns = append(c.Campaigns, &cc)
	}
	for id, u := range w.Units {
		cu := *u
		cu.Tags = slices.Clone(u.Tags)
		cu.Members = slices.Clone(u.Members)
		cu.Invitations = slices.Clone(u.Invitations)
		c.Units[id] = &cu
	}
	c.Reindex()
	return c
}

// checkReplay fails unless replaying f's journal gives f's wedding.
func checkReplay(t testing.TB, f *fixture) {
	t.Helper()
	if d := stateDiff(f.w, replay(t, f.journal)); d != "" {
		t.Fatalf("replay differs from live: %s", d)
	}
}

// replay applies changes to a new wedding.
func replay(t testing.TB, changes []domain.Change) *domain.Wedding {
	t.Helper()
	w := domain.New()
	for i := range changes {
		if err := w.Apply(&changes[i]); err != nil {
			t.Fatalf("replay change %d (%s): %v", i, changes[i].Kind(), err)
		}
	}
	return w
}

// stateDiff compares the exported state of two weddings (units by value)
// and describes the first difference, or returns "".
func stateDiff(a, b *domain.Wedding) string {
	switch {
	case a.Info != b.Info:
		return fmt.Sprintf("info %+v != %+v", a.Info, b.Info)
	case a.Seq != b.Seq:
		return fmt.Sprintf("seq %d != %d", a.Seq, b.Seq)
	case a.LastAt != b.LastAt:
		return fmt.Sprintf("last_at %d != %d", a.LastAt, b.LastAt)
	case !equalSlices(a.Events, b.Events):
		return fmt.Sprintf("events %+v != %+v", a.Events, b.Events)
	case !equalSlices(a.Tokens, b.Tokens):
		return fmt.Sprintf("tokens %+v != %+v", a.Tokens, b.Tokens)
	case !equalSlices(a.Kept, b.Kept):
		return fmt.Sprintf("kept answers %+v != %+v", a.Kept, b.Kept)
	case len(a.Units) != len(b.Units):
		return fmt.Sprintf("%d units != %d units", len(a.Units), len(b.Units))
	case len(a.Consent) != len(b.Consent) || len(a.Consent) > 0 && !reflect.DeepEqual(a.Consent, b.Consent):
		return fmt.Sprintf("consent %+v != %+v", a.Consent, b.Consent)
	case !equalSlices(a.Attention, b.Attention):
		return fmt.Sprintf("attention %+v != %+v", a.Attention, b.Attention)
	case !equalSlices(a.Campaigns, b.Campaigns):
		return fmt.Sprintf("campaigns differ: %d != %d", len(a.Campaigns), len(b.Campaigns))
	case !equalSlices(a.Imports, b.Imports):
		return fmt.Sprintf("imports %+v != %+v", a.Imports, b.Imports)
	case !equalSlices(a.Suggestions, b.Suggestions):
		return fmt.Sprintf("merge suggestions %+v != %+v", a.Suggestions, b.Suggestions)
	}
	for id, u := range a.Units {
		v := b.Units[id]
		if v == nil {
			return fmt.Sprintf("unit %s missing", id)
		}
		if !reflect.DeepEqual(normUnit(*u), normUnit(*v)) {
			return fmt.Sprintf("unit %s: %+v != %+v", id, *u, *v)
		}
	}
	return ""
}

// equalSlices treats nil and empty alike: whether a slice was ever
// allocated is not state.
func equalSlices[T any](a, b []T) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func normUnit(u domain.Unit) domain.Unit {
	if len(u.Tags) == 0 {
		u.Tags = nil
	}
	if len(u.Members) == 0 {
		u.Members = nil
	}
	if len(u.Invitations) == 0 {
		u.Invitations = nil
	}
	return u
}

// headcountDiff compares the exported headcounts of two views.
func headcountDiff(a, b *domain.View) string {
	if a.WeddingID != b.WeddingID || a.Info() != b.Info() || a.Seq != b.Seq || a.AsOf != b.AsOf {
		return fmt.Sprintf("header %s/%d/%d != %s/%d/%d", a.WeddingID, a.Seq, a.AsOf, b.WeddingID, b.Seq, b.AsOf)
	}
	for _, sc := range []struct {
		name string
		a, b domain.Headcount
	}{{"all", a.All(), b.All()}, {"bride", a.Bride(), b.Bride()}, {"groom", a.Groom(), b.Groom()}} {
		if !headcountEqual(sc.a, tableOf(sc.b)) {
			return fmt.Sprintf("%s %+v != %+v", sc.name, tableOf(sc.a), tableOf(sc.b))
		}
	}
	return ""
}

// naiveHeadcounts is the oracle: it counts the headcounts straight from the
// units, sharing no code with the projection.
func naiveHeadcounts(w *domain.Wedding) (all, bride, groom table) {
	scope := func(sides ...domain.Side) table {
		var h table
		h.Events = []domain.EventHeadcount{}
		ids := make([]string, 0, len(w.Units))
		for id := range w.Units {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		invited := map[string]bool{}
		for _, e := range w.Events {
			eh := domain.EventHeadcount{EventID: e.ID, Name: e.Name}
			for _, id := range ids {
				u := w.Units[id]
				if !slices.Contains(sides, u.Side) {
					continue
				}
				inv := u.Invitation(e.ID)
				if inv == nil {
					continue
				}
				invited[u.ID] = true
				eh.InvitedUnits++
				eh.InvitedSeats += inv.Seats
				switch inv.RSVP.Status {
				case domain.Yes:
					eh.YesUnits++
					eh.YesHeadcount += inv.RSVP.Headcount
				case domain.No:
					eh.NoUnits++
				case domain.Maybe:
					eh.MaybeUnits++
				default:
					eh.PendingUnits++
				}
			}
			h.Events = append(h.Events, eh)
			h.Totals.InvitedSeats += eh.InvitedSeats
			h.Totals.YesUnits += eh.YesUnits
			h.Totals.YesHeadcount += eh.YesHeadcount
			h.Totals.MaybeUnits += eh.MaybeUnits
			h.Totals.NoUnits += eh.NoUnits
			h.Totals.PendingUnits += eh.PendingUnits
		}
		h.Totals.InvitedUnits = int32(len(invited))
		return h
	}
	return scope(domain.SideBoth, domain.SideBride, domain.SideGroom),
		scope(domain.SideBoth, domain.SideBride),
		scope(domain.SideBoth, domain.SideGroom)
}

// table is a headcount as plain data, for comparisons.
type table struct {
	Events []domain.EventHeadcount
	Totals domain.Counts
}

func tableOf(h domain.Headcount) table { return table{Events: h.Events(), Totals: h.Totals()} }

func headcountEqual(h domain.Headcount, b table) bool {
	return h.Totals() == b.Totals && equalSlices(h.Events(), b.Events)
}
