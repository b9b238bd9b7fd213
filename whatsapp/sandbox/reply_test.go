package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// lastMessage is the newest delivered guest message webhook; Reply answers
// only after delivery, so no polling is needed.
func lastMessage(t *testing.T, rcv *receiver) (hookValue, hookMessage) {
	t.Helper()
	msgs := guestMessages(t, rcv)
	if len(msgs) == 0 {
		t.Fatal("no message webhook was delivered before the reply's answer")
	}
	v := msgs[len(msgs)-1]
	if len(v.Messages) != 1 || len(v.Contacts) != 1 {
		t.Fatalf("message webhook: %+v", v)
	}
	return v, v.Messages[0]
}

// checkFrom checks who a guest message is from (§3.3–3.6: contacts[] with
// profile name and wa_id, messages[].from, id, timestamp).
func checkFrom(t *testing.T, v hookValue, m hookMessage, phone, id string) {
	t.Helper()
	digits := strings.TrimPrefix(phone, "+")
	if m.From != digits || v.Contacts[0].WaID != digits || v.Contacts[0].Profile.Name == "" || m.ID != id {
		t.Errorf("message from %q id %q, contact %+v; want %s, %s", m.From, m.ID, v.Contacts[0], digits, id)
	}
	if _, err := strconv.ParseInt(m.Timestamp, 10, 64); err != nil {
		t.Errorf("timestamp %q", m.Timestamp)
	}
}

func checkContext(t *testing.T, m hookMessage, wamid string) {
	t.Helper()
	if m.Context == nil || m.Context.ID != wamid || m.Context.From != sandbox.DefaultDisplayNumber {
		t.Errorf("context %+v, want id %s from %s", m.Context, wamid, sandbox.DefaultDisplayNumber)
	}
}

// TestReply_TemplateButton: a tap on a template's quick reply is a "button"
// message (§3.6) with the payload the engine set (or the label when it set
// none), the label as text, and the invitation's wamid as context.
func TestReply_TemplateButton(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	h.mustSend(invite(guest, "inv_old", ""))
	newest := h.mustSend(invite(guest, "inv_4q9z1", ""))

	id := h.mustReply(map[string]any{"from": guest, "button": "yes"}) // titles match case-insensitively
	v, m := lastMessage(t, rcv)
	checkFrom(t, v, m, guest, id)
	checkContext(t, m, newest)
	if m.Type != "button" || m.Button == nil || m.Button.Payload != "rsvp:inv_4q9z1:yes" || m.Button.Text != "Yes" || m.Interactive != nil || m.Text != nil {
		t.Errorf("button message: %+v %+v", m, m.Button)
	}

	// Without payloads the label comes back as the payload.
	bare := h.mustSend(js(invitation("919812345670", inviteBody())))
	id = h.mustReply(map[string]any{"from": "919812345670", "button": "Maybe"})
	v, m = lastMessage(t, rcv)
	checkFrom(t, v, m, "919812345670", id)
	checkContext(t, m, bare)
	if m.Type != "button" || m.Button.Payload != "Maybe" || m.Button.Text != "Maybe" {
		t.Errorf("button message without payload: %+v", m.Button)
	}
	if rcv.badSignatures() != 0 {
		t.Error("bad signatures")
	}
}

// TestReply_Interactive: a tap on a reply button is an "interactive"
// button_reply (§3.4), a list pick a list_reply with the row's description
// (§3.5), both with context.
func TestReply_Interactive(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	h.mustReply(map[string]any{"from": guest, "text": "hello"})
	buttons := h.mustSend(js(buttonsMsg(guest, replyButton("rsvp:inv_8f3k2:plus1_yes", "Bringing a +1"), replyButton("rsvp:inv_8f3k2:plus1_no", "Just me"))))
	list := h.mustSend(js(mealList(guest)))

	id := h.mustReply(map[string]any{"from": guest, "button": "Just me"})
	v, m := lastMessage(t, rcv)
	checkFrom(t, v, m, guest, id)
	checkContext(t, m, buttons)
	if m.Type != "interactive" || m.Interactive == nil || m.Interactive.Type != "button_reply" || m.Button != nil ||
		m.Interactive.ButtonReply == nil || *m.Interactive.ButtonReply != (struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}{"rsvp:inv_8f3k2:plus1_no", "Just me"}) {
		t.Errorf("button_reply: %+v", m.Interactive)
	}

	id = h.mustReply(map[string]any{"from": guest, "list_row": "Vegetarian"})
	v, m = lastMessage(t, rcv)
	checkFrom(t, v, m, guest, id)
	checkContext(t, m, list)
	lr := m.Interactive.ListReply
	if m.Type != "interactive" || m.Interactive.Type != "list_reply" || lr == nil ||
		lr.ID != "meal:inv1:veg" || lr.Title != "Vegetarian" || lr.Description != "Paneer tikka" {
		t.Errorf("list_reply: %+v", m.Interactive)
	}
}

// TestReply_Text: typed text has no context (§3.3) unless quote is set,
// then it quotes the newest message; either opens the window.
func TestReply_Text(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	checkGraphError(t, h.send(js(mealList(guest))), http.StatusBadRequest, 131047, "24 hours")

	id := h.mustReply(map[string]any{"from": guest, "text": "haan, 4 log"})
	v, m := lastMessage(t, rcv)
	checkFrom(t, v, m, guest, id)
	if m.Type != "text" || m.Text == nil || m.Text.Body != "haan, 4 log" || m.Context != nil {
		t.Errorf("text message: %+v", m)
	}
	for _, b := range rcv.delivered() {
		if strings.Contains(string(b), `"context"`) {
			t.Errorf("unquoted text carries a context key: %s", b)
		}
	}
	list := h.mustSend(js(mealList(guest))) // the window is open now

	id = h.mustReply(map[string]any{"from": guest, "text": "yes 2", "quote": true})
	v, m = lastMessage(t, rcv)
	checkFrom(t, v, m, guest, id)
	checkContext(t, m, list)
	if m.Text.Body != "yes 2" {
		t.Errorf("quoted text: %+v", m.Text)
	}
	if st := h.sb.Stats(); st.Replies != 2 || st.WebhooksSent < 2 {
		t.Errorf("stats: %+v", st)
	}
}

// TestReply_Errors: the route's error answers, shaped {"error":{"code","message"}}.
func TestReply_Errors(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	h.mustSend(invite(guest, "inv", ""))
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"not JSON", `{"from":`, 400, "invalid_json"},
		{"unknown key", `{"from":"+919812345678","buton":"Yes"}`, 400, "invalid_json"},
		{"no answer", js(map[string]any{"from": guest}), 400, "invalid_field"},
		{"two answers", js(map[string]any{"from": guest, "button": "Yes", "text": "yes"}), 400, "invalid_field"},
		{"quote without text", js(map[string]any{"from": guest, "button": "Yes", "quote": true}), 400, "invalid_field"},
		{"bad phone", js(map[string]any{"from": "guest", "text": "yes"}), 400, "invalid_field"},
		{"button of no message", js(map[string]any{"from": "+919812345670", "button": "Yes"}), 404, "not_found"},
		{"no such button", js(map[string]any{"from": guest, "button": "Definitely"}), 404, "not_found"},
		{"no such list row", js(map[string]any{"from": guest, "list_row": "Yes"}), 404, "not_found"},
		{"nothing to quote", js(map[string]any{"from": "+919812345670", "text": "hi", "quote": true}), 404, "not_found"},
	}
	for _, tt := range tests {
		status, body := h.do(http.MethodPost, "/sandbox/reply", tt.body, nil)
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if status != tt.status || json.Unmarshal(body, &e) != nil || e.Error.Code != tt.code || e.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, body, tt.status, tt.code)
		}
	}
	// Statuses may have arrived; no guest message may have.
	if msgs := guestMessages(t, rcv); len(msgs) != 0 {
		t.Errorf("refused replies delivered %d messages", len(msgs))
	}
}

// TestReply_Undelivered: when the engine does not take the webhook, the
// reply answers 502 (and Reply ErrUndelivered) after the retries.
func TestReply_Undelivered(t *testing.T) {
	rcv := newReceiver(t, func(r *receiver) { r.answer = func(int64) int { return http.StatusServiceUnavailable } })
	h := start(t, sandbox.Config{WebhookAttempts: 2, RetryBackoff: time.Millisecond}, rcv)
	status, body := h.reply(map[string]any{"from": guest, "text": "haan"})
	if status != http.StatusBadGateway || !strings.Contains(string(body), `"code":"webhook_undelivered"`) {
		t.Errorf("reply: %d %s", status, body)
	}
	if _, err := h.sb.Reply(t.Context(), sandbox.ReplyRequest{From: guest, Text: "haan"}); !errors.Is(err, sandbox.ErrUndelivered) {
		t.Errorf("Reply: %v", err)
	}
	if got := rcv.requests.Load(); got != 4 {
		t.Errorf("%d attempts, want 2 per reply", got)
	}
	if st := h.sb.Stats(); st.WebhookErrors != 2 || st.WebhookRetries != 2 {
		t.Errorf("stats: %+v", st)
	}

	noHook := start(t, sandbox.Config{}, nil)
	if _, err := noHook.sb.Reply(t.Context(), sandbox.ReplyRequest{From: guest, Text: "haan"}); !errors.Is(err, sandbox.ErrUndelivered) {
		t.Errorf("Reply without a webhook URL: %v", err)
	}
}

// TestReplyRate: at ReplyRate 1 every recipient answers each message that
// asks something, after its read status, and that opens their window; at
// ReplyRate 0 nobody does.
func TestReplyRate(t *testing.T) {
	for _, rate := range []float64{0, 1} {
		t.Run("rate="+strconv.FormatFloat(rate, 'f', -1, 64), func(t *testing.T) {
			rcv := newReceiver(t, nil)
			h := start(t, sandbox.Config{ReplyRate: rate, Seed: 7}, rcv)
			sent := map[string]string{} // phone → wamid
			for i := range 10 {
				to := "+91980000001" + strconv.Itoa(i)
				sent[strings.TrimPrefix(to, "+")] = h.mustSend(invite(to, "inv"+strconv.Itoa(i), ""))
			}
			h.idle()
			msgs := guestMessages(t, rcv)
			if rate == 0 {
				if len(msgs) != 0 {
					t.Fatalf("%d replies at rate 0", len(msgs))
				}
				return
			}
			answered := map[string]bool{}
			for _, v := range msgs {
				m := v.Messages[0]
				wamid, ok := sent[m.From]
				if !ok || answered[m.From] || v.Contacts[0].WaID != m.From {
					t.Fatalf("unexpected reply %+v", v)
				}
				answered[m.From] = true
				switch m.Type {
				case "button":
					checkContext(t, m, wamid)
					if !strings.HasPrefix(m.Button.Payload, "rsvp:inv") || !slices.Contains([]string{"Yes", "No", "Maybe"}, m.Button.Text) {
						t.Errorf("button reply: %+v", m.Button)
					}
				case "text":
					if m.Context != nil || m.Text == nil || m.Text.Body == "" {
						t.Errorf("typed reply: %+v", m)
					}
				default:
					t.Errorf("reply of type %q to a template", m.Type)
				}
			}
			if len(answered) != 10 {
				t.Fatalf("%d of 10 recipients answered", len(answered))
			}
			// Each answer came after its message's read status.
			readAt := map[string]int{}
			for i, b := range rcv.delivered() {
				v := decodeHook(t, b)
				for _, s := range v.Statuses {
					if s.Status == "read" {
						readAt[s.RecipientID] = i
					}
				}
				for _, m := range v.Messages {
					if at, ok := readAt[m.From]; !ok || at > i {
						t.Errorf("%s answered before its read status", m.From)
					}
				}
			}
			// Their windows are open: an interactive list now goes out, and is
			// answered with a list_reply.
			for phone := range sent {
				h.mustSend(js(mealList(phone)))
			}
			h.idle()
			picks := 0
			for _, v := range guestMessages(t, rcv)[10:] {
				if m := v.Messages[0]; m.Type == "interactive" && m.Interactive.Type == "list_reply" &&
					strings.HasPrefix(m.Interactive.ListReply.ID, "meal:inv1:") {
					picks++
				}
			}
			if picks != 10 {
				t.Errorf("%d list picks, want 10", picks)
			}
		})
	}
}

// TestReply_AfterClose: Reply and sends refuse once the sandbox is closed.
func TestReply_AfterClose(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	h.mustSend(invite(guest, "inv", ""))
	if err := h.sb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.sb.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := h.sb.Reply(context.Background(), sandbox.ReplyRequest{From: guest, Button: "Yes"}); !errors.Is(err, sandbox.ErrClosed) {
		t.Errorf("Reply after Close: %v", err)
	}
	checkGraphError(t, h.send(invite(guest, "inv", "")), http.StatusServiceUnavailable, 2, "closed")
	if st := h.sb.Stats(); st.Pending != 0 {
		t.Errorf("pending after Close: %+v", st)
	}
}

// TestClose_Bounded: Close waits for a webhook in flight at most
// CloseTimeout, then says so.
func TestClose_Bounded(t *testing.T) {
	hold := make(chan struct{})
	rcv := newReceiver(t, func(r *receiver) { r.hold = hold })
	h := start(t, sandbox.Config{CloseTimeout: 100 * time.Millisecond, Delay: -1}, rcv)
	h.mustSend(invite(guest, "inv", ""))
	waitFor(t, 5*time.Second, "the webhook in flight", func() bool { return rcv.requests.Load() == 1 })
	begin := time.Now()
	if err := h.sb.Close(); err == nil {
		t.Error("Close returned nil with a webhook in flight")
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	close(hold)
}
