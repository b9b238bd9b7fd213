package httpapi_test

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Cases the equivalence test found, each on its own: the final state must
// be the one in-order delivery gives.

// A delivered or read status that comes before the send's answer (with
// the engine's callback data), for a household that then answers: in
// order (sent first) the answer counts; here it must too.
func TestHTTP_WebhookOrder_ReadBeforeSendAnswerThenAnswer(t *testing.T) {
	base := time.Now().Unix() + 30
	st := func(u int, s string, dt int64) planned {
		return planned{unit: u, kind: noteStatus, status: s, ts: base + dt}
	}
	plans := []householdPlan{
		// read before the send's answer, then a typed "haan ji" without context
		{notes: []planned{st(0, "sent", 1), st(0, "read", 3), {unit: 0, kind: noteText, ts: base + 10, k: 2, text: 3}}, early: []int{1}},
		// delivered before the send's answer, then a tap on Maybe
		{notes: []planned{st(1, "sent", 21), st(1, "delivered", 22), {unit: 1, kind: noteTap, ts: base + 30, k: 2, button: 2}}, early: []int{1}},
	}
	run := newOrderRun(t, newOrderRig(t), "probe-early", plans, false)
	run.deliverShuffled(t, rand.New(rand.NewPCG(1, 3)))
	run.check(t, "read before the send's answer")
}

// The equivalence test's random plan, with delivered and read before the
// send's answer for households that answer too.
func TestHTTP_WebhookOrder_ReadBeforeSendAnswerRandom(t *testing.T) {
	seed := orderSeed(t)
	plans := newOrderPlan(rand.New(rand.NewPCG(seed, 1)), orderHouseholds, time.Now().Unix()+30, orderOptions{answeredEarly: true})
	run := newOrderRun(t, newOrderRig(t), "probe-early-random", plans, false)
	run.deliverShuffled(t, rand.New(rand.NewPCG(seed, 3)))
	run.check(t, "shuffled")
}

// Meta's order sent, delivered, failed (a second device, WHATSAPP.md §4):
// in order the message stays delivered (failed is history only); the
// failed status arriving before the delivered one must not change that.
func TestHTTP_WebhookOrder_FailedBeforeDelivered(t *testing.T) {
	base := time.Now().Unix() + 30
	plans := []householdPlan{{notes: []planned{
		{unit: 0, kind: noteStatus, status: "sent", ts: base + 1},
		{unit: 0, kind: noteStatus, status: "delivered", ts: base + 2},
		{unit: 0, kind: noteStatus, status: "failed", ts: base + 3}}, late: []int{1}}}
	run := newOrderRun(t, newOrderRig(t), "probe-failed", plans, false)
	run.deliverShuffled(t, rand.New(rand.NewPCG(1, 3)))
	run.check(t, "failed before delivered")
}

// In order, sent, delivered, failed; then, after a restart, an operator's
// replay: the history must still hold failed once, and nothing be
// journaled.
func TestHTTP_WebhookOrder_FailedAfterDeliveredRestartReplay(t *testing.T) {
	from := time.Now().Add(-time.Second)
	base := time.Now().Unix() + 30
	plans := []householdPlan{{notes: []planned{
		{unit: 0, kind: noteStatus, status: "sent", ts: base + 1},
		{unit: 0, kind: noteStatus, status: "delivered", ts: base + 2},
		{unit: 0, kind: noteStatus, status: "failed", ts: base + 3}}}}
	r := newOrderRig(t)
	run := newOrderRun(t, r, "probe-failed-restart", plans, true)
	run.deliverInOrder(t, rand.New(rand.NewPCG(1, 2)))
	run.check(t, "in order")
	seq := num(r.must(200, "GET", "/v1/weddings/"+run.g.w+"/headcount", run.g.owner, nil).body["seq"])
	r.restart(t)
	r.must(200, "POST", "/v1/admin/inbox/replay", r.root, map[string]any{"from": from.UTC().Format(time.RFC3339)})
	run.check(t, "replayed after a restart")
	if seq2 := num(r.must(200, "GET", "/v1/weddings/"+run.g.w+"/headcount", run.g.owner, nil).body["seq"]); seq2 != seq {
		t.Errorf("the replay moved the wedding's sequence: %d → %d", seq, seq2)
	}
}

// An authentic payload of another wedding of this engine, tapped from a
// phone that wedding never messaged, quoting this wedding's invitation:
// it answers nothing.
func TestHTTP_WebhookOrder_OtherWeddingsPayload(t *testing.T) {
	r := newOrderRig(t)
	a := r.guestList("probe-a", 1, 1, 0)
	r.waitFor(a, r.startCampaign(a, "wedding_invite").str("id"), 20*time.Second, func(x answer) bool { return x.str("state") == "done" })
	bw, bo := r.newWedding("probe-b")
	be := r.event(bw, bo, "Mehndi", "2026-12-10T18:00:00+05:30")
	bu := r.unit(bw, bo, unitBody("B family", "bride", nil, phone(90000)))
	r.must(200, "POST", "/v1/weddings/"+bw+"/invitations", bo, map[string]any{"event_ids": []string{be}, "all": true})
	pid := r.must(200, "GET", "/v1/weddings/"+bw+"/units/"+bu, bo, nil).members()[0]
	r.must(200, "PUT", "/v1/weddings/"+bw+"/people/"+pid+"/consent", bo, map[string]any{"status": "opted_in", "source": "card"})
	b := &guestList{w: bw, owner: bo, event: be}
	r.waitFor(b, r.must(202, "POST", "/v1/weddings/"+bw+"/campaigns", bo, map[string]any{"kind": "invite", "event_ids": []string{be},
		"audience": map[string]any{"all": true}, "template": map[string]any{"name": "wedding_invite", "language": "en"}}).str("id"),
		20*time.Second, func(x answer) bool { return x.str("state") == "done" })
	accA, accB := r.sb.Accepted(a.phones[0])[0], r.sb.Accepted(e164(90000))[0]
	accA.Buttons = accB.Buttons // A's guest, quoting A's invitation, taps with B's Yes payload
	r.mustPost(t, 200, metaBody(rand.New(rand.NewPCG(1, 1)), []metaItem{planned{kind: noteTap, ts: time.Now().Unix(), k: 9}.render(accA)}))
	r.mustSettle(t)
	for _, rv := range r.list("/v1/weddings/"+bw+"/rsvps", bo, 10) {
		if rv["status"] != "pending" {
			t.Errorf("wedding B's household answered by a phone B never messaged: %v; unroutable: %v", rv, r.inbox("unroutable"))
		}
	}
	if len(r.inbox("unroutable")) == 0 {
		t.Errorf("the foreign tap was not kept as unroutable")
	}
}
