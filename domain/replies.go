package domain

import "fmt"

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
	// EventID, when set, answers that one of the message's events only
	// (a count list asked per event).
	EventID string
	// Phone is who replied, when known: a tap from a phone the message
	// was not sent to answers nothing (a payload can only be tapped on
	// the message it came with).
	Phone string
}

// ReplyResult is what a reply did.
type ReplyResult struct {
	UnitID string
	RSVPs  []RSVPResult
	// Capped: the count given was more than the seats of some event.
	Capped bool
	// FollowUp is what to send the guest now, when the reply changed
	// something (followup.go).
	FollowUp *FollowUp
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
	if c.Phone != "" && c.Phone != msg.Phone {
		return nil, nil, invalid("phone", "the reply comes from a phone the message was not sent to")
	}
	u := w.Units[msg.UnitID]
	if u == nil {
		return nil, nil, notFound("unit_id", "guest unit", msg.UnitID)
	}
	res := ReplyResult{UnitID: u.ID}
	var changes []Change
	changed := false
	for _, e := range camp.EventIDs {
		inv := u.Invitation(e)
		if inv == nil || (c.EventID != "" && e != c.EventID) {
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
		changed = changed || len(ch) > 0
		changes = append(changes, ch...)
		res.RSVPs = append(res.RSVPs, out.(RSVPResult))
	}
	if changed {
		res.FollowUp = w.followUp(msg, c.MessageID, c, &res, m.Now)
	}
	return changes, res, nil
}

// RecordTypedReply reads a guest's typed reply (or a 👍/👎 reaction) and,
// when it clearly answers, records it as RecordReply would: for the events
// of the message it quotes (ContextMessageID, the engine's id of the
// message replied to), else of the newest message the engine sent that
// phone. "STOP" and its variants opt the phone out in the consent ledger.
// An unclear reply changes nothing: the result says so, for a person to
// read. Only the engine (root) runs it.
type RecordTypedReply struct {
	Phone            string // the guest's phone, E.164
	Text             string
	ContextMessageID string
	// ContextWAMID is Meta's id of the message replied to, when the
	// engine's own id is not known: the wedding finds it in its outbox.
	ContextWAMID string
	At           Instant
	// InboundID is the guest's message's id (Meta's): an unclear reply is
	// listed for a person once, however often it is redelivered.
	InboundID string
}

// TypedReplyResult is what a typed reply did.
type TypedReplyResult struct {
	Intent    ReplyIntent
	MessageID string // the message it answered, if any
	Reply     *ReplyResult
	OptedOut  bool
	// Unclear: no answer was recorded; a person should read it. Listed
	// says it is on the attention list (it is not when the phone is no
	// guest's of this wedding).
	Unclear bool
	Listed  bool
	Why     string
}

func (c *RecordTypedReply) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine records guests' WhatsApp replies")
	}
	res := TypedReplyResult{Intent: ParseReply(c.Text)}
	var changes []Change
	if res.Intent.Stop {
		if _, personID, ok := w.phoneHolder(c.Phone); ok && w.ConsentOf(c.Phone) != OptedOut {
			changes = append(changes, Change{ConsentRecorded: &ConsentRecorded{Phone: c.Phone, Entry: ConsentEntry{
				PersonID: personID, Status: OptedOut, Source: "WhatsApp: " + truncate(c.Text, 100), By: m.By.TokenID, At: m.Now}}})
			res.OptedOut = true
		}
	}
	var answer RSVPStatus
	switch res.Intent.Answer {
	case ReplyYes:
		answer = Yes
	case ReplyNo:
		answer = No
	case ReplyMaybe:
		answer = Maybe
	default:
		if !res.Intent.Stop {
			return w.unclearReply(c, changes, res, "the reply does not clearly say yes, no or maybe")
		}
		return changes, res, nil
	}
	target := c.ContextMessageID
	if target == "" && c.ContextWAMID != "" {
		if cid, i, ok := w.MessageByWAMID(c.ContextWAMID); ok {
			target = w.Campaign(cid).MessageID(i)
		}
	}
	if target == "" {
		target = w.newestMessageTo(c.Phone)
	}
	if target == "" {
		return w.unclearReply(c, changes, res, "no invitation was sent to this phone")
	}
	res.MessageID = target
	rc := &RecordReply{MessageID: target, Answer: answer, Count: res.Intent.Count, At: c.At}
	more, out, err := rc.decide(w, m)
	if err != nil {
		return w.unclearReply(c, changes, res, err.Error())
	}
	r := out.(ReplyResult)
	res.Reply = &r
	changes = append(changes, more...)
	if r.Capped {
		// Recorded at the seats, and flagged: the family may give the
		// household more seats.
		if u, personID, ok := w.phoneHolder(c.Phone); ok {
			item := AttentionItem{UnitID: u.ID, PersonID: personID, Phone: c.Phone, Text: truncate(c.Text, MaxNoteLen),
				ReceivedAt: c.At, InboundID: c.InboundID, MessageID: target,
				Reason: fmt.Sprintf("the guest counted %d, more than the seats invited; recorded at the seats", res.Intent.Count)}
			if ch := w.attentionFor(item); ch != nil {
				ch.AttentionAdded.Item.ID = w.newID("a", len(changes))
				changes = append(changes, *ch)
			}
		}
	}
	return changes, res, nil
}

// newestMessageTo is the id of the newest message that left for phone (by
// when it left), or "".
func (w *Wedding) newestMessageTo(phone string) string {
	best, bestAt := "", Instant(0)
	for _, c := range w.Campaigns {
		for i := range c.Messages {
			m := &c.Messages[i]
			if m.Phone != phone || statusRank(m.Status) == 0 {
				continue
			}
			if at := m.leftAt(); at != 0 && at >= bestAt {
				best, bestAt = c.MessageID(i), at
			}
		}
	}
	return best
}

// unclearReply lists a reply the engine cannot read with certainty on the
// attention list, when it comes from one of the wedding's guests.
func (w *Wedding) unclearReply(c *RecordTypedReply, changes []Change, res TypedReplyResult, why string) ([]Change, any, error) {
	res.Unclear, res.Why = true, why
	u, personID, ok := w.phoneHolder(c.Phone)
	if !ok {
		return changes, res, nil
	}
	item := AttentionItem{UnitID: u.ID, PersonID: personID, Phone: c.Phone, Text: truncate(c.Text, MaxNoteLen),
		ReceivedAt: c.At, Reason: why, InboundID: c.InboundID, MessageID: res.MessageID}
	if ch := w.attentionFor(item); ch != nil {
		// Its id derives from the sequence of the change it rides in: the
		// last of this command's changes.
		ch.AttentionAdded.Item.ID = w.newID("a", len(changes))
		changes = append(changes, *ch)
	}
	res.Listed = true
	return changes, res, nil
}
