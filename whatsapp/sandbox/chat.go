package sandbox

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// chatPrefix is the simulator page's route: GET and POST
// /sandbox/chat/{phone}, the phone E.164 with its '+' URL-escaped (%2B) or
// left out.
const chatPrefix = "/sandbox/chat/"

// chatCSP forbids everything the page does not use: no script, no
// external asset; forms post only to the sandbox itself.
const chatCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"

//go:embed templates/chat.html
var chatFS embed.FS

var chatTmpl = template.Must(template.ParseFS(chatFS, "templates/chat.html"))

// chatItem is one bubble of the chat page.
type chatItem struct {
	Guest    bool // the guest's own message (right, green)
	At       time.Time
	Kind     string
	Text     string
	Buttons  []Choice
	ListRows []Choice
}

type chatPage struct {
	Phone  string // E.164 with its '+'
	Action string // the form's path
	Items  []chatItem
	Note   string // the outcome of the last reply, when it failed
}

// chat is the conversation with digits as the guest sees it, oldest first:
// what the sandbox accepted for the phone and what the guest said.
func (s *Sandbox) chat(digits string) []chatItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	said := s.guestSaidLocked(digits)
	var recs []int
	if rcp := s.mu.phones[digits]; rcp != nil {
		recs = rcp.records
	}
	items := make([]chatItem, 0, len(recs)+len(said))
	for _, idx := range recs {
		for len(said) > 0 && said[0].after <= idx {
			items = append(items, chatItem{Guest: true, At: said[0].At, Kind: "text", Text: said[0].Text})
			said = said[1:]
		}
		a := s.mu.records[idx].clone()
		items = append(items, chatItem{At: a.At, Kind: a.Kind, Text: a.Text, Buttons: a.Buttons, ListRows: a.ListRows})
	}
	for _, g := range said {
		items = append(items, chatItem{Guest: true, At: g.At, Kind: "text", Text: g.Text})
	}
	return items
}

// serveChat is GET and POST /sandbox/chat/{phone}: the WhatsApp simulator.
// GET shows the conversation (an unknown phone has an empty one: the page
// is where a tester starts typing to a phone the sandbox never heard of).
// POST makes the guest tap button=, pick list_row= or type text= through
// Reply, then answers 303 back to the page; the webhook was delivered by
// then. A reply that fails is shown on the page (?note=).
// phone is the path's last segment, unescaped.
func (s *Sandbox) serveChat(ctx *fasthttp.RequestCtx, phone string) {
	digits, ok := queryPhone(phone)
	if !ok {
		writeError(ctx, http.StatusBadRequest, "invalid_phone", "phone: must be a phone number in E.164 format (the '+' URL-encoded as %2B)")
		return
	}
	action := chatPrefix + "%2B" + digits
	if ctx.IsPost() {
		args := ctx.PostArgs()
		r := ReplyRequest{From: "+" + digits, Button: string(args.Peek("button")),
			ListRow: string(args.Peek("list_row")), Text: strings.TrimSpace(string(args.Peek("text")))}
		loc := action
		if _, err := s.Reply(context.Context(ctx), r); err != nil {
			loc += "?note=" + url.QueryEscape(chatNote(err))
		}
		ctx.Response.Header.Set(fasthttp.HeaderLocation, loc)
		ctx.SetStatusCode(http.StatusSeeOther)
		return
	}
	page := chatPage{Phone: "+" + digits, Action: action, Items: s.chat(digits),
		Note: string(ctx.QueryArgs().Peek("note"))}
	var b bytes.Buffer
	if err := chatTmpl.Execute(&b, page); err != nil {
		writeError(ctx, http.StatusInternalServerError, "internal", "rendering the chat failed")
		return
	}
	ctx.Response.Header.Set("Content-Security-Policy", chatCSP)
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.Response.Header.Set("Referrer-Policy", "no-referrer")
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetBody(b.Bytes())
}

// chatNote is a failed reply's error as the page shows it.
func chatNote(err error) string {
	switch {
	case errors.Is(err, ErrInvalidReply), errors.Is(err, ErrNoMatch):
		return err.Error()
	case errors.Is(err, ErrClosed):
		return "the sandbox is shut down"
	}
	return "not delivered: " + err.Error()
}
