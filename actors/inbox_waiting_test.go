package actors_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/whatsapp"
)

// statusBody is a webhook body with one status of wamid, without callback
// data: it names its message by wamid alone.
func statusBody(wamid, status string, ts int64) []byte {
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{`+
		`"messaging_product":"whatsapp","metadata":{"phone_number_id":"2"},"statuses":[{"id":%q,"status":%q,"timestamp":"%d","recipient_id":"919800000001"}]}}]}]}`,
		wamid, status, ts)
}

// TestInbox_StatusWaitsForItsWAMID: a status without callback data that
// arrives before its send's answer is journaled (Meta's webhook can beat
// its HTTP answer) waits, and applies once the send records the wamid.
func TestInbox_StatusWaitsForItsWAMID(t *testing.T) {
	meta := newFakeMeta()
	e, _ := openEngine(t, t.TempDir(), messagingConfig(meta))
	evs, units := seedWedding(t, e, "w1", 1, 2)
	optIn(t, e, "w1", units)
	parked := make(chan struct{})
	meta.answer = func(n int64, m *whatsapp.Message) whatsapp.Result {
		// Meta's status webhook for this send arrives before its answer.
		wamid := fmt.Sprintf("wamid.%d", n)
		if _, err := e.ReceiveWebhook(t.Context(), statusBody(wamid, "read", time.Now().Unix()), true); err != nil {
			t.Error(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			kept, err := e.InboxList(0, 10, actors.InboxState(3)) // unroutable
			if err != nil {
				t.Error(err)
			}
			if len(kept) == 1 {
				close(parked)
				return whatsapp.Result{Class: whatsapp.Accepted}
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Error("the early status was never processed")
		return whatsapp.Result{Class: whatsapp.Accepted}
	}
	c := createCampaign(t, e, "w1", evs)
	<-parked
	waitCampaign(t, e, "w1", c.ID, done)
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := e.Query(t.Context(), "w1", owner, domain.ListMessages{})
		if err != nil {
			t.Fatal(err)
		}
		ms := v.(domain.MessagePage).Items
		if len(ms) == 1 && ms[0].Status == domain.MessageRead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the waiting status never applied: %+v", ms)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for {
		kept, err := e.InboxList(0, 10, actors.InboxState(3))
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the body is still kept as unroutable: %+v", kept)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
