package domain_test

import (
	"slices"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// TestQuery_ListUnitsPhoneSearch: ?q= finds a phone however it is written:
// spaces, dashes, brackets and dots are dropped; a whole number of the
// wedding's region (national, with its trunk 0, or international) finds
// its E.164; a run of digits finds the phones that contain it; a trunk 0
// starts a national number. Names are searched as before.
func TestQuery_ListUnitsPhoneSearch(t *testing.T) {
	s := queryScene(t) // Sharma +919876500001/2 (bride), Verma …03 (groom), Kapoor …04 (both)
	all := []string{"Sharma", "Verma", "Kapoor"}
	tests := []struct {
		q    string
		by   domain.Principal
		want []string
	}{
		{"98765 00003", admin, []string{"Verma"}},
		{"098765 00003", admin, []string{"Verma"}},
		{"+91 98765 00003", admin, []string{"Verma"}},
		{"+91-98765-00003", admin, []string{"Verma"}},
		{"(+91) 98765.00003", admin, []string{"Verma"}},
		{"0091 98765 00003", admin, []string{"Verma"}},
		{"+919876500003", admin, []string{"Verma"}},
		{"9876500003", admin, []string{"Verma"}},
		{"00003", admin, []string{"Verma"}},
		{"500 004", admin, []string{"Kapoor"}},
		{"0 98765 0000", admin, all},    // the start of a national number
		{"+91 98765", admin, all},       // the start of an international one
		{"+1 98765", admin, []string{}}, // a plus anchors at the start
		{"98765 00003", groomAdmin, []string{"Verma"}},
		{"98765 00001", groomAdmin, []string{}}, // a bride unit
		{"sharma", admin, []string{"Sharma"}},
		{"Kapoor 0", admin, []string{"Kapoor"}}, // a member's name
		{"98765 ext", admin, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := unitNames(listUnits(t, s.w, tt.by, domain.UnitFilter{Q: tt.q}).Units)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("q=%q: %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}
