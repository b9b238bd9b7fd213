package actors

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/whatsapp"
)

// Follow-ups: after a reply that changed an RSVP, the guest gets a
// confirmation, or, for a household that said yes without a count, a list
// asking how many will come (domain/followup.go says what). They are sent
// inside the 24-hour window the reply opened, through the pacer like any
// send, on a goroutine of their own. They are not journaled: a follow-up
// whose send fails, or that a crash interrupts, is not sent again (a
// redelivered reply changes nothing, so is never followed up twice).
//
// A count list's rows carry signed payloads whose answer is
// "yes+<count>" or "yes+<count>+<event>" (countAnswer); a pick is read as a
// yes with that count, for those events.

// followUpTimeout bounds one follow-up, its wait for the pacer included.
const followUpTimeout = 2 * time.Minute

// followUp sends f for a reply to wedding's message, if the engine sends.
func (e *Engine) followUp(wedding string, f *domain.FollowUp) {
	if f == nil || e.msg.Sender == nil {
		return
	}
	msgs := e.followUpMessages(wedding, f)
	e.followUps.Lock()
	defer e.followUps.Unlock()
	if e.followUps.stopped {
		return
	}
	e.followUps.running.Add(1)
	go func() {
		defer e.followUps.running.Done()
		ctx, cancel := context.WithTimeout(e.followCtx, followUpTimeout)
		defer cancel()
		for _, m := range msgs {
			if !e.sendFollowUp(ctx, wedding, m) {
				return
			}
		}
	}()
}

// sendFollowUp paces and sends one message; false when it could not.
func (e *Engine) sendFollowUp(ctx context.Context, wedding string, m *whatsapp.Message) bool {
	log := e.log.With().Str("wedding_id", wedding).Str("phone", maskPhone(m.To)).Str("kind", m.Kind()).Logger()
	grant, err := e.msg.Pacer.Acquire(ctx, wedding, m.To)
	if err == nil {
		err = e.msg.Pacer.Launch(ctx)
	}
	if err != nil {
		log.Warn().Err(err).Msg("webhook: follow-up not sent")
		return false
	}
	start := time.Now()
	r := e.msg.Sender.Send(ctx, m)
	e.metrics.sent(start, r.Class.String())
	e.metrics.messageOutcome("follow_up_"+r.Class.String(), strconv.Itoa(r.Code))
	if r.Class != whatsapp.Accepted {
		if !r.MaybeSent {
			e.msg.Pacer.Refused(grant)
		}
		log.Warn().Int("code", r.Code).Str("title", r.Title).Msg("webhook: follow-up refused")
		return false
	}
	log.Info().Str("wamid", r.WAMID).Msg("webhook: follow-up sent")
	return true
}

// followUpMessages renders f: a text, or a list per count question.
func (e *Engine) followUpMessages(wedding string, f *domain.FollowUp) []*whatsapp.Message {
	if len(f.Ask) == 0 {
		return []*whatsapp.Message{{To: f.Phone, Text: f.Text}}
	}
	var out []*whatsapp.Message
	for i, q := range f.Ask {
		body := f.Text
		if i > 0 || len(f.Ask) > 1 {
			body = "How many of you will come to " + q.Events + "?"
			if i == 0 {
				body = f.Text + "\n\n" + body
			}
		}
		n := min(q.Seats, domain.MaxCountRows)
		rows := make([]whatsapp.Row, 0, n)
		for k := int32(1); k <= n; k++ {
			title := strconv.Itoa(int(k)) + " people"
			if k == 1 {
				title = "1 person"
			}
			rows = append(rows, whatsapp.Row{ID: e.payload(wedding, f.MessageID, countAnswer(k, q.EventID)), Title: title})
		}
		out = append(out, &whatsapp.Message{To: f.Phone, List: &whatsapp.List{
			Body: truncateRunes(body, 1024), Button: "How many?",
			Sections: []whatsapp.Section{{Title: truncateRunes(q.Events, 24), Rows: rows}}}})
	}
	return out
}

// countAnswer is a count list row's answer: "yes+<n>", or with the one
// event it answers.
func countAnswer(n int32, eventID string) string {
	a := "yes+" + strconv.Itoa(int(n))
	if eventID != "" {
		a += "+" + eventID
	}
	return a
}

// parseAnswer reads a payload's answer: "yes", "no", "maybe", or a count
// list's "yes+<n>[+<event>]".
func parseAnswer(answer string) (status domain.RSVPStatus, count int32, eventID string, ok bool) {
	word, rest, counted := strings.Cut(answer, "+")
	status, known := domain.ParseRSVPStatus(word)
	if !known || status == domain.Pending {
		return 0, 0, "", false
	}
	if !counted {
		return status, 0, "", true
	}
	num, eventID, _ := strings.Cut(rest, "+")
	n, err := strconv.Atoi(num)
	if status != domain.Yes || err != nil || n < 1 || n > domain.MaxSeats {
		return 0, 0, "", false
	}
	return status, int32(n), eventID, true
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
