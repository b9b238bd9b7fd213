package domain_test

import (
	"testing"
	"unicode/utf8"

	"github.com/parinayaos/engine/domain"
)

// FuzzParseReply reads any string as a typed reply and checks what holds
// for every input: no panic; Answer is one of the four; Count is 0..500 and
// set only with ReplyYes; Unclear comes only with ReplyNone and Count 0;
// the same input always gives the same intent; only the first 1,000 runes
// count; ASCII capitals change nothing; and a STOP on a line of its own
// after a short reply is always an opt-out.
//
//	go test -run='^$' -fuzz=FuzzParseReply -fuzztime=60s ./domain
func FuzzParseReply(f *testing.F) {
	for _, tt := range replyCases {
		f.Add(tt.in)
	}
	for _, s := range []string{
		"haan ji hum 4 log aayenge 🙏", "can't", "we'll", "o'", "'", "2-", "-2", "2 ya", "ya 2",
		"7:", "1️", "\xff\xfe", "ज़", "\u093c", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"only", "sirf hum", "hum", "log", "and 4", "4 and", "?4", "4?", "na", ", na", "not stop", "do not",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := domain.ParseReply(s)
		if got.Answer > domain.ReplyMaybe {
			t.Fatalf("ParseReply(%q) = %+v: no such answer", s, got)
		}
		if got.Count < 0 || got.Count > 500 {
			t.Fatalf("ParseReply(%q) = %+v: count out of 0..500", s, got)
		}
		if got.Count != 0 && got.Answer != domain.ReplyYes {
			t.Fatalf("ParseReply(%q) = %+v: a count without a yes", s, got)
		}
		if got.Unclear && (got.Answer != domain.ReplyNone || got.Count != 0) {
			t.Fatalf("ParseReply(%q) = %+v: unclear with an answer", s, got)
		}
		if again := domain.ParseReply(s); again != got {
			t.Fatalf("ParseReply(%q) = %+v, then %+v", s, got, again)
		}
		if cut := firstRunes(s, 1000); cut != s {
			if c := domain.ParseReply(cut); c != got {
				t.Fatalf("ParseReply(%q) = %+v, but its first 1,000 runes give %+v", s, got, c)
			}
		}
		if up := asciiUpper(s); up != s {
			if u := domain.ParseReply(up); u != got {
				t.Fatalf("ParseReply(%q) = %+v, but in capitals %+v", s, got, u)
			}
		}
		if utf8.RuneCountInString(s) <= 900 {
			if st := domain.ParseReply(s + "\nSTOP"); !st.Stop {
				t.Fatalf("ParseReply(%q) = %+v: STOP on its own line missed", s+"\nSTOP", st)
			}
		}
	})
}

// firstRunes returns s cut after n runes (an invalid byte counts as one).
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
