package domain

import "fmt"

// Kind classifies a rejected command so the API can map it to a status
// without looking at text: Invalid → 400, Forbidden → 403, NotFound → 404,
// Conflict → 409.
type Kind uint8

const (
	KindInvalid Kind = iota + 1
	KindForbidden
	KindNotFound
	KindConflict
)

// Error is a command rejection. Code is a stable snake_case string (API);
// Field is the JSON path of the offending input, when there is one.
type Error struct {
	Kind       Kind
	Code       string
	Field      string
	Message    string
	ExistingID string // for conflicts: the id of what is already there
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("domain: %s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("domain: %s: %s", e.Code, e.Message)
}

// Is lets errors.Is(err, ErrNotFound) match any *Error of the same kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == "" && t.Kind == e.Kind
}

// Kind sentinels, for errors.Is.
var (
	ErrInvalid   = &Error{Kind: KindInvalid}
	ErrForbidden = &Error{Kind: KindForbidden}
	ErrNotFound  = &Error{Kind: KindNotFound}
	ErrConflict  = &Error{Kind: KindConflict}
)

func invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_field", Field: field, Message: fmt.Sprintf(format, args...)}
}

func notFound(field, what, id string) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Field: field, Message: fmt.Sprintf("no %s with id %q", what, id)}
}

func forbidden(format string, args ...any) *Error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: fmt.Sprintf(format, args...)}
}

func conflict(code, field, existingID, format string, args ...any) *Error {
	return &Error{Kind: KindConflict, Code: code, Field: field, ExistingID: existingID, Message: fmt.Sprintf(format, args...)}
}
