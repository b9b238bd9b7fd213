package domain

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhone parses a phone number as people type it ("98765 43210",
// "+91-98765-43210", "0044 20 7946 0958") with region as the default
// country, and returns it in E.164. Impossible or invalid numbers are an
// *Error with code invalid_phone.
func NormalizePhone(raw, region, field string) (string, error) {
	if !maybePhone(raw) {
		return "", badPhone(raw, field)
	}
	num, ok := parsePhone(raw, region)
	if !ok {
		return "", badPhone(raw, field)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// parsePhone parses a phone in region, valid numbers only. Besides what
// libphonenumber reads, it reads the country code after a trunk 0, as
// people in India write it ("091 98765 43210", a 0 before the 91).
func parsePhone(raw, region string) (*phonenumbers.PhoneNumber, bool) {
	raw = strings.TrimSpace(raw)
	num, err := phonenumbers.Parse(raw, region)
	if err == nil && phonenumbers.IsValidNumber(num) {
		return num, true
	}
	cc := strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1 // separators (maybePhone let only those through)
	}, raw)
	if cc == "0" || !strings.HasPrefix(digits, "0"+cc) || strings.ContainsRune(raw, '+') {
		return nil, false
	}
	num, err = phonenumbers.Parse("+"+digits[1:], region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return nil, false
	}
	return num, true
}

func badPhone(raw, field string) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_phone", Field: field,
		Message: "phone " + quoteShort(strings.TrimSpace(raw)) + " is not a valid number (use E.164, e.g. +919876543210)"}
}

// Bounds of maybePhone. E.164 numbers have at most 15 digits; an
// international prefix typed before them ("00", "011", "0011") adds a few.
const (
	maxPhoneBytes  = 40
	maxPhoneDigits = 20
)

// maybePhone is a cheap filter run before the parser (~20 µs a number, in
// regular expressions): it refuses what no region can make a number of, so
// that junk costs a scan instead of a parse. It allows what people type
// and copy around numbers: digits (any script the parser reads), spaces,
// dashes, dots, slashes, brackets and a plus. Letters are refused: vanity
// numbers and extensions ("ext. 12") cannot receive WhatsApp messages.
func maybePhone(raw string) bool {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxPhoneBytes {
		return false
	}
	digits := 0
	for _, r := range raw {
		switch {
		case r >= '0' && r <= '9' || unicode.IsDigit(r):
			digits++
		case r == '+' || r == '(' || r == ')' || r == '.' || r == '/' || r == '[' || r == ']' || r == '~':
		case r == '＋' || r == '（' || r == '）' || r == '．' || r == '／' || r == '［' || r == '］' || r == '−':
		case unicode.Is(unicode.Zs, r) || unicode.Is(unicode.Pd, r):
		default:
			return false
		}
	}
	return digits > 0 && digits <= maxPhoneDigits
}

// phoneQuery is a guest-list search (?q=) read as a phone. People search
// the way they write numbers ("98765 43210", "098765…", "+91 98765
// 43210"); stored phones are E.164.
type phoneQuery struct {
	digits string // the query's digits, separators dropped
	plus   bool   // typed with a leading plus: digits start the number
	e164   string // the whole number the query is in the wedding's region, if it is one
	trunk  string // "+<country code><national digits>" when the query starts with the region's trunk prefix
}

// readPhoneQuery reads q as a phone search: digits with spaces, dashes,
// brackets and dots between them, and a plus before the first digit. It
// reports false for anything else (a name), which is then not parsed.
func readPhoneQuery(q, region string) (phoneQuery, bool) {
	var pq phoneQuery
	digits := make([]byte, 0, len(q))
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '+' && len(digits) == 0 && !pq.plus:
			pq.plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return phoneQuery{}, false
		}
	}
	if len(digits) == 0 {
		return phoneQuery{}, false
	}
	pq.digits = string(digits)
	if e164, err := NormalizePhone(q, region, ""); err == nil {
		pq.e164 = e164
		return pq, true
	}
	if ndd := phonenumbers.GetNddPrefixForRegion(region, true); !pq.plus && ndd != "" &&
		len(pq.digits) > len(ndd) && strings.HasPrefix(pq.digits, ndd) {
		pq.trunk = "+" + strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region)) + pq.digits[len(ndd):]
	}
	return pq, true
}

// matches reports whether an E.164 phone is what q looks for: the number
// q is, when it is a whole one; otherwise one that starts with what was
// typed after a plus or a trunk prefix, or (without a plus) one whose
// digits hold the query's.
func (q *phoneQuery) matches(phone string) bool {
	switch {
	case q.e164 != "":
		return phone == q.e164
	case phone == "":
		return false
	case q.plus:
		return len(phone) > len(q.digits) && phone[0] == '+' && strings.HasPrefix(phone[1:], q.digits)
	case q.trunk != "" && strings.HasPrefix(phone, q.trunk):
		return true
	}
	return strings.Contains(phone, q.digits)
}

// ValidRegion reports whether region is a country code the phone parser
// knows (ISO 3166-1 alpha-2, upper case).
func ValidRegion(region string) bool {
	_, ok := phonenumbers.GetSupportedRegions()[region]
	return ok
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = truncate(s, 40) + "…"
	}
	return `"` + s + `"`
}

// parallelPhones is the batch size from which normalizePhones uses every
// core: parsing a phone with phonenumbers takes ~20 µs (regular
// expressions), which made it 60% of a 1,000-unit (3,000-phone) batch.
const parallelPhones = 256

// normalizePhones normalizes raws (a batch's phones) with as many
// goroutines as there are cores, and returns raw → E.164, or "" for an
// invalid one (so that it is not parsed again to make its error). It is a
// pure function of its input: the goroutines only share the work.
func normalizePhones(raws []string, region string) map[string]string {
	workers := min(runtime.GOMAXPROCS(0), len(raws)/parallelPhones)
	if workers < 2 {
		return nil
	}
	out := make([]string, len(raws))
	inParallel(len(raws), workers, func(i int) { out[i], _ = NormalizePhone(raws[i], region, "") })
	memo := make(map[string]string, len(raws))
	for i, e164 := range out {
		memo[raws[i]] = e164
	}
	return memo
}

// inParallel runs fn(0..n-1) on workers goroutines (each taking every
// workers-th index) and returns when all are done.
func inParallel(n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
