package domain_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// TestWedding_DuplicatePhoneHidesUnseenHolder: a phone is unique in the
// whole wedding, but a duplicate_phone refusal names its holder only to a
// principal who may see the holder's unit. A bride side admin must not learn
// a groom guest's person id (and from it the unit's) by typing a phone.
func TestWedding_DuplicatePhoneHidesUnseenHolder(t *testing.T) {
	one := func(name, phone string) domain.UnitInput {
		return domain.UnitInput{Side: domain.SideBride, Members: []domain.MemberInput{{Name: name, Phone: phone}}}
	}
	tests := []struct {
		name   string
		by     domain.Principal
		phone  string
		holder func(s *scene) domain.Unit
		seen   bool // whether the holder's id may be named
	}{
		{"bride admin, groom guest's phone", brideAdmin, phone(3), func(s *scene) domain.Unit { return s.groom }, false},
		{"groom admin, bride guest's phone", groomAdmin, "98765 00001", func(s *scene) domain.Unit { return s.bride }, false},
		{"bride admin, bride guest's phone", brideAdmin, phone(2), func(s *scene) domain.Unit { return s.bride }, true},
		{"bride admin, phone of a unit of both", brideAdmin, phone(4), func(s *scene) domain.Unit { return s.both }, true},
		{"admin, groom guest's phone", admin, phone(3), func(s *scene) domain.Unit { return s.groom }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			holder := tt.holder(s)
			var pid string
			for _, m := range holder.Members {
				if p, _ := domain.NormalizePhone(tt.phone, "IN", ""); m.Phone == p {
					pid = m.ID
				}
			}
			side := domain.SideBride
			if tt.by.Side == domain.SideGroom {
				side = domain.SideGroom
			}
			in := one("Ravi", tt.phone)
			in.Side = side
			check := func(t *testing.T, err error, field string) {
				t.Helper()
				de := checkErr(t, err, domain.ErrConflict, "duplicate_phone", field)
				want := ""
				if tt.seen {
					want = pid
				}
				if de.ExistingID != want {
					t.Errorf("ExistingID = %q, want %q", de.ExistingID, want)
				}
				if !tt.seen && (strings.Contains(de.Error(), pid) || strings.Contains(de.Error(), holder.ID)) {
					t.Errorf("error names the unseen holder: %v", de)
				}
			}
			t.Run("AddUnit", func(t *testing.T) {
				_, _, err := s.exec(tt.by, &domain.AddUnit{Unit: in})
				check(t, err, "members[0].phone")
			})
			t.Run("AddUnits", func(t *testing.T) {
				_, out, err := s.exec(tt.by, &domain.AddUnits{Units: []domain.UnitInput{one("Ok", phone(60)), in}})
				if err != nil {
					t.Fatal(err)
				}
				check(t, out.([]domain.BatchItem)[1].Err, "units[1].members[0].phone")
			})
			t.Run("UpdateUnit", func(t *testing.T) {
				own := s.must(tt.by, &domain.AddUnit{Unit: domain.UnitInput{Side: side,
					Members: []domain.MemberInput{{Name: "Own"}}}}).(domain.Unit)
				ms := []domain.MemberInput{{ID: own.Members[0].ID, Name: "Own", Phone: tt.phone}}
				_, _, err := s.exec(tt.by, &domain.UpdateUnit{ID: own.ID, Members: &ms})
				check(t, err, "members[0].phone")
			})
		})
	}
}
