package domain_test

import (
	"testing"

	"github.com/parinayaos/engine/domain"
)

// TestWedding_SideAdminDefaultSide: a unit added without a side goes to a
// side admin's own side, not to "both" (which the other side's admin sees
// and may delete); everyone else's goes to both, and an explicit side is
// kept.
func TestWedding_SideAdminDefaultSide(t *testing.T) {
	members := []domain.MemberInput{{Name: "Ravi"}}
	tests := []struct {
		name string
		by   domain.Principal
		in   domain.UnitInput
		want domain.Side
	}{
		{"bride admin, no side", brideAdmin, domain.UnitInput{SideOmitted: true, Members: members}, domain.SideBride},
		{"groom admin, no side", groomAdmin, domain.UnitInput{SideOmitted: true, Members: members}, domain.SideGroom},
		{"bride admin, explicit both", brideAdmin, domain.UnitInput{Side: domain.SideBoth, Members: members}, domain.SideBoth},
		{"bride admin, explicit bride", brideAdmin, domain.UnitInput{Side: domain.SideBride, Members: members}, domain.SideBride},
		{"admin, no side", admin, domain.UnitInput{SideOmitted: true, Members: members}, domain.SideBoth},
		{"owner, no side", owner, domain.UnitInput{SideOmitted: true, Members: members}, domain.SideBoth},
		{"admin, no side whatever Side says", admin, domain.UnitInput{SideOmitted: true, Side: domain.SideGroom, Members: members}, domain.SideBoth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			u := s.must(tt.by, &domain.AddUnit{Unit: tt.in}).(domain.Unit)
			res := s.must(tt.by, &domain.AddUnits{Units: []domain.UnitInput{tt.in}}).([]domain.BatchItem)
			if res[0].Err != nil {
				t.Fatal(res[0].Err)
			}
			for _, id := range []string{u.ID, res[0].ID} {
				if got := s.unit(id).Side; got != tt.want {
					t.Errorf("unit %s: side %v, want %v", id, got, tt.want)
				}
			}
			if tt.by.Role != domain.RoleSideAdmin || tt.want != tt.by.Side {
				return
			}
			other := groomAdmin
			if tt.by.Side == domain.SideGroom {
				other = brideAdmin
			}
			if _, _, err := s.exec(other, &domain.DeleteUnit{ID: u.ID}); err == nil {
				t.Errorf("the other side's admin deleted unit %s", u.ID)
			}
		})
	}
}
