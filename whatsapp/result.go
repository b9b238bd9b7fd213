package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Class is what the sender should do after a send: the one thing the
// caller branches on. Meta says to build error handling around its error
// codes, not titles, subcodes or HTTP statuses (WHATSAPP.md §5.7); ClassOf
// and ParseResponse turn those codes into a Class.
type Class int

// The classes. WHATSAPP.md §6 and §10.7 give the codes and Meta's retry
// advice behind each.
const (
	// Accepted is a 2xx with a wamid. Meta accepted the message; only
	// status webhooks say whether it was delivered (§5.6).
	Accepted Class = iota
	// RateLimited is the number's throughput or the API's rate (130429,
	// 80007, 4, HTTP 429): back off for the whole number, not one guest.
	RateLimited
	// PairLimited is 131056: too many messages to this recipient. Retry
	// this recipient later; others can be sent to now (§7.3).
	PairLimited
	// WindowClosed is 131047: the 24 h window is closed; send a template
	// instead (§7.4).
	WindowClosed
	// Permanent means never for this recipient (131026, 131050, 131045,
	// 133010, 131030, 130472, 130497), or not for this campaign (131049:
	// Meta says not within 24 h, longer than a campaign should wait).
	Permanent
	// Mistake means our request is wrong and the same request will fail
	// again (100, 131008, 131009, 131051, 132xxx, 131063, and a message
	// Validate refused).
	Mistake
	// AccountBlocked means the account cannot send now: stop the campaign
	// and tell a person (368, 131048, 131031, 131042, 131064, the token
	// codes 0 and 190, the permission codes 10 and 200–299, and HTTP
	// 401/403 without a known code).
	AccountBlocked
	// Transient is worth retrying with backoff: 5xx, timeouts, network
	// errors, 131000, 1, 2, 131016, 133004, 131057. Check MaybeSent first.
	Transient
)

var classNames = [...]string{
	Accepted:       "accepted",
	RateLimited:    "rate_limited",
	PairLimited:    "pair_limited",
	WindowClosed:   "window_closed",
	Permanent:      "permanent",
	Mistake:        "mistake",
	AccountBlocked: "account_blocked",
	Transient:      "transient",
}

// String is the class's name in snake case ("rate_limited"), fit for a log
// field or a metric label.
func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// codeClasses maps Meta's error codes to classes (WHATSAPP.md §6, §10.7).
// 132xxx and 200–299 are ranges, handled in lookupCode.
var codeClasses = map[int]Class{
	130429: RateLimited, // throughput per number
	80007:  RateLimited, // WABA API rate
	4:      RateLimited, // app API rate

	131056: PairLimited,
	131047: WindowClosed,

	131026: Permanent, // not on WhatsApp, old app, terms not accepted
	131050: Permanent, // stopped marketing messages
	131045: Permanent, // number not registered
	133010: Permanent, // number not registered
	131030: Permanent, // not in a test number's allowed list
	131049: Permanent, // per-user marketing limit: not within 24 h
	130472: Permanent, // in a Meta marketing experiment
	130497: Permanent, // country restricted

	100:    Mistake, // invalid parameter (lengths too)
	131008: Mistake, // missing parameter
	131009: Mistake, // invalid value
	131051: Mistake, // unsupported message type
	131063: Mistake, // marketing templates disabled on Cloud API

	368:    AccountBlocked, // policy violation
	131048: AccountBlocked, // spam restriction
	131031: AccountBlocked, // account locked
	131042: AccountBlocked, // payment problem
	131064: AccountBlocked, // template classification enforcement
	0:      AccountBlocked, // AuthException
	190:    AccountBlocked, // token expired or invalid
	10:     AccountBlocked, // permission denied

	131000: Transient, // unknown error: retry a few times
	1:      Transient, // API unknown
	2:      Transient, // API service
	131016: Transient, // service unavailable
	133004: Transient, // server temporarily unavailable
	131057: Transient, // account in maintenance mode (≈1 min)
}

// lookupCode is the class of a code Meta documents, and whether it is one.
func lookupCode(code int) (Class, bool) {
	if c, ok := codeClasses[code]; ok {
		return c, true
	}
	switch {
	case code >= 132000 && code <= 132999: // template errors: 132000, 132001, 132005, 132007, 132012, 132015, 132016, 132018, …
		return Mistake, true
	case code >= 200 && code <= 299: // permission errors
		return AccountBlocked, true
	}
	return 0, false
}

// ClassOf is the class of a Meta error code, for answers and for the codes
// of failed status webhooks alike. An unknown code is Mistake: that is
// what ParseResponse makes of one in a 4xx answer, the usual status of
// Meta's errors, and a code nobody has looked at should not be retried
// blindly.
func ClassOf(code int) Class {
	if c, ok := lookupCode(code); ok {
		return c
	}
	return Mistake
}

// classOfStatus is the class of an answer whose code is unknown or absent.
func classOfStatus(status int) Class {
	switch {
	case status == 429:
		return RateLimited
	case status == 401, status == 403:
		return AccountBlocked
	case status >= 500 && status <= 599:
		return Transient
	}
	// Other 4xx, and statuses Meta never sends (1xx, 3xx, nonsense): our
	// request or our BaseURL is wrong, and sending it again will not help.
	return Mistake
}

// ErrMalformedAnswer is in Result.Err when Meta's answer did not say what
// happened: a 2xx without a wamid, or an error status without a Graph
// error object. Test for it with errors.Is.
var ErrMalformedAnswer = errors.New("whatsapp: malformed answer")

// Result is what one send came to. Class is what to do; the rest is for
// recording and for people.
type Result struct {
	Class         Class
	WAMID         string // Accepted only: the key of every later status webhook
	MessageStatus string // Accepted only: "accepted", "held_for_quality_assessment", "paused", "" (none given), as Meta sent it
	HTTPStatus    int    // 0 when no answer came
	Code          int    // Meta's error code (0 when none)
	Title         string // Meta's title/message, for people; never branched on (§5.7)
	Details       string // error_data.details
	// MaybeSent says the request may have reached Meta though no usable
	// answer came (a timeout after the body was written, a connection
	// reset mid-answer, a 2xx without a wamid, a proxy's 5xx); it is set
	// only with Class Transient. The caller must not blindly resend: the
	// message may have been accepted. Resend only if no status webhook
	// arrives for its CallbackData (WHATSAPP.md §10.7).
	MaybeSent bool
	// Err is why no answer explains the result: the transport error, the
	// *ValidationError of a refused message, or ErrMalformedAnswer. It
	// never holds the access token.
	Err error
}

// Retryable reports whether the same message may be sent again later:
// RateLimited, PairLimited and Transient. It does not look at MaybeSent;
// the caller must.
func (r Result) Retryable() bool {
	switch r.Class {
	case RateLimited, PairLimited, Transient:
		return true
	}
	return false
}

// ParseResponse classifies an HTTP answer of the messages endpoint
// (WHATSAPP.md §5.6, §5.7). It is pure and never panics, whatever the
// input.
//
//   - A 2xx with messages[0].id is Accepted. A 2xx without it is Transient
//     with MaybeSent: Meta may have accepted the message, but we do not
//     know its wamid.
//   - Otherwise error.code decides (ClassOf), and an unknown or missing
//     code goes by HTTP status: 5xx Transient, 429 RateLimited, 401/403
//     AccountBlocked, anything else Mistake.
//   - A 5xx without a Graph error object is Transient with MaybeSent: it
//     comes from a proxy in front of the API, which may have taken the
//     message before the proxy gave up.
//
// Code, Title and Details are filled whenever the body has them. Each
// field is read on its own, so one of an unexpected type (a string code,
// messages as an object) does not hide the others.
func ParseResponse(status int, body []byte) Result {
	r := Result{HTTPStatus: status}
	top := object(body)
	errObj := object(top["error"])
	code, hasCode := field[int](errObj, "code")
	if hasCode {
		r.Code = code
	}
	r.Title, _ = field[string](errObj, "message")
	r.Details, _ = field[string](object(errObj["error_data"]), "details")

	if status >= 200 && status <= 299 {
		var msgs []json.RawMessage
		if raw, ok := top["messages"]; ok && json.Unmarshal(raw, &msgs) == nil && len(msgs) > 0 {
			first := object(msgs[0])
			r.WAMID, _ = field[string](first, "id")
			r.MessageStatus, _ = field[string](first, "message_status")
		}
		if r.WAMID != "" {
			r.Class = Accepted
			return r
		}
		r.MessageStatus = ""
		r.Class = Transient
		r.MaybeSent = true
		r.Err = fmt.Errorf("%w: HTTP %d without messages[0].id", ErrMalformedAnswer, status)
		return r
	}
	if hasCode {
		if c, known := lookupCode(code); known {
			r.Class = c
			return r
		}
	}
	r.Class = classOfStatus(status)
	if errObj == nil {
		r.Err = fmt.Errorf("%w: HTTP %d without a Graph error object", ErrMalformedAnswer, status)
		// A 5xx that is not a Graph error comes from something in front
		// of the API (a 502 or 504 of a proxy): the API behind it may have
		// taken the message before the proxy gave up waiting.
		r.MaybeSent = r.Class == Transient
	}
	return r
}

// object decodes raw as a JSON object, keeping its values undecoded; nil
// when raw is anything else. Keys are matched exactly, as Meta sends them.
func object(raw []byte) map[string]json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// field decodes obj[key] as a T, and says whether it was there and one.
// A null is not there: "code": null is no code, not code 0.
func field[T any](obj map[string]json.RawMessage, key string) (T, bool) {
	var v T
	raw, ok := obj[key]
	if !ok || string(bytes.TrimSpace(raw)) == "null" || json.Unmarshal(raw, &v) != nil {
		var zero T
		return zero, false
	}
	return v, true
}
