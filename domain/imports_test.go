package domain_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// Indian numbers in every common spelling are one number; what cannot be
// a mobile number is refused with the reason, never guessed.
func TestPrepareImport_Phones(t *testing.T) {
	spellings := []string{"+91 98765 43210", "0091 98765 43210", "091-98765-43210", "098765 43210", "98765-43210",
		"(+91) 98765 43210", "+91 (98765) 43210", "9876543210", "+91.98765.43210"}
	var rows []domain.ImportRow
	for i, s := range spellings {
		rows = append(rows, domain.ImportRow{Line: i + 2, Name: "Uncle", Phones: []string{s}})
	}
	for i, p := range domain.PrepareImport(rows, "IN") {
		if p.Invalid != "" || p.Phone != "+919876543210" {
			t.Errorf("%q: %+v", spellings[i], p)
		}
	}
	bad := []struct {
		row  domain.ImportRow
		want string
	}{
		{domain.ImportRow{Name: "Landline", Phones: []string{"011 2345 6789"}}, "landline"},
		{domain.ImportRow{Name: "Short", Phones: []string{"12345"}}, "not a valid number"},
		{domain.ImportRow{Name: "Letters", Phones: []string{"call me"}}, "not a phone number"},
		{domain.ImportRow{Phones: []string{"+919876543210"}}, "no name"},
		{domain.ImportRow{}, "no name and no phone"},
		{domain.ImportRow{Name: "Mail", Email: "not-an-address"}, "not an address"},
		{domain.ImportRow{Name: "Side", Side: "neighbours"}, "not bride, groom or both"},
		{domain.ImportRow{Name: "Bidi\u202e"}, "name"},
		{domain.ImportRow{Name: "Read", Invalid: "a cell over 4 KiB"}, "a cell over 4 KiB"},
	}
	for _, tt := range bad {
		p := domain.PrepareImport([]domain.ImportRow{tt.row}, "IN")[0]
		if !strings.Contains(p.Invalid, tt.want) {
			t.Errorf("%+v: invalid %q, want it to say %q", tt.row, p.Invalid, tt.want)
		}
	}
	// A landline beside a mobile: the mobile is the phone.
	p := domain.PrepareImport([]domain.ImportRow{{Name: "Both", Phones: []string{"011 2345 6789", "98765 43210"}}}, "IN")[0]
	if p.Invalid != "" || p.Phone != "+919876543210" {
		t.Errorf("landline then mobile: %+v", p)
	}
	if p := domain.PrepareImport([]domain.ImportRow{{Name: "Ladkiwale", Side: "Ladkiwale"}}, "IN")[0]; !p.SideSet || p.Side != domain.SideBride {
		t.Errorf("side alias: %+v", p)
	}
}

func importRows(rows ...domain.ImportRow) []domain.PreparedRow {
	return domain.PrepareImport(rows, "IN")
}

// Rows of one household become one unit, the first member with a phone is
// primary; a re-import changes no guest; a re-import with edits suggests
// instead of overwriting; accepting takes the incoming data.
func TestImportContacts(t *testing.T) {
	f := newFixture(t)
	rows := []domain.ImportRow{
		{Line: 2, Name: "Sunita Sharma", Household: "Sharma family", Email: "sunita@example.com"},
		{Line: 3, Name: "Anil Sharma", Phones: []string{"98765 00001"}, Household: "Sharma family", Tags: []string{"elders"}},
		{Line: 4, Name: "राजेश वर्मा", Phones: []string{"+91 98765 00002"}, Side: "groom"},
		{Line: 5, Name: "Landline", Phones: []string{"011 2345 6789"}},
		{Line: 6, Name: "Twice", Phones: []string{"098765 00001"}},
	}
	res := f.must(admin, &domain.ImportContacts{Source: "contacts.csv", Format: "csv", Side: domain.SideBride, Tag: "import-1",
		Rows: importRows(rows...)}).(domain.ImportResult)
	r := res.Record
	if r.Rows != 5 || r.Created != 3 || r.Updated != 0 || r.Unchanged != 0 || r.Invalid != 2 || len(res.Invalid) != 2 ||
		res.Invalid[0].Line != 5 || !strings.Contains(res.Invalid[1].Reason, "the same phone as row 3") {
		t.Fatalf("import: %+v", res)
	}
	if len(f.w.Units) != 2 {
		t.Fatalf("%d units, want 2", len(f.w.Units))
	}
	var sharma, verma *domain.Unit
	for _, u := range f.w.Units {
		switch u.Name {
		case "Sharma family":
			sharma = u
		case "राजेश वर्मा":
			verma = u
		}
	}
	if sharma == nil || verma == nil || len(sharma.Members) != 2 || sharma.Side != domain.SideBride || verma.Side != domain.SideGroom ||
		!sharma.HasTag("import-1") || !sharma.HasTag("elders") {
		t.Fatalf("units: %+v %+v", sharma, verma)
	}
	if sharma.Members[0].Primary || !sharma.Members[1].Primary {
		t.Fatalf("the first member with a phone is primary: %+v", sharma.Members)
	}
	if src := sharma.Members[1].Sources; len(src) != 1 || src[0].ImportID != r.ID || src[0].Source != "contacts.csv" || src[0].Line != 3 {
		t.Fatalf("provenance %+v", src)
	}

	// The same file again: nothing about the guests changes.
	seq := f.w.Seq
	again := f.must(admin, &domain.ImportContacts{Source: "contacts.csv", Format: "csv", Side: domain.SideBride, Rows: importRows(rows...)}).(domain.ImportResult)
	if a := again.Record; a.Created != 0 || a.Updated != 0 || a.Suggestions != 0 || a.Unchanged != 3 {
		t.Fatalf("re-import: %+v", a)
	}
	if f.w.Seq != seq+1 || len(f.w.Imports) != 2 {
		t.Fatalf("re-import wrote %d changes (want only its record), imports %d", f.w.Seq-seq, len(f.w.Imports))
	}

	// Edits: a new spelling is a suggestion, a new email for someone who had
	// none fills it.
	edited := []domain.ImportRow{
		{Line: 2, Name: "Anil Kumar Sharma", Phones: []string{"+919876500001"}, Household: "Sharma family"},
		{Line: 3, Name: "राजेश वर्मा", Phones: []string{"+919876500002"}, Email: "rajesh@example.com"},
	}
	ed := f.must(admin, &domain.ImportContacts{Source: "contacts-v2.csv", Format: "csv", Rows: importRows(edited...)}).(domain.ImportResult)
	if e := ed.Record; e.Suggestions != 1 || e.Updated != 1 || e.Created != 0 {
		t.Fatalf("edited import: %+v", e)
	}
	if f.unit(sharma.ID).Members[1].Name != "Anil Sharma" {
		t.Fatalf("an import overwrote a name")
	}
	v, _ := domain.ListMergeSuggestions{}.Run(f.w, admin)
	sugs := v.([]domain.MergeSuggestion)
	if len(sugs) != 1 || sugs[0].Kind != domain.MergeSamePhone || sugs[0].Existing.Name != "Anil Sharma" ||
		sugs[0].Incoming.Name != "Anil Kumar Sharma" || len(sugs[0].Fields) != 1 || sugs[0].Fields[0] != "name" {
		t.Fatalf("suggestions %+v", sugs)
	}
	// Importing the edit again does not suggest it twice.
	f.must(admin, &domain.ImportContacts{Source: "contacts-v2.csv", Format: "csv", Rows: importRows(edited...)})
	if v, _ := (domain.ListMergeSuggestions{}).Run(f.w, admin); len(v.([]domain.MergeSuggestion)) != 1 {
		t.Fatalf("the same suggestion twice: %+v", v)
	}
	f.must(admin, &domain.ResolveMergeSuggestion{ID: sugs[0].ID})
	if got := f.unit(sharma.ID).Members[1]; got.Name != "Anil Kumar Sharma" || len(got.Sources) != 2 {
		t.Fatalf("accepted: %+v", got)
	}
	if _, _, err := f.exec(admin, &domain.ResolveMergeSuggestion{ID: sugs[0].ID, Dismiss: true}); err == nil {
		t.Fatalf("a suggestion resolved twice")
	}
	if _, _, err := f.exec(viewer, &domain.ImportContacts{Rows: importRows(rows...)}); err == nil {
		t.Fatalf("a viewer imported")
	}
	checkReplay(t, f)
}

// The same name with another phone on the other side's list is suggested;
// accepting merges the people (and the households), keeping invitations,
// RSVPs and consent.
func TestMergeSameName(t *testing.T) {
	f := newFixture(t)
	haldi := f.addEvent("Haldi", t0+1e15)
	sangeet := f.addEvent("Sangeet", t0+2e15)
	bride := f.must(admin, &domain.ImportContacts{Source: "bride.csv", Side: domain.SideBride, Rows: importRows(
		domain.ImportRow{Line: 2, Name: "Vikram Singh", Phones: []string{"+919876500001"}, Household: "Singh"})}).(domain.ImportResult)
	var bu *domain.Unit
	for _, u := range f.w.Units {
		bu = u
	}
	f.invite(bu.ID, 2, haldi)
	f.rsvp(bu.ID, haldi, domain.Yes, ptr(int32(2)))
	f.must(admin, &domain.RecordConsent{PersonID: bu.Members[0].ID, Status: domain.OptedIn, Source: "card"})
	groom := f.must(admin, &domain.ImportContacts{Source: "groom.vcf", Side: domain.SideGroom, Rows: importRows(
		domain.ImportRow{Line: 1, Name: "vikram  singh", Phones: []string{"+919876500002"}})}).(domain.ImportResult)
	// Within one file: the same name with another phone in one household.
	twice := f.must(admin, &domain.ImportContacts{Source: "dup.csv", Side: domain.SideBride, Rows: importRows(
		domain.ImportRow{Line: 2, Name: "Kiran Rao", Phones: []string{"+919876500021"}, Household: "Rao"},
		domain.ImportRow{Line: 3, Name: "KIRAN RAO", Phones: []string{"+919876500022"}, Household: "Rao"})}).(domain.ImportResult)
	if twice.Record.Created != 2 || twice.Record.Suggestions != 1 {
		t.Fatalf("one household, one name, two phones: %+v", twice.Record)
	}
	f.must(admin, &domain.ResolveMergeSuggestion{ID: f.w.Suggestions[len(f.w.Suggestions)-1].ID, Dismiss: true})
	if bride.Record.Suggestions != 0 || groom.Record.Suggestions != 1 {
		t.Fatalf("suggestions: bride %d, groom %d", bride.Record.Suggestions, groom.Record.Suggestions)
	}
	s := f.w.Suggestions[0] // Vikram's
	gu := f.unit(s.Incoming.UnitID)
	f.invite(gu.ID, 3, sangeet)
	f.rsvp(gu.ID, sangeet, domain.Maybe, nil)
	f.must(admin, &domain.RecordConsent{PersonID: s.Incoming.PersonID, Status: domain.OptedOut, Source: "asked us"})
	if _, _, err := f.exec(brideAdmin, &domain.ResolveMergeSuggestion{ID: s.ID}); err == nil {
		t.Fatalf("a bride-side admin merged a groom-side person")
	}
	res := f.must(admin, &domain.ResolveMergeSuggestion{ID: s.ID}).(domain.MergeResult)
	if res.UnitID != bu.ID || f.w.Units[gu.ID] != nil {
		t.Fatalf("merge: %+v; groom's unit still there: %v", res, f.w.Units[gu.ID] != nil)
	}
	u := f.unit(bu.ID)
	if len(u.Members) != 1 || u.Members[0].Phone != "+919876500001" {
		t.Fatalf("members %+v", u.Members)
	}
	if inv := u.Invitation(haldi); inv == nil || inv.RSVP.Status != domain.Yes || inv.RSVP.Headcount != 2 {
		t.Fatalf("haldi %+v", inv)
	}
	if inv := u.Invitation(sangeet); inv == nil || inv.Seats != 3 || inv.RSVP.Status != domain.Maybe {
		t.Fatalf("sangeet (the groom's list's invitation) %+v", inv)
	}
	// The opt-out given on the other number is the newest entry: it holds.
	if got := f.w.ConsentOf("+919876500001"); got != domain.OptedOut || len(f.w.Consent["+919876500001"]) != 2 {
		t.Fatalf("consent %v %+v", got, f.w.Consent["+919876500001"])
	}
	checkReplay(t, f)
}
