package httpapi_test

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// Campaigns end to end, over real HTTP on loopback: the API server, the
// engine sending through the Cloud API client to the sandbox (Meta's side,
// played locally), and the sandbox's signed webhooks back to the server.

// campaignRig is a test server wired to a sandbox.
type campaignRig struct {
	*testServer
	sb    *sandbox.Sandbox
	pacer *actors.Pacer
}

func newCampaignRig(t *testing.T, sbc sandbox.Config, pc actors.PacerConfig, mc actors.MessagingConfig) *campaignRig {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const secret, token = "rig-app-secret", "rig-access-token"
	sbc.AppSecret, sbc.AccessToken = secret, token
	sbc.WebhookURL = "http://" + ln.Addr().String() + "/webhooks/whatsapp"
	sb, err := sandbox.New(sbc)
	if err != nil {
		t.Fatal(err)
	}
	sln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	graph := &fasthttp.Server{Handler: sb.Handler()}
	go func() { _ = graph.Serve(sln) }()
	client, err := whatsapp.NewClient(whatsapp.Config{BaseURL: "http://" + sln.Addr().String(),
		PhoneNumberID: sandbox.DefaultPhoneNumberID, AccessToken: token})
	if err != nil {
		t.Fatal(err)
	}
	pacer := actors.NewPacer(pc)
	t.Cleanup(func() {
		pacer.Close()
		_ = sb.Close()
		_ = graph.Shutdown()
	})
	mc.Sender, mc.Pacer = client, pacer
	if mc.RetryBase == 0 {
		mc.RetryBase, mc.RetryMax = 20*time.Millisecond, 500*time.Millisecond
	}
	s := newTestServerWith(t, httpapi.Config{WebhookAppSecret: secret, Sandbox: sb.Handler()},
		serverOptions{ln: ln, engine: actors.Config{Messaging: mc}})
	return &campaignRig{testServer: s, sb: sb, pacer: pacer}
}

// guestList is a wedding of n households (one or two members, the first
// the primary contact), all invited to one event; the first optedIn
// primaries opted in, the next optedOut opted out, the rest never asked.
type guestList struct {
	w, owner, event string
	phones          []string // primary contacts' phones, by household
	persons         []string
}

func (r *campaignRig) guestList(slug string, n, optedIn, optedOut int) *guestList {
	r.t.Helper()
	g := &guestList{}
	g.w, g.owner = r.newWedding(slug)
	g.event = r.event(g.w, g.owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	var units []any
	for i := range n {
		phones := []string{phone(10000 + i)}
		if i%3 == 0 {
			phones = append(phones, phone(50000+i))
		}
		units = append(units, unitBody(fmt.Sprintf("Family %d", i), []string{"bride", "groom", "both"}[i%3], nil, phones...))
	}
	res := r.must(200, "POST", "/v1/weddings/"+g.w+"/units/batch", g.owner, map[string]any{"units": units})
	ids := make([]string, n)
	for i, it := range res.body["results"].([]any) {
		ids[i] = it.(map[string]any)["id"].(string)
	}
	r.must(200, "POST", "/v1/weddings/"+g.w+"/invitations", g.owner, map[string]any{"event_ids": []string{g.event}, "all": true})
	g.phones, g.persons = make([]string, n), make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			u := r.must(200, "GET", "/v1/weddings/"+g.w+"/units/"+id, g.owner, nil)
			m := u.body["members"].([]any)[0].(map[string]any)
			g.phones[i], g.persons[i] = m["phone"].(string), m["id"].(string)
			status := ""
			switch {
			case i < optedIn:
				status = "opted_in"
			case i < optedIn+optedOut:
				status = "opted_out"
			default:
				return
			}
			r.must(200, "PUT", "/v1/weddings/"+g.w+"/people/"+g.persons[i]+"/consent", g.owner,
				map[string]any{"status": status, "source": "RSVP card"})
		}()
	}
	wg.Wait()
	return g
}

func (r *campaignRig) startCampaign(g *guestList, template string) answer {
	r.t.Helper()
	return r.must(202, "POST", "/v1/weddings/"+g.w+"/campaigns", g.owner, map[string]any{"kind": "invite",
		"event_ids": []string{g.event}, "audience": map[string]any{"all": true},
		"template": map[string]any{"name": template, "language": "en"}})
}

// waitFor polls the campaign until ok, for at most d.
func (r *campaignRig) waitFor(g *guestList, id string, d time.Duration, ok func(answer) bool) answer {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for {
		a := r.must(200, "GET", "/v1/weddings/"+g.w+"/campaigns/"+id, g.owner, nil)
		if ok(a) {
			return a
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("campaign %s: %s", id, a.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(a answer, key string) int { return num(a.body[key]) }

// gone is how many of a campaign's messages Meta accepted, whatever their
// statuses have made of them since.
func gone(a answer) int { return count(a, "sent") + count(a, "delivered") + count(a, "read") }

// accepted is how many messages the sandbox accepted for each phone.
func (r *campaignRig) accepted() map[string]int {
	out := map[string]int{}
	for _, m := range r.sb.AllAccepted() {
		out[m.To]++
	}
	return out
}

// A 1,000-household invitation reaches every household whose contact
// opted in exactly once (counted by the sandbox), and skips and counts the
// others; each message carries its campaign's correlation id.
func TestHTTP_CampaignSandbox_EachHouseholdOnce(t *testing.T) {
	r := newCampaignRig(t, sandbox.Config{MPS: 2000}, actors.PacerConfig{MPS: 2000}, actors.MessagingConfig{})
	g := r.guestList("camp-once", 1000, 950, 20)
	c := r.startCampaign(g, "wedding_invite")
	sk := c.body["skipped"].(map[string]any)
	if count(c, "total") != 950 || sk["do_not_message"] != 20.0 || sk["no_consent"] != 30.0 || sk["no_phone"] != 0.0 {
		t.Fatalf("created: %s", c.raw)
	}
	done := r.waitFor(g, c.str("id"), 60*time.Second, func(a answer) bool { return a.str("state") == "done" })
	if count(done, "queued") != 0 || gone(done) != 950 {
		t.Fatalf("done: %s", done.raw)
	}
	got := r.accepted()
	for i, p := range g.phones {
		want := 0
		if i < 950 {
			want = 1
		}
		if got[p] != want {
			t.Errorf("household %d (%s): %d messages, want %d", i, p, got[p], want)
		}
	}
	if len(got) != 950 {
		t.Errorf("%d phones messaged, want 950", len(got))
	}
	msgs := r.list("/v1/weddings/"+g.w+"/messages?campaign="+c.str("id"), g.owner, 1000)
	if len(msgs) != 950 {
		t.Fatalf("%d messages listed", len(msgs))
	}
	corr := done.str("correlation_id")
	for _, m := range msgs {
		if m["wamid"] == "" || m["correlation_id"] != corr || corr == "" || m["status"] == "queued" {
			t.Fatalf("message %v (campaign correlation %q)", m, corr)
		}
	}
}

// The sandbox accepts a quarter of what the engine is configured to send:
// its 130429 answers slow the engine down; nothing is lost or sent twice.
func TestHTTP_CampaignSandbox_RateLimitBursts(t *testing.T) {
	r := newCampaignRig(t, sandbox.Config{MPS: 100}, actors.PacerConfig{MPS: 400}, actors.MessagingConfig{MaxAttempts: 8})
	g := r.guestList("camp-429", 400, 400, 0)
	c := r.startCampaign(g, "wedding_invite")
	done := r.waitFor(g, c.str("id"), 60*time.Second, func(a answer) bool { return a.str("state") == "done" })
	if gone(done) != 400 || count(done, "failed") != 0 {
		t.Fatalf("done: %s", done.raw)
	}
	st := r.sb.Stats()
	if st.RateLimited == 0 {
		t.Fatalf("the sandbox never answered 130429: the test did not test backoff (%+v)", st)
	}
	for p, n := range r.accepted() {
		if n != 1 {
			t.Errorf("%s got %d messages", p, n)
		}
	}
	t.Logf("%d answers of 130429 for 400 messages; pace now %.0f/s", st.RateLimited, r.pacer.Rate())
}

// A fresh account's tier of 250: the plan shows four waves a day apart,
// and exactly 250 households are messaged in the first window.
func TestHTTP_CampaignSandbox_Tier(t *testing.T) {
	r := newCampaignRig(t, sandbox.Config{MPS: 2000}, actors.PacerConfig{MPS: 2000, Tier: 250}, actors.MessagingConfig{})
	g := r.guestList("camp-tier", 1000, 1000, 0)
	r.pacer.Backoff(time.Second) // hold the first sends, to read the plan as created
	c := r.startCampaign(g, "wedding_invite")
	a := r.must(200, "GET", "/v1/weddings/"+g.w+"/campaigns/"+c.str("id"), g.owner, nil)
	plan := a.body["plan"].(map[string]any)
	waves := plan["waves"].([]any)
	if len(waves) != 4 || plan["now"] != 250.0 || plan["waiting_for_tier"] != 750.0 {
		t.Fatalf("plan at creation: %s", a.raw)
	}
	var prev time.Time
	for i, w := range waves {
		at, err := time.Parse(time.RFC3339Nano, w.(map[string]any)["at"].(string))
		if err != nil || w.(map[string]any)["units"] != 250.0 {
			t.Fatalf("wave %d: %v", i, w)
		}
		if i > 0 && (at.Sub(prev) < 24*time.Hour-time.Minute || at.Sub(prev) > 24*time.Hour+time.Minute) {
			t.Errorf("wave %d at %v, %v after the one before", i, at, at.Sub(prev))
		}
		prev = at
	}
	a = r.waitFor(g, c.str("id"), 30*time.Second, func(a answer) bool { return gone(a) == 250 })
	time.Sleep(300 * time.Millisecond) // nothing more may leave
	a = r.must(200, "GET", "/v1/weddings/"+g.w+"/campaigns/"+c.str("id"), g.owner, nil)
	plan = a.body["plan"].(map[string]any)
	if gone(a) != 250 || count(a, "queued") != 750 || a.str("state") != "running" ||
		plan["now"] != 0.0 || plan["waiting_for_tier"] != 750.0 || len(plan["waves"].([]any)) != 3 {
		t.Fatalf("after the first window's sends: %s", a.raw)
	}
	if n := len(r.accepted()); n != 250 {
		t.Fatalf("the sandbox accepted %d households in the first window, want 250", n)
	}
	// The list gives each campaign the plan GET of one gives.
	items := r.must(200, "GET", "/v1/weddings/"+g.w+"/campaigns", g.owner, nil).items()
	if len(items) != 1 || len(obj(obj(items[0])["plan"])["waves"].([]any)) != 3 || obj(obj(items[0])["plan"])["waiting_for_tier"] != 750.0 {
		t.Fatalf("the list: %v", items)
	}
}

// Pause stops new sends, resume finishes, cancel ends for good.
func TestHTTP_CampaignSandbox_PauseResumeCancel(t *testing.T) {
	r := newCampaignRig(t, sandbox.Config{MPS: 80}, actors.PacerConfig{MPS: 50, PairInterval: 10 * time.Millisecond}, actors.MessagingConfig{})
	g := r.guestList("camp-pause", 150, 150, 0)
	id := r.startCampaign(g, "wedding_invite").str("id")
	base := "/v1/weddings/" + g.w + "/campaigns/" + id
	r.waitFor(g, id, 10*time.Second, func(a answer) bool { return gone(a) >= 10 })
	if a := r.must(200, "POST", base+"/pause", g.owner, nil); a.str("state") != "paused" {
		t.Fatalf("pause: %s", a.raw)
	}
	time.Sleep(200 * time.Millisecond) // sends under way finish
	before := gone(r.must(200, "GET", base, g.owner, nil))
	time.Sleep(400 * time.Millisecond)
	a := r.must(200, "GET", base, g.owner, nil)
	if gone(a) != before || before >= 150 || len(r.accepted()) != before {
		t.Fatalf("paused, yet sending: %d then %s (sandbox %d)", before, a.raw, len(r.accepted()))
	}
	r.must(200, "POST", base+"/resume", g.owner, nil)
	r.waitFor(g, id, 20*time.Second, func(a answer) bool { return a.str("state") == "done" && gone(a) == 150 })

	id2 := r.startCampaign(g, "rsvp_reminder").str("id")
	r.waitFor(g, id2, 10*time.Second, func(a answer) bool { return gone(a) >= 5 })
	if a := r.must(200, "POST", "/v1/weddings/"+g.w+"/campaigns/"+id2+"/cancel", g.owner, nil); a.str("state") != "cancelled" {
		t.Fatalf("cancel: %s", a.raw)
	}
	time.Sleep(200 * time.Millisecond)
	n := len(r.sb.AllAccepted())
	time.Sleep(400 * time.Millisecond)
	if m := len(r.sb.AllAccepted()); m != n || m >= 300 {
		t.Fatalf("sends after cancel: %d then %d", n, m)
	}
	wantError(t, r.call("POST", "/v1/weddings/"+g.w+"/campaigns/"+id2+"/resume", g.owner, nil), 409, "campaign_state")
}

// A template Meta refuses (132001: not in that language, or not approved)
// is the campaign's problem, not one guest's: it pauses with the code in
// its reason, and no message is lost.
func TestHTTP_CampaignSandbox_TemplateRefused(t *testing.T) {
	extra := whatsapp.TemplateSpec{Name: "save_the_date", Language: "en", Params: []string{whatsapp.ParamGuestName},
		Buttons: []string{"Yes", "No"}, Body: "Dear {{1}}, save the date!"}
	r := newCampaignRig(t, sandbox.Config{MPS: 500}, actors.PacerConfig{MPS: 500},
		actors.MessagingConfig{Templates: append(whatsapp.DefaultTemplates(), extra)})
	g := r.guestList("camp-tpl", 20, 20, 0)
	id := r.startCampaign(g, "save_the_date").str("id")
	a := r.waitFor(g, id, 10*time.Second, func(a answer) bool { return a.str("state") == "paused" })
	if !strings.Contains(a.str("reason"), "132001") || count(a, "queued") != 20 || count(a, "failed") != 0 || len(r.accepted()) != 0 {
		t.Fatalf("paused: %s", a.raw)
	}
	msgs := r.list("/v1/weddings/"+g.w+"/messages?campaign="+id, g.owner, 100)
	var withCode int
	for _, m := range msgs {
		if e, ok := m["error"].(map[string]any); ok && e["code"] == "132001" {
			withCode++
		}
	}
	if withCode == 0 {
		t.Fatalf("no message carries Meta's code: %v", msgs)
	}
}

// The sandbox's status webhooks (duplicated, reordered, some failed) come
// back signed, are stored, and move each message forward exactly as
// in-order, duplicate-free delivery would: every message ends read, or
// failed with Meta's code, and its history holds each step once.
func TestHTTP_CampaignSandbox_StatusesApplied(t *testing.T) {
	r := newCampaignRig(t, sandbox.Config{MPS: 2000, FailRate: 0.1, DuplicateRate: 0.3, ReorderRate: 0.5, Delay: -1},
		actors.PacerConfig{MPS: 2000}, actors.MessagingConfig{})
	g := r.guestList("camp-status", 200, 200, 0)
	id := r.startCampaign(g, "wedding_invite").str("id")
	a := r.waitFor(g, id, 30*time.Second, func(a answer) bool {
		return a.str("state") == "done" && count(a, "read")+count(a, "failed") == 200
	})
	if count(a, "failed") == 0 || count(a, "read") == 0 || count(a, "sent")+count(a, "delivered")+count(a, "queued") != 0 {
		t.Fatalf("after the webhooks: %s", a.raw)
	}
	st := r.sb.Stats()
	t.Logf("%d webhooks posted for 200 messages; %d failed, %d read", st.WebhooksSent, count(a, "failed"), count(a, "read"))
	for _, m := range r.list("/v1/weddings/"+g.w+"/messages?campaign="+id, g.owner, 1000) {
		seen := map[string]int{}
		for _, h := range m["history"].([]any) {
			seen[h.(map[string]any)["status"].(string)]++
		}
		for s, n := range seen {
			if n > 1 {
				t.Fatalf("message %s: %s %d times in its history: %v", m["id"], s, n, m["history"])
			}
		}
		switch m["status"] {
		case "read":
			if seen["sent"] != 1 || seen["read"] != 1 {
				t.Fatalf("a read message's history: %v", m["history"])
			}
		case "failed":
			if e, _ := m["error"].(map[string]any); e == nil || e["code"] == "" {
				t.Fatalf("a failed message without Meta's code: %v", m)
			}
		default:
			t.Fatalf("message %v", m)
		}
	}
}

// Guests answer by tapping the invitation's quick replies (the sandbox
// plays them): each tap becomes the household's RSVP, source whatsapp, and
// the headcount shows it; a forged payload answers nothing.
func TestHTTP_CampaignSandbox_ButtonRepliesBecomeRSVPs(t *testing.T) {
	r := newCampaignRig(t, sandbox.Config{MPS: 2000, Delay: -1}, actors.PacerConfig{MPS: 2000}, actors.MessagingConfig{})
	g := r.guestList("camp-reply", 30, 30, 0)
	id := r.startCampaign(g, "wedding_invite").str("id")
	r.waitFor(g, id, 20*time.Second, func(a answer) bool { return a.str("state") == "done" })
	want := map[string]string{}
	for i := range 30 {
		button := []string{"Yes", "No", "Maybe"}[i%3]
		if _, err := r.sb.Reply(t.Context(), sandbox.ReplyRequest{From: g.phones[i], Button: button}); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		want[g.phones[i]] = strings.ToLower(button)
	}
	// A forged tap: a payload in the engine's shape, with a MAC it did not make.
	forged := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"messages":[{"from":"` + strings.TrimPrefix(g.phones[0], "+") + `","id":"wamid.forged1","timestamp":"1999999999","type":"button","button":{"payload":"rsvp:` + g.w + `/` + id + `.0:no:AAAAAAAAAAAA","text":"No"}}]}}]}]}`)
	if a := r.call("POST", "/webhooks/whatsapp", "", forged, whatsapp.SignatureHeader, whatsapp.Sign("rig-app-secret", forged)); a.status != 200 {
		t.Fatalf("forged (but signed) body: %d %s", a.status, a.raw)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rsvps := r.list("/v1/weddings/"+g.w+"/rsvps?event="+g.event, g.owner, 1000)
		got := 0
		for _, rv := range rsvps {
			if rv["source"] == "whatsapp" {
				got++
			}
		}
		if got == 30 {
			byUnit := map[string]string{}
			for _, rv := range rsvps {
				byUnit[rv["unit_id"].(string)] = rv["status"].(string)
			}
			units := r.list("/v1/weddings/"+g.w+"/units", g.owner, 1000)
			for _, u := range units {
				phone := u["members"].([]any)[0].(map[string]any)["phone"].(string)
				if w, ok := want[phone]; ok && byUnit[u["id"].(string)] != w {
					t.Fatalf("household %s (%s): %s, want %s", u["id"], phone, byUnit[u["id"].(string)], w)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 30 replies applied", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	hc := r.must(200, "GET", "/v1/weddings/"+g.w+"/headcount", g.owner, nil)
	ev := hc.body["events"].([]any)[0].(map[string]any)
	if ev["yes_units"] != 10.0 || ev["no_units"] != 10.0 || ev["maybe_units"] != 10.0 || ev["pending_units"] != 0.0 {
		t.Fatalf("headcount: %s", hc.raw)
	}
	if c := r.must(200, "GET", "/v1/weddings/"+g.w+"/campaigns/"+id, g.owner, nil); count(c, "replied") != 30 {
		t.Fatalf("campaign: %s", c.raw)
	}
}

// Typed replies (English, Hinglish, a count, a thumbs-up reaction) answer
// the invitation the guest got; a question is kept for a person; STOP opts
// the guest out.
func TestHTTP_CampaignSandbox_TypedReplies(t *testing.T) {
	r := newCampaignRig(t, sandbox.Config{MPS: 2000, Delay: -1}, actors.PacerConfig{MPS: 2000}, actors.MessagingConfig{})
	g := r.guestList("camp-typed", 6, 6, 0)
	id := r.startCampaign(g, "wedding_invite").str("id")
	r.waitFor(g, id, 20*time.Second, func(a answer) bool { return a.str("state") == "done" })
	replies := []string{"haan ji, hum 2 log aayenge", "nahi aa payenge, sorry", "shayad", "kitne baje hai?", "STOP", "yes"}
	for i, text := range replies {
		if _, err := r.sb.Reply(t.Context(), sandbox.ReplyRequest{From: g.phones[i], Text: text}); err != nil {
			t.Fatalf("reply %q: %v", text, err)
		}
	}
	want := map[string]string{g.phones[0]: "yes", g.phones[1]: "no", g.phones[2]: "maybe", g.phones[3]: "pending", g.phones[4]: "pending", g.phones[5]: "yes"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := map[string]string{}
		units := r.list("/v1/weddings/"+g.w+"/units", g.owner, 100)
		for _, u := range units {
			p := u["members"].([]any)[0].(map[string]any)["phone"].(string)
			for _, iv := range u["invitations"].([]any) {
				got[p] = iv.(map[string]any)["status"].(string)
			}
		}
		consent := r.must(200, "GET", "/v1/weddings/"+g.w+"/people/"+g.persons[4]+"/consent", g.owner, nil)
		done := consent.str("status") == "opted_out"
		for p, w := range want {
			done = done && got[p] == w
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("answers %v, want %v; consent of the one who said STOP: %s", got, want, consent.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The question waits for a person, who answers for the guest.
	items := r.must(200, "GET", "/v1/weddings/"+g.w+"/attention", g.owner, nil).items()
	if len(items) != 1 || obj(items[0])["text"] != "kitne baje hai?" {
		t.Fatalf("attention: %v", items)
	}
	a := r.must(200, "POST", "/v1/weddings/"+g.w+"/attention/"+obj(items[0])["id"].(string)+"/resolve", g.owner,
		map[string]any{"rsvps": []any{map[string]any{"event_id": g.event, "status": "yes", "headcount": 1}}})
	if rs := a.body["rsvps"].([]any); len(rs) != 1 || obj(rs[0])["status"] != "yes" {
		t.Fatalf("resolved: %s", a.raw)
	}
	if items := r.must(200, "GET", "/v1/weddings/"+g.w+"/attention", g.owner, nil).items(); len(items) != 0 {
		t.Fatalf("attention after resolving: %v", items)
	}
}
