package contacts_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parinayaos/engine/internal/contacts"
)

// fuzzLimits are small so that the fuzzer reaches the limits.
var fuzzLimits = contacts.Limits{MaxRows: 64, MaxCellBytes: 64}

func addSeeds(f *testing.F, pattern string, more ...string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range more {
		f.Add([]byte(s))
	}
}

// FuzzParseCSV: no panic; an error comes with no rows; rows are bounded,
// in increasing Line order, each valid (a name or a phone) or Invalid with
// nothing else set; the same input gives the same rows.
//
//	go test ./internal/contacts -run '^$' -fuzz FuzzParseCSV -fuzztime 60s -fuzzminimizetime 2s
func FuzzParseCSV(f *testing.F) {
	addSeeds(f, "*.csv", "Name,Phone\nA,1\n\"B\n\",\"2\"\n", "sep=;\nName;Phone\n;\n", "Name\tMobile\r\r\nx\t\"y\"z",
		"t\n\nName,Phone 1 - Label,Phone 1 - Value,Labels,Seats\nA,Mobile,1 ::: 2,* starred ::: x,3\n")
	addSeeds(f, "*.tsv")
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, err := contacts.ParseCSV(bytes.NewReader(in), fuzzLimits)
		checkInvariants(t, rows, err, fuzzLimits)
		lines := bytes.Count(in, []byte("\n")) + bytes.Count(in, []byte("\r")) + 1
		for _, r := range rows {
			if r.Line > lines {
				t.Fatalf("Line %d in a file of %d lines", r.Line, lines)
			}
		}
		again, err2 := contacts.ParseCSV(bytes.NewReader(in), fuzzLimits)
		if !reflect.DeepEqual(rows, again) || (err == nil) != (err2 == nil) {
			t.Fatalf("not deterministic")
		}
	})
}

// FuzzParseVCard: as FuzzParseCSV, and cards are numbered 1, 2, 3 ….
//
//	go test ./internal/contacts -run '^$' -fuzz FuzzParseVCard -fuzztime 60s -fuzzminimizetime 2s
func FuzzParseVCard(f *testing.F) {
	addSeeds(f, "*.vcf", "BEGIN:VCARD\nFN:A\nTEL;CELL:1\nEND:VCARD\n",
		"BEGIN:VCARD\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=E0=A4=\r\n=B0;x;;;\r\nEND:VCARD",
		"BEGIN:VCARD\r\nitem1.TEL;TYPE=\"cell,voice\":tel:1\r\nitem1.X-ABLabel:WhatsApp\r\nFN;ENCODING=b:QQ==\r\n END:VCARD\r\nBEGIN:VCARD")
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, err := contacts.ParseVCard(bytes.NewReader(in), fuzzLimits)
		checkInvariants(t, rows, err, fuzzLimits)
		for i, r := range rows {
			if r.Line != i+1 {
				t.Fatalf("row %d has Line %d", i, r.Line)
			}
			if r.Household != "" || r.Side != "" || r.Seats != 0 {
				t.Fatalf("a vCard row with CSV-only fields: %s", show(r))
			}
		}
		if err == nil && len(rows) > strings.Count(strings.ToUpper(string(in)), "BEGIN") {
			t.Fatalf("%d rows for fewer BEGIN:VCARD lines", len(rows))
		}
		again, err2 := contacts.ParseVCard(bytes.NewReader(in), fuzzLimits)
		if !reflect.DeepEqual(rows, again) || (err == nil) != (err2 == nil) {
			t.Fatalf("not deterministic")
		}
	})
}
