package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/domain"
)

// decode reads a JSON body strictly into v: unknown fields (also those
// matching a field only ignoring case), keys twice in one object, wrong
// types, trailing data and empty bodies are 400s that name what is wrong.
func decode(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the request body is not valid UTF-8")
	}
	// Unmarshal checks the whole body is one valid JSON value before it
	// decodes, and is cheaper than a Decoder (no reader, no copy of the
	// body); it accepts unknown keys, which checkKeys then refuses by name.
	if err := json.Unmarshal(body, v); err != nil {
		return jsonError(err, body)
	}
	return checkKeys(body, reflect.TypeOf(v))
}

// checkKeys refuses what encoding/json's Unmarshal accepts silently: a
// key that names no field, one that matches a field only ignoring case
// ({"NAME":…} sets name), and a key twice in one object (the last wins). Either makes a body mean one thing
// to the engine and maybe another to whoever wrote or checked it. It runs
// on a body decode has accepted, so on valid JSON: one pass over its
// bytes, without allocations for the usual keys, beside the struct
// fields of t (keysOf).
func checkKeys(body []byte, t reflect.Type) *apiError {
	k := keyScan{b: body}
	return k.value(keysOf(t))
}

// objectKeys is what a JSON object decoded into a Go type may contain.
type objectKeys struct {
	// isStruct says the keys are fields' names: a struct's.
	isStruct bool
	// fields are a struct's JSON names and what each holds (a slice: the
	// request types have a few fields, found faster than in a map).
	fields []field
	// elem is what an array's elements, or a map's values, hold.
	elem *objectKeys
}

type field struct {
	name string
	keys *objectKeys
}

// field is what the field named key holds, if t has one.
func (o *objectKeys) field(key []byte) (*objectKeys, bool) {
	for _, f := range o.fields {
		if f.name == string(key) {
			return f.keys, true
		}
	}
	return nil, false
}

var (
	keysMu   sync.Mutex // serialises building; the cache is read without it
	keysDone sync.Map   // reflect.Type → *objectKeys, complete
)

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// keysOf is what values of t hold, as encoding/json decodes them; nil
// for anything (an interface, a custom Unmarshaler).
func keysOf(t reflect.Type) *objectKeys {
	if k, ok := keysDone.Load(t); ok {
		return k.(*objectKeys)
	}
	keysMu.Lock()
	defer keysMu.Unlock()
	building := map[reflect.Type]*objectKeys{}
	k := buildKeys(t, building)
	// Published only once complete: a reader never sees one half built.
	for bt, bk := range building {
		keysDone.Store(bt, bk)
	}
	keysDone.Store(t, k)
	return k
}

// buildKeys is keysOf under keysMu; building holds the types being built,
// so that a recursive type finds itself.
func buildKeys(t reflect.Type, building map[reflect.Type]*objectKeys) *objectKeys {
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return buildKeys(t.Elem(), building)
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
	default:
		return nil
	}
	if k, ok := keysDone.Load(t); ok {
		return k.(*objectKeys)
	}
	if k, ok := building[t]; ok {
		return k
	}
	k := &objectKeys{}
	building[t] = k
	if t.Kind() == reflect.Struct {
		k.isStruct = true
		addFields(k, t, building)
	} else {
		k.elem = buildKeys(t.Elem(), building)
	}
	return k
}

// addFields adds the JSON names of t's fields, with those of its embedded
// structs, as encoding/json names them.
func addFields(k *objectKeys, t reflect.Type, building map[reflect.Type]*objectKeys) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			addFields(k, ft, building)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		k.fields = append(k.fields, field{name: name, keys: buildKeys(f.Type, building)})
	}
}

// keyScan walks valid JSON, with the path to where it is for messages.
type keyScan struct {
	b    []byte
	i    int
	path []pathStep
	// keys are the keys of the objects being walked, outermost first: each
	// object's own are the tail it appended.
	keys [][]byte
}

type pathStep struct {
	key   []byte // an object's key (in the body, or unescaped), or nil in an array
	index int
}

// where is the dotted path to the current value, as the API names fields
// ("units.12.members.0.phone").
func (k *keyScan) where() string {
	var b strings.Builder
	for i, p := range k.path {
		if i > 0 {
			b.WriteByte('.')
		}
		if p.key != nil {
			b.Write(p.key)
		} else {
			b.WriteString(strconv.Itoa(p.index))
		}
	}
	return b.String()
}

func (k *keyScan) space() {
	b, i := k.b, k.i
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	k.i = i
}

// value checks the value at k.i, which holds what keys says (nil:
// anything).
func (k *keyScan) value(keys *objectKeys) *apiError {
	k.space()
	if k.i >= len(k.b) {
		return nil
	}
	switch k.b[k.i] {
	case '{':
		return k.object(keys)
	case '[':
		var elem *objectKeys
		if keys != nil {
			elem = keys.elem
		}
		k.i++
		k.path = append(k.path, pathStep{})
		for n := 0; ; n++ {
			k.space()
			if k.b[k.i] == ']' {
				break
			}
			k.path[len(k.path)-1].index = n
			if err := k.value(elem); err != nil {
				return err
			}
			k.space()
			if k.b[k.i] == ',' {
				k.i++
			}
		}
		k.i++
		k.path = k.path[:len(k.path)-1]
	case '"':
		k.str()
	default: // a number, true, false, null
		for k.i < len(k.b) {
			switch k.b[k.i] {
			case ',', ']', '}', ' ', '\t', '\n', '\r':
				return nil
			}
			k.i++
		}
	}
	return nil
}

// str skips the string at k.i and returns its raw contents (between the
// quotes, escapes as sent) and whether it has escapes.
func (k *keyScan) str() (raw []byte, escaped bool) {
	b, i := k.b, k.i+1 // locals: this loop is most of the scan
	start := i
	for {
		switch b[i] { // valid JSON: the string ends
		case '"':
			k.i = i + 1
			return b[start:i], escaped
		case '\\':
			escaped = true
			i += 2 // the escape and what it escapes, maybe a quote
		default:
			i++
		}
	}
}

// maxListedKeys is how many keys of one object are compared one by one;
// past it, a set finds duplicates (a map's many keys).
const maxListedKeys = 32

func (k *keyScan) object(keys *objectKeys) *apiError {
	k.i++ // {
	first := len(k.keys)
	var set map[string]bool
	for {
		k.space()
		if k.b[k.i] == '}' {
			k.i++
			k.keys = k.keys[:first]
			return nil
		}
		key, escaped := k.str()
		if escaped {
			var s string
			_ = json.Unmarshal(k.b[k.i-len(key)-2:k.i], &s) // valid: decode read it
			key = append([]byte{}, s...)
		}
		k.space()
		k.i++ // :
		seen := k.keys[first:]
		if set == nil && len(seen) == maxListedKeys {
			set = make(map[string]bool, 2*maxListedKeys)
			for _, s := range seen {
				set[string(s)] = true
			}
		}
		dup := false
		if set != nil {
			dup = set[string(key)]
			set[string(key)] = true
		} else {
			for _, s := range seen {
				if bytes.Equal(s, key) {
					dup = true
					break
				}
			}
			k.keys = append(k.keys, key)
		}
		k.path = append(k.path, pathStep{key: key})
		if dup {
			return errorf(fasthttp.StatusBadRequest, "invalid_json", k.where(),
				"the key %q is twice in the same object (at %s); send each key once", key, k.where())
		}
		var val *objectKeys
		if keys != nil && keys.isStruct {
			f, ok := keys.field(key)
			if !ok {
				return unknownCase(string(key), keys.fields)
			}
			val = f
		} else if keys != nil {
			val = keys.elem
		}
		if err := k.value(val); err != nil {
			return err
		}
		k.path = k.path[:len(k.path)-1]
		k.space()
		if k.b[k.i] == ',' {
			k.i++
		}
	}
}

// unknownCase refuses key, which names no field of fields; when it names
// one ignoring case, it says which.
func unknownCase(key string, fields []field) *apiError {
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return errorf(fasthttp.StatusBadRequest, "unknown_field", key,
				"unknown field %q: field names are case-sensitive, this one is %q; see /openapi.json for this route's fields", key, f.name)
		}
	}
	return errorf(fasthttp.StatusBadRequest, "unknown_field", key, "unknown field %q; see /openapi.json for this route's fields", key)
}

func jsonError(err error, body []byte) *apiError {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && strings.HasSuffix(syntax.Error(), "after top-level value"):
		return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the request body has data after its JSON value (at byte %d)", syntax.Offset)
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
	return errorf(fasthttp.StatusBadRequest, "invalid_json", "", "the body is not valid JSON for this route: %s", strings.TrimPrefix(err.Error(), "json: "))
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
