package contacts_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/parinayaos/engine/internal/contacts"
)

func parseCSV(t *testing.T, s string) []contacts.Row {
	t.Helper()
	rows, err := contacts.ParseCSV(strings.NewReader(s), contacts.Limits{})
	if err != nil {
		t.Fatalf("ParseCSV: %v", err)
	}
	return rows
}

// Google Contacts › Export › Google CSV (the current format): ":::" inside
// cells, "Phone N - Label", "Labels" with system labels, multi-line Notes
// and addresses.
func TestParseCSV_GoogleContacts(t *testing.T) {
	rows, err := contacts.ParseCSV(open(t, "google_contacts.csv"), contacts.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []contacts.Row{
		{Line: 2, Name: "Ramesh Kumar Sharma", Phones: []string{"+91 98765 43210", "0141 222 3344"},
			Email: "ramesh.sharma@example.com", Tags: []string{"Family", "Ladkiwale"}},
		// The first contact's Notes and address take lines 2-5 of the
		// file but are one spreadsheet row.
		{Line: 3, Name: "सुनीता अग्रवाल", Phones: []string{"+91 99887 76655", "+91 141 270 1234"}, Tags: []string{"Family"}},
		{Line: 4, Phones: []string{"+91 22 4000 1234"}, Tags: []string{"Vendors"}},
		{Line: 5, Invalid: "no name and no phone number"},
		{Line: 6, Name: "Vikram Singh", Phones: []string{"+44 7700 900123", "+91 90000 11111", "+91 80 4123 4567"},
			Tags: []string{"Friends", "Sangeet"}},
		{Line: 7, Name: "Priya Menon-Iyer", Phones: []string{"098450 12345"}, Email: "priya@example.in", Tags: []string{"Groom side"}},
	})
}

// The Google CSV of Gmail before 2020: "Name", "Given Name", "Family Name",
// "Group Membership", "Phone N - Type".
func TestParseCSV_GoogleContactsOld(t *testing.T) {
	rows, err := contacts.ParseCSV(open(t, "google_contacts_old.csv"), contacts.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []contacts.Row{
		{Line: 2, Name: "Anil Kapoor", Phones: []string{"+91 98100 98100", "011 2345 6789"},
			Email: "anil.kapoor@example.com", Tags: []string{"Friends", "Baraat"}},
		{Line: 3, Name: "Meera Bai Rathore", Phones: []string{"+91 94140 55555", "+91 94140 66666"}, Tags: []string{"Family"}},
		{Line: 4, Name: "गीता देवी", Phones: []string{"94140 77777"}},
	})
}

// Excel's "CSV UTF-8" in a locale whose list separator is ';': a byte order
// mark, a title row above the header, CRLF, Devanagari, a row of empty
// cells.
func TestParseCSV_ExcelSemicolonBOM(t *testing.T) {
	rows, err := contacts.ParseCSV(open(t, "excel_semicolon_bom.csv"), contacts.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []contacts.Row{
		{Line: 3, Name: "राजेश वर्मा", Phones: []string{"98290 12345", "0141-2701234"}, Email: "rajesh.verma@example.com",
			Household: "वर्मा परिवार", Side: "Ladkiwale", Tags: []string{"haldi", "sangeet", "reception"}, Seats: 4},
		{Line: 4, Name: "कमला वर्मा", Phones: []string{"98290 54321"}, Household: "वर्मा परिवार", Side: "ladkiwale", Seats: 4},
		// Line 5 is ";;;;;;;": skipped, but counted.
		{Line: 6, Name: "Gupta; Mohan", Phones: []string{"+91-99292-00000"}, Household: "Gupta", Side: "Bride",
			Tags: []string{"reception"}},
		{Line: 7, Name: "Dr. Sanjay Mehta", Phones: []string{"+91 99999 88888"}, Side: "Groom", Seats: 2},
	})
}

func TestParseCSV_TabSeparated(t *testing.T) {
	rows, err := contacts.ParseCSV(open(t, "guests.tsv"), contacts.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []contacts.Row{
		{Line: 2, Name: "Arjun Nair", Phones: []string{"+91 94470 12345", "0484 236 1234"}, Household: "Nair", Side: "groom",
			Tags: []string{"mehendi"}, Seats: 3},
		{Line: 3, Name: "Lakshmi Nair", Phones: []string{"+91 94470 12345"}, Household: "Nair", Side: "groom", Seats: 3},
		{Line: 4, Phones: []string{"+91 70000 00001"}, Side: "groom"},
	})
}

func utf16Bytes(s string, bigEndian bool) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

func TestParseCSV_FileErrors(t *testing.T) {
	utf16File, err := func() ([]byte, error) {
		var b bytes.Buffer
		_, err := b.ReadFrom(open(t, "unicode_text_utf16.txt"))
		return b.Bytes(), err
	}()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       []byte
		want     error
		mentions string
	}{
		{"excel unicode text (UTF-16LE with BOM)", utf16File, contacts.ErrEncoding, "UTF-16"},
		{"UTF-16BE with BOM", append([]byte{0xFE, 0xFF}, utf16Bytes("Name,Phone\nA,1\n", true)...), contacts.ErrEncoding, "UTF-16"},
		{"UTF-16LE without BOM", utf16Bytes("Name,Phone\nAsha,98765 43210\n", false), contacts.ErrEncoding, "UTF-16"},
		{"UTF-16BE without BOM", utf16Bytes("Name,Phone\nAsha,98765 43210\n", true), contacts.ErrEncoding, "UTF-16"},
		{"latin-1", mustRead(t, "latin1.csv"), contacts.ErrEncoding, "Latin-1"},
		{"latin-1 header after 4 KiB of title rows", []byte(strings.Repeat("\n", 4200) + "Nom,T\xe9l\xe9phone\nA,1\n"), contacts.ErrEncoding, "header"},
		{"xlsx", []byte("PK\x03\x04\x14\x00\x06\x00rest of a zip"), contacts.ErrNotCSV, ".xlsx"},
		{"xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), contacts.ErrNotCSV, ".xls"},
		{"binary", []byte("Name,Phone\nA,1\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"), contacts.ErrNotCSV, "binary"},
		{"empty", nil, contacts.ErrEmpty, "empty"},
		{"only a BOM and blank lines", []byte("\xEF\xBB\xBF\r\n\r\n\n"), contacts.ErrEmpty, "empty"},
		{"no header", []byte("Ramesh,98765 43210\nSuresh,98220 12345\n"), contacts.ErrNoHeader, `"Ramesh", "98765 43210"`},
		{"header with only an email column", []byte("Email\na@example.com\n"), contacts.ErrNoHeader, `"Email"`},
		{"header more than 10 rows down", []byte(strings.Repeat("Guest list\n", 11) + "Name,Phone\nA,1\n"), contacts.ErrNoHeader, "Guest list"},
		{"unreadable first row", []byte("Name,\"Phone\nA,1\n"), contacts.ErrNotCSV, "row 1 cannot be read (a quoted cell is not closed"},
		{"unreadable header below a title", []byte("Guest list\nName,Pho\"ne\nA,1\n"), contacts.ErrNoHeader, `"Guest list" (and row 2 cannot be read: a cell has a quote mark`},
		{"too many rows", []byte("Name\n" + strings.Repeat("A\n", contacts.DefaultMaxRows+1)), contacts.ErrTooManyRows, "20000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := contacts.ParseCSV(bytes.NewReader(tt.in), contacts.Limits{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if rows != nil {
				t.Errorf("rows = %d, want none with an error", len(rows))
			}
			if !strings.Contains(err.Error(), tt.mentions) {
				t.Errorf("error %q does not mention %q", err, tt.mentions)
			}
		})
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := b.ReadFrom(open(t, name)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseCSV_TitleRows(t *testing.T) {
	in := "Sharma \"Shaadi\" guest list,,\n" + // encoding/csv cannot read it: skipped all the same
		"Printed 1 Dec 2026,,\n" +
		",,\n" +
		"Name,Phone,Side\n" +
		"Asha,98765 43210,bride\n"
	checkRows(t, parseCSV(t, in), []contacts.Row{{Line: 5, Name: "Asha", Phones: []string{"98765 43210"}, Side: "bride"}})
}

func TestParseCSV_MaxRows(t *testing.T) {
	in := "Name\nA\nB\n\n,\nC\n"
	rows, err := contacts.ParseCSV(strings.NewReader(in), contacts.Limits{MaxRows: 3})
	if err != nil || len(rows) != 3 {
		t.Fatalf("3 rows at MaxRows 3 (empty rows not counted): %d rows, %v", len(rows), err)
	}
	if _, err := contacts.ParseCSV(strings.NewReader(in+"D\n"), contacts.Limits{MaxRows: 3}); !errors.Is(err, contacts.ErrTooManyRows) {
		t.Fatalf("4 rows at MaxRows 3: %v", err)
	}
}

// Every reason a CSV row is rejected; the rows around it still import.
func TestParseCSV_InvalidRows(t *testing.T) {
	long := strings.Repeat("x", contacts.DefaultMaxCellBytes+1)
	tests := []struct {
		name string
		row  string
		want string // in Invalid
	}{
		{"no name and no phone", `,,someone@example.com`, "no name and no phone number"},
		{"no name and no phone, only spaces", "  , \t ,x@example.com", "no name and no phone number"},
		{"name over the cell limit", long + `,98765 43210,`, `the "Full Name" cell is longer than 4096 bytes`},
		{"phone over the cell limit", `Asha,` + long + `,`, `the "Mobile" cell is longer than 4096 bytes`},
		{"control character", "Asha\x01,98765 43210,", `the "Full Name" cell holds a control character`},
		{"control character in a phone", "Asha,98765\x0743210,", `the "Mobile" cell holds a control character`},
		{"too many phone numbers", `Asha,"` + distinct(21) + `",`, "more than 20 phone numbers"},
		{"too many tags", `Asha,1,,"` + distinct(51) + `"`, "more than 50 tags"},
		{"stray quote", `Ramesh "Bunty" Kumar,98765 43210,`, `a cell has a quote mark (")`},
		{"text after a closing quote", `"Ramesh" Kumar,98765 43210,`, `a quoted cell is not closed, or has text after its closing quote mark`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "Full Name,Mobile,Email,Tags,Notes\nBefore,1,,\n" + tt.row + "\nAfter,2,,,\"a note\nover two lines\"\nLast,3,,,"
			rows := parseCSV(t, in)
			if len(rows) != 4 {
				t.Fatalf("%d rows, want 4: %v", len(rows), rows)
			}
			if got := rows[1]; got.Line != 3 || !strings.Contains(got.Invalid, tt.want) {
				t.Errorf("got %s, want Line 3 Invalid containing %q", show(got), tt.want)
			}
			if rows[0].Invalid != "" || rows[2].Invalid != "" || rows[2].Name != "After" || rows[2].Line != 4 || rows[3].Line != 5 {
				t.Errorf("neighbours: %s, %s, %s", show(rows[0]), show(rows[2]), show(rows[3]))
			}
		})
	}
	t.Run("unclosed quote runs to the end of the file", func(t *testing.T) {
		rows := parseCSV(t, "Name,Phone\nA,1\n\"B,2\nC,3\n")
		checkRows(t, rows, []contacts.Row{
			{Line: 2, Name: "A", Phones: []string{"1"}},
			{Line: 3, Invalid: `a quoted cell is not closed, or has text after its closing quote mark ("); the file may have been cut short or edited by hand`},
		})
	})
	t.Run("not UTF-8 after the first 4 KiB", func(t *testing.T) {
		in := "Name,Phone\n" + strings.Repeat("Ravi,98765 43210\n", 300) + "Jos\xe9,98200 12345\n"
		rows := parseCSV(t, in)
		if got := rows[len(rows)-1]; got.Line != 302 || !strings.Contains(got.Invalid, "not UTF-8") {
			t.Errorf("last row %s", show(got))
		}
	})
	t.Run("a long cell in a column not read is fine", func(t *testing.T) {
		rows := parseCSV(t, "Name,Notes\nAsha,"+long+"\n")
		if rows[0].Invalid != "" || rows[0].Name != "Asha" {
			t.Errorf("%s", show(rows[0]))
		}
	})
}

// Line is the row a spreadsheet shows: blank lines and lines of empty cells
// count, a quoted cell over several lines is one row.
func TestParseCSV_LineNumbers(t *testing.T) {
	in := "\r\n" + // row 1: blank
		"Name,Phone,Notes\r\n" + // row 2: header
		"A,1,\"two\r\nlines\"\r\n" + // row 3
		"\r\n" + // row 4: blank
		",,\r\n" + // row 5: empty cells
		"\"B\nwith a break\",\"2\n3\",\"x\n\ny\"\r\n" + // row 6
		"C,4,\r\n" // row 7
	rows := parseCSV(t, in)
	checkRows(t, rows, []contacts.Row{
		{Line: 3, Name: "A", Phones: []string{"1"}},
		{Line: 6, Name: "B with a break", Phones: []string{"2", "3"}},
		{Line: 7, Name: "C", Phones: []string{"4"}},
	})
}

func TestParseCSV_Separators(t *testing.T) {
	want := []contacts.Row{{Line: 2, Name: "Asha Rao", Phones: []string{"98765 43210"}, Household: "Rao, Bangalore"}}
	tests := []struct{ name, in string }{
		{"comma", "Name,Phone,Household\nAsha Rao,98765 43210,\"Rao, Bangalore\"\n"},
		{"semicolon", "Name;Phone;Household\nAsha Rao;98765 43210;Rao, Bangalore\n"},
		{"semicolon with quoted commas in the header", "\"Name\";\"Phone\";\"Household\";\"Notes, comments, remarks, etc.\"\nAsha Rao;98765 43210;Rao, Bangalore;\n"},
		{"tab", "Name\tPhone\tHousehold\nAsha Rao\t98765 43210\tRao, Bangalore\n"},
		{"Excel sep= line", "sep=;\r\nName;Phone;Household\r\nAsha Rao;98765 43210;Rao, Bangalore\r\n"},
		{"classic Mac CR line ends", "Name,Phone,Household\rAsha Rao,98765 43210,\"Rao, Bangalore\"\r"},
		{"no final line end", "Name,Phone,Household\nAsha Rao,98765 43210,\"Rao, Bangalore\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRows(t, parseCSV(t, tt.in), want)
		})
	}
}

// Header aliases: each header is matched ignoring case, spaces and
// punctuation.
func TestParseCSV_HeaderAliases(t *testing.T) {
	type get func(contacts.Row) any
	var (
		name      get = func(r contacts.Row) any { return r.Name }
		firstPh   get = func(r contacts.Row) any { return r.Phones[0] }
		email     get = func(r contacts.Row) any { return r.Email }
		household get = func(r contacts.Row) any { return r.Household }
		side      get = func(r contacts.Row) any { return r.Side }
		tags      get = func(r contacts.Row) any { return strings.Join(r.Tags, "|") }
		seats     get = func(r contacts.Row) any { return r.Seats }
	)
	tests := []struct {
		header string
		cell   string
		get    get
		want   any
	}{
		{"Name", "Asha", name, "Asha"},
		{"  FULL   NAME ", "Asha", name, "Asha"},
		{"full_name", "Asha", name, "Asha"},
		{"Guest Name", "Asha", name, "Asha"},
		{"Display Name", "Asha", name, "Asha"},
		{"नाम", "आशा", name, "आशा"},
		{"First Name", "Asha", name, "Asha"},
		{"Given Name", "Asha", name, "Asha"},
		{"Last Name", "Rao", name, "Rao"},
		{"Surname", "Rao", name, "Rao"},
		{"Family Name", "Rao", name, "Rao"}, // Google's old format: a last name, not a household
		{"Phone", "98765 43210", firstPh, "98765 43210"},
		{"Phone Number", "98765 43210", firstPh, "98765 43210"},
		{"Mobile", "98765 43210", firstPh, "98765 43210"},
		{"Mobile Number", "98765 43210", firstPh, "98765 43210"},
		{"Mobile No.", "98765 43210", firstPh, "98765 43210"},
		{"Mobile #", "98765 43210", firstPh, "98765 43210"},
		{"Contact No", "98765 43210", firstPh, "98765 43210"},
		{"WhatsApp", "98765 43210", firstPh, "98765 43210"},
		{"WhatsApp Number", "98765 43210", firstPh, "98765 43210"},
		{"Phone 2", "98765 43210", firstPh, "98765 43210"},
		{"Phone 1 - Value", "98765 43210 ::: 98220 12345", firstPh, "98765 43210"},
		{"Mobile Phone", "98765 43210", firstPh, "98765 43210"}, // Outlook
		{"Business Phone 2", "98765 43210", firstPh, "98765 43210"},
		{"मोबाइल नंबर", "98765 43210", firstPh, "98765 43210"},
		{"फ़ोन", "98765 43210", firstPh, "98765 43210"}, // with a nukta
		{"Email", "a@example.com", email, "a@example.com"},
		{"E-mail", "a@example.com", email, "a@example.com"},
		{"Email ID", "a@example.com", email, "a@example.com"},
		{"E-mail 1 - Value", "a@example.com ::: b@example.com", email, "a@example.com"},
		{"E-mail Address", "a@example.com", email, "a@example.com"},
		{"E-mail 2 Address", "a@example.com", email, "a@example.com"},
		{"Household", "Rao family", household, "Rao family"},
		{"Family", "Rao family", household, "Rao family"},
		{"Group", "Rao family", household, "Rao family"},
		{"परिवार", "राव", household, "राव"},
		{"Side", "Ladkewale", side, "Ladkewale"},
		{"Bride/Groom", "bride", side, "bride"},
		{"Tags", "haldi; sangeet, reception", tags, "haldi|sangeet|reception"},
		{"Labels", "* myContacts ::: Haldi", tags, "Haldi"},
		{"Group Membership", "* My Contacts ::: * Friends", tags, "Friends"},
		{"Categories", "Haldi;Haldi;haldi", tags, "Haldi"},
		{"Seats", "3", seats, 3},
		{"No. of Guests", "3", seats, 3},
		{"Pax", " 3 ", seats, 3},
		{"Seats", "0", seats, 0},
		{"Seats", "-2", seats, 0},
		{"Seats", "2.5", seats, 0},
		{"Seats", "two", seats, 0},
		{"Seats", "99999", seats, 0},
	}
	for _, tt := range tests {
		t.Run(tt.header+"="+tt.cell, func(t *testing.T) {
			// A second column makes every row valid whatever the first is.
			other, otherCell := "Phone", "11111"
			if strings.Contains(strings.ToLower(tt.header), "phone") || tt.get(contacts.Row{Phones: []string{"p"}}) == "p" {
				other, otherCell = "Name", "Other"
			}
			in := `"` + tt.header + `",` + other + "\n\"" + tt.cell + `",` + otherCell + "\n"
			rows := parseCSV(t, in)
			if len(rows) != 1 || rows[0].Invalid != "" {
				t.Fatalf("rows %v", rows)
			}
			if got := tt.get(rows[0]); got != tt.want {
				t.Errorf("got %v, want %v (row %s)", got, tt.want, show(rows[0]))
			}
		})
	}
}

func TestParseCSV_NameAndPhoneOrder(t *testing.T) {
	in := "Last Name,First Name,Middle Name,Name,Phone,Mobile,Phone 1 - Label,Phone 1 - Value,WhatsApp\n" +
		"Rao,Asha,K,,0141 222 3344,98765 43210,Mobile,98220 12345,+44 7700 900123\n" +
		"Rao,Asha,,Asha Rao (Bua),022 1234 5678; 022-1234-5678,,Home,98220 12345,\n"
	checkRows(t, parseCSV(t, in), []contacts.Row{
		{Line: 2, Name: "Asha K Rao", Phones: []string{"+44 7700 900123", "98765 43210", "98220 12345", "0141 222 3344"}},
		{Line: 3, Name: "Asha Rao (Bua)", Phones: []string{"022 1234 5678", "98220 12345"}},
	})
}
