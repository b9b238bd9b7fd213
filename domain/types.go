package domain

import (
	"time"
)

// Instant is a point in time as Unix nanoseconds. It is what the domain
// stores: 8 bytes against time.Time's 24 (there are ~10,000 RSVPs in a
// wedding), and it survives an encode/decode round trip exactly, where a
// time.Time comes back with another location.
type Instant int64

// At converts t to an Instant.
func At(t time.Time) Instant {
	if t.IsZero() {
		return 0
	}
	return Instant(t.UnixNano())
}

// Time converts i back, in UTC. The zero Instant is the zero time.
func (i Instant) Time() time.Time {
	if i == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(i)).UTC()
}

// Side is the family a guest unit belongs to.
type Side uint8

// NB: persisted; must not change.
const (
	SideBoth  Side = 0
	SideBride Side = 1
	SideGroom Side = 2
	numSides       = 3
)

var sideNames = [...]string{SideBoth: "both", SideBride: "bride", SideGroom: "groom"}

func (s Side) String() string {
	if int(s) < len(sideNames) {
		return sideNames[s]
	}
	return "unknown"
}

// ParseSide reads "bride", "groom" or "both".
func ParseSide(v string) (Side, bool) {
	for i, n := range sideNames {
		if n == v {
			return Side(i), true
		}
	}
	return 0, false
}

// Role is what an access token may do in its wedding.
type Role uint8

// NB: persisted; must not change.
const (
	RoleViewer    Role = 1
	RoleSideAdmin Role = 2
	RoleAdmin     Role = 3
	RoleOwner     Role = 4
	// RoleRoot is the operator: every wedding, every action. Never stored in
	// a wedding; it comes from the engine's root token.
	RoleRoot Role = 100
)

// ParseRole reads a role name as the API spells it. Root cannot be issued.
func ParseRole(v string) (Role, bool) {
	switch v {
	case "viewer":
		return RoleViewer, true
	case "side_admin":
		return RoleSideAdmin, true
	case "admin":
		return RoleAdmin, true
	case "owner":
		return RoleOwner, true
	}
	return 0, false
}

func (r Role) String() string {
	switch r {
	case RoleViewer:
		return "viewer"
	case RoleSideAdmin:
		return "side_admin"
	case RoleAdmin:
		return "admin"
	case RoleOwner:
		return "owner"
	case RoleRoot:
		return "root"
	}
	return "unknown"
}

// Visibility says who may see an event on guest pages.
type Visibility uint8

// NB: persisted; must not change.
const (
	Public     Visibility = 0
	InviteOnly Visibility = 1
)

func (v Visibility) String() string {
	if v == InviteOnly {
		return "invite_only"
	}
	return "public"
}

// ParseVisibility reads "public" or "invite_only".
func ParseVisibility(v string) (Visibility, bool) {
	switch v {
	case "public":
		return Public, true
	case "invite_only":
		return InviteOnly, true
	}
	return 0, false
}

// RSVPStatus is a unit's answer for one event.
type RSVPStatus uint8

// NB: persisted; must not change.
const (
	Pending RSVPStatus = 0
	Yes     RSVPStatus = 1
	No      RSVPStatus = 2
	Maybe   RSVPStatus = 3
)

var statusNames = [...]string{Pending: "pending", Yes: "yes", No: "no", Maybe: "maybe"}

func (s RSVPStatus) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// ParseRSVPStatus reads "pending", "yes", "no" or "maybe".
func ParseRSVPStatus(v string) (RSVPStatus, bool) {
	for i, n := range statusNames {
		if n == v {
			return RSVPStatus(i), true
		}
	}
	return 0, false
}

// Source is where an RSVP answer came from.
type Source uint8

// NB: persisted; must not change.
const (
	SourceAdmin    Source = 0
	SourceWhatsApp Source = 1
	SourceWeb      Source = 2
)

func (s Source) String() string {
	switch s {
	case SourceWhatsApp:
		return "whatsapp"
	case SourceWeb:
		return "web"
	}
	return "admin"
}

// Info is a wedding's own description.
type Info struct {
	ID        string  `msgpack:"id"`
	Name      string  `msgpack:"n"`
	Slug      string  `msgpack:"sl"`
	Date      string  `msgpack:"d"` // YYYY-MM-DD in the wedding's timezone
	Timezone  string  `msgpack:"tz"`
	Region    string  `msgpack:"r"` // ISO 3166 default country for phone numbers
	CreatedAt Instant `msgpack:"ca"`
}

// Event is one function of the wedding (haldi, sangeet, …).
type Event struct {
	ID       string  `msgpack:"id"`
	Name     string  `msgpack:"n"`
	StartsAt Instant `msgpack:"s"`
	// EndsAt 0 means the event has no end (see HasEnd). NB: 0 is the Unix
	// epoch, but event times are never before MinEventTime, so no stored
	// end is 0: journals and snapshots of every version read the same.
	EndsAt     Instant    `msgpack:"e"`
	Venue      string     `msgpack:"v,omitempty"`
	Visibility Visibility `msgpack:"vis,omitempty"`
}

// HasEnd reports whether the event has an end time.
func (e *Event) HasEnd() bool { return e.EndsAt != 0 }

// The times an event may have: from MinEventTime to before MaxEventTime
// (the years 2000 to 2100, in UTC, as a wedding's date). Earlier times are
// a client's mistake (a zero or Unix-epoch time, seconds read as
// milliseconds), never a wedding; refusing them keeps 0 free to mean "no
// end".
var (
	MinEventTime = At(time.Date(minYear, 1, 1, 0, 0, 0, 0, time.UTC))
	MaxEventTime = At(time.Date(maxYear+1, 1, 1, 0, 0, 0, 0, time.UTC))
)

// Person is a member of a guest unit.
type Person struct {
	ID      string `msgpack:"id"`
	Name    string `msgpack:"n"`
	Phone   string `msgpack:"p,omitempty"` // E.164
	Email   string `msgpack:"e,omitempty"`
	Primary bool   `msgpack:"pr,omitempty"`
	// Sources say which imports created or updated the person (the
	// newest last, at most a few).
	Sources []Provenance `msgpack:"src,omitempty"`
}

// RSVP is a unit's answer for one event it is invited to.
//
// NB: fields are ordered for size (40 bytes, not 48: a 1000-unit wedding
// holds ~10,000 of them); msgpack names them, so the order is not format.
type RSVP struct {
	Status    RSVPStatus `msgpack:"st,omitempty"`
	Source    Source     `msgpack:"src,omitempty"`
	Headcount int32      `msgpack:"h,omitempty"`
	// AnsweredAt is when the guest gave the answer (the source's own
	// timestamp); answers older than the stored one change nothing.
	AnsweredAt Instant `msgpack:"at"`
	Note       string  `msgpack:"no,omitempty"`
	// Seq is the journal sequence of the change that set this answer.
	Seq uint64 `msgpack:"sq,omitempty"`
}

// Invitation gives a unit seats at one event, with its RSVP.
type Invitation struct {
	EventID string `msgpack:"ev"`
	Seats   int32  `msgpack:"se"`
	RSVP    RSVP   `msgpack:"r"`
}

// Unit is a household: invited together, answers together.
type Unit struct {
	ID        string   `msgpack:"id"`
	Name      string   `msgpack:"n"`
	Side      Side     `msgpack:"sd,omitempty"`
	Tags      []string `msgpack:"tg,omitempty"`
	Members   []Person `msgpack:"m"`
	CreatedAt Instant  `msgpack:"ca"`
	UpdatedAt Instant  `msgpack:"ua"`
	// Invitations holds at most one entry per event, in no particular
	// order. A slice, not a map: a unit has at most ~10, and a slice costs a
	// fraction of the memory of a map at 1,000 units per wedding.
	Invitations []Invitation `msgpack:"iv,omitempty"`
}

// Invitation returns the unit's invitation to eventID, or nil.
func (u *Unit) Invitation(eventID string) *Invitation {
	for i := range u.Invitations {
		if u.Invitations[i].EventID == eventID {
			return &u.Invitations[i]
		}
	}
	return nil
}

// HasTag reports whether the unit carries tag.
func (u *Unit) HasTag(tag string) bool {
	for _, t := range u.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Token is an access token of one wedding. Only its SHA-256 hash is kept.
type Token struct {
	ID        string   `msgpack:"id"`
	Hash      [32]byte `msgpack:"h"`
	Role      Role     `msgpack:"r"`
	Side      Side     `msgpack:"sd,omitempty"`
	Label     string   `msgpack:"l,omitempty"`
	CreatedAt Instant  `msgpack:"ca"`
	Revoked   bool     `msgpack:"rv,omitempty"`
}

// Principal is who is acting: a wedding token, or the operator (root).
type Principal struct {
	TokenID string
	Role    Role
	Side    Side // only for RoleSideAdmin
}

// Root is the operator principal.
var Root = Principal{TokenID: "root", Role: RoleRoot}

// CanWrite reports whether p may change guest data at all.
func (p Principal) CanWrite() bool { return p.Role >= RoleSideAdmin }

// SeesSide reports whether p may see units of side s: a side admin sees its
// own side and "both"; everyone else sees everything.
func (p Principal) SeesSide(s Side) bool {
	return p.Role != RoleSideAdmin || s == p.Side || s == SideBoth
}

// Meta is the context a command runs in: who, and when (the engine's clock,
// read outside the domain).
type Meta struct {
	By  Principal
	Now Instant
}
