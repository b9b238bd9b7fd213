package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/domain"
)

// decode reads a JSON body strictly into v: unknown fields, wrong types,
// trailing data and empty bodies are 400s that name what is wrong.
func decode(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, body)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the request body has data after its JSON value")
	}
	return nil
}

func jsonError(err error, body []byte) *apiError {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field != "" {
			if p := indexedPath(body, typ.Offset); p != "" {
				field = p
			}
		}
		if field == "" {
			return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the body must be %s, not %s", typeName(typ.Type.Kind().String()), typ.Value)
		}
		return errorf(fasthttp.StatusBadRequest, "invalid_field", field, "%s must be %s, not %s", field, typeName(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the JSON body ends too early")
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		// encoding/json quotes the key with %q: name the key as sent.
		if n, err := strconv.Unquote(name); err == nil {
			name = n
		}
		return errorf(fasthttp.StatusBadRequest, "unknown_field", name, "unknown field %q; see /openapi.json for this route's fields", name)
	}
	return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the body is not valid JSON for this route: %s", strings.TrimPrefix(msg, "json: "))
}

// indexedPath names the value of body that ends at offset, or (an object
// or an array) starts there, with array indexes as the API names fields:
// "units.12.members.0.phone". encoding/json's UnmarshalTypeError says
// "units.members.phone", which in a 1,000-unit batch does not say which
// unit. It returns "" if offset is not where a value is.
func indexedPath(body []byte, offset int64) string {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for i, f := range stack {
			if i > 0 {
				b.WriteByte('.')
			}
			if f.array {
				b.WriteString(strconv.Itoa(f.index))
			} else {
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	next := func() { // the value in the top frame's slot is done
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if dec.InputOffset() >= offset {
					return path()
				}
				stack = append(stack, frame{array: d == '[', wantKey: d == '{'})
			default:
				if len(stack) == 0 {
					return ""
				}
				stack = stack[:len(stack)-1]
				next()
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			k, _ := tok.(string)
			stack[n-1].key, stack[n-1].wantKey = k, false
			continue
		}
		if dec.InputOffset() >= offset {
			return path()
		}
		next()
	}
}

func typeName(kind string) string {
	switch kind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "ptr":
		return "a value of another type"
	}
	return "a number"
}

// writeJSON answers status with v encoded by encoding/json.
func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(ctx, errInternal)
		return
	}
	writeBody(ctx, status, b)
}

func writeBody(ctx *fasthttp.RequestCtx, status int, b []byte) {
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, `\u00`...)
				b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, fmt.Sprintf(`\u%04x`, r)...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendTime appends an instant as an RFC 3339 JSON string (UTC), or null
// for the zero instant.
func appendTime(b []byte, t domain.Instant) []byte {
	if t == 0 {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.Time().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendInt(b []byte, key string, v int64) []byte {
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, v, 10)
}

// jsonTime is a domain instant in JSON: RFC 3339, null when zero.
type jsonTime domain.Instant

func (t jsonTime) MarshalJSON() ([]byte, error) { return appendTime(nil, domain.Instant(t)), nil }

// parseTime reads an RFC 3339 time for field.
func parseTime(field, v string) (domain.Instant, *apiError) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, errorf(fasthttp.StatusBadRequest, "invalid_field", field, "%s must be an RFC 3339 time like 2026-12-12T18:30:00+05:30, not %q", field, v)
	}
	// NB: an Instant is Unix nanoseconds; outside its range domain.At
	// would silently store another time.
	if t.Before(minInstant) || t.After(maxInstant) {
		return 0, errorf(fasthttp.StatusBadRequest, "invalid_field", field, "%s must be between the years 1678 and 2262, not %q", field, v)
	}
	return domain.At(t), nil
}

var (
	minInstant = time.Unix(0, math.MinInt64)
	maxInstant = time.Unix(0, math.MaxInt64)
)
