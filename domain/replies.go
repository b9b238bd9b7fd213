package domain

// Guest replies on WhatsApp become RSVPs (API.md "WhatsApp webhook"): a
// reply answers the events of the message it replies to, ordered by the
// guest's own timestamp (an older answer never overwrites a newer one).

// RecordReply records a guest's answer to one of the engine's messages
// (a quick-reply tap, a list choice, a typed reply read clearly): an RSVP,
// source whatsapp, for each of the message's campaign events the unit is
// still invited to. Count is the people coming (0: all seats); above the
// seats it is capped. Only the engine (root) runs it.
type RecordReply struct {
	MessageID string
	Answer    RSVPStatus
	Count     int32
	At        Instant // the guest's message's own timestamp
}

// ReplyResult is what a reply did.
type ReplyResult struct {
	UnitID string
	RSVPs  []RSVPResult
	// Capped: the count given was more than the seats of some event.
	Capped bool
}

func (c *RecordReply) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine records guests' WhatsApp replies")
	}
	cid, i, ok := ParseMessageID(c.MessageID)
	camp := w.Campaign(cid)
	if !ok || camp == nil || i >= len(camp.Messages) {
		return nil, nil, notFound("message_id", "message", c.MessageID)
	}
	if c.Answer > Maybe || c.Answer == Pending || c.Count < 0 {
		return nil, nil, invalid("answer", "a reply answers yes, no or maybe")
	}
	msg := &camp.Messages[i]
	u := w.Units[msg.UnitID]
	if u == nil {
		return nil, nil, notFound("unit_id", "guest unit", msg.UnitID)
	}
	res := ReplyResult{UnitID: u.ID}
	var changes []Change
	for _, e := range camp.EventIDs {
		inv := u.Invitation(e)
		if inv == nil {
			continue
		}
		cmd := &SetRSVP{UnitID: u.ID, EventID: e, Status: c.Answer, Source: SourceWhatsApp, AnsweredAt: c.At}
		if c.Answer == Yes && c.Count > 0 {
			n := c.Count
			if n > inv.Seats {
				n, res.Capped = inv.Seats, true
			}
			cmd.Headcount = &n
		}
		ch, out, err := cmd.decide(w, m)
		if err != nil {
			return nil, nil, err
		}
		changes = append(changes, ch...)
		res.RSVPs = append(res.RSVPs, out.(RSVPResult))
	}
	return changes, res, nil
}
