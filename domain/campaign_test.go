package domain_test

import (
	"testing"

	"github.com/parinayaos/engine/domain"
)

// campaignFixture: six households invited to the sangeet, one not invited;
// consent recorded as each case needs.
type campaignFixture struct {
	*fixture
	sangeet, haldi string
	units          []domain.Unit
}

func newCampaignFixture(t *testing.T) *campaignFixture {
	f := &campaignFixture{fixture: newFixture(t)}
	f.sangeet = f.addEvent("Sangeet", t0+1e15)
	f.haldi = f.addEvent("Haldi", t0+2e15)
	tags := [][]string{nil, {"elders"}, {"friends"}, {"elders", "friends"}, nil, {"friends"}, nil}
	sides := []domain.Side{domain.SideBride, domain.SideGroom, domain.SideBride, domain.SideGroom, domain.SideBoth, domain.SideBride, domain.SideBride}
	for i := range 7 {
		f.units = append(f.units, f.addUnit(admin, "Family", sides[i], tags[i], phone(i)))
		if i < 6 {
			f.invite(f.units[i].ID, 0, f.sangeet)
		}
		f.must(admin, &domain.RecordConsent{PersonID: f.units[i].Members[0].ID, Status: domain.OptedIn, Source: "card"})
	}
	return f
}

func (f *campaignFixture) create(by domain.Principal, c *domain.CreateCampaign) (*domain.Campaign, error) {
	if c.Template.Name == "" {
		c.Template = domain.TemplateRef{Name: "wedding_invite", Language: "en"}
	}
	_, out, err := f.exec(by, c)
	if err != nil {
		return nil, err
	}
	return out.(*domain.Campaign), nil
}

func unitsOf(c *domain.Campaign) []string {
	var ids []string
	for _, m := range c.Messages {
		ids = append(ids, m.UnitID)
	}
	return ids
}

func TestCreateCampaign_AudienceAndGate(t *testing.T) {
	f := newCampaignFixture(t)
	u := func(i int) string { return f.units[i].ID }
	f.must(admin, &domain.RecordConsent{PersonID: f.units[4].Members[0].ID, Status: domain.OptedOut, Source: "phone call"})
	f.rsvp(u(2), f.sangeet, domain.Yes, nil)

	// All invited units, in id order, but priority tags first in their
	// order; the opted-out one skipped; the uninvited one not in the
	// audience at all.
	c, err := f.create(admin, &domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{All: true},
		PriorityTags: []string{"elders", "friends"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{u(1), u(3), u(2), u(5), u(0)}
	if got := unitsOf(c); !equalStrings(got, want) || c.Skipped != (domain.Skipped{DoNotMessage: 1}) || c.State != domain.CampaignRunning {
		t.Fatalf("messages to %v (want %v), skipped %+v, state %v", got, want, c.Skipped, c.State)
	}
	// Pending only: unit 2 answered.
	c, _ = f.create(admin, &domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{RSVPPending: true}})
	if got := unitsOf(c); len(got) != 4 || contains(got, u(2)) {
		t.Fatalf("pending audience: %v", got)
	}
	// Listed units, limited to those invited.
	c, _ = f.create(admin, &domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{UnitIDs: []string{u(0), u(6)}}})
	if got := unitsOf(c); !equalStrings(got, []string{u(0)}) {
		t.Fatalf("listed audience: %v", got)
	}
	// A side admin reaches its own side and both; its campaign is its own.
	c, _ = f.create(brideAdmin, &domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{All: true}})
	if got := unitsOf(c); !equalStrings(got, []string{u(0), u(2), u(5)}) || c.Skipped.DoNotMessage != 1 {
		t.Fatalf("bride side audience: %v skipped %+v", got, c.Skipped)
	}
	v, _ := domain.ListCampaigns{}.Run(f.w, groomAdmin)
	if n := len(v.([]domain.CampaignSummary)); n != 0 {
		t.Fatalf("the groom side sees %d campaigns, want none (all are the bride's or everyone's)", n)
	}
	// No consent: skipped and counted.
	f.must(admin, &domain.AddUnit{Unit: domain.UnitInput{Name: "New", Members: []domain.MemberInput{{Name: "N", Phone: phone(99)}}}})
	nu := f.w.Units
	var newID string
	for id, x := range nu {
		if x.Name == "New" {
			newID = id
		}
	}
	f.invite(newID, 0, f.haldi)
	c, _ = f.create(admin, &domain.CreateCampaign{EventIDs: []string{f.haldi}, Audience: domain.Audience{All: true}})
	if len(c.Messages) != 0 || c.Skipped.NoConsent != 1 || c.State != domain.CampaignDone {
		t.Fatalf("an audience without consent: %d messages, %+v, %v", len(c.Messages), c.Skipped, c.State)
	}
}

func TestCreateCampaign_Refusals(t *testing.T) {
	f := newCampaignFixture(t)
	tests := []struct {
		name  string
		by    domain.Principal
		cmd   domain.CreateCampaign
		kind  error
		code  string
		field string
	}{
		{"viewer", viewer, domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{All: true}}, domain.ErrForbidden, "forbidden", ""},
		{"no event", admin, domain.CreateCampaign{Audience: domain.Audience{All: true}}, domain.ErrInvalid, "invalid_field", "event_ids"},
		{"unknown event", admin, domain.CreateCampaign{EventIDs: []string{"e999"}, Audience: domain.Audience{All: true}}, domain.ErrNotFound, "not_found", "event_ids[0]"},
		{"two audiences", admin, domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{All: true, RSVPPending: true}}, domain.ErrInvalid, "invalid_field", "audience"},
		{"no audience", admin, domain.CreateCampaign{EventIDs: []string{f.sangeet}}, domain.ErrInvalid, "invalid_field", "audience"},
		{"unknown unit", admin, domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{UnitIDs: []string{"u999"}}}, domain.ErrNotFound, "not_found", "unit_ids[0]"},
		{"other side's unit", groomAdmin, domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{UnitIDs: []string{f.units[0].ID}}}, domain.ErrNotFound, "not_found", "unit_ids[0]"},
		{"kind", admin, domain.CreateCampaign{Kind: 9, EventIDs: []string{f.sangeet}, Audience: domain.Audience{All: true}}, domain.ErrInvalid, "invalid_field", "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.w.Seq
			_, err := f.create(tt.by, &tt.cmd)
			checkErr(t, err, tt.kind, tt.code, tt.field)
			if f.w.Seq != before {
				t.Fatalf("a refused campaign changed the wedding")
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
