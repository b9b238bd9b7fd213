package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/whatsapp"
)

// The WhatsApp webhook (API.md "WhatsApp webhook"). This layer answers
// Meta's verification handshake, checks signatures before anything else,
// and has the engine store each signed body in its durable inbox before the
// 200 goes out: Meta redelivers what it did not get a 200 for, so what it
// did may never be lost. A body is read before its signature can be
// checked: the webhook budget (server.go) bounds the bytes of the bodies
// read at once, so unsigned ones cannot take the engine's memory.

// DefaultWebhookBodyBytes bounds a webhook body: Meta batches up to 1,000
// updates, about 3 MB.
const DefaultWebhookBodyBytes = 4 << 20

// DefaultWebhookBodyBudgetBytes bounds the webhook bodies read or held at
// once, before their signatures are checked (see handle): 16 of the
// largest.
const DefaultWebhookBodyBudgetBytes = 64 << 20

// webhookPath is where Meta posts webhooks.
const webhookPath = "/webhooks/whatsapp"

// verifyWebhook answers GET /webhooks/whatsapp: the challenge, as sent,
// when hub.verify_token is the configured one (WHATSAPP.md §1).
func (s *Server) verifyWebhook(r *request) error {
	args := r.rc.QueryArgs()
	token := args.Peek("hub.verify_token")
	want := s.cfg.WebhookVerifyToken
	if want == "" || string(args.Peek("hub.mode")) != "subscribe" ||
		subtle.ConstantTimeCompare(token, []byte(want)) != 1 {
		return errorf(fasthttp.StatusForbidden, "forbidden", "", "the verify token does not match")
	}
	r.rc.SetStatusCode(fasthttp.StatusOK)
	r.rc.SetContentType("text/plain; charset=utf-8")
	r.rc.SetBody(args.Peek("hub.challenge"))
	return nil
}

// receiveWebhook answers POST /webhooks/whatsapp: 401 unless the body is
// signed with the app secret (WHATSAPP.md §2), and nothing stored; else the
// body is stored durably, then 200 (400 for a body that is not JSON, kept
// as unprocessable; 503 if the inbox cannot take it: Meta retries).
func (s *Server) receiveWebhook(r *request) error {
	body := r.rc.PostBody()
	sig := string(r.rc.Request.Header.Peek(whatsapp.SignatureHeader))
	if !whatsapp.ValidSignature(s.cfg.WebhookAppSecret, body, sig) {
		return errorf(fasthttp.StatusUnauthorized, "unauthorized", "", "missing or wrong X-Hub-Signature-256")
	}
	_, err := s.eng.ReceiveWebhook(r.context(), body, json.Valid(body))
	switch {
	case errors.Is(err, actors.ErrNotJSON):
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the body is not JSON; it is kept as unprocessable")
	case err != nil:
		return err
	}
	writeBody(r.rc, fasthttp.StatusOK, webhookReceived)
	return nil
}

// webhookReceived is the answer to a stored webhook: the same every time.
var webhookReceived = []byte(`{"status":"received"}`)

// sandbox hands a /sandbox/ route to the embedded sandbox (sandbox mode).
func (s *Server) sandbox(r *request) error {
	s.cfg.Sandbox(r.rc)
	return nil
}

type inboxItemJSON struct {
	ID         uint64   `json:"id"`
	State      string   `json:"state"`
	ReceivedAt jsonTime `json:"received_at"`
	Why        string   `json:"why"`
	Bytes      int      `json:"bytes"`
	// Body is the stored body, as received, when it is small enough to
	// list (Meta's bodies may be megabytes): operators read what was kept.
	Body string `json:"body,omitempty"`
}

// inboxBodyShown is the largest body a listing shows in full.
const inboxBodyShown = 16 << 10

// listInbox answers GET /v1/admin/inbox?state=unroutable|unprocessable
// (default both): the notifications kept and not applied, with why.
func (s *Server) listInbox(r *request) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	var states []actors.InboxState
	if v := r.query("state"); v != "" {
		st, ok := actors.ParseInboxState(v)
		if !ok {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "state", "state must be unroutable, unprocessable, received or processed, not %q", v)
		}
		states = append(states, st)
	} else {
		unroutable, _ := actors.ParseInboxState("unroutable")
		unprocessable, _ := actors.ParseInboxState("unprocessable")
		states = append(states, unroutable, unprocessable)
	}
	var after uint64
	if v := r.query("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "after", "after must be an id from this list")
		}
	}
	entries, err := s.eng.InboxList(after, limit+1, states...)
	if err != nil {
		return err
	}
	next := ""
	if len(entries) > limit {
		entries = entries[:limit]
		next = strconv.FormatUint(entries[limit-1].ID, 10)
	}
	items := make([]inboxItemJSON, len(entries))
	for i, e := range entries {
		items[i] = inboxItemJSON{ID: e.ID, State: e.State.String(), ReceivedAt: jsonTime(domain.At(e.At)), Why: e.Why, Bytes: len(e.Body)}
		if len(e.Body) <= inboxBodyShown {
			items[i].Body = string(e.Body)
		}
	}
	writeJSON(r.rc, fasthttp.StatusOK, map[string]any{"items": items, "next": next})
	return nil
}

type replayIn struct {
	From string `json:"from"`
}

// replayInbox answers POST /v1/admin/inbox/replay {"from":"time"}: every
// stored body received since then is processed again; nothing already
// applied changes.
func (s *Server) replayInbox(r *request) error {
	var in replayIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	from, err := time.Parse(time.RFC3339, in.From)
	if err != nil {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "from", "from must be an RFC 3339 time, like 2026-12-01T00:00:00Z")
	}
	n, err := s.eng.ReplayInbox(from)
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, map[string]int{"queued": n})
	return nil
}
