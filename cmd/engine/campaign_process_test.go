//go:build unix

package main

// Process-level tests of WhatsApp campaigns: real `engine serve` and
// `engine sandbox` children (see process_helpers_test.go), driven over
// HTTP, SIGKILLed and restarted.
//
// The sandbox that counts what was sent runs as its own long-lived child
// (`engine sandbox`) and the engines in cloud mode point at it: a sandbox
// inside the engine would die with it at each kill, and its record of what
// it accepted with it.
//
//	go test ./cmd/engine -run 'TestProcess_(Campaign|CloudMode)' -v
//	go test ./cmd/engine -run TestProcess_CampaignKillDurability -args -campaign-kills=8 -campaign-seed=N -campaign-units=2000

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

var (
	campaignKills = flag.Int("campaign-kills", 5, "SIGKILLs during the campaign of TestProcess_CampaignKillDurability")
	campaignSeed  = flag.Uint64("campaign-seed", 0, "seed for TestProcess_CampaignKillDurability (0: from the clock)")
	campaignUnits = flag.Int("campaign-units", 1000, "guest units TestProcess_CampaignKillDurability's campaign messages (its wedding has a quarter more, which it skips)")
)

const (
	cpAppSecret   = "cp-app-secret-0123456789abcdef"
	cpAccessToken = "cp-access-token-0123456789abcdef"
	cpVerifyToken = "cp-verify-token-0123456789"
	// cpEngineMPS paces the engines; the sandbox accepts more, so that a
	// 130429 never turns into a retry the test did not ask for.
	cpEngineMPS  = 500
	cpSandboxMPS = 2000
	// cpGraphLatency is how long the Graph API takes to answer in
	// TestProcess_CampaignKillDurability: at cpEngineMPS, about 10 sends
	// are accepted and unanswered at any moment, for a kill to catch.
	cpGraphLatency = 20 * time.Millisecond
)

// cloudEnv is the environment of an engine in cloud mode whose Cloud API
// is the `engine sandbox` at sandboxBase.
func cloudEnv(sandboxBase string) []string {
	return []string{
		"PARINAYA_ROOT_TOKEN=" + procRootToken,
		"PARINAYA_WHATSAPP_MODE=cloud",
		"PARINAYA_WHATSAPP_BASE_URL=" + sandboxBase,
		"PARINAYA_WHATSAPP_PHONE_NUMBER_ID=" + sandbox.DefaultPhoneNumberID,
		"PARINAYA_WHATSAPP_ACCESS_TOKEN=" + cpAccessToken,
		"PARINAYA_WHATSAPP_APP_SECRET=" + cpAppSecret,
		"PARINAYA_WHATSAPP_VERIFY_TOKEN=" + cpVerifyToken,
		"PARINAYA_WHATSAPP_TIER=unlimited",
		"PARINAYA_WHATSAPP_MPS=" + strconv.Itoa(cpEngineMPS),
	}
}

// startSandboxProc runs `engine sandbox --http <free port> --webhook
// webhook` as a child, with the app secret and access token of cloudEnv,
// and waits until it answers /readyz.
func startSandboxProc(t *testing.T, webhook string, env ...string) *engineProc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		p := launchProc(t, "sandbox", addr, 8, childEnviron(append([]string{
			"PARINAYA_WHATSAPP_APP_SECRET=" + cpAppSecret,
			"PARINAYA_WHATSAPP_ACCESS_TOKEN=" + cpAccessToken,
			"PARINAYA_SANDBOX_MPS=" + strconv.Itoa(cpSandboxMPS),
			"PARINAYA_SANDBOX_DELAY=5ms",
		}, env...)...), "sandbox", "--http", addr, "--webhook", webhook)
		err := p.waitReady(30 * time.Second)
		if err == nil {
			t.Logf("sandbox: ready on %s, webhooks to %s", p.base, webhook)
			return p
		}
		if attempt < 3 && p.exited() {
			continue // most likely someone took the port
		}
		t.Fatalf("sandbox: %v", err)
	}
}

// latencyProxy forwards to target, holding each answer for delay before
// passing it on: Meta's answers take a while, and during that while a
// message is accepted but the engine does not know it yet. A kill then
// catches sends in that state, which the engine must mark in doubt and
// never send again. It lives in the test process: it outlives the engines.
func latencyProxy(t *testing.T, target string, delay time.Duration) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(*http.Response) error {
		time.Sleep(delay) // the network's latency, not a wait for anything
		return nil
	}
	rp.ErrorLog = log.New(io.Discard, "", 0) // an engine killed mid-answer is expected
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// startEngineAt is startEngine on a fixed address: the sandbox's webhooks
// go to it, across restarts.
func startEngineAt(t *testing.T, name, dataDir, addr string, env []string) *engineProc {
	t.Helper()
	p := launchEngine(t, name, dataDir, addr, env)
	if err := p.waitReady(60 * time.Second); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Logf("%s: ready on %s after %v", name, p.base, time.Since(p.started).Round(time.Millisecond))
	return p
}

// ---- JSON shapes (API.md "Messaging", "The sandbox") ----

type campaignRow struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Total     int    `json:"total"`
	Queued    int    `json:"queued"`
	Sent      int    `json:"sent"`
	Delivered int    `json:"delivered"`
	Read      int    `json:"read"`
	Failed    int    `json:"failed"`
	InDoubt   int    `json:"in_doubt"`
	Skipped   struct {
		DoNotMessage int `json:"do_not_message"`
		NoConsent    int `json:"no_consent"`
		NoPhone      int `json:"no_phone"`
	} `json:"skipped"`
}

type messageRow struct {
	ID         string `json:"id"`
	UnitID     string `json:"unit_id"`
	PersonID   string `json:"person_id"`
	Phone      string `json:"phone"`
	CampaignID string `json:"campaign_id"`
	WAMID      string `json:"wamid"`
	Status     string `json:"status"`
	Error      *struct {
		Code  string `json:"code"`
		Title string `json:"title"`
	} `json:"error"`
	History []struct {
		Status string `json:"status"`
		At     string `json:"at"`
	} `json:"history"`
}

// sandboxAccepted reads every page of the sandbox's GET /sandbox/messages.
func sandboxAccepted(t *testing.T, sb *engineProc) []sandbox.Accepted {
	t.Helper()
	items, _ := sb.pages(t, "/sandbox/messages", "", 1000)
	return decodeAll[sandbox.Accepted](t, "sandbox messages", items)
}

func sandboxStats(t *testing.T, sb *engineProc) sandbox.Stats {
	t.Helper()
	var st sandbox.Stats
	sb.must(t, http.MethodGet, "/sandbox/stats", "", nil, http.StatusOK, &st)
	return st
}

// waitFor polls cond every few milliseconds until it holds, failing the
// test after timeout with what's message.
func waitFor(t *testing.T, timeout time.Duration, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", timeout, what())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c campaignRow) settled() int { return c.Sent + c.Delivered + c.Read + c.Failed + c.InDoubt }

// ---- a wedding to message ----

// cpUnit is one unit of the campaign wedding, and what the campaign must
// do with it.
type cpUnit struct {
	id       string
	primary  memberRow
	others   []memberRow
	invited  bool
	consent  string // opted_in, opted_out, or "" (none)
	expected bool   // the campaign messages its primary contact
}

type cpWedding struct {
	wid, base, owner, event string
	units                   []*cpUnit
	byPhone                 map[string]*cpUnit // every member's phone
}

// provisionCampaignWedding makes a wedding with one event and units of one
// member each, every third unit a second (non-primary) member: n units to
// message, invited (tag "invited") and opted in (every member), and a
// quarter more that a campaign must skip, in the same stream: of every 25
// units, 2 opted out, 2 without consent, 1 opted in but not invited. Only
// the primary contacts of invited, opted-in units may ever be messaged.
func provisionCampaignWedding(t *testing.T, p *engineProc, n int) *cpWedding {
	t.Helper()
	w := &cpWedding{byPhone: map[string]*cpUnit{}}
	var wed struct {
		ID string `json:"id"`
	}
	p.must(t, http.MethodPost, "/v1/weddings", procRootToken, map[string]any{"name": "Meera & Kabir", "slug": "meera-kabir",
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"}, http.StatusCreated, &wed)
	w.wid, w.base = wed.ID, "/v1/weddings/"+wed.ID
	var tok struct {
		Token string `json:"token"`
	}
	p.must(t, http.MethodPost, w.base+"/tokens", procRootToken, map[string]any{"role": "owner", "label": "campaign test"}, http.StatusCreated, &tok)
	w.owner = tok.Token
	var ev eventRow
	p.must(t, http.MethodPost, w.base+"/events", w.owner, map[string]any{"name": "Sangeet", "starts_at": "2026-12-11T18:00:00+05:30",
		"ends_at": "2026-12-11T23:00:00+05:30", "venue": "Lawn", "visibility": "public"}, http.StatusCreated, &ev)
	w.event = ev.ID

	phoneN := 0
	phone := func() string {
		for {
			phoneN++
			if e, err := domain.NormalizePhone(fmt.Sprintf("96%08d", phoneN), "IN", ""); err == nil {
				return e
			}
		}
	}
	var batch []map[string]any
	for i, expected := 0, 0; expected < n; i++ {
		u := &cpUnit{invited: i%25 != 11, consent: "opted_in"}
		switch i % 25 {
		case 3, 16:
			u.consent = "opted_out"
		case 7, 19:
			u.consent = ""
		}
		u.expected = u.invited && u.consent == "opted_in"
		if u.expected {
			expected++
		}
		members := []map[string]any{{"name": fmt.Sprintf("Guest %d", i), "phone": phone(), "primary": true}}
		if i%3 == 0 {
			members = append(members, map[string]any{"name": fmt.Sprintf("Guest %d partner", i), "phone": phone(), "primary": false})
		}
		tag := "invited"
		if !u.invited {
			tag = "later"
		}
		batch = append(batch, map[string]any{"name": fmt.Sprintf("Unit %04d", i), "side": []string{"bride", "groom", "both"}[i%3],
			"tags": []string{tag}, "members": members})
		w.units = append(w.units, u)
	}
	var br struct {
		Results []struct {
			Index int             `json:"index"`
			ID    string          `json:"id"`
			Error json.RawMessage `json:"error"`
		} `json:"results"`
	}
	p.must(t, http.MethodPost, w.base+"/units/batch", w.owner, map[string]any{"units": batch}, http.StatusOK, &br)
	if len(br.Results) != len(batch) {
		t.Fatalf("units/batch: %d results for %d units", len(br.Results), len(batch))
	}
	for i, r := range br.Results {
		if r.Index != i || r.ID == "" || r.Error != nil {
			t.Fatalf("units/batch result %d: %+v", i, r)
		}
		w.units[i].id = r.ID
	}
	items, _ := p.pages(t, w.base+"/units", w.owner, 1000)
	byID := map[string]unitRow{}
	for _, u := range decodeAll[unitRow](t, "units", items) {
		byID[u.ID] = u
	}
	for _, u := range w.units {
		got, ok := byID[u.id]
		if !ok {
			t.Fatalf("unit %s not listed", u.id)
		}
		for _, m := range got.Members {
			if m.Primary {
				u.primary = m
			} else {
				u.others = append(u.others, m)
			}
			w.byPhone[m.Phone] = u
		}
		if u.primary.ID == "" {
			t.Fatalf("unit %s has no primary member: %+v", u.id, got.Members)
		}
	}

	// The consent ledger, 16 requests at a time.
	type put struct{ person, status string }
	var puts []put
	for _, u := range w.units {
		if u.consent == "" {
			continue
		}
		puts = append(puts, put{u.primary.ID, u.consent})
		for _, m := range u.others {
			puts = append(puts, put{m.ID, u.consent})
		}
	}
	work := make(chan put)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pt := range work {
				status, raw, err := p.call(http.MethodPut, w.base+"/people/"+pt.person+"/consent", w.owner,
					map[string]any{"status": pt.status, "source": "test form"})
				if err != nil || status != http.StatusOK {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("consent of %s: %d %v %s", pt.person, status, err, raw))
					mu.Unlock()
				}
			}
		}()
	}
	for _, pt := range puts {
		work <- pt
	}
	close(work)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d consent writes failed, first: %s", len(failures), failures[0])
	}

	invited := 0
	for _, u := range w.units {
		if u.invited {
			invited++
		}
	}
	var inv struct {
		Invited int `json:"invited"`
	}
	p.must(t, http.MethodPost, w.base+"/invitations", w.owner, map[string]any{"event_ids": []string{w.event}, "tag": "invited"}, http.StatusOK, &inv)
	if inv.Invited != invited {
		t.Fatalf("invited %d units, want %d", inv.Invited, invited)
	}
	return w
}

// expectedCampaign is what a campaign to every invited unit must plan.
func (w *cpWedding) expectedCampaign() (total, doNotMessage, noConsent int) {
	for _, u := range w.units {
		switch {
		case !u.invited:
		case u.consent == "opted_in":
			total++
		case u.consent == "opted_out":
			doNotMessage++
		default:
			noConsent++
		}
	}
	return total, doNotMessage, noConsent
}

func (w *cpWedding) inviteAll() map[string]any {
	return map[string]any{"kind": "invite", "event_ids": []string{w.event}, "audience": map[string]any{"all": true},
		"template": map[string]any{"name": "wedding_invite", "language": "en"}}
}

func getCampaign(t *testing.T, p *engineProc, w *cpWedding, id string) campaignRow {
	t.Helper()
	var c campaignRow
	p.must(t, http.MethodGet, w.base+"/campaigns/"+id, w.owner, nil, http.StatusOK, &c)
	return c
}

// waitCampaignDone polls the campaign until its state is done.
func waitCampaignDone(t *testing.T, p *engineProc, w *cpWedding, id string, timeout time.Duration) campaignRow {
	t.Helper()
	var c campaignRow
	waitFor(t, timeout, func() string { return fmt.Sprintf("campaign %s is %+v, not done", id, c) }, func() bool {
		c = getCampaign(t, p, w, id)
		return c.State == "done"
	})
	return c
}

// checkCampaignTotals checks a done campaign's counts (API.md: each
// message counted once, under its current status).
func checkCampaignTotals(t *testing.T, c campaignRow, wantTotal int) {
	t.Helper()
	if c.State != "done" || c.Total != wantTotal || c.Queued != 0 || c.settled() != c.Total {
		t.Errorf("campaign at the end: %+v; want done, total %d, queued 0, sent+delivered+read+failed+in_doubt = total", c, wantTotal)
	}
}

// ---- TestProcess_CloudModeAgainstSandbox ----

// TestProcess_CloudModeAgainstSandbox is the README's "switch to Meta's
// Cloud API" path, tested locally: `engine serve` in cloud mode with its
// Graph API at an `engine sandbox` child, which posts its signed webhooks
// back to the engine. A campaign's message reaches the sandbox, and the
// engine accepts the sandbox's webhooks (a wrong secret would be refused
// with 401, and counted by the sandbox as webhook errors).
func TestProcess_CloudModeAgainstSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("starts engine processes")
	}
	engineAddr := freeAddr(t)
	sb := startSandboxProc(t, "http://"+engineAddr+"/webhooks/whatsapp")
	p := startEngineAt(t, "engine (cloud)", t.TempDir(), engineAddr, cloudEnv(sb.base))
	p.waitLog(t, `"mode":"cloud"`)

	// Meta's verification handshake, with the verify token of the env.
	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {cpVerifyToken}, "hub.challenge": {"1158201444"}}
	if b := p.must(t, http.MethodGet, "/webhooks/whatsapp?"+q.Encode(), "", nil, http.StatusOK, nil); string(b) != "1158201444" {
		t.Fatalf("webhook handshake answered %q", b)
	}
	// No sandbox inside an engine in cloud mode.
	p.wantError(t, http.MethodGet, "/sandbox/messages?to=%2B919600000001", "", nil, http.StatusNotFound, "not_found")

	w := &cpWedding{}
	var wed struct {
		ID string `json:"id"`
	}
	p.must(t, http.MethodPost, "/v1/weddings", procRootToken, map[string]any{"name": "Asha & Ravi", "slug": "asha-ravi",
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"}, http.StatusCreated, &wed)
	w.wid, w.base = wed.ID, "/v1/weddings/"+wed.ID
	var tok struct {
		Token string `json:"token"`
	}
	p.must(t, http.MethodPost, w.base+"/tokens", procRootToken, map[string]any{"role": "owner", "label": "cloud test"}, http.StatusCreated, &tok)
	w.owner = tok.Token
	var ev eventRow
	p.must(t, http.MethodPost, w.base+"/events", w.owner, map[string]any{"name": "Sangeet", "starts_at": "2026-12-11T18:00:00+05:30",
		"ends_at": "2026-12-11T23:00:00+05:30", "venue": "Lawn", "visibility": "public"}, http.StatusCreated, &ev)
	var u unitRow
	p.must(t, http.MethodPost, w.base+"/units", w.owner, map[string]any{"name": "Sharma family", "side": "bride",
		"members": []map[string]any{{"name": "Neha Sharma", "phone": "98123 45678", "primary": true}}}, http.StatusCreated, &u)
	if len(u.Members) != 1 || u.Members[0].Phone != "+919812345678" {
		t.Fatalf("unit: %+v", u)
	}
	person, phone := u.Members[0].ID, u.Members[0].Phone
	p.must(t, http.MethodPut, w.base+"/people/"+person+"/consent", w.owner, map[string]any{"status": "opted_in", "source": "RSVP card"}, http.StatusOK, nil)
	p.must(t, http.MethodPost, w.base+"/invitations", w.owner, map[string]any{"event_ids": []string{ev.ID}, "unit_ids": []string{u.ID}}, http.StatusOK, nil)
	var created campaignRow // the 202: id, total, skipped
	p.must(t, http.MethodPost, w.base+"/campaigns", w.owner, map[string]any{"kind": "invite", "event_ids": []string{ev.ID},
		"audience": map[string]any{"unit_ids": []string{u.ID}}, "template": map[string]any{"name": "wedding_invite", "language": "en"}},
		http.StatusAccepted, &created)
	if created.Total != 1 {
		t.Fatalf("campaign: %+v, want total 1", created)
	}

	// The sandbox accepted it, as Meta would have.
	var got []sandbox.Accepted
	waitFor(t, 30*time.Second, func() string { return fmt.Sprintf("the sandbox accepted %+v for %s", got, phone) }, func() bool {
		var pg struct {
			Items []sandbox.Accepted `json:"items"`
		}
		sb.must(t, http.MethodGet, "/sandbox/messages?to="+url.QueryEscape(phone), "", nil, http.StatusOK, &pg)
		got = pg.Items
		return len(got) > 0
	})
	a := got[0]
	if len(got) != 1 || a.Kind != "template" || a.Template == nil || a.Template.Name != "wedding_invite" || a.Template.Language != "en" ||
		len(a.Template.Params) != 3 || a.Template.Params[0] != "Neha Sharma" || a.Template.Params[1] != "Asha & Ravi" || len(a.Buttons) != 3 {
		t.Fatalf("the sandbox accepted %+v; want one wedding_invite to Neha Sharma of Asha & Ravi, with three buttons", got)
	}

	c := waitCampaignDone(t, p, w, created.ID, 30*time.Second)
	checkCampaignTotals(t, c, 1)
	var msgs struct {
		Items []messageRow `json:"items"`
	}
	p.must(t, http.MethodGet, w.base+"/messages?campaign="+created.ID, w.owner, nil, http.StatusOK, &msgs)
	if len(msgs.Items) != 1 || msgs.Items[0].WAMID != a.WAMID || msgs.Items[0].Phone != phone ||
		!slices.Contains([]string{"sent", "delivered", "read"}, msgs.Items[0].Status) {
		t.Fatalf("engine's messages: %+v; want one sent to %s as %s", msgs.Items, phone, a.WAMID)
	}

	// Its statuses (sent, delivered, read) were posted to the engine,
	// which took them: signed with the secret both were given.
	var st sandbox.Stats
	waitFor(t, 30*time.Second, func() string { return fmt.Sprintf("sandbox stats %+v", st) }, func() bool {
		st = sandboxStats(t, sb)
		return st.Pending == 0
	})
	if st.Accepted != 1 || st.WebhooksSent < 3 || st.WebhookErrors != 0 || st.Refused != 0 || st.RateLimited != 0 {
		t.Fatalf("sandbox stats %+v; want 1 accepted, its 3 status webhooks taken by the engine at once, nothing refused", st)
	}

	p.stop(t, time.Minute)
	sb.stop(t, time.Minute)
}

// ---- TestProcess_CampaignKillDurability ----

// TestProcess_CampaignKillDurability: a campaign to ~1,000 guests, its
// engine SIGKILLed at seeded random points of the send stream and restarted
// on the same data directory each time, ends done, and no guest got the
// invitation twice. The engines run in cloud mode against one `engine
// sandbox` child that outlives them all and records every message it
// accepted: every planned recipient got exactly one, except those whose
// message the engine marks in_doubt (a send a kill interrupted), who got at
// most one; nobody else got anything.
func TestProcess_CampaignKillDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts engine processes")
	}
	seed := *campaignSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	kills, n := *campaignKills, *campaignUnits
	t.Logf("seed %d, %d kills, a campaign to %d units (again: go test ./cmd/engine -run TestProcess_CampaignKillDurability -args -campaign-seed=%d -campaign-kills=%d -campaign-units=%d)",
		seed, kills, n, seed, kills, n)
	rng := rand.New(rand.NewPCG(seed, 0xca4a))

	engineAddr := freeAddr(t)
	sb := startSandboxProc(t, "http://"+engineAddr+"/webhooks/whatsapp")
	dir := t.TempDir()
	graph := latencyProxy(t, sb.base, cpGraphLatency)
	env := append(cloudEnv(graph), "PARINAYA_ENGINE_SNAPSHOT_EVERY=211")
	p := startEngineAt(t, "engine#1", dir, engineAddr, env)

	w := provisionCampaignWedding(t, p, n)
	total, doNotMessage, noConsent := w.expectedCampaign()
	var created campaignRow // the 202: id, total, skipped
	began := time.Now()
	p.must(t, http.MethodPost, w.base+"/campaigns", w.owner, w.inviteAll(), http.StatusAccepted, &created)
	if created.Total != total || created.Skipped.DoNotMessage != doNotMessage || created.Skipped.NoConsent != noConsent || created.Skipped.NoPhone != 0 {
		t.Fatalf("campaign created %+v; want total %d, skipped do_not_message %d, no_consent %d", created, total, doNotMessage, noConsent)
	}

	// Kill points: how many messages the sandbox has accepted, drawn in
	// [2%, 80%) of the campaign: below the end by more than the sends a few
	// kills leave in doubt (never sent again), so each point is reached.
	// Should many kills leave too many in doubt, a campaign found done
	// ends the wait instead.
	targets := make([]int64, kills)
	for i := range targets {
		targets[i] = int64(total/50 + rng.IntN(total*78/100))
	}
	slices.Sort(targets)
	for k, target := range targets {
		var st sandbox.Stats
		engineDone := false
		polls := 0
		waitFor(t, 2*time.Minute, func() string {
			return fmt.Sprintf("kill %d: the sandbox accepted %d messages, not %d", k+1, st.Accepted, target)
		}, func() bool {
			if p.exited() {
				t.Fatalf("%s exited by itself (%v)", p.name, p.waitErr)
			}
			st = sandboxStats(t, sb)
			if polls++; polls%50 == 0 && getCampaign(t, p, w, created.ID).State == "done" {
				engineDone = true
			}
			return st.Accepted >= target || engineDone
		})
		p.kill(t)
		if engineDone {
			t.Logf("kill %d: the campaign was done before the kill point %d (%d accepted)", k+1, target, st.Accepted)
		} else {
			t.Logf("kill %d: SIGKILL at %d messages accepted (kill point %d), %v into the campaign", k+1, st.Accepted, target, time.Since(began).Round(time.Millisecond))
		}
		p = startEngineAt(t, fmt.Sprintf("engine#%d", k+2), dir, engineAddr, env)
	}

	c := waitCampaignDone(t, p, w, created.ID, 2*time.Minute)
	t.Logf("campaign done %v after it began: %+v", time.Since(began).Round(time.Millisecond), c)
	checkCampaignTotals(t, c, total)

	// What the engine says it did, message by message. The sandbox's
	// status webhooks keep arriving after the campaign is done (and settle
	// in-doubt messages Meta did accept), so read until two reads agree.
	var msgs []messageRow
	inDoubtListed := map[string]bool{}
	for settle := time.Now().Add(30 * time.Second); ; {
		items, _ := p.pages(t, w.base+"/messages?campaign="+created.ID, w.owner, 1000)
		msgs = decodeAll[messageRow](t, "messages", items)
		items, _ = p.pages(t, w.base+"/messages?status=in_doubt", w.owner, 1000)
		inDoubt := decodeAll[messageRow](t, "in_doubt messages", items)
		items, _ = p.pages(t, w.base+"/messages?campaign="+created.ID, w.owner, 1000)
		again := decodeAll[messageRow](t, "messages", items)
		same := len(again) == len(msgs)
		for i := 0; same && i < len(msgs); i++ {
			same = msgs[i].Status == again[i].Status
		}
		if same || time.Now().After(settle) {
			c = getCampaign(t, p, w, created.ID) // the counts as the messages stand
			clear(inDoubtListed)
			for _, m := range inDoubt {
				if m.Status != "in_doubt" || m.CampaignID != created.ID {
					t.Errorf("?status=in_doubt lists %+v", m)
				}
				inDoubtListed[m.ID] = true
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// What the sandbox, alive throughout, accepted.
	accepted := map[string][]sandbox.Accepted{}
	for _, a := range sandboxAccepted(t, sb) {
		accepted[a.To] = append(accepted[a.To], a)
	}

	byStatus := map[string]int{}
	inDoubtSent := 0
	messaged := map[string]bool{}
	for _, m := range msgs {
		byStatus[m.Status]++
		u := w.byPhone[m.Phone]
		switch {
		case u == nil || m.Phone != u.primary.Phone || m.PersonID != u.primary.ID || m.UnitID != u.id:
			t.Errorf("message %s to %s (unit %s, person %s) is not to a unit's primary contact", m.ID, m.Phone, m.UnitID, m.PersonID)
			continue
		case !u.expected:
			t.Errorf("message %s to unit %s (invited %t, consent %q): the campaign must skip it", m.ID, u.id, u.invited, u.consent)
		case messaged[m.Phone]:
			t.Errorf("two messages of the campaign to %s", m.Phone)
		}
		messaged[m.Phone] = true
		got := accepted[m.Phone]
		switch m.Status {
		case "sent", "delivered", "read":
			if len(got) != 1 {
				t.Errorf("message %s is %s, and the sandbox accepted %d messages for %s", m.ID, m.Status, len(got), m.Phone)
			} else if got[0].WAMID != m.WAMID {
				t.Errorf("message %s is %s as %s, the sandbox accepted it as %s", m.ID, m.Status, m.WAMID, got[0].WAMID)
			}
		case "in_doubt":
			if len(got) > 1 {
				t.Errorf("message %s is in doubt, and the sandbox accepted %d messages for %s", m.ID, len(got), m.Phone)
			}
			if !inDoubtListed[m.ID] {
				t.Errorf("message %s is in doubt but not listed by ?status=in_doubt", m.ID)
			}
			inDoubtSent += len(got)
		case "failed":
			// The sandbox fails nothing it accepted (fail rate 0): a failed
			// message was refused at every attempt.
			if len(got) != 0 {
				t.Errorf("message %s failed (%+v), and the sandbox accepted %d messages for %s", m.ID, m.Error, len(got), m.Phone)
			}
		default:
			t.Errorf("message %s is %s in a done campaign", m.ID, m.Status)
		}
	}
	if len(msgs) != total {
		t.Errorf("the campaign lists %d messages, want %d", len(msgs), total)
	}
	if len(inDoubtListed) != byStatus["in_doubt"] || c.InDoubt != byStatus["in_doubt"] ||
		c.Failed != byStatus["failed"] || c.Sent+c.Delivered+c.Read != byStatus["sent"]+byStatus["delivered"]+byStatus["read"] {
		t.Errorf("campaign counts %+v, messages by status %v, ?status=in_doubt lists %d", c, byStatus, len(inDoubtListed))
	}
	for _, u := range w.units {
		if u.expected && !messaged[u.primary.Phone] {
			t.Errorf("unit %s: its primary contact is not among the campaign's messages", u.id)
		}
	}
	// Nobody else got anything: no opted-out, unconsented or uninvited
	// guest, no member who is not a primary contact.
	for to, got := range accepted {
		if !messaged[to] {
			u := w.byPhone[to]
			t.Errorf("the sandbox accepted %d messages for %s, which the campaign must not message (unit %+v)", len(got), to, u)
		}
	}
	st := sandboxStats(t, sb)
	t.Logf("%d kills; %d messages: %v; %d in doubt of which the sandbox had accepted %d; sandbox: %d accepted, %d refused, %d rate-limited, %d webhooks sent, %d webhooks given up",
		kills, len(msgs), byStatus, byStatus["in_doubt"], inDoubtSent, st.Accepted, st.Refused, st.RateLimited, st.WebhooksSent, st.WebhookErrors)

	p.stop(t, time.Minute)
	sb.stop(t, time.Minute)
}

// ---- TestProcess_CampaignIdempotentAcrossKill ----

// TestProcess_CampaignIdempotentAcrossKill: a campaign created with an
// Idempotency-Key, the engine SIGKILLed right after the 202: the same POST
// to the restarted engine answers the same status and body and creates
// nothing (API.md "Conventions": idempotency, also after a restart), and
// the campaign, interrupted, still ends done.
func TestProcess_CampaignIdempotentAcrossKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts engine processes")
	}
	dir := t.TempDir()
	env := []string{"PARINAYA_ROOT_TOKEN=" + procRootToken, "PARINAYA_WHATSAPP_MPS=" + strconv.Itoa(cpEngineMPS),
		"PARINAYA_SANDBOX_MPS=" + strconv.Itoa(cpSandboxMPS)}
	p := startEngine(t, "engine#1", dir, env...)
	w := provisionCampaignWedding(t, p, 40)
	total, _, _ := w.expectedCampaign()

	hdr := http.Header{"Idempotency-Key": {"invite-everyone-1"}}
	status, _, first, err := p.callWith(http.MethodPost, w.base+"/campaigns", w.owner, hdr, w.inviteAll())
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("POST campaigns: %d %v %s", status, err, first)
	}
	p.kill(t)
	var created campaignRow // the 202: id, total, skipped
	if err := json.Unmarshal(first, &created); err != nil || created.ID == "" || created.Total != total {
		t.Fatalf("POST campaigns answered %s; want an id and total %d", first, total)
	}

	p = startEngine(t, "engine#2", dir, env...)
	status, _, again, err := p.callWith(http.MethodPost, w.base+"/campaigns", w.owner, hdr, w.inviteAll())
	if err != nil || status != http.StatusAccepted || string(again) != string(first) {
		t.Fatalf("the same POST after the kill: %d %v\n%s\nwant 202 and the first answer\n%s", status, err, again, first)
	}
	// The same key with another body is a mistake, not a new campaign.
	other := w.inviteAll()
	other["kind"] = "reminder"
	status, _, raw, err := p.callWith(http.MethodPost, w.base+"/campaigns", w.owner, hdr, other)
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err != nil || status != http.StatusConflict || json.Unmarshal(raw, &e) != nil || e.Error.Code != "idempotency_mismatch" {
		t.Fatalf("the same key with another body: %d %v %s; want 409 idempotency_mismatch", status, err, raw)
	}
	var list struct {
		Items []campaignRow `json:"items"`
	}
	p.must(t, http.MethodGet, w.base+"/campaigns", w.owner, nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != created.ID {
		t.Fatalf("GET campaigns lists %+v; want only %s", list.Items, created.ID)
	}
	c := waitCampaignDone(t, p, w, created.ID, time.Minute)
	checkCampaignTotals(t, c, total)
	t.Logf("campaign %s: created once across the kill; done: %+v", created.ID, c)
	p.stop(t, time.Minute)
}
