package domain

// AnswerAsGuest records a household's answers from its own page (the
// fallback RSVP form; httpapi's POST /w/{slug}/g/{token}/rsvp). The link
// is checked here, against the wedding as the answers are written: a link
// revoked, rotated or expired since the page was opened records nothing.
// Every answer is written in one go (one journal entry), as SetRSVP would
// write it with source web at At; all are refused if one is. Only the
// engine runs it (root): guests hold no token. The result is the
// []RSVPResult of the answers, in order. A link that does not stand is
// ErrNotFound (field "link"), whatever the reason.
type AnswerAsGuest struct {
	LinkID, UnitID string
	Answers        []GuestAnswer
	// At is when the guest answered (AnsweredAt); 0 is the command's time.
	At Instant
}

// GuestAnswer is one event's answer on a household's page.
type GuestAnswer struct {
	EventID   string
	Status    RSVPStatus
	Headcount *int32 // yes only; nil: every seat
}

func (c *AnswerAsGuest) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine records a guest's answers from their page")
	}
	at := c.At
	if at == 0 {
		at = m.Now
	}
	if _, ok := w.GuestLinkValid(c.LinkID, c.UnitID, m.Now); !ok {
		return nil, nil, notFound("link", "guest link", c.LinkID)
	}
	if len(c.Answers) > MaxEvents {
		return nil, nil, invalid("answers", "at most %d answers", MaxEvents)
	}
	var changes []Change
	results := make([]RSVPResult, 0, len(c.Answers))
	seen := make(map[string]bool, len(c.Answers))
	for _, a := range c.Answers {
		if seen[a.EventID] {
			return nil, nil, invalid("event_id", "event %s answered twice", a.EventID)
		}
		seen[a.EventID] = true
		if a.Status == Pending {
			return nil, nil, invalid("status", "a guest answers yes, no or maybe")
		}
		one := SetRSVP{UnitID: c.UnitID, EventID: a.EventID, Status: a.Status, Headcount: a.Headcount, Source: SourceWeb, AnsweredAt: at}
		ch, out, err := one.decide(w, m)
		if err != nil {
			return nil, nil, err
		}
		res := out.(RSVPResult)
		if len(ch) > 0 {
			// SetRSVP numbers its change as if alone.
			res.RSVP.Seq = w.Seq + uint64(len(changes)) + 1
		}
		changes = append(changes, ch...)
		results = append(results, res)
	}
	return changes, results, nil
}
