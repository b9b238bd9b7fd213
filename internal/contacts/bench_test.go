package contacts_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"

	"github.com/parinayaos/engine/internal/contacts"
)

// guestsCSV returns a generated guest list of n rows in the shape issue 13's
// 3,000-row import uses: households of four, both sides, a third of the
// names in Devanagari, a second number on every fifth row.
func guestsCSV(tb testing.TB, n int) []byte {
	tb.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	write := func(rec ...string) {
		if err := w.Write(rec); err != nil {
			tb.Fatal(err)
		}
	}
	write("Name", "Mobile", "Phone", "Email", "Household", "Side", "Tags", "Seats")
	for i := range n {
		name := fmt.Sprintf("Guest %d Sharma", i)
		if i%3 == 0 {
			name = fmt.Sprintf("अतिथि %d शर्मा", i)
		}
		phone := ""
		if i%5 == 0 {
			phone = fmt.Sprintf("0141 27%05d", i)
		}
		side := "bride"
		if i%2 == 1 {
			side = "Groom"
		}
		write(name, fmt.Sprintf("+91 98%03d %05d", i/1000, i%100000), phone,
			fmt.Sprintf("guest%d@example.com", i), fmt.Sprintf("Household %d", i/4), side,
			"haldi, sangeet", fmt.Sprint(1+i%4))
	}
	w.Flush()
	return b.Bytes()
}

// BenchmarkParseCSV3000 parses a generated 3,000-row guest list.
//
//	go test ./internal/contacts -run '^$' -bench ParseCSV3000 -benchmem -count 10
func BenchmarkParseCSV3000(b *testing.B) {
	in := guestsCSV(b, 3000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := contacts.ParseCSV(bytes.NewReader(in), contacts.Limits{})
		if err != nil || len(rows) != 3000 || rows[2999].Invalid != "" {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}

// BenchmarkParseVCard3000 parses 3,000 generated vCard 2.1 cards as Android
// exports them (quoted-printable Devanagari names, two numbers each).
//
//	go test ./internal/contacts -run '^$' -bench ParseVCard3000 -benchmem -count 10
func BenchmarkParseVCard3000(b *testing.B) {
	var in bytes.Buffer
	for i := range 3000 {
		fmt.Fprintf(&in, "BEGIN:VCARD\r\nVERSION:2.1\r\n"+
			"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E0=A4=B6=E0=A4=B0=E0=A5=8D=E0=A4=AE=E0=A4=BE;=E0=A4=85=E0=A4=A4=E0=A4=BF=\r\n=E0=A4=A5=E0=A4=BF %d;;;\r\n"+
			"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E0=A4=85=E0=A4=A4=E0=A4=BF=E0=A4=A5=E0=A4=BF %d =E0=A4=B6=E0=A4=B0=\r\n=E0=A5=8D=E0=A4=AE=E0=A4=BE\r\n"+
			"TEL;HOME:0141 27%05d\r\nTEL;CELL:+91 98%03d %05d\r\nEMAIL;HOME:guest%d@example.com\r\nEND:VCARD\r\n",
			i, i, i, i/1000, i%100000, i)
	}
	b.SetBytes(int64(in.Len()))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := contacts.ParseVCard(bytes.NewReader(in.Bytes()), contacts.Limits{})
		if err != nil || len(rows) != 3000 || rows[2999].Invalid != "" || len(rows[2999].Phones) != 2 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}
