package actors_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
)

// messageBody is a webhook body with one guest message (msg, the JSON of
// messages[0]) in Meta's shape.
func messageBody(msg string) []byte {
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{`+
		`"messaging_product":"whatsapp","metadata":{"phone_number_id":"2"},"messages":[%s]}}]}]}`, msg)
}

// TestInbox_GuestMessagesOfEveryKind: typed replies route by phone, and by
// the business-scoped user id alone once it was seen with the phone; an
// edit is read again; a deletion goes to the attention list and changes
// no RSVP; Meta's user_preferences stop opts the phone out.
func TestInbox_GuestMessagesOfEveryKind(t *testing.T) {
	meta := newFakeMeta()
	e, _ := openEngine(t, t.TempDir(), messagingConfig(meta))
	evs, units := seedWedding(t, e, "w1", 1, 2)
	phones := optIn(t, e, "w1", units)
	c := createCampaign(t, e, "w1", evs)
	waitCampaign(t, e, "w1", c.ID, done)
	phone := phones[units[0]]
	digits := strings.TrimPrefix(phone, "+")
	ts := time.Now().Unix()

	rsvp := func() domain.RSVP {
		t.Helper()
		r, err := e.Query(t.Context(), "w1", owner, domain.GetUnit{ID: units[0]})
		if err != nil {
			t.Fatal(err)
		}
		u := r.(domain.Unit)
		return u.Invitation(evs[0]).RSVP
	}
	// post stores a body and waits until ok says the wedding shows it.
	post := func(what string, body []byte, ok func() bool) {
		t.Helper()
		if _, err := e.ReceiveWebhook(t.Context(), body, true); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not applied; rsvp %+v", what, rsvp())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	post("a typed yes with phone and user id", messageBody(fmt.Sprintf(
		`{"from":%q,"from_user_id":"IN.777","id":"wamid.in1","timestamp":"%d","type":"text","text":{"body":"haan ji"}}`, digits, ts+1)),
		func() bool { return rsvp().Status == domain.Yes })
	post("a no from the user id alone", messageBody(fmt.Sprintf(
		`{"from":"","from_user_id":"IN.777","id":"wamid.in2","timestamp":"%d","type":"text","text":{"body":"nahi aa payenge"}}`, ts+2)),
		func() bool { return rsvp().Status == domain.No })
	post("an edit", messageBody(fmt.Sprintf(
		`{"from":%q,"id":"wamid.in3","timestamp":"%d","type":"edit","edit":{"original_message_id":"wamid.in2","message":{"type":"text","text":{"body":"haan, 1 log"}}}}`, digits, ts+3)),
		func() bool { r := rsvp(); return r.Status == domain.Yes && r.Headcount == 1 })
	attention := func() []domain.AttentionItem {
		v, err := e.Query(t.Context(), "w1", owner, domain.ListAttention{})
		if err != nil {
			t.Fatal(err)
		}
		return v.([]domain.AttentionItem)
	}
	post("a deletion", messageBody(fmt.Sprintf(
		`{"from":%q,"id":"wamid.in4","timestamp":"%d","type":"revoke","revoke":{"original_message_id":"wamid.in3"}}`, digits, ts+4)),
		func() bool { return len(attention()) == 1 })
	if a := attention()[0]; a.UnitID != units[0] || !strings.Contains(a.Reason, "deleted") {
		t.Fatalf("attention item %+v", a)
	}
	if r := rsvp(); r.Status != domain.Yes || r.Headcount != 1 {
		t.Fatalf("a deletion changed the RSVP: %+v", r)
	}
	consent := func() domain.ConsentStatus {
		t.Helper()
		r, err := e.Query(t.Context(), "w1", owner, domain.GetUnit{ID: units[0]})
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.Query(t.Context(), "w1", owner, domain.GetConsent{PersonID: r.(domain.Unit).Members[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		return v.(domain.ConsentLedger).Status
	}
	post("user_preferences stop", fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"user_preferences","value":{`+
		`"messaging_product":"whatsapp","metadata":{"phone_number_id":"2"},"contacts":[{"profile":{"name":"A"},"wa_id":%q}],`+
		`"user_preferences":[{"wa_id":%q,"detail":"User requested to stop marketing messages","category":"marketing_messages","value":"stop","timestamp":%d}]}}]}]}`,
		digits, digits, ts+5), func() bool { return consent() == domain.OptedOut })
}
