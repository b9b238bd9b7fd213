package contacts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Row is one contact read from a file. If Invalid is empty the row has a
// Name or at least one Phone. If Invalid is set, only Line and Invalid are
// filled in: the other fields are left zero so that no part of a rejected
// row can be imported by mistake.
type Row struct {
	// Line is, for CSV, the row number a spreadsheet shows for this row
	// (the header is row 1 when it is the first line; blank lines and lines
	// of empty cells count, as a spreadsheet shows them, and a quoted cell
	// that spans several lines is one row). For vCard it is the card's
	// number, from 1, counting every BEGIN:VCARD.
	Line int
	// Name is the full name with white space trimmed and runs of white
	// space made one space. CSV: the name column, else first, middle and
	// last name joined. vCard: FN, else N assembled.
	Name string
	// Phones are the phone numbers as written (trimmed, not normalized):
	// WhatsApp numbers first, then mobile numbers, then the others, each in
	// file order. A number written twice (the same digits, differing only
	// in spacing or punctuation) appears once, as first written, ranked by
	// the better of its two kinds.
	Phones []string
	// Email is the first email address (vCard: the preferred one).
	Email string
	// Household is the household, family or group column (CSV only; a
	// vCard's ORG is an employer, not a household).
	Household string
	// Side is the side column as written ("bride", "Groom", "ladkiwale"…):
	// the caller interprets it. CSV only.
	Side string
	// Tags are the tags or labels (CSV: tags, labels, Google's "Labels" and
	// "Group Membership", Outlook's "Categories"; vCard: CATEGORIES), in
	// file order, once each (case-insensitively), without Google's system
	// labels ("* myContacts", "* starred").
	Tags []string
	// Seats is the seats column when it holds an integer from 1 to
	// MaxSeats; otherwise 0. CSV only.
	Seats int
	// Invalid, when not empty, says why this row cannot be imported.
	Invalid string
}

// Limits bounds what a Parse function accepts. A zero (or negative) field
// means its default.
type Limits struct {
	// MaxRows is the most data rows (CSV) or cards (vCard) a file may hold,
	// invalid ones included; more is ErrTooManyRows. Default DefaultMaxRows.
	MaxRows int
	// MaxCellBytes is the longest cell (CSV) or property value (vCard) that
	// is read; a longer one makes its row Invalid. Only the cells this
	// package reads count: a long Notes column does not. Default
	// DefaultMaxCellBytes.
	MaxCellBytes int
}

const (
	// DefaultMaxRows is Limits.MaxRows when unset: far more guests than a
	// wedding has, few enough to import as one command.
	DefaultMaxRows = 20000
	// DefaultMaxCellBytes is Limits.MaxCellBytes when unset.
	DefaultMaxCellBytes = 4 << 10
	// MaxSeats is the largest seats value read; a larger one reads as 0.
	MaxSeats = 10000
)

func (l Limits) withDefaults() Limits {
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = DefaultMaxCellBytes
	}
	return l
}

// Errors for a file that cannot be imported at all. They are wrapped with
// details and a hint for the person who uploaded the file; test them with
// errors.Is.
var (
	// ErrEmpty is returned for a file with no content (CSV: no row at all).
	ErrEmpty = errors.New("contacts: the file is empty")
	// ErrEncoding is returned for UTF-16 or UTF-32 text and for text whose
	// beginning (the first 4 KiB, or the CSV header) is not UTF-8, such as
	// Windows-1252 or Latin-1.
	ErrEncoding = errors.New("contacts: the file is not UTF-8 text")
	// ErrNotCSV is returned by ParseCSV for an Excel workbook, another
	// binary file, or a header row that encoding/csv cannot read.
	ErrNotCSV = errors.New("contacts: the file is not a CSV file")
	// ErrNoHeader is returned by ParseCSV when none of the first 10 rows
	// names a name or phone column.
	ErrNoHeader = errors.New("contacts: no header row naming a name or phone column")
	// ErrNotVCard is returned by ParseVCard for a file without a
	// BEGIN:VCARD line.
	ErrNotVCard = errors.New("contacts: the file has no vCards")
	// ErrTooManyRows is returned when a file holds more than
	// Limits.MaxRows rows or cards.
	ErrTooManyRows = errors.New("contacts: the file has too many rows")
)

// A row with more phone numbers or tags than these is Invalid: no person
// has that many, and the bound keeps deduplication (quadratic) cheap.
const (
	maxPhones = 20
	maxTags   = 50
)

// Reasons a row is Invalid that do not depend on the row's content.
const (
	reasonNoNameNoPhone = "no name and no phone number"
	reasonTooManyPhones = "more than 20 phone numbers; is a list of people in one row?"
	reasonTooManyTags   = "more than 50 tags"
	reasonNotUTF8       = "the text is not UTF-8; save the file as UTF-8 (in Excel: CSV UTF-8) and import it again"
)

// format holds what the errors of one file format tell the person.
type format struct {
	name   string // "CSV" or "vCard"
	saveAs string // how to get a file this package reads
	errNot error  // the error for a file of another kind
}

var (
	csvFormat = format{
		name:   "CSV",
		saveAs: `save it as "CSV UTF-8 (Comma delimited)" (Excel: File › Save As; Google Sheets: File › Download › CSV) and import that file`,
		errNot: ErrNotCSV,
	}
	vcardFormat = format{
		name:   "vCard",
		saveAs: "export the contacts again as a vCard (.vcf) file in UTF-8",
		errNot: ErrNotVCard,
	}
)

// sniffBytes is how much of the beginning of a file is checked for its
// encoding and kind.
const sniffBytes = 4 << 10

// sniff checks the beginning of the file for its encoding and kind and
// skips a UTF-8 byte order mark. If folded is set (vCard), a line break
// followed by a space or tab is removed before the UTF-8 check, since a
// vCard writer may fold a line in the middle of a multi-byte character.
func sniff(br *bufio.Reader, f format, folded bool) error {
	b, err := br.Peek(sniffBytes)
	atEOF := err != nil
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		if _, err := br.Discard(3); err != nil {
			return err
		}
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return fmt.Errorf("%w: it is UTF-16 (Excel's \"Unicode Text\"); %s", ErrEncoding, f.saveAs)
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return fmt.Errorf("%w: it is an Excel workbook (.xlsx) or another zip file; %s", f.errNot, f.saveAs)
	case bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return fmt.Errorf("%w: it is an old Excel workbook (.xls); %s", f.errNot, f.saveAs)
	case bytes.HasPrefix(b, []byte("%PDF")):
		return fmt.Errorf("%w: it is a PDF; %s", f.errNot, f.saveAs)
	}
	if bytes.IndexByte(b, 0) >= 0 {
		if looksUTF16(b) {
			return fmt.Errorf("%w: it is UTF-16 or UTF-32 without a byte order mark; %s", ErrEncoding, f.saveAs)
		}
		return fmt.Errorf("%w: it holds binary data (NUL bytes), not %s text; %s", f.errNot, f.name, f.saveAs)
	}
	if folded {
		b = unfoldSample(b)
	}
	if !atEOF && len(b) > 8 {
		// Leave out the end, where a character, or a fold inside one, may
		// be cut short.
		b = b[:len(b)-8]
	}
	if !validUTF8Prefix(b, atEOF) {
		return fmt.Errorf("%w: it looks like Windows-1252, Latin-1 or another legacy encoding; %s", ErrEncoding, f.saveAs)
	}
	return nil
}

// looksUTF16 reports whether at least a third of the even or of the odd
// bytes of b are NUL, as in UTF-16 (or UTF-32) text that is mostly ASCII.
func looksUTF16(b []byte) bool {
	if len(b) < 4 {
		return true
	}
	var even, odd int
	for i, c := range b {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	return 3*even >= len(b)/2 || 3*odd >= len(b)/2
}

// unfoldSample returns b without vCard folds (a line break followed by a
// space or tab).
func unfoldSample(b []byte) []byte {
	if !bytes.Contains(b, []byte("\n ")) && !bytes.Contains(b, []byte("\n\t")) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' && i+2 < len(b) && b[i+1] == '\n' && (b[i+2] == ' ' || b[i+2] == '\t') {
			i += 2
			continue
		}
		if b[i] == '\n' && i+1 < len(b) && (b[i+1] == ' ' || b[i+1] == '\t') {
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a character
// cut short at the end of b when b is not the whole file.
func validUTF8Prefix(b []byte, atEOF bool) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return !atEOF && !utf8.FullRune(b[i:])
		}
		i += size
	}
	return true
}

// clean trims s and makes each run of white space one space. It returns
// ok false if s holds a control character that is not white space. The
// result may share memory with s; see Row.detach.
func clean(s string) (_ string, ok bool) {
	simple := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < ' ' || c == 0x7F || (c == ' ' && prevSpace) {
			simple = false
			break
		}
		prevSpace = c == ' '
	}
	if simple {
		return strings.TrimSuffix(s, " "), true
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r):
			return "", false
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// trimPhone trims a phone number, which is otherwise kept as written. It
// returns ok false if the number holds a control character.
func trimPhone(s string) (_ string, ok bool) {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", false
		}
	}
	return s, true
}

// detach copies the row's strings into one new allocation, so that the
// row does not keep the whole record (or card) they were cut from alive.
func (r *Row) detach() {
	n := len(r.Name) + len(r.Email) + len(r.Household) + len(r.Side)
	for _, p := range r.Phones {
		n += len(p)
	}
	for _, t := range r.Tags {
		n += len(t)
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range [...]string{r.Name, r.Email, r.Household, r.Side} {
		b.WriteString(s)
	}
	for _, s := range r.Phones {
		b.WriteString(s)
	}
	for _, s := range r.Tags {
		b.WriteString(s)
	}
	all := b.String()
	take := func(s *string) {
		*s, all = all[:len(*s)], all[len(*s):]
	}
	take(&r.Name)
	take(&r.Email)
	take(&r.Household)
	take(&r.Side)
	for i := range r.Phones {
		take(&r.Phones[i])
	}
	for i := range r.Tags {
		take(&r.Tags[i])
	}
}

// samePhone reports whether a and b are one number written differently:
// the same digits, both with or both without a leading '+' ("98765 43210"
// and "98765-43210"). Values without digits are compared as they are.
func samePhone(a, b string) bool {
	if a == b {
		return true
	}
	if strings.HasPrefix(a, "+") != strings.HasPrefix(b, "+") {
		return false
	}
	i, j, digits := 0, 0, false
	for {
		for i < len(a) && !isDigit(a[i]) {
			i++
		}
		for j < len(b) && !isDigit(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return digits && i == len(a) && j == len(b)
		}
		if a[i] != b[j] {
			return false
		}
		digits = true
		i++
		j++
	}
}

// isDigit reports whether c is an ASCII digit, or a byte of a multi-byte
// character (such as a Devanagari digit), compared byte by byte.
func isDigit(c byte) bool { return c >= '0' && c <= '9' || c >= utf8.RuneSelf }

// phoneList collects phones in rank order (rankWhatsApp first), without
// duplicates (see samePhone).
type phoneList struct {
	phones []string
	ranks  []int
	over   bool // more than maxPhones were added
}

const (
	rankWhatsApp = iota
	rankMobile
	rankOther
)

func (l *phoneList) add(p string, rank int) {
	for i, have := range l.phones {
		if samePhone(have, p) {
			l.ranks[i] = min(l.ranks[i], rank)
			return
		}
	}
	if len(l.phones) == maxPhones {
		l.over = true
		return
	}
	l.phones = append(l.phones, p)
	l.ranks = append(l.ranks, rank)
}

// list returns the phones, by rank and then in the order added.
func (l *phoneList) list() []string {
	if len(l.phones) == 0 {
		return nil
	}
	out := make([]string, 0, len(l.phones))
	for rank := rankWhatsApp; rank <= rankOther; rank++ {
		for i, p := range l.phones {
			if l.ranks[i] == rank {
				out = append(out, p)
			}
		}
	}
	return out
}

// tagList collects tags once each, case-insensitively, without Google's
// system labels.
type tagList struct {
	tags []string
	// vcard: Google's vCard export writes its system labels without the
	// "* " its CSV export puts before them ("CATEGORIES:myContacts,starred").
	vcard bool
	over  bool // more than maxTags were added
}

func (t *tagList) add(tag string) {
	tag = strings.TrimSpace(tag)
	system := t.vcard
	if strings.HasPrefix(tag, "* ") {
		// Google marks its own labels with "* ": "* myContacts", "* starred"
		// and, in older exports, "* My Contacts", "* Friends", "* Family".
		tag = strings.TrimSpace(tag[2:])
		system = true
	}
	if system {
		switch strings.ToLower(tag) {
		case "mycontacts", "my contacts", "starred", "starred in android":
			return
		}
	}
	if tag == "" {
		return
	}
	for _, have := range t.tags {
		if strings.EqualFold(have, tag) {
			return
		}
	}
	if len(t.tags) == maxTags {
		t.over = true
		return
	}
	t.tags = append(t.tags, tag)
}

// splitMulti calls fn for each non-empty part of s, split at ":::" (Google
// Contacts' separator within a cell) and at any byte of seps.
func splitMulti(s, seps string, fn func(string)) {
	for part := range strings.SplitSeq(s, ":::") {
		for {
			i := strings.IndexAny(part, seps)
			if i < 0 {
				break
			}
			if p := strings.TrimSpace(part[:i]); p != "" {
				fn(p)
			}
			part = part[i+1:]
		}
		if p := strings.TrimSpace(part); p != "" {
			fn(p)
		}
	}
}
