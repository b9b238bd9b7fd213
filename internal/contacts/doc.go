// Package contacts turns a contact file, the body of
// POST /v1/weddings/{w}/imports?format=csv|vcf, into Rows: one per data row
// of a CSV file or per card of a vCard file, in file order.
//
// It owns reading the file: character encoding, separators, header names
// and their aliases (Google Contacts and Outlook exports work as they are),
// vCard framing, folding and quoted-printable, and the reasons a row cannot
// be imported. It knows nothing of weddings, guests, actors or HTTP, and it
// never normalizes phone numbers: each phone is kept as written (trimmed),
// and the caller maps Rows to domain commands.
//
// # Errors
//
// A Parse function returns an error only when the file as a whole cannot
// be imported (ErrEmpty, ErrEncoding, ErrNotCSV, ErrNoHeader, ErrNotVCard,
// ErrTooManyRows, or an error from the reader); it then returns no rows, so
// a caller never imports part of a file. A row that cannot be imported is
// returned with Row.Invalid set and is not fatal. Error texts and reasons
// are written for the person who uploaded the file (what is wrong and what
// to do about it) and hold nothing internal, so they may be shown to them.
//
// # Rows that cannot be imported
//
// A row (CSV) or card (vCard) is returned with Row.Invalid set, and nothing
// else but Line, when it has no name and no phone number; when a cell or
// property value it reads is longer than Limits.MaxCellBytes; when its text
// is not UTF-8 (beyond the first 4 KiB, which are checked for the whole
// file) or holds a control character; when it has more than 20 phone
// numbers or 50 tags; for CSV, when encoding/csv cannot read it (a stray or
// unclosed quote mark); for vCard, when END:VCARD is missing, a value's
// quoted-printable or base64 encoding is broken, or its CHARSET is neither
// UTF-8 nor ISO-8859-1.
//
// # Memory
//
// The reader is read once, front to back, through one 64 KiB buffer. A
// CSV record is held while it is mapped (encoding/csv holds the whole
// record, so a quoted cell that is never closed holds the rest of the
// file: bound the body, as the HTTP layer does). A vCard physical line is
// kept only up to Limits.MaxCellBytes plus 1 KiB and a card up to 16
// times Limits.MaxCellBytes; photos and other properties that are not
// read are skipped without being kept. Limits.MaxRows bounds the result.
//
// # Concurrency
//
// ParseCSV and ParseVCard keep no state between calls and are safe to call
// from any goroutine; each reads its own reader sequentially.
package contacts
