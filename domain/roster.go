package domain

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Roster is an immutable copy of a wedding's guest list at one sequence:
// its events, its units with their members, and each unit's invitations
// with their answers. Exports read it: the guest sheet (one row per
// person) and each event's caterer sheet (one row per invited unit, then
// the totals), as CSV (Sheet).
//
// A roster is made on the wedding's goroutine (GetRoster: one query
// through the mailbox, whose answer waits behind every commit in flight,
// so a roster never shows a change that is not durable) and read on any
// goroutine. The copy is small because it copies only what the state
// writes in place: a unit's invitations, whose answers change, become a
// few packed numbers; ids, names, members and tags are shared with the
// state, which replaces those slices and never writes into them (see
// Wedding). Everything slow (ordering the units, encoding CSV) happens on
// the reader's goroutine, once per roster and kind of sheet: the sheets
// built are kept with the roster, and a View keeps the roster (see
// View.Roster), so exports of a wedding that has not changed cost a copy
// of bytes at most.
type Roster struct {
	WeddingID string
	Slug      string
	// Seq is the journal sequence of the state copied; AsOf the time of
	// its last change.
	Seq  uint64
	AsOf Instant
	// Events are the wedding's events in time order.
	Events []RosterEvent

	units  []rosterUnit       // ordered by order(), on first read
	invs   []rosterInvitation // the units' invitations, each unit's in one run
	people int                // members of every unit (to size the guest sheet)

	sortOnce sync.Once
	// sheets keeps each sheet built: per scope, per kind (the guest sheet,
	// then each event's), plain and for spreadsheets.
	sheets []sheetMemo
}

// RosterEvent is an event as a roster knows it.
type RosterEvent struct {
	ID         string
	Name       string
	Visibility Visibility
}

type rosterUnit struct {
	id, name string
	side     Side
	tags     []string // shared with the state: never written
	members  []Person // shared with the state: never written
	created  Instant
	from, to int32 // its invitations: invs[from:to]
}

// rosterInvitation is an invitation with its answer, packed (12 bytes
// against Invitation's 64): a 1000-unit wedding has ~10,000.
type rosterInvitation struct {
	event     uint16 // index into Events (a wedding has at most MaxEvents)
	status    RSVPStatus
	seats     int32
	headcount int32
}

type sheetMemo struct {
	once sync.Once
	b    []byte
}

// GetRoster copies the guest list for an export: every unit whoever asks;
// the export shows each reader the units it may see (Sheet). Its answer is
// a *Roster.
type GetRoster struct{}

// Run implements Query.
func (GetRoster) Run(w *Wedding, _ Principal) (any, error) { return w.Roster(), nil }

// Roster copies the guest list (see Roster). It runs on the wedding's
// goroutine, in O(units + invitations), with three allocations whatever
// the wedding's size (BenchmarkWedding_Roster).
func (w *Wedding) Roster() *Roster {
	r := &Roster{WeddingID: w.Info.ID, Slug: w.Info.Slug, Seq: w.Seq, AsOf: w.LastAt,
		Events: make([]RosterEvent, len(w.Events))}
	for i := range w.Events {
		e := &w.Events[i]
		r.Events[i] = RosterEvent{ID: e.ID, Name: e.Name, Visibility: e.Visibility}
	}
	n := 0
	for _, u := range w.Units {
		n += len(u.Invitations)
	}
	r.units = make([]rosterUnit, 0, len(w.Units))
	r.invs = make([]rosterInvitation, 0, n)
	k := 0
	for _, u := range w.Units {
		from := len(r.invs)
		for i := range u.Invitations {
			inv := &u.Invitations[i]
			// Units are mostly invited event by event: the event after
			// the last one found is most often the next one.
			if k = r.eventAfter(k, inv.EventID); k < 0 {
				k = 0
				continue // unreachable: deleting an event uninvites everyone
			}
			r.invs = append(r.invs, rosterInvitation{event: uint16(k), status: inv.RSVP.Status,
				seats: inv.Seats, headcount: inv.RSVP.Headcount})
		}
		r.units = append(r.units, rosterUnit{id: u.ID, name: u.Name, side: u.Side, tags: u.Tags,
			members: u.Members, created: u.CreatedAt, from: int32(from), to: int32(len(r.invs))})
		r.people += len(u.Members)
	}
	r.sheets = make([]sheetMemo, numScopes*(len(r.Events)+1)*2)
	return r
}

// eventAfter is eventIndex, looking from the event after the k-th on.
func (r *Roster) eventAfter(k int, id string) int {
	n := len(r.Events)
	for j := 1; j <= n; j++ {
		if i := (k + j) % n; r.Events[i].ID == id {
			return i
		}
	}
	return -1
}

// eventIndex is the index of the event with id in r.Events, or -1.
func (r *Roster) eventIndex(id string) int {
	for i := range r.Events {
		if r.Events[i].ID == id {
			return i
		}
	}
	return -1
}

// Units is the number of units in the roster (every side).
func (r *Roster) Units() int { return len(r.units) }

// order is the units in the order they were added (time, then id: ids
// of one change are numbered, and a shorter one is an earlier one),
// sorted by the first reader, off the wedding's goroutine.
func (r *Roster) order() []rosterUnit {
	r.sortOnce.Do(func() {
		slices.SortFunc(r.units, func(a, b rosterUnit) int {
			if a.created != b.created {
				if a.created < b.created {
					return -1
				}
				return 1
			}
			if len(a.id) != len(b.id) {
				return len(a.id) - len(b.id)
			}
			return strings.Compare(a.id, b.id)
		})
	})
	return r.units
}

// rosterScope is the scope of p's sheets: a side admin sees the units of
// its side and of both sides, as its headcount counts them; every other
// role sees every unit.
func rosterScope(p Principal) (int, bool) {
	if p.Role != RoleSideAdmin {
		return scopeAll, true
	}
	switch p.Side {
	case SideBride:
		return scopeBride, true
	case SideGroom:
		return scopeGroom, true
	}
	return 0, false // no such token can be issued
}

// scopeSees says whether a unit of side s is in scope.
func scopeSees(scope int, s Side) bool {
	switch scope {
	case scopeBride:
		return s == SideBride || s == SideBoth
	case scopeGroom:
		return s == SideGroom || s == SideBoth
	}
	return true
}

// Sheet returns the CSV export p may read: the guest sheet (eventID "")
// or the caterer's sheet of that event. With excel set it starts with a
// UTF-8 byte order mark (without one Excel reads UTF-8 as the local code
// page, and Devanagari as garbage) and its text cells are made inert as
// formulas (see AppendSheet). It is built once per roster, scope, sheet
// and excel, by the first reader (others wait for it), and kept: the
// caller must not modify it.
//
// Returns a not_found *Error (field "event") if the roster has no event
// eventID, and a forbidden one for a principal of no known scope.
func (r *Roster) Sheet(p Principal, eventID string, excel bool) ([]byte, error) {
	scope, event, err := r.sheetOf(p, eventID)
	if err != nil {
		return nil, err
	}
	i := (scope*(len(r.Events)+1) + event + 1) * 2
	if excel {
		i++
	}
	m := &r.sheets[i]
	m.once.Do(func() {
		b := r.appendSheet(make([]byte, 0, r.sheetSize(event)), scope, event, excel)
		if cap(b)-len(b) > len(b)/4 {
			b = bytes.Clone(b) // kept for long: not with a guess's slack
		}
		m.b = b
	})
	return m.b, nil
}

// AppendSheet appends to dst the sheet Sheet returns, built anew.
//
// The guest sheet's columns: unit_id, household, side, tags (joined with
// "; "), person_id, name, phone, email, primary (true or false), then for
// each event in time order "<name> status" and "<name> headcount", both
// empty where the unit is not invited. Units come in the order they were
// added, each unit's members in its order. A household answers as one:
// its status is on each member's row, its headcount on its first row only,
// so that a column's sum is the event's headcount.
//
// The caterer's sheet has one row per unit invited to the event: unit_id,
// household, contact and phone (its primary contact's), seats, status,
// headcount; then a row TOTAL with the sums of seats and headcount and the
// units by status ("yes 3; maybe 1; no 0; pending 2").
//
// Cells are quoted as encoding/csv quotes them (a comma, a quote, a line
// break). With excel, a text cell that a spreadsheet would read as a
// formula (starting with =, +, -, @, a tab or a carriage return) gets a
// leading apostrophe: names come from contact files of anyone's making.
// Phones are E.164 (+ and digits): a spreadsheet reads them as numbers at
// worst, never runs them.
func (r *Roster) AppendSheet(dst []byte, p Principal, eventID string, excel bool) ([]byte, error) {
	scope, event, err := r.sheetOf(p, eventID)
	if err != nil {
		return dst, err
	}
	return r.appendSheet(dst, scope, event, excel), nil
}

func (r *Roster) sheetOf(p Principal, eventID string) (scope, event int, err error) {
	scope, ok := rosterScope(p)
	if !ok {
		return 0, 0, forbidden("a %s token of side %s may not export", p.Role, p.Side)
	}
	event = -1
	if eventID != "" {
		if event = r.eventIndex(eventID); event < 0 {
			return 0, 0, notFound("event", "event", eventID)
		}
	}
	return scope, event, nil
}

// sheetSize guesses a sheet's size (every scope's: a little more than a
// side's), to allocate it once: a row is ~80 bytes of names, ids and
// phone, and ~8 more per event in the guest sheet.
func (r *Roster) sheetSize(event int) int {
	if event < 0 {
		return 256 + r.people*(80+8*len(r.Events))
	}
	invited := 0
	for i := range r.invs {
		if int(r.invs[i].event) == event {
			invited++
		}
	}
	return 256 + invited*80
}

// bom is the UTF-8 byte order mark.
const bom = "\xef\xbb\xbf"

func (r *Roster) appendSheet(dst []byte, scope, event int, excel bool) []byte {
	buf := bytes.NewBuffer(dst)
	if excel {
		buf.WriteString(bom)
	}
	cw := csv.NewWriter(buf)
	if event < 0 {
		r.writeGuests(cw, scope, excel)
	} else {
		r.writeCaterer(cw, scope, event, excel)
	}
	cw.Flush() // a bytes.Buffer does not fail
	return buf.Bytes()
}

func (r *Roster) writeGuests(cw *csv.Writer, scope int, excel bool) {
	rec := make([]string, 0, 9+2*len(r.Events))
	rec = append(rec, "unit_id", "household", "side", "tags", "person_id", "name", "phone", "email", "primary")
	for _, e := range r.Events {
		rec = append(rec, text(e.Name+" status", excel), text(e.Name+" headcount", excel))
	}
	_ = cw.Write(rec)
	at := make([]int32, len(r.Events)) // per event, the unit's invitation in invs, or -1
	for i := range r.order() {
		u := &r.units[i]
		if !scopeSees(scope, u.side) {
			continue
		}
		for k := range at {
			at[k] = -1
		}
		for j := u.from; j < u.to; j++ {
			at[r.invs[j].event] = j
		}
		name, tags := text(u.name, excel), text(strings.Join(u.tags, "; "), excel)
		for m := range u.members {
			p := &u.members[m]
			rec = append(rec[:0], u.id, name, u.side.String(), tags, p.ID, text(p.Name, excel), p.Phone,
				text(p.Email, excel), strconv.FormatBool(p.Primary))
			for _, j := range at {
				if j < 0 {
					rec = append(rec, "", "")
					continue
				}
				inv := &r.invs[j]
				hc := ""
				if m == 0 {
					hc = smallInt(inv.headcount)
				}
				rec = append(rec, inv.status.String(), hc)
			}
			_ = cw.Write(rec)
		}
	}
}

func (r *Roster) writeCaterer(cw *csv.Writer, scope, event int, excel bool) {
	_ = cw.Write([]string{"unit_id", "household", "contact", "phone", "seats", "status", "headcount"})
	var (
		seats, headcount int64
		by               [Maybe + 1]int
	)
	rec := make([]string, 0, 7)
	for i := range r.order() {
		u := &r.units[i]
		if !scopeSees(scope, u.side) {
			continue
		}
		for j := u.from; j < u.to; j++ {
			inv := &r.invs[j]
			if int(inv.event) != event {
				continue
			}
			var contact, phone string
			if c := contactOf(u.members); c != nil {
				contact, phone = c.Name, c.Phone
			}
			rec = append(rec[:0], u.id, text(u.name, excel), text(contact, excel), phone,
				smallInt(inv.seats), inv.status.String(), smallInt(inv.headcount))
			_ = cw.Write(rec)
			seats += int64(inv.seats)
			headcount += int64(inv.headcount)
			if inv.status <= Maybe {
				by[inv.status]++
			}
			break
		}
	}
	status := "yes " + strconv.Itoa(by[Yes]) + "; maybe " + strconv.Itoa(by[Maybe]) +
		"; no " + strconv.Itoa(by[No]) + "; pending " + strconv.Itoa(by[Pending])
	_ = cw.Write([]string{"TOTAL", "", "", "", strconv.FormatInt(seats, 10), status, strconv.FormatInt(headcount, 10)})
}

// contactOf is a unit's contact for its sheet: its primary contact, else
// its first member with a phone (as primaryOf), else its first member.
func contactOf(ms []Person) *Person {
	for i := range ms {
		if ms[i].Primary {
			return &ms[i]
		}
	}
	for i := range ms {
		if ms[i].Phone != "" {
			return &ms[i]
		}
	}
	if len(ms) > 0 {
		return &ms[0]
	}
	return nil
}

// text is a text cell: as it is, or, for a spreadsheet, inert (see
// AppendSheet).
func text(s string, excel bool) string {
	if !excel || s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// smallInts are the decimal strings of 0..MaxSeats: seats and headcounts
// are written without an allocation each.
var smallInts = func() []string {
	s := make([]string, MaxSeats+1)
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func smallInt(n int32) string {
	if n >= 0 && int(n) < len(smallInts) {
		return smallInts[n]
	}
	return strconv.Itoa(int(n))
}
