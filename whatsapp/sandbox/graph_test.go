package sandbox_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/whatsapp/sandbox"
)

const guest = "+919812345678"

// checkGraphError checks the shape of a Graph error answer (WHATSAPP.md
// §5.7): "(#code) title" message, a type, the code, error_data with
// messaging_product and details (except token errors), an fbtrace_id.
func checkGraphError(t *testing.T, r sendResult, status, code int, details string) {
	t.Helper()
	e := r.err.Error
	if r.status != status || e.Code != code {
		t.Fatalf("want %d code %d, got %d: %s", status, code, r.status, r.raw)
	}
	if !strings.HasPrefix(e.Message, "(#") || !strings.Contains(e.Message, ") ") || e.Type == "" || e.FBTraceID == "" {
		t.Errorf("error shape (§5.7): %s", r.raw)
	}
	if code == 190 {
		return
	}
	if e.ErrorData == nil || e.ErrorData.MessagingProduct != "whatsapp" || !strings.Contains(e.ErrorData.Details, details) {
		t.Errorf("error_data should name %q: %s", details, r.raw)
	}
}

func TestGraph_Validation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	withKey := func(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }
	tmpl := func(name, lang string, components ...any) map[string]any {
		m := invitation(guest, components...)
		m["template"].(map[string]any)["name"] = name
		m["template"].(map[string]any)["language"] = map[string]any{"code": lang}
		return m
	}
	bodyOf := func(params ...any) map[string]any { return map[string]any{"type": "body", "parameters": params} }
	three := []any{textParam("Asha"), textParam("Asha & Rohan"), textParam("Sangeet")}
	withParam := func(p any) map[string]any {
		return invitation(guest, bodyOf(textParam("Asha"), p, textParam("Sangeet")))
	}
	withButton := func(b any) map[string]any { return invitation(guest, bodyOf(three...), b) }
	twoRows := []any{row("a", "A", ""), row("b", "B", "")}
	var elevenRows []any
	for i := range 11 {
		elevenRows = append(elevenRows, row(string(rune('a'+i)), string(rune('A'+i)), ""))
	}

	tests := []struct {
		name    string
		path    string            // default graphPath
		header  map[string]string // default the right token
		body    string
		status  int // default 400
		code    int
		details string
	}{
		// Reference: WHATSAPP.md §5.1 (endpoint, auth) and §6 (0/190 bad token, 100).
		{name: "unknown phone-number id", path: "/v25.0/999999/messages", body: invite(guest, "i", ""), code: 100, details: "999999"},
		{name: "no token", header: map[string]string{}, body: invite(guest, "i", ""), status: 401, code: 190},
		{name: "wrong token", header: map[string]string{"Authorization": "Bearer nope"}, body: invite(guest, "i", ""), status: 401, code: 190},
		{name: "token without Bearer", header: map[string]string{"Authorization": testToken}, body: invite(guest, "i", ""), status: 401, code: 190},
		// §5.1: messaging_product, to (E.164, '+' optional), type.
		{name: "not JSON", body: `{"messaging_product":`, code: 100, details: "body"},
		{name: "two objects", body: invite(guest, "i", "") + "{}", code: 100, details: "body"},
		{name: "unknown key", body: js(withKey(textMsg(guest, "hi"), "tmplate", 1)), code: 100, details: `Unexpected key "tmplate"`},
		{name: "wrong JSON type", body: `{"messaging_product":"whatsapp","to":919812345678,"type":"text","text":{"body":"hi"}}`, code: 100, details: "to"},
		{name: "no messaging_product", body: js(withKey(textMsg(guest, "hi"), "messaging_product", "")), code: 100, details: "messaging_product"},
		{name: "messaging_product not whatsapp", body: js(withKey(textMsg(guest, "hi"), "messaging_product", "sms")), code: 100, details: "messaging_product"},
		{name: "recipient_type group", body: js(withKey(textMsg(guest, "hi"), "recipient_type", "group")), code: 100, details: "recipient_type"},
		{name: "no to", body: js(withKey(textMsg(guest, "hi"), "to", "")), code: 100, details: "to"},
		{name: "to not digits", body: js(withKey(textMsg(guest, "hi"), "to", "+91-98123-45678")), code: 100, details: "to"},
		{name: "to too long", body: js(withKey(textMsg(guest, "hi"), "to", "+1234567890123456")), code: 100, details: "to"},
		{name: "no type", body: js(withKey(textMsg(guest, "hi"), "type", "")), code: 100, details: "type"},
		{name: "type image", body: js(withKey(textMsg(guest, "hi"), "type", "image")), code: 100, details: "type"},
		{name: "callback data too long", body: js(withKey(textMsg(guest, "hi"), "biz_opaque_callback_data", long(513))), code: 100, details: "biz_opaque_callback_data"},
		// §5.2 and §6: templates.
		{name: "template missing", body: js(withKey(invitation(guest), "template", nil)), code: 100, details: "template"},
		{name: "unknown template", body: js(tmpl("wedding_invitation_v9", "en", bodyOf(three...))), code: 132001, details: "wedding_invitation_v9"},
		{name: "template in another language", body: js(tmpl("wedding_invite", "fr", bodyOf(three...))), code: 132001, details: "fr"},
		{name: "no language", body: js(tmpl("wedding_invite", "", bodyOf(three...))), code: 100, details: "template.language.code"},
		{name: "two body parameters for three", body: js(invitation(guest, bodyOf(three[:2]...))), code: 132000, details: "number of localizable_params (2) does not match the expected number of params (3)"},
		{name: "four body parameters for three", body: js(invitation(guest, bodyOf(append(slices.Clone(three), textParam("x"))...))), code: 132000, details: "(4)"},
		{name: "no body component", body: js(invitation(guest)), code: 132000, details: "(0)"},
		{name: "header parameters the template lacks", body: js(invitation(guest, bodyOf(three...), map[string]any{"type": "header", "parameters": []any{textParam("x")}})), code: 132000, details: "header"},
		{name: "two body components", body: js(invitation(guest, bodyOf(three...), bodyOf(three...))), code: 100, details: "template.components[1].type"},
		{name: "footer component", body: js(invitation(guest, bodyOf(three...), map[string]any{"type": "footer"})), code: 100, details: "template.components[1].type"},
		{name: "empty parameter", body: js(withParam(textParam(""))), code: 131008, details: "parameters[1]"},
		{name: "parameter with a newline", body: js(withParam(textParam("Asha &\nRohan"))), code: 132018, details: "new-line/tab"},
		{name: "parameter with a tab", body: js(withParam(textParam("Asha\tRohan"))), code: 132018, details: "new-line/tab"},
		{name: "parameter with five spaces", body: js(withParam(textParam("Asha     Rohan"))), code: 132018, details: "4 consecutive spaces"},
		{name: "currency parameter", body: js(withParam(map[string]any{"type": "currency", "currency": map[string]any{"code": "INR"}})), code: 132012, details: "parameters[1]"},
		{name: "url button", body: js(withButton(map[string]any{"type": "button", "sub_type": "url", "index": "0", "parameters": []any{map[string]any{"type": "text", "text": "x"}}})), code: 100, details: "sub_type"},
		{name: "button index past the template's", body: js(withButton(quickReply("3", "p"))), code: 100, details: "template.components[1].index"},
		{name: "button index not a number", body: js(withButton(quickReply("yes", "p"))), code: 100, details: "index"},
		{name: "button index twice", body: js(invitation(guest, bodyOf(three...), quickReply("1", "a"), quickReply(1, "b"))), code: 100, details: "twice"},
		{name: "button parameter not a payload", body: js(withButton(map[string]any{"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": []any{textParam("x")}})), code: 100, details: "parameters[0].type"},
		{name: "button without payload", body: js(withButton(quickReply("0", ""))), code: 100, details: "payload"},
		{name: "template body too long once filled", body: js(withParam(textParam(long(1000)))), code: 132005, details: "body"},
		// §5.3: reply buttons.
		{name: "four buttons", body: js(buttonsMsg(guest, replyButton("a", "A"), replyButton("b", "B"), replyButton("c", "C"), replyButton("d", "D"))), code: 100, details: "interactive.action.buttons"},
		{name: "no buttons", body: js(buttonsMsg(guest)), code: 100, details: "interactive.action.buttons"},
		{name: "button title of 21", body: js(buttonsMsg(guest, replyButton("a", long(21)))), code: 100, details: "interactive.action.buttons[0].reply.title"},
		{name: "button titles twice", body: js(buttonsMsg(guest, replyButton("a", "Yes"), replyButton("b", "Yes"))), code: 100, details: "buttons[1].reply.title: must be unique"},
		{name: "button ids twice", body: js(buttonsMsg(guest, replyButton("a", "Yes"), replyButton("a", "No"))), code: 100, details: "buttons[1].reply.id: must be unique"},
		{name: "button id of 257", body: js(buttonsMsg(guest, replyButton(long(257), "Yes"))), code: 100, details: "buttons[0].reply.id"},
		{name: "button of another type", body: js(buttonsMsg(guest, map[string]any{"type": "url", "reply": map[string]any{"id": "a", "title": "A"}})), code: 100, details: "buttons[0].type"},
		{name: "buttons body of 1025", body: js(withInteractive(buttonsMsg(guest, replyButton("a", "A")), "body", map[string]any{"text": long(1025)})), code: 100, details: "interactive.body.text"},
		{name: "no body", body: js(withInteractive(buttonsMsg(guest, replyButton("a", "A")), "body", nil)), code: 100, details: "interactive.body"},
		{name: "footer of 61", body: js(withInteractive(buttonsMsg(guest, replyButton("a", "A")), "footer", map[string]any{"text": long(61)})), code: 100, details: "interactive.footer.text"},
		{name: "header of 61", body: js(withInteractive(buttonsMsg(guest, replyButton("a", "A")), "header", map[string]any{"type": "text", "text": long(61)})), code: 100, details: "interactive.header.text"},
		{name: "interactive type product", body: js(withInteractive(buttonsMsg(guest, replyButton("a", "A")), "type", "product")), code: 100, details: "interactive.type"},
		// §5.4: lists.
		{name: "eleven rows over two sections", body: js(listMsg(guest, "Choose", section("One", elevenRows[:5]...), section("Two", elevenRows[5:]...))), code: 100, details: "got 11"},
		{name: "eleven sections", body: js(listMsg(guest, "Choose", slices.Repeat([]any{section("S", row("a", "A", ""))}, 11)...)), code: 100, details: "interactive.action.sections"},
		{name: "no sections", body: js(listMsg(guest, "Choose")), code: 100, details: "interactive.action.sections"},
		{name: "row title of 25", body: js(listMsg(guest, "Choose", section("S", row("a", long(25), "")))), code: 100, details: "sections[0].rows[0].title"},
		{name: "row id of 201", body: js(listMsg(guest, "Choose", section("S", row(long(201), "A", "")))), code: 100, details: "sections[0].rows[0].id"},
		{name: "row ids twice", body: js(listMsg(guest, "Choose", section("S", row("a", "A", "")), section("T", row("a", "B", "")))), code: 100, details: "sections[1].rows[0].id: must be unique"},
		{name: "row description of 73", body: js(listMsg(guest, "Choose", section("S", row("a", "A", long(73))))), code: 100, details: "rows[0].description"},
		{name: "list button of 21", body: js(listMsg(guest, long(21), section("S", twoRows...))), code: 100, details: "interactive.action.button"},
		{name: "no list button", body: js(listMsg(guest, "", section("S", twoRows...))), code: 100, details: "interactive.action.button"},
		{name: "second section without title", body: js(listMsg(guest, "Choose", section("S", twoRows[0]), section("", twoRows[1]))), code: 100, details: "sections[1].title"},
		{name: "section title of 25", body: js(listMsg(guest, "Choose", section(long(25), twoRows...))), code: 100, details: "sections[0].title"},
		{name: "list body of 4097", body: js(withInteractive(mealList(guest), "body", map[string]any{"text": long(4097)})), code: 100, details: "interactive.body.text"},
		{name: "list with an image header", body: js(withInteractive(mealList(guest), "header", map[string]any{"type": "image", "image": map[string]any{"id": "1"}})), code: 100, details: "interactive.header.type"},
		// §5.5: text.
		{name: "text without body", body: js(textMsg(guest, "")), code: 100, details: "text.body"},
		{name: "text of 4097", body: js(textMsg(guest, long(4097))), code: 100, details: "text.body"},
		// §7.4: free-form only inside the 24-hour window (none opened here).
		{name: "interactive outside the window", body: js(mealList(guest)), code: 131047, details: "24 hours"},
		{name: "text outside the window", body: js(textMsg(guest, "hi")), code: 131047, details: "24 hours"},
	}
	h := start(t, sandbox.Config{AccessToken: testToken}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, header, status := tt.path, tt.header, tt.status
			if path == "" {
				path = graphPath
			}
			if header == nil {
				header = map[string]string{"Authorization": "Bearer " + testToken}
			}
			if status == 0 {
				status = http.StatusBadRequest
			}
			h.t = t
			checkGraphError(t, h.sendTo(path, tt.body, header), status, tt.code, tt.details)
		})
	}
	h.t = t
	st := h.sb.Stats()
	if st.Accepted != 0 || st.Refused != int64(len(tests)) || st.RateLimited != 0 {
		t.Errorf("stats: %+v, want %d refused and nothing accepted", st, len(tests))
	}
	if st.RefusedByCode[131047] != 2 || st.RefusedByCode[190] != 3 {
		t.Errorf("refused by code: %v", st.RefusedByCode)
	}
	if got := h.sb.AllAccepted(); len(got) != 0 {
		t.Errorf("refused sends were recorded: %+v", got)
	}
}

// withInteractive sets interactive.key (nil deletes it).
func withInteractive(m map[string]any, key string, v any) map[string]any {
	in := m["interactive"].(map[string]any)
	if v == nil {
		delete(in, key)
	} else {
		in[key] = v
	}
	return m
}

// TestGraph_LimitsAccepted sends what is exactly at Meta's limits (§5.2–5.4):
// none of it is refused, so the limits above are not off by one. Lengths
// count characters, not bytes.
func TestGraph_LimitsAccepted(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	h.mustReply(map[string]any{"from": guest, "text": "hello"}) // opens the window
	devanagari20 := strings.Repeat("आ", 20)
	var tenRows []any
	for i := range 10 {
		tenRows = append(tenRows, row(strings.Repeat(string(rune('a'+i)), 200), strings.Repeat("r", 23)+string(rune('A'+i)), strings.Repeat("d", 72)))
	}
	tests := []struct {
		name string
		body map[string]any
	}{
		{"parameter with four spaces and a number index", invitation(guest,
			map[string]any{"type": "body", "parameters": []any{textParam("Asha    Rohan"), textParam("x"), textParam("y")}},
			quickReply(0, "p0"))},
		{"template without buttons set", invitation(guest, inviteBody())},
		{"three buttons of 20 characters, ids of 256", buttonsMsg(guest,
			replyButton(strings.Repeat("a", 256), strings.Repeat("t", 19)+"1"),
			replyButton("b", devanagari20),
			replyButton("c", strings.Repeat("t", 19)+"3"))},
		{"ten rows over three sections at every limit", listMsg(guest, strings.Repeat("b", 20),
			section(strings.Repeat("s", 24), tenRows[:3]...), section("Two", tenRows[3:9]...), section("Three", tenRows[9:]...))},
		{"text of 4096", textMsg(guest, strings.Repeat("x", 4096))},
		{"image header on buttons", withInteractive(buttonsMsg(guest, replyButton("a", "A")), "header",
			map[string]any{"type": "image", "image": map[string]any{"id": "1299384756102938"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			h.mustSend(js(tt.body))
		})
	}
}

// TestGraph_Success checks the answer of §5.6: contacts[].input as sent,
// wa_id digits, a fresh wamid, message_status "accepted" on templates only.
func TestGraph_Success(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{AccessToken: testToken}, rcv)
	seen := map[string]bool{}
	for i, to := range []string{"+919812345678", "919812345679", "+447700900123"} {
		r := h.send(invite(to, "inv", ""))
		if r.status != http.StatusOK || r.ok.MessagingProduct != "whatsapp" || len(r.ok.Contacts) != 1 || len(r.ok.Messages) != 1 {
			t.Fatalf("send %d: %d %s", i, r.status, r.raw)
		}
		c, m := r.ok.Contacts[0], r.ok.Messages[0]
		if c.Input != to || c.WaID != strings.TrimPrefix(to, "+") {
			t.Errorf("contacts: %+v for %q", c, to)
		}
		if !strings.HasPrefix(m.ID, "wamid.") || seen[m.ID] {
			t.Errorf("wamid %q not fresh", m.ID)
		}
		seen[m.ID] = true
		if m.MessageStatus == nil || *m.MessageStatus != "accepted" {
			t.Errorf("template message_status: %s", r.raw)
		}
	}
	// Free-form sends inside the window have no message_status.
	h.mustReply(map[string]any{"from": guest, "text": "haan"})
	for _, body := range []map[string]any{textMsg(guest, "Thank you!"), mealList(guest)} {
		r := h.send(js(body))
		if r.status != http.StatusOK || r.ok.Messages[0].MessageStatus != nil || seen[r.ok.Messages[0].ID] {
			t.Errorf("free-form answer: %d %s", r.status, r.raw)
		}
		seen[r.ok.Messages[0].ID] = true
	}
	if st := h.sb.Stats(); st.Accepted != 5 || st.Refused != 0 {
		t.Errorf("stats: %+v", st)
	}
}

// TestGraph_RateLimit sends 200 messages as fast as it can at MPS 50: no
// 1-second window holds more than 50 accepted sends, and every other send
// is answered 130429 shaped as WHATSAPP.md §5.7.
func TestGraph_RateLimit(t *testing.T) {
	const mps, total = 50, 200
	h := start(t, sandbox.Config{MPS: mps}, nil)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []sendResult
	)
	next := make(chan int, total)
	for i := range total {
		next <- i
	}
	close(next)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				r := h.send(invite("+9198000"+leftPad(i, 5), "inv", ""))
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var accepted, limited int
	for _, r := range results {
		switch r.status {
		case http.StatusOK:
			accepted++
		default:
			limited++
			checkGraphError(t, r, http.StatusBadRequest, 130429, "Cloud API message throughput has been reached.")
			var raw struct {
				Error map[string]json.RawMessage `json:"error"`
			}
			if err := json.Unmarshal(r.raw, &raw); err != nil {
				t.Fatal(err)
			}
			keys := slices.Sorted(maps.Keys(raw.Error))
			want := []string{"code", "error_data", "error_subcode", "fbtrace_id", "message", "type"}
			if !slices.Equal(keys, want) || r.err.Error.Message != "(#130429) Rate limit hit" ||
				r.err.Error.Type != "OAuthException" || r.err.Error.ErrorSubcode != 2494055 {
				t.Fatalf("130429 answer not as §5.7: %s", r.raw)
			}
		}
	}
	if accepted < mps || limited == 0 || accepted+limited != total {
		t.Fatalf("accepted %d, rate-limited %d of %d", accepted, limited, total)
	}
	all := h.sb.AllAccepted()
	if len(all) != accepted {
		t.Fatalf("recorded %d, accepted %d", len(all), accepted)
	}
	for i := 0; i+mps < len(all); i++ {
		if d := all[i+mps].At.Sub(all[i].At); d < time.Second {
			t.Fatalf("sends %d and %d accepted %v apart: %d in one second", i, i+mps, d, mps+1)
		}
	}
	st := h.sb.Stats()
	if st.Accepted != int64(accepted) || st.RateLimited != int64(limited) || st.MaxPerSecond > mps || st.MaxPerSecond < 1 || st.Refused != 0 {
		t.Errorf("stats %+v, accepted %d limited %d", st, accepted, limited)
	}
}

// TestGraph_RateLimitWindow checks the window's edges on a fixed clock: a
// send is refused while MPS sends lie in the last second, and accepted
// once the oldest is a full second old.
func TestGraph_RateLimitWindow(t *testing.T) {
	clk := newClock()
	h := start(t, sandbox.Config{MPS: 5, Now: clk.Now}, nil)
	for i := range 5 {
		h.mustSend(invite("+9198000"+leftPad(i, 5), "inv", ""))
		clk.Add(100 * time.Millisecond)
	}
	// The first send is 500 ms old.
	checkGraphError(t, h.send(invite("+919800099999", "inv", "")), http.StatusBadRequest, 130429, "throughput")
	clk.Add(499 * time.Millisecond)
	checkGraphError(t, h.send(invite("+919800099999", "inv", "")), http.StatusBadRequest, 130429, "throughput")
	clk.Add(time.Millisecond) // the first is now 1 s old: out of the window
	h.mustSend(invite("+919800099999", "inv", ""))
	checkGraphError(t, h.send(invite("+919800099998", "inv", "")), http.StatusBadRequest, 130429, "throughput")
	if st := h.sb.Stats(); st.Accepted != 6 || st.RateLimited != 3 || st.MaxPerSecond != 5 {
		t.Errorf("stats: %+v", st)
	}
}

// TestGraph_Window checks the 24-hour window (WHATSAPP.md §7.4): a guest's
// message opens it for interactive and text sends, a template does not, and
// it shuts 24 hours after the guest's last message.
func TestGraph_Window(t *testing.T) {
	clk := newClock()
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{Now: clk.Now}, rcv)
	h.mustSend(invite(guest, "inv1", ""))
	checkGraphError(t, h.send(js(buttonsMsg(guest, replyButton("a", "A")))), http.StatusBadRequest, 131047, "24 hours")

	h.mustReply(map[string]any{"from": guest, "button": "Yes"})
	h.mustSend(js(buttonsMsg(guest, replyButton("a", "A"))))
	h.mustSend(js(textMsg(guest, "See you!")))
	checkGraphError(t, h.send(js(textMsg("+919812345670", "hi"))), http.StatusBadRequest, 131047, "24 hours") // another guest

	clk.Add(sandbox.Window - time.Second)
	h.mustSend(js(textMsg(guest, "Tomorrow!")))
	clk.Add(time.Second)
	checkGraphError(t, h.send(js(textMsg(guest, "Today!"))), http.StatusBadRequest, 131047, "24 hours")
	h.mustSend(invite(guest, "inv1", "")) // templates go out whatever the window

	h.mustReply(map[string]any{"from": guest, "text": "ok"}) // refreshes it
	h.mustSend(js(textMsg(guest, "Today!")))
}

func TestHandler_NotFound(t *testing.T) {
	h := start(t, sandbox.Config{}, nil)
	tests := []struct{ method, path string }{
		{http.MethodGet, "/"},
		{http.MethodGet, "/nope"},
		{http.MethodGet, graphPath},
		{http.MethodPost, "/v25.0/" + sandbox.DefaultPhoneNumberID + "/media"},
		{http.MethodPost, "/25.0/" + sandbox.DefaultPhoneNumberID + "/messages"},
		{http.MethodPost, "/vX/" + sandbox.DefaultPhoneNumberID + "/messages"},
		{http.MethodPost, "/v25.0/" + sandbox.DefaultPhoneNumberID + "/messages/x"},
		{http.MethodPost, "/sandbox/messages"},
		{http.MethodGet, "/sandbox/reply"},
		{http.MethodPost, "/sandbox/nope"},
	}
	for _, tt := range tests {
		status, body := h.do(tt.method, tt.path, invite(guest, "i", ""), nil)
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if status != http.StatusNotFound || json.Unmarshal(body, &e) != nil || e.Error.Code != "not_found" || e.Error.Message == "" {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, status, body)
		}
	}
	// Any version is taken.
	h.mustSend(invite(guest, "i", ""))
	if r := h.sendTo("/v19.0/"+sandbox.DefaultPhoneNumberID+"/messages", invite(guest, "i", ""), nil); r.status != http.StatusOK {
		t.Errorf("v19.0: %d %s", r.status, r.raw)
	}
	if st := h.sb.Stats(); st.Accepted != 2 || st.Refused != 0 {
		t.Errorf("stats: %+v", st)
	}
}

// leftPad is i in width digits.
func leftPad(i, width int) string {
	return fmt.Sprintf("%0*d", width, i)
}
