package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/whatsapp"
)

// The WhatsApp webhook (API.md "WhatsApp webhook"). This layer answers
// Meta's verification handshake, checks signatures before anything else,
// and has the engine store each signed body in its durable inbox before the
// 200 goes out: Meta redelivers what it did not get a 200 for, so what it
// did may never be lost.

// DefaultWebhookBodyBytes bounds a webhook body: Meta batches up to 1,000
// updates, about 3 MB.
const DefaultWebhookBodyBytes = 4 << 20

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
	writeJSON(r.rc, fasthttp.StatusOK, map[string]string{"status": "received"})
	return nil
}

// sandbox hands a /sandbox/ route to the embedded sandbox (sandbox mode).
func (s *Server) sandbox(r *request) error {
	s.cfg.Sandbox(r.rc)
	return nil
}
