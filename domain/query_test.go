package domain_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// queryScene invites bride and groom to haldi, bride to sangeet (invited to
// sangeet first, so its invitation slice is not in event order), and
// answers bride yes at haldi.
func queryScene(t *testing.T) *scene {
	t.Helper()
	s := newScene(t)
	s.invite(s.bride.ID, 0, s.sangeet)
	s.must(admin, &domain.Invite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.bride.ID, s.groom.ID}})
	s.rsvp(s.bride.ID, s.haldi, domain.Yes, nil)
	return s
}

func listUnits(t *testing.T, w *domain.Wedding, p domain.Principal, f domain.UnitFilter) domain.UnitPage {
	t.Helper()
	out, err := (domain.ListUnits{Filter: f}).Run(w, p)
	if err != nil {
		t.Fatal(err)
	}
	return out.(domain.UnitPage)
}

func listRSVPs(t *testing.T, w *domain.Wedding, p domain.Principal, f domain.RSVPFilter) domain.RSVPPage {
	t.Helper()
	out, err := (domain.ListRSVPs{Filter: f}).Run(w, p)
	if err != nil {
		t.Fatal(err)
	}
	return out.(domain.RSVPPage)
}

func unitNames(us []domain.Unit) []string {
	names := []string{}
	for _, u := range us {
		names = append(names, u.Name)
	}
	return names
}

func TestQuery_ListUnitsFilters(t *testing.T) {
	s := queryScene(t)
	// Unit ids follow creation: Sharma < Verma < Kapoor.
	tests := []struct {
		name string
		by   domain.Principal
		f    domain.UnitFilter
		want []string
	}{
		{"everything", admin, domain.UnitFilter{}, []string{"Sharma", "Verma", "Kapoor"}},
		{"side bride", admin, domain.UnitFilter{Side: ptr(domain.SideBride)}, []string{"Sharma"}},
		{"side both", viewer, domain.UnitFilter{Side: ptr(domain.SideBoth)}, []string{"Kapoor"}},
		{"tag", admin, domain.UnitFilter{Tag: "college"}, []string{"Verma", "Kapoor"}},
		{"tag nobody has", admin, domain.UnitFilter{Tag: "colleg"}, []string{}},
		{"name, any case", admin, domain.UnitFilter{Q: "  sHARm "}, []string{"Sharma"}},
		{"member name", admin, domain.UnitFilter{Q: "kapoor 0"}, []string{"Kapoor"}},
		{"phone digits", admin, domain.UnitFilter{Q: "9876500003"}, []string{"Verma"}},
		{"phone prefix matches all", admin, domain.UnitFilter{Q: "+91987650000"}, []string{"Sharma", "Verma", "Kapoor"}},
		{"invited to haldi", admin, domain.UnitFilter{EventID: s.haldi}, []string{"Sharma", "Verma"}},
		{"invited to sangeet", admin, domain.UnitFilter{EventID: s.sangeet}, []string{"Sharma"}},
		{"yes anywhere", admin, domain.UnitFilter{Status: ptr(domain.Yes)}, []string{"Sharma"}},
		{"pending anywhere", admin, domain.UnitFilter{Status: ptr(domain.Pending)}, []string{"Sharma", "Verma"}},
		{"yes at sangeet", admin, domain.UnitFilter{EventID: s.sangeet, Status: ptr(domain.Yes)}, []string{}},
		{"pending at haldi", admin, domain.UnitFilter{EventID: s.haldi, Status: ptr(domain.Pending)}, []string{"Verma"}},
		{"filters combine", admin, domain.UnitFilter{Tag: "college", EventID: s.haldi}, []string{"Verma"}},
		{"bride admin sees bride and both", brideAdmin, domain.UnitFilter{}, []string{"Sharma", "Kapoor"}},
		{"bride admin asks for groom", brideAdmin, domain.UnitFilter{Side: ptr(domain.SideGroom)}, []string{}},
		{"groom admin by phone of bride", groomAdmin, domain.UnitFilter{Q: "9876500001"}, []string{}},
		{"after cursor", admin, domain.UnitFilter{After: s.bride.ID}, []string{"Verma", "Kapoor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := listUnits(t, s.w, tt.by, tt.f)
			if got := unitNames(page.Units); !slices.Equal(got, tt.want) {
				t.Fatalf("units = %v, want %v", got, tt.want)
			}
			if page.Next != "" {
				t.Fatalf("Next = %q on the only page", page.Next)
			}
		})
	}
}

func TestQuery_ListUnitsPagination(t *testing.T) {
	s := newScene(t)
	batch := make([]domain.UnitInput, 120)
	for i := range batch {
		batch[i] = domain.UnitInput{Side: domain.Side(i % 3), Members: []domain.MemberInput{{Name: "guest " + strconv.Itoa(i)}}}
	}
	s.must(admin, &domain.AddUnits{Units: batch})
	tests := []struct {
		name  string
		by    domain.Principal
		f     domain.UnitFilter
		limit int
	}{
		{"pages of 7", admin, domain.UnitFilter{}, 7},
		{"pages of 1", admin, domain.UnitFilter{}, 1},
		{"one exact page", admin, domain.UnitFilter{}, 123},
		{"filtered pages", admin, domain.UnitFilter{Side: ptr(domain.SideGroom)}, 10},
		{"side admin pages", brideAdmin, domain.UnitFilter{}, 9},
		{"default limit", admin, domain.UnitFilter{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			f.Limit = 100000
			all := listUnits(t, s.w, tt.by, f)
			limit := tt.limit
			if limit == 0 {
				limit = 100
			}
			var got []string
			f.Limit, f.After = tt.limit, ""
			for pages := 0; ; pages++ {
				if pages > len(all.Units) {
					t.Fatal("pagination does not end")
				}
				page := listUnits(t, s.w, tt.by, f)
				if len(page.Units) > limit {
					t.Fatalf("page of %d, limit %d", len(page.Units), limit)
				}
				for _, u := range page.Units {
					got = append(got, u.ID)
				}
				if page.Next == "" {
					break
				}
				if page.Next != page.Units[len(page.Units)-1].ID {
					t.Fatalf("Next = %q, last unit %q", page.Next, page.Units[len(page.Units)-1].ID)
				}
				f.After = page.Next
			}
			var want []string
			for _, u := range all.Units {
				want = append(want, u.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged ids %v\nwant %v", got, want)
			}
			if !slices.IsSorted(want) {
				t.Fatalf("units not in id order: %v", want)
			}
		})
	}
	t.Run("default limit is 100", func(t *testing.T) {
		if page := listUnits(t, s.w, admin, domain.UnitFilter{}); len(page.Units) != 100 || page.Next == "" {
			t.Fatalf("%d units, next %q", len(page.Units), page.Next)
		}
	})
}

func TestQuery_ListRSVPs(t *testing.T) {
	s := queryScene(t)
	row := func(u domain.Unit, ev string) string {
		return u.Name + "/" + map[string]string{s.haldi: "haldi", s.sangeet: "sangeet"}[ev]
	}
	tests := []struct {
		name string
		by   domain.Principal
		f    domain.RSVPFilter
		want []string
	}{
		{"unit, then event time", admin, domain.RSVPFilter{}, []string{"Sharma/haldi", "Sharma/sangeet", "Verma/haldi"}},
		{"one event", admin, domain.RSVPFilter{EventID: s.sangeet}, []string{"Sharma/sangeet"}},
		{"status", admin, domain.RSVPFilter{Status: ptr(domain.Pending)}, []string{"Sharma/sangeet", "Verma/haldi"}},
		{"one unit", admin, domain.RSVPFilter{UnitID: s.bride.ID}, []string{"Sharma/haldi", "Sharma/sangeet"}},
		{"unit not invited", admin, domain.RSVPFilter{UnitID: s.both.ID}, nil},
		{"bride admin", brideAdmin, domain.RSVPFilter{}, []string{"Sharma/haldi", "Sharma/sangeet"}},
		{"bride admin names groom unit", brideAdmin, domain.RSVPFilter{UnitID: s.groom.ID}, nil},
		{"after a row", admin, domain.RSVPFilter{After: listRSVPs(t, s.w, admin, domain.RSVPFilter{Limit: 1}).Next}, []string{"Sharma/sangeet", "Verma/haldi"}},
	}
	byName := map[string]domain.Unit{s.bride.ID: s.bride, s.groom.ID: s.groom, s.both.ID: s.both}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := listRSVPs(t, s.w, tt.by, tt.f)
			var got []string
			for _, r := range page.Rows {
				got = append(got, row(byName[r.UnitID], r.EventID))
				inv := s.unit(r.UnitID).Invitation(r.EventID)
				if r.Seats != inv.Seats || r.RSVP != inv.RSVP {
					t.Fatalf("row %+v, stored %+v", r, *inv)
				}
			}
			if !slices.Equal(got, tt.want) || page.Next != "" {
				t.Fatalf("rows = %v next %q, want %v", got, page.Next, tt.want)
			}
		})
	}
	t.Run("moving an event reorders rows", func(t *testing.T) {
		s.must(admin, &domain.UpdateEvent{ID: s.haldi, StartsAt: ptr(t0 + 5*day)})
		page := listRSVPs(t, s.w, admin, domain.RSVPFilter{UnitID: s.bride.ID})
		if len(page.Rows) != 2 || page.Rows[0].EventID != s.sangeet || page.Rows[1].EventID != s.haldi {
			t.Fatalf("rows = %+v", page.Rows)
		}
	})
}

func TestQuery_ListRSVPsPagination(t *testing.T) {
	s := newScene(t)
	s.addEvent("Reception", t0+3*day)
	batch := make([]domain.UnitInput, 25)
	for i := range batch {
		batch[i] = domain.UnitInput{Members: []domain.MemberInput{{Name: "guest " + strconv.Itoa(i)}}}
	}
	s.must(admin, &domain.AddUnits{Units: batch})
	// Every unit invited to some of the events, in changing orders.
	ids := make([]string, 0, len(s.w.Units))
	for id := range s.w.Units {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	events := []string{s.w.Events[2].ID, s.w.Events[0].ID, s.w.Events[1].ID}
	for i, id := range ids {
		for j, e := range events {
			if (i+j)%4 != 0 {
				s.invite(id, 0, e)
			}
		}
		if i%3 == 0 && s.unit(id).Invitation(s.w.Events[1].ID) != nil {
			s.rsvp(id, s.w.Events[1].ID, domain.No, nil)
		}
	}
	filters := []struct {
		name string
		f    domain.RSVPFilter
	}{
		{"all", domain.RSVPFilter{}},
		{"pending", domain.RSVPFilter{Status: ptr(domain.Pending)}},
		{"first event", domain.RSVPFilter{EventID: s.w.Events[0].ID}},
	}
	for _, ff := range filters {
		f := ff.f
		all := listRSVPs(t, s.w, admin, domain.RSVPFilter{EventID: f.EventID, Status: f.Status, Limit: 100000})
		for _, limit := range []int{1, 2, 5, len(all.Rows)} {
			t.Run(ff.name+"/limit "+strconv.Itoa(limit)+" of "+strconv.Itoa(len(all.Rows)), func(t *testing.T) {
				var got []domain.RSVPRow
				f := f
				f.Limit, f.After = limit, ""
				for pages := 0; ; pages++ {
					if pages > len(all.Rows)+1 {
						t.Fatal("pagination does not end")
					}
					page := listRSVPs(t, s.w, admin, f)
					if len(page.Rows) > limit {
						t.Fatalf("page of %d rows, limit %d", len(page.Rows), limit)
					}
					got = append(got, page.Rows...)
					if page.Next == "" {
						break
					}
					last := page.Rows[len(page.Rows)-1]
					// The cursor is opaque; it starts with the last row's unit.
					if !strings.HasPrefix(page.Next, last.UnitID+"/") {
						t.Fatalf("Next = %q, last row %+v", page.Next, last)
					}
					f.After = page.Next
				}
				if !slices.Equal(got, all.Rows) {
					t.Fatalf("paged rows differ:\n got %+v\nwant %+v", got, all.Rows)
				}
			})
		}
		// The full list is in (unit id, event time) order.
		order := map[string]int{}
		for i, e := range s.w.Events {
			order[e.ID] = i
		}
		for i := 1; i < len(all.Rows); i++ {
			a, b := all.Rows[i-1], all.Rows[i]
			if a.UnitID > b.UnitID || a.UnitID == b.UnitID && order[a.EventID] >= order[b.EventID] {
				t.Fatalf("rows %d and %d out of order: %+v %+v", i-1, i, a, b)
			}
		}
	}
}

func TestQuery_GetUnit(t *testing.T) {
	s := queryScene(t)
	tests := []struct {
		name    string
		by      domain.Principal
		id      string
		wantErr error
	}{
		{"admin", admin, s.bride.ID, nil},
		{"viewer sees everything", viewer, s.groom.ID, nil},
		{"bride admin, bride unit", brideAdmin, s.bride.ID, nil},
		{"bride admin, unit of both", brideAdmin, s.both.ID, nil},
		{"bride admin, groom unit", brideAdmin, s.groom.ID, domain.ErrNotFound},
		{"groom admin, bride unit", groomAdmin, s.bride.ID, domain.ErrNotFound},
		{"unknown", admin, "u999", domain.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := (domain.GetUnit{ID: tt.id}).Run(s.w, tt.by)
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr, "not_found", "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u := out.(domain.Unit)
			if d := stateDiff(&domain.Wedding{Units: map[string]*domain.Unit{"x": &u}}, &domain.Wedding{Units: map[string]*domain.Unit{"x": s.unit(tt.id)}}); d != "" {
				t.Fatal(d)
			}
		})
	}
	t.Run("result is a copy", func(t *testing.T) {
		out, _ := (domain.GetUnit{ID: s.bride.ID}).Run(s.w, admin)
		u := out.(domain.Unit)
		u.Invitations[0].Seats = 99
		u.Invitations[0].RSVP.Status = domain.No
		page := listUnits(t, s.w, admin, domain.UnitFilter{})
		page.Units[0].Invitations[0].Seats = 98
		for _, inv := range s.unit(s.bride.ID).Invitations {
			if inv.Seats == 99 || inv.Seats == 98 {
				t.Fatalf("state changed through a query result: %+v", inv)
			}
		}
		if d := stateDiff(replay(t, s.journal), s.w); d != "" {
			t.Fatal(d)
		}
	})
}

func TestQuery_WeddingAndEvents(t *testing.T) {
	s := queryScene(t)
	out, err := (domain.GetWedding{}).Run(s.w, viewer)
	if err != nil || out.(domain.Info) != s.w.Info {
		t.Fatalf("GetWedding = %+v, %v", out, err)
	}
	out, err = (domain.ListEvents{}).Run(s.w, viewer)
	if err != nil {
		t.Fatal(err)
	}
	evs := out.([]domain.Event)
	if len(evs) != 2 || evs[0].ID != s.haldi || evs[1].ID != s.sangeet {
		t.Fatalf("events = %+v", evs)
	}
	evs[0].Name = "changed"
	if s.w.Event(s.haldi).Name != "Haldi" {
		t.Fatal("ListEvents shares its slice with the state")
	}
	var de *domain.Error
	if _, err := (domain.GetUnit{ID: "nope"}).Run(s.w, admin); !errors.As(err, &de) || de.Kind != domain.KindNotFound {
		t.Fatalf("err = %v", err)
	}
}

// A cursor stays exact when the event it names is deleted between pages.
func TestQuery_ListRSVPsCursorSurvivesEventDelete(t *testing.T) {
	w := domain.New()
	now := domain.Instant(1_700_000_000_000_000_000)
	exec := func(by domain.Principal, cmd domain.Command) any {
		t.Helper()
		now++
		_, out, err := w.Execute(cmd, domain.Meta{By: by, Now: now})
		if err != nil {
			t.Fatalf("%T: %v", cmd, err)
		}
		return out
	}
	exec(domain.Root, &domain.CreateWedding{ID: "w", Name: "W", Slug: "w", Date: "2026-12-12"})
	var evs []string
	for i := range 4 {
		evs = append(evs, exec(domain.Root, &domain.AddEvent{Name: "e", StartsAt: domain.Instant(1e18 + i)}).(domain.Event).ID)
	}
	u := exec(domain.Root, &domain.AddUnit{Unit: domain.UnitInput{Name: "u", Members: []domain.MemberInput{{Name: "m"}}}}).(domain.Unit)
	exec(domain.Root, &domain.Invite{EventIDs: evs, UnitIDs: []string{u.ID}})
	run := func(f domain.RSVPFilter) domain.RSVPPage {
		out, err := domain.ListRSVPs{Filter: f}.Run(w, domain.Root)
		if err != nil {
			t.Fatal(err)
		}
		return out.(domain.RSVPPage)
	}
	p1 := run(domain.RSVPFilter{Limit: 3})
	if len(p1.Rows) != 3 || p1.Rows[2].EventID != evs[2] {
		t.Fatalf("first page %+v", p1.Rows)
	}
	exec(domain.Root, &domain.DeleteEvent{ID: evs[2]})
	p2 := run(domain.RSVPFilter{Limit: 3, After: p1.Next})
	if len(p2.Rows) != 1 || p2.Rows[0].EventID != evs[3] {
		t.Fatalf("second page after deleting the cursor's event: %+v, want only %s", p2.Rows, evs[3])
	}
}

func TestQuery_ListTokens(t *testing.T) {
	s := newScene(t)
	a := s.must(owner, &domain.IssueToken{Role: domain.RoleAdmin, Label: "planner", Hash: hash("a")}).(domain.Token)
	g := s.must(owner, &domain.IssueToken{Role: domain.RoleSideAdmin, Side: domain.SideGroom, Hash: hash("g")}).(domain.Token)
	s.must(owner, &domain.RevokeToken{ID: a.ID})
	out, err := (domain.ListTokens{}).Run(s.w, owner)
	if err != nil {
		t.Fatal(err)
	}
	toks := out.([]domain.Token)
	var got []string
	for _, tk := range toks {
		if tk.Hash != ([32]byte{}) {
			t.Fatalf("token %s listed with its hash", tk.ID)
		}
		got = append(got, fmt.Sprintf("%s/%s/%v", tk.ID, tk.Role, tk.Revoked))
	}
	if len(toks) < 2 || !slices.Contains(got, a.ID+"/admin/true") || !slices.Contains(got, g.ID+"/side_admin/false") {
		t.Fatalf("tokens %v", got)
	}
	if s.w.Tokens[len(s.w.Tokens)-1].Hash == ([32]byte{}) {
		t.Fatal("listing cleared the stored hashes")
	}
	for _, by := range []domain.Principal{admin, viewer, brideAdmin} {
		if _, err := (domain.ListTokens{}).Run(s.w, by); !errors.Is(err, domain.ErrForbidden) {
			t.Fatalf("%v listed tokens: %v", by.Role, err)
		}
	}
}

func TestQuery_AuthorizeAudit(t *testing.T) {
	for _, by := range []domain.Principal{domain.Root, owner, admin, viewer} {
		if err := domain.AuthorizeAudit(by); err != nil {
			t.Fatalf("%v may not read the audit: %v", by.Role, err)
		}
	}
	checkErr(t, domain.AuthorizeAudit(brideAdmin), domain.ErrForbidden, "forbidden", "")
}
