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
