package contacts_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"

	"github.com/parinayaos/engine/internal/contacts"
)

func parseVCard(t *testing.T, s string, lim contacts.Limits) []contacts.Row {
	t.Helper()
	rows, err := contacts.ParseVCard(strings.NewReader(s), lim)
	if err != nil {
		t.Fatalf("ParseVCard: %v", err)
	}
	return rows
}

// vCard 3.0 as an iPhone shares it: grouped TEL with an X-ABLabel, a
// folded PHOTO, an FN folded in the middle of a Devanagari character,
// quoted-printable N and FN with soft line breaks, a card with neither
// name nor phone.
func TestParseVCard_V3(t *testing.T) {
	rows, err := contacts.ParseVCard(open(t, "contacts_v3.vcf"), contacts.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []contacts.Row{
		{Line: 1, Name: "Ramesh Kumar Sharma", Phones: []string{"+91 98765 43210", "0141 222 3344"},
			Email: "ramesh.sharma@example.com", Tags: []string{"Family", "Ladkiwale"}},
		{Line: 2, Name: "सुनीता अग्रवाल", Phones: []string{"+91 99887 76655", "+91 141 270 1234"}},
		{Line: 3, Name: "सुरेश रामचंद्र पाटील", Phones: []string{"+91 98220 12345", "+91 20 2553 0000"}},
		{Line: 4, Invalid: "no name and no phone number"},
	})
}

// vCard 4.0: tel: URIs, quoted TYPE lists, PREF, an empty FN with N, a
// folded FN, a quoted-printable FN.
func TestParseVCard_V4(t *testing.T) {
	rows, err := contacts.ParseVCard(open(t, "contacts_v4.vcf"), contacts.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []contacts.Row{
		{Line: 1, Name: "Vikram Singh", Phones: []string{"+91-90000-11111", "+91-80-4123-4567"},
			Email: "vicky@example.net", Tags: []string{"Friends", "Sangeet"}},
		{Line: 2, Name: "Smt. Meera Bai Rathore", Phones: []string{"+91 94140 55555"}},
		{Line: 3, Name: "श्रीमती कमला देवी राठौड़ (बुआ जी, जोधपुर)", Phones: []string{"+91 94140 77777"}},
		{Line: 4, Name: "गीता देवी", Phones: []string{"94140 88888"}},
	})
}

// vCard 2.1 as Android's Contacts app exports it: quoted-printable N and
// FN with unindented soft line breaks, bare parameters (TEL;CELL;PREF), a
// base64 PHOTO ended by a blank line.
func TestParseVCard_Android21(t *testing.T) {
	rows, err := contacts.ParseVCard(open(t, "android_v21.vcf"), contacts.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []contacts.Row{
		{Line: 1, Name: "राजेश वर्मा (Rajesh Verma) बड़े भैया", Phones: []string{"+919829012345", "01412701234"},
			Email: "rajesh.verma@example.com"},
		{Line: 2, Phones: []string{"+91 70000 00002"}},
		{Line: 3, Invalid: "no name and no phone number"},
		{Line: 4, Name: "कमला वर्मा", Phones: []string{"+91 98290 54321"}},
	})
}

// What go-vcard does by itself, which ParseVCard works around. If one of
// these changes, the workaround may go.
func TestGoVCard_Assumptions(t *testing.T) {
	decode := func(s string) vcard.Card {
		t.Helper()
		c, err := vcard.NewDecoder(strings.NewReader(s)).Decode()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := decode("BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;CELL;PREF:+91 98765 43210\r\nEND:VCARD\r\n")
	if f := c.Get("TEL"); f.Value != "" || f.Params.Get("PREF") != "+91 98765 43210" {
		t.Errorf("go-vcard now reads 2.1 bare parameters: %q %v", f.Value, f.Params)
	}
	c = decode("BEGIN:VCARD\r\nFN;ENCODING=QUOTED-PRINTABLE:=E0=A4=B0=E0=A4=\r\n=BE=E0=A4=AE\r\nEND:VCARD\r\n")
	if v := c.Value("FN"); v != "=E0=A4=B0=E0=A4=" {
		t.Errorf("go-vcard now joins quoted-printable soft line breaks or decodes the value: %q", v)
	}
	c = decode("BEGIN:VCARD\r\nN:Rao\\;Iyer;Asha;;;\r\nFN:A\\; B\r\nEND:VCARD\r\n")
	if n := c.Name(); n.FamilyName != "Rao\\" {
		t.Errorf("go-vcard now honours \\; in N: %q", n.FamilyName)
	}
	if v := c.Value("FN"); v != "A\\; B" {
		t.Errorf("go-vcard now unescapes \\; : %q", v)
	}
	if _, err := vcard.NewDecoder(strings.NewReader("BEGIN:VCARD\r\nFN:Ra\r\n m")).Decode(); err == nil {
		t.Errorf("go-vcard now reads a folded last line without a line end")
	}
}

func TestParseVCard_Details(t *testing.T) {
	card := func(lines ...string) string {
		return "BEGIN:VCARD\r\nVERSION:3.0\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCARD\r\n"
	}
	tests := []struct {
		name string
		in   string
		want []contacts.Row
	}{
		{"escapes in FN and N",
			card(`FN:Rao\, Asha\; Bua`, `TEL:1`) + card(`N:Rao\;Iyer;Asha;;;`, `TEL:2`),
			[]contacts.Row{{Line: 1, Name: "Rao, Asha; Bua", Phones: []string{"1"}}, {Line: 2, Name: "Asha Rao;Iyer", Phones: []string{"2"}}}},
		{"lower-case property and parameter names, LF line ends",
			"begin:vcard\nversion:3.0\nfn:Asha\ntel;type=cell:1\ntel;type=home:2\nemail:a@example.com\nend:vcard\n",
			[]contacts.Row{{Line: 1, Name: "Asha", Phones: []string{"1", "2"}, Email: "a@example.com"}}},
		{"mobile first, in file order",
			card(`FN:Asha`, `TEL;TYPE=HOME:1`, `TEL;TYPE=VOICE,CELL:2`, `TEL;TYPE=iPhone:3`, `TEL:4`, `TEL;TYPE=x-whatsapp:5`),
			[]contacts.Row{{Line: 1, Name: "Asha", Phones: []string{"5", "2", "3", "1", "4"}}}},
		{"folded with a tab, text between cards",
			"junk before\r\n" + card("FN:As\r\n\tha", "TEL:1") + "between cards\r\n" + card("FN:Ravi"),
			[]contacts.Row{{Line: 1, Name: "Asha", Phones: []string{"1"}}, {Line: 2, Name: "Ravi"}}},
		{"no final line end",
			"BEGIN:VCARD\r\nFN:Asha\r\nTEL:1\r\nEND:VCARD",
			[]contacts.Row{{Line: 1, Name: "Asha", Phones: []string{"1"}}}},
		{"base64 FN, ISO-8859-1 quoted-printable",
			card(`FN;ENCODING=b:QXNoYSBSYW8=`) + card(`FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Jos=E9`),
			[]contacts.Row{{Line: 1, Name: "Asha Rao"}, {Line: 2, Name: "José"}}},
		{"a quoted-printable value ending in = does not swallow END:VCARD",
			card(`FN;ENCODING=QUOTED-PRINTABLE:Asha=`) + card(`FN:Ravi`),
			[]contacts.Row{{Line: 1, Name: "Asha"}, {Line: 2, Name: "Ravi"}}},
		{"a long photo is skipped",
			card("FN:Asha", "PHOTO;ENCODING=b:"+strings.Repeat("QUFB", 100000)),
			[]contacts.Row{{Line: 1, Name: "Asha"}}},
		{"classic Mac line ends",
			"BEGIN:VCARD\rVERSION:2.1\rFN:Asha\rTEL;HOME:2\rTEL;CELL:1\rEND:VCARD\r",
			[]contacts.Row{{Line: 1, Name: "Asha", Phones: []string{"1", "2"}}}},
		{"a bare parameter after a quoted value holding ';'",
			card(`FN:Asha`, `TEL:2`, `TEL;TYPE="work;x";CELL:1`),
			[]contacts.Row{{Line: 1, Name: "Asha", Phones: []string{"1", "2"}}}},
		{"categories without Google's system labels",
			card("FN:Asha", "CATEGORIES:myContacts,Haldi,starred", "CATEGORIES:haldi,Sangeet"),
			[]contacts.Row{{Line: 1, Name: "Asha", Tags: []string{"Haldi", "Sangeet"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRows(t, parseVCard(t, tt.in, contacts.Limits{}), tt.want)
		})
	}
}

// Every reason a card is rejected; the cards around it still import.
func TestParseVCard_InvalidCards(t *testing.T) {
	long := strings.Repeat("x", contacts.DefaultMaxCellBytes+1)
	tests := []struct {
		name string
		card string // without BEGIN and END
		want string
	}{
		{"no name and no phone", "ORG:Shree Caterers\r\nEMAIL:a@example.com", "no name and no phone number"},
		{"empty FN and N", "FN:\r\nN:;;;;\r\nTEL:", "no name and no phone number"},
		{"value too long", "FN:" + long, "the name (FN) is longer than 4096 bytes"},
		{"line too long to keep", "FN:" + strings.Repeat(long, 3), "the name (FN) is longer than 4096 bytes"},
		{"folded line too long to keep", "FN:x\r\n " + strings.Repeat("y", 3000) + "\r\n " + strings.Repeat("z", 3000), "the name (FN) is longer than 4096 bytes"},
		{"email too long", "FN:Asha\r\nEMAIL:" + long, "the email (EMAIL) is longer than 4096 bytes"},
		{"card too large", strings.Repeat("TEL:"+strings.Repeat("1", 4000)+"\r\n", 17), "longer than 65536 bytes"},
		{"not UTF-8 after the first 4 KiB", "FN:Jos\xe9", "the name (FN) is not UTF-8"},
		{"other character set", "FN;CHARSET=SHIFT_JIS:\x82\xa0", `the name (FN) is in the "SHIFT_JIS" character set`},
		{"broken base64", "FN;ENCODING=b:!!!", "the name (FN) has broken base64 encoding"},
		{"control character", "FN:Asha\x01", "the name (FN) holds a control character"},
		{"control character in a phone", "FN:Asha\r\nTEL:98765\x0743210", "the phone number (TEL) holds a control character"},
		{"control character in an email", "FN:Asha\r\nEMAIL:a\x01@example.com", "the email (EMAIL) holds a control character"},
		{"too many phone numbers", "FN:Asha\r\nTEL:" + strings.ReplaceAll(distinct(21), ",", "\r\nTEL:"), "more than 20 phone numbers"},
		{"too many tags", "FN:Asha\r\nCATEGORIES:" + distinct(51), "more than 50 tags"},
		{"quoted-printable control character", "FN;ENCODING=QUOTED-PRINTABLE:Asha=00", "the name (FN) holds a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			padding := "BEGIN:VCARD\r\nFN:Padding\r\nNOTE:" + strings.Repeat("p", 5000) + "\r\nEND:VCARD\r\n"
			in := padding + "BEGIN:VCARD\r\n" + tt.card + "\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:After\r\nEND:VCARD\r\n"
			rows := parseVCard(t, in, contacts.Limits{})
			if len(rows) != 3 {
				t.Fatalf("%d rows, want 3", len(rows))
			}
			if got := rows[1]; got.Line != 2 || !strings.Contains(got.Invalid, tt.want) {
				t.Errorf("got %s, want Line 2 Invalid containing %q", show(got), tt.want)
			}
			if rows[0].Name != "Padding" || rows[2].Name != "After" || rows[2].Line != 3 {
				t.Errorf("neighbours %s %s", show(rows[0]), show(rows[2]))
			}
		})
	}
	t.Run("END:VCARD missing before the next card", func(t *testing.T) {
		rows := parseVCard(t, "BEGIN:VCARD\r\nFN:Asha\r\nBEGIN:VCARD\r\nFN:Ravi\r\nEND:VCARD\r\n", contacts.Limits{})
		checkRows(t, rows, []contacts.Row{
			{Line: 1, Invalid: "the card does not end with END:VCARD before the next card begins"},
			{Line: 2, Name: "Ravi"},
		})
	})
	t.Run("file cut short", func(t *testing.T) {
		rows := parseVCard(t, "BEGIN:VCARD\r\nFN:Ravi\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Asha\r\nTEL:98", contacts.Limits{})
		checkRows(t, rows, []contacts.Row{
			{Line: 1, Name: "Ravi"},
			{Line: 2, Invalid: "the file ends inside this card (END:VCARD is missing); the file may have been cut short"},
		})
	})
}

// A writer may fold a line inside a UTF-8 character; the encoding check of
// the file's first 4 KiB must not take that for another encoding, wherever
// the fold falls.
func TestParseVCard_FoldInsideCharacterAtSniffEnd(t *testing.T) {
	for pad := 4000; pad < 4110; pad++ {
		fn := "FN:र\xE0\xA4\r\n \xBE\r\n" // रा folded inside ा
		in := "BEGIN:VCARD\r\nNOTE:" + strings.Repeat("n", pad) + "\r\n" + fn + "END:VCARD\r\n"
		rows := parseVCard(t, in, contacts.Limits{})
		if len(rows) != 1 || rows[0].Name != "रा" {
			t.Fatalf("pad %d: %v", pad, rows)
		}
	}
}

// distinct returns n different numbers, comma-separated.
func distinct(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "9%d", i)
	}
	return b.String()
}

func TestParseVCard_FileErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		want     error
		mentions string
	}{
		{"empty", nil, contacts.ErrEmpty, "empty"},
		{"blank", []byte("\r\n \r\n"), contacts.ErrEmpty, "empty"},
		{"a CSV file", []byte("Name,Phone\nAsha,1\n"), contacts.ErrNotVCard, "BEGIN:VCARD"},
		{"UTF-16", append([]byte{0xFF, 0xFE}, utf16Bytes("BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n", false)...), contacts.ErrEncoding, "UTF-16"},
		{"UTF-16 without BOM", utf16Bytes("BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n", true), contacts.ErrEncoding, "UTF-16"},
		{"latin-1", []byte("BEGIN:VCARD\r\nFN:Jos\xe9\r\nEND:VCARD\r\n"), contacts.ErrEncoding, "Latin-1"},
		{"zip", []byte("PK\x03\x04...."), contacts.ErrNotVCard, "zip"},
		{"too many cards", bytes.Repeat([]byte("BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n"), contacts.DefaultMaxRows+1), contacts.ErrTooManyRows, "20000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := contacts.ParseVCard(bytes.NewReader(tt.in), contacts.Limits{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if rows != nil {
				t.Errorf("%d rows with an error", len(rows))
			}
			if !strings.Contains(err.Error(), tt.mentions) {
				t.Errorf("error %q does not mention %q", err, tt.mentions)
			}
		})
	}
	t.Run("exactly MaxRows cards", func(t *testing.T) {
		in := strings.Repeat("BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n", 3)
		if rows := parseVCard(t, in, contacts.Limits{MaxRows: 3}); len(rows) != 3 {
			t.Fatalf("%d rows", len(rows))
		}
	})
}
