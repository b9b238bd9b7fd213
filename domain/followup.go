package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Follow-ups (issue 12): after a clear reply the guest is told what was
// recorded, inside the 24-hour window the reply opened; a household of
// more than one seat that said yes without a count is asked how many will
// come, as a list of 1..seats (one list per group of events with the same
// seats, so that each list answers for events it fits). The domain says
// what to send; the engine sends it (at most once: only a reply that
// changed something is followed up).

// FollowUp is what to send a guest after their reply.
type FollowUp struct {
	Phone string // the guest's, E.164
	// MessageID is the engine's message the reply answered: the list's
	// choices answer it again, with a count.
	MessageID string
	Text      string // the confirmation; when Ask is set, the lists' body
	Ask       []CountQuestion
}

// CountQuestion asks how many of a household come to some events.
type CountQuestion struct {
	// EventID is set when the list answers one event only (the events'
	// seats differ); empty: every event of the message.
	EventID string
	Events  string // their names, for the list's text
	Seats   int32
}

// MaxCountRows is the most rows a count list has: WhatsApp shows at most
// 10 rows in a list (WHATSAPP.md §5.4).
const MaxCountRows = 10

// followUpWindow: a reply older than this closed its window already (a
// redelivery after an outage, say): nothing is sent.
const followUpWindow = Instant(24 * time.Hour)

// followUp is what to tell the guest after a reply to msg recorded res.
func (w *Wedding) followUp(msg *Message, msgID string, c *RecordReply, res *ReplyResult, now Instant) *FollowUp {
	if len(res.RSVPs) == 0 || msg.Phone == "" || (c.At != 0 && now-c.At > followUpWindow) {
		return nil
	}
	var names []string
	for _, r := range res.RSVPs {
		if r.Stale {
			continue
		}
		if e := w.Event(r.EventID); e != nil {
			names = append(names, e.Name)
		}
	}
	f := &FollowUp{Phone: msg.Phone, MessageID: msgID}
	events := strings.Join(names, ", ")
	switch c.Answer {
	case Yes:
		if c.Count == 0 {
			f.Ask = w.countQuestions(res)
		}
		if len(f.Ask) > 0 {
			f.Text = "Thank you! We have noted yes for " + events + ". How many of you will come?"
		} else {
			f.Text = "Thank you! We have noted yes for " + events + headcountNote(res) + ". See you there!"
		}
	case No:
		f.Text = "Thank you for letting us know. We have noted that you cannot come to " + events + "."
	case Maybe:
		f.Text = "Thank you. We have noted maybe for " + events + "; please tell us when you know."
	default:
		return nil
	}
	if res.Capped {
		f.Text += " (We have seats for fewer people: your count was capped at your seats.)"
	}
	return f
}

// headcountNote is " (N people)" when every answered event has the same
// headcount, else "".
func headcountNote(res *ReplyResult) string {
	n := int32(-1)
	for _, r := range res.RSVPs {
		if n >= 0 && r.RSVP.Headcount != n {
			return ""
		}
		n = r.RSVP.Headcount
	}
	if n <= 0 {
		return ""
	}
	if n == 1 {
		return " (1 person)"
	}
	return " (" + strconv.Itoa(int(n)) + " people)"
}

// countQuestions groups the answered events by seats (those with more
// than one): one question if they all share their seats, else one per
// event.
func (w *Wedding) countQuestions(res *ReplyResult) []CountQuestion {
	var qs []CountQuestion
	seats := map[int32]bool{}
	for _, r := range res.RSVPs {
		if r.Stale || r.Seats <= 1 {
			continue
		}
		seats[r.Seats] = true
		name := r.EventID
		if e := w.Event(r.EventID); e != nil {
			name = e.Name
		}
		qs = append(qs, CountQuestion{EventID: r.EventID, Events: name, Seats: r.Seats})
	}
	if len(seats) == 1 && len(qs) > 1 {
		// One list answers them all.
		names := make([]string, len(qs))
		for i, q := range qs {
			names[i] = q.Events
		}
		return []CountQuestion{{Events: strings.Join(names, ", "), Seats: qs[0].Seats}}
	}
	slices.SortStableFunc(qs, func(a, b CountQuestion) int { return strings.Compare(a.EventID, b.EventID) })
	return qs
}
