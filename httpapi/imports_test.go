package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// importCSV is an Excel-saved CSV: a BOM, semicolons, Devanagari names, a
// household of two, a landline, a row without a name.
const importCSV = "\ufeffName;Mobile;Email;Family;Side;Tags\r\n" +
	"Anil Sharma;+91 98765 00001;anil@example.com;Sharma family;bride;elders\r\n" +
	"Sunita Sharma;098765 00002;;Sharma family;bride;\r\n" +
	"राजेश वर्मा;0091 98765 00003;;;ladkewale;\r\n" +
	"Office;011 2345 6789;;;;\r\n" +
	";98765 00004;;;;\r\n"

// An import over HTTP: counts, rows refused with their line and reason,
// households, provenance on the people; the same file again changes
// nothing; an edited file suggests, and accepting applies the suggestion.
func TestHTTP_Import(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("import-csv")
	a := s.must(200, "POST", "/v1/weddings/"+w+"/imports?format=csv&name=guests.csv&tag=excel", owner, importCSV)
	if num(a.body["rows"]) != 5 || num(a.body["created"]) != 3 || num(a.body["unchanged"]) != 0 || num(a.body["suggestions"]) != 0 {
		t.Fatalf("import: %s", a.raw)
	}
	inv := a.body["invalid"].([]any)
	if len(inv) != 2 || inv[0].(map[string]any)["row"] != 5.0 || !strings.Contains(inv[0].(map[string]any)["reason"].(string), "landline") ||
		inv[1].(map[string]any)["row"] != 6.0 {
		t.Fatalf("invalid rows: %s", a.raw)
	}
	id := a.str("id")
	units := s.must(200, "GET", "/v1/weddings/"+w+"/units", owner, nil).items()
	if len(units) != 2 {
		t.Fatalf("%d units, want 2", len(units))
	}
	for _, u := range units {
		u := u.(map[string]any)
		members := u["members"].([]any)
		m := members[0].(map[string]any)
		src := m["sources"].([]any)[0].(map[string]any)
		if src["import_id"] != id || src["file"] != "guests.csv" {
			t.Fatalf("provenance: %v", m)
		}
		switch u["name"] {
		case "Sharma family":
			if len(members) != 2 || u["side"] != "bride" || m["phone"] != "+919876500001" || src["row"] != 2.0 {
				t.Fatalf("Sharma family: %v", u)
			}
		case "राजेश वर्मा":
			if u["side"] != "groom" || m["phone"] != "+919876500003" {
				t.Fatalf("Verma: %v", u)
			}
		default:
			t.Fatalf("unit %v", u)
		}
	}
	// Again: nothing changes.
	b := s.must(200, "POST", "/v1/weddings/"+w+"/imports?format=csv&name=guests.csv", owner, importCSV)
	if num(b.body["created"]) != 0 || num(b.body["updated"]) != 0 || num(b.body["unchanged"]) != 3 || num(b.body["suggestions"]) != 0 {
		t.Fatalf("re-import: %s", b.raw)
	}
	// Edited: a suggestion, not an overwrite.
	edited := strings.Replace(importCSV, "Anil Sharma;", "Anil Kumar Sharma;", 1)
	c := s.must(200, "POST", "/v1/weddings/"+w+"/imports?name=guests-v2.csv", owner, edited)
	if num(c.body["suggestions"]) != 1 || num(c.body["created"]) != 0 {
		t.Fatalf("edited import: %s", c.raw)
	}
	sugs := s.must(200, "GET", "/v1/weddings/"+w+"/merge-suggestions", owner, nil).items()
	if len(sugs) != 1 {
		t.Fatalf("suggestions: %v", sugs)
	}
	sg := sugs[0].(map[string]any)
	if sg["kind"] != "same_phone" || sg["existing"].(map[string]any)["name"] != "Anil Sharma" || sg["incoming"].(map[string]any)["name"] != "Anil Kumar Sharma" {
		t.Fatalf("suggestion %v", sg)
	}
	s.must(200, "POST", "/v1/weddings/"+w+"/merge-suggestions/"+sg["id"].(string)+"/accept", owner, nil)
	if got := s.must(200, "GET", "/v1/weddings/"+w+"/merge-suggestions", owner, nil).items(); len(got) != 0 {
		t.Fatalf("still open: %v", got)
	}
	wantError(t, s.call("POST", "/v1/weddings/"+w+"/merge-suggestions/"+sg["id"].(string)+"/dismiss", owner, nil), 409, "suggestion_resolved")
	if list := s.must(200, "GET", "/v1/weddings/"+w+"/imports", owner, nil).items(); len(list) != 3 ||
		list[0].(map[string]any)["name"] != "guests-v2.csv" {
		t.Fatalf("imports: %v", list)
	}
	// The audit trail shows the imports and the accepted suggestion.
	if got := s.must(200, "GET", "/v1/weddings/"+w+"/audit?kind=import_recorded", owner, nil).items(); len(got) != 3 ||
		got[2].(map[string]any)["detail"].(map[string]any)["name"] != "guests.csv" {
		t.Fatalf("audit of the imports: %v", got)
	}
	if got := s.must(200, "GET", "/v1/weddings/"+w+"/audit?kind=merge_resolved", owner, nil).items(); len(got) != 1 ||
		got[0].(map[string]any)["detail"].(map[string]any)["state"] != "accepted" {
		t.Fatalf("audit of the merge: %v", got)
	}
	// Files that are not a contact list: a clear error, nothing stored.
	seq := s.seq(w)
	utf16 := []byte{0xff, 0xfe, 'N', 0, 'a', 0, 'm', 0, 'e', 0, '\n', 0}
	if e := s.call("POST", "/v1/weddings/"+w+"/imports?format=csv", owner, utf16); e.status != 400 || !strings.Contains(string(e.raw), "UTF-16") {
		t.Fatalf("UTF-16: %d %s", e.status, e.raw)
	}
	wantError(t, s.call("POST", "/v1/weddings/"+w+"/imports?format=xls", owner, importCSV), 400, "invalid_field")
	if s.seq(w) != seq {
		t.Fatalf("a refused file changed the wedding")
	}
}

// vCards: many cards, folded and quoted-printable lines, the mobile first.
func TestHTTP_ImportVCard(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("import-vcf")
	vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Meera\r\n  Iyer\r\nTEL;TYPE=HOME:011 2345 6789\r\nTEL;TYPE=CELL:+91 98765 00011\r\nEMAIL:meera@example.com\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E0=A4=B8=E0=A5=81=E0=A4=A8=E0=A5=80=E0=A4=A4=E0=A4=BE\r\nTEL;CELL:9876500012\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:No Phone\r\nEND:VCARD\r\n"
	a := s.must(200, "POST", "/v1/weddings/"+w+"/imports?format=vcf&name=phone.vcf&side=groom", owner, vcf)
	if num(a.body["rows"]) != 3 || num(a.body["created"]) != 3 {
		t.Fatalf("vcf import: %s", a.raw)
	}
	names := map[string]string{}
	for _, u := range s.must(200, "GET", "/v1/weddings/"+w+"/units", owner, nil).items() {
		m := u.(map[string]any)["members"].([]any)[0].(map[string]any)
		names[m["name"].(string)] = m["phone"].(string)
		if u.(map[string]any)["side"] != "groom" {
			t.Fatalf("side: %v", u)
		}
	}
	if names["Meera Iyer"] != "+919876500011" || names["सुनीता"] != "+919876500012" || names["No Phone"] != "" {
		t.Fatalf("people: %v", names)
	}
}
