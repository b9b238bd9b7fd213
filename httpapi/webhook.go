package httpapi

import (
	"crypto/subtle"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/whatsapp"
)

// The WhatsApp webhook (API.md "WhatsApp webhook"). This layer answers
// Meta's verification handshake and checks signatures; what a signed body
// then does (the inbox, statuses, replies) is the webhook issue's: until
// then a signed notification is acknowledged and dropped, counted.

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
// signed with the app secret (WHATSAPP.md §2), else 200.
func (s *Server) receiveWebhook(r *request) error {
	sig := string(r.rc.Request.Header.Peek(whatsapp.SignatureHeader))
	if !whatsapp.ValidSignature(s.cfg.WebhookAppSecret, r.rc.PostBody(), sig) {
		return errorf(fasthttp.StatusUnauthorized, "unauthorized", "", "missing or wrong X-Hub-Signature-256")
	}
	s.metrics.webhookDropped.Inc()
	writeJSON(r.rc, fasthttp.StatusOK, map[string]string{"status": "received"})
	return nil
}

// sandbox hands a /sandbox/ route to the embedded sandbox (sandbox mode).
func (s *Server) sandbox(r *request) error {
	s.cfg.Sandbox(r.rc)
	return nil
}
