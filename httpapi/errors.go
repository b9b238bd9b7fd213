package httpapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// apiError is the body of every non-2xx answer:
// {"error":{"code","message","field","existing_id"}}. Codes are API: add
// new ones, never repurpose old ones.
type apiError struct {
	Status     int    `json:"-"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Field      string `json:"field,omitempty"`
	ExistingID string `json:"existing_id,omitempty"`
	// RetryAfter, in seconds, is sent as the Retry-After header (429, 503).
	RetryAfter int `json:"-"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, field, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

var (
	errUnauthorized = &apiError{Status: fasthttp.StatusUnauthorized, Code: "unauthorized",
		Message: "send a valid token as Authorization: Bearer <token>"}
	errNotFound = &apiError{Status: fasthttp.StatusNotFound, Code: "not_found",
		Message: "no such resource (or this token may not see it)"}
	errOverloaded = &apiError{Status: fasthttp.StatusTooManyRequests, Code: "overloaded",
		Message: "the wedding has too many requests in flight; retry after the delay in Retry-After", RetryAfter: 1}
	errNotReady = &apiError{Status: fasthttp.StatusServiceUnavailable, Code: "not_ready",
		Message: "the engine is not ready (starting, stopping, or its storage failed); retry later", RetryAfter: 1}
	errTimeout = &apiError{Status: fasthttp.StatusServiceUnavailable, Code: "timeout",
		Message: "the request took longer than the server's request timeout; it may or may not have been applied", RetryAfter: 1}
	errInternal = &apiError{Status: fasthttp.StatusInternalServerError, Code: "internal",
		Message: "the engine failed while handling the request; nothing acknowledged is lost, retry it"}
)

// kindStatus maps a domain rejection's kind to its status.
var kindStatus = map[domain.Kind]int{
	domain.KindInvalid:   fasthttp.StatusBadRequest,
	domain.KindForbidden: fasthttp.StatusForbidden,
	domain.KindNotFound:  fasthttp.StatusNotFound,
	domain.KindConflict:  fasthttp.StatusConflict,
}

// toAPIError is the one mapping from errors to answers. Internal error text
// never reaches clients: anything unknown is a 500 with a fixed message
// (and the cause is logged).
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var de *domain.Error
	if errors.As(err, &de) {
		status, ok := kindStatus[de.Kind]
		if !ok {
			return errInternal
		}
		return &apiError{Status: status, Code: de.Code, Message: de.Message, Field: jsonPath(de.Field), ExistingID: de.ExistingID}
	}
	switch {
	case errors.Is(err, actors.ErrOverloaded):
		return errOverloaded
	case errors.Is(err, actors.ErrWeddingNotFound):
		return errNotFound
	case errors.Is(err, actors.ErrUnavailable):
		return errNotReady
	case errors.Is(err, context.DeadlineExceeded):
		return errTimeout
	}
	return errInternal
}

// jsonPath writes a domain field path ("members[0].phone") as the API
// names fields everywhere: dotted, indices as segments ("members.0.phone").
func jsonPath(field string) string {
	if !strings.Contains(field, "[") {
		return field
	}
	return indexBrackets.Replace(field)
}

var indexBrackets = strings.NewReplacer("[", ".", "]", "")

// writeError answers with the error's status and JSON body.
func writeError(ctx *fasthttp.RequestCtx, ae *apiError) {
	ctx.Response.Reset()
	ctx.SetStatusCode(ae.Status)
	ctx.SetContentType("application/json")
	if ae.RetryAfter > 0 {
		ctx.Response.Header.Set("Retry-After", strconv.Itoa(ae.RetryAfter))
	}
	b := append([]byte(nil), `{"error":{"code":`...)
	b = appendString(b, ae.Code)
	b = append(b, `,"message":`...)
	b = appendString(b, ae.Message)
	if ae.Field != "" {
		b = append(b, `,"field":`...)
		b = appendString(b, ae.Field)
	}
	if ae.ExistingID != "" {
		b = append(b, `,"existing_id":`...)
		b = appendString(b, ae.ExistingID)
	}
	b = append(b, "}}"...)
	ctx.SetBody(b)
}
