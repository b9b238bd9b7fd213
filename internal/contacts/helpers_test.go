package contacts_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/parinayaos/engine/internal/contacts"
)

// open opens a file in testdata.
func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// checkRows compares rows field by field and reports every difference.
func checkRows(t *testing.T, got, want []contacts.Row) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("row %d missing: want %s", i, show(want[i]))
		case i >= len(want):
			t.Errorf("row %d extra: %s", i, show(got[i]))
		case !reflect.DeepEqual(got[i], want[i]):
			t.Errorf("row %d:\n got %s\nwant %s", i, show(got[i]), show(want[i]))
		}
	}
}

func show(r contacts.Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{Line:%d", r.Line)
	if r.Invalid != "" {
		fmt.Fprintf(&b, " Invalid:%q", r.Invalid)
	}
	fmt.Fprintf(&b, " Name:%q Phones:%q Email:%q Household:%q Side:%q Tags:%q Seats:%d}",
		r.Name, r.Phones, r.Email, r.Household, r.Side, r.Tags, r.Seats)
	return b.String()
}

// checkInvariants checks what holds for every result of a Parse function.
func checkInvariants(t *testing.T, rows []contacts.Row, err error, lim contacts.Limits) {
	t.Helper()
	if err != nil {
		if rows != nil {
			t.Fatalf("error %v with %d rows", err, len(rows))
		}
		return
	}
	if len(rows) > lim.MaxRows {
		t.Fatalf("%d rows, more than MaxRows %d", len(rows), lim.MaxRows)
	}
	prev := 0
	for i, r := range rows {
		if r.Line <= prev {
			t.Fatalf("row %d: Line %d after %d", i, r.Line, prev)
		}
		prev = r.Line
		if r.Invalid != "" {
			if r.Name != "" || r.Phones != nil || r.Email != "" || r.Household != "" || r.Side != "" || r.Tags != nil || r.Seats != 0 {
				t.Fatalf("row %d: invalid row with fields: %s", i, show(r))
			}
			continue
		}
		if r.Name == "" && len(r.Phones) == 0 {
			t.Fatalf("row %d: valid without name or phone: %s", i, show(r))
		}
		texts := append([]string{r.Name, r.Email, r.Household, r.Side}, r.Phones...)
		texts = append(texts, r.Tags...)
		if len(r.Name) > 3*lim.MaxCellBytes+2 { // first, middle and last name
			t.Fatalf("row %d: %d-byte name", i, len(r.Name))
		}
		for _, s := range texts[1:] {
			if len(s) > lim.MaxCellBytes {
				t.Fatalf("row %d: %d-byte value over MaxCellBytes %d", i, len(s), lim.MaxCellBytes)
			}
		}
		for _, s := range texts {
			if s != strings.TrimSpace(s) || strings.ContainsFunc(s, unicode.IsControl) || !utf8.ValidString(s) {
				t.Fatalf("row %d: untrimmed, control or invalid text %q", i, s)
			}
		}
		for _, p := range r.Phones {
			if p == "" {
				t.Fatalf("row %d: empty phone", i)
			}
		}
		if r.Seats < 0 || r.Seats > contacts.MaxSeats {
			t.Fatalf("row %d: seats %d", i, r.Seats)
		}
	}
}
