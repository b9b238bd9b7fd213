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
// is split into its notifications and each is applied to its wedding, as a
// command, like anything else: statuses to the outbox (RecordStatus).
// Applying is idempotent (a repeated or older status changes nothing), so a
// body processed twice (a crash between applying and marking it) or
// replayed changes nothing twice. A body whose notifications all applied is
// marked processed; one with a notification the engine could not apply is
// kept as unroutable, with why, for operators (and a later replay).
//
// Guest replies that tap one of the engine's buttons (a template quick
// reply, an interactive button or list row) carry a payload the engine
// signed: they become RSVPs (RecordReply) at the guest's own time; a
// payload the engine did not sign answers nothing and is kept.
//
// TODO(issue 12): typed replies (domain.ParseReply), reactions, edits,
// user preferences (stop) into the consent ledger, confirmations, and a
// mailbox child actor per wedding; until then such notifications are kept
// as unroutable, with why, and a replay applies them once supported.

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
		case <-tick.C:
		}
	}
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
	for _, en := range entries {
		select {
		case <-x.stop:
			return false
		default:
		}
		if !x.process(en) {
			return false // the engine cannot apply now: the entry stays, and is taken again
		}
		x.cursor = en.ID
	}
	if len(entries) < inboxBatch {
		x.cursor = mark
		return false
	}
	return true
}

// process applies one body's notifications and records the outcome. It
// returns false when a wedding could not be reached (the engine closing,
// storage failing): nothing is marked, the body is taken again later.
func (x *inbox) process(en storage.InboxEntry) bool {
	e := x.e
	ns, err := whatsapp.ParseWebhook(en.Body)
	if err != nil {
		_ = e.db.SetInboxState(en.ID, storage.InboxUnprocessable, err.Error())
		return true
	}
	var kept []string
	for _, n := range ns {
		outcome, why, retry := x.apply(n)
		if retry {
			return false
		}
		e.metrics.notification(n.Kind.String(), outcome)
		if why != "" {
			kept = append(kept, why)
		}
	}
	state, why := storage.InboxProcessed, ""
	if len(kept) > 0 {
		state = storage.InboxUnroutable
		why = strings.Join(kept, "; ")
		if len(why) > 2000 {
			why = why[:2000] + "…"
		}
	}
	if err := e.db.SetInboxState(en.ID, state, why); err != nil {
		e.log.Warn().Err(err).Uint64("inbox_id", en.ID).Msg("webhook inbox: outcome not recorded; the body will be processed again (changing nothing twice)")
	}
	return true
}

// apply applies one notification. It returns the outcome for metrics,
// why it was kept unapplied (or ""), and whether to retry later.
func (x *inbox) apply(n whatsapp.Notification) (outcome, why string, retry bool) {
	e := x.e
	switch n.Kind {
	case whatsapp.KindStatus:
		st := n.Status
		wedding, msgID, ok := ParseCallbackData(st.CallbackData)
		if !ok {
			w, err := e.db.WeddingByWAMID(st.WAMID)
			if err != nil {
				return "unroutable", "status " + st.Status + " of " + st.WAMID + ": no message of this engine has that wamid", false
			}
			wedding, msgID = w, ""
		}
		cmd := &domain.RecordStatus{MessageID: msgID, WAMID: st.WAMID, Status: st.Status, At: domain.At(st.Timestamp)}
		if len(st.Errors) > 0 {
			cmd.Error = &domain.MessageError{Code: strconv.Itoa(st.Errors[0].Code), Title: st.Errors[0].Title}
		}
		res, why, retry := x.do(wedding, cmd, "status "+st.Status+" of "+st.WAMID)
		if why != "" || retry {
			return "unroutable", why, retry
		}
		if r, ok := res.Value.(domain.StatusResult); ok && r.Applied {
			return "applied", "", false
		}
		return "unchanged", "", false
	case whatsapp.KindMessage:
		m := n.Message
		if m.Echo {
			return "ignored", "", false // the business's own message: never a guest's answer
		}
		payload := m.ButtonPayload // a template quick reply (§3.6)
		if payload == "" {
			payload = m.ReplyID // an interactive button or list row (§3.4, §3.5)
		}
		if m.Forwarded {
			return "kept", "message " + m.ID + ": a forwarded message answers nothing", false
		}
		if payload == "" {
			return x.applyTyped(m)
		}
		wedding, msgID, answer, ok := e.parsePayload(payload)
		status, known := domain.ParseRSVPStatus(answer)
		if !ok || !known || status == domain.Pending {
			return "unroutable", "message " + m.ID + ": a button payload the engine did not sign", false
		}
		if _, why, retry := x.do(wedding, &domain.RecordReply{MessageID: msgID, Answer: status, At: x.sentAt(m)}, "message "+m.ID); why != "" || retry {
			return "unroutable", why, retry
		}
		return "applied", "", false
	case whatsapp.KindPreference:
		return "kept", "user preference " + n.Preference.Value + ": not applied yet", false
	}
	return "ignored", "", false // stored and counted: nothing to act on
}

// applyTyped applies a typed reply, or a reaction (its emoji read as text,
// 👍 yes and 👎 no), to the wedding that sent the message it quotes, else to
// the one that last messaged the phone.
func (x *inbox) applyTyped(m *whatsapp.InboundMessage) (outcome, why string, retry bool) {
	e := x.e
	text, quoted := m.Text, m.ContextID
	switch m.Type {
	case "text":
	case "reaction":
		text, quoted = m.Emoji, m.ReactedTo
		if text == "" {
			return "ignored", "", false // a reaction removed answers nothing
		}
	default:
		return "kept", "message " + m.ID + " (" + m.Type + "): answers nothing the engine reads", false
	}
	if m.From == "" {
		return "kept", "message " + m.ID + ": no phone to answer for (a username-only sender)", false
	}
	wedding, msgID := "", ""
	if quoted != "" {
		if w, err := e.db.WeddingByWAMID(quoted); err == nil {
			wedding = w
		}
	}
	if wedding == "" {
		w, err := e.db.WeddingByRecipient(m.From)
		if err != nil {
			return "unroutable", "message " + m.ID + ": the engine never messaged this phone", false
		}
		wedding, quoted = w, ""
	}
	if quoted != "" {
		// The quoted message's own id in its wedding, if it is one of ours.
		ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
		if v, err := e.Query(ctx, wedding, domain.Root, domain.FindMessageByWAMID{WAMID: quoted}); err == nil {
			msgID, _ = v.(string)
		}
		cancel()
	}
	cmd := &domain.RecordTypedReply{Phone: m.From, Text: text, ContextMessageID: msgID, At: x.sentAt(m), InboundID: m.ID}
	res, why, retry := x.do(wedding, cmd, "message "+m.ID)
	if why != "" || retry {
		return "unroutable", why, retry
	}
	if r, ok := res.Value.(domain.TypedReplyResult); ok && r.Unclear {
		if r.Listed {
			return "attention", "", false // on the wedding's attention list, for a person
		}
		return "kept", "message " + m.ID + ": " + r.Why, false
	}
	return "applied", "", false
}

// applyTimeout bounds one command of the processor.
const applyTimeout = 30 * time.Second

// do runs one notification's command on its wedding. why is set when the
// wedding refused it or does not exist (about says what it was); retry when
// the engine could not run it now (closing, storage failing).
func (x *inbox) do(wedding string, cmd domain.Command, about string) (res Result, why string, retry bool) {
	ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
	defer cancel()
	res, err := x.e.Do(ctx, wedding, domain.Root, cmd)
	var de *domain.Error
	switch {
	case errors.As(err, &de) || errors.Is(err, ErrWeddingNotFound):
		return res, about + ": " + err.Error(), false
	case err != nil:
		return res, "", true
	}
	return res, "", false
}

// sentAt is when the guest sent m (Meta's timestamp), or now if Meta did
// not say.
func (x *inbox) sentAt(m *whatsapp.InboundMessage) domain.Instant {
	if at := domain.At(m.Timestamp); at != 0 {
		return at
	}
	return domain.At(x.e.cfg.Now())
}
