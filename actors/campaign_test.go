package actors_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/whatsapp"
)

// fakeMeta plays Meta's Cloud API for the campaign tests: it records every
// accepted message and answers what answer says (nil: accepted).
type fakeMeta struct {
	mu       sync.Mutex
	accepted map[string][]*whatsapp.Message // by phone
	calls    atomic.Int64
	answer   func(n int64, m *whatsapp.Message) whatsapp.Result
	block    chan struct{} // when set, sends wait for it (or their context)
}

func newFakeMeta() *fakeMeta { return &fakeMeta{accepted: map[string][]*whatsapp.Message{}} }

func (f *fakeMeta) Send(ctx context.Context, m *whatsapp.Message) whatsapp.Result {
	n := f.calls.Add(1)
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return whatsapp.Result{Class: whatsapp.Transient, MaybeSent: true, Err: ctx.Err()}
		}
	}
	if err := m.Validate(); err != nil {
		return whatsapp.Result{Class: whatsapp.Mistake, Err: err}
	}
	if f.answer != nil {
		if r := f.answer(n, m); r.Class != whatsapp.Accepted {
			return r
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted[m.To] = append(f.accepted[m.To], m)
	return whatsapp.Result{Class: whatsapp.Accepted, WAMID: fmt.Sprintf("wamid.%d", n), HTTPStatus: 200}
}

// counts is how many messages each phone got.
func (f *fakeMeta) counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for p, ms := range f.accepted {
		out[p] = len(ms)
	}
	return out
}

func messagingConfig(meta actors.Sender) actors.Config {
	return actors.Config{Messaging: actors.MessagingConfig{Sender: meta,
		Pacer:     actors.NewPacer(actors.PacerConfig{MPS: 2000, PairInterval: time.Millisecond}),
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond}}
}

// optIn records every unit's primary contact's opt-in; it returns their
// phones by unit.
func optIn(t *testing.T, e *actors.Engine, w string, units []string) map[string]string {
	t.Helper()
	phones := map[string]string{}
	for _, u := range units {
		r, err := e.Query(t.Context(), w, owner, domain.GetUnit{ID: u})
		if err != nil {
			t.Fatal(err)
		}
		p := r.(domain.Unit).Members[0]
		do(t, e, w, owner, &domain.RecordConsent{PersonID: p.ID, Status: domain.OptedIn, Source: "RSVP card"})
		phones[u] = p.Phone
	}
	return phones
}

func createCampaign(t *testing.T, e *actors.Engine, w string, events []string) *domain.Campaign {
	t.Helper()
	r := do(t, e, w, owner, &domain.CreateCampaign{Kind: domain.CampaignInvite, EventIDs: events,
		Audience: domain.Audience{All: true}, Template: domain.TemplateRef{Name: "wedding_invite", Language: "en"}, RequestID: "req-1"})
	return r.Value.(*domain.Campaign)
}

// waitCampaign polls the campaign until ok says so.
func waitCampaign(t *testing.T, e *actors.Engine, w, id string, ok func(domain.CampaignSummary) bool) domain.CampaignSummary {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := e.Query(t.Context(), w, owner, domain.GetCampaign{ID: id})
		if err != nil {
			t.Fatal(err)
		}
		s := v.(domain.CampaignSummary)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s stuck at %s %+v", id, s.State, s.Counts)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func done(s domain.CampaignSummary) bool { return s.State == domain.CampaignDone }

// Every opted-in unit gets its invitation exactly once, with our message
// id as callback data and RSVP payloads on the buttons; the others are
// skipped and counted.
func TestCampaign_SendsEachUnitOnce(t *testing.T) {
	meta := newFakeMeta()
	e, _ := openEngine(t, t.TempDir(), messagingConfig(meta))
	evs, units := seedWedding(t, e, "w1", 60, 2)
	phones := optIn(t, e, "w1", units[:50])
	// One opts out again; ten never opted in.
	r, _ := e.Query(t.Context(), "w1", owner, domain.GetUnit{ID: units[0]})
	do(t, e, "w1", owner, &domain.RecordConsent{PersonID: r.(domain.Unit).Members[0].ID, Status: domain.OptedOut, Source: "phone call"})

	c := createCampaign(t, e, "w1", evs)
	if len(c.Messages) != 49 || c.Skipped.DoNotMessage != 1 || c.Skipped.NoConsent != 10 {
		t.Fatalf("campaign of %d messages, skipped %+v", len(c.Messages), c.Skipped)
	}
	s := waitCampaign(t, e, "w1", c.ID, done)
	if s.Counts.Sent != 49 || s.Counts.Total != 49 {
		t.Fatalf("done with %+v", s.Counts)
	}
	got := meta.counts()
	for _, u := range units[1:50] {
		if got[phones[u]] != 1 {
			t.Errorf("unit %s (%s) messaged %d times", u, phones[u], got[phones[u]])
		}
	}
	if got[phones[units[0]]] != 0 || len(got) != 49 {
		t.Errorf("%d phones messaged; the opted-out one %d times", len(got), got[phones[units[0]]])
	}
	m := meta.accepted[phones[units[1]]][0]
	w, id, ok := actors.ParseCallbackData(m.CallbackData)
	if !ok || w != "w1" || m.Template == nil || len(m.Template.Params) != 3 ||
		len(m.Template.ButtonPayloads) != 3 || !strings.HasPrefix(m.Template.ButtonPayloads[0], "rsvp:w1/"+id+":yes:") {
		t.Errorf("message %+v template %+v", m, m.Template)
	}
}

// 130429 and transient errors are retried with backoff, not lost and not
// duplicated; a permanent error ends the message failed with its code.
func TestCampaign_RetriesAndFailures(t *testing.T) {
	meta := newFakeMeta()
	var bad string
	var mu sync.Mutex
	tries := map[string]int{}
	// Each message is refused at most twice before it goes (fewer than
	// the attempts allowed): first 130429, then a 503 for some.
	meta.answer = func(n int64, m *whatsapp.Message) whatsapp.Result {
		mu.Lock()
		tries[m.To]++
		try := tries[m.To]
		mu.Unlock()
		switch {
		case m.To == bad:
			return whatsapp.Result{Class: whatsapp.Permanent, Code: 131026, Title: "Message undeliverable", HTTPStatus: 400}
		case try == 1 && n%2 == 1:
			return whatsapp.Result{Class: whatsapp.RateLimited, Code: 130429, Title: "Rate limit hit", HTTPStatus: 400}
		case try <= 2 && n%3 == 0:
			return whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 503}
		}
		return whatsapp.Result{}
	}
	e, _ := openEngine(t, t.TempDir(), messagingConfig(meta))
	evs, units := seedWedding(t, e, "w1", 30, 1)
	phones := optIn(t, e, "w1", units)
	bad = phones[units[3]]
	c := createCampaign(t, e, "w1", evs)
	s := waitCampaign(t, e, "w1", c.ID, done)
	if s.Counts.Sent != 29 || s.Counts.Failed != 1 {
		t.Fatalf("done with %+v", s.Counts)
	}
	if meta.calls.Load() <= 35 {
		t.Fatalf("%d calls for 30 messages: the refusals did not happen", meta.calls.Load())
	}
	for u, p := range phones {
		if n := meta.counts()[p]; n != 1 && p != bad {
			t.Errorf("unit %s messaged %d times", u, n)
		}
	}
	v, _ := e.Query(t.Context(), "w1", owner, domain.ListMessages{Filter: domain.MessageFilter{UnitID: units[3]}})
	msgs := v.(domain.MessagePage).Items
	if len(msgs) != 1 || msgs[0].Status != domain.MessageFailed || msgs[0].Error == nil || msgs[0].Error.Code != "131026" {
		t.Fatalf("the undeliverable message: %+v", msgs)
	}
}

// An account-level error pauses the campaign (the message stays queued);
// resume sends the rest; cancel stops it for good.
func TestCampaign_PauseResumeCancel(t *testing.T) {
	meta := newFakeMeta()
	var blocked atomic.Bool
	blocked.Store(true)
	meta.answer = func(n int64, m *whatsapp.Message) whatsapp.Result {
		if blocked.Load() {
			return whatsapp.Result{Class: whatsapp.AccountBlocked, Code: 368, Title: "Temporarily blocked for policies violations", HTTPStatus: 400}
		}
		return whatsapp.Result{}
	}
	e, _ := openEngine(t, t.TempDir(), messagingConfig(meta))
	evs, units := seedWedding(t, e, "w1", 20, 1)
	optIn(t, e, "w1", units)
	c := createCampaign(t, e, "w1", evs)
	s := waitCampaign(t, e, "w1", c.ID, func(s domain.CampaignSummary) bool { return s.State == domain.CampaignPaused })
	if s.Reason == "" || s.Counts.Queued != 20 || s.Counts.Failed != 0 {
		t.Fatalf("paused with reason %q, counts %+v", s.Reason, s.Counts)
	}
	blocked.Store(false)
	do(t, e, "w1", owner, &domain.SetCampaignState{ID: c.ID, Action: domain.ResumeCampaign})
	s = waitCampaign(t, e, "w1", c.ID, done)
	if s.Counts.Sent != 20 || len(meta.counts()) != 20 {
		t.Fatalf("after resume: %+v, %d phones", s.Counts, len(meta.counts()))
	}

	// A second campaign, held by a slow Meta, then cancelled: what was not
	// sent stays unsent.
	meta.block = make(chan struct{})
	c2 := createCampaign(t, e, "w1", evs)
	do(t, e, "w1", owner, &domain.SetCampaignState{ID: c2.ID, Action: domain.CancelCampaign})
	close(meta.block)
	s = waitCampaign(t, e, "w1", c2.ID, func(s domain.CampaignSummary) bool {
		return s.State == domain.CampaignCancelled && s.Counts.Queued+s.Counts.Sent == 20
	})
	before := meta.calls.Load()
	time.Sleep(100 * time.Millisecond)
	if meta.calls.Load() != before {
		t.Fatalf("sends continue after cancel: %d then %d calls", before, meta.calls.Load())
	}
	if _, err := e.Do(t.Context(), "w1", owner, &domain.SetCampaignState{ID: c2.ID, Action: domain.ResumeCampaign}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("resuming a cancelled campaign: %v", err)
	}
}

// A send under way when the engine stops without finishing it is in doubt
// after the restart: shown, never sent again. The rest of the campaign
// resumes by itself at start.
func TestCampaign_InDoubtAfterRestart(t *testing.T) {
	dir := t.TempDir()
	meta := newFakeMeta()
	meta.block = make(chan struct{}) // Meta never answers
	cfg := messagingConfig(meta)
	cfg.Messaging.InFlight = 1
	e, db := openUnmanaged(t, dir, cfg)
	evs, units := seedWedding(t, e, "w1", 10, 1)
	optIn(t, e, "w1", units)
	c := createCampaign(t, e, "w1", evs)
	for meta.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Stop with no time to finish the send under way.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_ = e.Close(ctx)
	cancel()
	_ = db.Close()

	meta2 := newFakeMeta()
	e2, _ := openEngine(t, dir, messagingConfig(meta2))
	s := waitCampaign(t, e2, "w1", c.ID, done)
	if s.Counts.InDoubt != 1 || s.Counts.Sent != 9 || len(meta2.counts()) != 9 {
		t.Fatalf("after restart: %+v, %d resent", s.Counts, len(meta2.counts()))
	}
}

// An opt-out recorded after the campaign was created stops that message.
func TestCampaign_OptOutBeforeSend(t *testing.T) {
	meta := newFakeMeta()
	meta.block = make(chan struct{})
	cfg := messagingConfig(meta)
	cfg.Messaging.InFlight = 1
	e, _ := openEngine(t, t.TempDir(), cfg)
	evs, units := seedWedding(t, e, "w1", 5, 1)
	optIn(t, e, "w1", units)
	c := createCampaign(t, e, "w1", evs)
	for meta.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	last := c.Messages[len(c.Messages)-1]
	do(t, e, "w1", owner, &domain.RecordConsent{PersonID: last.PersonID, Status: domain.OptedOut, Source: "told the family"})
	close(meta.block)
	s := waitCampaign(t, e, "w1", c.ID, done)
	if s.Counts.Sent != 4 || s.Counts.Failed != 1 || meta.counts()[last.Phone] != 0 {
		t.Fatalf("%+v; the opted-out guest got %d", s.Counts, meta.counts()[last.Phone])
	}
}

// A campaign naming a template the engine does not know is refused.
func TestCampaign_UnknownTemplate(t *testing.T) {
	e, _ := openEngine(t, t.TempDir(), messagingConfig(newFakeMeta()))
	evs, _ := seedWedding(t, e, "w1", 2, 1)
	_, err := e.Do(t.Context(), "w1", owner, &domain.CreateCampaign{EventIDs: evs, Audience: domain.Audience{All: true},
		Template: domain.TemplateRef{Name: "wedding_invite", Language: "fr"}})
	var de *domain.Error
	if !errors.As(err, &de) || de.Field != "template" {
		t.Fatalf("%v", err)
	}
}
