package actors

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Button payloads. Each quick reply the engine puts on a message carries
// what a tap means, and a short MAC under the engine's own secret, so that
// a reply naming a wedding, a message or an answer it was not sent (forged,
// or another engine's) answers nothing:
//
//	rsvp:<wedding>/<message>:<answer>:<mac>
//
// <answer> is yes, no or maybe; <mac> is the first 12 characters (72
// bits) of the unpadded base64url HMAC-SHA256 of what precedes it. Meta
// returns the payload as sent (WHATSAPP.md §3.6).

const payloadPrefix = "rsvp:"

func (e *Engine) payloadMAC(body string) string {
	m := hmac.New(sha256.New, e.payloadKey)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:12]
}

// payload is the signed payload of a quick reply.
func (e *Engine) payload(weddingID, messageID, answer string) string {
	body := payloadPrefix + CallbackData(weddingID, messageID) + ":" + answer
	return body + ":" + e.payloadMAC(body)
}

// parsePayload reads and checks a payload; ok is false for anything the
// engine did not sign (or a key it no longer has).
func (e *Engine) parsePayload(p string) (weddingID, messageID, answer string, ok bool) {
	if len(e.payloadKey) == 0 || !strings.HasPrefix(p, payloadPrefix) {
		return "", "", "", false
	}
	i := strings.LastIndexByte(p, ':')
	if i < 0 {
		return "", "", "", false
	}
	body, mac := p[:i], p[i+1:]
	if !hmac.Equal([]byte(mac), []byte(e.payloadMAC(body))) {
		return "", "", "", false
	}
	rest := strings.TrimPrefix(body, payloadPrefix)
	j := strings.LastIndexByte(rest, ':')
	if j < 0 {
		return "", "", "", false
	}
	weddingID, messageID, ok = ParseCallbackData(rest[:j])
	return weddingID, messageID, rest[j+1:], ok
}
