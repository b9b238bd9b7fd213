package domain

// What guests do on WhatsApp besides answering (API.md "WhatsApp
// webhook"): deleting a message they sent, and stopping (or resuming)
// marketing messages in WhatsApp's own settings (Meta's user_preferences).

// FlagReply puts a guest's message on the attention list without reading
// it as an answer: a deleted message ("revoke") changes no RSVP, but a
// person should know the guest took something back. Only the engine
// (root) runs it. It changes nothing when the phone is no guest's of this
// wedding, or when the same inbound message is listed already.
type FlagReply struct {
	Phone     string
	Text      string // what to show: "deleted a message" …
	Reason    string
	InboundID string
	At        Instant
}

func (c *FlagReply) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine flags guests' WhatsApp messages")
	}
	res := TypedReplyResult{Unclear: true, Why: c.Reason}
	u, personID, ok := w.phoneHolder(c.Phone)
	if !ok {
		res.Why = "the phone is no guest's of this wedding"
		return nil, res, nil
	}
	res.Listed = true
	item := AttentionItem{UnitID: u.ID, PersonID: personID, Phone: c.Phone, Text: truncate(c.Text, MaxNoteLen),
		ReceivedAt: c.At, Reason: truncate(c.Reason, MaxNoteLen), InboundID: c.InboundID}
	if ch := w.attentionFor(item); ch != nil {
		return []Change{*ch}, res, nil
	}
	return nil, res, nil
}

// RecordPreference records Meta's user_preferences notification for a
// phone: "stop" opts the phone out in the consent ledger, "resume" opts it
// back in (the guest asked for both in WhatsApp itself). Other values, and
// a phone that is no guest's, change nothing. A repeated preference (the
// ledger already says so) changes nothing either. Only the engine (root)
// runs it.
type RecordPreference struct {
	Phone    string
	Value    string // "stop", "resume"
	Category string // "marketing_messages", …
	At       Instant
}

// PreferenceResult says what a preference did.
type PreferenceResult struct {
	Status  ConsentStatus // what the ledger says now (ConsentUnknown: not a guest)
	Changed bool
}

func (c *RecordPreference) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine records WhatsApp preferences")
	}
	var want ConsentStatus
	switch c.Value {
	case "stop":
		want = OptedOut
	case "resume":
		want = OptedIn
	default:
		return nil, PreferenceResult{Status: w.ConsentOf(c.Phone)}, nil
	}
	_, personID, ok := w.phoneHolder(c.Phone)
	if !ok {
		return nil, PreferenceResult{}, nil
	}
	if w.ConsentOf(c.Phone) == want || len(w.Consent[c.Phone]) >= MaxConsentEntries {
		return nil, PreferenceResult{Status: w.ConsentOf(c.Phone)}, nil
	}
	src := "WhatsApp settings: " + c.Value
	if c.Category != "" {
		src += " " + truncate(c.Category, 60)
	}
	at := c.At
	if at == 0 {
		at = m.Now
	}
	e := ConsentEntry{PersonID: personID, Status: want, Source: src, By: m.By.TokenID, At: at}
	return []Change{{ConsentRecorded: &ConsentRecorded{Phone: c.Phone, Entry: e}}}, PreferenceResult{Status: want, Changed: true}, nil
}
