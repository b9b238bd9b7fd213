package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parinayaos/engine/whatsapp"
)

// Message kinds, as Accepted.Kind and the send's "type".
const (
	KindTemplate    = "template"
	KindInteractive = "interactive"
	KindText        = "text"
)

// Limits of Meta's send API (WHATSAPP.md §5.1–5.5 and §7.5).
const (
	maxCallbackData   = 512 // biz_opaque_callback_data [verify] (§5.1)
	maxTemplateBody   = 1024
	maxReplyButtons   = 3
	maxButtonID       = 256
	maxButtonTitle    = 20
	maxButtonBody     = 1024
	maxFooter         = 60
	maxHeaderText     = 60
	maxListButton     = 20
	maxListBody       = 4096
	maxSections       = 10
	maxRows           = 10
	maxSectionTitle   = 24
	maxRowID          = 200
	maxRowTitle       = 24
	maxRowDescription = 72
	maxTextBody       = 4096
)

// outgoing is a send that passed validation: what the sandbox records.
type outgoing struct {
	input  string // "to" as the client wrote it, echoed in contacts[].input
	digits string
	msg    Accepted // without WAMID and At
}

// parseSend reads and validates a send request body as Meta would
// (WHATSAPP.md §5), against the registered templates. The 24-hour window
// and throughput, which depend on the sandbox's state, are checked by the
// caller.
func parseSend(body []byte, templates []whatsapp.TemplateSpec) (outgoing, *graphError) {
	var req sendRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return outgoing{}, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return outgoing{}, invalidParam("body", "must be one JSON object")
	}
	switch req.MessagingProduct {
	case "whatsapp":
	case "":
		return outgoing{}, invalidParam("messaging_product", "is required")
	default:
		return outgoing{}, invalidParam("messaging_product", `must be "whatsapp", got %q`, req.MessagingProduct)
	}
	if req.RecipientType != "" && req.RecipientType != "individual" {
		return outgoing{}, invalidParam("recipient_type", `must be "individual", got %q`, req.RecipientType)
	}
	if req.To == "" {
		return outgoing{}, invalidParam("to", "is required")
	}
	digits, ok := phoneDigits(req.To)
	if !ok {
		return outgoing{}, invalidParam("to", "must be a phone number in E.164 format ('+' optional), got %q", req.To)
	}
	if n := utf8.RuneCountInString(req.BizOpaqueCallbackData); n > maxCallbackData {
		return outgoing{}, invalidParam("biz_opaque_callback_data", "at most %d characters, got %d", maxCallbackData, n)
	}
	out := outgoing{input: req.To, digits: digits, msg: Accepted{
		To: "+" + digits, Kind: req.Type, CallbackData: req.BizOpaqueCallbackData,
	}}
	var gerr *graphError
	switch req.Type {
	case KindTemplate:
		out.msg.Template, out.msg.Text, out.msg.Buttons, gerr = parseTemplate(req.Template, templates)
	case KindInteractive:
		out.msg.Text, out.msg.Buttons, out.msg.ListRows, gerr = parseInteractive(req.Interactive)
	case KindText:
		if req.Text == nil {
			return outgoing{}, invalidParam("text", "is required for type text")
		}
		gerr = checkText("text.body", req.Text.Body, maxTextBody)
		out.msg.Text = req.Text.Body
	case "":
		return outgoing{}, invalidParam("type", "is required")
	default:
		return outgoing{}, invalidParam("type", "must be template, interactive or text (the sandbox plays no other), got %q", req.Type)
	}
	if gerr != nil {
		return outgoing{}, gerr
	}
	return out, nil
}

// decodeError is Graph's answer to a body it cannot read.
func decodeError(err error) *graphError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return invalidParam(field, "must be %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidParam("body", "not valid JSON")
	}
	if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalidParam("body", "Unexpected key %s", key)
	}
	return invalidParam("body", "%v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "struct", "ptr":
		return "an object"
	}
	return "a " + goKind
}

// phoneDigits is the E.164 number s ('+' optional) as its digits.
func phoneDigits(s string) (string, bool) {
	d := strings.TrimPrefix(s, "+")
	if len(d) < 7 || len(d) > 15 || d[0] == '0' || !allDigits(d) {
		return "", false
	}
	return d, true
}

// checkText is code 100 when v is empty or longer than max characters.
func checkText(field, v string, max int) *graphError {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0:
		return invalidParam(field, "is required")
	case n > max:
		return invalidParam(field, "at most %d characters, got %d", max, n)
	}
	return nil
}

// parseTemplate checks a template send against the registered spec
// (WHATSAPP.md §5.2, codes of §6): the template must exist in that language
// (132001); the body takes exactly the spec's number of text parameters
// (132000), none empty (131008) and none with a newline, a tab or more than
// four consecutive spaces (132018); quick-reply buttons are addressed by
// index with a payload parameter. It returns the template, its rendered body
// and its buttons (labels, with the payloads set as ids).
func parseTemplate(t *wireTemplate, specs []whatsapp.TemplateSpec) (*TemplateRef, string, []Choice, *graphError) {
	switch {
	case t == nil:
		return nil, "", nil, invalidParam("template", "is required for type template")
	case t.Name == "":
		return nil, "", nil, invalidParam("template.name", "is required")
	case t.Language == nil || t.Language.Code == "":
		return nil, "", nil, invalidParam("template.language.code", "is required")
	case t.Language.Policy != "" && t.Language.Policy != "deterministic":
		return nil, "", nil, invalidParam("template.language.policy", `must be "deterministic", got %q`, t.Language.Policy)
	}
	spec, ok := whatsapp.FindTemplate(specs, t.Name, t.Language.Code)
	if !ok {
		return nil, "", nil, &graphError{status: http.StatusBadRequest, code: codeTemplateMissing,
			title:   "Template name does not exist in the translation",
			details: fmt.Sprintf("template name (%s) does not exist in %s", t.Name, t.Language.Code)}
	}
	var params []*string
	var paramFields []string
	bodySeen := false
	payloads := make([]*string, len(spec.Buttons))
	for i, c := range t.Components {
		field := fmt.Sprintf("template.components[%d]", i)
		switch c.Type {
		case "body":
			if bodySeen {
				return nil, "", nil, invalidParam(field+".type", "a template has one body component")
			}
			bodySeen = true
			for j, p := range c.Parameters {
				pf := fmt.Sprintf("%s.parameters[%d]", field, j)
				if p.Type != "text" {
					return nil, "", nil, &graphError{status: http.StatusBadRequest, code: codeParamFormat,
						title:   "Parameter format does not match format in the created template",
						details: fmt.Sprintf("%s: the template takes text parameters, got type %q", pf, p.Type)}
				}
				params = append(params, p.Text)
				paramFields = append(paramFields, pf)
			}
		case "header":
			if n := len(c.Parameters); n > 0 {
				return nil, "", nil, errParamCount("header", n, 0)
			}
		case "button":
			idx, gerr := parseButton(field, c, len(spec.Buttons))
			if gerr != nil {
				return nil, "", nil, gerr
			}
			if payloads[idx] != nil {
				return nil, "", nil, invalidParam(field+".index", "button %d is set twice", idx)
			}
			payloads[idx] = c.Parameters[0].Payload
		default:
			return nil, "", nil, invalidParam(field+".type", "must be header, body or button, got %q", c.Type)
		}
	}
	if len(params) != len(spec.Params) {
		return nil, "", nil, errParamCount("body", len(params), len(spec.Params))
	}
	values := make([]string, len(params))
	for i, p := range params {
		if p == nil || *p == "" {
			return nil, "", nil, &graphError{status: http.StatusBadRequest, code: codeRequiredMissing,
				title: "Required parameter is missing", details: paramFields[i] + ": Parameter of type text is missing text value"}
		}
		if strings.ContainsAny(*p, "\n\t") || strings.Contains(*p, "     ") {
			return nil, "", nil, &graphError{status: http.StatusBadRequest, code: codeParamText,
				title:   "There was an issue with the parameters in your template.",
				details: paramFields[i] + ": Param text cannot have new-line/tab characters or more than 4 consecutive spaces"}
		}
		values[i] = *p
	}
	text := render(spec.Body, values)
	if n := utf8.RuneCountInString(text); n > maxTemplateBody {
		return nil, "", nil, &graphError{status: http.StatusBadRequest, code: codeTranslatedTooLong,
			title: "Translated text too long", details: fmt.Sprintf("body: %d characters once filled in, at most %d", n, maxTemplateBody)}
	}
	buttons := make([]Choice, len(spec.Buttons))
	for i, label := range spec.Buttons {
		buttons[i] = Choice{Title: label}
		if payloads[i] != nil {
			buttons[i].ID = *payloads[i]
		}
	}
	return &TemplateRef{Name: spec.Name, Language: spec.Language, Params: values}, text, buttons, nil
}

func errParamCount(component string, got, want int) *graphError {
	return &graphError{status: http.StatusBadRequest, code: codeParamCount,
		title: "Number of parameters does not match the expected number of params",
		details: fmt.Sprintf("%s: number of localizable_params (%d) does not match the expected number of params (%d)",
			component, got, want)}
}

// parseButton checks a template's button component: a quick reply, its
// index ("0".."9") within the template's buttons, one payload parameter.
func parseButton(field string, c wireComponent, buttons int) (int, *graphError) {
	if c.SubType != "quick_reply" {
		return 0, invalidParam(field+".sub_type", `must be "quick_reply" (the template's buttons are quick replies), got %q`, c.SubType)
	}
	raw := string(c.Index)
	if s, err := strconv.Unquote(raw); err == nil {
		raw = s
	}
	idx, err := strconv.Atoi(raw)
	switch {
	case len(c.Index) == 0:
		return 0, invalidParam(field+".index", "is required")
	case err != nil || idx < 0 || idx > 9:
		return 0, invalidParam(field+".index", "must be \"0\" to \"9\", got %s", c.Index)
	case idx >= buttons:
		return 0, invalidParam(field+".index", "button %d does not exist: the template has %d buttons", idx, buttons)
	}
	if len(c.Parameters) != 1 {
		return 0, invalidParam(field+".parameters", "a quick reply takes one payload parameter, got %d", len(c.Parameters))
	}
	p := c.Parameters[0]
	if p.Type != "payload" {
		return 0, invalidParam(field+".parameters[0].type", `must be "payload", got %q`, p.Type)
	}
	if p.Payload == nil || *p.Payload == "" {
		return 0, invalidParam(field+".parameters[0].payload", "is required")
	}
	return idx, nil
}

// render is body with {{1}}, {{2}}, … replaced by params.
func render(body string, params []string) string {
	pairs := make([]string, 0, 2*len(params))
	for i, p := range params {
		pairs = append(pairs, "{{"+strconv.Itoa(i+1)+"}}", p)
	}
	return strings.NewReplacer(pairs...).Replace(body)
}

// parseInteractive checks reply buttons (WHATSAPP.md §5.3) and lists
// (§5.4) against Meta's limits, answering code 100 with the field named. It
// returns the body text, the buttons and the list rows.
func parseInteractive(in *wireInteractive) (string, []Choice, []Choice, *graphError) {
	if in == nil {
		return "", nil, nil, invalidParam("interactive", "is required for type interactive")
	}
	maxBody := maxButtonBody
	switch in.Type {
	case "button":
	case "list":
		maxBody = maxListBody
	case "":
		return "", nil, nil, invalidParam("interactive.type", "is required")
	default:
		return "", nil, nil, invalidParam("interactive.type", "must be button or list (the sandbox plays no other), got %q", in.Type)
	}
	if in.Body == nil {
		return "", nil, nil, invalidParam("interactive.body", "is required")
	}
	if gerr := checkText("interactive.body.text", in.Body.Text, maxBody); gerr != nil {
		return "", nil, nil, gerr
	}
	if in.Footer != nil {
		if gerr := checkText("interactive.footer.text", in.Footer.Text, maxFooter); gerr != nil {
			return "", nil, nil, gerr
		}
	}
	if h := in.Header; h != nil {
		switch {
		case h.Type == "text":
			if gerr := checkText("interactive.header.text", h.Text, maxHeaderText); gerr != nil {
				return "", nil, nil, gerr
			}
		case in.Type == "list":
			return "", nil, nil, invalidParam("interactive.header.type", `a list's header is text only, got %q`, h.Type)
		case h.Type == "image" && len(h.Image) > 0, h.Type == "video" && len(h.Video) > 0,
			h.Type == "document" && len(h.Document) > 0:
		default:
			return "", nil, nil, invalidParam("interactive.header", "type %q needs its %s object", h.Type, h.Type)
		}
	}
	a := in.Action
	if a == nil {
		return "", nil, nil, invalidParam("interactive.action", "is required")
	}
	if in.Type == "button" {
		buttons, gerr := parseReplyButtons(a.Buttons)
		return in.Body.Text, buttons, nil, gerr
	}
	rows, gerr := parseList(a)
	return in.Body.Text, nil, rows, gerr
}

func parseReplyButtons(bs []wireButton) ([]Choice, *graphError) {
	if len(bs) == 0 || len(bs) > maxReplyButtons {
		return nil, invalidParam("interactive.action.buttons", "1 to %d buttons, got %d", maxReplyButtons, len(bs))
	}
	out := make([]Choice, len(bs))
	titles := make(map[string]bool, len(bs))
	ids := make(map[string]bool, len(bs))
	for i, b := range bs {
		field := fmt.Sprintf("interactive.action.buttons[%d]", i)
		if b.Type != "reply" {
			return nil, invalidParam(field+".type", `must be "reply", got %q`, b.Type)
		}
		if b.Reply == nil {
			return nil, invalidParam(field+".reply", "is required")
		}
		if gerr := checkText(field+".reply.id", b.Reply.ID, maxButtonID); gerr != nil {
			return nil, gerr
		}
		if gerr := checkText(field+".reply.title", b.Reply.Title, maxButtonTitle); gerr != nil {
			return nil, gerr
		}
		if titles[b.Reply.Title] {
			return nil, invalidParam(field+".reply.title", "must be unique, %q is used twice", b.Reply.Title)
		}
		if ids[b.Reply.ID] {
			return nil, invalidParam(field+".reply.id", "must be unique, %q is used twice", b.Reply.ID)
		}
		titles[b.Reply.Title], ids[b.Reply.ID] = true, true
		out[i] = Choice{ID: b.Reply.ID, Title: b.Reply.Title}
	}
	return out, nil
}

func parseList(a *wireAction) ([]Choice, *graphError) {
	if gerr := checkText("interactive.action.button", a.Button, maxListButton); gerr != nil {
		return nil, gerr
	}
	if len(a.Sections) == 0 || len(a.Sections) > maxSections {
		return nil, invalidParam("interactive.action.sections", "1 to %d sections, got %d", maxSections, len(a.Sections))
	}
	total := 0
	for _, s := range a.Sections {
		total += len(s.Rows)
	}
	if total == 0 || total > maxRows {
		return nil, invalidParam("interactive.action.sections", "1 to %d rows in all sections together, got %d", maxRows, total)
	}
	rows := make([]Choice, 0, total)
	ids := make(map[string]bool, total)
	for i, s := range a.Sections {
		field := fmt.Sprintf("interactive.action.sections[%d]", i)
		if s.Title != "" || len(a.Sections) > 1 {
			// A title is required once there is more than one section.
			if gerr := checkText(field+".title", s.Title, maxSectionTitle); gerr != nil {
				return nil, gerr
			}
		}
		if len(s.Rows) == 0 {
			return nil, invalidParam(field+".rows", "at least one row")
		}
		for j, r := range s.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", field, j)
			if gerr := checkText(rf+".id", r.ID, maxRowID); gerr != nil {
				return nil, gerr
			}
			if gerr := checkText(rf+".title", r.Title, maxRowTitle); gerr != nil {
				return nil, gerr
			}
			if n := utf8.RuneCountInString(r.Description); n > maxRowDescription {
				return nil, invalidParam(rf+".description", "at most %d characters, got %d", maxRowDescription, n)
			}
			if ids[r.ID] {
				return nil, invalidParam(rf+".id", "must be unique, %q is used twice", r.ID)
			}
			ids[r.ID] = true
			rows = append(rows, Choice(r))
		}
	}
	return rows, nil
}
