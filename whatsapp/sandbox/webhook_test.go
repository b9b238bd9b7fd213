package sandbox_test

import (
	"bytes"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// TestWebhook_Statuses: each accepted message gets signed status webhooks
// sent, delivered, read, in that order (WHATSAPP.md §3.7), in Meta's
// envelope (§3.1), echoing biz_opaque_callback_data (§5.1).
func TestWebhook_Statuses(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	before := time.Now().Unix()
	want := map[string]string{} // wamid → callback data
	phones := map[string]string{}
	for i := range 5 {
		to := "+91980000000" + strconv.Itoa(i)
		id := h.mustSend(invite(to, "inv"+strconv.Itoa(i), "inv_"+strconv.Itoa(i)))
		want[id], phones[id] = "inv_"+strconv.Itoa(i), strings.TrimPrefix(to, "+")
	}
	h.mustReply(map[string]any{"from": guest, "text": "hi"})
	freeForm := h.mustSend(js(textMsg(guest, "Welcome!")))
	want[freeForm], phones[freeForm] = "", strings.TrimPrefix(guest, "+")

	waitFor(t, 10*time.Second, "18 statuses", func() bool { return len(statuses(t, rcv)) >= 18 })
	h.idle()
	ss := statuses(t, rcv)
	if len(ss) != 18 {
		t.Fatalf("%d statuses, want 18", len(ss))
	}
	for id, got := range byWAMID(ss) {
		if _, ok := want[id]; !ok {
			t.Fatalf("status for unknown wamid %q", id)
		}
		if !slices.Equal(got, []string{"sent", "delivered", "read"}) {
			t.Errorf("%s: statuses %v, want sent, delivered, read", id, got)
		}
	}
	for _, s := range ss {
		ts, err := strconv.ParseInt(s.Timestamp, 10, 64)
		if err != nil || ts < before || ts > time.Now().Unix() {
			t.Errorf("timestamp %q", s.Timestamp)
		}
		if s.BizOpaqueCallbackData != want[s.ID] || s.RecipientID != phones[s.ID] || len(s.Errors) != 0 {
			t.Errorf("status %+v", s)
		}
	}
	if n := rcv.badSignatures(); n != 0 {
		t.Errorf("%d webhooks with a bad signature", n)
	}
	// The free-form send's statuses carry no biz_opaque_callback_data key.
	for _, b := range rcv.delivered() {
		if bytes.Contains(b, []byte(freeForm)) && bytes.Contains(b, []byte("biz_opaque_callback_data")) {
			t.Errorf("callback data on a send without it: %s", b)
		}
	}
	if st := h.sb.Stats(); st.WebhooksSent != 19 || st.WebhookErrors != 0 || st.Dropped != 0 {
		t.Errorf("stats: %+v", st)
	}
}

// TestWebhook_FailRate: at FailRate 1 every message gets sent then failed,
// with a real code and Meta's error shape (§3.7 example D, §6), and never
// delivered or read.
func TestWebhook_FailRate(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{FailRate: 1, ReplyRate: 1}, rcv)
	for i := range 6 {
		h.mustSend(invite("+91980000000"+strconv.Itoa(i), "inv", "cb"))
	}
	h.idle()
	ss := statuses(t, rcv)
	for id, got := range byWAMID(ss) {
		if !slices.Equal(got, []string{"sent", "failed"}) {
			t.Errorf("%s: %v, want sent, failed", id, got)
		}
	}
	failed := 0
	for _, s := range ss {
		if s.Status != "failed" {
			continue
		}
		failed++
		if len(s.Errors) != 1 || s.Pricing != nil || s.BizOpaqueCallbackData != "cb" {
			t.Fatalf("failed status: %+v", s)
		}
		e := s.Errors[0]
		if !slices.Contains([]int{131026, 131049, 131050}, e.Code) || e.Title == "" || e.Message != e.Title ||
			e.ErrorData.Details == "" || !strings.Contains(e.Href, "error-codes") {
			t.Errorf("failed status error: %+v", e)
		}
	}
	if failed != 6 {
		t.Errorf("%d failed statuses, want 6", failed)
	}
	// A guest never answers a message that failed, even at ReplyRate 1.
	if msgs := guestMessages(t, rcv); len(msgs) != 0 {
		t.Errorf("guests answered failed messages: %d", len(msgs))
	}
	// Nor can they be made to.
	if status, body := h.reply(map[string]any{"from": "+919800000000", "button": "Yes"}); status != http.StatusNotFound {
		t.Errorf("reply to a failed message: %d %s", status, body)
	}
}

// TestWebhook_Duplicates: at DuplicateRate 1 every webhook arrives twice,
// the copy right after the first (§4: duplicates are documented).
func TestWebhook_Duplicates(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{DuplicateRate: 1}, rcv)
	for i := range 3 {
		h.mustSend(invite("+91980000000"+strconv.Itoa(i), "inv", ""))
	}
	h.idle()
	id := h.mustReply(map[string]any{"from": "+919800000000", "button": "No"})
	waitFor(t, 5*time.Second, "the reply's copy", func() bool {
		return bytes.Count(bytes.Join(rcv.delivered(), nil), []byte(id)) == 2
	})
	bodies := rcv.delivered()
	if len(bodies) != 20 {
		t.Fatalf("%d webhooks, want 20 (9 statuses and a reply, each twice)", len(bodies))
	}
	count := map[string]int{}
	for _, b := range bodies {
		count[string(b)]++
	}
	for b, n := range count {
		if n != 2 {
			t.Errorf("delivered %d times: %s", n, b)
		}
	}
	for id, got := range byWAMID(statuses(t, rcv)) {
		if !slices.Equal(got, []string{"sent", "sent", "delivered", "delivered", "read", "read"}) {
			t.Errorf("%s: %v", id, got)
		}
	}
	if st := h.sb.Stats(); st.WebhooksSent != 20 {
		t.Errorf("stats: %+v", st)
	}
}

// TestWebhook_Reorder: at ReorderRate 1 read arrives before delivered (§4:
// ordering is not guaranteed).
func TestWebhook_Reorder(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{ReorderRate: 1}, rcv)
	for i := range 4 {
		h.mustSend(invite("+91980000000"+strconv.Itoa(i), "inv", ""))
	}
	h.idle()
	got := byWAMID(statuses(t, rcv))
	if len(got) != 4 {
		t.Fatalf("statuses of %d messages, want 4", len(got))
	}
	for id, order := range got {
		if !slices.Equal(order, []string{"sent", "read", "delivered"}) {
			t.Errorf("%s: %v, want sent, read, delivered", id, order)
		}
	}
}

// TestWebhook_Retry: a webhook the engine answers non-2xx is tried again
// with backoff and arrives, in order.
func TestWebhook_Retry(t *testing.T) {
	rcv := newReceiver(t, func(r *receiver) {
		r.answer = func(n int64) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}
	})
	h := start(t, sandbox.Config{RetryBackoff: time.Millisecond}, rcv)
	h.mustSend(invite(guest, "inv", ""))
	h.idle()
	if got := byWAMID(statuses(t, rcv)); len(got) != 1 {
		t.Fatalf("statuses: %v", got)
	} else {
		for _, order := range got {
			if !slices.Equal(order, []string{"sent", "delivered", "read"}) {
				t.Errorf("statuses %v", order)
			}
		}
	}
	if st := h.sb.Stats(); st.WebhookRetries != 2 || st.WebhooksSent != 3 || st.WebhookErrors != 0 || rcv.requests.Load() != 5 {
		t.Errorf("stats %+v, %d requests", st, rcv.requests.Load())
	}
}

// TestWebhook_GivesUp: when the engine is unreachable each webhook is tried
// WebhookAttempts times, then counted as an error; sends are still answered.
func TestWebhook_GivesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/webhooks/whatsapp"
	ln.Close() // nothing listens there now
	h := start(t, sandbox.Config{WebhookURL: url, WebhookAttempts: 2, RetryBackoff: time.Millisecond}, nil)
	h.mustSend(invite(guest, "inv", ""))
	h.idle()
	if st := h.sb.Stats(); st.WebhookErrors != 3 || st.WebhookRetries != 3 || st.WebhooksSent != 0 {
		t.Errorf("stats: %+v", st)
	}
}

// TestWebhook_QueueFull: with the engine stuck, sends are still answered at
// once; past QueueSize messages' webhooks are dropped and counted, and the
// queued ones are delivered once the engine answers again.
func TestWebhook_QueueFull(t *testing.T) {
	hold := make(chan struct{})
	rcv := newReceiver(t, func(r *receiver) { r.hold = hold })
	h := start(t, sandbox.Config{QueueSize: 2, WebhookWorkers: 1, Delay: -1}, rcv)
	begin := time.Now()
	for i := range 5 {
		h.mustSend(invite("+91980000000"+strconv.Itoa(i), "inv", ""))
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("sends took %v with the engine stuck", d)
	}
	if st := h.sb.Stats(); st.Accepted != 5 || st.Dropped != 3 || st.Pending != 2 {
		t.Errorf("stats: %+v", st)
	}
	close(hold)
	h.idle()
	if got := byWAMID(statuses(t, rcv)); len(got) != 2 {
		t.Errorf("statuses of %d messages, want the 2 queued: %v", len(got), got)
	}
}

// TestWebhook_NonASCIIEscaped: webhooks carry non-ASCII as \u escapes, as
// Meta's do (WHATSAPP.md §2), and are signed over those exact bytes.
func TestWebhook_NonASCIIEscaped(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	id := h.mustReply(map[string]any{"from": guest, "text": "Café 🙏", "name": "José"})
	bodies := rcv.delivered()
	if len(bodies) != 1 || rcv.badSignatures() != 0 {
		t.Fatalf("%d webhooks, %d bad signatures", len(bodies), rcv.badSignatures())
	}
	b := bodies[0]
	for _, want := range []string{`"name":"Jos\u00e9"`, `"body":"Caf\u00e9 \ud83d\ude4f"`, id} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("webhook lacks %s: %s", want, b)
		}
	}
	for _, c := range b {
		if c >= 0x80 {
			t.Fatalf("webhook has a non-ASCII byte: %s", b)
		}
	}
	v := decodeHook(t, b)
	if v.Contacts[0].Profile.Name != "José" || v.Messages[0].Text.Body != "Café 🙏" {
		t.Errorf("decoded: %+v", v)
	}
}
