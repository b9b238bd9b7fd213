package whatsapp

import (
	"encoding/json"
	"unicode/utf8"
)

// Splitting JSON that is known to be valid. The webhook parser reads each
// level of a body on its own (WHATSAPP.md §3.11: one odd notification must
// not cost the others), and json.Unmarshal into a map of RawMessage, level
// after level, validated and copied the whole body again at each: 32 µs for
// a 537-byte status body, most of the inbox's work in a burst.
// ParseWebhook validates the body once (json.Valid); below that, these
// split an object or array into its members in one pass, without copying.
// FuzzValidSplit checks them against json.Unmarshal.

// validObject splits raw, valid JSON, into an object's members (the last
// of duplicate keys kept, as json.Unmarshal does); nil when raw is not an
// object.
func validObject(raw []byte) map[string]json.RawMessage {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil
	}
	m := make(map[string]json.RawMessage, 8)
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return m
	}
	for i < len(raw) {
		end := skipString(raw, i)
		key, ok := jsonString(raw[i:end])
		if !ok {
			return nil
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return nil
		}
		i = skipSpace(raw, i+1)
		end = skipValue(raw, i)
		m[key] = raw[i:end:end]
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			break
		}
		i = skipSpace(raw, i+1)
	}
	return m
}

// validArray splits raw, valid JSON, into an array's items; ok is false
// when raw is not an array.
func validArray(raw []byte) (list []json.RawMessage, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return nil, true
	}
	for i < len(raw) {
		end := skipValue(raw, i)
		list = append(list, raw[i:end:end])
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			break
		}
		i = skipSpace(raw, i+1)
	}
	return list, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the end of the string starting at b[i] ('"').
func skipString(b []byte, i int) int {
	for i++; i < len(b); {
		switch b[i] {
		case '\\':
			i += 2
		case '"':
			return i + 1
		default:
			i++
		}
	}
	return len(b)
}

// skipValue returns the end of the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	// A number, true, false or null.
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// jsonString decodes a JSON string as json.Unmarshal does; ok is false for
// anything else. Strings without escapes (nearly all of Meta's) are not
// decoded, only checked.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	plain := utf8.Valid(inner)
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
