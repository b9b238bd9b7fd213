package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

const (
	testSecret = "test_app_secret"
	testToken  = "EAAG-test-token"
	graphPath  = "/v25.0/" + sandbox.DefaultPhoneNumberID + "/messages"
)

// serve runs h on a fasthttp.Server on 127.0.0.1:0 until the test ends and
// returns its base URL.
func serve(t *testing.T, h fasthttp.RequestHandler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h, CloseOnShutdown: true}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Shutdown()
		// Shutdown closes only the listeners Serve has registered: a Serve
		// that has not started yet would then wait for ever.
		_ = ln.Close()
		<-done
	})
	return "http://" + ln.Addr().String()
}

// receiver is the engine's side of the webhooks: it checks each body's
// signature with whatsapp.ValidSignature and records the delivered ones.
type receiver struct {
	url    string
	secret string
	// answer, when set, is the status for the nth request (from 1).
	answer func(n int64) int
	// hold, when set, delays each answer until it is closed.
	hold chan struct{}

	requests atomic.Int64
	mu       sync.Mutex
	bodies   [][]byte // delivered (answered 2xx), in arrival order
	badSigs  int
}

func newReceiver(t *testing.T, configure func(*receiver)) *receiver {
	t.Helper()
	r := &receiver{secret: testSecret}
	if configure != nil {
		configure(r)
	}
	r.url = serve(t, r.handle) + "/webhooks/whatsapp"
	if r.hold != nil {
		// Registered after serve: runs first, so the server can shut down.
		t.Cleanup(func() {
			select {
			case <-r.hold:
			default:
				close(r.hold)
			}
		})
	}
	return r
}

func (r *receiver) handle(ctx *fasthttp.RequestCtx) {
	n := r.requests.Add(1)
	body := bytes.Clone(ctx.PostBody())
	if !whatsapp.ValidSignature(r.secret, body, string(ctx.Request.Header.Peek(whatsapp.SignatureHeader))) {
		r.mu.Lock()
		r.badSigs++
		r.mu.Unlock()
		ctx.SetStatusCode(http.StatusUnauthorized)
		return
	}
	if r.hold != nil {
		<-r.hold
	}
	status := http.StatusOK
	if r.answer != nil {
		status = r.answer(n)
	}
	if status >= 200 && status < 300 {
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.mu.Unlock()
	}
	ctx.SetStatusCode(status)
}

func (r *receiver) delivered() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...)
}

func (r *receiver) badSignatures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.badSigs
}

// The webhook as the test reads it: its own types, not the sandbox's.
type hook struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string    `json:"field"`
			Value hookValue `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

type hookValue struct {
	MessagingProduct string `json:"messaging_product"`
	Metadata         struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
	} `json:"contacts"`
	Messages []hookMessage `json:"messages"`
	Statuses []hookStatus  `json:"statuses"`
}

type hookMessage struct {
	Context *struct {
		From string `json:"from"`
		ID   string `json:"id"`
	} `json:"context"`
	From      string `json:"from"`
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
	Text      *struct {
		Body string `json:"body"`
	} `json:"text"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"list_reply"`
	} `json:"interactive"`
}

type hookStatus struct {
	ID                    string `json:"id"`
	Status                string `json:"status"`
	Timestamp             string `json:"timestamp"`
	RecipientID           string `json:"recipient_id"`
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data"`
	Pricing               *struct {
		PricingModel string `json:"pricing_model"`
		Category     string `json:"category"`
	} `json:"pricing"`
	Errors []struct {
		Code      int    `json:"code"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
		Href string `json:"href"`
	} `json:"errors"`
}

// decodeHook decodes one webhook and checks its envelope (WHATSAPP.md
// §3.1): object, entry id, field, messaging_product and metadata.
func decodeHook(t *testing.T, body []byte) hookValue {
	t.Helper()
	var h hook
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatalf("webhook is not JSON: %v\n%s", err, body)
	}
	if h.Object != "whatsapp_business_account" || len(h.Entry) != 1 || len(h.Entry[0].Changes) != 1 {
		t.Fatalf("webhook envelope: %s", body)
	}
	e := h.Entry[0]
	c := e.Changes[0]
	if e.ID != sandbox.DefaultBusinessAccountID || c.Field != "messages" || c.Value.MessagingProduct != "whatsapp" ||
		c.Value.Metadata.DisplayPhoneNumber != sandbox.DefaultDisplayNumber ||
		c.Value.Metadata.PhoneNumberID != sandbox.DefaultPhoneNumberID {
		t.Fatalf("webhook entry id, field or metadata: %s", body)
	}
	return c.Value
}

// statuses are the delivered status webhooks, in arrival order.
func statuses(t *testing.T, r *receiver) []hookStatus {
	t.Helper()
	var out []hookStatus
	for _, b := range r.delivered() {
		out = append(out, decodeHook(t, b).Statuses...)
	}
	return out
}

// guestMessages are the delivered message webhooks, in arrival order.
func guestMessages(t *testing.T, r *receiver) []hookValue {
	t.Helper()
	var out []hookValue
	for _, b := range r.delivered() {
		if v := decodeHook(t, b); len(v.Messages) > 0 {
			out = append(out, v)
		}
	}
	return out
}

// byWAMID groups statuses' values by message, in arrival order.
func byWAMID(ss []hookStatus) map[string][]string {
	out := map[string][]string{}
	for _, s := range ss {
		out[s.ID] = append(out[s.ID], s.Status)
	}
	return out
}

// harness is a sandbox served on loopback, with its webhook receiver.
type harness struct {
	t   *testing.T
	sb  *sandbox.Sandbox
	url string
	rcv *receiver
	cfg sandbox.Config
}

// start serves a sandbox with cfg. Unless cfg.WebhookURL is set, rcv (if
// any) receives its webhooks.
func start(t *testing.T, cfg sandbox.Config, rcv *receiver) *harness {
	t.Helper()
	if cfg.AppSecret == "" {
		cfg.AppSecret = testSecret
	}
	if cfg.WebhookURL == "" && rcv != nil {
		cfg.WebhookURL = rcv.url
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return &harness{t: t, sb: sb, url: serve(t, sb.Handler()), rcv: rcv, cfg: cfg}
}

var httpClient = &http.Client{Timeout: 20 * time.Second}

// do is one HTTP request to the sandbox: its status and body.
func (h *harness) do(method, path, body string, header map[string]string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// sendResult is the Graph answer to a send.
type sendResult struct {
	status int
	raw    []byte
	ok     struct {
		MessagingProduct string `json:"messaging_product"`
		Contacts         []struct {
			Input string `json:"input"`
			WaID  string `json:"wa_id"`
		} `json:"contacts"`
		Messages []struct {
			ID            string  `json:"id"`
			MessageStatus *string `json:"message_status"`
		} `json:"messages"`
	}
	err graphError
}

type graphError struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		ErrorData *struct {
			MessagingProduct string `json:"messaging_product"`
			Details          string `json:"details"`
		} `json:"error_data"`
		ErrorSubcode int    `json:"error_subcode"`
		FBTraceID    string `json:"fbtrace_id"`
	} `json:"error"`
}

// send posts body to the Graph route, with the token when the sandbox has
// one.
func (h *harness) send(body string) sendResult {
	h.t.Helper()
	header := map[string]string{}
	if h.cfg.AccessToken != "" {
		header["Authorization"] = "Bearer " + h.cfg.AccessToken
	}
	return h.sendTo(graphPath, body, header)
}

func (h *harness) sendTo(path, body string, header map[string]string) sendResult {
	h.t.Helper()
	var r sendResult
	r.status, r.raw = h.do(http.MethodPost, path, body, header)
	target := any(&r.err)
	if r.status == http.StatusOK {
		target = &r.ok
	}
	if err := json.Unmarshal(r.raw, target); err != nil {
		h.t.Fatalf("send answer %d is not JSON: %v: %s", r.status, err, r.raw)
	}
	return r
}

// mustSend sends body and fails the test unless it is accepted; it
// returns the wamid.
func (h *harness) mustSend(body string) string {
	h.t.Helper()
	r := h.send(body)
	if r.status != http.StatusOK || len(r.ok.Messages) != 1 {
		h.t.Fatalf("send: %d %s\nbody: %s", r.status, r.raw, body)
	}
	return r.ok.Messages[0].ID
}

// reply posts to /sandbox/reply.
func (h *harness) reply(req map[string]any) (int, []byte) {
	h.t.Helper()
	return h.do(http.MethodPost, "/sandbox/reply", js(req), nil)
}

// mustReply makes the guest answer and returns the message id.
func (h *harness) mustReply(req map[string]any) string {
	h.t.Helper()
	status, body := h.reply(req)
	var out struct {
		MessageID string `json:"message_id"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &out) != nil || !strings.HasPrefix(out.MessageID, "wamid.") {
		h.t.Fatalf("reply %v: %d %s", req, status, body)
	}
	return out.MessageID
}

// idle waits until every accepted message's webhooks are sent or given up.
func (h *harness) idle() {
	h.t.Helper()
	waitFor(h.t, 10*time.Second, "the webhook queue to drain", func() bool { return h.sb.Stats().Pending == 0 })
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Send bodies (WHATSAPP.md §5.2–5.5).

func textParam(s string) map[string]any { return map[string]any{"type": "text", "text": s} }

func quickReply(index any, payload string) map[string]any {
	return map[string]any{"type": "button", "sub_type": "quick_reply", "index": index,
		"parameters": []any{map[string]any{"type": "payload", "payload": payload}}}
}

// invitation is a wedding_invite (en) to to with the given components.
func invitation(to string, components ...any) map[string]any {
	return map[string]any{
		"messaging_product": "whatsapp",
		"recipient_type":    "individual",
		"to":                to,
		"type":              "template",
		"template": map[string]any{
			"name":       "wedding_invite",
			"language":   map[string]any{"policy": "deterministic", "code": "en"},
			"components": components,
		},
	}
}

func inviteBody() map[string]any {
	return map[string]any{"type": "body", "parameters": []any{
		textParam("Asha"), textParam("Asha & Rohan"), textParam("Sangeet, 12 Dec")}}
}

// invite is a complete invitation with RSVP payloads for inv and callback
// data cb ("" for none).
func invite(to, inv, cb string) string {
	m := invitation(to, inviteBody(),
		quickReply("0", "rsvp:"+inv+":yes"), quickReply("1", "rsvp:"+inv+":no"), quickReply("2", "rsvp:"+inv+":maybe"))
	if cb != "" {
		m["biz_opaque_callback_data"] = cb
	}
	return js(m)
}

func interactiveMsg(to string, interactive map[string]any) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual",
		"to": to, "type": "interactive", "interactive": interactive}
}

func replyButton(id, title string) map[string]any {
	return map[string]any{"type": "reply", "reply": map[string]any{"id": id, "title": title}}
}

// buttonsMsg is an interactive reply-buttons message (§5.3).
func buttonsMsg(to string, buttons ...any) map[string]any {
	return interactiveMsg(to, map[string]any{
		"type":   "button",
		"header": map[string]any{"type": "text", "text": "Asha & Rohan"},
		"body":   map[string]any{"text": "Will you be bringing a guest?"},
		"footer": map[string]any{"text": "Reply anytime"},
		"action": map[string]any{"buttons": buttons},
	})
}

func row(id, title, desc string) map[string]any {
	return map[string]any{"id": id, "title": title, "description": desc}
}

func section(title string, rows ...any) map[string]any {
	return map[string]any{"title": title, "rows": rows}
}

// listMsg is an interactive list message (§5.4).
func listMsg(to, button string, sections ...any) map[string]any {
	return interactiveMsg(to, map[string]any{
		"type":   "list",
		"header": map[string]any{"type": "text", "text": "Meal choice"},
		"body":   map[string]any{"text": "Please pick a main course."},
		"action": map[string]any{"button": button, "sections": sections},
	})
}

func mealList(to string) map[string]any {
	return listMsg(to, "Choose meal", section("Mains",
		row("meal:inv1:veg", "Vegetarian", "Paneer tikka"),
		row("meal:inv1:nonveg", "Non-vegetarian", "Butter chicken")))
}

func textMsg(to, body string) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual",
		"to": to, "type": "text", "text": map[string]any{"preview_url": false, "body": body}}
}

// js is v as JSON.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint("test body: ", err))
	}
	return string(b)
}

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
