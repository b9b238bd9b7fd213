//go:build unix

package main

// Process-level test of WhatsApp webhook ingestion (API.md "WhatsApp
// webhook"): a real `engine serve` child SIGKILLed during a burst of
// signed webhook bodies, restarted on the same data directory, and every
// notification it acknowledged applied exactly once.
//
//	go test ./cmd/engine -run TestProcess_WebhookKillDurability -v -args -webhook-seed=N -webhook-kills=3

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

var (
	webhookKills = flag.Int("webhook-kills", 3, "SIGKILLs during the webhook bursts of TestProcess_WebhookKillDurability")
	webhookSeed  = flag.Uint64("webhook-seed", 0, "seed for TestProcess_WebhookKillDurability (0: from the clock)")
	webhookUnits = flag.Int("webhook-units", 300, "households TestProcess_WebhookKillDurability messages and hears back from")
)

// whPosters is how many goroutines post webhook bodies at once, as Meta's
// deliveries overlap.
const whPosters = 8

// whBody is one signed webhook body the test posts, as Meta would.
type whBody struct {
	raw  []byte
	sig  string
	what string // for failure messages
}

// whMeta wraps values (each a "messages" change's value minus its
// metadata) in Meta's envelope (WHATSAPP.md §3.1), one change each.
func whMeta(t *testing.T, values ...map[string]any) []byte {
	t.Helper()
	var changes []map[string]any
	for _, v := range values {
		v["messaging_product"] = "whatsapp"
		v["metadata"] = map[string]any{"display_phone_number": sandbox.DefaultDisplayNumber, "phone_number_id": sandbox.DefaultPhoneNumberID}
		changes = append(changes, map[string]any{"field": "messages", "value": v})
	}
	b, err := json.Marshal(map[string]any{"object": "whatsapp_business_account",
		"entry": []map[string]any{{"id": sandbox.DefaultBusinessAccountID, "changes": changes}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// whStatusValue is a status update (§3.7) of an accepted message.
func whStatusValue(a sandbox.Accepted, status string, at int64) map[string]any {
	st := map[string]any{"id": a.WAMID, "status": status, "timestamp": strconv.FormatInt(at, 10),
		"recipient_id": strings.TrimPrefix(a.To, "+"),
		"pricing":      map[string]any{"billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing"}}
	if a.CallbackData != "" {
		st["biz_opaque_callback_data"] = a.CallbackData
	}
	return map[string]any{"statuses": []any{st}}
}

// whTapValue is a template quick-reply tap (§3.6) on button b of a.
func whTapValue(a sandbox.Accepted, b sandbox.Choice, n int, at int64) map[string]any {
	from := strings.TrimPrefix(a.To, "+")
	return map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]any{"name": "Guest"}, "wa_id": from}},
		"messages": []any{map[string]any{
			"context":   map[string]any{"from": sandbox.DefaultDisplayNumber, "id": a.WAMID},
			"from":      from,
			"id":        fmt.Sprintf("wamid.TESTTAP%06d", n),
			"timestamp": strconv.FormatInt(at, 10),
			"type":      "button",
			"button":    map[string]any{"payload": b.ID, "text": b.Title},
		}},
	}
}

// payloadAnswer is the answer a button payload of the engine carries
// (rsvp:<wedding>/<message>:<answer>:<mac>), or "".
func payloadAnswer(p string) string {
	parts := strings.Split(p, ":")
	if len(parts) < 4 || parts[0] != "rsvp" {
		return ""
	}
	return parts[len(parts)-2]
}

// postWebhook posts one signed body; ok only for a 200 read whole.
func postWebhook(p *engineProc, b *whBody) (ok bool, status int, err error) {
	req, err := http.NewRequest(http.MethodPost, p.base+"/webhooks/whatsapp", bytes.NewReader(b.raw))
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(whatsapp.SignatureHeader, b.sig)
	resp, err := p.client.Do(req)
	if err != nil {
		return false, 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return false, resp.StatusCode, err
	}
	return resp.StatusCode == http.StatusOK, resp.StatusCode, nil
}

// burst posts bodies (indexes into all) with whPosters goroutines and
// returns those that got a 200. With killAt > 0, the engine is SIGKILLed
// once killAt bodies got their 200, and the posting stops; without, every
// body must get its 200.
func burst(t *testing.T, p *engineProc, all []*whBody, idx []int, killAt int) (acked []int) {
	t.Helper()
	work := make(chan int)
	reached := make(chan struct{})
	var once sync.Once
	var stopped atomic.Bool
	var okCount atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failures []string
	for range whPosters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if stopped.Load() {
					continue
				}
				ok, status, err := postWebhook(p, all[i])
				mu.Lock()
				if ok {
					acked = append(acked, i)
				} else if killAt == 0 {
					failures = append(failures, fmt.Sprintf("%s: %d %v", all[i].what, status, err))
				}
				mu.Unlock()
				if ok && killAt > 0 && okCount.Add(1) >= int64(killAt) {
					once.Do(func() { close(reached) })
				}
			}
		}()
	}
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		for _, i := range idx {
			if stopped.Load() {
				break
			}
			work <- i
		}
		close(work)
	}()
	if killAt > 0 {
		select {
		case <-reached:
		case <-fed:
			// Everything was handed out; the last answers may still
			// reach the kill point.
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-reached:
			case <-done:
				t.Fatalf("the burst of %d bodies ended with %d acknowledged, before the kill point %d", len(idx), okCount.Load(), killAt)
			}
		}
		p.kill(t)
		stopped.Store(true)
	}
	wg.Wait()
	<-fed
	if len(failures) > 0 {
		t.Fatalf("%s: %d of %d webhook bodies not acknowledged, first: %s", p.name, len(failures), len(idx), failures[0])
	}
	slices.Sort(acked)
	return acked
}

// TestProcess_WebhookKillDurability (issue 12): a campaign to ~300
// households against an `engine sandbox` child that posts no webhooks of
// its own; the test is Meta. From what the sandbox accepted it builds
// signed bodies (delivered and read statuses for every message, one
// quick-reply tap per household, Yes, No or Maybe at its own timestamp),
// posts them concurrently, SIGKILLs the engine at a seeded random point of
// each burst, restarts it on the same data directory and posts again what
// got no 200 (as Meta redelivers) and some that did (duplicates). Once the
// inbox is drained: every household's RSVP is its tap (source whatsapp, at
// the tap's time) recorded once in the audit trail, every message is read
// with no step twice in its history, and nothing is kept unroutable or
// unprocessable.
func TestProcess_WebhookKillDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts engine processes")
	}
	seed := *webhookSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	kills, n := *webhookKills, *webhookUnits
	t.Logf("seed %d, %d kills, %d households (again: go test ./cmd/engine -run TestProcess_WebhookKillDurability -args -webhook-seed=%d -webhook-kills=%d -webhook-units=%d)",
		seed, kills, n, seed, kills, n)
	rng := rand.New(rand.NewPCG(seed, 0x3eb0))
	began := time.Now()

	// No webhook URL: the sandbox records what it accepts and posts nothing.
	sb := startSandboxProc(t, "")
	dir := t.TempDir()
	env := append(cloudEnv(sb.base), "PARINAYA_ENGINE_SNAPSHOT_EVERY=211")
	p := startEngine(t, "engine#1", dir, env...)

	w := provisionCampaignWedding(t, p, n)
	total, _, _ := w.expectedCampaign()
	var created campaignRow // the 202: id, total, skipped
	p.must(t, http.MethodPost, w.base+"/campaigns", w.owner, w.inviteAll(), http.StatusAccepted, &created)
	if created.Total != total {
		t.Fatalf("campaign created %+v; want total %d", created, total)
	}
	c := waitCampaignDone(t, p, w, created.ID, time.Minute)
	if c.Total != total || c.Sent != total {
		t.Fatalf("campaign done as %+v; want all %d sent (and no status yet: the sandbox posts none)", c, total)
	}

	// What Meta would report: built from what the sandbox accepted.
	accepted := sandboxAccepted(t, sb)
	if len(accepted) != total {
		t.Fatalf("the sandbox accepted %d messages, want %d", len(accepted), total)
	}
	type tap struct {
		answer string
		at     int64
	}
	wantTap := map[string]tap{} // unit id → its tap
	byWAMID := map[string]sandbox.Accepted{}
	var all []*whBody
	add := func(what string, values ...map[string]any) {
		raw := whMeta(t, values...)
		all = append(all, &whBody{raw: raw, sig: whatsapp.Sign(cpAppSecret, raw), what: what})
	}
	base := time.Now().Unix() + 60 // after every invitation, distinct for each tap
	answers := map[string]int{}
	for i, k := range rng.Perm(len(accepted)) {
		a := accepted[k]
		byWAMID[a.WAMID] = a
		u := w.byPhone[a.To]
		if u == nil || u.primary.Phone != a.To || a.CallbackData == "" || len(a.Buttons) != 3 {
			t.Fatalf("the sandbox accepted %+v: not an invitation with 3 buttons to a primary contact", a)
		}
		b := a.Buttons[rng.IntN(3)]
		ans := payloadAnswer(b.ID)
		if !slices.Contains([]string{"yes", "no", "maybe"}, ans) {
			t.Fatalf("button %+v of %s: payload carries no answer", b, a.WAMID)
		}
		answers[ans]++
		at := base + int64(i)
		wantTap[u.id] = tap{ans, at}
		delivered, read := whStatusValue(a, "delivered", at-30), whStatusValue(a, "read", at-20)
		tapV := whTapValue(a, b, i, at)
		// Meta sends one notification a body, or a few together.
		switch rng.IntN(4) {
		case 0:
			add("delivered+read+tap of "+a.WAMID, delivered, read, tapV)
		case 1:
			add("delivered of "+a.WAMID, delivered)
			add("read+tap of "+a.WAMID, read, tapV)
		default:
			add("delivered of "+a.WAMID, delivered)
			add("read of "+a.WAMID, read)
			add("tap of "+a.WAMID, tapV)
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	t.Logf("%d messages sent in %v; %d signed bodies to post (taps: %v)", total, time.Since(began).Round(time.Millisecond), len(all), answers)

	// Kill rounds: each posts what got no 200 yet, plus duplicates of
	// what did, and is cut by a SIGKILL after a random share of 200s.
	acked := make([]bool, len(all))
	ackCount := make([]int, len(all))
	for round := 1; round <= kills+1; round++ {
		var idx []int
		dups := 0
		for i := range all {
			switch {
			case !acked[i]:
				idx = append(idx, i)
			case rng.IntN(10) == 0:
				idx = append(idx, i) // a duplicate delivery
				dups++
			}
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		killAt := 0
		if round <= kills && len(idx) >= 10 {
			killAt = 1 + len(idx)/10 + rng.IntN(len(idx)*7/10)
		}
		start := time.Now()
		got := burst(t, p, all, idx, killAt)
		for _, i := range got {
			acked[i] = true
			ackCount[i]++
		}
		left := 0
		for _, a := range acked {
			if !a {
				left++
			}
		}
		if killAt > 0 {
			t.Logf("round %d: posted %d bodies (%d duplicates); SIGKILL after %d got a 200 (kill point %d), %v into the burst; %d bodies without a 200 yet",
				round, len(idx), dups, len(got), killAt, time.Since(start).Round(time.Millisecond), left)
			p = startEngine(t, fmt.Sprintf("engine#%d", round+1), dir, env...)
			// For the log only: the restarted engine works through the
			// bodies the dead one stored and had not applied yet.
			waiting, _ := p.pages(t, "/v1/admin/inbox?state=received", procRootToken, 1000)
			t.Logf("round %d: %d stored bodies still waiting just after the restart", round, len(waiting))
		} else {
			t.Logf("round %d: posted %d bodies (%d duplicates), all acknowledged in %v", round, len(idx), dups, time.Since(start).Round(time.Millisecond))
			if left != 0 {
				t.Fatalf("%d bodies never acknowledged", left)
			}
		}
	}
	twice := 0
	for _, c := range ackCount {
		if c > 1 {
			twice++
		}
	}

	// Drained: nothing waits in the inbox.
	var waiting []json.RawMessage
	waitFor(t, 30*time.Second, func() string { return fmt.Sprintf("%d inbox bodies still received", len(waiting)) }, func() bool {
		waiting, _ = p.pages(t, "/v1/admin/inbox?state=received", procRootToken, 1000)
		return len(waiting) == 0
	})
	kept, _ := p.pages(t, "/v1/admin/inbox", procRootToken, 1000) // unroutable and unprocessable
	for i, k := range kept {
		if i < 5 {
			t.Errorf("the inbox kept a body unapplied: %.600s", k)
		}
	}
	if len(kept) > 0 {
		t.Errorf("the inbox kept %d bodies unroutable or unprocessable, want none", len(kept))
	}

	// Every household's RSVP is its tap.
	s := p.readState(t, w.wid, w.owner)
	checkConsistent(t, s)
	rsvps := map[string]rsvpRow{}
	for _, r := range s.rsvps {
		rsvps[r.UnitID] = r
	}
	for uid, tp := range wantTap {
		r, ok := rsvps[uid]
		if !ok {
			t.Errorf("unit %s: no RSVP", uid)
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, r.AnsweredAt)
		if r.Status != tp.answer || r.Source != "whatsapp" || err != nil || at.Unix() != tp.at {
			t.Errorf("unit %s: RSVP %+v; want %s from whatsapp answered at %s", uid, r, tp.answer, time.Unix(tp.at, 0).UTC().Format(time.RFC3339))
		}
	}
	for _, u := range w.units {
		if _, tapped := wantTap[u.id]; !tapped && u.invited {
			if r := rsvps[u.id]; r.Status != "pending" || r.Source == "whatsapp" {
				t.Errorf("unit %s tapped nothing, yet its RSVP is %+v", u.id, r)
			}
		}
	}

	// Each tap applied exactly once: one whatsapp RSVP change per unit in
	// the wedding's audit trail, duplicates and redeliveries changing
	// nothing.
	items, _ := p.pages(t, w.base+"/audit", w.owner, 1000)
	recorded := map[string]int{}
	for _, a := range decodeAll[struct {
		Kind   string  `json:"kind"`
		Detail rsvpRow `json:"detail"`
	}](t, "audit", items) {
		if a.Kind == "rsvp_recorded" && a.Detail.Source == "whatsapp" {
			recorded[a.Detail.UnitID]++
		}
	}
	for uid := range wantTap {
		if recorded[uid] != 1 {
			t.Errorf("unit %s: %d whatsapp RSVP changes in the audit trail, want 1", uid, recorded[uid])
		}
	}
	if len(recorded) != len(wantTap) {
		t.Errorf("the audit trail has whatsapp RSVPs for %d units, want %d", len(recorded), len(wantTap))
	}

	// Every message is read, each step once in its history.
	items, _ = p.pages(t, w.base+"/messages?campaign="+url.QueryEscape(created.ID), w.owner, 1000)
	msgs := decodeAll[messageRow](t, "messages", items)
	if len(msgs) != total {
		t.Errorf("the campaign lists %d messages, want %d", len(msgs), total)
	}
	for _, m := range msgs {
		if _, ok := byWAMID[m.WAMID]; !ok {
			t.Errorf("message %s has wamid %q, which the sandbox never gave", m.ID, m.WAMID)
		}
		// Delivered may be missing: a read applied first makes a later
		// delivered change nothing.
		steps := map[string]int{}
		twiceStep := false
		for _, h := range m.History {
			steps[h.Status]++
			twiceStep = twiceStep || steps[h.Status] > 1
		}
		if m.Status != "read" || twiceStep || steps["sent"] != 1 || steps["read"] != 1 {
			t.Errorf("message %s is %s with history %+v; want read, sent and read in its history, no step twice", m.ID, m.Status, m.History)
		}
	}
	c = getCampaign(t, p, w, created.ID)
	if c.Read != total {
		t.Errorf("campaign at the end %+v; want all %d read", c, total)
	}
	t.Logf("%d kills, %d bodies (%d acknowledged more than once); %d RSVPs and %d read messages as tapped and reported; %v in all",
		kills, len(all), twice, len(wantTap), len(msgs), time.Since(began).Round(time.Millisecond))

	p.stop(t, time.Minute)
	sb.stop(t, time.Minute)
}
