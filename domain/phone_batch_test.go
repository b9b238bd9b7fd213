package domain_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// TestAddUnits_LargeBatchPhones: a batch big enough to normalize its phones
// in parallel gets exactly the answers of the same units added one by one:
// the same E.164 phones, the same invalid_phone and duplicate_phone errors
// at the same fields.
func TestAddUnits_LargeBatchPhones(t *testing.T) {
	var in []domain.UnitInput
	for i := 0; i < 400; i++ {
		phones := []string{fmt.Sprintf("98%03d %05d", i%1000, i), fmt.Sprintf("+91 70%08d", i)}
		switch i % 50 {
		case 7:
			phones[1] = "12345" // impossible
		case 13:
			phones[0] = fmt.Sprintf("+91 70%08d", i-1) // the previous unit's second phone
		case 21:
			phones[1] = phones[0] // twice in one unit
		}
		u := domain.UnitInput{Name: fmt.Sprintf("Family %d", i)}
		for m, p := range phones {
			u.Members = append(u.Members, domain.MemberInput{Name: fmt.Sprintf("Guest %d-%d", i, m), Phone: p})
		}
		in = append(in, u)
	}
	batch := newFixture(t)
	got := batch.must(admin, &domain.AddUnits{Units: in}).([]domain.BatchItem)

	oneByOne := newFixture(t)
	for i, u := range in {
		_, out, err := oneByOne.exec(admin, &domain.AddUnits{Units: []domain.UnitInput{u}})
		if err != nil {
			t.Fatal(err)
		}
		want := out.([]domain.BatchItem)[0]
		g := got[i]
		ge, we := codeField(g.Err), codeField(want.Err)
		we = strings.Replace(we, "units[0].", fmt.Sprintf("units[%d].", i), 1)
		if ge != we {
			t.Fatalf("unit %d: batch error %v, one by one %v", i, g.Err, want.Err)
		}
		if g.Err != nil {
			continue
		}
		gp := phonesOf(batch.unit(g.ID))
		wp := phonesOf(oneByOne.unit(want.ID))
		if !reflect.DeepEqual(gp, wp) {
			t.Fatalf("unit %d: phones %v, one by one %v", i, gp, wp)
		}
	}
	if n := countErrs(got); n != 8+8+8 {
		t.Fatalf("%d rejected units, want 24", n)
	}
}

func phonesOf(u *domain.Unit) []string {
	var out []string
	for _, m := range u.Members {
		out = append(out, m.Phone)
	}
	return out
}

func countErrs(items []domain.BatchItem) int {
	n := 0
	for _, it := range items {
		if it.Err != nil {
			n++
		}
	}
	return n
}

// codeField is an error's code and field ("" for none).
func codeField(err error) string {
	var de *domain.Error
	if !errors.As(err, &de) {
		return fmt.Sprint(err)
	}
	return de.Code + " " + de.Field
}

// BenchmarkAddUnitsInvalid measures a batch that stores nothing: units that
// fail a cheap check (a side admin's units of the other side; a member
// without a name) while every member carries a valid phone. Such a batch
// must cost its cheap checks, not a phone parse per member (~20 µs each);
// the full-size cases carry more than MaxBatchPhones, refused on a count.
//
//	go test -run='^$' -bench=BenchmarkAddUnitsInvalid -benchmem -count=5 ./domain
func BenchmarkAddUnitsInvalid(b *testing.B) {
	tests := []struct {
		name           string
		by             domain.Principal
		units, members int
		side           domain.Side
		nameless       bool   // the last member of each unit has no name
		phone          string // a format for every member's phone (default: valid ones)
	}{
		{name: "other-side", by: brideAdmin, units: domain.MaxBatchUnits, members: domain.MaxMembers, side: domain.SideGroom},
		{name: "nameless", by: admin, units: domain.MaxBatchUnits, members: domain.MaxMembers, nameless: true},
		{name: "nameless-small", by: admin, units: 400, members: 50, nameless: true},
		{name: "not-phones-small", by: admin, units: 400, members: 50, phone: "call +91 me at %08d, or not"},
	}
	for _, tt := range tests {
		b.Run(fmt.Sprintf("%s/units=%d/members=%d", tt.name, tt.units, tt.members), func(b *testing.B) {
			in := make([]domain.UnitInput, tt.units)
			n := 0
			for i := range in {
				ms := make([]domain.MemberInput, tt.members)
				for j := range ms {
					format := "+9170%08d"
					if tt.phone != "" {
						format = tt.phone
					}
					ms[j] = domain.MemberInput{Name: "guest", Phone: fmt.Sprintf(format, n)}
					n++
				}
				if tt.nameless {
					ms[len(ms)-1].Name = ""
				}
				in[i] = domain.UnitInput{Name: "family", Side: tt.side, Members: ms}
			}
			f := newFixture(b)
			b.ReportAllocs()
			for b.Loop() {
				changes, _, _ := f.w.Execute(&domain.AddUnits{Units: in}, domain.Meta{By: tt.by, Now: f.now})
				if len(changes) != 0 {
					b.Fatal("stored an invalid unit")
				}
			}
		})
	}
}
