package domain

import (
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Contact imports (API.md "Import, export, audit"): families arrive with
// messy lists (a spreadsheet, a Google Contacts export, shared vCards).
// One import is one command: every valid row lands together, invalid rows
// are reported by their line, and a phone already in the wedding never
// overwrites silently: identical data changes nothing, different data
// becomes a merge suggestion (merge.go) for a person to decide.
//
// The slow part, parsing phones (~20 µs each), happens before the command
// reaches its wedding (PrepareImport, on the caller's goroutine, every
// core), so a 3,000-row import holds the wedding for the dedupe and the
// new units only.

// ImportRow is one row of a contact file (or one vCard), as read.
type ImportRow struct {
	Line      int // the row a spreadsheet shows (header = 1), or the card's number from 1
	Name      string
	Phones    []string // as written, mobile first
	Email     string
	Household string
	Side      string // as written
	Tags      []string
	// Invalid is why the reader could not read the row ("" if it could).
	Invalid string
}

// PreparedRow is a row checked and normalized for ImportContacts.
type PreparedRow struct {
	Line      int
	Name      string
	Phone     string // E.164, a number that can be a mobile one; "" for none
	Email     string
	Household string
	Side      Side
	SideSet   bool
	Tags      []string
	Invalid   string // why it is not imported ("" if it is valid)
}

// Limits of an import.
const (
	MaxImportRows    = 20_000
	MaxImportSources = 200 // imports a wedding remembers
	maxSourceNameLen = 200
)

// PrepareImport checks rows and normalizes their phones in region (the
// wedding's default country). A row's first phone that can be a mobile
// number is its phone; a row whose phones are all landlines or invalid is
// invalid, with the reason, never guessed. It is pure: goroutines only
// share the phones' parsing.
func PrepareImport(rows []ImportRow, region string) []PreparedRow {
	out := make([]PreparedRow, len(rows))
	var raws []string
	for i := range rows {
		out[i] = prepareShape(&rows[i])
		if out[i].Invalid == "" {
			raws = append(raws, rows[i].Phones...)
		}
	}
	mobiles := mobilePhones(raws, region)
	for i := range rows {
		p := &out[i]
		if p.Invalid != "" || len(rows[i].Phones) == 0 {
			continue
		}
		var why []string
		for _, raw := range rows[i].Phones {
			m := mobiles[raw]
			if m.e164 != "" {
				p.Phone = m.e164
				break
			}
			why = append(why, m.why)
		}
		if p.Phone == "" {
			p.Invalid = strings.Join(why, "; ")
		}
	}
	return out
}

// prepareShape runs a row's checks but the phones'.
func prepareShape(r *ImportRow) PreparedRow {
	p := PreparedRow{Line: r.Line, Name: strings.Join(strings.Fields(r.Name), " "), Household: strings.Join(strings.Fields(r.Household), " ")}
	fail := func(why string) PreparedRow { p.Invalid = why; return p }
	if r.Invalid != "" {
		return fail(r.Invalid)
	}
	if p.Name == "" {
		if len(r.Phones) == 0 {
			return fail("no name and no phone")
		}
		return fail("no name")
	}
	if err := checkText("name", p.Name, MaxNameLen, true); err != nil {
		return fail(err.(*Error).Message)
	}
	if err := checkText("household", p.Household, MaxNameLen, false); err != nil {
		return fail(err.(*Error).Message)
	}
	if e := strings.TrimSpace(r.Email); e != "" {
		if checkText("email", e, maxEmailLen, false) != nil || !strings.Contains(e, "@") || strings.ContainsAny(e, " <>") {
			return fail("email " + quoteShort(e) + " is not an address")
		}
		p.Email = e
	}
	if s := strings.ToLower(strings.TrimSpace(r.Side)); s != "" {
		side, ok := ParseSide(s)
		if !ok {
			side, ok = sideAliases[s]
		}
		if !ok {
			return fail("side " + quoteShort(r.Side) + " is not bride, groom or both")
		}
		p.Side, p.SideSet = side, true
	}
	for _, t := range r.Tags {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if checkText("tags", t, MaxTagLen, true) != nil {
			return fail("tag " + quoteShort(t) + " is not a tag (at most " + strconv.Itoa(MaxTagLen) + " bytes, one line)")
		}
		if len(p.Tags) == MaxTags {
			return fail("more than " + strconv.Itoa(MaxTags) + " tags")
		}
		p.Tags = append(p.Tags, t)
	}
	return p
}

// sideAliases are the words families write for a side.
var sideAliases = map[string]Side{
	"bride's": SideBride, "brides": SideBride, "bride side": SideBride, "ladkiwale": SideBride, "ladki wale": SideBride, "girl": SideBride,
	"groom's": SideGroom, "grooms": SideGroom, "groom side": SideGroom, "ladkewale": SideGroom, "ladke wale": SideGroom, "boy": SideGroom,
	"common": SideBoth, "both sides": SideBoth,
}

// mobileResult is a phone read for an import: its E.164 form if it can be
// a mobile number, else why not.
type mobileResult struct{ e164, why string }

// mobilePhones reads raws in region, on every core but one for a large
// import: the core left keeps the wedding (and every other request)
// going. With both of this machine's 2 cores the writes beside a 3,000-row
// import took 16–20 ms at p99; with one, 8 ms, and the import as fast
// (p95 129–134 ms against 106–131 ms: bench scenario import-3000).
func mobilePhones(raws []string, region string) map[string]mobileResult {
	out := make([]mobileResult, len(raws))
	workers := max(1, min(runtime.GOMAXPROCS(0)-1, len(raws)/parallelPhones))
	inParallel(len(raws), workers, func(i int) { out[i] = mobilePhone(raws[i], region) })
	m := make(map[string]mobileResult, len(raws))
	for i, r := range out {
		m[raws[i]] = r
	}
	return m
}

// mobilePhone reads one phone: valid, and of a type that can be a mobile
// (WhatsApp) number.
func mobilePhone(raw, region string) mobileResult {
	q := quoteShort(strings.TrimSpace(raw))
	if !maybePhone(raw) {
		return mobileResult{why: "phone " + q + " is not a phone number"}
	}
	num, ok := parsePhone(raw, region)
	if !ok {
		return mobileResult{why: "phone " + q + " is not a valid number"}
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return mobileResult{e164: phonenumbers.Format(num, phonenumbers.E164)}
	case phonenumbers.FIXED_LINE:
		return mobileResult{why: "phone " + q + " is a landline: it cannot receive WhatsApp messages"}
	}
	return mobileResult{why: "phone " + q + " cannot be a mobile number"}
}

// Provenance says where a person's data came from: an import's id, the
// source file's name, and the row (or card) in it.
type Provenance struct {
	ImportID string `msgpack:"i"`
	Source   string `msgpack:"s,omitempty"`
	Line     int32  `msgpack:"l"`
}

// maxProvenance bounds a person's provenance (the oldest go first).
const maxProvenance = 8

// ImportRecord is one past import, with its counts.
type ImportRecord struct {
	ID          string  `msgpack:"id"`
	Source      string  `msgpack:"s,omitempty"` // the file's name
	Format      string  `msgpack:"f"`
	At          Instant `msgpack:"at"`
	By          string  `msgpack:"b,omitempty"` // token id
	Rows        int32   `msgpack:"r"`
	Created     int32   `msgpack:"c"`
	Updated     int32   `msgpack:"u"`
	Unchanged   int32   `msgpack:"n"`
	Invalid     int32   `msgpack:"iv"`
	Suggestions int32   `msgpack:"sg"`
}

// ImportInvalid is one row an import refused, and why.
type ImportInvalid struct {
	Line   int
	Reason string
}

// ImportResult is what an import did.
type ImportResult struct {
	Record  ImportRecord
	Invalid []ImportInvalid
}

// ImportContacts imports prepared rows (PrepareImport) into the wedding:
// rows with the same household become one unit (joining a unit of that
// name already in the wedding), a row without one a unit of its own; the
// first member with a phone is the primary contact. A row whose phone is
// a person's already: identical data changes nothing (unchanged); data
// that only fills that person's empty fields updates them; anything else
// becomes a merge suggestion. Side is the side of rows that name none;
// Tag is added to every unit created.
type ImportContacts struct {
	Source string // the file's name
	Format string // csv, vcf
	Side   Side
	// SideOmitted: no side given (a side admin's rows go to its side,
	// everyone else's to both), as for units.
	SideOmitted bool
	Tag         string
	Rows        []PreparedRow
}

func (c *ImportContacts) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	if len(c.Rows) > MaxImportRows {
		return nil, nil, invalid("", "an import has at most %d rows", MaxImportRows)
	}
	if err := checkText("name", c.Source, maxSourceNameLen, false); err != nil {
		return nil, nil, err
	}
	if c.Tag != "" {
		if err := checkText("tag", c.Tag, MaxTagLen, true); err != nil {
			return nil, nil, err
		}
	}
	defSide := c.Side
	if c.SideOmitted {
		defSide = SideBoth
		if m.By.Role == RoleSideAdmin {
			defSide = m.By.Side
		}
	}
	if defSide >= numSides {
		return nil, nil, invalid("side", "side must be bride, groom or both")
	}
	if !m.By.SeesSide(defSide) {
		return nil, nil, forbidden("a %s side admin may only import to its side or both", m.By.Side)
	}
	imp := &importer{w: w, m: m, c: c, id: w.newID("im", 0), defSide: defSide,
		byPhone: map[string]int{}, households: map[string]*Unit{}, updated: map[string]*Unit{}}
	res := ImportResult{Record: ImportRecord{ID: imp.id, Source: c.Source, Format: c.Format, At: m.Now, By: m.By.TokenID,
		Rows: int32(len(c.Rows))}}
	for i := range c.Rows {
		if why := imp.row(&c.Rows[i], &res.Record); why != "" {
			res.Invalid = append(res.Invalid, ImportInvalid{Line: c.Rows[i].Line, Reason: why})
		}
	}
	res.Record.Invalid = int32(len(res.Invalid))
	return imp.changes(&res.Record), res, nil
}

// importer is one import being decided.
type importer struct {
	w       *Wedding
	m       Meta
	c       *ImportContacts
	id      string
	defSide Side
	// byPhone: phones of this import's rows so far → their line.
	byPhone map[string]int
	// households: this import's units by household key (new ones, and
	// existing ones rows join).
	households map[string]*Unit
	order      []*Unit // new units, in the order of their first row
	updated    map[string]*Unit
	updOrder   []*Unit // existing units changed, in order
	suggests   []MergeSuggestion
	newPeople  int
	units      int // new units
	// Indexes of the wedding's units as they were, built on first use:
	// lower-cased unit name → units; name key → people with a phone.
	byName   map[string][]*Unit
	byPerson map[string][]personRef
}

type personRef struct {
	u *Unit
	i int
}

// index builds the importer's indexes of the wedding's units.
func (imp *importer) index() {
	if imp.byName != nil {
		return
	}
	imp.byName = make(map[string][]*Unit, len(imp.w.Units))
	imp.byPerson = make(map[string][]personRef, len(imp.w.Units)*3)
	for _, u := range imp.w.Units {
		k := strings.ToLower(u.Name)
		imp.byName[k] = append(imp.byName[k], u)
		for i := range u.Members {
			if u.Members[i].Phone != "" {
				nk := nameKey(u.Members[i].Name)
				imp.byPerson[nk] = append(imp.byPerson[nk], personRef{u, i})
			}
		}
	}
	// In a fixed order, not the map's: the same import of the same
	// wedding suggests the same merges, in the same order, every time.
	for _, refs := range imp.byPerson {
		slices.SortFunc(refs, func(a, b personRef) int {
			if c := strings.Compare(a.u.ID, b.u.ID); c != 0 {
				return c
			}
			return a.i - b.i
		})
	}
}

// row imports one row; it returns why it was refused, or "".
func (imp *importer) row(r *PreparedRow, rec *ImportRecord) string {
	if r.Invalid != "" {
		return r.Invalid
	}
	side := imp.defSide
	if r.SideSet {
		side = r.Side
	}
	if !imp.m.By.SeesSide(side) {
		return "side " + side.String() + " is not this token's side"
	}
	if r.Phone != "" && !strings.HasPrefix(r.Phone, "+") {
		return "phone " + quoteShort(r.Phone) + " is not in E.164"
	}
	if r.Phone != "" {
		if line, dup := imp.byPhone[r.Phone]; dup {
			return "the same phone as row " + strconv.Itoa(line)
		}
		imp.byPhone[r.Phone] = r.Line
		if u := imp.w.phones[r.Phone]; u != nil {
			return imp.existing(u, r, rec)
		}
	} else if u, ok := imp.samePhoneless(r); ok {
		// No phone to go by: the same name in the same household is the
		// same person (so a re-import changes nothing).
		return imp.existing(u, r, rec)
	}
	// A new person, in its household's unit.
	key := strings.ToLower(r.Household)
	u := imp.households[key]
	if key == "" || u == nil {
		if key != "" {
			u = imp.existingHousehold(r.Household)
		}
		if u == nil {
			if len(imp.w.Units)+imp.units >= MaxUnits {
				return "the wedding has " + strconv.Itoa(MaxUnits) + " guest units already"
			}
			name := r.Household
			if name == "" {
				name = r.Name
			}
			u = &Unit{ID: imp.w.newID("u", imp.units+1), Name: name, Side: side, CreatedAt: imp.m.Now}
			if imp.c.Tag != "" {
				u.Tags = []string{imp.c.Tag}
			}
			imp.units++
			imp.order = append(imp.order, u)
		}
		if key != "" {
			imp.households[key] = u
		}
	}
	if len(u.Members) >= MaxMembers {
		return "household " + quoteShort(u.Name) + " has " + strconv.Itoa(MaxMembers) + " members already"
	}
	for _, t := range r.Tags {
		if !u.HasTag(t) && len(u.Tags) < MaxTags {
			u.Tags = append(u.Tags, t)
		}
	}
	p := Person{ID: "p" + strings.TrimPrefix(imp.id, "im") + "." + strconv.FormatInt(int64(imp.newPeople), 36),
		Name: r.Name, Phone: r.Phone, Email: r.Email,
		Sources: []Provenance{{ImportID: imp.id, Source: imp.c.Source, Line: int32(r.Line)}}}
	switch {
	case len(u.Members) == 0:
		p.Primary = true // a unit has exactly one primary contact
	case r.Phone != "" && !primaryHasPhone(u):
		// The first member with a phone is the primary contact: it takes
		// over from a phoneless first member this import added.
		for i := range u.Members {
			if u.Members[i].Primary && imp.added(u.Members[i].ID) {
				u.Members[i].Primary = false
				p.Primary = true
			}
		}
	}
	imp.newPeople++
	u.Members = append(u.Members, p)
	u.UpdatedAt = imp.m.Now
	rec.Created++
	imp.sameName(u, &p)
	if p.Phone != "" {
		// Later rows of this file are compared with this person too.
		k := nameKey(p.Name)
		imp.byPerson[k] = append(imp.byPerson[k], personRef{u, len(u.Members) - 1})
	}
	return ""
}

func primaryHasPhone(u *Unit) bool {
	for _, p := range u.Members {
		if p.Primary {
			return p.Phone != ""
		}
	}
	return false
}

// added reports whether person id was created by this import.
func (imp *importer) added(id string) bool {
	return strings.HasPrefix(id, "p"+strings.TrimPrefix(imp.id, "im")+".")
}

// existingHousehold is a copy of the wedding's unit named name (the first
// by id, for a stable choice), to which a row's person is added; nil if
// none, or if the token may not see it.
func (imp *importer) existingHousehold(name string) *Unit {
	var found *Unit
	imp.index()
	for _, u := range imp.byName[strings.ToLower(name)] {
		if imp.m.By.SeesSide(u.Side) && (found == nil || u.ID < found.ID) {
			found = u
		}
	}
	if found == nil {
		return nil
	}
	return imp.edit(found)
}

// edit is the working copy of an existing unit this import changes.
func (imp *importer) edit(u *Unit) *Unit {
	if c := imp.updated[u.ID]; c != nil {
		return c
	}
	c := *u
	c.Members = append([]Person(nil), u.Members...)
	c.Tags = append([]string(nil), u.Tags...)
	c.Invitations = nil // UnitsSaved keeps the stored ones
	imp.updated[u.ID] = &c
	imp.updOrder = append(imp.updOrder, &c)
	return &c
}

// samePhoneless finds the unit of a person without a phone that a
// phoneless row names again: the unit of its household (or, without one,
// named as the person) with a phoneless member of that name.
func (imp *importer) samePhoneless(r *PreparedRow) (*Unit, bool) {
	house := r.Household
	if house == "" {
		house = r.Name
	}
	imp.index()
	for _, u := range imp.byName[strings.ToLower(house)] {
		for _, m := range u.Members {
			if m.Phone == "" && nameKey(m.Name) == nameKey(r.Name) {
				return u, true
			}
		}
	}
	return nil, false
}

// existing handles a row whose phone a person of unit u has (or, for a
// phoneless row, whose name a phoneless member of u has).
func (imp *importer) existing(u *Unit, r *PreparedRow, rec *ImportRecord) string {
	if !imp.m.By.SeesSide(u.Side) {
		// Not this token's to see or change: nothing of it is shown.
		return "the phone is already a guest's of the other side"
	}
	cu := u
	if c := imp.updated[u.ID]; c != nil {
		cu = c
	}
	var p *Person
	for i := range cu.Members {
		if m := &cu.Members[i]; r.Phone != "" && m.Phone == r.Phone || r.Phone == "" && m.Phone == "" && nameKey(m.Name) == nameKey(r.Name) {
			p = m
		}
	}
	if p == nil {
		return "the phone is already a guest's"
	}
	incoming := MergePerson{Name: r.Name, Phone: r.Phone, Email: r.Email, Household: r.Household, Line: int32(r.Line)}
	var differ []string
	fill := false
	if !strings.EqualFold(strings.Join(strings.Fields(p.Name), " "), r.Name) {
		differ = append(differ, "name")
	}
	switch {
	case r.Email == "" || strings.EqualFold(r.Email, p.Email):
	case p.Email == "":
		fill = true
	default:
		differ = append(differ, "email")
	}
	if r.Household != "" && !strings.EqualFold(r.Household, cu.Name) {
		differ = append(differ, "household")
	}
	if len(differ) > 0 {
		if imp.w.suggestionOpen(MergeSamePhone, p.ID, incoming) {
			rec.Unchanged++ // suggested already, by an earlier import
			return ""
		}
		imp.suggests = append(imp.suggests, MergeSuggestion{Kind: MergeSamePhone, Existing: personOf(cu, p),
			Incoming: incoming, Fields: differ, ImportID: imp.id})
		return ""
	}
	if !fill {
		rec.Unchanged++
		return ""
	}
	c := imp.edit(u)
	for i := range c.Members {
		if c.Members[i].ID == p.ID {
			c.Members[i].Email = r.Email
			c.Members[i].Sources = appendProvenance(c.Members[i].Sources, Provenance{ImportID: imp.id, Source: imp.c.Source, Line: int32(r.Line)})
		}
	}
	c.UpdatedAt = imp.m.Now
	rec.Updated++
	return ""
}

func appendProvenance(ps []Provenance, p Provenance) []Provenance {
	ps = append(ps, p)
	if len(ps) > maxProvenance {
		ps = append(ps[:0:0], ps[len(ps)-maxProvenance:]...)
	}
	return ps
}

// sameName suggests merging a new person with someone of the same name
// and another phone in the same household, or on the other side's list.
func (imp *importer) sameName(u *Unit, p *Person) {
	if p.Phone == "" {
		return
	}
	imp.index()
	for _, ref := range imp.byPerson[nameKey(p.Name)] {
		other, q := ref.u, &ref.u.Members[ref.i]
		if q.Phone == p.Phone {
			continue
		}
		sameHousehold := other.ID == u.ID
		crossSides := (other.Side == SideBride && u.Side == SideGroom) || (other.Side == SideGroom && u.Side == SideBride)
		if !sameHousehold && !crossSides || !imp.m.By.SeesSide(other.Side) {
			continue
		}
		imp.suggests = append(imp.suggests, MergeSuggestion{Kind: MergeSameName, Existing: personOf(other, q),
			Incoming: MergePerson{PersonID: p.ID, UnitID: u.ID, Name: p.Name, Phone: p.Phone, Email: p.Email, Household: u.Name},
			Fields:   []string{"phone"}, ImportID: imp.id})
	}
}

// nameKey is a name as compared for same-name suggestions: case and
// spacing do not count.
func nameKey(n string) string { return strings.ToLower(strings.Join(strings.Fields(n), " ")) }

// changes are the import's changes: new and updated units, then the
// import's record with its suggestions.
func (imp *importer) changes(rec *ImportRecord) []Change {
	var units []Unit
	for _, u := range imp.order {
		units = append(units, *u)
	}
	for _, u := range imp.updOrder {
		units = append(units, *u)
	}
	var changes []Change
	if len(units) > 0 {
		changes = append(changes, Change{UnitsSaved: &UnitsSaved{Units: units}})
	}
	for i := range imp.suggests {
		imp.suggests[i].ID = imp.id + "s" + strconv.FormatInt(int64(i), 36)
	}
	rec.Suggestions = int32(len(imp.suggests))
	return append(changes, Change{ImportRecorded: &ImportRecorded{Import: *rec, Suggestions: imp.suggests}})
}

// ImportRecorded records an import and the merges it suggests.
type ImportRecorded struct {
	Import      ImportRecord      `msgpack:"i"`
	Suggestions []MergeSuggestion `msgpack:"s,omitempty"`
}

// ListImports is the wedding's past imports, newest first.
type ListImports struct{}

// Run implements Query.
func (ListImports) Run(w *Wedding, p Principal) (any, error) {
	out := make([]ImportRecord, 0, len(w.Imports))
	for i := len(w.Imports) - 1; i >= 0; i-- {
		out = append(out, w.Imports[i])
	}
	return out, nil
}
