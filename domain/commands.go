package domain

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on input, so that one request cannot make a wedding unboundedly
// large. Generous for real weddings.
const (
	MaxNameLen       = 200
	MaxNoteLen       = 1000
	MaxTagLen        = 64
	MaxTags          = 32
	MaxMembers       = 50
	MaxEvents        = 100
	MaxUnits         = 20000
	MaxSeats         = 500
	MaxBatchUnits    = 5000
	maxEmailLen      = 254
	maxTokenLabelLen = 200
	// MaxBatchPhones bounds the phones of one AddUnits, all items
	// together: each costs a parse (~20 µs), and 5,000 units of 50 members
	// would otherwise hold a wedding's goroutine and every core for
	// seconds. Five a unit at the largest batch.
	MaxBatchPhones = 25000
)

// Command is a request to change a wedding. The set is closed: only this
// package's commands exist, so every change is decided by code in here.
type Command interface {
	// decide validates the command against w and returns the change
	// payloads (not yet stamped or applied) and the caller's result.
	decide(w *Wedding, m Meta) ([]Change, any, error)
}

// Execute decides cmd against the current state and applies the resulting
// changes, stamped with their sequence numbers, time and author. It returns
// the changes (for the journal) and the command's result. On error nothing
// has changed. A command may decide that nothing needs to change (a late
// RSVP, say): then changes is empty and out still says what is stored.
func (w *Wedding) Execute(cmd Command, m Meta) (changes []Change, out any, err error) {
	if _, creating := cmd.(*CreateWedding); !creating && !w.Created() {
		return nil, nil, &Error{Kind: KindNotFound, Code: "not_found", Message: "no such wedding"}
	}
	changes, out, err = cmd.decide(w, m)
	if err != nil {
		return nil, nil, err
	}
	for i := range changes {
		changes[i].Seq = w.Seq + 1
		changes[i].At = m.Now
		changes[i].By = m.By.TokenID
		if err := w.Apply(&changes[i]); err != nil {
			// decide produced a change that does not fit: a bug in this
			// package. The caller must reload the wedding (the state may
			// be partly changed), so say it loudly.
			panic(err)
		}
	}
	return changes, out, nil
}

// newID allocates the i-th identifier of the next change. Ids derive from
// the sequence, so they are unique in the wedding and a replay allocates the
// same ones.
func (w *Wedding) newID(prefix string, i int) string {
	id := prefix + strconv.FormatUint(w.Seq+1, 36)
	if i > 0 {
		id += "_" + strconv.FormatInt(int64(i), 36)
	}
	return id
}

func requireRole(p Principal, min Role, action string) error {
	if p.Role < min {
		return forbidden("a %s token may not %s", p.Role, action)
	}
	return nil
}

// checkText checks a one-line text: names, tags, labels, venues. Besides
// its length, it refuses the characters listed at hiddenChar, line breaks
// and tabs included: names and venues go into WhatsApp template
// parameters (which may not hold newlines or tabs) and CSV exports.
func checkText(field, v string, max int, required bool) error {
	return checkChars(field, v, max, required, false)
}

// checkNote checks a note: admin-only text, never sent to guests, so it
// may run over several lines (LF, CR); nothing else checkText refuses.
func checkNote(field, v string, max int) error {
	return checkChars(field, v, max, false, true)
}

func checkChars(field, v string, max int, required, lines bool) error {
	if required && strings.TrimSpace(v) == "" {
		return invalid(field, "%s is required", field)
	}
	if !utf8.ValidString(v) {
		return invalid(field, "%s is not valid UTF-8", field)
	}
	if utf8.RuneCountInString(v) > max {
		return invalid(field, "%s is longer than %d characters", field, max)
	}
	n := 0
	for _, r := range v {
		n++
		if hiddenChar(r) && !(lines && (r == '\n' || r == '\r')) {
			return invalid(field, "%s has a control or invisible formatting character (%U, character %d); remove it", field, r, n)
		}
	}
	return nil
}

// hiddenChar reports whether r is a control character (Unicode Cc: NUL,
// tab, newline, DEL, C1) or an invisible format character that reorders or
// hides text: bidi embeddings, overrides, isolates and marks (a name with
// U+202E shows reversed), the zero-width space, the BOM, line and
// paragraph separators, and the deprecated and annotation format
// characters. Zero-width joiners (U+200C, U+200D) stay: Indic scripts and
// emoji need them.
func hiddenChar(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200b, r == 0x200e, r == 0x200f, r == 0xfeff:
		return true
	case r >= 0x2028 && r <= 0x202e, r >= 0x2066 && r <= 0x206f, r >= 0xfff9 && r <= 0xfffb:
		return true
	}
	return false
}

// ---- wedding and tokens ----

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// CreateWedding starts a wedding. Only the operator (root) may.
type CreateWedding struct {
	ID       string // chosen by the engine, globally unique
	Name     string
	Slug     string
	Date     string // YYYY-MM-DD, in the years 2000 to 2100
	Timezone string // IANA name (ValidZoneName); checked against the tz database at the edge
	Region   string // ISO country for phone numbers, e.g. "IN"
}

// The years a wedding's date may fall in: earlier or later ones are typing
// mistakes (or "0000-01-01"), never a wedding being planned.
const (
	minYear = 2000
	maxYear = 2100
)

var zoneNameRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9_+-]*(?:/[A-Z][A-Za-z0-9_+-]*)*$`)

// ValidZoneName reports whether tz has the form of a tz database zone name
// ("Asia/Kolkata", "America/Argentina/Buenos_Aires", "Etc/GMT-5", "UTC"):
// components that start with a capital letter, at most 64 bytes. It
// refuses what time.LoadLocation would accept but is no zone of the
// database: "Local" and "localtime" (the server's own zone, which would
// move with the server), "Factory" (a placeholder), the database's helper
// files and trees ("posixrules", "posix/…", "right/…") and paths. Whether
// the zone exists is for the caller to check (the domain reads no files).
func ValidZoneName(tz string) bool {
	return len(tz) <= 64 && tz != "Local" && tz != "Factory" && zoneNameRE.MatchString(tz)
}

func (c *CreateWedding) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the operator may create weddings")
	}
	if w.Created() {
		return nil, nil, conflict("already_exists", "id", w.Info.ID, "wedding %s exists already", w.Info.ID)
	}
	if c.ID == "" {
		return nil, nil, invalid("id", "id is required")
	}
	if err := checkText("name", c.Name, MaxNameLen, true); err != nil {
		return nil, nil, err
	}
	if !slugRE.MatchString(c.Slug) {
		return nil, nil, invalid("slug", "slug must be 1-64 lower-case letters, digits and inner dashes")
	}
	if d, err := time.Parse("2006-01-02", c.Date); err != nil {
		return nil, nil, invalid("date", "date must be YYYY-MM-DD")
	} else if d.Year() < minYear || d.Year() > maxYear {
		return nil, nil, invalid("date", "date must be a day in the years %d to %d, not %s", minYear, maxYear, c.Date)
	}
	if c.Timezone == "" {
		c.Timezone = "Asia/Kolkata"
	}
	if !ValidZoneName(c.Timezone) {
		return nil, nil, invalid("timezone", "timezone must be a zone of the tz database like Asia/Kolkata or UTC, not %s", quoteShort(c.Timezone))
	}
	if c.Region == "" {
		c.Region = "IN"
	}
	if !ValidRegion(c.Region) {
		return nil, nil, invalid("region", "region %s is not a known ISO country code", quoteShort(c.Region))
	}
	info := Info{ID: c.ID, Name: strings.TrimSpace(c.Name), Slug: c.Slug, Date: c.Date,
		Timezone: c.Timezone, Region: c.Region, CreatedAt: m.Now}
	return []Change{{WeddingCreated: &WeddingCreated{Info: info}}}, info, nil
}

// IssueToken creates an access token. The caller generates the secret and
// passes only its SHA-256 hash.
type IssueToken struct {
	Role  Role
	Side  Side
	Label string
	Hash  [32]byte
}

func (c *IssueToken) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleOwner, "manage tokens"); err != nil {
		return nil, nil, err
	}
	switch c.Role {
	case RoleViewer, RoleAdmin, RoleOwner:
		if c.Side != SideBoth {
			return nil, nil, invalid("side", "side is only for side_admin tokens")
		}
	case RoleSideAdmin:
		if c.Side != SideBride && c.Side != SideGroom {
			return nil, nil, invalid("side", "a side_admin token needs side bride or groom")
		}
	default:
		return nil, nil, invalid("role", "role must be owner, admin, side_admin or viewer")
	}
	if err := checkText("label", c.Label, maxTokenLabelLen, false); err != nil {
		return nil, nil, err
	}
	for _, t := range w.Tokens {
		if t.Hash == c.Hash {
			return nil, nil, conflict("duplicate_token", "", t.ID, "this token exists already")
		}
	}
	t := Token{ID: w.newID("t", 0), Hash: c.Hash, Role: c.Role, Side: c.Side, Label: c.Label, CreatedAt: m.Now}
	return []Change{{TokenIssued: &t}}, t, nil
}

// RevokeToken ends a token at once.
type RevokeToken struct{ ID string }

func (c *RevokeToken) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleOwner, "manage tokens"); err != nil {
		return nil, nil, err
	}
	for _, t := range w.Tokens {
		if t.ID == c.ID && !t.Revoked {
			return []Change{{TokenRevoked: &TokenRevoked{ID: c.ID}}}, nil, nil
		}
	}
	return nil, nil, notFound("id", "token", c.ID)
}

// ---- events ----

// AddEvent adds a function to the wedding.
type AddEvent struct {
	Name     string
	StartsAt Instant
	// EndsAt is the event's end, if HasEnd or it is nonzero: HasEnd says
	// a 0 EndsAt was given (the Unix epoch, which is then refused as a
	// time before the start) rather than left out.
	EndsAt     Instant
	HasEnd     bool
	Venue      string
	Visibility Visibility
}

// checkEvent checks an event about to be saved. hasEnd says whether its
// end was given (or kept): an end given as 0 is the Unix epoch, refused as
// a time, never taken for "no end".
func checkEvent(e *Event, hasEnd bool) error {
	if err := checkText("name", e.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := checkText("venue", e.Venue, MaxNameLen, false); err != nil {
		return err
	}
	if e.StartsAt < MinEventTime || e.StartsAt >= MaxEventTime {
		return invalid("starts_at", "starts_at must be a time in the years 2000 to 2100 (UTC)")
	}
	if hasEnd {
		if e.EndsAt < e.StartsAt {
			return invalid("ends_at", "ends_at is before starts_at")
		}
		if e.EndsAt >= MaxEventTime {
			return invalid("ends_at", "ends_at must be a time in the years 2000 to 2100 (UTC)")
		}
	} else {
		e.EndsAt = 0
	}
	if e.Visibility > InviteOnly {
		return invalid("visibility", "visibility must be public or invite_only")
	}
	return nil
}

func (c *AddEvent) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleAdmin, "change events"); err != nil {
		return nil, nil, err
	}
	if len(w.Events) >= MaxEvents {
		return nil, nil, invalid("", "a wedding has at most %d events", MaxEvents)
	}
	e := Event{ID: w.newID("e", 0), Name: strings.TrimSpace(c.Name), StartsAt: c.StartsAt, EndsAt: c.EndsAt,
		Venue: c.Venue, Visibility: c.Visibility}
	if err := checkEvent(&e, c.HasEnd || c.EndsAt != 0); err != nil {
		return nil, nil, err
	}
	return []Change{{EventSaved: &e}}, e, nil
}

// UpdateEvent changes the fields that are set. EndsAt, when set, is a time
// (0 is the Unix epoch); ClearEnd removes the end instead.
type UpdateEvent struct {
	ID         string
	Name       *string
	StartsAt   *Instant
	EndsAt     *Instant
	ClearEnd   bool
	Venue      *string
	Visibility *Visibility
}

func (c *UpdateEvent) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleAdmin, "change events"); err != nil {
		return nil, nil, err
	}
	old := w.Event(c.ID)
	if old == nil {
		return nil, nil, notFound("id", "event", c.ID)
	}
	e := *old
	hasEnd := old.HasEnd()
	if c.Name != nil {
		e.Name = strings.TrimSpace(*c.Name)
	}
	if c.StartsAt != nil {
		e.StartsAt = *c.StartsAt
	}
	switch {
	case c.EndsAt != nil && c.ClearEnd:
		return nil, nil, invalid("ends_at", "give ends_at a time or clear it, not both")
	case c.EndsAt != nil:
		e.EndsAt, hasEnd = *c.EndsAt, true
	case c.ClearEnd:
		hasEnd = false
	}
	if c.Venue != nil {
		e.Venue = *c.Venue
	}
	if c.Visibility != nil {
		e.Visibility = *c.Visibility
	}
	if err := checkEvent(&e, hasEnd); err != nil {
		return nil, nil, err
	}
	return []Change{{EventSaved: &e}}, e, nil
}

// DeleteEvent removes an event. With answered RSVPs it needs Force.
type DeleteEvent struct {
	ID    string
	Force bool
}

func (c *DeleteEvent) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleAdmin, "change events"); err != nil {
		return nil, nil, err
	}
	if w.Event(c.ID) == nil {
		return nil, nil, notFound("id", "event", c.ID)
	}
	if !c.Force {
		if ev := w.counts.events[c.ID]; ev != nil {
			for _, sc := range ev {
				if sc.InvitedUnits-sc.PendingUnits > 0 {
					return nil, nil, conflict("has_rsvps", "force", "",
						"the event has RSVPs; delete it with force=true to drop them")
				}
			}
		}
	}
	return []Change{{EventDeleted: &EventDeleted{ID: c.ID}}}, nil, nil
}

// ---- units and people ----

// MemberInput is a person as a client describes it. ID keeps an existing
// member's id on update; empty means a new person.
type MemberInput struct {
	ID      string
	Name    string
	Phone   string
	Email   string
	Primary bool
}

// UnitInput is a household as a client describes it.
type UnitInput struct {
	Name string
	Side Side
	// SideOmitted says the client gave no side (Side is then ignored): a
	// side admin's unit goes to its own side, everyone else's to both. NB:
	// not "both" for a side admin, as the other side's admin sees and may
	// delete units of both; and not the zero Side, which is an explicit
	// "both".
	SideOmitted bool
	Tags        []string
	Members     []MemberInput
}

// AuthorizeGuestWrite says whether p may add or change guest units at all:
// every role but viewers. The unit commands check it first; the edge asks
// it before reading a batch's items, so that a viewer's write is a 403
// whatever its body, and the viewer learns nothing from item validation.
func AuthorizeGuestWrite(p Principal) error {
	return requireRole(p, RoleSideAdmin, "change guests")
}

// AddUnit creates a guest unit with its members.
type AddUnit struct{ Unit UnitInput }

func (c *AddUnit) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	if len(w.Units) >= MaxUnits {
		return nil, nil, invalid("", "a wedding has at most %d guest units", MaxUnits)
	}
	u, err := w.buildUnit(m.By, w.newID("u", 0), &c.Unit, nil, nil, "")
	if err != nil {
		return nil, nil, err
	}
	u.CreatedAt, u.UpdatedAt = m.Now, m.Now
	return []Change{{UnitsSaved: &UnitsSaved{Units: []Unit{u}}}}, u, nil
}

// BatchItem is one unit's outcome in AddUnits: an id, or an error.
type BatchItem struct {
	Index int
	ID    string
	Err   error
}

// AddUnits creates many units at once. Valid ones are stored even when
// others fail; items are checked against each other too (phones).
type AddUnits struct{ Units []UnitInput }

func (c *AddUnits) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	if len(c.Units) > MaxBatchUnits {
		return nil, nil, invalid("units", "a batch has at most %d units", MaxBatchUnits)
	}
	phones := 0
	for i := range c.Units {
		for _, mi := range c.Units[i].Members {
			if mi.Phone != "" {
				phones++
			}
		}
	}
	if phones > MaxBatchPhones {
		return nil, nil, invalid("units", "a batch carries at most %d phones in all, this one %d: split it into smaller batches", MaxBatchPhones, phones)
	}
	// Every item's cheap checks first; only the items that pass them have
	// their phones parsed (see buildUnit).
	results := make([]BatchItem, len(c.Units))
	shaped := make([]int, 0, len(c.Units))
	raws := make([]string, 0, phones)
	for i := range c.Units {
		results[i].Index = i
		if _, err := w.unitShape(m.By, "", &c.Units[i], nil, batchPrefix(i)); err != nil {
			results[i].Err = err
			continue
		}
		shaped = append(shaped, i)
		for _, mi := range c.Units[i].Members {
			if mi.Phone != "" {
				raws = append(raws, mi.Phone)
			}
		}
	}
	units := make([]Unit, 0, len(shaped))
	batchPhones := map[string]string{}
	batch := &unitBatch{taken: batchPhones, normalized: normalizePhones(raws, w.Info.Region)}
	for _, i := range shaped {
		if len(w.Units)+len(units) >= MaxUnits {
			results[i].Err = invalid("", "a wedding has at most %d guest units", MaxUnits)
			continue
		}
		u, err := w.buildUnit(m.By, w.newID("u", len(units)), &c.Units[i], nil, batch, batchPrefix(i))
		if err != nil {
			results[i].Err = err
			continue
		}
		u.CreatedAt, u.UpdatedAt = m.Now, m.Now
		for _, p := range u.Members {
			if p.Phone != "" {
				batchPhones[p.Phone] = p.ID
			}
		}
		results[i].ID = u.ID
		units = append(units, u)
	}
	if len(units) == 0 {
		return nil, results, nil
	}
	return []Change{{UnitsSaved: &UnitsSaved{Units: units}}}, results, nil
}

func batchPrefix(i int) string { return "units[" + strconv.Itoa(i) + "]." }

// UpdateUnit changes the fields that are set. Members, when set, replace the
// member list: members carrying an existing ID keep it.
type UpdateUnit struct {
	ID      string
	Name    *string
	Side    *Side
	Tags    *[]string
	Members *[]MemberInput
}

func (c *UpdateUnit) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	old, err := w.visibleUnit(m.By, c.ID, "id")
	if err != nil {
		return nil, nil, err
	}
	in := UnitInput{Name: old.Name, Side: old.Side, Tags: old.Tags}
	if c.Name != nil {
		in.Name = *c.Name
	}
	if c.Side != nil {
		in.Side = *c.Side
	}
	if c.Tags != nil {
		in.Tags = *c.Tags
	}
	var members []MemberInput
	if c.Members != nil {
		members = *c.Members
	} else {
		for _, p := range old.Members {
			members = append(members, MemberInput{ID: p.ID, Name: p.Name, Phone: p.Phone, Email: p.Email, Primary: p.Primary})
		}
	}
	in.Members = members
	u, err := w.buildUnit(m.By, old.ID, &in, old, nil, "")
	if err != nil {
		return nil, nil, err
	}
	u.CreatedAt, u.UpdatedAt = old.CreatedAt, m.Now
	return []Change{{UnitsSaved: &UnitsSaved{Units: []Unit{u}}}}, u, nil
}

// DeleteUnit removes a unit, its members and its invitations.
type DeleteUnit struct{ ID string }

func (c *DeleteUnit) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	if _, err := w.visibleUnit(m.By, c.ID, "id"); err != nil {
		return nil, nil, err
	}
	return []Change{{UnitDeleted: &UnitDeleted{ID: c.ID}}}, nil, nil
}

// visibleUnit finds a unit p may see; anything else does not exist for p.
func (w *Wedding) visibleUnit(p Principal, id, field string) (*Unit, error) {
	u := w.Units[id]
	if u == nil || !p.SeesSide(u.Side) {
		return nil, notFound(field, "guest unit", id)
	}
	return u, nil
}

// unitBatch is what the units of one AddUnits share while they are built:
// the phones its earlier units took, and its phones normalized up front.
type unitBatch struct {
	taken      map[string]string // E.164 → person id
	normalized map[string]string // raw → E.164, "" if invalid (see normalizePhones)
}

func (b *unitBatch) takenBy(e164 string) (string, bool) {
	if b == nil {
		return "", false
	}
	id, ok := b.taken[e164]
	return id, ok
}

func (b *unitBatch) normalizedPhone(raw string) (string, bool) {
	if b == nil {
		return "", false
	}
	e, ok := b.normalized[raw]
	return e, ok
}

// buildUnit validates a unit description and returns the unit to store
// (without invitations). old is the unit being replaced (nil for a new one);
// batch is nil outside AddUnits. The cheap checks (unitShape) all come
// before any phone is parsed: a phone costs ~20 µs, the rest next to
// nothing, so a unit that is wrong anyway must not cost its phones.
func (w *Wedding) buildUnit(p Principal, id string, in *UnitInput, old *Unit, batch *unitBatch, prefix string) (Unit, error) {
	u, err := w.unitShape(p, id, in, old, prefix)
	if err != nil {
		return Unit{}, err
	}
	if err := w.unitPhones(p, &u, in, batch, prefix); err != nil {
		return Unit{}, err
	}
	return u, nil
}

// unitShape runs every check of buildUnit but the phones' and returns the
// unit without phones.
func (w *Wedding) unitShape(p Principal, id string, in *UnitInput, old *Unit, prefix string) (Unit, error) {
	side := in.Side
	if in.SideOmitted {
		side = SideBoth
		if p.Role == RoleSideAdmin {
			side = p.Side
		}
	}
	if side >= numSides {
		return Unit{}, invalid(prefix+"side", "side must be bride, groom or both")
	}
	if !p.SeesSide(side) {
		return Unit{}, forbidden("a %s side admin may only add or move units to its side or both", p.Side)
	}
	if len(in.Members) == 0 {
		return Unit{}, invalid(prefix+"members", "a unit needs at least one member")
	}
	if len(in.Members) > MaxMembers {
		return Unit{}, invalid(prefix+"members", "a unit has at most %d members", MaxMembers)
	}
	if len(in.Tags) > MaxTags {
		return Unit{}, invalid(prefix+"tags", "a unit has at most %d tags", MaxTags)
	}
	var tags []string
	for i, t := range in.Tags {
		t = strings.TrimSpace(t)
		f := prefix + "tags[" + strconv.Itoa(i) + "]"
		if err := checkText(f, t, MaxTagLen, true); err != nil {
			return Unit{}, err
		}
		dup := false
		for _, x := range tags {
			dup = dup || x == t
		}
		if !dup {
			tags = append(tags, t)
		}
	}
	oldMembers := map[string]bool{}
	if old != nil {
		for _, pm := range old.Members {
			oldMembers[pm.ID] = true
		}
	}
	u := Unit{ID: id, Name: strings.TrimSpace(in.Name), Side: side, Tags: tags,
		Members: make([]Person, 0, len(in.Members))}
	primaries := 0
	seenIDs := map[string]bool{}
	for i, mi := range in.Members {
		f := prefix + "members[" + strconv.Itoa(i) + "]."
		if err := checkText(f+"name", mi.Name, MaxNameLen, true); err != nil {
			return Unit{}, err
		}
		pid := mi.ID
		if pid == "" {
			// New unit: members derive from its (unique) id. Existing unit:
			// from this change's sequence, so a removed member's id is
			// never handed out again.
			base := strings.TrimPrefix(id, "u")
			if old != nil {
				base = strconv.FormatUint(w.Seq+1, 36)
			}
			pid = "p" + base + "." + strconv.FormatInt(int64(i), 36)
		} else if !oldMembers[pid] || seenIDs[pid] {
			return Unit{}, invalid(f+"id", "member id %s is not a member of this unit", quoteShort(pid))
		}
		seenIDs[pid] = true
		per := Person{ID: pid, Name: strings.TrimSpace(mi.Name), Primary: mi.Primary}
		if old != nil && mi.ID != "" {
			for _, om := range old.Members {
				if om.ID == pid {
					per.Sources = om.Sources // where the person came from stays
				}
			}
		}
		if mi.Phone != "" && !maybePhone(mi.Phone) {
			// Not a phone whatever the region: refused here, with the other
			// cheap checks, so that no unit of a batch is parsed in vain.
			return Unit{}, badPhone(mi.Phone, f+"phone")
		}
		if mi.Email != "" {
			e := strings.TrimSpace(mi.Email)
			if err := checkText(f+"email", e, maxEmailLen, false); err != nil {
				return Unit{}, err
			}
			if len(e) > maxEmailLen || !strings.Contains(e, "@") || strings.ContainsAny(e, " <>") {
				return Unit{}, invalid(f+"email", "email %s is not an address", quoteShort(e))
			}
			per.Email = e
		}
		if per.Primary {
			primaries++
		}
		u.Members = append(u.Members, per)
	}
	if primaries > 1 {
		return Unit{}, invalid(prefix+"members", "a unit has exactly one primary contact; %d are marked", primaries)
	}
	if primaries == 0 {
		u.Members[0].Primary = true
	}
	if u.Name == "" {
		for _, pm := range u.Members {
			if pm.Primary {
				u.Name = pm.Name
			}
		}
	}
	if err := checkText(prefix+"name", u.Name, MaxNameLen, true); err != nil {
		return Unit{}, err
	}
	return u, nil
}

// unitPhones normalizes the phones of in into u's members (which
// unitShape made from in, in the same order) and checks that no other
// person holds them.
func (w *Wedding) unitPhones(p Principal, u *Unit, in *UnitInput, batch *unitBatch, prefix string) error {
	for i, mi := range in.Members {
		if mi.Phone == "" {
			continue
		}
		f := prefix + "members[" + strconv.Itoa(i) + "].phone"
		e164, ok := batch.normalizedPhone(mi.Phone)
		switch {
		case !ok:
			var err error
			if e164, err = NormalizePhone(mi.Phone, w.Info.Region, f); err != nil {
				return err
			}
		case e164 == "":
			return badPhone(mi.Phone, f)
		}
		if hu, holder, ok := w.phoneHolder(e164); ok && hu.ID != u.ID {
			// A phone is unique in the whole wedding, but the holder is
			// named only to whom may see its unit: to a side admin, the
			// other side's guests do not exist (their ids included).
			if !p.SeesSide(hu.Side) {
				holder = ""
			}
			return conflict("duplicate_phone", f, holder, "phone %s belongs to another person of this wedding", e164)
		}
		if holder, ok := batch.takenBy(e164); ok {
			return conflict("duplicate_phone", f, holder, "phone %s belongs to another person of this batch", e164)
		}
		for _, q := range u.Members[:i] {
			if q.Phone == e164 {
				return conflict("duplicate_phone", f, q.ID, "phone %s is given twice in this unit", e164)
			}
		}
		u.Members[i].Phone = e164
	}
	return nil
}

// ---- invitations and RSVPs ----

// Invite invites units to events. Exactly one selector is used: UnitIDs,
// All, Side (that exact side) or Tag. Seats 0 means "number of members" for
// new invitations and "unchanged" for existing ones.
type Invite struct {
	EventIDs []string
	UnitIDs  []string
	All      bool
	Side     *Side
	Tag      string
	Seats    int32
}

// InviteResult counts unit × event pairs.
type InviteResult struct {
	Invited int `json:"invited"`
	Already int `json:"already"`
}

func (w *Wedding) checkEvents(ids []string) error {
	if len(ids) == 0 {
		return invalid("event_ids", "event_ids needs at least one event")
	}
	for i, id := range ids {
		if w.Event(id) == nil {
			return notFound("event_ids["+strconv.Itoa(i)+"]", "event", id)
		}
	}
	return nil
}

// selectUnits resolves a selector to the units p may see, in id order.
func (w *Wedding) selectUnits(p Principal, ids []string, all bool, side *Side, tag string) ([]*Unit, error) {
	n := 0
	if len(ids) > 0 {
		n++
	}
	if all {
		n++
	}
	if side != nil {
		n++
	}
	if tag != "" {
		n++
	}
	if n != 1 {
		return nil, invalid("unit_ids", "give exactly one of unit_ids, all, side or tag")
	}
	var out []*Unit
	if len(ids) > 0 {
		seen := make(map[string]bool, len(ids))
		for i, id := range ids {
			u, err := w.visibleUnit(p, id, "unit_ids["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, u)
			}
		}
		return out, nil
	}
	if side != nil && *side >= numSides {
		return nil, invalid("side", "side must be bride, groom or both")
	}
	for _, u := range w.Units {
		if !p.SeesSide(u.Side) {
			continue
		}
		if (side != nil && u.Side != *side) || (tag != "" && !u.HasTag(tag)) {
			continue
		}
		out = append(out, u)
	}
	sortUnits(out)
	return out, nil
}

func (c *Invite) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleSideAdmin, "invite guests"); err != nil {
		return nil, nil, err
	}
	if err := w.checkEvents(c.EventIDs); err != nil {
		return nil, nil, err
	}
	if c.Seats < 0 || c.Seats > MaxSeats {
		return nil, nil, invalid("seats", "seats must be 1..%d", MaxSeats)
	}
	units, err := w.selectUnits(m.By, c.UnitIDs, c.All, c.Side, c.Tag)
	if err != nil {
		return nil, nil, err
	}
	var res InviteResult
	var grants []Grant
	for _, eid := range dedupe(c.EventIDs) {
		for _, u := range units {
			inv := u.Invitation(eid)
			switch {
			case inv == nil:
				seats := c.Seats
				if seats == 0 {
					seats = int32(len(u.Members))
				}
				grants = append(grants, Grant{UnitID: u.ID, EventID: eid, Seats: seats})
				res.Invited++
			case c.Seats != 0 && inv.Seats != c.Seats:
				grants = append(grants, Grant{UnitID: u.ID, EventID: eid, Seats: c.Seats})
				res.Already++
			default:
				res.Already++
			}
		}
	}
	if len(grants) == 0 {
		return nil, res, nil
	}
	return []Change{{Invited: &Invited{Grants: grants}}}, res, nil
}

func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		dup := false
		for _, x := range out {
			dup = dup || x == id
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}

// Uninvite removes invitations (and their RSVPs).
type Uninvite struct {
	EventIDs []string
	UnitIDs  []string
}

// UninviteResult counts removed unit × event pairs.
type UninviteResult struct {
	Removed int `json:"removed"`
}

func (c *Uninvite) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleSideAdmin, "invite guests"); err != nil {
		return nil, nil, err
	}
	if err := w.checkEvents(c.EventIDs); err != nil {
		return nil, nil, err
	}
	if len(c.UnitIDs) == 0 {
		return nil, nil, invalid("unit_ids", "unit_ids needs at least one unit")
	}
	units, err := w.selectUnits(m.By, c.UnitIDs, false, nil, "")
	if err != nil {
		return nil, nil, err
	}
	var pairs []Pair
	for _, eid := range dedupe(c.EventIDs) {
		for _, u := range units {
			if u.Invitation(eid) != nil {
				pairs = append(pairs, Pair{UnitID: u.ID, EventID: eid})
			}
		}
	}
	res := UninviteResult{Removed: len(pairs)}
	if len(pairs) == 0 {
		return nil, res, nil
	}
	return []Change{{Uninvited: &Uninvited{Pairs: pairs}}}, res, nil
}

// SetRSVP records a unit's answer for an event. Headcount nil with Yes
// means all seats. AnsweredAt is when the guest answered (defaults to now);
// an answer older than the stored one changes nothing.
type SetRSVP struct {
	UnitID     string
	EventID    string
	Status     RSVPStatus
	Headcount  *int32
	Note       string
	Source     Source
	AnsweredAt Instant
}

// RSVPResult is one invitation's stored answer.
type RSVPResult struct {
	UnitID  string
	EventID string
	Seats   int32
	RSVP    RSVP
	// Stale is true when the answer was older than the stored one and so
	// changed nothing.
	Stale bool
}

func (c *SetRSVP) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if c.Source > SourceWeb {
		return nil, nil, invalid("source", "unknown source")
	}
	// Admins answer on a guest's behalf (source admin); guests' own
	// answers (WhatsApp, web) are recorded by the engine itself, as root,
	// after it has identified the guest. No token may claim to be a guest.
	if c.Source == SourceAdmin {
		if err := requireRole(m.By, RoleSideAdmin, "answer for guests"); err != nil {
			return nil, nil, err
		}
	} else if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine records answers from WhatsApp or the web")
	}
	u, err := w.visibleUnit(m.By, c.UnitID, "unit_id")
	if err != nil {
		return nil, nil, err
	}
	if w.Event(c.EventID) == nil {
		return nil, nil, notFound("event_id", "event", c.EventID)
	}
	inv := u.Invitation(c.EventID)
	if inv == nil {
		return nil, nil, conflict("not_invited", "event_id", "", "unit %s is not invited to event %s", c.UnitID, c.EventID)
	}
	if c.Status > Maybe {
		return nil, nil, invalid("status", "status must be yes, no, maybe or pending")
	}
	if err := checkNote("note", c.Note, MaxNoteLen); err != nil {
		return nil, nil, err
	}
	var hc int32
	switch {
	case c.Status == Yes && c.Headcount == nil:
		hc = inv.Seats
	case c.Status == Yes:
		hc = *c.Headcount
		if hc < 1 || hc > inv.Seats {
			return nil, nil, invalid("headcount", "headcount must be 1..%d (the seats of this invitation)", inv.Seats)
		}
	case c.Headcount != nil && *c.Headcount != 0:
		return nil, nil, invalid("headcount", "headcount is only for status yes")
	}
	at := c.AnsweredAt
	if at == 0 {
		at = m.Now
	}
	cur := inv.RSVP
	res := RSVPResult{UnitID: u.ID, EventID: c.EventID, Seats: inv.Seats}
	if at < cur.AnsweredAt || (at == cur.AnsweredAt && cur.Status == c.Status && cur.Headcount == hc &&
		cur.Note == c.Note && cur.Source == c.Source) {
		// Older than what is stored, or an exact repeat: nothing changes.
		res.RSVP, res.Stale = cur, at < cur.AnsweredAt
		return nil, res, nil
	}
	// RSVPs are most of a wedding's traffic: one allocation holds the
	// change and its payload.
	alloc := &struct {
		changes [1]Change
		r       RSVPRecorded
	}{r: RSVPRecorded{UnitID: u.ID, EventID: c.EventID, Status: c.Status, Headcount: hc,
		Source: c.Source, AnsweredAt: at, Note: c.Note}}
	alloc.changes[0].RSVPRecorded = &alloc.r
	res.RSVP = RSVP{Status: c.Status, Headcount: hc, Source: c.Source, AnsweredAt: at, Note: c.Note, Seq: w.Seq + 1}
	return alloc.changes[:], res, nil
}
