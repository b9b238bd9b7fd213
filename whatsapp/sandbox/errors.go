package sandbox

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors of Reply. The HTTP route maps them to 400, 404, 502 and 503.
var (
	// ErrInvalidReply: the request names no answer, more than one, or no
	// valid phone.
	ErrInvalidReply = errors.New("sandbox: invalid reply")
	// ErrNoMatch: no message to that phone has the button or list row (or,
	// for a quoted text, no message at all).
	ErrNoMatch = errors.New("sandbox: no such message")
	// ErrUndelivered: the webhook could not be delivered (no WebhookURL, or
	// every attempt failed or answered non-2xx).
	ErrUndelivered = errors.New("sandbox: webhook not delivered")
	// ErrClosed: the sandbox was closed.
	ErrClosed = errors.New("sandbox: closed")
)

// Meta's error codes the sandbox answers (WHATSAPP.md §6).
const (
	codeTemporary         = 2
	codeInvalidParameter  = 100
	codeAccessToken       = 190
	codeRateLimit         = 130429
	codeRequiredMissing   = 131008
	codeReengagement      = 131047
	codeParamCount        = 132000
	codeTemplateMissing   = 132001
	codeTranslatedTooLong = 132005
	codeParamFormat       = 132012
	codeParamText         = 132018
	codeUndeliverable     = 131026
	codeEcosystem         = 131049
	codeMarketingStopped  = 131050
	errorCodesHref        = "/documentation/business-messaging/whatsapp/support/error-codes"
)

// graphError is a Graph API error answer, shaped as WHATSAPP.md §5.7:
//
//	{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,
//	  "error_data":{"messaging_product":"whatsapp","details":"..."},
//	  "error_subcode":2494055,"fbtrace_id":"..."}}
type graphError struct {
	status  int
	code    int
	title   string
	details string // "" = no error_data (as Meta's token errors)
	typ     string // "" = OAuthException
	subcode int
}

type wireGraphError struct {
	Error wireGraphErrorBody `json:"error"`
}

type wireGraphErrorBody struct {
	Message      string         `json:"message"`
	Type         string         `json:"type"`
	Code         int            `json:"code"`
	ErrorData    *wireErrorData `json:"error_data,omitempty"`
	ErrorSubcode int            `json:"error_subcode,omitempty"`
	FBTraceID    string         `json:"fbtrace_id"`
}

type wireErrorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

func (e *graphError) wire(traceID string) wireGraphError {
	typ := e.typ
	if typ == "" {
		typ = "OAuthException"
	}
	w := wireGraphError{Error: wireGraphErrorBody{
		Message:      fmt.Sprintf("(#%d) %s", e.code, e.title),
		Type:         typ,
		Code:         e.code,
		ErrorSubcode: e.subcode,
		FBTraceID:    traceID,
	}}
	if e.details != "" {
		w.Error.ErrorData = &wireErrorData{MessagingProduct: "whatsapp", Details: e.details}
	}
	return w
}

// invalidParam is code 100, "Invalid parameter", with details naming the
// field (WHATSAPP.md §6: "100 Invalid parameter (including length limits)").
func invalidParam(field, format string, args ...any) *graphError {
	return &graphError{status: http.StatusBadRequest, code: codeInvalidParameter,
		title: "Invalid parameter", details: field + ": " + fmt.Sprintf(format, args...)}
}

func errToken(why string) *graphError {
	return &graphError{status: http.StatusUnauthorized, code: codeAccessToken,
		title: "Invalid OAuth access token - " + why}
}

func errUnknownObject(id string) *graphError {
	return &graphError{status: http.StatusBadRequest, code: codeInvalidParameter, typ: "GraphMethodException", subcode: 33,
		title:   fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation", id),
		details: "phone-number id " + id + " is not this sandbox's"}
}

var (
	errRateLimit = &graphError{status: http.StatusBadRequest, code: codeRateLimit, subcode: 2494055,
		title: "Rate limit hit", details: "Cloud API message throughput has been reached."}
	errReengagement = &graphError{status: http.StatusBadRequest, code: codeReengagement,
		title:   "Re-engagement message",
		details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}
	errShutDown = &graphError{status: http.StatusServiceUnavailable, code: codeTemporary,
		title: "Service temporarily unavailable", details: "the sandbox is closed"}
)

// failure is an asynchronous failure carried by a failed status
// (WHATSAPP.md §3.7 example D and §6).
type failure struct {
	code           int
	title, details string
}

var (
	failUndeliverable = failure{codeUndeliverable, "Message undeliverable", "Message Undeliverable."}
	failEcosystem     = failure{codeEcosystem,
		"This message was not delivered to maintain healthy ecosystem engagement.",
		"In order to maintain a healthy ecosystem engagement, the message failed to be delivered."}
	failMarketingStopped = failure{codeMarketingStopped,
		"Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
		"Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."}
	// templateFailures are drawn for templates; free-form messages (sent
	// inside a window, not marketing) only fail as undeliverable.
	templateFailures = []failure{failUndeliverable, failEcosystem, failMarketingStopped}
)
