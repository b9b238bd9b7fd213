package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// waitMessages waits until the sandbox accepted n messages for phone.
func (r *campaignRig) waitMessages(phone string, n int) []sandbox.Accepted {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := r.sb.Accepted(phone)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s got %d messages, want %d: %+v", phone, len(got), n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// unitRSVP is the household's RSVP for the rig's event: status, headcount.
func (r *campaignRig) unitRSVP(g *guestList, i int) (string, float64) {
	r.t.Helper()
	for _, rv := range r.list("/v1/weddings/"+g.w+"/rsvps?event="+g.event, g.owner, 1000) {
		u := r.must(200, "GET", "/v1/weddings/"+g.w+"/units/"+rv["unit_id"].(string), g.owner, nil)
		m := u.body["members"].([]any)[0].(map[string]any)
		if m["phone"] == g.phones[i] {
			h, _ := rv["headcount"].(float64)
			return rv["status"].(string), h
		}
	}
	return "", 0
}

// After a clear reply the guest is told what was recorded; a household of
// two that says yes without a count is asked how many, and its pick from
// the list sets the headcount (and is confirmed in turn).
func TestHTTP_CampaignSandbox_FollowUps(t *testing.T) {
	// (No pair limit: the count's confirmation would wait 6 s behind the
	// question, as on Meta.)
	r := newCampaignRig(t, sandbox.Config{MPS: 2000, Delay: -1}, actors.PacerConfig{MPS: 2000, PairInterval: time.Millisecond}, actors.MessagingConfig{})
	g := r.guestList("camp-follow", 4, 4, 0) // households 0 and 3 have two seats
	id := r.startCampaign(g, "wedding_invite").str("id")
	r.waitFor(g, id, 20*time.Second, func(a answer) bool { return a.str("state") == "done" })

	// Household 0 (two seats) taps Yes: it is asked how many.
	if _, err := r.sb.Reply(t.Context(), sandbox.ReplyRequest{From: g.phones[0], Button: "Yes"}); err != nil {
		t.Fatal(err)
	}
	ask := r.waitMessages(g.phones[0], 2)[1]
	if ask.Kind != "interactive" || len(ask.ListRows) != 2 || ask.ListRows[0].Title != "1 person" || ask.ListRows[1].Title != "2 people" ||
		!strings.Contains(ask.Text, "How many") {
		t.Fatalf("the count question: %+v", ask)
	}
	if _, err := r.sb.Reply(t.Context(), sandbox.ReplyRequest{From: g.phones[0], ListRow: "1 person"}); err != nil {
		t.Fatal(err)
	}
	done := r.waitMessages(g.phones[0], 3)[2]
	if done.Kind != "text" || !strings.Contains(done.Text, "noted yes for Sangeet (1 person)") {
		t.Fatalf("the confirmation after the count: %+v", done)
	}
	if st, h := r.unitRSVP(g, 0); st != "yes" || h != 1 {
		t.Fatalf("household 0: %s %v, want yes 1", st, h)
	}

	// Household 1 (one seat) taps No: a confirmation, no question.
	if _, err := r.sb.Reply(t.Context(), sandbox.ReplyRequest{From: g.phones[1], Button: "No"}); err != nil {
		t.Fatal(err)
	}
	if m := r.waitMessages(g.phones[1], 2)[1]; m.Kind != "text" || !strings.Contains(m.Text, "cannot come to Sangeet") {
		t.Fatalf("the confirmation of a no: %+v", m)
	}

	// Household 3 (two seats) types its count: confirmed, not asked.
	if _, err := r.sb.Reply(t.Context(), sandbox.ReplyRequest{From: g.phones[3], Text: "haan ji, hum 2 log aayenge"}); err != nil {
		t.Fatal(err)
	}
	if m := r.waitMessages(g.phones[3], 2)[1]; m.Kind != "text" || !strings.Contains(m.Text, "(2 people)") {
		t.Fatalf("the confirmation of a counted yes: %+v", m)
	}
	if st, h := r.unitRSVP(g, 3); st != "yes" || h != 2 {
		t.Fatalf("household 3: %s %v, want yes 2", st, h)
	}
}
