package whatsapp

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Message is one outbound message. Exactly one of Template, Buttons, List,
// Text is set: a template is the only kind Meta delivers outside the 24 h
// customer-service window; buttons, lists and text need it open
// (WHATSAPP.md §7.4).
type Message struct {
	To           string // E.164 with leading '+'
	CallbackData string // sent as biz_opaque_callback_data: our message id (≤ 512 chars); echoed on status webhooks
	ReplyTo      string // optional wamid: sent as "context":{"message_id":...}
	Template     *Template
	Buttons      *Buttons
	List         *List
	Text         string
}

// Template is a send of a template registered with Meta (WHATSAPP.md §5.2).
type Template struct {
	Name, Language string
	// Params are the body parameters, positional ({{1}}, {{2}}, …). Their
	// count must match the template's or Meta answers 132000.
	Params []string
	// ButtonPayloads are the quick-reply payloads by button index 0..;
	// there may be fewer than the template's buttons. The labels are fixed
	// at registration; only payloads are set per send.
	ButtonPayloads []string
}

// Buttons is an interactive reply-buttons message (WHATSAPP.md §5.3).
// Header and Footer are optional (empty means none).
type Buttons struct {
	Header, Body, Footer string
	Buttons              []Button
}

// Button is one reply button: ID comes back in the webhook when tapped
// (WHATSAPP.md §3.4), Title is what the guest sees.
type Button struct{ ID, Title string }

// List is an interactive list message (WHATSAPP.md §5.4): Button is the
// label of the button that opens the list. Header and Footer are optional.
type List struct {
	Header, Body, Footer, Button string
	Sections                     []Section
}

// Section is a titled group of rows in a list. Title may be empty only
// when the list has one section.
type Section struct {
	Title string
	Rows  []Row
}

// Row is one choice in a list: ID comes back in the webhook when picked
// (WHATSAPP.md §3.5). Description is optional.
type Row struct{ ID, Title, Description string }

// Message kinds, as Kind returns them and as the request's "type" says.
const (
	KindTemplate    = "template"
	KindInteractive = "interactive"
	KindText        = "text"
)

// Kind is "template", "interactive" (buttons or list) or "text": the
// request's "type". It is "" when nothing is set. When several are set (an
// invalid message) the first of template, buttons, list, text wins.
func (m *Message) Kind() string {
	switch {
	case m == nil:
		return ""
	case m.Template != nil:
		return KindTemplate
	case m.Buttons != nil, m.List != nil:
		return KindInteractive
	case m.Text != "":
		return KindText
	}
	return ""
}

// Body is the JSON request body Meta expects for m, in the shapes of
// WHATSAPP.md §5.2–5.5. It returns m.Validate()'s error when m is invalid:
// a body Meta would refuse is never built. The output is deterministic
// (fields in a fixed order, optional ones omitted when empty), so the same
// message always gives the same bytes.
func (m *Message) Body() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	w := wireMessage{
		MessagingProduct:      "whatsapp",
		RecipientType:         "individual",
		To:                    m.To,
		Type:                  m.Kind(),
		BizOpaqueCallbackData: m.CallbackData,
	}
	if m.ReplyTo != "" {
		w.Context = &wireContext{MessageID: m.ReplyTo}
	}
	switch {
	case m.Template != nil:
		w.Template = wireTemplateOf(m.Template)
	case m.Buttons != nil:
		w.Interactive = wireButtonsOf(m.Buttons)
	case m.List != nil:
		w.Interactive = wireListOf(m.List)
	default:
		// NB: preview_url is sent explicitly false, as in §5.5: a URL in a
		// confirmation stays text, and the body does not depend on Meta's
		// default.
		w.Text = &wireText{PreviewURL: false, Body: m.Text}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Names such as "Noa & Eitan" stay readable in logs and the sandbox;
	// \u0026 would be equally valid JSON, only harder to read.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err // unreachable: the wire types hold only strings and bools
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func wireTemplateOf(t *Template) *wireTemplate {
	w := &wireTemplate{
		Name: t.Name,
		// "deterministic" is the only policy Meta documents: the template
		// is sent in exactly this language or refused (132001).
		Language: wireLanguage{Policy: "deterministic", Code: t.Language},
	}
	if len(t.Params) > 0 {
		c := wireComponent{Type: "body", Parameters: make([]wireParameter, len(t.Params))}
		for i, p := range t.Params {
			// Positional parameters carry no parameter_name (§5.2).
			c.Parameters[i] = wireParameter{Type: "text", Text: p}
		}
		w.Components = append(w.Components, c)
	}
	for i, p := range t.ButtonPayloads {
		w.Components = append(w.Components, wireComponent{
			Type:       "button",
			SubType:    "quick_reply",
			Index:      strconv.Itoa(i),
			Parameters: []wireParameter{{Type: "payload", Payload: p}},
		})
	}
	return w
}

func wireButtonsOf(b *Buttons) *wireInteractive {
	w := &wireInteractive{
		Type:   "button",
		Header: wireHeaderOf(b.Header),
		Body:   wireBody{Text: b.Body},
		Footer: wireFooterOf(b.Footer),
	}
	w.Action.Buttons = make([]wireButton, len(b.Buttons))
	for i, bt := range b.Buttons {
		w.Action.Buttons[i] = wireButton{Type: "reply", Reply: wireReply(bt)}
	}
	return w
}

func wireListOf(l *List) *wireInteractive {
	w := &wireInteractive{
		Type:   "list",
		Header: wireHeaderOf(l.Header),
		Body:   wireBody{Text: l.Body},
		Footer: wireFooterOf(l.Footer),
	}
	w.Action.Button = l.Button
	w.Action.Sections = make([]wireSection, len(l.Sections))
	for i, s := range l.Sections {
		ws := wireSection{Title: s.Title, Rows: make([]wireRow, len(s.Rows))}
		for j, r := range s.Rows {
			ws.Rows[j] = wireRow(r)
		}
		w.Action.Sections[i] = ws
	}
	return w
}

func wireHeaderOf(s string) *wireHeader {
	if s == "" {
		return nil
	}
	return &wireHeader{Type: "text", Text: s}
}

func wireFooterOf(s string) *wireBody {
	if s == "" {
		return nil
	}
	return &wireBody{Text: s}
}

// The wire types are the request body's JSON, field for field; the order of
// the fields is the order in the output.
type (
	wireMessage struct {
		MessagingProduct      string           `json:"messaging_product"`
		RecipientType         string           `json:"recipient_type"`
		To                    string           `json:"to"`
		Type                  string           `json:"type"`
		BizOpaqueCallbackData string           `json:"biz_opaque_callback_data,omitempty"`
		Context               *wireContext     `json:"context,omitempty"`
		Template              *wireTemplate    `json:"template,omitempty"`
		Interactive           *wireInteractive `json:"interactive,omitempty"`
		Text                  *wireText        `json:"text,omitempty"`
	}
	wireContext struct {
		MessageID string `json:"message_id"`
	}
	wireTemplate struct {
		Name       string          `json:"name"`
		Language   wireLanguage    `json:"language"`
		Components []wireComponent `json:"components,omitempty"`
	}
	wireLanguage struct {
		Policy string `json:"policy"`
		Code   string `json:"code"`
	}
	wireComponent struct {
		Type       string          `json:"type"`
		SubType    string          `json:"sub_type,omitempty"`
		Index      string          `json:"index,omitempty"`
		Parameters []wireParameter `json:"parameters"`
	}
	wireParameter struct {
		Type    string `json:"type"`
		Text    string `json:"text,omitempty"`
		Payload string `json:"payload,omitempty"`
	}
	wireInteractive struct {
		Type   string      `json:"type"`
		Header *wireHeader `json:"header,omitempty"`
		Body   wireBody    `json:"body"`
		Footer *wireBody   `json:"footer,omitempty"`
		Action wireAction  `json:"action"`
	}
	wireHeader struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	wireBody struct {
		Text string `json:"text"`
	}
	wireAction struct {
		Button   string        `json:"button,omitempty"`
		Buttons  []wireButton  `json:"buttons,omitempty"`
		Sections []wireSection `json:"sections,omitempty"`
	}
	wireButton struct {
		Type  string    `json:"type"`
		Reply wireReply `json:"reply"`
	}
	wireReply struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	wireSection struct {
		Title string    `json:"title,omitempty"`
		Rows  []wireRow `json:"rows"`
	}
	wireRow struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
	}
	wireText struct {
		PreviewURL bool   `json:"preview_url"`
		Body       string `json:"body"`
	}
)

// RenderTemplate fills spec's body ({{1}}…) with params: what the guest
// reads (the sandbox and logs use it). It substitutes in one pass, so a
// parameter that itself contains "{{2}}" is shown as typed, not filled
// again. A placeholder without a parameter is left as it is, so a missing
// parameter shows in the text rather than vanishing.
func RenderTemplate(spec TemplateSpec, params []string) string {
	body := spec.Body
	var b strings.Builder
	b.Grow(len(body))
	for {
		open := strings.Index(body, "{{")
		if open < 0 {
			break
		}
		end := strings.Index(body[open+2:], "}}")
		if end < 0 {
			break
		}
		inner := body[open+2 : open+2+end]
		n, err := strconv.Atoi(inner)
		if err != nil || n < 1 || n > len(params) || inner[0] == '+' || inner[0] == '-' {
			// Not a placeholder we can fill: keep the first '{' and look
			// again from the next one, so "{{{1}}}" still fills the {{1}}.
			b.WriteString(body[:open+1])
			body = body[open+1:]
			continue
		}
		b.WriteString(body[:open])
		b.WriteString(params[n-1])
		body = body[open+2+end+2:]
	}
	b.WriteString(body)
	return b.String()
}
