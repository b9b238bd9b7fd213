package domain_test

import (
	"bytes"
	"testing"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/contacts"
)

// FuzzImportCSV runs any file through the whole import path (the CSV
// reader, PrepareImport, ImportContacts) against a wedding with guests:
// no panic, and no partial import: a refused import changes nothing, an
// accepted one leaves a wedding whose replay equals it, every person
// created with a phone the reader saw in their row.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("Name,Phone,Household,Side\nAnil,+91 98765 00001,Sharma,bride\nSunita,,Sharma,\n"))
	f.Add([]byte("\ufeffName;Mobile;Email\r\nराजेश;098765 00002;r@x.in\r\n;;\r\nX;011 2345 6789;\r\n"))
	f.Add([]byte("First Name,Last Name,Phone 1 - Label,Phone 1 - Value,Labels\nA,B,Mobile,+919876500003 ::: 98765 00004,* myContacts ::: Family\n"))
	f.Add([]byte("name,phone\n\"multi\nline\",\"9876500005\"\nAnil,+919876500001\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		rows, err := contacts.ParseCSV(bytes.NewReader(file), contacts.Limits{MaxRows: 200, MaxCellBytes: 256})
		if err != nil {
			return
		}
		fx := newFixture(t)
		fx.addUnit(admin, "Sharma", domain.SideBride, nil, "+919876500001")
		in := make([]domain.ImportRow, len(rows))
		for i, r := range rows {
			in[i] = domain.ImportRow{Line: r.Line, Name: r.Name, Phones: r.Phones, Email: r.Email, Household: r.Household,
				Side: r.Side, Tags: r.Tags, Invalid: r.Invalid}
		}
		seq := fx.w.Seq
		_, out, err := fx.exec(admin, &domain.ImportContacts{Source: "fuzz.csv", Format: "csv", Rows: domain.PrepareImport(in, "IN")})
		if err != nil {
			if fx.w.Seq != seq {
				t.Fatalf("a refused import changed the wedding: %v", err)
			}
			return
		}
		res := out.(domain.ImportResult)
		if int(res.Record.Rows) != len(rows) || int(res.Record.Invalid) != len(res.Invalid) {
			t.Fatalf("counts %+v for %d rows", res.Record, len(rows))
		}
		for _, u := range fx.w.Units {
			for _, p := range u.Members {
				if p.Phone != "" && (p.Phone[0] != '+' || len(p.Phone) < 8) {
					t.Fatalf("a phone not in E.164: %q", p.Phone)
				}
			}
		}
		checkReplay(t, fx)
	})
}
