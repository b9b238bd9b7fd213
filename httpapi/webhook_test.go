package httpapi_test

import (
	"bytes"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
	"github.com/parinayaos/engine/whatsapp"
)

// WHATSAPP.md §1: the verification handshake answers the challenge, raw,
// only for the configured verify token.
func TestHTTP_WebhookHandshake(t *testing.T) {
	s := newTestServer(t, httpapi.Config{WebhookAppSecret: "app-secret", WebhookVerifyToken: "verify-me"})
	q := func(mode, token, challenge string) string {
		return "/webhooks/whatsapp?" + url.Values{"hub.mode": {mode}, "hub.verify_token": {token}, "hub.challenge": {challenge}}.Encode()
	}
	if a := s.call("GET", q("subscribe", "verify-me", "1158201444"), "", nil); a.status != 200 || string(a.raw) != "1158201444" {
		t.Fatalf("handshake: %d %q", a.status, a.raw)
	}
	for _, path := range []string{q("subscribe", "verify-you", "1"), q("unsubscribe", "verify-me", "1"), q("subscribe", "", "1"), "/webhooks/whatsapp"} {
		wantError(t, s.call("GET", path, "", nil), 403, "forbidden")
	}
	// No verify token configured: nothing matches, not even an empty one.
	s2 := newTestServer(t, httpapi.Config{})
	wantError(t, s2.call("GET", q("subscribe", "", "1"), "", nil), 403, "forbidden")
}

// WHATSAPP.md §2: a body is accepted only with the HMAC-SHA256 of its raw
// bytes under the app secret.
func TestHTTP_WebhookSignature(t *testing.T) {
	s := newTestServer(t, httpapi.Config{WebhookAppSecret: "app-secret"})
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}`)
	if a := s.call("POST", "/webhooks/whatsapp", "", body, whatsapp.SignatureHeader, whatsapp.Sign("app-secret", body)); a.status != 200 {
		t.Fatalf("signed: %d %s", a.status, a.raw)
	}
	altered := append([]byte{}, body...)
	altered[len(altered)-3] = '1'
	for name, c := range map[string]struct {
		body []byte
		sig  string
	}{
		"no signature":   {body, ""},
		"wrong secret":   {body, whatsapp.Sign("other-secret", body)},
		"altered body":   {altered, whatsapp.Sign("app-secret", body)},
		"not hex":        {body, "sha256=zz"},
		"no sha256 name": {body, whatsapp.Sign("app-secret", body)[len("sha256="):]},
	} {
		var hdr []string
		if c.sig != "" {
			hdr = []string{whatsapp.SignatureHeader, c.sig}
		}
		a := s.with(t).call("POST", "/webhooks/whatsapp", "", c.body, hdr...)
		if a.status != 401 || a.errCode() != "unauthorized" {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
}

// API.md: a signed body is stored durably before its 200 (a signed body
// that is not JSON: 400, kept as unprocessable); an unsigned one is
// refused and nothing is stored.
func TestHTTP_WebhookStoredBeforeAnswer(t *testing.T) {
	dir := t.TempDir()
	s := newTestServerWith(t, httpapi.Config{WebhookAppSecret: "app-secret"}, serverOptions{dir: dir})
	good := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{}}]}]}`)
	broken := []byte(`{"object":"whatsapp_business_account",`)
	if a := s.call("POST", "/webhooks/whatsapp", "", good, whatsapp.SignatureHeader, whatsapp.Sign("app-secret", good)); a.status != 200 {
		t.Fatalf("signed JSON: %d %s", a.status, a.raw)
	}
	wantError(t, s.call("POST", "/webhooks/whatsapp", "", broken, whatsapp.SignatureHeader, whatsapp.Sign("app-secret", broken)), 400, "invalid_json")
	wantError(t, s.call("POST", "/webhooks/whatsapp", "", good, whatsapp.SignatureHeader, whatsapp.Sign("wrong", good)), 401, "unauthorized")
	s.stop()

	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := db.InboxAfter(0, 1<<62, 10)
	if err != nil || len(all) != 2 {
		t.Fatalf("inbox after restart: %d entries, %v; want the 2 signed ones", len(all), err)
	}
	// The first was processed by now, or will be at the next start.
	if string(all[0].Body) != string(good) || all[0].State != storage.InboxReceived && all[0].State != storage.InboxProcessed ||
		string(all[1].Body) != string(broken) || all[1].State != storage.InboxUnprocessable {
		t.Fatalf("inbox: %+v", all)
	}
}

// Operators see what was kept and not applied, with why, and can replay
// it; a replay changes nothing already applied.
func TestHTTP_AdminInbox(t *testing.T) {
	s := newTestServer(t, httpapi.Config{WebhookAppSecret: "app-secret"})
	stranger := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"messages":[{"from":"919812300000","id":"wamid.in1","timestamp":"1764000000","type":"text","text":{"body":"haan aayenge"}}]}}]}]}`)
	broken := []byte(`{"object":`)
	for _, b := range [][]byte{stranger, broken} {
		s.call("POST", "/webhooks/whatsapp", "", b, whatsapp.SignatureHeader, whatsapp.Sign("app-secret", b))
	}
	var items []any
	deadline := time.Now().Add(10 * time.Second)
	for len(items) < 2 && time.Now().Before(deadline) {
		items = s.must(200, "GET", "/v1/admin/inbox", s.root, nil).items()
		time.Sleep(10 * time.Millisecond)
	}
	if len(items) != 2 {
		t.Fatalf("inbox: %v", items)
	}
	first, second := obj(items[0]), obj(items[1])
	if first["state"] != "unroutable" || !strings.Contains(first["why"].(string), "never messaged this phone") || first["body"] != string(stranger) ||
		second["state"] != "unprocessable" || second["why"] == "" {
		t.Fatalf("inbox items: %v", items)
	}
	if a := s.must(200, "GET", "/v1/admin/inbox?state=unprocessable", s.root, nil); len(a.items()) != 1 {
		t.Fatalf("unprocessable only: %s", a.raw)
	}
	wantError(t, s.call("GET", "/v1/admin/inbox?state=lost", s.root, nil), 400, "invalid_field")
	if a := s.must(200, "POST", "/v1/admin/inbox/replay", s.root, map[string]any{"from": "2000-01-01T00:00:00Z"}); num(a.body["queued"]) != 1 {
		t.Fatalf("replay: %s", a.raw)
	}
	// Replayed, the stranger's reply is kept again, with why.
	deadline = time.Now().Add(10 * time.Second)
	for {
		a := s.must(200, "GET", "/v1/admin/inbox?state=unroutable", s.root, nil)
		if len(a.items()) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the replay: %s", a.raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// API.md: before authentication nothing is read or held beyond what the
// route needs. A webhook's body is read before its signature can be
// checked, so the bytes of webhook bodies being read at once are bounded
// (Config.WebhookBodyBudgetBytes): a webhook whose body does not fit now
// gets 429 overloaded with Retry-After (Meta retries), answered from its headers; the
// budget comes back as requests end, and signed bodies go through again.
func TestHTTP_WebhookBodyBudget(t *testing.T) {
	const limit, budget = 20_000, 50_000 // two of the largest bodies fit, not three
	s, ln := newWatchedServer(t, httpapi.Config{WebhookAppSecret: "app-secret", WebhookBodyBytes: limit, WebhookBodyBudgetBytes: budget})
	declared := func(n int) string { return "Content-Length: " + strconv.Itoa(n) }
	signed := func(size int) []byte {
		b := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
		return append(b, bytes.Repeat([]byte(" "), size-len(b))...)
	}

	// Six slow senders at once, each declaring the largest body and
	// sending half of it (past fasthttp's 8 KiB prefetch): two are read as
	// they arrive, the other four are refused.
	type sender struct {
		c    *rawConn
		sent int64
	}
	type result struct {
		i   int
		a   answer
		err error
	}
	msg := head("POST", "/webhooks/whatsapp", declared(limit)) + strings.Repeat(" ", limit/2)
	senders := make([]sender, 6)
	answers := make(chan result, len(senders))
	for i := range senders {
		senders[i] = sender{c: s.dialRaw(t), sent: int64(len(msg))}
	}
	for i, sd := range senders {
		go func() {
			if _, err := io.WriteString(sd.c, msg); err != nil {
				answers <- result{i: i, err: err}
				return
			}
			a, err := sd.c.answer(30 * time.Second) // a bound for a broken server
			answers <- result{i, a, err}
		}()
	}
	answered := map[int]bool{}
	for range len(senders) - budget/limit {
		r := <-answers
		if r.err != nil {
			t.Fatalf("sender %d: %v", r.i, r.err)
		}
		wantError(t, r.a, 429, "overloaded")
		if r.a.header.Get("Retry-After") != "1" || !strings.EqualFold(r.a.header.Get("Connection"), "close") {
			t.Fatalf("sender %d: 429 with headers %v; want Retry-After: 1 and the connection closed", r.i, r.a.header)
		}
		answered[r.i] = true
	}
	var held []sender
	for i, sd := range senders {
		if answered[i] {
			continue
		}
		if ln.settled(t, sd.c.LocalAddr().String(), sd.sent, 20*time.Second) {
			t.Fatalf("sender %d: the server closed a webhook whose body was arriving within the budget", i)
		}
		held = append(held, sd)
	}

	// 40 000 of 50 000 held: a signed body that fits goes through; one
	// declaring more than what is left, or chunked (counted as the limit),
	// is refused from its headers alone.
	small := signed(limit / 2)
	if a := s.call("POST", "/webhooks/whatsapp", "", small, whatsapp.SignatureHeader, whatsapp.Sign("app-secret", small)); a.status != 200 {
		t.Fatalf("a signed body within what is left: %d %s", a.status, a.raw)
	}
	for _, hdr := range []string{declared(limit/2 + 1), "Transfer-Encoding: chunked"} {
		c := s.dialRaw(t)
		c.send(t, head("POST", "/webhooks/whatsapp", hdr))
		a, err := c.answer(30 * time.Second)
		if err != nil {
			t.Fatalf("%s: no answer from the headers alone: %v", hdr, err)
		}
		wantError(t, a, 429, "overloaded")
		if a.header.Get("Retry-After") != "1" || !c.closedAfter(5*time.Second) {
			t.Fatalf("%s: 429 with headers %v, or the connection stays open", hdr, a.header)
		}
	}

	// The held bodies end, unsigned (401): their share comes back, and
	// bodies of the largest size go through again.
	for _, sd := range held {
		sd.c.send(t, strings.Repeat(" ", limit/2))
	}
	for range held {
		r := <-answers
		if r.err != nil {
			t.Fatalf("sender %d: %v", r.i, r.err)
		}
		wantError(t, r.a, 401, "unauthorized")
	}
	full := signed(limit)
	for range 3 {
		if a := s.call("POST", "/webhooks/whatsapp", "", full, whatsapp.SignatureHeader, whatsapp.Sign("app-secret", full)); a.status != 200 {
			t.Fatalf("a signed body of the largest size after: %d %s", a.status, a.raw)
		}
	}
}

// A budget smaller than the largest body is raised to it: a body the
// route takes can always be taken once nothing else is being read.
func TestHTTP_WebhookBodyBudgetAtLeastOneBody(t *testing.T) {
	s := newTestServer(t, httpapi.Config{WebhookAppSecret: "app-secret", WebhookBodyBytes: 20_000, WebhookBodyBudgetBytes: 1})
	b := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	b = append(b, bytes.Repeat([]byte(" "), 20_000-len(b))...)
	if a := s.call("POST", "/webhooks/whatsapp", "", b, whatsapp.SignatureHeader, whatsapp.Sign("app-secret", b)); a.status != 200 {
		t.Fatalf("a signed body of the largest size: %d %s", a.status, a.raw)
	}
}
