package sandbox

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"
)

// Paging of GET /sandbox/messages (API.md "Conventions": lists).
const (
	defaultPageLimit = 100
	maxPageLimit     = 1000
)

// Handler serves the Graph route POST /{version}/{phone-number-id}/messages
// (any version such as v25.0) and the /sandbox/ routes; anything else is
// 404 with a JSON error.
func (s *Sandbox) Handler() fasthttp.RequestHandler { return s.serve }

func (s *Sandbox) serve(ctx *fasthttp.RequestCtx) {
	path := string(ctx.Path())
	switch {
	case ctx.IsGet() && path == "/sandbox/messages":
		s.serveMessages(ctx)
	case ctx.IsPost() && path == "/sandbox/reply":
		s.serveReply(ctx)
	case ctx.IsGet() && path == "/sandbox/stats":
		writeJSON(ctx, http.StatusOK, s.Stats())
	case (ctx.IsGet() || ctx.IsPost()) && strings.HasPrefix(path, chatPrefix) && !strings.Contains(path[len(chatPrefix):], "/"):
		s.serveChat(ctx, path[len(chatPrefix):])
	default:
		if id, ok := graphMessagesPath(path); ok && ctx.IsPost() {
			s.serveSend(ctx, id)
			return
		}
		writeError(ctx, http.StatusNotFound, "not_found", "no such route in the sandbox")
	}
}

// graphMessagesPath is the phone-number id of /{version}/{id}/messages.
func graphMessagesPath(path string) (string, bool) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) != 3 || parts[2] != "messages" || parts[1] == "" {
		return "", false
	}
	major, minor, ok := strings.Cut(strings.TrimPrefix(parts[0], "v"), ".")
	if !strings.HasPrefix(parts[0], "v") || !ok || !allDigits(major) || !allDigits(minor) {
		return "", false
	}
	return parts[1], true
}

// serveSend is the Graph send API (WHATSAPP.md §5): token (401, code 190),
// phone-number id (400, code 100), the request (§5.2–5.5, codes of §6),
// the 24-hour window (131047) and throughput (130429, §5.7), then the
// answer of §5.6.
func (s *Sandbox) serveSend(ctx *fasthttp.RequestCtx, phoneNumberID string) {
	resp, gerr := s.send(ctx, phoneNumberID)
	if gerr != nil {
		s.countRefusal(gerr)
		s.log.Debug().Int("code", gerr.code).Str("details", gerr.details).Msg("sandbox refused a send")
		writeJSON(ctx, gerr.status, gerr.wire(s.traceID()))
		return
	}
	writeJSON(ctx, http.StatusOK, resp)
}

func (s *Sandbox) send(ctx *fasthttp.RequestCtx, phoneNumberID string) (sendResponse, *graphError) {
	if s.closed() {
		return sendResponse{}, errShutDown
	}
	if tok := s.cfg.AccessToken; tok != "" {
		got, ok := bytes.CutPrefix(ctx.Request.Header.Peek(fasthttp.HeaderAuthorization), []byte("Bearer "))
		if !ok || len(got) == 0 {
			return sendResponse{}, errToken("Cannot parse access token")
		}
		if subtle.ConstantTimeCompare(got, []byte(tok)) != 1 {
			return sendResponse{}, errToken("The access token could not be decrypted")
		}
	}
	if phoneNumberID != s.cfg.PhoneNumberID {
		return sendResponse{}, errUnknownObject(phoneNumberID)
	}
	if n := len(ctx.PostBody()); n > MaxBodyBytes {
		return sendResponse{}, invalidParam("body", "%d bytes, at most %d", n, MaxBodyBytes)
	}
	out, gerr := parseSend(ctx.PostBody(), s.cfg.Templates)
	if gerr != nil {
		return sendResponse{}, gerr
	}
	id, gerr := s.accept(out)
	if gerr != nil {
		return sendResponse{}, gerr
	}
	resp := sendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []responseContact{{Input: out.input, WaID: out.digits}},
		Messages:         []responseMessage{{ID: id}},
	}
	if out.msg.Kind == KindTemplate {
		// §5.6: message_status appears on template sends only.
		resp.Messages[0].MessageStatus = "accepted"
	}
	return resp, nil
}

// traceID is an fbtrace_id for an error answer.
func (s *Sandbox) traceID() string {
	var b [16]byte
	n := s.traceSeq.Add(1)
	binary.LittleEndian.PutUint64(b[:8], s.draw("fbtrace", "", n, 0))
	binary.LittleEndian.PutUint64(b[8:], s.draw("fbtrace", "", n, 1))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

type messagesPage struct {
	Items []Accepted `json:"items"`
	Next  string     `json:"next"`
}

// serveMessages is GET /sandbox/messages: what was accepted (for ?to=, that
// phone's), oldest first, ?limit= (default 100, at most 1000) at a time,
// from ?after=.
func (s *Sandbox) serveMessages(ctx *fasthttp.RequestCtx) {
	args := ctx.QueryArgs()
	limit := defaultPageLimit
	if v := args.Peek("limit"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 {
			writeError(ctx, http.StatusBadRequest, "invalid_field", "limit: must be a positive integer")
			return
		}
		limit = min(n, maxPageLimit)
	}
	var after int
	if v := args.Peek("after"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 0 {
			writeError(ctx, http.StatusBadRequest, "invalid_field", "after: not a cursor of this list")
			return
		}
		after = n
	}
	digits := ""
	if args.Has("to") {
		d, ok := queryPhone(string(args.Peek("to")))
		if !ok {
			writeError(ctx, http.StatusBadRequest, "invalid_phone", "to: must be a phone number in E.164 format (the '+' URL-encoded as %2B)")
			return
		}
		digits = d
	}
	writeJSON(ctx, http.StatusOK, s.page(digits, after, limit))
}

// page is up to limit records after the cursor (a record's cursor is its
// position among all records, from 1), of one phone when digits is set.
func (s *Sandbox) page(digits string, after, limit int) messagesPage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var idxs []int
	if digits != "" {
		if rcp := s.mu.phones[digits]; rcp != nil {
			idxs = rcp.records[sort.SearchInts(rcp.records, after):]
		}
	} else {
		for i := after; i < len(s.mu.records) && len(idxs) <= limit; i++ {
			idxs = append(idxs, i)
		}
	}
	p := messagesPage{Items: make([]Accepted, 0, min(limit, len(idxs)))}
	for _, idx := range idxs[:min(limit, len(idxs))] {
		p.Items = append(p.Items, s.mu.records[idx].clone())
	}
	if len(idxs) > limit {
		p.Next = strconv.Itoa(idxs[limit-1] + 1)
	}
	return p
}

// serveReply is POST /sandbox/reply (API.md "The sandbox"): 200
// {"message_id"} once the webhook was delivered; 400 for a bad request, 404
// when no message matches, 502 when the webhook was not delivered.
func (s *Sandbox) serveReply(ctx *fasthttp.RequestCtx) {
	var r ReplyRequest
	dec := json.NewDecoder(bytes.NewReader(ctx.PostBody()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		writeError(ctx, http.StatusBadRequest, "invalid_json", "the body must be a JSON object with from and one of button, list_row and text: "+err.Error())
		return
	}
	id, err := s.Reply(ctx, r)
	switch {
	case err == nil:
		writeJSON(ctx, http.StatusOK, map[string]string{"message_id": id})
	case errors.Is(err, ErrInvalidReply):
		writeError(ctx, http.StatusBadRequest, "invalid_field", err.Error())
	case errors.Is(err, ErrNoMatch):
		writeError(ctx, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, ErrClosed):
		writeError(ctx, http.StatusServiceUnavailable, "closed", err.Error())
	default:
		writeError(ctx, http.StatusBadGateway, "webhook_undelivered", err.Error())
	}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers the sandbox's own routes' errors, shaped as the
// engine's (API.md "Conventions").
func writeError(ctx *fasthttp.RequestCtx, status int, code, message string) {
	writeJSON(ctx, status, errorBody{Error: errorDetail{Code: code, Message: message}})
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"encoding the answer failed"}}`)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}
