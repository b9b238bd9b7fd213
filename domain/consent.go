package domain

import "strings"

// ConsentStatus is what a guest said about being messaged on WhatsApp.
type ConsentStatus uint8

// NB: persisted; must not change.
const (
	// ConsentUnknown: no entry in the ledger. Under the default policy the
	// guest is not messaged first.
	ConsentUnknown ConsentStatus = 0
	OptedIn        ConsentStatus = 1
	OptedOut       ConsentStatus = 2
)

func (s ConsentStatus) String() string {
	switch s {
	case OptedIn:
		return "opted_in"
	case OptedOut:
		return "opted_out"
	}
	return "unknown"
}

// ParseConsentStatus reads "opted_in" or "opted_out".
func ParseConsentStatus(v string) (ConsentStatus, bool) {
	switch v {
	case "opted_in":
		return OptedIn, true
	case "opted_out":
		return OptedOut, true
	}
	return 0, false
}

// Limits of the consent ledger.
const (
	MaxConsentSourceLen = 200
	// MaxConsentEntries bounds one phone's ledger: a real guest changes
	// their mind a handful of times; a script toggling it cannot grow a
	// wedding without end.
	MaxConsentEntries = 100
)

// ConsentEntry is one line of the consent ledger: who recorded what, when,
// and how the guest gave it (the source: "RSVP card", "WhatsApp STOP", …).
type ConsentEntry struct {
	PersonID string        `msgpack:"p"`
	Status   ConsentStatus `msgpack:"s"`
	Source   string        `msgpack:"src,omitempty"`
	By       string        `msgpack:"b,omitempty"` // token id; "root" for the engine itself
	At       Instant       `msgpack:"at"`
}

// ConsentRecorded adds an entry to the ledger of a phone. The ledger is kept
// by phone, not by person: consent is given for a WhatsApp number, and an
// opt-out must hold even if the guest is deleted and added again.
type ConsentRecorded struct {
	Phone string       `msgpack:"ph"`
	Entry ConsentEntry `msgpack:"e"`
}

// ConsentOf is the current consent of an E.164 phone: its ledger's last
// entry, or ConsentUnknown.
func (w *Wedding) ConsentOf(phone string) ConsentStatus {
	l := w.Consent[phone]
	if len(l) == 0 {
		return ConsentUnknown
	}
	return l[len(l)-1].Status
}

func (w *Wedding) recordConsent(r *ConsentRecorded) {
	if w.Consent == nil {
		w.Consent = map[string][]ConsentEntry{}
	}
	w.Consent[r.Phone] = append(w.Consent[r.Phone], r.Entry)
}

// person finds a person by id, with their unit, looking through every unit
// (nothing frequent needs it).
func (w *Wedding) person(id string) (*Unit, *Person) {
	for _, u := range w.Units {
		for i := range u.Members {
			if u.Members[i].ID == id {
				return u, &u.Members[i]
			}
		}
	}
	return nil, nil
}

// visiblePerson is the person with id if p may see their unit; otherwise
// not found, as for anything a token may not see.
func (w *Wedding) visiblePerson(p Principal, id string) (*Unit, *Person, error) {
	u, per := w.person(id)
	if per == nil || !p.SeesSide(u.Side) {
		return nil, nil, notFound("person_id", "person", id)
	}
	return u, per, nil
}

// RecordConsent adds an opt-in or opt-out to a person's ledger (kept by
// their phone). Admins record what guests told them; the engine records
// what guests say on WhatsApp (STOP).
type RecordConsent struct {
	PersonID string
	Status   ConsentStatus
	Source   string
}

// ConsentLedger is a person's consent: their phone's ledger, oldest first,
// and what it comes to now.
type ConsentLedger struct {
	PersonID string
	Phone    string
	Status   ConsentStatus
	Entries  []ConsentEntry
}

func (c *RecordConsent) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	_, per, err := w.visiblePerson(m.By, c.PersonID)
	if err != nil {
		return nil, nil, err
	}
	if c.Status != OptedIn && c.Status != OptedOut {
		return nil, nil, invalid("status", "status must be opted_in or opted_out")
	}
	if err := checkText("source", c.Source, MaxConsentSourceLen, true); err != nil {
		return nil, nil, err
	}
	if per.Phone == "" {
		return nil, nil, invalid("person_id", "this person has no phone: consent is recorded for a WhatsApp number")
	}
	if len(w.Consent[per.Phone]) >= MaxConsentEntries {
		return nil, nil, conflict("consent_ledger_full", "person_id", "",
			"this phone's ledger already holds %d entries", MaxConsentEntries)
	}
	e := ConsentEntry{PersonID: per.ID, Status: c.Status, Source: strings.TrimSpace(c.Source), By: m.By.TokenID, At: m.Now}
	ch := Change{ConsentRecorded: &ConsentRecorded{Phone: per.Phone, Entry: e}}
	l := w.Consent[per.Phone]
	out := ConsentLedger{PersonID: per.ID, Phone: per.Phone, Status: c.Status,
		Entries: append(l[:len(l):len(l)], e)}
	return []Change{ch}, out, nil
}

// GetConsent is a person's consent ledger.
type GetConsent struct{ PersonID string }

// Run implements Query.
func (q GetConsent) Run(w *Wedding, p Principal) (any, error) {
	_, per, err := w.visiblePerson(p, q.PersonID)
	if err != nil {
		return nil, err
	}
	l := ConsentLedger{PersonID: per.ID, Phone: per.Phone, Status: ConsentUnknown}
	if per.Phone != "" {
		l.Entries = append([]ConsentEntry(nil), w.Consent[per.Phone]...)
		l.Status = w.ConsentOf(per.Phone)
	}
	return l, nil
}
