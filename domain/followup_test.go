package domain_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// A reply that changed an RSVP says what to send the guest: a yes without
// a count from a household of several seats asks how many (one list for
// events with the same seats, one per event where they differ); a counted
// yes, a no or a maybe is only confirmed; a reply that changed nothing,
// or came after its 24-hour window closed, is not followed up.
func TestRecordReply_FollowUp(t *testing.T) {
	f := newCampaignFixture(t)
	u0, u1 := f.units[0].ID, f.units[1].ID
	f.invite(u0, 4, f.sangeet, f.haldi) // same seats at both
	f.invite(u1, 3, f.sangeet)
	f.invite(u1, 2, f.haldi) // different seats
	c, err := f.create(admin, &domain.CreateCampaign{EventIDs: []string{f.sangeet, f.haldi}, Audience: domain.Audience{UnitIDs: []string{u0, u1}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Messages {
		f.must(domain.Root, &domain.BeginSend{CampaignID: c.ID, Index: i})
		f.must(domain.Root, &domain.RecordSend{CampaignID: c.ID, Index: i, Outcome: domain.SendOutcome{WAMID: "wamid." + c.Messages[i].UnitID}})
	}
	c = f.w.Campaign(c.ID)
	idx := map[string]int{c.Messages[0].UnitID: 0, c.Messages[1].UnitID: 1}
	reply := func(unit string, ans domain.RSVPStatus, count int32, event string, at domain.Instant) *domain.FollowUp {
		t.Helper()
		r := f.must(domain.Root, &domain.RecordReply{MessageID: c.MessageID(idx[unit]), Answer: ans, Count: count, EventID: event, At: at})
		return r.(domain.ReplyResult).FollowUp
	}
	now := f.w.LastAt

	fu := reply(u0, domain.Yes, 0, "", now)
	if fu == nil || len(fu.Ask) != 1 || fu.Ask[0].Seats != 4 || fu.Ask[0].EventID != "" || fu.Phone != c.Messages[idx[u0]].Phone ||
		!strings.Contains(fu.Ask[0].Events, "Sangeet") || !strings.Contains(fu.Ask[0].Events, "Haldi") {
		t.Fatalf("a yes from 4 seats at both events: %+v", fu)
	}
	if fu := reply(u0, domain.Yes, 0, "", now); fu != nil {
		t.Fatalf("the same yes again was followed up: %+v", fu)
	}
	if fu := reply(u0, domain.Yes, 3, "", now+1); fu == nil || len(fu.Ask) != 0 || !strings.Contains(fu.Text, "(3 people)") {
		t.Fatalf("a counted yes: %+v", fu)
	}

	fu = reply(u1, domain.Yes, 0, "", now+2)
	if fu == nil || len(fu.Ask) != 2 || fu.Ask[0].EventID == "" || fu.Ask[0].EventID == fu.Ask[1].EventID {
		t.Fatalf("a yes where the seats differ: %+v", fu)
	}
	// A pick from the Haldi list answers the Haldi only.
	if fu := reply(u1, domain.Yes, 2, f.haldi, now+3); fu == nil || !strings.Contains(fu.Text, "Haldi") || strings.Contains(fu.Text, "Sangeet") {
		t.Fatalf("a count for one event: %+v", fu)
	}
	if hc := f.unit(u1).Invitation(f.haldi).RSVP.Headcount; hc != 2 {
		t.Fatalf("haldi headcount %d, want 2", hc)
	}
	if fu := reply(u1, domain.No, 0, "", now+4); fu == nil || !strings.Contains(fu.Text, "cannot come") {
		t.Fatalf("a no: %+v", fu)
	}
	// A reply Meta delivers two days late: its window is closed.
	f.now += domain.Instant(48 * 3600 * 1e9)
	if fu := reply(u1, domain.Maybe, 0, "", now+5); fu != nil {
		t.Fatalf("a reply two days old was followed up: %+v", fu)
	}
}

// A typed count above the seats is recorded at the seats, told to the
// guest, and flagged on the attention list for the family.
func TestRecordTypedReply_CappedIsFlagged(t *testing.T) {
	f, c := sentCampaign(t)
	m := c.Messages[0]
	r := f.must(domain.Root, &domain.RecordTypedReply{Phone: m.Phone, Text: "haan ji, hum 9 log aayenge", At: f.w.LastAt, InboundID: "wamid.nine"}).(domain.TypedReplyResult)
	if r.Reply == nil || !r.Reply.Capped || r.Reply.FollowUp == nil || !strings.Contains(r.Reply.FollowUp.Text, "capped") {
		t.Fatalf("a count of 9: %+v", r)
	}
	inv := f.unit(m.UnitID).Invitation(f.sangeet)
	if inv.RSVP.Status != domain.Yes || inv.RSVP.Headcount != inv.Seats {
		t.Fatalf("rsvp %+v, want yes at the %d seats", inv.RSVP, inv.Seats)
	}
	if len(f.w.Attention) != 1 || f.w.Attention[0].UnitID != m.UnitID || !strings.Contains(f.w.Attention[0].Reason, "counted 9") {
		t.Fatalf("attention %+v", f.w.Attention)
	}
}
