package sandbox

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ReplyRequest is a guest's answer, for Reply and POST /sandbox/reply:
// exactly one of Button, ListRow and Text.
type ReplyRequest struct {
	// From is the guest's phone, E.164 ('+' optional).
	From string `json:"from"`
	// Button taps the button with this title (case-insensitive) of the
	// newest message to From that has one: a template's quick reply
	// (a "button" webhook, §3.6) or an interactive reply button
	// ("interactive" button_reply, §3.4).
	Button string `json:"button,omitempty"`
	// ListRow picks the list row with this title (case-insensitive) of the
	// newest message to From that has one ("interactive" list_reply, §3.5).
	ListRow string `json:"list_row,omitempty"`
	// Text is typed (§3.3); without Quote it has no context.
	Text string `json:"text,omitempty"`
	// Quote makes Text quote the newest message to From (context).
	Quote bool `json:"quote,omitempty"`
	// Name is the guest's profile name; "" draws one for the phone.
	Name string `json:"name,omitempty"`
}

// typedShare is the share of guests' own answers to a template that are
// typed rather than tapped.
const typedShare = 0.3

// typedAnswers are what guests type, in English and Hinglish.
var typedAnswers = []string{
	"haan, hum 4 log",
	"yes 2",
	"nahi aa payenge",
	"maybe",
	"Yes, we'll be there!",
	"ji haan, 3 log aayenge",
	"sorry, we can't make it",
	"pakka aayenge 🙏",
	"shayad, baad mein batate hain",
	"2 log aa rahe hain",
}

// guestNames are profile names; some are not ASCII, so that webhooks carry
// \u escapes as Meta's do (WHATSAPP.md §2).
var guestNames = []string{
	"Priya Sharma", "Rohan Mehta", "Ananya Iyer", "Vikram Singh", "José Fernandes",
	"Zoë D'Souza", "Kavya Reddy", "Arjun Nair", "Meera Krishnan", "Farhan Qureshi",
	"Simran Kaur", "अदिति वर्मा",
}

// guestMessage is a message a guest sent, ready for its webhook.
type guestMessage struct {
	name string // profile name
	k    uint64 // its number among the messages of that phone, from 1
	msg  whMessage
}

// answersByThemself reports whether the guest of that phone is one of the
// ReplyRate share who answer without being told to.
func (s *Sandbox) answersByThemself(digits string) bool {
	return s.cfg.ReplyRate > 0 && unit(s.draw("answers", digits, 0, 0)) < s.cfg.ReplyRate
}

// autoAnswer is a guest's own answer to r: to a template, a quick-reply tap
// or (typedShare of the time) a typed text without context; to an
// interactive message, one of its buttons or rows.
func (s *Sandbox) autoAnswer(r record, now time.Time) guestMessage {
	pick := s.draw("answer", r.digits, r.k, 0)
	var m whMessage
	switch {
	case r.Kind == KindTemplate && unit(s.draw("typed", r.digits, r.k, 0)) < typedShare:
		m = whMessage{Type: "text", Text: &whText{Body: typedAnswers[pick%uint64(len(typedAnswers))]}}
	case len(r.Buttons) > 0:
		m = s.tap(&r, r.Buttons[pick%uint64(len(r.Buttons))])
	default:
		m = s.pickRow(&r, r.ListRows[pick%uint64(len(r.ListRows))])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inboundLocked(r.digits, "", now, m)
}

// contextOf points a guest's message at the business message it answers
// (§3.3–3.6: context.from is the display number, context.id the wamid).
func (s *Sandbox) contextOf(r *record) *whContext {
	return &whContext{From: s.cfg.DisplayNumber, ID: r.WAMID}
}

// tap is a tap on button b of r: a template's quick reply arrives as type
// "button" with the payload the engine set, or the label when it set none
// (§3.6); an interactive reply button as a button_reply (§3.4).
func (s *Sandbox) tap(r *record, b Choice) whMessage {
	if r.Kind == KindTemplate {
		payload := b.ID
		if payload == "" {
			payload = b.Title
		}
		return whMessage{Context: s.contextOf(r), Type: "button", Button: &whButton{Payload: payload, Text: b.Title}}
	}
	return whMessage{Context: s.contextOf(r), Type: "interactive",
		Interactive: &whInteractive{Type: "button_reply", ButtonReply: &whReply{ID: b.ID, Title: b.Title}}}
}

// pickRow is a pick of row of r's list (§3.5).
func (s *Sandbox) pickRow(r *record, row Choice) whMessage {
	return whMessage{Context: s.contextOf(r), Type: "interactive",
		Interactive: &whInteractive{Type: "list_reply", ListReply: &whListReply{ID: row.ID, Title: row.Title, Description: row.Description}}}
}

// inboundLocked numbers and stamps a guest's message and opens (or
// refreshes) the phone's 24-hour window: a message from the user opens it
// whether or not the webhook reaches the engine (WHATSAPP.md §7.4).
func (s *Sandbox) inboundLocked(digits, name string, now time.Time, m whMessage) guestMessage {
	rcp := s.mu.phones[digits]
	if rcp == nil {
		rcp = &recipient{}
		s.mu.phones[digits] = rcp
	}
	rcp.received++
	rcp.windowUntil = now.Add(Window)
	s.mu.stats.Replies++
	m.From = digits
	m.ID = wamid(digits, true, rcp.received, s.draw("inbound", digits, rcp.received, 0))
	m.Timestamp = strconv.FormatInt(now.Unix(), 10)
	s.noteGuestLocked(digits, now, m)
	if name == "" {
		name = guestNames[s.draw("name", digits, 0, 0)%uint64(len(guestNames))]
	}
	return guestMessage{name: name, k: rcp.received, msg: m}
}

// Reply makes a guest answer as r says and returns the new message's wamid
// once its signed webhook was delivered (2xx). A DuplicateRate share of
// replies is delivered a second time. Errors: ErrInvalidReply, ErrNoMatch,
// ErrUndelivered (the window is open all the same, as on WhatsApp),
// ErrClosed.
func (s *Sandbox) Reply(ctx context.Context, r ReplyRequest) (string, error) {
	digits, ok := queryPhone(r.From)
	if !ok {
		return "", fmt.Errorf("%w: from: must be a phone number in E.164 format, got %q", ErrInvalidReply, r.From)
	}
	set := 0
	for _, v := range []string{r.Button, r.ListRow, r.Text} {
		if v != "" {
			set++
		}
	}
	switch {
	case set != 1:
		return "", fmt.Errorf("%w: exactly one of button, list_row and text", ErrInvalidReply)
	case r.Quote && r.Text == "":
		return "", fmt.Errorf("%w: quote goes with text", ErrInvalidReply)
	case utf8.RuneCountInString(r.Text) > maxTextBody:
		return "", fmt.Errorf("%w: text: at most %d characters", ErrInvalidReply, maxTextBody)
	case s.cfg.WebhookURL == "":
		return "", fmt.Errorf("%w: no webhook URL is configured", ErrUndelivered)
	}
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return "", ErrClosed
	}
	m, err := s.matchLocked(digits, r)
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	g := s.inboundLocked(digits, r.Name, s.cfg.Now(), m)
	s.mu.replyCalls++
	s.mu.Unlock()
	defer s.replyDone()

	body := s.messageBody(g)
	if err := s.deliver(ctx, body); err != nil {
		return "", fmt.Errorf("%w: %w", ErrUndelivered, err)
	}
	if s.cfg.DuplicateRate > 0 && unit(s.draw("dup-reply", digits, g.k, 0)) < s.cfg.DuplicateRate {
		_ = s.deliver(ctx, body) // counted; the first copy was delivered
	}
	s.log.Debug().Str("wamid", g.msg.ID).Str("from", maskPhone(digits)).Str("type", g.msg.Type).Msg("sandbox guest replied")
	return g.msg.ID, nil
}

func (s *Sandbox) replyDone() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.replyCalls--
	if s.mu.closed && s.mu.replyCalls == 0 {
		close(s.mu.replyIdle)
	}
}

// matchLocked is the guest's message r asks for, pointed at the newest
// message to digits that has the button or row (or, for a quoted text, the
// newest message). Messages that are to fail never reached the guest and
// are skipped. ErrNoMatch when there is none.
func (s *Sandbox) matchLocked(digits string, r ReplyRequest) (whMessage, error) {
	if r.Text != "" && !r.Quote {
		return whMessage{Type: "text", Text: &whText{Body: r.Text}}, nil
	}
	var recs []int
	if rcp := s.mu.phones[digits]; rcp != nil {
		recs = rcp.records
	}
	for i := len(recs) - 1; i >= 0; i-- {
		rec := &s.mu.records[recs[i]]
		if rec.fails {
			continue
		}
		switch {
		case r.Text != "":
			return whMessage{Context: s.contextOf(rec), Type: "text", Text: &whText{Body: r.Text}}, nil
		case r.Button != "":
			for _, b := range rec.Buttons {
				if strings.EqualFold(b.Title, r.Button) {
					return s.tap(rec, b), nil
				}
			}
		default:
			for _, row := range rec.ListRows {
				if strings.EqualFold(row.Title, r.ListRow) {
					return s.pickRow(rec, row), nil
				}
			}
		}
	}
	switch {
	case r.Button != "":
		return whMessage{}, fmt.Errorf("%w: no message to %s has a button %q", ErrNoMatch, maskPhone(digits), r.Button)
	case r.ListRow != "":
		return whMessage{}, fmt.Errorf("%w: no message to %s has a list row %q", ErrNoMatch, maskPhone(digits), r.ListRow)
	}
	return whMessage{}, fmt.Errorf("%w: no message to %s to quote", ErrNoMatch, maskPhone(digits))
}

// guestSaid is a guest's message as the chat page (chat.go) shows it.
type guestSaid struct {
	At   time.Time
	Text string
	// after is how many messages the sandbox had accepted (all phones)
	// when the guest sent it: it orders the chat.
	after int
}

// noteGuestLocked records a guest's message m for the chat page.
func (s *Sandbox) noteGuestLocked(digits string, now time.Time, m whMessage) {
	var text string
	switch {
	case m.Text != nil:
		text = m.Text.Body
	case m.Button != nil:
		text = m.Button.Text
	case m.Interactive != nil && m.Interactive.ButtonReply != nil:
		text = m.Interactive.ButtonReply.Title
	case m.Interactive != nil && m.Interactive.ListReply != nil:
		text = m.Interactive.ListReply.Title
	}
	if rcp := s.mu.phones[digits]; rcp != nil {
		rcp.said = append(rcp.said, guestSaid{At: now, Text: text, after: len(s.mu.records)})
	}
}

// guestSaidLocked is what the guest of digits said, oldest first.
func (s *Sandbox) guestSaidLocked(digits string) []guestSaid {
	if rcp := s.mu.phones[digits]; rcp != nil {
		return slices.Clone(rcp.said)
	}
	return nil
}
