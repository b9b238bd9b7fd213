package sandbox_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// noRedirect is a client that shows a 303 rather than following it.
var noRedirect = &http.Client{Timeout: httpClient.Timeout,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (h *harness) chatGet(phonePath string) (int, http.Header, string) {
	h.t.Helper()
	resp, err := httpClient.Get(h.url + "/sandbox/chat/" + phonePath)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (h *harness) chatPost(phonePath string, form url.Values) (int, string) {
	h.t.Helper()
	resp, err := noRedirect.PostForm(h.url+"/sandbox/chat/"+phonePath, form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestChat_Page: the simulator shows the rendered invitation and its quick
// replies as forms; a tap posts through Reply (the webhook carries the
// button's payload) and answers 303 back to the page, which then shows the
// guest's reply after the invitation.
func TestChat_Page(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	h.mustSend(invite(guest, "inv_4q9z1", ""))
	want := h.sb.Accepted(guest)[0].Text

	esc := "%2B" + strings.TrimPrefix(guest, "+")
	status, header, body := h.chatGet(esc)
	if status != http.StatusOK {
		t.Fatalf("GET: %d %s", status, body)
	}
	if csp := header.Get("Content-Security-Policy"); csp != "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" {
		t.Errorf("CSP %q", csp)
	}
	if !strings.HasPrefix(header.Get("Content-Type"), "text/html") {
		t.Errorf("content type %q", header.Get("Content-Type"))
	}
	if want == "" || !strings.Contains(body, want) && !strings.Contains(body, strings.ReplaceAll(want, "&", "&amp;")) {
		t.Errorf("the page lacks the rendered text %q", want)
	}
	for _, b := range []string{"Yes", "No", "Maybe"} {
		if !strings.Contains(body, `name="button" value="`+b+`"`) {
			t.Errorf("no button %q", b)
		}
	}
	if !strings.Contains(body, `action="/sandbox/chat/%2B`) || !strings.Contains(body, `name="text"`) {
		t.Error("forms do not post back to the page")
	}
	if len(body) >= 50<<10 {
		t.Errorf("page is %d bytes", len(body))
	}

	// Without the plus, the same page.
	if status, _, body2 := h.chatGet(strings.TrimPrefix(guest, "+")); status != http.StatusOK || body2 != body {
		t.Errorf("GET without '+': %d, same page %v", status, body2 == body)
	}

	status, loc := h.chatPost(esc, url.Values{"button": {"Yes"}})
	if status != http.StatusSeeOther || loc != "/sandbox/chat/"+esc {
		t.Fatalf("POST: %d Location %q", status, loc)
	}
	_, m := lastMessage(t, rcv)
	if m.Type != "button" || m.Button == nil || m.Button.Payload != "rsvp:inv_4q9z1:yes" || m.Button.Text != "Yes" {
		t.Errorf("webhook message: %+v %+v", m, m.Button)
	}

	status, loc = h.chatPost(esc, url.Values{"text": {"haan, 4 log"}})
	if status != http.StatusSeeOther || loc != "/sandbox/chat/"+esc {
		t.Fatalf("POST text: %d %q", status, loc)
	}
	if _, m := lastMessage(t, rcv); m.Type != "text" || m.Text == nil || m.Text.Body != "haan, 4 log" {
		t.Errorf("text webhook: %+v", m)
	}

	_, _, body = h.chatGet(esc)
	inv, yes, typed := strings.Index(body, "Asha"), strings.Index(body, `<div class="msg guest">`), strings.Index(body, "haan, 4 log")
	if inv < 0 || yes < inv || typed < yes || strings.Count(body, `<div class="msg guest">`) != 2 {
		t.Errorf("conversation order: invitation %d, guest reply %d, typed %d", inv, yes, typed)
	}

	// A button nobody offered: 303 with a note, no webhook.
	n := len(rcv.delivered())
	status, loc = h.chatPost(esc, url.Values{"button": {"Never"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "?note=") || len(rcv.delivered()) != n {
		t.Errorf("unmatched button: %d %q", status, loc)
	}
}

// TestChat_Escaping: a message's text is HTML-escaped.
func TestChat_Escaping(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	h.mustReply(map[string]any{"from": guest, "text": "<script>alert(2)</script>"}) // opens the window
	h.mustSend(js(textMsg(guest, "<script>alert(1)</script> & you")))
	_, _, body := h.chatGet("%2B" + strings.TrimPrefix(guest, "+"))
	if strings.Contains(body, "<script") {
		t.Errorf("unescaped script in the page")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; you") || !strings.Contains(body, "&lt;script&gt;alert(2)") {
		t.Errorf("escaped texts missing")
	}
	if i, j := strings.Index(body, "alert(2)"), strings.Index(body, "alert(1)"); i > j {
		t.Errorf("the guest's message (first) is shown after the business's")
	}
}

// TestChat_UnknownPhone: a phone the sandbox never heard of has an empty
// conversation (200): the tester may start it by typing; a malformed
// phone is 400.
func TestChat_UnknownPhone(t *testing.T) {
	h := start(t, sandbox.Config{}, nil)
	status, _, body := h.chatGet("%2B919800000001")
	if status != http.StatusOK || !strings.Contains(body, "No messages") {
		t.Errorf("unknown phone: %d", status)
	}
	if status, _, _ := h.chatGet("not-a-phone"); status != http.StatusBadRequest {
		t.Errorf("bad phone: %d", status)
	}
}
