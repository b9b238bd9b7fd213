package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// The webhook-burst scenario (issue 12): signed WhatsApp webhooks posted
// to POST /webhooks/whatsapp as fast as --conns connections take them
// (closed loop), on an engine this tool starts in-process whose sandbox
// posts no webhooks of its own, so that the tool is the only source:
//
//  1. weddings of households with consent, an invite campaign on each,
//     sent to the sandbox (1,000 msg/s) until done;
//  2. from the sandbox's accepted messages: sent, delivered and read
//     statuses for every message, some duplicated, the whole shuffled
//     (reordered), and quick-reply taps carrying the payloads the engine
//     set; one notification a body (as Meta posts them while it keeps
//     up; the tests cover bodies of many), each body signed;
//  3. the burst: every body POSTed, timed to its 200 ("webhook-burst");
//  4. raw Pebble group commit with as many writers and records of the
//     bodies' mean size ("webhook-burst/raw-pebble"), the burst's ceiling;
//  5. the drain: until every status shows in the campaigns' counts;
//  6. reply to dashboard ("webhook-burst/headcount"): taps held back from
//     the burst, one at a time, each from its 200 until GET …/headcount
//     moves;
//  7. correctness: every message's history read, every tapped RSVP read;
//     each miss or double an error of the burst's result.
//
// Against --url it does not run (it needs the sandbox's record and the
// app secret).

// The sizes of the scenario, full and --quick.
const (
	webhookWeddings      = 3
	webhookUnits         = 1000
	webhookStatuses      = 10_000
	webhookReplies       = 1000
	webhookSampled       = 100 // replies timed to the dashboard, out of webhookReplies
	webhookQuickWeddings = 1
	webhookQuickUnits    = 200
	webhookQuickStatuses = 1000
	webhookQuickReplies  = 100
	webhookQuickSampled  = 20
	// webhookMaxBatch is the notifications per body, at most: one, so
	// that the figure is webhooks (POSTs) per second as Meta makes them
	// outside an outage's redelivery. Bodies of up to 20 made the burst a
	// tenth as many POSTs, too short (0.1 s) to measure.
	webhookMaxBatch = 1
	webhookMPS      = 1000
	// webhookDrainLimit bounds the wait for the inbox to apply the burst.
	webhookDrainLimit = 2 * time.Minute
	// webhookVisibleLimit bounds the wait for one reply to show.
	webhookVisibleLimit = 5 * time.Second
)

// webhookMessage is one message a campaign sent, as the sandbox accepted
// it, and what the tool does with it.
type webhookMessage struct {
	w    *Wedding
	unit int
	acc  sandbox.Accepted
	tap  int // index into acc.Buttons of the reply, -1: none
}

// notification is one item of a body's statuses[] or messages[].
type notification struct {
	status bool
	json   []byte
}

// webhookBody is one signed POST.
type webhookBody struct {
	body, sig []byte
	n         int // notifications in it
}

func (we *campaignEngine) post(c *fasthttp.HostClient, url string, b webhookBody, req *fasthttp.Request, resp *fasthttp.Response) error {
	req.Reset()
	req.Header.SetMethod("POST")
	req.SetRequestURI(url)
	req.Header.SetContentType("application/json")
	req.Header.SetBytesV(whatsapp.SignatureHeader, b.sig)
	req.SetBodyRaw(b.body)
	if err := c.Do(req, resp); err != nil {
		return err
	}
	if st := resp.StatusCode(); st != 200 {
		return AnswerError(st, resp.Body())
	}
	return nil
}

// statusJSON is one status of §3.7, pricing included as 2026 captures
// carry it on every status.
func statusJSON(a sandbox.Accepted, status string, ts int64) []byte {
	return fmt.Appendf(nil, `{"id":%q,"status":%q,"timestamp":"%d","recipient_id":%q,"biz_opaque_callback_data":%q,`+
		`"pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"utility"}}`,
		a.WAMID, status, ts, strings.TrimPrefix(a.To, "+"), a.CallbackData)
}

// tapJSON is a template quick-reply tap of §3.6 on button b of a.
func tapJSON(a sandbox.Accepted, b sandbox.Choice, ts int64, k int) []byte {
	return fmt.Appendf(nil, `{"context":{"from":%q,"id":%q},"from":%q,"id":"wamid.bench-reply-%d","timestamp":"%d",`+
		`"type":"button","button":{"payload":%q,"text":%q}}`,
		sandbox.DefaultDisplayNumber, a.WAMID, strings.TrimPrefix(a.To, "+"), k, ts, b.ID, b.Title)
}

// envelope wraps items (all statuses or all messages) in Meta's body and
// signs it.
func (we *campaignEngine) envelope(items []notification, from []string) webhookBody {
	var b bytes.Buffer
	b.WriteString(`{"object":"whatsapp_business_account","entry":[{"id":"` + sandbox.DefaultBusinessAccountID + `","changes":[{"value":{` +
		`"messaging_product":"whatsapp","metadata":{"display_phone_number":"` + sandbox.DefaultDisplayNumber + `","phone_number_id":"` +
		sandbox.DefaultPhoneNumberID + `"},`)
	if items[0].status {
		b.WriteString(`"statuses":[`)
	} else {
		b.WriteString(`"contacts":[`)
		for i, p := range from {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"profile":{"name":"Guest %d"},"wa_id":%q}`, i, p)
		}
		b.WriteString(`],"messages":[`)
	}
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it.json)
	}
	b.WriteString(`]},"field":"messages"}]}]}`)
	body := b.Bytes()
	return webhookBody{body: body, sig: []byte(whatsapp.Sign(we.AppSecret, body)), n: len(items)}
}

// burstPlan is what the tool will post.
type burstPlan struct {
	bodies   []webhookBody
	statuses int
	replies  int
	dups     int
	sampled  []*webhookMessage // replies held back, timed one at a time
	msgs     []*webhookMessage
}

// planBurst builds the bodies from the accepted messages: statuses sent,
// delivered and read of every message, duplicates up to nStatuses, taps on
// nReplies messages (nSampled of them held back), shuffled and batched.
func (we *campaignEngine) planBurst(r *rand.Rand, msgs []*webhookMessage, nStatuses, nReplies, nSampled int) (*burstPlan, error) {
	p := &burstPlan{msgs: msgs}
	var sts []notification
	base := time.Now().Unix()
	for _, m := range msgs {
		for k, s := range []string{"sent", "delivered", "read"} {
			sts = append(sts, notification{status: true, json: statusJSON(m.acc, s, base+int64(k))})
		}
	}
	uniq := len(sts)
	for len(sts) < nStatuses {
		sts = append(sts, sts[r.IntN(uniq)])
	}
	p.statuses, p.dups = len(sts), len(sts)-uniq
	// Replies: distinct messages, a random button each.
	order := r.Perm(len(msgs))
	if nReplies > len(msgs) {
		nReplies = len(msgs)
	}
	var taps []notification
	var from []string
	for i, j := range order[:nReplies] {
		m := msgs[j]
		if len(m.acc.Buttons) == 0 {
			return nil, fmt.Errorf("load: message %s was sent without quick replies", m.acc.WAMID)
		}
		m.tap = r.IntN(len(m.acc.Buttons))
		if m.acc.Buttons[m.tap].ID == "" {
			return nil, fmt.Errorf("load: message %s has a quick reply without a payload", m.acc.WAMID)
		}
		if i < nSampled {
			p.sampled = append(p.sampled, m)
			continue
		}
		taps = append(taps, notification{json: tapJSON(m.acc, m.acc.Buttons[m.tap], base+3, i)})
		from = append(from, strings.TrimPrefix(m.acc.To, "+"))
	}
	p.replies = nReplies
	r.Shuffle(len(sts), func(i, j int) { sts[i], sts[j] = sts[j], sts[i] })
	for i := 0; i < len(sts); {
		n := min(1+r.IntN(webhookMaxBatch), len(sts)-i)
		p.bodies = append(p.bodies, we.envelope(sts[i:i+n], nil))
		i += n
	}
	r.Shuffle(len(taps), func(i, j int) { taps[i], taps[j], from[i], from[j] = taps[j], taps[i], from[j], from[i] })
	for i := 0; i < len(taps); {
		n := min(1+r.IntN(webhookMaxBatch), len(taps)-i)
		p.bodies = append(p.bodies, we.envelope(taps[i:i+n], from[i:i+n]))
		i += n
	}
	r.Shuffle(len(p.bodies), func(i, j int) { p.bodies[i], p.bodies[j] = p.bodies[j], p.bodies[i] })
	return p, nil
}

func (p *burstPlan) meanBody() int {
	n := 0
	for _, b := range p.bodies {
		n += len(b.body)
	}
	return n / max(len(p.bodies), 1)
}

// tappedAnswer is the RSVP status a quick reply's payload names (its
// third field from the end), "" for anything else.
func tappedAnswer(payload string) string {
	// rsvp:<wedding>/<message>:<answer>:<mac>
	i := strings.LastIndexByte(payload, ':')
	if i < 0 {
		return ""
	}
	rest := payload[:i]
	return rest[strings.LastIndexByte(rest, ':')+1:]
}

// headcountTotals is GET …/headcount's totals, as raw JSON: compared, not
// read.
func headcountTotals(c *Client, w *Wedding) (string, error) {
	var h struct {
		Totals json.RawMessage `json:"totals"`
	}
	if err := c.JSON("GET", "/v1/weddings/"+w.ID+"/headcount", w.OwnerToken, nil, &h); err != nil {
		return "", err
	}
	return string(h.Totals), nil
}

// runWebhookBurst runs the scenario; see the top of this file.
func runWebhookBurst(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	if env.cfg.URL != "" {
		return []ScenarioResult{{Name: "webhook-burst/not-run", Skipped: "needs the engine this tool starts in-process (the " +
			"WhatsApp sandbox's record of every send, and the app secret the webhooks are signed with); not run against --url"}}, nil
	}
	weddings, units, nStatuses, nReplies, nSampled := webhookWeddings, webhookUnits, webhookStatuses, webhookReplies, webhookSampled
	rawDur := 3 * time.Second
	if env.cfg.Quick {
		weddings, units, nStatuses, nReplies, nSampled = webhookQuickWeddings, webhookQuickUnits, webhookQuickStatuses, webhookQuickReplies, webhookQuickSampled
		rawDur = 500 * time.Millisecond
	}
	// The sandbox posts no webhooks: the tool is their only source.
	we, err := startCampaignEngine(WhatsAppOptions{MPS: webhookMPS, SandboxMPS: webhookMPS, NoWebhooks: true})
	if err != nil {
		return nil, err
	}
	defer we.close()

	// 1. Weddings and their campaigns.
	var camps []*campaign
	for i := range weddings {
		w, err := ProvisionContext(ctx, we.c, we.RootToken, WeddingSpec{Units: units, Events: DefaultEvents,
			Seed: env.cfg.Seed + 4000 + uint64(i), Answered: -1, PhonePrefix: 10 + i, Consent: true, Workers: 16,
			Progress: env.progress, Label: fmt.Sprintf("webhook-burst: provision wedding %d/%d of %d units, opted in", i+1, weddings, units)})
		if err != nil {
			return nil, err
		}
		cp, _, err := createCampaign(we.c, w)
		if err != nil {
			return nil, err
		}
		camps = append(camps, cp)
	}
	total := 0
	for _, cp := range camps {
		total += cp.total
	}
	p := NewProgress(env.progress, fmt.Sprintf("webhook-burst: campaigns of %d messages at %d msg/s", total, webhookMPS), int64(total))
	err = waitDone(ctx, we.c, camps, p, time.Duration(5*total/webhookMPS)*time.Second+30*time.Second)
	p.Done()
	if err != nil {
		return nil, err
	}

	// 2. The plan.
	byPhone := map[string]*webhookMessage{}
	for _, cp := range camps {
		for i, u := range cp.w.Units {
			if len(u.Events) > 0 && len(u.Phones) > 0 {
				byPhone[u.Phones[0]] = &webhookMessage{w: cp.w, unit: i, tap: -1}
			}
		}
	}
	var msgs []*webhookMessage
	for _, a := range we.Sandbox.AllAccepted() {
		if m := byPhone[a.To]; m != nil && m.acc.WAMID == "" {
			m.acc = a
			msgs = append(msgs, m)
		}
	}
	if len(msgs) != total {
		return nil, fmt.Errorf("load: the sandbox accepted %d of the campaigns' %d messages", len(msgs), total)
	}
	r := rand.New(rand.NewPCG(env.cfg.Seed, 12))
	plan, err := we.planBurst(r, msgs, nStatuses, nReplies, nSampled)
	if err != nil {
		return nil, err
	}

	// 3. The burst.
	u, _ := url.Parse(we.URL)
	hc := &fasthttp.HostClient{Addr: u.Host, MaxConns: env.Conns, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		MaxConnWaitTimeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	hookURL := we.URL + "/webhooks/whatsapp"
	// Connections open before the burst (GET /healthz), so that it
	// measures posts, not dials.
	Closed(ctx, env.Conns, int64(4*env.Conns), func(int) func() (bool, error) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI(we.URL + "/healthz")
		return func() (bool, error) { return hc.Do(req, resp) == nil, nil }
	})
	var next atomic.Int64
	bp := NewProgress(env.progress, fmt.Sprintf("webhook-burst: %d bodies (%d statuses, %d replies) at %d connections",
		len(plan.bodies), plan.statuses, plan.replies-len(plan.sampled), env.Conns), int64(len(plan.bodies)))
	res := Closed(ctx, env.Conns, int64(len(plan.bodies)), func(int) func() (bool, error) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		return func() (bool, error) {
			b := plan.bodies[next.Add(1)-1]
			err := we.post(hc, hookURL, b, req, resp)
			bp.Add(1)
			return err == nil, err
		}
	})
	bp.Done()
	burstEnd := time.Now()
	burstStart := burstEnd.Add(-res.Elapsed)
	notes := 0
	for _, b := range plan.bodies {
		notes += b.n
	}

	// 4. Raw Pebble, bodies of the mean size, as many writers.
	rawDir, err := os.MkdirTemp("", "parinaya-bench-raw-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(rawDir)

	// 5. The drain: every status in the counts (the raw baseline waits:
	// it would share the disk with the inbox).
	drained, derr := drain(ctx, we.c, camps, plan.replies-len(plan.sampled))
	drainTook := time.Since(burstEnd)
	applyRate := float64(notes) / time.Since(burstStart).Seconds()

	rp := NewProgress(env.progress, fmt.Sprintf("webhook-burst: raw Pebble, %d writers, %d-byte records (%s)", env.Conns, plan.meanBody(), rawDur), 0)
	raw, err := rawPebble(ctx, filepath.Join(rawDir, "db"), env.Conns, rawDur, plan.meanBody(), rp)
	rp.Done()
	if err != nil {
		return nil, err
	}

	// 6. Reply to dashboard, one at a time.
	vt := newTally()
	vp := NewProgress(env.progress, fmt.Sprintf("webhook-burst: %d replies, each from its 200 to the headcount moving", len(plan.sampled)), int64(len(plan.sampled)))
	vstart := time.Now()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	for i, m := range plan.sampled {
		if ctx.Err() != nil {
			break
		}
		d, err := we.visible(hc, hookURL, m, i, req, resp)
		if err != nil {
			vt.fail(err)
		} else {
			vt.count++
			recordLatency(vt.lat, d)
		}
		vp.Add(1)
	}
	vp.Done()
	velapsed := time.Since(vstart)

	// 7. Correctness.
	chk, err := check(we.c, camps, plan)
	if err != nil {
		return nil, err
	}
	for code, n := range chk.codes {
		res.Errors += n
		res.ErrorsByCode[code] += n
	}
	if derr != nil {
		res.Errors++
		res.ErrorsByCode["not_drained"]++
	}

	main := env.result("webhook-burst", "closed", env.Conns, 0, res)
	main.Ceiling = "webhook-burst/raw-pebble"
	main.Description = fmt.Sprintf("Signed WhatsApp webhooks (up to %d notification(s) a body, Meta's shape) POSTed to /webhooks/whatsapp, "+
		"closed loop at --conns connections, each durable before its 200: bodies accepted per second, latency of each POST.", webhookMaxBatch)
	ratio := 0.0
	if raw.Throughput() > 0 {
		ratio = res.Throughput() / raw.Throughput()
	}
	main.Note = fmt.Sprintf("%s bodies carrying %s notifications (%s statuses of %s messages on %s of %s units, %s of them "+
		"duplicates, all shuffled; %s quick-reply taps), mean body %s bytes: %s notifications/s; %.2f of raw Pebble group commit "+
		"(%s commits/s of %d-byte records, %d writers, same run); the sandbox posted none (no WebhookURL); the inbox applied them "+
		"all %s after the last 200%s (%s notifications/s from the first POST); check: %s",
		fmtInt(int64(len(plan.bodies))), fmtInt(int64(notes)), fmtInt(int64(plan.statuses)), fmtInt(int64(len(msgs))), plural(weddings, "wedding"),
		fmtInt(int64(units)), fmtInt(int64(plan.dups)), fmtInt(int64(plan.replies-len(plan.sampled))), fmtInt(int64(plan.meanBody())),
		fmtRate(float64(notes)/res.Elapsed.Seconds()), ratio, fmtRate(raw.Throughput()), plan.meanBody(), env.Conns,
		secs(drainTook), map[bool]string{true: "", false: " (NOT drained: " + fmt.Sprint(derr) + ")"}[drained], fmtRate(applyRate), chk.summary)

	rawRes := env.result("webhook-burst/raw-pebble", "closed", env.Conns, 0, raw)
	rawRes.Description = fmt.Sprintf("Raw Pebble group commit (ceiling-pebble's code, a fresh Pebble) with %d writers, each committing one "+
		"record of the burst's mean body size per pebble.Sync batch, right after the burst: the ceiling its ratio is taken against.", env.Conns)

	vis := env.result("webhook-burst/headcount", "closed", 1, 0, mergeCounters([]*tally{vt}, velapsed, false))
	vis.Description = "Quick-reply taps held back from the burst, POSTed one at a time once the burst is applied: from each tap's 200 " +
		"to GET /v1/weddings/{w}/headcount showing the change (polled back to back)."
	vis.Note = fmt.Sprintf("%d replies, on a quiet engine after the burst", len(plan.sampled))
	return []ScenarioResult{main, rawRes, vis}, nil
}

// visible posts m's tap alone and polls the headcount from its 200 until
// the totals change; it returns that time.
func (we *campaignEngine) visible(hc *fasthttp.HostClient, hookURL string, m *webhookMessage, k int, req *fasthttp.Request, resp *fasthttp.Response) (time.Duration, error) {
	before, err := headcountTotals(we.c, m.w)
	if err != nil {
		return 0, err
	}
	b := we.envelope([]notification{{json: tapJSON(m.acc, m.acc.Buttons[m.tap], time.Now().Unix(), 1_000_000+k)}},
		[]string{strings.TrimPrefix(m.acc.To, "+")})
	if err := we.post(hc, hookURL, b, req, resp); err != nil {
		return 0, err
	}
	t200 := time.Now()
	hreq := we.c.Request("/v1/weddings/"+m.w.ID+"/headcount", m.w.OwnerToken)
	defer fasthttp.ReleaseRequest(hreq)
	hresp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(hresp)
	var h struct {
		Totals json.RawMessage `json:"totals"`
	}
	for time.Since(t200) < webhookVisibleLimit {
		st, err := we.c.Get(hreq, hresp)
		if err != nil {
			return 0, fmt.Errorf("headcount: %w", err)
		}
		if st != 200 {
			return 0, fmt.Errorf("headcount: status %d", st)
		}
		if json.Unmarshal(hresp.Body(), &h) == nil && string(h.Totals) != before {
			return time.Since(t200), nil
		}
	}
	return 0, &StatusError{Status: 200, Code: "headcount_not_moved"}
}

// drain waits until the campaigns count every message read and replied
// as many as the burst tapped.
func drain(ctx context.Context, c *Client, camps []*campaign, replies int) (bool, error) {
	deadline := time.Now().Add(webhookDrainLimit)
	for {
		read, replied := 0, 0
		for _, cp := range camps {
			var v struct {
				Read    int `json:"read"`
				Replied int `json:"replied"`
			}
			if err := c.JSON("GET", "/v1/weddings/"+cp.w.ID+"/campaigns/"+cp.id, cp.w.OwnerToken, nil, &v); err != nil {
				return false, err
			}
			read += v.Read
			replied += v.Replied
		}
		want := 0
		for _, cp := range camps {
			want += cp.total
		}
		if read >= want && replied >= replies {
			return true, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false, fmt.Errorf("%d of %d read, %d of %d replied after %s", read, want, replied, replies, webhookDrainLimit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checked is what the correctness check found.
type checked struct {
	codes   map[string]int64
	summary string
}

// check reads every message's history and every tapped unit's RSVPs.
func check(c *Client, camps []*campaign, plan *burstPlan) (checked, error) {
	out := checked{codes: map[string]int64{}}
	histories, twice, notRead := 0, 0, 0
	var examples []string
	requeued := 0 // "queued" steps after the first: sends the engine retried, not webhooks
	for _, cp := range camps {
		after := ""
		for {
			var page struct {
				Items []struct {
					WAMID   string `json:"wamid"`
					Status  string `json:"status"`
					History []struct {
						Status string `json:"status"`
						At     string `json:"at"`
					} `json:"history"`
				} `json:"items"`
				Next string `json:"next"`
			}
			path := "/v1/weddings/" + cp.w.ID + "/messages?limit=500&campaign=" + cp.id
			if after != "" {
				path += "&after=" + url.QueryEscape(after)
			}
			if err := c.JSON("GET", path, cp.w.OwnerToken, nil, &page); err != nil {
				return out, err
			}
			for _, it := range page.Items {
				histories++
				if it.Status != "read" {
					notRead++
				}
				seen := map[string]bool{}
				for _, h := range it.History {
					if h.Status == "queued" { // the engine's own: queued again after a refused send
						if seen[h.Status] {
							requeued++
						}
						seen[h.Status] = true
						continue
					}
					if seen[h.Status] {
						twice++
						if len(examples) < 3 {
							examples = append(examples, fmt.Sprintf("%s: %+v", it.WAMID, it.History))
						}
					}
					seen[h.Status] = true
				}
			}
			if page.Next == "" || len(page.Items) == 0 {
				break
			}
			after = page.Next
		}
	}
	if notRead > 0 {
		out.codes["status_not_applied"] += int64(notRead)
	}
	if twice > 0 {
		out.codes["status_applied_twice"] += int64(twice)
	}
	dups := ""
	if len(examples) > 0 {
		dups = " (e.g. " + strings.Join(examples, "; ") + ")"
	}
	rsvpOK, rsvpBad, rsvpMissing := 0, 0, 0
	for _, m := range plan.msgs {
		if m.tap < 0 {
			continue
		}
		want := tappedAnswer(m.acc.Buttons[m.tap].ID)
		var page struct {
			Items []struct {
				Status string `json:"status"`
			} `json:"items"`
		}
		if err := c.JSON("GET", "/v1/weddings/"+m.w.ID+"/rsvps?limit=100&unit="+m.w.UnitIDs[m.unit], m.w.OwnerToken, nil, &page); err != nil {
			return out, err
		}
		if len(page.Items) == 0 {
			rsvpMissing++ // the household has no invitation left: its tap answered nothing
			continue
		}
		ok := true
		for _, it := range page.Items {
			switch it.Status {
			case want:
			case "pending":
				ok = false
				rsvpMissing++
			default:
				ok = false
				rsvpBad++
			}
		}
		if ok {
			rsvpOK++
		}
	}
	if rsvpMissing > 0 {
		out.codes["rsvp_missing"] += int64(rsvpMissing)
	}
	if rsvpBad > 0 {
		out.codes["rsvp_not_as_tapped"] += int64(rsvpBad)
	}
	out.summary = fmt.Sprintf("%s messages' histories read: %s not read, %s steps twice%s (and %d sends queued again by the "+
		"engine before the burst, not counted); %s of %s tapped households' RSVPs as tapped (%s invitations pending, %s otherwise)", fmtInt(int64(histories)), strconv.Itoa(notRead), strconv.Itoa(twice), dups, requeued,
		fmtInt(int64(rsvpOK)), fmtInt(int64(plan.replies)), strconv.Itoa(rsvpMissing), strconv.Itoa(rsvpBad))
	return out, nil
}
