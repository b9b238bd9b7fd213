package actors

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/tz"
	"github.com/parinayaos/engine/whatsapp"
)

// A campaign is sent by a child actor of its wedding's actor. The child
// runs a worker goroutine that walks the campaign's outbox: for each queued
// message it waits for the pacer (shared by every campaign on the number),
// records BeginSend (journaled: the message is "sending" before anything
// leaves the engine), calls the Cloud API, and records the outcome
// (RecordSend). Everything it does to the wedding goes through the
// wedding's mailbox as commands, like any caller's, so the wedding never
// waits on the network; a restart finds the outbox as the journal left it.

// Sender sends one WhatsApp message; *whatsapp.Client is one.
type Sender interface {
	Send(ctx context.Context, m *whatsapp.Message) whatsapp.Result
}

// MessagingConfig configures WhatsApp sending. Zero values mean the
// defaults.
type MessagingConfig struct {
	// Sender sends messages; nil leaves campaigns recorded but never sent
	// (their messages stay queued).
	Sender Sender
	// Pacer paces every send of the engine's number; nil means a pacer
	// with the defaults (80 messages a second, no tier).
	Pacer *Pacer
	// Templates are the templates campaigns may use (default
	// whatsapp.DefaultTemplates()).
	Templates []whatsapp.TemplateSpec
	// MaxAttempts is how many times a message is tried before it fails
	// with its last error (default 5).
	MaxAttempts int
	// RetryBase and RetryMax bound the exponential backoff between
	// attempts (defaults 1 s and 5 min).
	RetryBase, RetryMax time.Duration
	// InFlight is how many sends of one campaign may be under way at once
	// (default 32): enough to keep a 1,000 message-a-second number busy
	// while each send waits for its journal commit and Meta's answer.
	InFlight int
	// SendTimeout bounds one call to the Cloud API (default 15 s).
	SendTimeout time.Duration
}

// Defaults of MessagingConfig.
const (
	DefaultMaxAttempts = 5
	DefaultRetryBase   = time.Second
	DefaultRetryMax    = 5 * time.Minute
	DefaultInFlight    = 32
	DefaultSendTimeout = 15 * time.Second
)

func (c MessagingConfig) withDefaults() MessagingConfig {
	if c.Pacer == nil {
		c.Pacer = NewPacer(PacerConfig{})
	}
	if c.Templates == nil {
		c.Templates = whatsapp.DefaultTemplates()
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryBase <= 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax <= 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.InFlight <= 0 {
		c.InFlight = DefaultInFlight
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = DefaultSendTimeout
	}
	return c
}

// checkTemplate refuses a campaign whose template the engine does not
// know: every one of its messages would fail at Meta (132001).
func (e *Engine) checkTemplate(cmd domain.Command) error {
	c, ok := cmd.(*domain.CreateCampaign)
	if !ok {
		return nil
	}
	if _, ok := whatsapp.FindTemplate(e.msg.Templates, c.Template.Name, c.Template.Language); ok {
		return nil
	}
	var known []string
	for _, t := range e.msg.Templates {
		known = append(known, t.Name+" ("+t.Language+")")
	}
	return &domain.Error{Kind: domain.KindInvalid, Code: "invalid_field", Field: "template",
		Message: fmt.Sprintf("no template %q in language %q; the engine knows %s", c.Template.Name, c.Template.Language, strings.Join(known, ", "))}
}

// CampaignPlan is a campaign's summary with its send plan, as the tier's
// rolling window stands now.
func (e *Engine) CampaignPlan(ctx context.Context, weddingID string, by domain.Principal, id string) (domain.CampaignSummary, domain.Plan, error) {
	v, err := e.Query(ctx, weddingID, by, domain.GetCampaign{ID: id})
	if err != nil {
		return domain.CampaignSummary{}, domain.Plan{}, err
	}
	s := v.(domain.CampaignSummary)
	return s, e.plan(s), nil
}

// CampaignPlanOf is the send plan of a campaign summary already read (a
// list of campaigns), as the tier's rolling window stands now.
func (e *Engine) CampaignPlanOf(s domain.CampaignSummary) domain.Plan { return e.plan(s) }

func (e *Engine) plan(s domain.CampaignSummary) domain.Plan {
	if !s.State.Active() {
		return domain.PlanSends(0, 0, domain.TierState{}, 0)
	}
	u := e.msg.Pacer.Usage()
	tier := domain.TierState{Limit: u.Limit, Frees: make([]domain.Instant, len(u.Frees))}
	for i, f := range u.Frees {
		tier.Frees[i] = domain.At(f)
	}
	return domain.PlanSends(s.Counts.Queued, domain.At(e.cfg.Now()), tier, e.msg.Pacer.Config().MPS)
}

// Messages of the wedding actor about its campaigns.
type (
	// workerExited: a campaign's worker stopped walking its outbox.
	workerExited struct{ id string }
	// nudge: the campaign's state changed; its worker looks again now.
	nudge struct{}
)

// resumeCampaigns runs when a wedding is loaded: what a crash left
// "sending" becomes in doubt (journaled), then every running campaign gets
// its worker.
func (a *weddingActor) resumeCampaigns(c *actor.Context) {
	if a.broken != nil || a.w == nil || !a.w.Created() || len(a.w.Campaigns) == 0 {
		return
	}
	changes, _, err := a.w.Execute(domain.RecoverSends{}, domain.Meta{By: domain.Root, Now: a.now()})
	if err != nil {
		a.e.log.Error().Err(err).Str("wedding_id", a.h.id).Msg("campaigns: recovering interrupted sends failed")
		return
	}
	if len(changes) > 0 {
		j := a.tail(c)
		j.changes = append(j.changes, changes...)
		a.sinceSnap += uint64(len(changes))
		for _, ch := range changes {
			if ch.MessagesUpdated != nil {
				a.e.log.Warn().Str("wedding_id", a.h.id).Str("campaign_id", ch.MessagesUpdated.CampaignID).
					Int("messages", len(ch.MessagesUpdated.Updates)).
					Msg("campaigns: messages being sent when the engine stopped are in doubt; they are not sent again")
			}
		}
	}
	for _, camp := range a.w.Campaigns {
		a.ensureWorker(c, camp)
	}
}

// campaignsChanged starts or nudges the workers of the campaigns changes
// touched.
func (a *weddingActor) campaignsChanged(c *actor.Context, changes []domain.Change) {
	for i := range changes {
		var id string
		switch ch := &changes[i]; {
		case ch.CampaignCreated != nil:
			id = ch.CampaignCreated.Campaign.ID
			a.e.metrics.campaignState(ch.CampaignCreated.Campaign.State.String())
		case ch.CampaignStateSet != nil:
			id = ch.CampaignStateSet.ID
			a.e.metrics.campaignState(ch.CampaignStateSet.State.String())
		default:
			continue
		}
		if pid, ok := a.workers[id]; ok {
			c.Send(pid, nudge{})
			continue
		}
		if camp := a.w.Campaign(id); camp != nil {
			a.ensureWorker(c, camp)
		}
	}
}

// ensureWorker spawns the campaign's worker if it is running, has queued
// messages and has none.
func (a *weddingActor) ensureWorker(c *actor.Context, camp *domain.Campaign) {
	if camp.State != domain.CampaignRunning || a.stopped || a.e.closed.Load() || a.e.msg.Sender == nil {
		return
	}
	if _, ok := a.workers[camp.ID]; ok {
		return
	}
	queued := false
	for i := range camp.Messages {
		queued = queued || camp.Messages[i].Status == domain.MessageQueued
	}
	if !queued {
		return
	}
	w := newWorker(a.e, a.h, c.PID(), camp.ID)
	if a.workers == nil {
		a.workers = map[string]*actor.PID{}
	}
	a.workers[camp.ID] = c.SpawnChild(func() actor.Receiver { return &campaignActor{w: w} }, "campaign",
		actor.WithID(camp.ID+"."+strconv.FormatUint(w.gen, 36)))
}

// onWorkerExited forgets the worker, and starts another if the campaign
// was resumed while the first was on its way out.
func (a *weddingActor) onWorkerExited(c *actor.Context, id string) {
	delete(a.workers, id)
	if camp := a.w.Campaign(id); camp != nil && a.broken == nil {
		a.ensureWorker(c, camp)
	}
}

// campaignActor is the hollywood face of a worker: its life follows the
// wedding actor's (a stopping wedding stops its children first).
type campaignActor struct{ w *worker }

func (ca *campaignActor) Receive(c *actor.Context) {
	switch c.Message().(type) {
	case actor.Started:
		go ca.w.run()
	case nudge:
		ca.w.poke()
	case actor.Stopped:
		// hollywood waits for this without a timeout: bounded here.
		ca.w.stop(5 * time.Second)
	}
}

// worker walks one campaign's outbox.
type worker struct {
	e        *Engine
	h        *handle
	parent   *actor.PID
	wedding  string
	campaign string
	gen      uint64

	// quit: take no new message (in-flight sends finish and are
	// recorded). hard cancels the in-flight sends too.
	quit     chan struct{}
	quitOnce sync.Once
	hard     context.Context
	cancel   context.CancelFunc
	nudge    chan struct{}
	done     chan struct{}
	// notRunning: a send found the campaign paused, cancelled or done.
	notRunning atomic.Bool
}

var workerGen atomic.Uint64

func newWorker(e *Engine, h *handle, parent *actor.PID, campaign string) *worker {
	hard, cancel := context.WithCancel(context.Background())
	w := &worker{e: e, h: h, parent: parent, wedding: h.id, campaign: campaign, gen: workerGen.Add(1),
		quit: make(chan struct{}), hard: hard, cancel: cancel, nudge: make(chan struct{}, 1), done: make(chan struct{})}
	h.campaigns.Add(1)
	e.workers.Store(w, struct{}{})
	return w
}

func (w *worker) poke() {
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// stop asks the worker to take no new message and waits up to grace for
// its in-flight sends to be recorded; then it cancels them.
func (w *worker) stop(grace time.Duration) {
	w.quitOnce.Do(func() { close(w.quit) })
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
		w.cancel()
		<-w.done
	}
}

func (w *worker) quitting() bool {
	select {
	case <-w.quit:
		return true
	default:
		return false
	}
}

func (w *worker) run() {
	defer func() {
		if v := recover(); v != nil {
			w.e.log.Error().Interface("panic", v).Str("wedding_id", w.wedding).Str("campaign_id", w.campaign).
				Msg("campaigns: worker panicked; it stops (the campaign resumes when the wedding is loaded again)")
		}
		w.cancel()
		w.h.campaigns.Add(-1)
		w.e.workers.Delete(w)
		w.e.hw.Send(w.parent, workerExited{id: w.campaign})
		close(w.done)
	}()
	// quitCtx ends when the worker is told to quit: it bounds the waits
	// for the pacer, never a send under way.
	quitCtx, stopQuit := context.WithCancel(w.hard)
	defer stopQuit()
	go func() {
		select {
		case <-w.quit:
			stopQuit()
		case <-quitCtx.Done():
		}
	}()
	for !w.quitting() {
		wake, more := w.pass(quitCtx)
		if !more {
			return
		}
		if wake.IsZero() {
			continue
		}
		t := time.NewTimer(max(time.Until(wake), time.Millisecond))
		select {
		case <-t.C:
		case <-w.nudge:
		case <-w.quit:
		}
		t.Stop()
	}
}

// pass sends what can go now. It returns when to look again (zero: at
// once; a nudge also ends the wait) and whether there is anything left to
// do.
func (w *worker) pass(ctx context.Context) (wake time.Time, more bool) {
	v, err := w.e.Query(ctx, w.wedding, domain.Root, domain.CampaignWork{ID: w.campaign})
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, ErrWeddingNotFound) {
			return time.Time{}, false
		}
		w.e.log.Warn().Err(err).Str("wedding_id", w.wedding).Str("campaign_id", w.campaign).Msg("campaigns: reading the outbox failed; retrying")
		return time.Now().Add(time.Second), true
	}
	work := v.(domain.Work)
	if work.State != domain.CampaignRunning || len(work.Items) == 0 {
		return time.Time{}, false
	}
	now := domain.At(w.e.cfg.Now())
	sem := make(chan struct{}, w.e.msg.InFlight)
	var wg sync.WaitGroup
	sent := 0
	note := func(t time.Time) {
		if wake.IsZero() || t.Before(wake) {
			wake = t
		}
	}
	for _, it := range work.Items {
		if w.quitting() || w.notRunning.Load() {
			break
		}
		if it.NotBefore > now {
			note(it.NotBefore.Time())
			continue
		}
		start := time.Now()
		grant, err := w.e.msg.Pacer.Acquire(ctx, w.wedding, it.Phone)
		var full *TierFullError
		switch {
		case errors.As(err, &full):
			note(full.Until)
			w.e.log.Info().Str("wedding_id", w.wedding).Str("campaign_id", w.campaign).Time("until", full.Until).
				Msg("campaigns: the messaging tier is used up; the next wave waits for the window to roll")
		case err != nil:
		default:
			w.e.metrics.pacerWaited(start)
			sem <- struct{}{}
			wg.Add(1)
			sent++
			go func() {
				defer func() { <-sem; wg.Done() }()
				w.send(it.Index, grant)
			}()
			continue
		}
		break
	}
	wg.Wait()
	if w.notRunning.Load() {
		return time.Time{}, false
	}
	switch {
	case sent > 0:
		// Some went: look again at once for what the pass left.
		return time.Time{}, true
	case wake.IsZero():
		// Nothing could go and nothing says when (the pacer closed?).
		return time.Now().Add(time.Second), true
	}
	return wake, true
}

// send sends one message: BeginSend, the Cloud API, RecordSend.
func (w *worker) send(index int, grant Grant) {
	res, err := w.e.Do(w.hard, w.wedding, domain.Root, &domain.BeginSend{CampaignID: w.campaign, Index: index})
	if err != nil {
		if w.hard.Err() == nil {
			w.e.log.Warn().Err(err).Str("wedding_id", w.wedding).Str("campaign_id", w.campaign).Int("index", index).
				Msg("campaigns: could not begin a send")
		}
		return
	}
	job := res.Value.(domain.SendJob)
	log := w.e.log.With().Str("wedding_id", w.wedding).Str("campaign_id", w.campaign).Str("message_id", job.MessageID).
		Str("request_id", job.RequestID).Logger()
	if job.Skip {
		if strings.HasPrefix(job.Reason, "campaign ") {
			w.notRunning.Store(true)
		} else {
			w.e.metrics.messageOutcome("failed", job.Reason)
			log.Info().Str("reason", job.Reason).Msg("campaigns: message not sent")
		}
		return
	}
	var out domain.SendOutcome
	msg, err := w.e.buildMessage(w.wedding, job)
	if err != nil {
		// Not this message's fault: the campaign waits for a person.
		out = domain.SendOutcome{Retry: true, NotBefore: domain.At(w.e.cfg.Now()), Code: "template_unknown",
			Title: err.Error(), Pause: true, Reason: err.Error()}
	} else {
		ctx, cancel := context.WithTimeout(w.hard, w.e.msg.SendTimeout)
		var r whatsapp.Result
		start := time.Now()
		if err := w.e.msg.Pacer.Launch(ctx); err != nil {
			// Stopped before anything left: the message goes back to the
			// queue, untried.
			r = whatsapp.Result{Class: whatsapp.Transient, Err: err}
		} else {
			start = time.Now()
			r = w.e.msg.Sender.Send(ctx, msg)
		}
		cancel()
		w.e.metrics.sent(start, r.Class.String())
		if r.Class != whatsapp.Accepted && !r.MaybeSent {
			// Nothing reached the guest: the retry must not wait for the
			// pair limit, nor count twice in the tier's window.
			w.e.msg.Pacer.Refused(grant)
		}
		out = w.e.outcome(job, r)
		ev := log.Info()
		if r.Class != whatsapp.Accepted {
			ev = log.Warn().Int("code", r.Code).Str("title", r.Title)
		}
		ev.Str("phone", maskPhone(job.Phone)).Str("class", r.Class.String()).Str("wamid", r.WAMID).
			Int32("attempt", job.Attempt).Msg("campaigns: send")
	}
	// The outcome is recorded even if the worker is told to quit: the
	// message left (or not), and the journal must say so.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.hard), 30*time.Second)
	defer cancel()
	if _, err := w.e.Do(ctx, w.wedding, domain.Root, &domain.RecordSend{CampaignID: w.campaign, Index: index, Outcome: out}); err != nil {
		log.Error().Err(err).Msg("campaigns: the outcome of a send could not be recorded; the message will be in doubt")
		return
	}
	w.e.metrics.messageOutcome(outcomeStatus(out), out.Code)
	w.e.wamidKnown(out.WAMID)
	if out.Pause {
		w.notRunning.Store(true)
		log.Warn().Str("reason", out.Reason).Msg("campaigns: campaign paused")
	}
}

func outcomeStatus(o domain.SendOutcome) string {
	switch {
	case o.WAMID != "":
		return "sent"
	case o.InDoubt:
		return "in_doubt"
	case o.Retry:
		return "retry"
	}
	return "failed"
}

// Template errors that are the campaign's, not one message's: every
// message would fail the same way, so the campaign pauses for a person.
var campaignWideCodes = map[int]bool{132000: true, 132001: true, 132007: true, 132015: true, 132016: true, 131063: true}

// outcome is the engine's policy for Meta's answer to one send
// (WHATSAPP.md §6 and §10.7).
func (e *Engine) outcome(job domain.SendJob, r whatsapp.Result) domain.SendOutcome {
	code := ""
	if r.Code != 0 {
		code = strconv.Itoa(r.Code)
	} else if r.HTTPStatus != 0 && r.Class != whatsapp.Accepted {
		code = "http_" + strconv.Itoa(r.HTTPStatus)
	} else if r.Err != nil {
		code = "network"
	}
	title := r.Title
	if title == "" && r.Err != nil {
		title = r.Err.Error()
	}
	now := e.cfg.Now()
	retry := func(d time.Duration) domain.SendOutcome {
		if int(job.Attempt) >= e.msg.MaxAttempts {
			return domain.SendOutcome{Code: code, Title: fmt.Sprintf("%s (gave up after %d attempts)", title, job.Attempt)}
		}
		return domain.SendOutcome{Retry: true, NotBefore: domain.At(now.Add(d)), Code: code, Title: title}
	}
	switch {
	case r.Class == whatsapp.Accepted && r.WAMID != "":
		return domain.SendOutcome{WAMID: r.WAMID}
	case r.MaybeSent:
		return domain.SendOutcome{InDoubt: true, Code: code, Title: title}
	case r.Class == whatsapp.RateLimited:
		// The number is over its rate: everything holds back a little
		// (a fraction of a second: the pacer keeps to the configured rate,
		// so a 130429 means another sender on the number, or a lower limit
		// than configured), and this message waits its own backoff.
		d := e.backoff(job.Attempt)
		e.msg.Pacer.Backoff(min(d/4, time.Second))
		return retry(d)
	case r.Class == whatsapp.PairLimited:
		// Meta's advice after a burst: retry after 4^X seconds.
		return retry(min(e.msg.RetryMax, time.Duration(math.Pow(4, float64(job.Attempt-1)))*time.Second))
	case r.Class == whatsapp.Transient:
		return retry(e.backoff(job.Attempt))
	case r.Class == whatsapp.AccountBlocked || r.Class == whatsapp.Mistake && campaignWideCodes[r.Code]:
		reason := fmt.Sprintf("WhatsApp refused the send (%s: %s); fix it, then resume the campaign", code, title)
		return domain.SendOutcome{Retry: true, NotBefore: domain.At(now), Code: code, Title: title, Pause: true, Reason: reason}
	}
	// Permanent for this recipient, the window closed, or a mistake in
	// this message alone.
	return domain.SendOutcome{Code: code, Title: title}
}

// backoff is the wait before attempt+1: exponential from RetryBase, with
// ±20% jitter so that retries spread out, at most RetryMax.
func (e *Engine) backoff(attempt int32) time.Duration {
	d := float64(e.msg.RetryBase) * math.Pow(2, float64(max(attempt-1, 0)))
	d = min(d, float64(e.msg.RetryMax))
	return time.Duration(d * (0.8 + 0.4*rand.Float64()))
}

// CallbackData is what a message carries as biz_opaque_callback_data, and
// Meta echoes in every status of it: the wedding and the message, so that
// a status finds its message even before (or without) its wamid being
// recorded.
func CallbackData(weddingID, messageID string) string { return weddingID + "/" + messageID }

// ParseCallbackData reads CallbackData.
func ParseCallbackData(s string) (weddingID, messageID string, ok bool) {
	i := strings.LastIndexByte(s, '/')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	if _, _, ok := domain.ParseMessageID(s[i+1:]); !ok {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// buildMessage renders a send job as the template message Meta expects.
func (e *Engine) buildMessage(weddingID string, job domain.SendJob) (*whatsapp.Message, error) {
	spec, ok := whatsapp.FindTemplate(e.msg.Templates, job.Template.Name, job.Template.Language)
	if !ok {
		return nil, fmt.Errorf("the template %s (%s) is not configured", job.Template.Name, job.Template.Language)
	}
	t := &whatsapp.Template{Name: spec.Name, Language: spec.Language}
	for _, p := range spec.Params {
		var v string
		switch p {
		case whatsapp.ParamGuestName:
			v = job.GuestName
		case whatsapp.ParamWeddingName:
			v = job.WeddingName
		case whatsapp.ParamEvents:
			v = eventsText(job.Events, job.Timezone)
		}
		t.Params = append(t.Params, templateParam(v))
	}
	for i, label := range spec.Buttons {
		t.ButtonPayloads = append(t.ButtonPayloads, e.payload(weddingID, job.MessageID, answerOf(label, i)))
	}
	return &whatsapp.Message{To: job.Phone, CallbackData: CallbackData(weddingID, job.MessageID), Template: t}, nil
}

// answerOf is what a quick-reply button means: yes, no or maybe by its
// label, else its position (the API's typed 1, 2, 3 are Yes, No, Maybe).
func answerOf(label string, i int) string {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "yes":
		return "yes"
	case "no":
		return "no"
	case "maybe":
		return "maybe"
	}
	if i < 3 {
		return [...]string{"yes", "no", "maybe"}[i]
	}
	return "b" + strconv.Itoa(i)
}

// eventsText names the events with their dates in the wedding's zone:
// "Sangeet (Fri 11 Dec, 6:00 PM) and Wedding (Sat 12 Dec, 7:30 PM)".
func eventsText(events []domain.Event, zone string) string {
	loc := tz.Location(zone)
	parts := make([]string, len(events))
	for i, ev := range events {
		parts[i] = ev.Name + " (" + ev.StartsAt.Time().In(loc).Format("Mon 2 Jan, 3:04 PM") + ")"
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// templateParam makes text a valid template parameter: Meta refuses
// newlines, tabs and more than four spaces in a row (132018).
func templateParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	for strings.Contains(s, "     ") {
		s = strings.ReplaceAll(s, "     ", "    ")
	}
	if s = strings.TrimSpace(s); s == "" {
		s = "-"
	}
	return s
}

// maskPhone hides all but the last four digits of a phone, for logs.
func maskPhone(p string) string {
	if len(p) <= 4 {
		return strings.Repeat("*", len(p))
	}
	return strings.Repeat("*", len(p)-4) + p[len(p)-4:]
}

// stopWorkers tells every campaign worker to take no new message and waits
// (up to ctx) for their sends under way to be recorded.
func (e *Engine) stopWorkers(ctx context.Context) {
	var all []*worker
	e.workers.Range(func(k, _ any) bool {
		all = append(all, k.(*worker))
		return true
	})
	for _, w := range all {
		w.quitOnce.Do(func() { close(w.quit) })
	}
	for _, w := range all {
		select {
		case <-w.done:
		case <-ctx.Done():
			w.cancel()
		}
	}
}

// resumeActiveCampaigns loads, at start, the weddings whose campaigns may
// still send, so that they resume without waiting for a request.
func (e *Engine) resumeActiveCampaigns() {
	if e.msg.Sender == nil {
		return
	}
	active, err := e.db.ActiveCampaigns()
	if err != nil {
		e.log.Error().Err(err).Msg("campaigns: listing active campaigns failed; they resume when their weddings are next used")
		return
	}
	for id := range active {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := e.Query(ctx, id, domain.Root, domain.GetWedding{}); err != nil {
				e.log.Warn().Err(err).Str("wedding_id", id).Msg("campaigns: could not load a wedding to resume its campaigns")
			}
		}()
	}
}
