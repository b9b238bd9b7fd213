package load

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// The whatsapp-campaign scenario (issue 11): invite campaigns sent through
// the WhatsApp sandbox by engines this tool starts in-process, one per
// rate, each on a fresh data directory with weddings of its own whose
// primary contacts have opted in. Three parts, each its own result:
//
//   - pacing ("whatsapp-campaign"): one campaign of campaignUnits
//     recipients with the engine and the sandbox both at 80 msg/s; the
//     busiest one-second window of accepted sends
//     ("whatsapp-campaign/busiest-second") and the time from the 202 to
//     the last send accepted;
//   - throughput ("whatsapp-campaign/throughput"): campaigns on
//     throughputWeddings weddings at once, engine and sandbox at 1,000
//     msg/s, the sandbox posting its status webhooks to the engine;
//     accepted sends per second from the first 202 to the last accepted;
//   - creation ("whatsapp-campaign/create"): POST …/campaigns to its 202,
//     on the pacing part's wedding, each campaign cancelled right after.
//
// Every figure comes from the sandbox's record of what it accepted (which
// phone, when), read in-process: against --url the scenario does not run.

// The rates and sizes of the parts.
const (
	campaignPacingMPS     = 80
	campaignSandboxMPS    = 1000 // the sandbox's limit in the pacing part
	campaignThroughputMPS = 1000
	// campaignWindowSlack is how far past the ideal duration the pacing
	// part may finish (issue 11: within 5%).
	campaignWindowSlack = 1.05
	// The pacing campaign's recipients, full and --quick; the throughput
	// part sends as many from each of its weddings.
	campaignUnits      = 1000
	campaignQuickUnits = 200
	throughputWeddings = 3
	// Campaigns created by the creation part (a wedding holds at most
	// 200), full and --quick.
	campaignCreations      = 20
	campaignQuickCreations = 5
	// campaignPoll is how often the tool reads a campaign's state while
	// it sends.
	campaignPoll = 50 * time.Millisecond
)

// campaignIdealMs is the pacing part's ideal duration, campaignUnits at
// campaignPacingMPS, in milliseconds.
const campaignIdealMs = 1000.0 * campaignUnits / campaignPacingMPS

// campaignBody is the invite campaign of every invited unit of w to all its
// events.
func campaignBody(w *Wedding) []byte {
	b, _ := json.Marshal(map[string]any{"kind": "invite", "event_ids": w.EventIDs, "audience": map[string]bool{"all": true},
		"template": map[string]string{"name": "wedding_invite", "language": "en"}})
	return b
}

// recipients are the phones a campaign to every invited unit of w
// messages: the primary contact of each unit invited to an event.
func recipients(w *Wedding) []string {
	var out []string
	for _, u := range w.Units {
		if len(u.Events) > 0 && len(u.Phones) > 0 {
			out = append(out, u.Phones[0])
		}
	}
	return out
}

// campaignEngine is an in-process engine with WhatsApp, on a data
// directory of its own.
type campaignEngine struct {
	*Engine
	c   *Client
	dir string
}

// startCampaignEngine starts an engine of its own with WhatsApp (o: its
// pace, the sandbox's, whether the sandbox posts webhooks).
func startCampaignEngine(o WhatsAppOptions) (*campaignEngine, error) {
	dir, err := os.MkdirTemp("", "parinaya-bench-whatsapp-")
	if err != nil {
		return nil, err
	}
	eng, err := Start(dir, EngineOptions{WhatsApp: &o})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c, err := NewClient(eng.URL, 16)
	if err != nil {
		_ = eng.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	return &campaignEngine{Engine: eng, c: c, dir: dir}, nil
}

func (ce *campaignEngine) close() {
	ce.c.Close()
	_ = ce.Engine.Close()
	os.RemoveAll(ce.dir)
}

// provision makes a wedding of units units, its primary contacts opted in,
// no RSVPs; prefix keeps its phones apart from the other weddings'.
func (ce *campaignEngine) provision(ctx context.Context, env *Env, units, prefix int, label string) (*Wedding, error) {
	return ProvisionContext(ctx, ce.c, ce.RootToken, WeddingSpec{Units: units, Events: DefaultEvents,
		Seed: env.cfg.Seed + 3000 + uint64(prefix), Answered: -1, PhonePrefix: prefix, Consent: true, Workers: 16,
		Progress: env.progress, Label: label})
}

// campaign is one campaign the scenario created.
type campaign struct {
	w       *Wedding
	id      string
	total   int
	created time.Time // when its 202 arrived
	done    time.Time // when the tool first saw it done
	final   campaignView
}

// campaignView is what GET /v1/weddings/{w}/campaigns/{c} says.
type campaignView struct {
	State     string `json:"state"`
	Reason    string `json:"reason"`
	Total     int    `json:"total"`
	Queued    int    `json:"queued"`
	Sent      int    `json:"sent"`
	Delivered int    `json:"delivered"`
	Read      int    `json:"read"`
	Failed    int    `json:"failed"`
	InDoubt   int    `json:"in_doubt"`
}

// create POSTs the campaign of every invited unit of w; it returns the
// campaign and how long the POST took to its 202.
func createCampaign(c *Client, w *Wedding) (*campaign, time.Duration, error) {
	t0 := time.Now()
	ans, err := do(c, "POST", "/v1/weddings/"+w.ID+"/campaigns", w.OwnerToken, campaignBody(w), 202)
	now := time.Now()
	if err != nil {
		return nil, 0, err
	}
	var got struct {
		ID    string `json:"id"`
		Total int    `json:"total"`
	}
	if json.Unmarshal(ans, &got) != nil || got.ID == "" {
		return nil, 0, &StatusError{Status: 202, Code: "unexpected_answer"}
	}
	if want := len(recipients(w)); got.Total != want {
		return nil, 0, fmt.Errorf("load: campaign of %d messages; the wedding has %d invited units with consent: %w",
			got.Total, want, &StatusError{Status: 202, Code: "unexpected_total"})
	}
	return &campaign{w: w, id: got.ID, total: got.Total, created: now}, now.Sub(t0), nil
}

func (cp *campaign) get(c *Client) (campaignView, error) {
	var v campaignView
	err := c.JSON("GET", "/v1/weddings/"+cp.w.ID+"/campaigns/"+cp.id, cp.w.OwnerToken, nil, &v)
	return v, err
}

// waitDone reads the campaigns every campaignPoll until each is done, and
// notes when; it fails if one stops otherwise or the wait passes limit.
func waitDone(ctx context.Context, c *Client, camps []*campaign, p *Progress, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		left, sent := 0, 0
		for _, cp := range camps {
			if !cp.done.IsZero() {
				sent += cp.final.Sent + cp.final.Failed
				continue
			}
			v, err := cp.get(c)
			if err != nil {
				return err
			}
			switch v.State {
			case "done":
				cp.done, cp.final = time.Now(), v
			case "running":
				left++
			default:
				return fmt.Errorf("load: campaign %s is %s (%s), not sending", cp.id, v.State, v.Reason)
			}
			sent += v.Sent + v.Failed
		}
		p.Set(int64(sent))
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("load: %d campaigns not done after %s", left, limit)
		}
		select {
		case <-time.After(campaignPoll):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// quiet waits (up to limit) until the sandbox has posted every webhook it
// planned, so that its counts are final.
func quiet(ctx context.Context, sb *sandbox.Sandbox, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for sb.Stats().Pending > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
}

// sends is what the sandbox accepted for a set of campaigns.
type sends struct {
	Result
	times  []time.Time // acceptance times of the first send to each recipient, ascending
	lat    []time.Duration
	first  time.Time // the first 202
	last   time.Time // the last acceptance
	missed int       // recipients never accepted
}

// tallySends reads the sandbox's accepted sends for camps: each recipient
// should be accepted exactly once. A recipient accepted more than once
// counts as an error "accepted_twice" (per extra send), one never accepted
// as "not_accepted", a send to anyone else as "unexpected_recipient".
// Latency is from the campaign's 202 to the acceptance.
func tallySends(all []sandbox.Accepted, camps []*campaign) sends {
	of := map[string]*campaign{}
	var s sends
	for _, cp := range camps {
		for _, ph := range recipients(cp.w) {
			of[ph] = cp
		}
		if s.first.IsZero() || cp.created.Before(s.first) {
			s.first = cp.created
		}
	}
	seen := map[string]int{}
	t := newTally()
	for _, a := range all {
		cp := of[a.To]
		switch {
		case cp == nil:
			t.errs++
			t.codes["unexpected_recipient"]++
			continue
		case seen[a.To] > 0:
			t.errs++
			t.codes["accepted_twice"]++
			continue
		}
		seen[a.To]++
		t.count++
		d := a.At.Sub(cp.created)
		recordLatency(t.lat, d)
		s.times = append(s.times, a.At)
		s.lat = append(s.lat, d)
		if a.At.After(s.last) {
			s.last = a.At
		}
	}
	for ph := range of {
		if seen[ph] == 0 {
			t.errs++
			t.codes["not_accepted"]++
			s.missed++
		}
	}
	elapsed := time.Duration(0)
	if !s.last.IsZero() {
		elapsed = s.last.Sub(s.first)
	}
	s.Result = mergeCounters([]*tally{t}, elapsed, false)
	// Ascending times, latencies alongside.
	idx := make([]int, len(s.times))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return s.times[a].Compare(s.times[b]) })
	times, lat := make([]time.Time, len(idx)), make([]time.Duration, len(idx))
	for i, j := range idx {
		times[i], lat[i] = s.times[j], s.lat[j]
	}
	s.times, s.lat = times, lat
	return s
}

// busiest is the busiest one-second window of the sends: the most accepted
// within any second (a window (t-1s, t] ending at a send, as the sandbox
// counts), as a result of its own: those sends, their latencies, over one
// second.
func (s *sends) busiest() Result {
	best, from := 0, 0
	for i, j := 0, 0; j < len(s.times); j++ {
		for s.times[j].Sub(s.times[i]) >= time.Second {
			i++
		}
		if n := j - i + 1; n > best {
			best, from = n, i
		}
	}
	t := newTally()
	for _, d := range s.lat[from : from+best] {
		t.count++
		recordLatency(t.lat, d)
	}
	return mergeCounters([]*tally{t}, time.Second, false)
}

// steady is the rate between the sends at 10% and 90% of the way: the
// throughput without the start and the tail.
func (s *sends) steady() float64 {
	n := len(s.times)
	a, b := n/10, n-1-n/10
	if b <= a {
		return 0
	}
	return float64(b-a) / s.times[b].Sub(s.times[a]).Seconds()
}

// webhooks says what the sandbox's status webhooks did.
func webhooks(st sandbox.Stats) string {
	s := fmt.Sprintf("status webhooks: %s posted and acknowledged", fmtInt(st.WebhooksSent))
	if st.WebhookRetries > 0 || st.WebhookErrors > 0 || st.Dropped > 0 || st.Pending > 0 {
		s += fmt.Sprintf(" (%s retried, %s given up, %s messages' dropped, %d still pending)",
			fmtInt(st.WebhookRetries), fmtInt(st.WebhookErrors), fmtInt(st.Dropped), st.Pending)
	}
	return s
}

// counts sums what the campaigns said when done.
func counts(camps []*campaign) string {
	var v campaignView
	for _, cp := range camps {
		v.Total += cp.final.Total
		v.Sent += cp.final.Sent
		v.Delivered += cp.final.Delivered
		v.Read += cp.final.Read
		v.Failed += cp.final.Failed
		v.InDoubt += cp.final.InDoubt
	}
	return fmt.Sprintf("the engine's count when done: %s sent, %s failed, %s in doubt (of %s); %s delivered, %s read",
		fmtInt(int64(v.Sent)), fmtInt(int64(v.Failed)), fmtInt(int64(v.InDoubt)), fmtInt(int64(v.Total)),
		fmtInt(int64(v.Delivered)), fmtInt(int64(v.Read)))
}

// doneAfter is the longest time from a campaign's 202 to the tool seeing
// it done.
func doneAfter(camps []*campaign) time.Duration {
	var d time.Duration
	for _, cp := range camps {
		d = max(d, cp.done.Sub(cp.created))
	}
	return d
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s" }

// runWhatsAppCampaign runs the three parts; see the top of this file.
func runWhatsAppCampaign(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	return runCampaignScenario(ctx, env, nil)
}

// observer, when set, is shown each measured part's campaigns and what
// its sandbox accepted (tests check every recipient once).
type observer func(part string, camps []*campaign, accepted []sandbox.Accepted)

func runCampaignScenario(ctx context.Context, env *Env, see observer) ([]ScenarioResult, error) {
	if see == nil {
		see = func(string, []*campaign, []sandbox.Accepted) {}
	}
	if env.cfg.URL != "" {
		return []ScenarioResult{{Name: "whatsapp-campaign/not-run", Skipped: "needs the engines this tool starts in-process " +
			"(the WhatsApp sandbox's record of every send, and the engine's sending rate set per part); not run against --url"}}, nil
	}
	units, creations := campaignUnits, campaignCreations
	if env.cfg.Quick {
		units, creations = campaignQuickUnits, campaignQuickCreations
	}
	pacing, create, err := runPacingAndCreate(ctx, env, units, creations, see)
	if err != nil {
		return nil, err
	}
	tput, err := runThroughput(ctx, env, units, see)
	if err != nil {
		return nil, err
	}
	return append(append(pacing, tput), create), nil
}

// runPacingAndCreate: the pacing part, then the creation part on the same
// engine and wedding.
func runPacingAndCreate(ctx context.Context, env *Env, units, creations int, see observer) ([]ScenarioResult, ScenarioResult, error) {
	// The sandbox takes far more than the engine may send: the busiest
	// second it counts is then the engine's pacing, not its own limit.
	ce, err := startCampaignEngine(WhatsAppOptions{MPS: campaignPacingMPS, SandboxMPS: campaignSandboxMPS})
	if err != nil {
		return nil, ScenarioResult{}, err
	}
	defer ce.close()
	w, err := ce.provision(ctx, env, units, 0, fmt.Sprintf("whatsapp-campaign: provision a wedding of %d units, opted in", units))
	if err != nil {
		return nil, ScenarioResult{}, err
	}

	ideal := time.Duration(float64(units) / campaignPacingMPS * float64(time.Second))
	p := NewProgress(env.progress, fmt.Sprintf("whatsapp-campaign: %d invites at %d msg/s (ideal %s)", units, campaignPacingMPS, secs(ideal)), int64(units))
	cp, _, err := createCampaign(ce.c, w)
	if err == nil {
		err = waitDone(ctx, ce.c, []*campaign{cp}, p, 3*ideal+30*time.Second)
	}
	p.Done()
	if err != nil {
		return nil, ScenarioResult{}, err
	}
	quiet(ctx, ce.Sandbox, 10*time.Second)
	st := ce.Sandbox.Stats()
	accepted := ce.Sandbox.AllAccepted()
	see("pacing", []*campaign{cp}, accepted)
	s := tallySends(accepted, []*campaign{cp})
	pr := env.result("whatsapp-campaign", "campaign", 0, campaignPacingMPS, s.Result)
	pr.Note = fmt.Sprintf("%s recipients, 1 wedding, on an engine of its own (whatsapp mps %d, sandbox %d msg/s, status webhooks on); "+
		"time is from the 202 to the last send accepted: %s (ideal %s, %+.1f%%); 202 to state done seen %s; "+
		"130429 answers: %s; %s; %s",
		fmtInt(int64(cp.total)), campaignPacingMPS, campaignSandboxMPS, secs(s.last.Sub(cp.created)), secs(ideal),
		100*(s.last.Sub(cp.created).Seconds()/ideal.Seconds()-1), secs(doneAfter([]*campaign{cp})),
		fmtInt(st.RateLimited), webhooks(st), counts([]*campaign{cp}))
	bs := env.result("whatsapp-campaign/busiest-second", "campaign", 0, campaignPacingMPS, s.busiest())
	bs.Description = "The pacing campaign's busiest one-second window: the most sends the sandbox accepted within any second " +
		"(a window (t-1s, t] ending at a send), their latency from the campaign's 202."
	bs.Note = fmt.Sprintf("the sandbox's own count of its busiest second: %d; the sandbox would take %d a second, so this is "+
		"the engine's own pacing (130429 answers: %s)", st.MaxPerSecond, campaignSandboxMPS, fmtInt(st.RateLimited))

	// Creation, on the same wedding: each campaign cancelled at once.
	before := st.Accepted
	t := newTally()
	cp2 := NewProgress(env.progress, fmt.Sprintf("whatsapp-campaign: create %d campaigns of %d units", creations, units), int64(creations))
	start := time.Now()
	for range creations {
		if ctx.Err() != nil {
			break
		}
		c, d, err := createCampaign(ce.c, w)
		if err != nil {
			t.fail(err)
			cp2.Add(1)
			continue
		}
		t.count++
		recordLatency(t.lat, d)
		if _, err := do(ce.c, "POST", "/v1/weddings/"+w.ID+"/campaigns/"+c.id+"/cancel", w.OwnerToken, nil, 200); err != nil {
			return nil, ScenarioResult{}, fmt.Errorf("load: cancel campaign %s: %w", c.id, err)
		}
		cp2.Add(1)
	}
	elapsed := time.Since(start)
	cp2.Done()
	cr := env.result("whatsapp-campaign/create", "closed", 1, 0, mergeCounters([]*tally{t}, elapsed, false))
	cr.Description = "POST /v1/weddings/{w}/campaigns of an invite campaign to every unit of the pacing part's wedding " +
		"(its events, all units opted in), timed to its 202 (every message queued), one at a time; each cancelled right after (untimed)."
	quiet(ctx, ce.Sandbox, 5*time.Second)
	cr.Note = fmt.Sprintf("%s units per campaign, on the pacing part's engine (sending at %d msg/s): %s left before the cancels",
		fmtInt(int64(units)), campaignPacingMPS, plural(int(ce.Sandbox.Stats().Accepted-before), "message"))
	return []ScenarioResult{pr, bs}, cr, nil
}

// runThroughput: throughputWeddings campaigns at once at 1,000 msg/s.
func runThroughput(ctx context.Context, env *Env, units int, see observer) (ScenarioResult, error) {
	ce, err := startCampaignEngine(WhatsAppOptions{MPS: campaignThroughputMPS, SandboxMPS: campaignThroughputMPS})
	if err != nil {
		return ScenarioResult{}, err
	}
	defer ce.close()
	var ws []*Wedding
	for i := range throughputWeddings {
		w, err := ce.provision(ctx, env, units, 1+i, fmt.Sprintf("whatsapp-campaign: provision wedding %d/%d of %d units, opted in",
			i+1, throughputWeddings, units))
		if err != nil {
			return ScenarioResult{}, err
		}
		ws = append(ws, w)
	}
	n := units * throughputWeddings
	ideal := time.Duration(float64(n) / campaignThroughputMPS * float64(time.Second))
	p := NewProgress(env.progress, fmt.Sprintf("whatsapp-campaign: %d invites from %d weddings at %d msg/s (ideal %s)",
		n, throughputWeddings, campaignThroughputMPS, secs(ideal)), int64(n))
	var camps []*campaign
	for _, w := range ws {
		cp, _, err := createCampaign(ce.c, w)
		if err != nil {
			p.Done()
			return ScenarioResult{}, err
		}
		camps = append(camps, cp)
	}
	err = waitDone(ctx, ce.c, camps, p, 5*ideal+30*time.Second)
	p.Done()
	if err != nil {
		return ScenarioResult{}, err
	}
	quiet(ctx, ce.Sandbox, 10*time.Second)
	for _, cp := range camps { // the statuses the webhooks brought, now that they are all in
		if v, err := cp.get(ce.c); err == nil {
			cp.final = v
		}
	}
	st := ce.Sandbox.Stats()
	accepted := ce.Sandbox.AllAccepted()
	see("throughput", camps, accepted)
	s := tallySends(accepted, camps)
	r := env.result("whatsapp-campaign/throughput", "campaign", 0, campaignThroughputMPS, s.Result)
	r.Description = fmt.Sprintf("Invite campaigns on %d weddings at once, created back to back, the engine and the sandbox at %d msg/s, "+
		"the sandbox posting its sent, delivered and read webhooks to the engine: sends accepted per second from the first 202 to the "+
		"last send accepted; latency from each campaign's 202 to each of its sends accepted.", throughputWeddings, campaignThroughputMPS)
	busiest := s.busiest()
	r.Note = fmt.Sprintf("%s recipients (%d weddings of %s units), on an engine of its own (whatsapp mps %d, sandbox %d msg/s); "+
		"first 202 to last accepted %s (ideal %s); steady rate (10%% to 90%% of the sends) %s/s; busiest second %d; "+
		"202 to state done seen %s; 130429 answers: %s; %s; %s",
		fmtInt(int64(n)), throughputWeddings, fmtInt(int64(units)), campaignThroughputMPS, campaignThroughputMPS,
		secs(s.Elapsed), secs(ideal), fmtRate(s.steady()), busiest.Count, secs(doneAfter(camps)),
		fmtInt(st.RateLimited), webhooks(st), counts(camps))
	return r, nil
}
