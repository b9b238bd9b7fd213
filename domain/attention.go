package domain

import "strconv"

// The attention list: replies the engine could not turn into an RSVP with
// certainty ("kitne baje hai?", "yes but maybe not"), kept for a person to
// read and resolve: with RSVPs (recorded on the guest's behalf, at the
// time the guest wrote) or dismissed. Both are audited.

// MaxAttention bounds a wedding's open attention items.
const MaxAttention = 5000

// AttentionItem is one reply waiting for a person.
type AttentionItem struct {
	ID         string  `msgpack:"id"`
	UnitID     string  `msgpack:"u,omitempty"`
	PersonID   string  `msgpack:"p,omitempty"`
	Phone      string  `msgpack:"ph,omitempty"`
	Text       string  `msgpack:"t"`
	ReceivedAt Instant `msgpack:"at"`
	Reason     string  `msgpack:"r"`
	// InboundID is the guest's message's id (Meta's), so a redelivered or
	// replayed reply is not listed twice.
	InboundID string `msgpack:"in,omitempty"`
	// MessageID is the engine's message the reply answers, if known.
	MessageID string `msgpack:"m,omitempty"`
}

// AttentionAdded lists a reply for a person.
type AttentionAdded struct {
	Item AttentionItem `msgpack:"i"`
}

// AttentionResolved takes an item off the list (its RSVPs, if any, are
// changes of their own beside it).
type AttentionResolved struct {
	ID        string `msgpack:"id"`
	Dismissed bool   `msgpack:"d,omitempty"`
}

func (w *Wedding) attentionIndex(id string) int {
	for i := range w.Attention {
		if w.Attention[i].ID == id {
			return i
		}
	}
	return -1
}

// attentionFor is the change that lists an unclear reply, or nil when it
// is listed already or the list is full.
func (w *Wedding) attentionFor(item AttentionItem) *Change {
	if len(w.Attention) >= MaxAttention {
		return nil
	}
	for i := range w.Attention {
		if item.InboundID != "" && w.Attention[i].InboundID == item.InboundID {
			return nil
		}
	}
	item.ID = w.newID("a", 0)
	return &Change{AttentionAdded: &AttentionAdded{Item: item}}
}

// ListAttention is the open attention items a token may see, oldest first.
type ListAttention struct{}

// Run implements Query.
func (ListAttention) Run(w *Wedding, p Principal) (any, error) {
	out := []AttentionItem{}
	for _, it := range w.Attention {
		if u := w.Units[it.UnitID]; u != nil && !p.SeesSide(u.Side) || u == nil && p.Role == RoleSideAdmin {
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

// AttentionRSVP is one answer a person read in a reply.
type AttentionRSVP struct {
	EventID   string
	Status    RSVPStatus
	Headcount *int32
}

// ResolveAttention resolves an item: its RSVPs are recorded for its unit
// (at the time the guest wrote), or it is dismissed.
type ResolveAttention struct {
	ID      string
	RSVPs   []AttentionRSVP
	Dismiss bool
}

func (c *ResolveAttention) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := AuthorizeGuestWrite(m.By); err != nil {
		return nil, nil, err
	}
	i := w.attentionIndex(c.ID)
	if i < 0 {
		return nil, nil, notFound("attention_id", "attention item", c.ID)
	}
	it := w.Attention[i]
	if u := w.Units[it.UnitID]; u != nil && !m.By.SeesSide(u.Side) || u == nil && m.By.Role == RoleSideAdmin {
		return nil, nil, notFound("attention_id", "attention item", c.ID)
	}
	if c.Dismiss == (len(c.RSVPs) > 0) {
		return nil, nil, invalid("rsvps", "resolve with rsvps, or dismiss: exactly one")
	}
	var changes []Change
	var results []RSVPResult
	for k, r := range c.RSVPs {
		if it.UnitID == "" {
			return nil, nil, invalid("rsvps", "the reply came from a phone of no household: dismiss it")
		}
		cmd := &SetRSVP{UnitID: it.UnitID, EventID: r.EventID, Status: r.Status, Headcount: r.Headcount,
			Source: SourceAdmin, AnsweredAt: it.ReceivedAt, Note: "from a WhatsApp reply: " + truncate(it.Text, 200)}
		for _, prev := range c.RSVPs[:k] {
			if prev.EventID == r.EventID {
				return nil, nil, invalid("rsvps["+strconv.Itoa(k)+"].event_id", "event %s is answered twice", r.EventID)
			}
		}
		ch, out, err := cmd.decide(w, m)
		if err != nil {
			return nil, nil, err
		}
		changes = append(changes, ch...)
		results = append(results, out.(RSVPResult))
	}
	changes = append(changes, Change{AttentionResolved: &AttentionResolved{ID: c.ID, Dismissed: c.Dismiss}})
	return changes, results, nil
}
