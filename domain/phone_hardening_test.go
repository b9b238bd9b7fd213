package domain_test

import (
	"errors"
	"fmt"
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

// TestAddUnits_PhoneBudget: a batch carries at most MaxBatchPhones phones
// in all; a larger one is refused whole, before any is parsed.
func TestAddUnits_PhoneBudget(t *testing.T) {
	batch := func(phones int) []domain.UnitInput {
		var in []domain.UnitInput
		for n := 0; n < phones; {
			u := domain.UnitInput{Name: "family"}
			for j := 0; j < domain.MaxMembers && n < phones; j++ {
				u.Members = append(u.Members, domain.MemberInput{Name: "guest", Phone: fmt.Sprintf("+9170%08d", n)})
				n++
			}
			// A member without a phone does not count.
			u.Members[0].Phone, n = "", n-1
			u.Members = append(u.Members, domain.MemberInput{Name: "guest", Phone: fmt.Sprintf("+9170%08d", n)})
			n++
			in = append(in, u)
		}
		return in
	}
	s := newScene(t)
	_, out, err := s.exec(admin, &domain.AddUnits{Units: batch(domain.MaxBatchPhones + 1)})
	checkErr(t, err, domain.ErrInvalid, "invalid_field", "units")
	if out != nil || len(s.w.Units) != 3 {
		t.Fatalf("a refused batch stored units (out %v, %d units)", out, len(s.w.Units))
	}
}

// TestAddUnits_CheapChecksFirst: a unit's cheap checks (names, side,
// members, emails) are all made before any of its phones is parsed, so a
// unit wrong anyway costs no parse, and its error is the cheap one.
func TestAddUnits_CheapChecksFirst(t *testing.T) {
	tests := []struct {
		name  string
		by    domain.Principal
		in    domain.UnitInput
		code  string
		field string
	}{
		{"a later member without a name", admin, domain.UnitInput{Members: []domain.MemberInput{
			{Name: "Ravi", Phone: "+91 12"}, {Name: " "}}}, "invalid_field", "members[1].name"},
		{"a later member's email", admin, domain.UnitInput{Members: []domain.MemberInput{
			{Name: "Ravi", Phone: "+91 12"}, {Name: "Meera", Email: "nope"}}}, "invalid_field", "members[1].email"},
		{"another side", brideAdmin, domain.UnitInput{Side: domain.SideGroom, Members: []domain.MemberInput{
			{Name: "Ravi", Phone: "+91 12"}}}, "forbidden", ""},
		{"a later member's phone is not one at all", admin, domain.UnitInput{Members: []domain.MemberInput{
			{Name: "Ravi", Phone: phone(3)}, {Name: "Meera", Phone: "call me"}}}, "invalid_phone", "members[1].phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			_, _, err := s.exec(tt.by, &domain.AddUnit{Unit: tt.in})
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != tt.code || de.Field != tt.field {
				t.Fatalf("AddUnit: %v, want %s at %q", err, tt.code, tt.field)
			}
			_, out, err := s.exec(tt.by, &domain.AddUnits{Units: []domain.UnitInput{tt.in}})
			if err != nil {
				t.Fatal(err)
			}
			want := "units[0]." + tt.field
			if tt.field == "" {
				want = ""
			}
			if got := codeField(out.([]domain.BatchItem)[0].Err); got != tt.code+" "+want {
				t.Fatalf("AddUnits: %s, want %s %s", got, tt.code, want)
			}
		})
	}
}

// TestNormalizePhone_Filter: what cannot be a phone in any region is
// refused before the parser; what people type and paste still parses.
func TestNormalizePhone_Filter(t *testing.T) {
	tests := []struct {
		raw  string
		want string // "" for invalid_phone
	}{
		{"98765 43210", "+919876543210"},
		{"+91-98765-43210", "+919876543210"},
		{"(0)98765.43210", "+919876543210"},
		{"+91\u00a098765\u00a043210", "+919876543210"}, // no-break spaces, as pages paste them
		{"+91\u201398765\u201343210", "+919876543210"}, // en dashes
		{"٩٨٧٦٥٤٣٢١٠", "+919876543210"},                // Arabic-Indic digits
		{"０９８７６５４３２１０", "+919876543210"},               // full-width digits
		{"+91 98765 43210 ext 12", ""},
		{"+91 98765 43210;ext=12", ""},
		{"tel:+91-98765-43210", ""},
		{"1-800-FLOWERS", ""},
		{"+91 98765 43210\x00", ""},
		{"+91 98765\n43210", ""},
		{"+91 98765 43210 98765 43210 98765", ""}, // too many digits
		{strings.Repeat(" ", 30) + "+91 98765 43210", "+919876543210"},
		{"+91 " + strings.Repeat("-", 40) + "9876543210", ""}, // too long
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := domain.NormalizePhone(tt.raw, "IN", "phone")
			if tt.want == "" {
				checkErr(t, err, domain.ErrInvalid, "invalid_phone", "phone")
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %s", tt.raw, got, err, tt.want)
			}
		})
	}
}
