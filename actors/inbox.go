package actors

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
	"github.com/parinayaos/engine/whatsapp"
)

// The inbox processor: after a webhook body is stored and acknowledged, it
// is split into its notifications, each is routed to its wedding and
// becomes a command there, like anything else (statuses RecordStatus,
// answers RecordReply or RecordTypedReply, deletions FlagReply, Meta's
// preferences RecordPreference). One goroutine reads the stored bodies in
// order, a pass of many at a time; each wedding's share of a pass goes to
// its webhook mailbox (mailbox.go) as one batch, so a burst costs each
// wedding a few commits, not one per notification, and weddings apply
// their shares in parallel.
//
// Applying is idempotent (a repeated or older status changes nothing, an
// older answer changes nothing), so a body processed twice (a crash
// between applying and marking it) or replayed changes nothing twice. A
// body whose notifications all applied is marked processed; one with a
// notification the engine could not apply is kept as unroutable, with
// why, for operators (and a later replay).
//
// Routing (issue 12): a status by its callback data (the engine's own
// message id), else by the wamid index; a button or list reply by the
// payload the engine signed; a typed reply or reaction by the message it
// quotes, else by the guest's phone (or, for a sender Meta names by a
// business-scoped user id alone, the phone that id was last seen with).

type inbox struct {
	e    *Engine
	poke chan struct{}
	stop chan struct{}
	done chan struct{}
	once sync.Once
	// cursor: every entry up to it is no longer "received". A replay sets
	// rewound, and the next pass starts from the beginning.
	cursor  uint64
	rewound atomic.Bool
	// waiting: bodies with a status whose wamid is not known yet
	// (inbox_waiting.go).
	waiting waiting
}

// rewind makes the next pass read the inbox from its start.
func (x *inbox) rewind() { x.rewound.Store(true) }

func (e *Engine) startInbox() {
	e.inbox = &inbox{e: e, poke: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go e.inbox.run()
}

func (e *Engine) pokeInbox() {
	if e.inbox != nil {
		select {
		case e.inbox.poke <- struct{}{}:
		default:
		}
	}
}

// stopInbox stops the processor and waits for it (up to ctx).
func (e *Engine) stopInbox(ctx context.Context) {
	if e.inbox == nil {
		return
	}
	e.inbox.once.Do(func() { close(e.inbox.stop) })
	select {
	case <-e.inbox.done:
	case <-ctx.Done():
	}
}

// inboxBatch is how many bodies one pass reads.
const inboxBatch = 256

func (x *inbox) run() {
	defer close(x.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	x.prune()
	for {
		more := x.pass()
		if more {
			select {
			case <-x.stop:
				return
			default:
			}
			continue
		}
		select {
		case <-x.stop:
			return
		case <-x.poke:
		case <-prune.C:
			x.prune()
		case <-tick.C:
			x.waiting.mu.Lock()
			x.sweepLocked(x.e.cfg.Now())
			x.waiting.mu.Unlock()
		}
	}
}

// prune deletes processed bodies past their retention (inbox_retention.go).
func (x *inbox) prune() {
	if _, err := x.e.pruneInbox(x.e.cfg.Now()); err != nil {
		x.e.log.Warn().Err(err).Msg("webhook inbox: prune failed; it is tried again in an hour")
	}
}

// passNotes bounds the notifications one pass routes (a body is never
// split: one of Meta's holds up to 1,000).
const passNotes = 2048

// body is one stored body of a pass and its notes.
type body struct {
	en    storage.InboxEntry
	err   error // it is not a webhook body at all
	notes []*note
	// again: processed again (its wamid became known), not read in order:
	// it does not move the cursor.
	again bool
}

// pass processes what is waiting; it reports whether there may be more.
func (x *inbox) pass() bool {
	db := x.e.db
	if x.rewound.Swap(false) {
		x.cursor = 0
	}
	mark, err := db.InboxWatermark()
	if err != nil {
		x.e.log.Error().Err(err).Msg("webhook inbox: cannot read")
		return false
	}
	entries, err := db.InboxAfter(x.cursor, mark, inboxBatch, storage.InboxReceived)
	if err != nil {
		x.e.log.Error().Err(err).Msg("webhook inbox: cannot read")
		return false
	}
	var bodies []*body
	total := 0
	again := x.readyBodies()
	for i, en := range append(again, entries...) {
		b := &body{en: en, again: i < len(again)}
		ns, err := whatsapp.ParseWebhook(en.Body)
		if err != nil {
			b.err = err
		}
		for _, n := range ns {
			b.notes = append(b.notes, x.route(n))
		}
		bodies = append(bodies, b)
		if total += len(b.notes); total >= passNotes {
			break
		}
	}
	if !x.deliver(bodies) {
		return false // the engine is stopping
	}
	retried := false
	var outcomes []storage.InboxEntry
	for _, b := range bodies {
		en, ok := x.record(b)
		if ok {
			outcomes = append(outcomes, en)
		}
		if b.again {
			if !ok {
				x.requeue(b.en.ID)
			}
			continue
		}
		if !ok && !retried {
			// The engine could not apply it now (a wedding stopping,
			// storage failing): it stays received, and the next pass
			// starts from it.
			retried = true
			x.cursor = b.en.ID - 1
		}
		if !retried {
			x.cursor = b.en.ID
		}
	}
	if err := db.SetInboxStates(outcomes); err != nil {
		x.e.log.Warn().Err(err).Msg("webhook inbox: outcomes not recorded; the bodies will be processed again (changing nothing twice)")
	}
	if retried {
		return false
	}
	if len(bodies) == len(again)+len(entries) && len(entries) < inboxBatch {
		x.cursor = mark
		return false
	}
	return true
}

// deliver hands each wedding its notes of the pass and waits until every
// one has its result. It returns false if the engine stopped first.
func (x *inbox) deliver(bodies []*body) bool {
	byWedding := map[string][]*note{}
	var order []string
	for _, b := range bodies {
		for _, n := range b.notes {
			if n.res.outcome != "" || n.cmd == nil {
				continue // settled by routing alone
			}
			w := n.wedding
			if _, ok := byWedding[w]; !ok {
				order = append(order, w)
			}
			byWedding[w] = append(byWedding[w], n)
		}
	}
	done := make(chan struct{}, len(order))
	for _, w := range order {
		x.e.toMailbox(w, byWedding[w], func() { done <- struct{}{} })
	}
	for range order {
		select {
		case <-done:
		case <-x.stop:
			return false
		}
	}
	return true
}

// record says what became of a body, and counts its notifications: the
// entry to store, in its new state. ok is false (and nothing counted) when
// some notification must be retried.
func (x *inbox) record(b *body) (en storage.InboxEntry, ok bool) {
	e := x.e
	en = b.en
	if b.err != nil {
		en.State, en.Why = storage.InboxUnprocessable, b.err.Error()
		return en, true
	}
	for _, n := range b.notes {
		if n.res.retry {
			return en, false
		}
	}
	var kept []string
	for _, n := range b.notes {
		e.metrics.notification(n.kind, n.res.outcome)
		if n.res.why != "" {
			kept = append(kept, n.res.why)
		}
		if n.waitFor != "" {
			x.await(n.waitFor, b.en.ID, e.cfg.Now())
		}
	}
	en.State, en.Why = storage.InboxProcessed, ""
	if len(kept) > 0 {
		en.State = storage.InboxUnroutable
		en.Why = strings.Join(kept, "; ")
		if len(en.Why) > 2000 {
			en.Why = en.Why[:2000] + "…"
		}
	}
	return en, true
}

// toMailbox hands notes to a wedding's webhook mailbox; done is called
// once each has its result (retry, when the wedding cannot take them now).
// The batch holds a place in the wedding's admission count until then, so
// the wedding is not passivated under it.
func (e *Engine) toMailbox(wedding string, notes []*note, done func()) {
	fail := func(res noteResult) {
		for _, n := range notes {
			n.res = res
		}
		done()
	}
	ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		h, err := e.lookup(ctx, wedding, false)
		if errors.Is(err, ErrWeddingNotFound) {
			fail(noteResult{outcome: "unroutable", why: "wedding " + wedding + " not found"})
			return
		}
		if err != nil {
			fail(noteResult{retry: true})
			return
		}
		if h.admitInternal() {
			e.hw.Send(h.pid, &mailboxBatch{notes: notes, done: func() { h.done(1); done() }})
			return
		}
		if attempt > 100 { // retired, again and again: try later
			fail(noteResult{retry: true})
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// route reads one notification: the wedding and command it becomes, or
// its outcome when it becomes none.
func (x *inbox) route(n whatsapp.Notification) *note {
	e := x.e
	nt := &note{key: n.Key, kind: n.Kind.String()}
	keep := func(outcome, why string) *note {
		nt.res = noteResult{outcome: outcome, why: why}
		return nt
	}
	switch n.Kind {
	case whatsapp.KindStatus:
		st := n.Status
		nt.about = "status " + st.Status + " of " + st.WAMID
		wedding, msgID, ok := ParseCallbackData(st.CallbackData)
		if !ok {
			w, err := e.db.WeddingByWAMID(st.WAMID)
			if err != nil {
				// Perhaps not yet: its send's answer may still be on its
				// way (inbox_waiting.go).
				nt.waitFor = st.WAMID
				return keep("unroutable", nt.about+": no message of this engine has that wamid (yet)")
			}
			wedding, msgID = w, ""
		}
		cmd := &domain.RecordStatus{MessageID: msgID, WAMID: st.WAMID, Status: st.Status, At: domain.At(st.Timestamp)}
		if len(st.Errors) > 0 {
			cmd.Error = &domain.MessageError{Code: strconv.Itoa(st.Errors[0].Code), Title: st.Errors[0].Title}
		}
		nt.wedding, nt.cmd = wedding, cmd
		return nt
	case whatsapp.KindMessage:
		return x.routeMessage(nt, n.Message)
	case whatsapp.KindPreference:
		p := n.Preference
		nt.about = "user preference " + p.Value
		waid := p.WAID
		if waid != "" && waid[0] != '+' {
			waid = "+" + waid // Meta's digits
		}
		phone := x.phoneOf(waid, p.UserID)
		if phone == "" {
			return keep("unroutable", nt.about+": no phone the engine knows")
		}
		wedding, err := e.db.WeddingByRecipient(phone)
		if err != nil {
			return keep("unroutable", nt.about+": the engine never messaged this phone")
		}
		nt.wedding = wedding
		nt.cmd = &domain.RecordPreference{Phone: phone, Value: strings.ToLower(p.Value), Category: p.Category, At: domain.At(p.Timestamp)}
		return nt
	}
	return keep("ignored", "") // stored and counted: nothing to act on
}

// routeMessage routes a guest's message.
func (x *inbox) routeMessage(nt *note, m *whatsapp.InboundMessage) *note {
	e := x.e
	nt.about = "message " + m.ID
	keep := func(outcome, why string) *note {
		nt.res = noteResult{outcome: outcome, why: why}
		return nt
	}
	if m.Echo {
		return keep("ignored", "") // the business's own message: never a guest's answer
	}
	if m.From != "" && m.FromUserID != "" {
		if err := e.db.RememberUser(m.FromUserID, m.From); err != nil {
			e.log.Warn().Err(err).Msg("webhook: a user id not remembered")
		}
	}
	if m.Forwarded {
		return keep("kept", nt.about+": a forwarded message answers nothing")
	}
	payload := m.ButtonPayload // a template quick reply (§3.6)
	if payload == "" {
		payload = m.ReplyID // an interactive button or list row (§3.4, §3.5)
	}
	if payload != "" {
		wedding, msgID, answer, ok := e.parsePayload(payload)
		status, count, eventID, known := parseAnswer(answer)
		if !ok || !known {
			return keep("unroutable", nt.about+": a button payload the engine did not sign")
		}
		nt.wedding = wedding
		nt.cmd = &domain.RecordReply{MessageID: msgID, Answer: status, Count: count, EventID: eventID, At: x.sentAt(m),
			Phone: x.phoneOf(m.From, m.FromUserID)}
		return nt
	}
	phone := x.phoneOf(m.From, m.FromUserID)
	text, quoted := m.Text, m.ContextID
	switch m.Type {
	case "text", "edit":
		// An edit is read again as a new reply, at its own time (an
		// edited caption of a photo answers nothing, as the photo did not).
		if text == "" {
			return keep("kept", nt.about+" ("+m.Type+"): no text to read")
		}
	case "reaction":
		text, quoted = m.Emoji, m.ReactedTo
		if text == "" {
			return keep("ignored", "") // a reaction removed answers nothing
		}
	case "revoke":
		if phone == "" {
			return keep("kept", nt.about+": a deleted message from an unknown sender")
		}
		wedding, err := e.db.WeddingByRecipient(phone)
		if err != nil {
			return keep("unroutable", nt.about+": the engine never messaged this phone")
		}
		nt.wedding = wedding
		nt.cmd = &domain.FlagReply{Phone: phone, Text: "(deleted a message: " + m.RevokedID + ")",
			Reason: "the guest deleted a message; no RSVP was changed", InboundID: m.ID, At: x.sentAt(m)}
		return nt
	default:
		return keep("kept", nt.about+" ("+m.Type+"): answers nothing the engine reads")
	}
	if phone == "" {
		return keep("kept", nt.about+": no phone to answer for (a user id the engine has not seen with a phone)")
	}
	wedding := ""
	if quoted != "" {
		if w, err := e.db.WeddingByWAMID(quoted); err == nil {
			wedding = w
		}
	}
	if wedding == "" {
		w, err := e.db.WeddingByRecipient(phone)
		if err != nil {
			return keep("unroutable", nt.about+": the engine never messaged this phone")
		}
		wedding, quoted = w, ""
	}
	nt.wedding = wedding
	nt.cmd = &domain.RecordTypedReply{Phone: phone, Text: text, ContextWAMID: quoted, At: x.sentAt(m), InboundID: m.ID}
	return nt
}

// phoneOf is a sender's phone in E.164: from (E.164 already), else the
// phone the business-scoped user id was last seen with, or "".
func (x *inbox) phoneOf(from, userID string) string {
	if from != "" {
		return from
	}
	if p, err := x.e.db.UserPhone(userID); err == nil {
		return p
	}
	return ""
}

// applyTimeout bounds one batch of the processor.
const applyTimeout = 30 * time.Second

// sentAt is when the guest sent m (Meta's timestamp), or now if Meta did
// not say.
func (x *inbox) sentAt(m *whatsapp.InboundMessage) domain.Instant {
	if at := domain.At(m.Timestamp); at != 0 {
		return at
	}
	return domain.At(x.e.cfg.Now())
}
