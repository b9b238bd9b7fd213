package domain_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parinayaos/engine/domain"
)

// sentCampaign is a campaign of three messages: 0 sent (wamid.A), 1 still
// sending, 2 in doubt after a crash.
func sentCampaign(t *testing.T) (*campaignFixture, *domain.Campaign) {
	f := newCampaignFixture(t)
	c, err := f.create(admin, &domain.CreateCampaign{EventIDs: []string{f.sangeet}, Audience: domain.Audience{UnitIDs: []string{f.units[0].ID, f.units[1].ID, f.units[2].ID}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		f.must(domain.Root, &domain.BeginSend{CampaignID: c.ID, Index: i})
	}
	f.must(domain.Root, &domain.RecordSend{CampaignID: c.ID, Index: 0, Outcome: domain.SendOutcome{WAMID: "wamid.A"}})
	f.must(domain.Root, &domain.RecordSend{CampaignID: c.ID, Index: 2, Outcome: domain.SendOutcome{InDoubt: true}})
	return f, f.w.Campaign(c.ID)
}

func TestRecordStatus_Rules(t *testing.T) {
	f, c := sentCampaign(t)
	st := func(msgIndex int, wamid, status string, at domain.Instant) (bool, error) {
		cmd := &domain.RecordStatus{WAMID: wamid, Status: status, At: t0 + at}
		if msgIndex >= 0 {
			cmd.MessageID = c.MessageID(msgIndex)
		}
		if status == "failed" {
			cmd.Error = &domain.MessageError{Code: "131026", Title: "Message undeliverable"}
		}
		changes, out, err := f.exec(domain.Root, cmd)
		if err != nil {
			return false, err
		}
		return len(changes) > 0 && out.(domain.StatusResult).Applied, nil
	}
	msg := func(i int) domain.Message { return f.w.Campaign(c.ID).Messages[i] }
	steps := []struct {
		name    string
		index   int
		wamid   string
		status  string
		at      domain.Instant
		applied bool
		want    domain.MessageStatus
		of      int
	}{
		{"read before delivered (by wamid)", -1, "wamid.A", "read", 30, true, domain.MessageRead, 0},
		{"delivered after read changes nothing", -1, "wamid.A", "delivered", 20, false, domain.MessageRead, 0},
		{"sent after read changes nothing", 0, "wamid.A", "sent", 10, false, domain.MessageRead, 0},
		{"failed after read is history only", 0, "wamid.A", "failed", 40, true, domain.MessageRead, 0},
		{"played is history only", 0, "wamid.A", "played", 50, true, domain.MessageRead, 0},
		{"a status settles a message still sending", 1, "wamid.B", "delivered", 5, true, domain.MessageDelivered, 1},
		{"a repeat changes nothing", 1, "wamid.B", "delivered", 5, false, domain.MessageDelivered, 1},
		{"the callback data settles an in-doubt message", 2, "wamid.C", "sent", 7, true, domain.MessageSent, 2},
		{"failed replaces sent", 2, "wamid.C", "failed", 8, true, domain.MessageFailed, 2},
		{"a repeated failure changes nothing", 2, "wamid.C", "failed", 9, false, domain.MessageFailed, 2},
	}
	for _, s := range steps {
		applied, err := st(s.index, s.wamid, s.status, s.at)
		if err != nil || applied != s.applied || msg(s.of).Status != s.want {
			t.Fatalf("%s: applied %v, err %v, message %+v; want applied %v, status %v", s.name, applied, err, msg(s.of), s.applied, s.want)
		}
	}
	if m := msg(1); m.WAMID != "wamid.B" {
		t.Fatalf("the settled message has wamid %q", m.WAMID)
	}
	if m := msg(2); m.Error == nil || m.Error.Code != "131026" {
		t.Fatalf("the failed message: %+v", m)
	}
	// The send's own answer, arriving after a status settled the message,
	// changes nothing: the message is sent once, as Meta said.
	changes, _, err := f.exec(domain.Root, &domain.RecordSend{CampaignID: c.ID, Index: 1, Outcome: domain.SendOutcome{WAMID: "wamid.B"}})
	if err != nil || len(changes) != 0 {
		t.Fatalf("a late send answer: %d changes, %v", len(changes), err)
	}
	// Every message has left the queue: the campaign is done.
	if s := f.w.Campaign(c.ID).State; s != domain.CampaignDone {
		t.Fatalf("campaign %v", s)
	}
	// The history keeps what arrived, in arrival order with Meta's times.
	h := msg(0).History
	if len(h) != 6 || h[1].Status != domain.MessageSending || h[3].Status != domain.MessageRead || h[4].Status != domain.MessageFailed || h[5].Name != "played" {
		t.Fatalf("history %+v", h)
	}
	// Forged or unknown: refused, nothing changes.
	for _, cmd := range []*domain.RecordStatus{
		{WAMID: "wamid.nobody", Status: "read"},
		{MessageID: c.MessageID(0), WAMID: "wamid.B", Status: "read"}, // another message's wamid
		{MessageID: "c999.0", Status: "read"},
	} {
		before := f.w.Seq
		if _, _, err := f.exec(domain.Root, cmd); err == nil || f.w.Seq != before {
			t.Errorf("%+v: err %v", cmd, err)
		}
	}
	if _, _, err := f.exec(admin, &domain.RecordStatus{WAMID: "wamid.A", Status: "read"}); err == nil {
		t.Errorf("an admin token recorded a WhatsApp status")
	}
}

// A tap on a message's quick reply answers that campaign's events the unit
// is invited to, ordered by the guest's own time.
func TestRecordReply(t *testing.T) {
	f, c := sentCampaign(t)
	u := c.Messages[0].UnitID
	reply := func(ans domain.RSVPStatus, count int32, at domain.Instant) domain.ReplyResult {
		t.Helper()
		return f.must(domain.Root, &domain.RecordReply{MessageID: c.MessageID(0), Answer: ans, Count: count, At: t0 + at}).(domain.ReplyResult)
	}
	r := reply(domain.Yes, 0, 100)
	inv := f.unit(u).Invitation(f.sangeet)
	if len(r.RSVPs) != 1 || inv.RSVP.Status != domain.Yes || inv.RSVP.Headcount != inv.Seats || inv.RSVP.Source != domain.SourceWhatsApp {
		t.Fatalf("after yes: %+v; rsvp %+v", r, inv.RSVP)
	}
	// An older answer, delivered late, changes nothing.
	if r := reply(domain.No, 0, 50); !r.RSVPs[0].Stale || f.unit(u).Invitation(f.sangeet).RSVP.Status != domain.Yes {
		t.Fatalf("an older no: %+v", r)
	}
	// A count above the seats is capped, and said so.
	if r := reply(domain.Yes, 99, 200); !r.Capped || f.unit(u).Invitation(f.sangeet).RSVP.Headcount != inv.Seats {
		t.Fatalf("yes 99: %+v", r)
	}
	// The same reply again changes nothing.
	before := f.w.Seq
	reply(domain.Yes, 99, 200)
	if f.w.Seq != before {
		t.Fatalf("a repeated reply changed the wedding")
	}
	if _, _, err := f.exec(admin, &domain.RecordReply{MessageID: c.MessageID(0), Answer: domain.No, At: t0 + 300}); err == nil {
		t.Fatalf("an admin recorded a guest's reply")
	}
	if _, _, err := f.exec(domain.Root, &domain.RecordReply{MessageID: "c999.0", Answer: domain.No, At: t0 + 300}); err == nil {
		t.Fatalf("a reply to no message")
	}
}

// A typed reply answers the newest message sent to that phone (or the one
// it quotes); STOP opts the phone out; an unclear one changes nothing.
func TestRecordTypedReply(t *testing.T) {
	f, c := sentCampaign(t)
	m := c.Messages[0]
	typed := func(text string, at domain.Instant) domain.TypedReplyResult {
		t.Helper()
		return f.must(domain.Root, &domain.RecordTypedReply{Phone: m.Phone, Text: text, At: t0 + at}).(domain.TypedReplyResult)
	}
	// (A count above the seats is flagged: TestRecordTypedReply_CappedIsFlagged.)
	if r := typed("haan ji, hum aayenge", 100); r.Unclear || r.MessageID != c.MessageID(0) || r.Reply == nil {
		t.Fatalf("a clear yes: %+v", r)
	}
	inv := f.unit(m.UnitID).Invitation(f.sangeet)
	if inv.RSVP.Status != domain.Yes || inv.RSVP.Headcount != inv.Seats || inv.RSVP.Source != domain.SourceWhatsApp {
		t.Fatalf("rsvp %+v", inv.RSVP)
	}
	// A question: no answer recorded; listed for a person, once.
	before := f.unit(m.UnitID).Invitation(f.sangeet).RSVP
	q := &domain.RecordTypedReply{Phone: m.Phone, Text: "kitne baje hai?", At: t0 + 200, InboundID: "wamid.in-q"}
	if r := f.must(domain.Root, q).(domain.TypedReplyResult); !r.Unclear || !r.Listed || f.unit(m.UnitID).Invitation(f.sangeet).RSVP != before {
		t.Fatalf("a question: %+v", r)
	}
	seq := f.w.Seq
	f.must(domain.Root, q) // redelivered
	if f.w.Seq != seq || len(f.w.Attention) != 1 || f.w.Attention[0].Text != "kitne baje hai?" || f.w.Attention[0].UnitID != m.UnitID {
		t.Fatalf("attention %+v (seq %d → %d)", f.w.Attention, seq, f.w.Seq)
	}
	// A person reads it, and answers for the guest at the time they wrote.
	item := f.w.Attention[0]
	v, _ := domain.ListAttention{}.Run(f.w, admin)
	if len(v.([]domain.AttentionItem)) != 1 {
		t.Fatalf("list: %v", v)
	}
	if _, _, err := f.exec(viewer, &domain.ResolveAttention{ID: item.ID, Dismiss: true}); err == nil {
		t.Fatalf("a viewer resolved an item")
	}
	if _, _, err := f.exec(admin, &domain.ResolveAttention{ID: item.ID}); err == nil {
		t.Fatalf("resolved with nothing")
	}
	f.must(admin, &domain.ResolveAttention{ID: item.ID, RSVPs: []domain.AttentionRSVP{{EventID: f.sangeet, Status: domain.Maybe}}})
	if rs := f.unit(m.UnitID).Invitation(f.sangeet).RSVP; rs.Status != domain.Maybe || rs.AnsweredAt != t0+200 || len(f.w.Attention) != 0 {
		t.Fatalf("resolved: rsvp %+v, attention %v", rs, f.w.Attention)
	}
	if r := typed("STOP", 300); !r.OptedOut || f.w.ConsentOf(m.Phone) != domain.OptedOut {
		t.Fatalf("stop: %+v", r)
	}
	// A phone the engine never messaged: nothing to answer.
	r := f.must(domain.Root, &domain.RecordTypedReply{Phone: phone(88), Text: "yes", At: t0 + 400}).(domain.TypedReplyResult)
	if !r.Unclear {
		t.Fatalf("a stranger's yes: %+v", r)
	}
}

// Guests' text is cut at a rune boundary, never inside one.
func TestAttentionTextCutAtRune(t *testing.T) {
	f, c := sentCampaign(t)
	long := strings.Repeat("हाँ", domain.MaxNoteLen) // 9 bytes a repeat: a byte cut would split a rune
	f.must(domain.Root, &domain.RecordTypedReply{Phone: c.Messages[0].Phone, Text: "kitne baje? " + long, At: t0 + 500, InboundID: "wamid.long"})
	if len(f.w.Attention) != 1 || !utf8.ValidString(f.w.Attention[0].Text) || len(f.w.Attention[0].Text) > domain.MaxNoteLen {
		t.Fatalf("attention text of %d bytes, valid %v", len(f.w.Attention[0].Text), utf8.ValidString(f.w.Attention[0].Text))
	}
}
