package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// Webhook order (issue 12): Meta-shaped bodies of every kind of
// WHATSAPP.md §3, posted over real HTTP to an engine on real Pebble, in
// any order, duplicated, batched, before the send's answer, forged or
// broken. Reference: API.md "WhatsApp webhook": the final state must equal
// the state that in-order, duplicate-free delivery gives.
//
// The sandbox here posts no webhooks of its own: the test is Meta's only
// voice, and knows everything Meta said.
//
// ORDER_SEED=<n> replays a run whose seed a failure logged.

// orderSecret signs the webhooks the tests post.
const orderSecret = "order-app-secret"

// orderRig is a campaignRig whose sandbox posts no webhooks, and whose
// Graph API can run a hook between accepting a send and answering it.
type orderRig struct {
	*campaignRig
	dir string                 // the engine's data
	mc  actors.MessagingConfig // its sender and pacer
	// beforeAnswer, when set, runs for each message the sandbox accepted,
	// before the engine gets the send's answer.
	beforeAnswer atomic.Pointer[func(sandbox.Accepted)]
	// posted counts the bodies the engine answered 200.
	posted atomic.Int64
}

func newOrderRig(t *testing.T) *orderRig {
	t.Helper()
	const token = "order-access-token"
	sb, err := sandbox.New(sandbox.Config{MPS: 2000, AccessToken: token})
	if err != nil {
		t.Fatal(err)
	}
	o := &orderRig{}
	serve := sb.Handler()
	graph := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		serve(ctx)
		hook := o.beforeAnswer.Load()
		if hook == nil || !ctx.IsPost() || ctx.Response.StatusCode() != fasthttp.StatusOK {
			return
		}
		var ans struct {
			Messages []struct {
				ID string `json:"id"`
			} `json:"messages"`
		}
		if json.Unmarshal(ctx.Response.Body(), &ans) != nil || len(ans.Messages) != 1 {
			return
		}
		for _, a := range sb.AllAccepted() {
			if a.WAMID == ans.Messages[0].ID {
				(*hook)(a)
				return
			}
		}
	}}
	sln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = graph.Serve(sln) }()
	client, err := whatsapp.NewClient(whatsapp.Config{BaseURL: "http://" + sln.Addr().String(),
		PhoneNumberID: sandbox.DefaultPhoneNumberID, AccessToken: token})
	if err != nil {
		t.Fatal(err)
	}
	pacer := actors.NewPacer(actors.PacerConfig{MPS: 2000})
	t.Cleanup(func() {
		pacer.Close()
		_ = sb.Close()
		_ = graph.Shutdown()
	})
	o.dir = t.TempDir()
	o.mc = actors.MessagingConfig{Sender: client, Pacer: pacer, RetryBase: 20 * time.Millisecond, RetryMax: 500 * time.Millisecond}
	s := newTestServerWith(t, httpapi.Config{WebhookAppSecret: orderSecret}, serverOptions{dir: o.dir, engine: actors.Config{Messaging: o.mc}})
	o.campaignRig = &campaignRig{testServer: s, sb: sb, pacer: pacer}
	return o
}

// restart stops the engine and starts another on its data, with the same
// root token, sender and pacer: what it knew only in memory is gone.
func (r *orderRig) restart(t *testing.T) {
	t.Helper()
	r.stop()
	r.testServer = newTestServerWith(t, httpapi.Config{WebhookAppSecret: orderSecret},
		serverOptions{dir: r.dir, root: r.root, engine: actors.Config{Messaging: r.mc}})
}

// post signs body and posts it to the webhook, without failing the test
// (hooks post from the sandbox's goroutines).
func (r *orderRig) post(body []byte) (answer, error) {
	a, err := r.try("POST", "/webhooks/whatsapp", "", body, whatsapp.SignatureHeader, whatsapp.Sign(orderSecret, body))
	if err == nil && a.status == 200 {
		r.posted.Add(1)
	}
	return a, err
}

// mustPost posts a signed body and fails the test unless it gets want.
func (r *orderRig) mustPost(t *testing.T, want int, body []byte) answer {
	t.Helper()
	a, err := r.post(body)
	if err != nil {
		t.Fatal(err)
	}
	if a.status != want {
		t.Fatalf("webhook: status %d, want %d: %s\nbody: %s", a.status, want, a.raw, body)
	}
	return a
}

// settled waits (at most d) until the inbox holds no body still to be
// processed.
func (r *orderRig) settled(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		a, err := r.try("GET", "/v1/admin/inbox?state=received&limit=1", r.root, nil)
		switch {
		case err != nil:
			return err
		case a.status != 200:
			return fmt.Errorf("inbox: %d %s", a.status, a.raw)
		case len(a.items()) == 0:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("the inbox still holds unprocessed bodies after %v: %s", d, a.raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *orderRig) mustSettle(t *testing.T) {
	t.Helper()
	if err := r.settled(15 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// inbox lists the stored bodies in state.
func (r *orderRig) inbox(state string) []map[string]any {
	r.t.Helper()
	return r.list("/v1/admin/inbox?state="+state, r.root, 1000)
}

// inboxCounts counts the stored bodies in each state.
func (r *orderRig) inboxCounts() map[string]int {
	r.t.Helper()
	out := map[string]int{}
	for _, s := range []string{"received", "processed", "unroutable", "unprocessable"} {
		out[s] = len(r.inbox(s))
	}
	return out
}

// What Meta says, planned before the campaign leaves so that both the
// hook and the deliveries know it.

type noteKind int

const (
	noteStatus noteKind = iota // statuses[] (§3.7)
	noteTap                    // a template quick reply, type "button" (§3.6)
	noteButton                 // an interactive reply button (§3.4)
	noteList                   // an interactive list row (§3.5)
	noteText                   // typed text (§3.3)
)

// planned is one notification about household unit's invitation.
type planned struct {
	unit   int
	kind   noteKind
	ts     int64  // Meta's timestamp, unix seconds
	status string // noteStatus: sent, delivered, read, failed
	// Statuses: optional parts of §3.7.
	conversation, pricing, noCallback bool
	failure                           int // failed: index into orderFailures
	k                                 int // a reply's number, for its id
	button                            int // taps: 0 Yes, 1 No, 2 Maybe
	text                              int // noteText: index into orderTexts
	quote                             bool
}

// orderTexts are typed replies, with what they say (domain/reply_test.go).
var orderTexts = []struct {
	text, answer string
	count        int
}{
	{"nahi", "no", 0}, {"yes, 2 of us", "yes", 2}, {"shayad", "maybe", 0}, {"haan ji", "yes", 0},
	{"2", "no", 0}, {"3", "maybe", 0}, {"sirf 2 log", "yes", 2},
}

// orderFailures are Meta's errors of failed statuses (WHATSAPP.md §3.7, D).
var orderFailures = []struct {
	code         int
	title, extra string
}{
	{131026, "Message undeliverable", "Message Undeliverable."},
	{131049, "This message was not delivered to maintain healthy ecosystem engagement.",
		"In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},
}

var orderAnswers = []string{"yes", "no", "maybe"}

// answer is what a reply says: yes, no or maybe, and a count (0: none).
func (n planned) answer() (string, int) {
	if n.kind == noteText {
		return orderTexts[n.text].answer, orderTexts[n.text].count
	}
	return orderAnswers[n.button], 0
}

// householdPlan is what Meta says about one household's invitation.
type householdPlan struct {
	notes []planned // in the order things happened
	// early are notes (statuses) that come before the send's answer, in
	// this order; late are notes that come after all the others.
	early, late []int
}

// orderOptions vary newOrderPlan.
type orderOptions struct {
	// answeredEarly lets households that answer get a delivered or read
	// status before the send's answer; otherwise only a household that
	// never answers does (those that answer may get sent early).
	answeredEarly bool
}

// newOrderPlan plans n households' statuses and replies; their
// timestamps start at base. Per household: sent then failed, or sent,
// delivered (skipped when read at once) and read (unless read receipts
// are off); then no reply, a tap, a tap then a typed reply, a tap then a
// newer tap, or a typed reply only.
func newOrderPlan(rng *rand.Rand, n int, base int64, opts orderOptions) []householdPlan {
	plans := make([]householdPlan, n)
	for i := range plans {
		h := &plans[i]
		t0 := base + int64(i)*20
		status := func(s string, dt int64) {
			h.notes = append(h.notes, planned{unit: i, kind: noteStatus, status: s, ts: t0 + dt,
				conversation: s == "sent" && rng.IntN(2) == 0, pricing: s != "failed" && rng.IntN(2) == 0,
				noCallback: s != "sent" && rng.IntN(5) == 0})
		}
		status("sent", 1)
		if rng.IntN(10) == 0 {
			status("failed", 2)
			h.notes[1].failure = rng.IntN(len(orderFailures))
			switch rng.IntN(4) {
			case 0:
				h.early = []int{1}
			case 1:
				h.early = []int{0}
			}
			earlyCallbacks(rng, h)
			continue
		}
		delivered, read := -1, -1
		if rng.IntN(10) != 0 {
			delivered = len(h.notes)
			status("delivered", 2)
		}
		if rng.IntN(5) != 0 {
			read = len(h.notes)
			status("read", 3)
		}
		reply := func(kind noteKind, dt int64) {
			h.notes = append(h.notes, planned{unit: i, kind: kind, ts: t0 + dt, k: len(h.notes),
				button: rng.IntN(3), text: rng.IntN(len(orderTexts)), quote: rng.IntN(2) == 0})
		}
		tap := func(dt int64) {
			kind := noteTap
			switch rng.IntN(5) {
			case 0:
				kind = noteButton
			case 1:
				kind = noteList
			}
			reply(kind, dt)
		}
		first := len(h.notes)
		switch r := rng.IntN(10); {
		case r < 2: // no answer
		case r < 6:
			tap(10)
		case r < 8:
			tap(10)
			reply(noteText, 15)
			if rng.IntN(2) == 0 {
				h.late = append(h.late, first) // the older tap after the newer text
			}
		case r < 9:
			tap(10)
			tap(15)
			h.late = append(h.late, first) // the older tap after the newer one
		default:
			reply(noteText, 10)
		}
		// Read before delivered: the delivered status comes last.
		if delivered >= 0 && read >= 0 && rng.IntN(4) == 0 {
			h.late = append(h.late, delivered)
		}
		// Statuses before the send's answer, for about a household in five.
		if rng.IntN(5) == 0 {
			switch {
			case first < len(h.notes) && !opts.answeredEarly:
				h.early = []int{0}
			case read >= 0 && delivered >= 0 && !slices.Contains(h.late, delivered):
				h.early = [][]int{{read}, {read, delivered}, {delivered}}[rng.IntN(3)]
			case read >= 0:
				h.early = []int{read}
			case delivered >= 0:
				h.early = []int{delivered}
			default:
				h.early = []int{0}
			}
			earlyCallbacks(rng, h)
		}
	}
	return plans
}

// earlyCallbacks decides which early statuses carry the engine's callback
// data (its message id: they apply at once) and which only Meta's wamid
// (the engine does not know it yet: they wait for the send's answer).
func earlyCallbacks(rng *rand.Rand, h *householdPlan) {
	for _, e := range h.early {
		h.notes[e].noCallback = rng.IntN(3) == 0
	}
}

// orderWant is the state in-order, duplicate-free delivery gives one
// household: its message's status (API.md: sent < delivered < read;
// failed replaces sent, never delivered or read) and its RSVP (the
// newest answer by Meta's timestamp).
type orderWant struct {
	status, code string
	rsvp         string
	headcount    int
	answeredAt   int64 // 0: never answered
}

func (h householdPlan) want(seats int) orderWant {
	rank := map[string]int{"sent": 1, "delivered": 2, "read": 3}
	best, failed := 1, -1
	var last *planned
	for i := range h.notes {
		n := &h.notes[i]
		switch {
		case n.kind == noteStatus && n.status == "failed":
			failed = n.failure
		case n.kind == noteStatus:
			best = max(best, rank[n.status])
		case last == nil || n.ts > last.ts:
			last = n
		}
	}
	w := orderWant{status: []string{"", "sent", "delivered", "read"}[best], rsvp: "pending"}
	if best < 2 && failed >= 0 {
		w.status, w.code = "failed", strconv.Itoa(orderFailures[failed].code)
	}
	if last != nil {
		ans, count := last.answer()
		w.rsvp, w.answeredAt = ans, last.ts
		if ans == "yes" {
			w.headcount = seats
			if count > 0 {
				w.headcount = min(count, seats)
			}
		}
	}
	return w
}

// js is s as a JSON string.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// metaItem is one notification rendered as Meta sends it: an element of
// a value's statuses[] or messages[], with the guest's phone (digits) for
// value.contacts.
type metaItem struct {
	json   []byte
	status bool
	phone  string
}

// render is n about message a (the household's invitation, as the sandbox
// accepted it), shaped as WHATSAPP.md §3.3–3.7 show.
func (n planned) render(a sandbox.Accepted) metaItem {
	digits := strings.TrimPrefix(a.To, "+")
	var b bytes.Buffer
	if n.kind == noteStatus {
		fmt.Fprintf(&b, `{"id":%s,"status":%s,"timestamp":"%d","recipient_id":%s`, js(a.WAMID), js(n.status), n.ts, js(digits))
		if !n.noCallback {
			fmt.Fprintf(&b, `,"biz_opaque_callback_data":%s`, js(a.CallbackData))
		}
		if n.conversation {
			fmt.Fprintf(&b, `,"conversation":{"id":"c0f8a9d41c3b6e1f%04d","expiration_timestamp":"%d","origin":{"type":"utility"}}`, n.unit, n.ts+86400)
		}
		if n.pricing {
			b.WriteString(`,"pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"utility"}`)
		}
		if n.status == "failed" {
			f := orderFailures[n.failure]
			fmt.Fprintf(&b, `,"errors":[{"code":%d,"title":%s,"message":%s,"error_data":{"details":%s},`+
				`"href":"/documentation/business-messaging/whatsapp/support/error-codes"}]`, f.code, js(f.title), js(f.title), js(f.extra))
		}
		b.WriteByte('}')
		return metaItem{json: b.Bytes(), status: true, phone: digits}
	}
	b.WriteByte('{')
	if n.kind != noteText || n.quote {
		fmt.Fprintf(&b, `"context":{"from":%s,"id":%s},`, js(sandbox.DefaultDisplayNumber), js(a.WAMID))
	}
	fmt.Fprintf(&b, `"from":%s,"id":"wamid.HBgMOTE5ODc2NQ.order.%d.%d","timestamp":"%d",`, js(digits), n.unit, n.k, n.ts)
	c := a.Buttons[n.button]
	switch n.kind {
	case noteTap:
		fmt.Fprintf(&b, `"type":"button","button":{"payload":%s,"text":%s}}`, js(c.ID), js(c.Title))
	case noteButton:
		fmt.Fprintf(&b, `"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":%s,"title":%s}}}`, js(c.ID), js(c.Title))
	case noteList:
		fmt.Fprintf(&b, `"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":%s,"title":%s,"description":"for the Sangeet"}}}`, js(c.ID), js(c.Title))
	default:
		fmt.Fprintf(&b, `"type":"text","text":{"body":%s}}`, js(orderTexts[n.text].text))
	}
	return metaItem{json: b.Bytes(), phone: digits}
}

// metaBody wraps items in Meta's envelope (WHATSAPP.md §3.1, §3.8): split
// over up to three entries, each entry's over up to two changes, each
// change's statuses and messages in their arrays, with contacts naming the
// guests (always for messages, as v24+ does for some statuses).
func metaBody(rng *rand.Rand, items []metaItem) []byte {
	var b bytes.Buffer
	b.WriteString(`{"object":"whatsapp_business_account","entry":[`)
	for e, entry := range cut(rng, items, 3) {
		if e > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%s,"changes":[`, js(sandbox.DefaultBusinessAccountID))
		for c, change := range cut(rng, entry, 2) {
			if c > 0 {
				b.WriteByte(',')
			}
			writeChange(&b, rng, change)
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func writeChange(b *bytes.Buffer, rng *rand.Rand, items []metaItem) {
	fmt.Fprintf(b, `{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":%s,"phone_number_id":%s}`,
		js(sandbox.DefaultDisplayNumber), js(sandbox.DefaultPhoneNumberID))
	var msgs, sts [][]byte
	var phones []string
	withContacts := rng.IntN(2) == 0
	for _, it := range items {
		if it.status {
			sts = append(sts, it.json)
		} else {
			msgs = append(msgs, it.json)
			withContacts = true
		}
		if !slices.Contains(phones, it.phone) {
			phones = append(phones, it.phone)
		}
	}
	if withContacts {
		b.WriteString(`,"contacts":[`)
		for i, p := range phones {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, `{"profile":{"name":"Guest %s"},"wa_id":%s}`, p[len(p)-4:], js(p))
		}
		b.WriteByte(']')
	}
	for _, arr := range []struct {
		name  string
		items [][]byte
	}{{"messages", msgs}, {"statuses", sts}} {
		if len(arr.items) == 0 {
			continue
		}
		fmt.Fprintf(b, `,%s:[%s]`, js(arr.name), bytes.Join(arr.items, []byte(",")))
	}
	b.WriteString(`},"field":"messages"}`)
}

// cut splits items into 1 to at most parts non-empty runs.
func cut[T any](rng *rand.Rand, items []T, parts int) [][]T {
	k := 1 + rng.IntN(min(parts, len(items)))
	at := rng.Perm(len(items) - 1)[:k-1]
	slices.Sort(at)
	var out [][]T
	from := 0
	for _, c := range at {
		out = append(out, items[from:c+1])
		from = c + 1
	}
	return append(out, items[from:])
}

// orderRun is one wedding of a plan, its campaign sent to a rig.
type orderRun struct {
	r        *orderRig
	g        *guestList
	plans    []householdPlan
	campaign string
	acc      []sandbox.Accepted // each household's invitation
	seats    []int
	// early counts the statuses posted before their send's answer;
	// applied, those seen applied before it (the others, without callback
	// data, wait for it).
	early, applied atomic.Int64
	// lagged counts the households whose early statuses showed in the
	// messages read only after the inbox had marked their bodies
	// processed (reads may trail the inbox by a moment).
	lagged atomic.Int64
}

// newOrderRun creates a wedding of len(plans) households, all opted in,
// and sends them an invitation; Meta's statuses marked early are posted
// (each in its own body, and applied) before the engine gets the send's
// answer. In order, the first status (sent) comes early instead.
func newOrderRun(t *testing.T, r *orderRig, slug string, plans []householdPlan, inOrder bool) *orderRun {
	t.Helper()
	run := &orderRun{r: r, plans: plans}
	run.g = r.guestList(slug, len(plans), len(plans), 0)
	household := map[string]int{}
	for i, p := range run.g.phones {
		household[p] = i
	}
	// hooks: a household's statuses may finish its message (read) before
	// the send's answer, so the campaign can be done while its hook still
	// runs; the run waits for them all.
	var hooks sync.WaitGroup
	hook := func(a sandbox.Accepted) {
		hooks.Add(1)
		defer hooks.Done()
		i, ok := household[a.To]
		if !ok {
			return
		}
		early := run.earlyOf(i, inOrder)
		if len(early) == 0 {
			return
		}
		rng := rand.New(rand.NewPCG(uint64(i), 0))
		for _, e := range early {
			n := plans[i].notes[e]
			if ans, err := r.post(metaBody(rng, []metaItem{n.render(a)})); err != nil || ans.status != 200 {
				t.Errorf("household %d: status %s before the send's answer: %v %d %s", i, n.status, err, ans.status, ans.raw)
				return
			}
			run.early.Add(1)
		}
		want := plans[i].notes[early[0]].status // the plans put the highest first
		if err := r.settled(10 * time.Second); err != nil {
			t.Errorf("household %d: %v", i, err)
			return
		}
		for _, e := range early {
			if plans[i].notes[e].noCallback {
				return // Meta's wamid alone names no message the engine knows yet
			}
		}
		// The send's answer has not come (it waits for this hook): the
		// message is what its statuses made it, with Meta's wamid. Read
		// views may trail the inbox's marks: poll, bounded.
		var last any
		for deadline, polls := time.Now().Add(5*time.Second), 0; ; polls++ {
			a2, err := r.try("GET", "/v1/weddings/"+run.g.w+"/messages?limit=1000", run.g.owner, nil)
			if err != nil || a2.status != 200 {
				t.Errorf("household %d: messages: %v %s", i, err, a2.raw)
				return
			}
			for _, m := range a2.items() {
				if m := obj(m); m["wamid"] == a.WAMID || m["phone"] == a.To {
					last = m
					if m["wamid"] == a.WAMID && m["status"] == want {
						run.applied.Add(int64(len(early)))
						if polls > 0 {
							run.lagged.Add(1)
						}
						return
					}
				}
			}
			if time.Now().After(deadline) {
				t.Errorf("household %d: before the send's answer, statuses %v made the message %v, want %s with wamid %s", i, early, last, want, a.WAMID)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	r.beforeAnswer.Store(&hook)
	run.campaign = r.startCampaign(run.g, "wedding_invite").str("id")
	r.waitFor(run.g, run.campaign, 20*time.Second, func(a answer) bool { return a.str("state") == "done" })
	hooks.Wait()
	r.beforeAnswer.Store(nil)
	run.acc = make([]sandbox.Accepted, len(plans))
	for i, p := range run.g.phones {
		acc := r.sb.Accepted(p)
		if len(acc) != 1 {
			t.Fatalf("household %d (%s): the sandbox accepted %d messages, want 1", i, p, len(acc))
		}
		run.acc[i] = acc[0]
		var titles []string
		for _, b := range acc[0].Buttons {
			if b.ID == "" {
				t.Fatalf("household %d: a quick reply without the engine's payload: %+v", i, acc[0])
			}
			titles = append(titles, strings.ToLower(b.Title))
		}
		if !slices.Equal(titles, orderAnswers) || acc[0].CallbackData == "" {
			t.Fatalf("household %d: the invitation's quick replies are %v (callback %q), want %v", i, titles, acc[0].CallbackData, orderAnswers)
		}
	}
	run.seats = make([]int, len(plans))
	units := map[string]int{}
	for _, m := range r.list("/v1/weddings/"+run.g.w+"/messages?campaign="+run.campaign, run.g.owner, 1000) {
		units[m["unit_id"].(string)] = household[m["phone"].(string)]
	}
	for _, rv := range r.list("/v1/weddings/"+run.g.w+"/rsvps?event="+run.g.event, run.g.owner, 1000) {
		run.seats[units[rv["unit_id"].(string)]] = num(rv["seats"])
	}
	return run
}

// earlyOf are the notes of household i that come before the send's answer.
func (run *orderRun) earlyOf(i int, inOrder bool) []int {
	early := run.plans[i].early
	if inOrder && len(early) > 0 {
		return []int{0} // what Meta says first: sent
	}
	return early
}

// deliverInOrder posts every note not posted early, one a body, one body
// at a time, by Meta's timestamp.
func (run *orderRun) deliverInOrder(t *testing.T, rng *rand.Rand) {
	t.Helper()
	var all []planned
	for i, h := range run.plans {
		for j, n := range h.notes {
			if !slices.Contains(run.earlyOf(i, true), j) {
				all = append(all, n)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b planned) int { return int(a.ts - b.ts) })
	for _, n := range all {
		run.r.mustPost(t, 200, metaBody(rng, []metaItem{n.render(run.acc[n.unit])}))
	}
	t.Logf("in order: %d statuses before their send's answer (%d seen applied before it, %d households of them only after their body was marked processed), then %d notifications, one a body",
		run.early.Load(), run.applied.Load(), run.lagged.Load(), len(all))
}

// deliverShuffled posts every note not posted early, and a fifth as
// many redeliveries of any note, shuffled, batched 1–8 a body over
// several entries and changes, four bodies at a time; then, once those
// are applied, the late notes and some more redeliveries.
func (run *orderRun) deliverShuffled(t *testing.T, rng *rand.Rand) {
	t.Helper()
	var all, main, late []metaItem
	for i, h := range run.plans {
		for j, n := range h.notes {
			it := n.render(run.acc[i])
			all = append(all, it)
			switch {
			case slices.Contains(h.late, j):
				late = append(late, it)
			case !slices.Contains(h.early, j):
				main = append(main, it)
			}
		}
	}
	unique := len(main) + len(late)
	for range len(all) / 5 {
		main = append(main, all[rng.IntN(len(all))])
	}
	rng.Shuffle(len(main), func(i, j int) { main[i], main[j] = main[j], main[i] })
	bodies := batch(rng, main)
	run.postAll(t, bodies)
	run.r.mustSettle(t)
	for range 5 {
		late = append(late, all[rng.IntN(len(all))])
	}
	rng.Shuffle(len(late), func(i, j int) { late[i], late[j] = late[j], late[i] })
	lateBodies := batch(rng, late)
	run.postAll(t, lateBodies)
	t.Logf("shuffled: %d statuses before their send's answer (%d seen applied before it, %d households of them only after their body was marked processed), then %d notifications (%d redeliveries) in %d bodies, %d of them late",
		run.early.Load(), run.applied.Load(), run.lagged.Load(), len(main)+len(late), len(main)+len(late)-unique, len(bodies)+len(lateBodies), len(late))
}

// batch groups items 1–8 a body.
func batch(rng *rand.Rand, items []metaItem) [][]byte {
	var bodies [][]byte
	for i := 0; i < len(items); {
		n := min(1+rng.IntN(8), len(items)-i)
		bodies = append(bodies, metaBody(rng, items[i:i+n]))
		i += n
	}
	return bodies
}

// postAll posts bodies, four at a time; each must be answered 200.
func (run *orderRun) postAll(t *testing.T, bodies [][]byte) {
	t.Helper()
	var next atomic.Int64
	var mu sync.Mutex
	var errs []string
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				a, err := run.r.post(bodies[i])
				if err != nil || a.status != 200 {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("%v %d %s", err, a.status, a.raw))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d bodies refused: %v", len(errs), len(bodies), errs[0])
	}
}

// diffs compares the wedding's state, as its read routes show it, with
// what in-order, duplicate-free delivery of the plan gives.
func (run *orderRun) diffs() []string {
	r, g := run.r, run.g
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	household := map[string]int{}
	for i, p := range g.phones {
		household[p] = i
	}
	wants := make([]orderWant, len(run.plans))
	var counts = map[string]int{}
	replied := 0
	for i, h := range run.plans {
		wants[i] = h.want(run.seats[i])
		counts[wants[i].status]++
		counts["rsvp "+wants[i].rsvp]++
		if wants[i].rsvp == "yes" {
			counts["yes_headcount"] += wants[i].headcount
		}
		if wants[i].answeredAt != 0 {
			replied++
		}
	}
	units := map[string]int{}
	msgs := r.list("/v1/weddings/"+g.w+"/messages?campaign="+run.campaign, g.owner, 1000)
	if len(msgs) != len(run.plans) {
		bad("%d messages listed, want %d", len(msgs), len(run.plans))
	}
	for _, m := range msgs {
		i, ok := household[m["phone"].(string)]
		if !ok {
			bad("a message to %v", m["phone"])
			continue
		}
		units[m["unit_id"].(string)] = i
		w := wants[i]
		code := ""
		if e := obj(m["error"]); e != nil {
			code, _ = e["code"].(string)
		}
		if m["status"] != w.status || w.code != "" && code != w.code || m["wamid"] != run.acc[i].WAMID {
			bad("household %d: message %v %s (error %q), want %s (error %q); its notes %s", i, m["status"], m["wamid"], code, w.status, w.code, run.describe(i))
		}
		seen := map[string]bool{}
		for _, h := range m["history"].([]any) {
			s := obj(h)["status"].(string)
			if seen[s] {
				bad("household %d: %s twice in the message's history %v", i, s, m["history"])
			}
			seen[s] = true
		}
		if !seen[w.status] {
			bad("household %d: the message's history %v lacks its status %s", i, m["history"], w.status)
		}
	}
	rsvps := r.list("/v1/weddings/"+g.w+"/rsvps?event="+g.event, g.owner, 1000)
	if len(rsvps) != len(run.plans) {
		bad("%d rsvps listed, want %d", len(rsvps), len(run.plans))
	}
	for _, rv := range rsvps {
		i, ok := units[rv["unit_id"].(string)]
		if !ok {
			bad("an rsvp of unit %v, which no message went to", rv["unit_id"])
			continue
		}
		w := wants[i]
		var at int64
		if s, _ := rv["answered_at"].(string); s != "" {
			if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
				at = tm.Unix()
			}
		}
		switch {
		case rv["status"] != w.rsvp || num(rv["headcount"]) != w.headcount:
		case w.answeredAt != 0 && (rv["source"] != "whatsapp" || at != w.answeredAt):
		default:
			continue
		}
		bad("household %d: rsvp %v (headcount %v, source %v, answered %v), want %s (headcount %d, answered %d); its notes %s",
			i, rv["status"], rv["headcount"], rv["source"], at, w.rsvp, w.headcount, w.answeredAt, run.describe(i))
	}
	c := r.must(200, "GET", "/v1/weddings/"+g.w+"/campaigns/"+run.campaign, g.owner, nil)
	for _, k := range []string{"queued", "sent", "delivered", "read", "failed", "in_doubt"} {
		if count(c, k) != counts[k] {
			bad("campaign: %s %d, want %d", k, count(c, k), counts[k])
		}
	}
	if count(c, "replied") != replied {
		bad("campaign: replied %d, want %d", count(c, "replied"), replied)
	}
	hc := r.must(200, "GET", "/v1/weddings/"+g.w+"/headcount", g.owner, nil)
	ev := obj(hc.body["events"].([]any)[0])
	for k, want := range map[string]int{"yes_units": counts["rsvp yes"], "no_units": counts["rsvp no"],
		"maybe_units": counts["rsvp maybe"], "pending_units": counts["rsvp pending"], "yes_headcount": counts["yes_headcount"]} {
		if num(ev[k]) != want {
			bad("headcount: %s %d, want %d", k, num(ev[k]), want)
		}
	}
	return out
}

// describe says what Meta said about household i, in order.
func (run *orderRun) describe(i int) string {
	h := run.plans[i]
	var parts []string
	for j, n := range h.notes {
		var s string
		switch n.kind {
		case noteStatus:
			s = n.status
		case noteText:
			s = fmt.Sprintf("text %q", orderTexts[n.text].text)
			if n.quote {
				s += " quoting"
			}
		default:
			s = fmt.Sprintf("%s %s", []string{"", "tap", "button", "list"}[n.kind], orderAnswers[n.button])
		}
		s += "@" + strconv.FormatInt(n.ts, 10)
		if slices.Contains(h.early, j) {
			s += " (before the send's answer)"
		}
		if slices.Contains(h.late, j) {
			s += " (late)"
		}
		parts = append(parts, s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// check waits for the inbox to settle, then for the state to equal the
// plan's (each read is a poll, bounded; the processor may lag its
// marks), and that nothing was kept unapplied.
func (run *orderRun) check(t *testing.T, name string) {
	t.Helper()
	run.r.mustSettle(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := run.diffs()
		if len(d) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the state differs from in-order, duplicate-free delivery's (%d differences):\n%s", name, len(d), strings.Join(d[:min(len(d), 20)], "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, s := range []string{"unroutable", "unprocessable"} {
		if kept := run.r.inbox(s); len(kept) > 0 {
			t.Fatalf("%s: %d bodies kept as %s, e.g. %v", name, len(kept), s, kept[0])
		}
	}
}

// orderSeed is ORDER_SEED, else a random seed; either way logged.
func orderSeed(t *testing.T) uint64 {
	t.Helper()
	seed := rand.Uint64()
	if v := os.Getenv("ORDER_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ORDER_SEED: %v", err)
		}
		seed = s
	}
	t.Logf("seed %d (ORDER_SEED=%d replays it)", seed, seed)
	return seed
}

// orderHouseholds is the size of the equivalence tests' weddings.
const orderHouseholds = 40

// The same notifications of every kind (statuses sent, delivered, read,
// failed with Meta's errors, with conversation and pricing; template
// quick-reply taps, interactive buttons and list rows carrying the
// engine's payloads; typed replies, quoting or not), delivered to two
// engines: to one in order, each once, one a body; to the other
// shuffled, a fifth twice, batched over entries and changes, with read
// before delivered and an older answer after a newer one. Some statuses
// come before the send's answer, to both. Both end in the state the
// in-order delivery should give (the test's own oracle): each message at
// its highest status, each RSVP the household's newest answer.
func TestHTTP_WebhookOrder_Equivalence(t *testing.T) {
	seed := orderSeed(t)
	base := time.Now().Unix() + 30 // Meta's clock, after the sends
	plans := newOrderPlan(rand.New(rand.NewPCG(seed, 1)), orderHouseholds, base, orderOptions{answeredEarly: true})

	inOrder := newOrderRun(t, newOrderRig(t), "order-in-order", plans, true)
	inOrder.deliverInOrder(t, rand.New(rand.NewPCG(seed, 2)))
	inOrder.check(t, "in order")

	shuffled := newOrderRun(t, newOrderRig(t), "order-shuffled", plans, false)
	shuffled.deliverShuffled(t, rand.New(rand.NewPCG(seed, 3)))
	shuffled.check(t, "shuffled")
}

// After the shuffled delivery, an operator's replay of every stored body
// changes nothing, neither at once nor after a restart (as after a fix:
// whatever the engine remembered in memory is gone): the same state, no
// change journaled (the wedding's sequence stands still), and each answer
// recorded once in the audit.
func TestHTTP_WebhookOrder_ReplayIdempotent(t *testing.T) {
	seed := orderSeed(t)
	from := time.Now().Add(-time.Second)
	plans := newOrderPlan(rand.New(rand.NewPCG(seed, 1)), orderHouseholds, time.Now().Unix()+30, orderOptions{answeredEarly: true})
	r := newOrderRig(t)
	run := newOrderRun(t, r, "order-replay", plans, false)
	run.deliverShuffled(t, rand.New(rand.NewPCG(seed, 3)))
	run.check(t, "shuffled")

	g := run.g
	state := func() (seq int, msgs []byte, audit []map[string]any) {
		seq = num(r.must(200, "GET", "/v1/weddings/"+g.w+"/headcount", g.owner, nil).body["seq"])
		msgs, _ = json.Marshal(r.list("/v1/weddings/"+g.w+"/messages?campaign="+run.campaign, g.owner, 1000))
		return seq, msgs, r.list("/v1/weddings/"+g.w+"/audit", g.owner, 1000)
	}
	seq, msgs, audit := state()
	posted := r.posted.Load()
	for _, restart := range []bool{false, true} {
		name := "replayed"
		if restart {
			r.restart(t)
			name = "replayed after a restart"
		}
		a := r.must(200, "POST", "/v1/admin/inbox/replay", r.root, map[string]any{"from": from.UTC().Format(time.RFC3339)})
		if int64(num(a.body["queued"])) != posted {
			t.Fatalf("%s: %s, want %d bodies queued", name, a.raw, posted)
		}
		run.check(t, name)
		seq2, msgs2, audit2 := state()
		if seq2 != seq || !bytes.Equal(msgs2, msgs) || len(audit2) != len(audit) {
			t.Fatalf("%s: the wedding changed: seq %d → %d, %d → %d audit entries\nmessages before: %s\nafter: %s",
				name, seq, seq2, len(audit), len(audit2), msgs, msgs2)
		}
	}
	// Each answer once: no two recorded RSVPs of a household carry the
	// same WhatsApp timestamp.
	type key struct{ unit, at string }
	seen, answers := map[key]bool{}, 0
	for _, e := range audit {
		d := obj(e["detail"])
		if e["kind"] != "rsvp_recorded" || d["source"] != "whatsapp" {
			continue
		}
		k := key{d["unit_id"].(string), d["answered_at"].(string)}
		if seen[k] {
			t.Fatalf("the answer of %v recorded twice in the audit", k)
		}
		seen[k] = true
		answers++
	}
	if answers == 0 {
		t.Fatal("no answer in the audit")
	}
	t.Logf("replayed %d bodies twice; %d answers recorded once each; seq %d", posted, answers, seq)
}

// oneChange is a body of one entry with one change of field and value
// (WHATSAPP.md §3.1).
func oneChange(field, value string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"` + sandbox.DefaultBusinessAccountID +
		`","changes":[{"value":` + value + `,"field":"` + field + `"}]}]}`)
}

// messagesValue is a messages value with items in its array (messages or
// statuses), as the sandbox's number gets them.
func messagesValue(array string, items ...string) string {
	return `{"messaging_product":"whatsapp","metadata":{"display_phone_number":"` + sandbox.DefaultDisplayNumber +
		`","phone_number_id":"` + sandbox.DefaultPhoneNumberID + `"},"` + array + `":[` + strings.Join(items, ",") + `]}`
}

// Reference: API.md "WhatsApp webhook", WHATSAPP.md §2, §3.10, §3.11.
// Bodies with a bad signature are refused (401) and not stored; signed
// bodies that are not JSON are refused (400) and kept as unprocessable;
// forged or foreign button payloads and statuses of messages this engine
// never sent answer nothing and are kept as unroutable; every other valid
// JSON (media, stickers, removed reactions, echoes, forwards, template
// updates, system errors, fields and types Meta may add) is taken (200)
// and answers nothing. Through it all the engine keeps working.
func TestHTTP_WebhookOrder_SignaturesAndJunk(t *testing.T) {
	r := newOrderRig(t)
	g := r.guestList("order-junk", 6, 6, 0)
	id := r.startCampaign(g, "wedding_invite").str("id")
	r.waitFor(g, id, 20*time.Second, func(a answer) bool { return a.str("state") == "done" })
	acc := make([]sandbox.Accepted, len(g.phones))
	digits := make([]string, len(g.phones))
	for i, p := range g.phones {
		acc[i] = r.sb.Accepted(p)[0]
		digits[i] = strings.TrimPrefix(p, "+")
	}
	// Another engine (its own payload key) sent its own invitation.
	other := newOrderRig(t)
	og := other.guestList("order-foreign", 1, 1, 0)
	other.waitFor(og, other.startCampaign(og, "wedding_invite").str("id"), 20*time.Second, func(a answer) bool { return a.str("state") == "done" })
	foreign := other.sb.Accepted(og.phones[0])[0]
	w2, _ := r.newWedding("order-junk-other")

	ts := time.Now().Unix()
	tap := func(i int, payload, text string) string {
		ts++
		return fmt.Sprintf(`{"context":{"from":%s,"id":%s},"from":%s,"id":"wamid.junk.%d","timestamp":"%d","type":"button","button":{"payload":%s,"text":%s}}`,
			js(sandbox.DefaultDisplayNumber), js(acc[i].WAMID), js(digits[i]), ts, ts, js(payload), js(text))
	}
	inbound := func(i int, rest string) string {
		ts++
		return fmt.Sprintf(`{"from":%s,"id":"wamid.junk.%d","timestamp":"%d",%s}`, js(digits[i]), ts, ts, rest)
	}
	rsvpsPending := func() {
		t.Helper()
		for _, rv := range r.list("/v1/weddings/"+g.w+"/rsvps?event="+g.event, g.owner, 100) {
			if rv["status"] != "pending" {
				t.Fatalf("an RSVP changed: %v", rv)
			}
		}
	}

	// Bad signatures: 401, and nothing stored.
	r.mustSettle(t)
	before := r.inboxCounts()
	good := oneChange("messages", messagesValue("messages", tap(0, acc[0].Buttons[0].ID, "Yes")))
	altered := bytes.Replace(good, []byte(`"Yes"`), []byte(`"No!"`), 1)
	for name, c := range map[string]struct {
		body []byte
		sig  []string
	}{
		"no signature":           {good, nil},
		"another secret":         {good, []string{whatsapp.SignatureHeader, whatsapp.Sign("not-the-app-secret", good)}},
		"another body's":         {altered, []string{whatsapp.SignatureHeader, whatsapp.Sign(orderSecret, good)}},
		"no sha256= prefix":      {good, []string{whatsapp.SignatureHeader, strings.TrimPrefix(whatsapp.Sign(orderSecret, good), "sha256=")}},
		"sha1":                   {good, []string{whatsapp.SignatureHeader, "sha1=" + strings.TrimPrefix(whatsapp.Sign(orderSecret, good), "sha256=")[:40]}},
		"truncated":              {good, []string{whatsapp.SignatureHeader, whatsapp.Sign(orderSecret, good)[:40]}},
		"other header":           {good, []string{"X-Hub-Signature", whatsapp.Sign(orderSecret, good)}},
		"signed, then truncated": {good[:len(good)-2], []string{whatsapp.SignatureHeader, whatsapp.Sign(orderSecret, good)}},
		"empty body, good's sig": {[]byte{}, []string{whatsapp.SignatureHeader, whatsapp.Sign(orderSecret, good)}},
		"the empty body's sig":   {good, []string{whatsapp.SignatureHeader, whatsapp.Sign(orderSecret, nil)}},
	} {
		a := r.call("POST", "/webhooks/whatsapp", "", c.body, c.sig...)
		if a.status != 401 || a.errCode() != "unauthorized" {
			t.Errorf("%s: %d %s, want 401 unauthorized", name, a.status, a.raw)
		}
	}
	if after := r.inboxCounts(); !equalCounts(after, before) {
		t.Fatalf("bodies with bad signatures were stored: inbox %v, before %v", after, before)
	}

	// Signed, not JSON: 400, kept as unprocessable.
	broken := [][]byte{
		[]byte(`{"object":"whatsapp_business_account","entry":[`),
		[]byte(`haan ji aayenge`),
		append(bytes.Clone(good), "}"...),
		[]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1",}]}`),
	}
	for _, b := range broken {
		wantError(t, r.call("POST", "/webhooks/whatsapp", "", b, whatsapp.SignatureHeader, whatsapp.Sign(orderSecret, b)), 400, "invalid_json")
	}
	unprocessable := map[string]bool{}
	for _, it := range r.inbox("unprocessable") {
		why, _ := it["why"].(string)
		unprocessable[it["body"].(string)] = why != ""
	}
	for _, b := range broken {
		if !unprocessable[string(b)] {
			t.Errorf("not kept as unprocessable, with why: %s", b)
		}
	}

	// Forged and foreign button payloads, and statuses of messages this
	// engine never sent: each answers nothing and is kept as unroutable.
	yes, no := acc[1].Buttons[0].ID, acc[1].Buttons[1].ID
	mac := yes[strings.LastIndexByte(yes, ':')+1:]
	otherMAC := strings.Map(func(c rune) rune {
		if c == 'A' {
			return 'B'
		}
		return 'A'
	}, mac)
	index := yes[strings.IndexByte(yes, '/')+1:]
	index = index[:strings.IndexByte(index, ':')] // <campaign>.<index>
	forged := map[string][]byte{
		"a wrong MAC": oneChange("messages", messagesValue("messages", tap(1, strings.TrimSuffix(yes, mac)+otherMAC, "Yes"))),
		"another answer under the MAC of no": oneChange("messages", messagesValue("messages",
			tap(1, strings.Replace(no, ":no:", ":yes:", 1), "Yes"))),
		"another wedding under the MAC of this one": oneChange("messages", messagesValue("messages",
			tap(1, strings.Replace(yes, g.w+"/", w2+"/", 1), "Yes"))),
		"another message under the MAC of this one": oneChange("messages", messagesValue("messages",
			tap(1, strings.Replace(yes, index+":", acc[2].CallbackData[strings.IndexByte(acc[2].CallbackData, '/')+1:]+":", 1), "Yes"))),
		"no MAC": oneChange("messages", messagesValue("messages", tap(1, strings.TrimSuffix(yes, ":"+mac), "Yes"))),
		"another engine's payload, tapped": oneChange("messages", messagesValue("messages",
			fmt.Sprintf(`{"context":{"from":%s,"id":%s},"from":%s,"id":"wamid.junk.foreign1","timestamp":"%d","type":"button","button":{"payload":%s,"text":"Yes"}}`,
				js(sandbox.DefaultDisplayNumber), js(foreign.WAMID), js(digits[1]), ts, js(foreign.Buttons[0].ID)))),
		"another engine's payload as a reply button": oneChange("messages", messagesValue("messages",
			inbound(1, `"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":`+js(foreign.Buttons[1].ID)+`,"title":"No"}}`))),
		"a forged list row": oneChange("messages", messagesValue("messages",
			inbound(2, `"context":{"from":"`+sandbox.DefaultDisplayNumber+`","id":`+js(acc[2].WAMID)+`},"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":`+
				js("rsvp:"+acc[2].CallbackData+":maybe:"+otherMAC)+`,"title":"Maybe","description":"forged"}}`))),
		"another engine's status": oneChange("messages", messagesValue("statuses",
			fmt.Sprintf(`{"id":%s,"status":"read","timestamp":"%d","recipient_id":%s,"biz_opaque_callback_data":%s}`,
				js(foreign.WAMID), ts, js(digits[1]), js(foreign.CallbackData)))),
		"a status of an unknown wamid": oneChange("messages", messagesValue("statuses",
			fmt.Sprintf(`{"id":"wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSMDAwMDAwMDAwMDAwMDAwMDAA","status":"delivered","timestamp":"%d","recipient_id":%s}`, ts, js(digits[1])))),
		"this wedding's message under another's wamid": oneChange("messages", messagesValue("statuses",
			fmt.Sprintf(`{"id":%s,"status":"read","timestamp":"%d","recipient_id":%s,"biz_opaque_callback_data":%s}`,
				js(acc[2].WAMID), ts, js(digits[1]), js(acc[1].CallbackData)))),
	}
	for _, b := range forged {
		r.mustPost(t, 200, b)
	}

	// Valid JSON the engine does not act on: 200, stored, answers nothing.
	ignored := map[string][]byte{
		"an image, captioned yes": oneChange("messages", messagesValue("messages", inbound(2,
			`"context":{"from":"`+sandbox.DefaultDisplayNumber+`","id":`+js(acc[2].WAMID)+`},"type":"image","image":{"caption":"haan ji, aayenge","mime_type":"image/jpeg","sha256":"b1a2c3","id":"1479537139650973"}`))),
		"a sticker": oneChange("messages", messagesValue("messages", inbound(2,
			`"type":"sticker","sticker":{"mime_type":"image/webp","sha256":"d4e5f6","id":"1228831821404463","animated":false}`))),
		"a location": oneChange("messages", messagesValue("messages", inbound(2,
			`"type":"location","location":{"latitude":24.5854,"longitude":73.7125,"name":"Udaipur"}`))),
		"a removed reaction": oneChange("messages", messagesValue("messages", inbound(2,
			`"type":"reaction","reaction":{"message_id":`+js(acc[2].WAMID)+`}`))),
		"a forwarded yes": oneChange("messages", messagesValue("messages", inbound(3,
			`"context":{"forwarded":true},"type":"text","text":{"body":"yes"}`))),
		"an interactive without its object": oneChange("messages", messagesValue("messages", inbound(3,
			`"type":"interactive","errors":[{"code":131000,"title":"Something went wrong","message":"Something went wrong","error_data":{"details":"unsupported webhook payload"}}]`))),
		"an unsupported type": oneChange("messages", messagesValue("messages", inbound(3,
			`"type":"unsupported","errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown","error_data":{"details":"Message type is currently not supported."}}]`))),
		"a system message without from": oneChange("messages", messagesValue("messages",
			fmt.Sprintf(`{"id":"wamid.junk.system","timestamp":"%d","type":"system","system":{"body":"User changed their number","type":"user_changed_number","wa_id":"919000000001"}}`, ts))),
		"the business's own yes (an echo)": oneChange("smb_message_echoes", `{"messaging_product":"whatsapp","metadata":{"display_phone_number":"`+sandbox.DefaultDisplayNumber+
			`","phone_number_id":"`+sandbox.DefaultPhoneNumberID+`"},"message_echoes":[{"from":"`+sandbox.DefaultDisplayNumber+`","to":`+js(digits[4])+
			`,"id":"wamid.junk.echo","timestamp":"`+strconv.FormatInt(ts, 10)+`","type":"text","text":{"body":"Yes"}}]}`),
		"a template status update": oneChange("message_template_status_update",
			`{"event":"APPROVED","message_template_id":1689556908129832,"message_template_name":"wedding_invite","message_template_language":"en","reason":null}`),
		"a template category update": oneChange("template_category_update",
			`{"message_template_id":1689556908129832,"message_template_name":"rsvp_reminder","message_template_language":"hi","previous_category":"MARKETING","new_category":"UTILITY"}`),
		"system errors only": oneChange("messages", `{"messaging_product":"whatsapp","metadata":{"display_phone_number":"`+sandbox.DefaultDisplayNumber+
			`","phone_number_id":"`+sandbox.DefaultPhoneNumberID+`"},"errors":[{"code":130429,"title":"Rate limit hit","message":"Rate limit hit","error_data":{"details":"Cloud API message throughput has been reached."},"href":"/docs/whatsapp/cloud-api/support/error-codes/"}]}`),
		"a field Meta adds later": oneChange("calls", `{"messaging_product":"whatsapp","calls":[{"id":"wacid.1","event":"connect","timestamp":1788890000,"direction":"USER_INITIATED"}],"future":{"nested":[1,2,{"x":null}]}}`),
		"unknown members everywhere": []byte(`{"object":"whatsapp_business_account","api_version":"v99.0","entry":[{"id":"` + sandbox.DefaultBusinessAccountID +
			`","time":1788890000,"new_thing":[1],"changes":[{"value":` + messagesValue("messages", inbound(3, `"type":"sticker","sticker":{"id":"1"},"from_user_id":"IN.2081978709342942","future":true`)) +
			`,"field":"messages","since":"v99"}]}]}`),
		"a preference resume": oneChange("user_preferences", `{"messaging_product":"whatsapp","metadata":{"display_phone_number":"`+sandbox.DefaultDisplayNumber+
			`","phone_number_id":"`+sandbox.DefaultPhoneNumberID+`"},"contacts":[{"profile":{"name":"Guest"},"wa_id":`+js(digits[5])+`}],"user_preferences":[{"wa_id":`+js(digits[5])+
			`,"detail":"User requested to resume marketing messages","category":"marketing_messages","value":"resume","timestamp":`+strconv.FormatInt(ts, 10)+`}]}`),
		"an array":         []byte(`[]`),
		"null":             []byte(`null`),
		"a string":         []byte(`"whatsapp_business_account"`),
		"an empty object":  []byte(`{}`),
		"no entries":       []byte(`{"object":"whatsapp_business_account","entry":[]}`),
		"entries of junk":  []byte(`{"object":"whatsapp_business_account","entry":[1,"x",null,{"changes":7},{"changes":[null,{"field":"messages","value":[]}]}]}`),
		"statuses of junk": oneChange("messages", messagesValue("statuses", `1`, `{"status":"read"}`, `{"id":"wamid.x"}`, `null`)),
	}
	for _, b := range ignored {
		r.mustPost(t, 200, b)
	}
	// Statuses with parts the engine does not rank or know: a played
	// status is history only; unknown members of a status are ignored.
	played := oneChange("messages", messagesValue("statuses", fmt.Sprintf(
		`{"id":%s,"status":"played","timestamp":"%d","recipient_id":%s,"biz_opaque_callback_data":%s}`, js(acc[5].WAMID), ts, js(digits[5]), js(acc[5].CallbackData))))
	withUnknowns := oneChange("messages", messagesValue("statuses", fmt.Sprintf(
		`{"id":%s,"status":"delivered","timestamp":"%d","recipient_id":%s,"recipient_user_id":"IN.2081978709342942","recipient_identity_key_hash":"DF2lS5v2W6x=",`+
			`"biz_opaque_callback_data":%s,"pricing":{"billable":false,"pricing_model":"PMP","type":"free_customer_service","category":"service","future":1},"brand_new":{"a":[1]}}`,
		js(acc[3].WAMID), ts, js(digits[3]), js(acc[3].CallbackData))))
	r.mustPost(t, 200, played)
	r.mustPost(t, 200, withUnknowns)
	r.mustSettle(t)

	rsvpsPending()
	unroutable := map[string]string{}
	for _, it := range r.inbox("unroutable") {
		unroutable[it["body"].(string)], _ = it["why"].(string)
	}
	processed := map[string]bool{}
	for _, it := range r.inbox("processed") {
		processed[it["body"].(string)] = true
	}
	for name, b := range forged {
		if why, ok := unroutable[string(b)]; !ok || why == "" {
			t.Errorf("%s: not kept as unroutable, with why (why %q)", name, why)
		}
	}
	for name, b := range ignored {
		if _, kept := unroutable[string(b)]; !kept && !processed[string(b)] || unprocessable[string(b)] {
			t.Errorf("%s: not stored as processed or unroutable: %s", name, b)
		}
	}
	for _, m := range r.list("/v1/weddings/"+g.w+"/messages?campaign="+id, g.owner, 100) {
		want := "sent"
		if m["wamid"] == acc[3].WAMID {
			want = "delivered"
		}
		if m["status"] != want || m["error"] != nil {
			t.Errorf("message %v, want %s", m, want)
		}
	}
	if items := r.must(200, "GET", "/v1/weddings/"+g.w+"/attention", g.owner, nil).items(); len(items) != 0 {
		t.Errorf("attention: %v; nothing of these is a guest's answer", items)
	}

	// The engine still works: a real tap answers.
	r.mustPost(t, 200, oneChange("messages", messagesValue("messages", tap(0, acc[0].Buttons[1].ID, "No"))))
	r.mustSettle(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rv := r.list("/v1/weddings/"+g.w+"/rsvps?event="+g.event+"&status=no", g.owner, 100)
		if len(rv) == 1 && rv[0]["source"] == "whatsapp" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the real tap did not answer: %v", rv)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if a := r.call("GET", "/healthz", "", nil); a.status != 200 {
		t.Fatalf("healthz: %d %s", a.status, a.raw)
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}
