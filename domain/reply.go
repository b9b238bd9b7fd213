package domain

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reads what a guest typed in answer to an invitation: English,
// Hindi in Devanagari, Hinglish (Hindi in Latin letters) and emoji. It is
// generous about spelling (case, punctuation, "yesss", "haaan", "comming",
// nukta and candrabindu variants) but never guesses: a reply that is not
// clearly one answer is Unclear and goes to a human (API.md, attention list).
//
// How a reply is read:
//
//  1. The first 1,000 runes are cut into words, numbers, emoji and clause
//     breaks (, . ! ; । newline, "but", "lekin", "and", "aur"). Devanagari
//     digits are digits; "can't", "won't", "we'll", "we're" and their
//     apostrophe-less forms ("cant", "wont", "dont") become "can not",
//     "will not", "we will", "we are". Each word is looked up as typed,
//     then with letters repeated three or more times cut to two, then with
//     every repeat squeezed ("yesss", "pakkaaa", "nahiii", "comming").
//  2. Phrases are matched longest first ("not sure" before "not", "no
//     problem" before "no", "can not wait" before "can not").
//  3. Each clause is judged on its own: a hedge ("maybe", "shayad", "pata
//     nahi", "will try", "not sure", "if") makes it Maybe and swallows the
//     verbs, negations, yeses and noes in it ("shayad nahi aa payenge",
//     "probably yes", "shayad haan" are Maybe); else a negation makes it No
//     ("nahi aa payenge", "aa nahi sakte", "can't make it", "not in town");
//     else a verb of coming makes it Yes ("aayenge", "will come", "be
//     there"). Outside a hedge, particles (yes, haan, no, nope, sure,
//     zaroor) count wherever they stand.
//  4. Strong signals decide; weak ones (ok, sorry, 👍, 👎, ✅, ❌) decide
//     only when no strong one is there. Two different answers are Unclear.
//
// Decisions on the tricky cases (tested in reply_test.go):
//
//   - A reply that is only a number: 1, 2, 3 are the invitation's buttons
//     (Yes, No, Maybe), keycaps (1️⃣) included; 4 to 500 is Yes with that
//     Count ("we'll be 4"); 0 and anything above 500 are Unclear. Number
//     words alone ("teen", "four") are Unclear: they are not the buttons.
//   - A count needs a yes. "4 log", "3 people", "we are 3", "hum 5",
//     "family of 4", "2 of us", "only 2", "hum dono", "only me" say yes by
//     themselves; a bare digit next to words ("yes 4", "ok 4") counts only
//     beside a yes. Hindi and English number words count only in such a
//     context ("do log", "hum teen"), never alone ("do" is also English).
//     A count with a No ("nahi, 2 log aayenge") is Unclear; with a Maybe it
//     is dropped. A digit equal to the answer's own button ("yes 1",
//     "2 no", "maybe 3") is the button echoed, not a count. Two counts
//     ("4 adults 2 kids"), a range ("2-3", "2 ya 3"), an approximation
//     ("around 10"), children beside a count ("4 log aur bachhe"), more
//     people after a count ("sirf main aur meri wife") and counts above 500
//     are Unclear. Times, dates and percentages are not counts ("12 tarikh
//     ko aayenge", "7:30", "4pm", "reaching 5", "100% coming").
//   - Count is set only with ReplyYes. Unclear always comes with
//     ReplyNone and Count 0: a human decides.
//   - Stop is an opt-out whatever else the text says. With Stop, Answer is
//     still the reply's answer when it clearly gives one ("nahi aayenge,
//     band karo": Stop and No); a stop with nothing else is not Unclear.
//     "don't stop", "bus stop", "non stop" are not opt-outs.
//   - Any question is Unclear, even beside a clear answer ("yes, what
//     time?"): a question mark, an interrogative (kab, kahan, kitne, kya,
//     kaun, kaise, what, where, when, how, …) or an English question opening
//     ("can we bring kids"). "kya baat", "what a", "how nice" and "why not"
//     are not questions.
//   - Text with no answer is Unclear (greetings, "congratulations",
//     "badhai ho", "thank you", "🙏", "❤️", "hmm"); only text with nothing
//     in it (empty, spaces, punctuation, invisible characters) is neither
//     an answer nor Unclear.
//   - 🙏 is neutral: alone it is Unclear (thanks, namaste or please); beside
//     an answer it changes nothing. 👍 ✅ ✔️ ☑️ 👌 🆗 are a weak yes, 👎 ❌ ❎ ✖️
//     🚫 🙅 ⛔ a weak no.
//   - Weak answers: ok, okay, fine, done, alright, theek, confirm, "see you",
//     "no doubt" (yes); sorry, apologies, "will miss" (no). So
//     "sorry, we will come" is Yes, "sorry 🙏" is No, "ok sorry" is Unclear.
//   - "ji", "y", "k" (yes) and "n" (no) answer only when they are the only
//     word: "ji" after a word is an honorific ("uncle ji", "nahi ji").
//     "na" is No only at the start of a clause ("na ji", "na, sorry"); after
//     a word it is a tag ("aayenge na", "haan na" are Yes).
//   - "mushkil hai", "difficult", "depends" and "koi nahi" (nobody / never
//     mind) are Unclear, not No: they are often a polite no but not always.
//   - "will try", "koshish karenge", "dekhte hain", "batayenge", "will let
//     you know", "will confirm", "not yet", "pata nahi", "no idea", "can't
//     say", "abhi nahi bata sakte" are Maybe: the guest has not committed.
//   - "no problem", "no worries", "koi baat nahi", "not a problem" are not
//     No; "can't wait", "won't miss it", "why not", "of course" are Yes;
//     "not sure", "pakka nahi", "sure nahi" are Maybe; "bilkul nahi",
//     "definitely not" are No; "out of station", "not interested", "unable",
//     "regret" are No.
//   - A reply that names a function (haldi, mehendi, sangeet, reception,
//     baraat, …) beside an answer is Unclear: it may answer only some of
//     the events the message asked about. So are partial answers ("except",
//     "but not", and "only"/"sirf" that do not limit a count).
//   - Mixed answers are Unclear: "haan nahi", "yes no", "yes but maybe
//     not", "yes, maybe", "we can't come but the kids will", "we can't not
//     come". A hedge inside one clause is a hedged answer, not a mix:
//     "yes maybe", "shayad haan" are Maybe.
//   - "next time" is a polite No ("sorry, next time", "next time pakka").
//
// Cost: one pass over at most 1,000 runes, then one pass over the tokens
// with a bounded phrase look-ahead; word lookups use fixed-size stack
// buffers, and the tokens take one allocation (more for very long replies).

// ReplyAnswer is the answer a typed reply gives, if it clearly gives one.
type ReplyAnswer uint8

// The answers of a typed reply. Yes, No and Maybe are also the order of the
// invitation's buttons, which a typed 1, 2 or 3 means.
//
// NB: ReplyYes, ReplyNo and ReplyMaybe are 1, 2 and 3, the buttons' numbers;
// replyBare and the button-echo rule rely on it.
const (
	ReplyNone ReplyAnswer = iota
	ReplyYes
	ReplyNo
	ReplyMaybe
)

// String returns "none", "yes", "no", "maybe", or "ReplyAnswer(n)".
func (a ReplyAnswer) String() string {
	switch a {
	case ReplyNone:
		return "none"
	case ReplyYes:
		return "yes"
	case ReplyNo:
		return "no"
	case ReplyMaybe:
		return "maybe"
	}
	return "ReplyAnswer(" + strconv.Itoa(int(a)) + ")"
}

// ReplyIntent is what a guest's typed reply says, if it says something
// clearly.
type ReplyIntent struct {
	// Answer is ReplyNone when the reply is unclear or says nothing.
	Answer ReplyAnswer
	// Count is the number of people coming when the reply gives one (1 to
	// 500); 0 when it gives none. Set only with ReplyYes.
	Count int32
	// Stop: the guest asks to stop messages (STOP, unsubscribe, "band
	// karo", "mat bhejo", "no more messages", "बंद करो", …). An opt-out,
	// whatever else the reply says.
	Stop bool
	// Unclear: the reply says something, but not clearly one answer (mixed
	// signals, a question, a count without a yes, greetings only, …): it
	// goes to a human. Unclear always comes with ReplyNone and Count 0.
	Unclear bool
}

const (
	replyMaxRunes     = 1000 // NB: the API promises that only these are read.
	replyMaxCount     = 500  // counts above this are implausible: Unclear
	replyNumCap       = 1_000_000
	replyMaxWordBytes = 64 // longer words are unknown words
)

// ParseReply reads a typed reply. It never panics, runs in time linear in
// the input, and reads only the first 1,000 runes of input of any length.
// Pure; safe to call from any goroutine.
func ParseReply(text string) ReplyIntent {
	toks := replyScan(text, make([]replyTok, 0, 32))
	if in, ok := replyBare(toks); ok {
		return in
	}
	items := replyMatch(toks)
	var v replyVerdict
	for s := 0; s <= len(items); {
		e := s
		for e < len(items) && !replyBreaks(items[e].role) {
			e++
		}
		counts := v.counts
		v.clause(items[s:e])
		if e < len(items) {
			switch items[e].role {
			case rAskMark:
				v.ask = true
				v.content = true
			case rAnd:
				// More people after a count: "sirf main aur meri wife",
				// "hum 4 aur bachhe".
				v.unclear = v.unclear || v.counts > counts
			}
		}
		s = e + 1
	}
	return v.intent()
}

func replyBreaks(r replyRole) bool { return r == rBreak || r == rAnd || r == rAskMark }

// replyBare reads a reply that is one number and nothing else.
func replyBare(toks []replyTok) (ReplyIntent, bool) {
	var num *replyTok
	for i := range toks {
		switch toks[i].kind {
		case tkBreak:
		case tkNum:
			if num != nil {
				return ReplyIntent{}, false
			}
			num = &toks[i]
		default:
			return ReplyIntent{}, false
		}
	}
	switch {
	case num == nil:
		return ReplyIntent{}, false
	case num.odd || num.num < 1 || num.num > replyMaxCount:
		return ReplyIntent{Unclear: true}, true
	case num.num <= 3:
		return ReplyIntent{Answer: ReplyAnswer(num.num)}, true
	}
	return ReplyIntent{Answer: ReplyYes, Count: num.num}, true
}

// replyVerdict gathers the signals of a reply, clause by clause.
type replyVerdict struct {
	yes, yesWeak, no, noWeak, maybe bool
	stop, ask, unclear, event, kid  bool
	content                         bool
	words, nums                     int
	counts                          int
	count                           int32
	countCtx                        bool
	alone                           ReplyAnswer // a "ji", "y", "n", "k"
}

// clause judges one clause (the items between two breaks).
func (v *replyVerdict) clause(c []replyTok) {
	var hedge, neg, verb bool
	for _, it := range c {
		switch it.role {
		case rMaybe:
			hedge = true
		case rNeg:
			neg = true
		case rYesVerb:
			verb = true
		}
	}
	// A hedged or negated clause lends no yes to the counts in it, and a
	// hedge also swallows the yes or no it hedges ("shayad haan").
	absorbed := hedge || neg
	switch {
	case hedge:
		v.maybe = true
	case neg:
		v.no = true
	case verb:
		v.yes = true
	}
	for i, it := range c {
		v.content = true
		switch it.kind {
		case tkWord:
			v.words++
		case tkNum:
			v.nums++
		}
		switch it.role {
		case rYes:
			v.yes = v.yes || !hedge
		case rYesWeak:
			v.yesWeak = v.yesWeak || !hedge
		case rNo:
			v.no = v.no || !hedge
		case rNoWeak:
			v.noWeak = v.noWeak || !hedge
		case rStop:
			v.stop = true
		case rAsk:
			v.ask = true
		case rUnclear, rPartial:
			v.unclear = true
		case rEvent:
			v.event = true
		case rKid:
			v.kid = true
		case rAlone:
			v.alone = ReplyAnswer(it.num)
		case rLimit:
			if !replyCountNear(c, i) {
				v.unclear = true
			}
		case rYa:
			if !(replyRoleAt(c, i-1) == rNum && replyRoleAt(c, i+1) == rNum) {
				v.yesWeak = true // "yaa" as in yeah; between numbers a range
			}
		case rCount:
			v.addCount(it.num, true)
			if !absorbed {
				v.yes = true
			}
		case rNum:
			if it.odd {
				continue // a time, a decimal or a percentage
			}
			prev, next := replyRoleAt(c, i-1), replyRoleAt(c, i+1)
			if prev == rDate || next == rDate || i > 0 && replyArrive[c[i-1].word] {
				continue // "12 tarikh", "at 7", "reaching 5"
			}
			if (next == rOr || next == rYa) && replyRoleAt(c, i+2) == rNum {
				v.unclear = true // a range: "2-3", "2 ya 3"
				continue
			}
			if (prev == rOr || prev == rYa) && replyRoleAt(c, i-2) == rNum {
				continue // the end of a range
			}
			ctx := prev == rCountCtx || prev == rLimit || next == rCountNoun || next == rLimit
			if it.kind == tkWord && !ctx {
				continue // "do", "one", "sat": a number word only in context
			}
			v.addCount(it.num, ctx)
			if ctx && !absorbed {
				v.yes = true
			}
		}
	}
}

func (v *replyVerdict) addCount(n int32, ctx bool) {
	v.counts++
	v.count, v.countCtx = n, ctx
}

// intent turns the signals into the reply's intent.
func (v *replyVerdict) intent() ReplyIntent {
	unclear := v.unclear || v.ask || v.counts > 1
	if v.words == 1 && v.nums == 0 && v.alone != ReplyNone {
		switch v.alone {
		case ReplyYes:
			v.yesWeak = true
		case ReplyNo:
			v.noWeak = true
		}
	}
	ans, n := replyPick(v.yes, v.no, v.maybe)
	if n == 0 {
		ans, n = replyPick(v.yesWeak, v.noWeak, false)
	}
	if n > 1 || ans != ReplyNone && v.event {
		unclear = true
	}
	var count int32
	if v.counts == 1 && !unclear {
		switch {
		case v.count < 1 || v.count > replyMaxCount || v.kid:
			unclear = true
		case !v.countCtx && v.count == int32(ans):
			// The answer's own button echoed: "yes 1", "2 no", "maybe 3".
		case ans == ReplyYes:
			count = v.count
		case ans == ReplyMaybe:
			// A maybe carries no headcount.
		default:
			unclear = true // a count with a no, or with no answer
		}
	}
	if unclear {
		return ReplyIntent{Stop: v.stop, Unclear: true}
	}
	return ReplyIntent{
		Answer:  ans,
		Count:   count,
		Stop:    v.stop,
		Unclear: ans == ReplyNone && v.content && !v.stop,
	}
}

// replyPick returns the one answer among the flags set, and how many are set.
func replyPick(yes, no, maybe bool) (ReplyAnswer, int) {
	ans, n := ReplyNone, 0
	if yes {
		ans, n = ReplyYes, n+1
	}
	if no {
		ans, n = ReplyNo, n+1
	}
	if maybe {
		ans, n = ReplyMaybe, n+1
	}
	return ans, n
}

// replyRoleAt returns the role of c[i]: rNum for a number (digits or a
// number word), rNone out of range or for a time, decimal or percentage.
func replyRoleAt(c []replyTok, i int) replyRole {
	if i < 0 || i >= len(c) {
		return rNone
	}
	if c[i].role == rNum && c[i].odd {
		return rNone
	}
	return c[i].role
}

// replyArrive are verbs of arriving: a number after them is a time.
var replyArrive = map[string]bool{"reach": true, "pahunch": true, "pahunchenge": true}

// replyCountNear reports whether the limiter at c[i] ("only", "sirf")
// limits a count: "only 2", "2 only", "sirf hum 3".
func replyCountNear(c []replyTok, i int) bool {
	prev, next := replyRoleAt(c, i-1), replyRoleAt(c, i+1)
	return prev == rNum || prev == rCount || next == rNum || next == rCount ||
		next == rCountCtx && replyRoleAt(c, i+2) == rNum
}

// Tokens.

type replyKind uint8

const (
	tkWord  replyKind = iota
	tkNum             // digits (ASCII or Devanagari)
	tkEmoji           // one symbol
	tkBreak           // a clause break
	tkAsk             // a question mark (also a clause break)
	tkDash            // '-' or '/' after a number: maybe a range
)

// replyTok is a token, and after replyMatch an item: a word or phrase with
// its role.
type replyTok struct {
	word string // tkWord: canonical spelling; "" for an unknown word
	num  int32  // tkNum: value (capped); items: the role's value
	kind replyKind
	role replyRole // items: what the word, phrase, number or emoji says
	odd  bool      // tkNum: part of a time, decimal or percentage
}

type replyRole uint8

const (
	rNone      replyRole = iota // says nothing about the answer
	rYes                        // strong yes: yes, haan, sure, zaroor
	rYesWeak                    // weak yes: ok, fine, 👍
	rYesVerb                    // coming: aayenge, will come, be there
	rAux                        // negatable, neutral alone: can, will, payenge
	rNeg                        // negation: not, nahi, never
	rNo                         // strong no: no, nope, unable
	rNoWeak                     // weak no: sorry, 👎
	rMaybe                      // hedge: maybe, shayad, not sure, will try
	rStop                       // opt-out
	rAsk                        // a question word
	rAskMark                    // a question mark
	rUnclear                    // mushkil, depends, around
	rBreak                      // a clause break
	rAnd                        // and, aur, &: a clause break that adds people
	rCountNoun                  // log, people, "of us" (after a number)
	rCountCtx                   // hum, are, be, of, total (before a number)
	rCount                      // a count by itself: "hum dono", "only me"
	rLimit                      // only, sirf
	rPartial                    // except, "but not"
	rEvent                      // haldi, sangeet, reception
	rKid                        // kids, bachhe
	rDate                       // baje, pm, tarikh, on, at (beside a number)
	rOr                         // or, to, se, '-', '/' (between numbers)
	rYa                         // ya: weak yes, or "or" between numbers
	rAlone                      // ji, y, n, k: an answer only when alone
	rNum                        // a number (digits, or a number word)
)

// replyScanner cuts text into tokens.
type replyScanner struct {
	toks   []replyTok
	word   [replyMaxWordBytes]byte
	wn     int  // bytes in word
	wlong  bool // the word overflowed: unknown
	apos   int  // offset in word of an apostrophe ("can't"); 0 if none
	inWord bool
	inNum  bool
	num    int32
	numOdd bool
}

// replyScan appends the tokens of the first replyMaxRunes runes of text to
// toks.
func replyScan(text string, toks []replyTok) []replyTok {
	end, n := 0, 0
	for end < len(text) && n < replyMaxRunes {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
		n++
	}
	text = text[:end]
	s := replyScanner{toks: toks}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		next := rune(-1)
		if i < len(text) {
			next, _ = utf8.DecodeRuneInString(text[i:])
		}
		s.rune(r, next)
	}
	s.flush()
	return s.toks
}

func (s *replyScanner) rune(r, next rune) {
	if replyIgnorable(r) {
		return // joiners, variation selectors, skin tones, keycaps, nukta
	}
	if d := replyDigit(r); d >= 0 {
		if s.inWord {
			s.endWord()
		}
		if !s.inNum {
			s.inNum, s.num, s.numOdd = true, 0, false
		}
		s.num = min(s.num*10+int32(d), replyNumCap)
		return
	}
	if replyApostrophe(r) && s.inWord && s.apos == 0 && unicode.IsLetter(next) {
		s.apos = s.wn
		return
	}
	if replyApostrophe(r) {
		s.flush() // a quote, or an apostrophe not inside a word
		return
	}
	if unicode.IsLetter(r) || s.inWord && unicode.IsMark(r) {
		if s.inNum {
			s.endNum()
		}
		s.inWord = true
		r = replyFoldRune(r)
		if s.wn+utf8.RuneLen(r) > len(s.word) {
			s.wlong = true
			return
		}
		s.wn += utf8.EncodeRune(s.word[s.wn:], r)
		return
	}
	switch r {
	case '.', ':':
		if s.inNum && replyDigit(next) >= 0 {
			s.numOdd = true // 7:30, 7.30, 2.5
			s.num = replyNumCap
			return
		}
		s.flush()
		s.emit(replyTok{kind: tkBreak})
	case '%':
		if s.inNum {
			s.numOdd = true
		}
		s.flush()
	case '?', '？', '¿', '؟':
		s.flush()
		s.emit(replyTok{kind: tkAsk})
	case ',', '!', ';', '\n', '\r', '…', '।', '॥', '،', '؛', '。', '，', '！', '\u2028', '\u2029', '¡':
		s.flush()
		s.emit(replyTok{kind: tkBreak})
	case '&':
		s.flush()
		s.emit(replyTok{kind: tkWord, word: "and"})
	case '-', '–', '—', '/', '⁄', '~':
		wasNum := s.inNum
		s.flush()
		if wasNum {
			s.emit(replyTok{kind: tkDash})
		}
	default:
		s.flush()
		if unicode.Is(unicode.So, r) {
			s.emit(replyTok{kind: tkEmoji, role: replyEmojiRole(r)})
		}
	}
}

func (s *replyScanner) flush() {
	if s.inWord {
		s.endWord()
	}
	if s.inNum {
		s.endNum()
	}
}

func (s *replyScanner) emit(t replyTok) { s.toks = append(s.toks, t) }

func (s *replyScanner) endNum() {
	s.emit(replyTok{kind: tkNum, num: s.num, odd: s.numOdd})
	s.inNum = false
}

// endWord emits the word just read: one token, or two for a contraction.
func (s *replyScanner) endWord() {
	w, apos, long := s.word[:s.wn], s.apos, s.wlong
	s.inWord, s.wn, s.apos, s.wlong = false, 0, 0, false
	if long {
		s.emit(replyTok{kind: tkWord})
		return
	}
	if apos > 0 && apos < len(w) {
		head, tail := w[:apos], string(w[apos:])
		switch {
		case tail == "t" && head[len(head)-1] == 'n':
			base := head[:len(head)-1] // don't → do, didn't → did
			switch string(base) {
			case "ca":
				s.emitEntry(replyLexEntry{a: "can", b: "not"})
			case "wo":
				s.emitEntry(replyLexEntry{a: "will", b: "not"})
			case "sha":
				s.emitEntry(replyLexEntry{a: "shall", b: "not"})
			default:
				s.emitLookup(base)
				s.emitEntry(replyLexEntry{a: "not"})
			}
			return
		case tail == "ll", tail == "re", tail == "m", tail == "ve", tail == "d":
			s.emitLookup(head)
			s.emitEntry(replyLexEntry{a: replyContractions[tail]})
			return
		case tail == "s":
			s.emitLookup(head) // it's, that's, ram's
			return
		}
		// Any other apostrophe ("rock'n"): the word is read without it.
	}
	s.emitLookup(w)
}

// replyContractions are the words a contraction's tail stands for.
var replyContractions = map[string]string{"ll": "will", "re": "are", "m": "am", "ve": "have", "d": "would"}

func (s *replyScanner) emitLookup(w []byte) { s.emitEntry(replyLookup(w)) }

func (s *replyScanner) emitEntry(e replyLexEntry) {
	s.emit(replyTok{kind: tkWord, word: e.a})
	if e.b != "" {
		s.emit(replyTok{kind: tkWord, word: e.b})
	}
}

// replyLookup finds a word's canonical spelling: as typed, then with runs
// of three or more repeated letters cut to two ("haaan" → "haan"), then
// with every run squeezed to one ("yesss" → "yes", "pakkaaa" → "paka",
// which is "pakka" squeezed). The squeezed index holds only keys of three
// or more letters that no two different words share.
func replyLookup(w []byte) replyLexEntry {
	if e, ok := replyTables.lex[string(w)]; ok {
		return e
	}
	var b2, b1 [replyMaxWordBytes]byte
	two := replySqueeze(b2[:0], w, 2)
	if len(two) != len(w) {
		if e, ok := replyTables.lex[string(two)]; ok {
			return e
		}
	}
	one := replySqueeze(b1[:0], w, 1)
	if len(one) != len(w) {
		if e, ok := replyTables.lex[string(one)]; ok {
			return e
		}
	}
	if e, ok := replyTables.squeezed[string(one)]; ok {
		return e
	}
	return replyLexEntry{}
}

// replySqueeze appends w to dst with runs of one rune cut to at most keep.
func replySqueeze(dst, w []byte, keep int) []byte {
	prev, run := rune(-1), 0
	for i := 0; i < len(w); {
		r, size := utf8.DecodeRune(w[i:])
		if r == prev {
			run++
		} else {
			prev, run = r, 1
		}
		if run <= keep {
			dst = append(dst, w[i:i+size]...)
		}
		i += size
	}
	return dst
}

// replyMatch turns tokens into items in place: each phrase (longest first)
// or word becomes one item with its role; numbers, emoji and breaks stay.
func replyMatch(toks []replyTok) []replyTok {
	out := toks[:0]
	start := true // at the start of a clause
	for i := 0; i < len(toks); {
		t := toks[i]
		n := 1
		switch t.kind {
		case tkBreak:
			t.role = rBreak
		case tkAsk:
			t.role = rAskMark
		case tkNum:
			t.role = rNum
		case tkDash:
			t.role = rOr
		case tkWord:
			t.role, t.num = rNone, 0
			if t.word != "" {
				for _, ph := range replyTables.phrases[t.word] {
					if ph.start && !start || !replyHas(toks[i:], ph.words) {
						continue
					}
					t.role, t.num, n = ph.role, ph.val, len(ph.words)
					break
				}
			}
		}
		// An emoji keeps the start of a clause: "🙏 na" is No.
		start = replyBreaks(t.role) || start && t.kind == tkEmoji
		out = append(out, t)
		i += n
	}
	return out
}

// replyHas reports whether toks begins with the words of a phrase.
func replyHas(toks []replyTok, words []string) bool {
	if len(toks) < len(words) {
		return false
	}
	for j, w := range words {
		if toks[j].kind != tkWord || toks[j].word != w {
			return false
		}
	}
	return true
}

// Runes.

func replyDigit(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= '०' && r <= '९':
		return int(r - '०')
	}
	return -1
}

func replyApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', '`', 'ʼ', '´':
		return true
	}
	return false
}

// replyIgnorable reports runes read as if absent: zero-width joiners and
// spaces, variation selectors, emoji skin tones and tags, the keycap mark
// (1️⃣), bidi marks, soft hyphens, and the Devanagari nukta (ज़ reads as ज).
func replyIgnorable(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x2064,
		r >= 0xFE00 && r <= 0xFE0F, r >= 0x1F3FB && r <= 0x1F3FF, r >= 0xE0000 && r <= 0xE007F,
		r == 0xFEFF, r == 0x20E3, r == 0x00AD, r == 0x093C:
		return true
	}
	return false
}

// replyFoldRune lower-cases a letter and folds Devanagari variants: the
// precomposed nukta letters to their base letter, candrabindu to anusvara
// (हाँ and हां are the same word as typed).
func replyFoldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case r >= 0x0958 && r <= 0x095F:
		return [...]rune{'क', 'ख', 'ग', 'ज', 'ड', 'ढ', 'फ', 'य'}[r-0x0958]
	case r == 0x0901:
		return 0x0902
	}
	return unicode.ToLower(r)
}

func replyEmojiRole(r rune) replyRole {
	switch r {
	case '👍', '✅', '✔', '☑', '👌', '🆗', '✓':
		return rYesWeak
	case '👎', '❌', '❎', '✖', '🚫', '🙅', '⛔', '✗', '✘':
		return rNoWeak
	}
	return rNone
}

// The vocabulary.

// replyLexEntry is a word's canonical spelling; b is set for a contraction
// read as two words ("cant" → "can" "not").
type replyLexEntry struct{ a, b string }

// replyPhrase is a run of canonical words and what it says.
type replyPhrase struct {
	words []string
	role  replyRole
	val   int32
	start bool // only at the start of a clause
}

// replyVocab is the vocabulary: spellings to canonical words, the squeezed
// index (see replyLookup), and phrases by their first canonical word,
// longest first.
type replyVocab struct {
	lex      map[string]replyLexEntry
	squeezed map[string]replyLexEntry
	phrases  map[string][]replyPhrase
}

// replyTables holds the vocabulary, built once from replySpellings,
// replyTwoWords and replyRules; read-only afterwards.
var replyTables = buildReplyTables()

// replySpellings groups the spellings of a word; the first is canonical.
// Words that phrases use and that appear here nowhere are their own
// canonical spelling.
var replySpellings = []string{
	"yes yess yeah yeahh yea yep yup yas yesh",
	"haan han ha haa hann hanji haanji hanjee haanjee हां हाँ हा हांजी",
	"ok okay okk okey okie okies okkay oky oki",
	"sure shure",
	"definitely definately definetly defenitely definitly defo",
	"zaroor zarur jaroor jarur jaruur zarror ज़रूर जरूर जरुर",
	"bilkul bilkool bilkull बिल्कुल बिलकुल",
	"pakka pkka पक्का",
	"ofcourse ofc",
	"coming comming cmng",
	"attend attending",
	"join joining",
	"reach reaching",
	"aayenge ayenge aaenge aenge aayege ayege aaege aaynge aynge aaunga aunga aaungi aungi aaonga " +
		"aayega ayega aayegi ayegi aayengi ayengi आएंगे आयेंगे आएगे आयेगे आऊंगा आऊंगी आउंगा आउंगी आएगा आएगी आयेगा आयेगी",
	"aa आ",
	"rahe rhe rahi raha rha rahen रहे रही रहा",
	"jayenge jaenge jaayenge jayege jaege jaunga jaungi jayega jaega जाएंगे जायेंगे जाएगे जाएगा",
	"payenge paenge paayenge payege paege paunga paungi payega paega paayega पाएंगे पायेंगे पाएगे पाऊंगा पाएगा पायेगा",
	"sakte skte sakenge sakta sakti sakega सकते सकेंगे सकता सकती",
	"pahunchenge pahuchenge pahunchege pahuchege पहुंचेंगे",
	"pahunch pahuch पहुंच",
	"hoga hogi होगा होगी",
	"ho हो",
	"hum ham हम",
	"log logo logon loag लोग लोगों",
	"jan jane janey जन",
	"people ppl peoples persons person pax members member adults adult guests guest heads seats seat sadasya सदस्य",
	"no noo nope nah naah nop",
	"nahi nahin nhi nahee nahii nai nehi nehin nhin नहीं नही नहि",
	"na naa ना न",
	"sorry sry sory sorri maaf maafi",
	"apologies apologise apologize apology",
	"regret regrets",
	"decline declined",
	"maybe mayb mebbe mabye maby mabey",
	"shayad shaayad sayad shyd shaid shayd shyad शायद",
	"try trying",
	"koshish koshis kosis कोशिश",
	"dekhte dekhenge dekhege देखते देखेंगे",
	"pata patta पता",
	"batayenge bataenge btayenge batadenge btadenge batate bataunga bataungi batayengi बताएंगे बतायेंगे बताते",
	"bata bta बता",
	"malum maloom maalum मालूम",
	"keh kah कह",
	"stop stopp स्टॉप",
	"unsubscribe unsub unsubscribed",
	"message messages msg msgs messaging mesage reminder reminders मैसेज",
	"bhejo bhejiye bhejna bheje bhejen bhejein भेजो भेजिए भेजें भेजना",
	"karo kro kar kare karein karen kijiye kijie kariye kardo करो कर कीजिए करें करिए",
	"band bandh bnd बंद बन्द",
	"mat मत",
	"mushkil muskil mushkel मुश्किल",
	"difficult dificult",
	"depends depend depending",
	"kya kia क्या",
	"kab कब",
	"kahan kahaan kaha kidhar कहां",
	"kitne kitna kitni कितने कितना कितनी",
	"kaun kon kaunsa konsa kaunsi कौन",
	"kyun kyon kyu क्यों",
	"kaise kese कैसे",
	"but lekin lekn magar however although though लेकिन मगर",
	"and aur और",
	"only sirf srf keval kewal सिर्फ केवल",
	"except excluding siwa siwaye sivay siway chhodkar chodkar",
	"kids kid children child baby babies infant infants bachhe bacche bachche bache bachha baccha bachcha " +
		"bachhon bacchon bachon बच्चे बच्चा बच्चों",
	"sangeet sangit sangeeth संगीत",
	"haldi हल्दी",
	"mehendi mehndi mehandi मेहंदी",
	"reception रिसेप्शन",
	"baraat barat बारात",
	"sagai sagaai engagement सगाई",
	"baje bje बजे",
	"tarikh tareekh tarik तारीख",
	"date dates",
	"minutes min mins minute",
	"hours hour hr hrs ghante ghanta",
	"days day din",
	"years year yr yrs saal",
	"feb february",
	"aug august",
	"sep sept september",
	"oct october",
	"nov november",
	"dec december",
	"jun june",
	"jul july",
	"apr april",
	"till until untill",
	"tak तक",
	"ko को",
	"se से",
	"ya yaa",
	"ji jee जी",
	"ek one एक",
	"do two दो",
	"teen tin three तीन",
	"char chaar four चार",
	"paanch panch paach five पांच",
	"chhe che chhah chah chheh six छह छः छे",
	"saat sat seven सात",
	"aath ath eight आठ",
	"nau nine नौ",
	"das dus ten दस",
	"gyarah gyara eleven ग्यारह",
	"barah bara twelve बारह",
	"theek thik thek ठीक",
	"hai h he hain hei है हैं",
	"main mai mein मैं",
	"akela akeli अकेला अकेली",
	"dono donon दोनों",
	"you u yu",
	"are r",
	"will wil",
	"possible posible",
	"problem prob problm problems dikkat issue issues tension",
	"worry worries",
	"know knw",
	"family fam parivar",
	"tentative tentatively",
	"around approx approximately lagbhag lagbag takriban",
}

// replyTwoWords are contractions typed without their apostrophe.
var replyTwoWords = map[string]replyLexEntry{
	"cant": {"can", "not"}, "cannot": {"can", "not"}, "wont": {"will", "not"},
	"dont": {"do", "not"}, "dnt": {"do", "not"}, "didnt": {"did", "not"},
	"doesnt": {"does", "not"}, "isnt": {"is", "not"}, "arent": {"are", "not"},
	"wasnt": {"was", "not"}, "werent": {"were", "not"}, "couldnt": {"could", "not"},
	"wouldnt": {"would", "not"}, "shouldnt": {"should", "not"}, "havent": {"have", "not"},
	"hasnt": {"has", "not"}, "aint": {"is", "not"}, "im": {"i", "am"},
}

// replyRule gives phrases (separated by commas, any spelling) a role.
type replyRule struct {
	role    replyRole
	val     int32
	start   bool
	phrases string
}

var replyRules = []replyRule{
	{role: rYes, phrases: "yes, haan, sure, definitely, certainly, absolutely, surely, zaroor, bilkul, pakka, " +
		"ofcourse, of course, for sure, count me in, count us in, why not, confirmed, can not wait, " +
		"will not miss, would not miss, not miss, never miss, looking forward, see you there"},
	{role: rYesWeak, phrases: "ok, fine, done, alright, all right, theek, confirm, see you, sounds good, no doubt"},
	{role: rYesVerb, phrases: "coming, come, attend, join, reach, aayenge, aa rahe, aa jayenge, aa payenge, " +
		"aa sakte, be there, will be there, make it, be present, pahunchenge, pahunch, pahunch jayenge, shamil"},
	{role: rAux, phrases: "can, could, will, would, shall, should, able, possible, make, aa, jayenge, payenge, " +
		"sakte, ho, hoga, going, manage"},
	{role: rNeg, phrases: "not, never, nahi, no one, nobody, none, unable, regret, decline"},
	{role: rNeg, start: true, phrases: "na"},
	{role: rNo, phrases: "no, not interested, out of station, out of town, " +
		"out of country, definitely not, absolutely not, bilkul nahi, maybe next time, " +
		"koi nahi aayenge, koi nahi aa payenge, next time, next time pakka, pakka next time"},
	{role: rNoWeak, phrases: "sorry, apologies, will miss"},
	{role: rMaybe, phrases: "maybe, may be, perhaps, possibly, probably, might, tentative, hopefully, shayad, " +
		"try, koshish, dekhte, dekh ke, agar, if, not sure, unsure, pata nahi, nahi pata, malum nahi, " +
		"nahi malum, do not know, not know, dunno, idk, no idea, not yet, not decided, undecided, " +
		"not confirmed, not confirm, confirm nahi, confirmed nahi, can not confirm, can not say, " +
		"nahi keh sakte, keh nahi sakte, pakka nahi, sure nahi, let you know, will confirm, " +
		"confirm later, will update, will inform, batayenge, bata denge, bata dunga, ya nahi, or not, " +
		"ki nahi, fifty fifty, mostly, likely, nahi bata sakte, bata nahi sakte, nahi bol sakte, bol nahi sakte"},
	{role: rStop, phrases: "stop, unsubscribe, opt out, optout, remove me, remove my number, do not message, " +
		"do not send, do not text, do not disturb, dnd, no more, no more message, no message, mat bhejo, " +
		"message mat karo, message mat bhejo, message na bhejo, na bhejo, band karo"},
	{role: rAsk, phrases: "kya, kab, kahan, kitne, kaun, kyun, kaise, what, when, where, which, why, who, " +
		"whom, whose, how"},
	{role: rAsk, start: true, phrases: "can we, can i, could we, could i, can you, could you, will you, " +
		"would you, will there, is it, is there, are you, are there, are kids, do we, do i, do you, " +
		"does it, should we, should i, shall we, shall i, may i, may we"},
	{role: rNone, phrases: "no problem, no worry, not a problem, not be a problem, not worry, no need, " +
		"koi baat nahi, koi problem nahi, sorry for, kya baat, what a, how nice, how lovely, how sweet, " +
		"how beautiful, how wonderful, not stop, bus stop, non stop, no more than"},
	{role: rUnclear, phrases: "mushkil, difficult, depends, koi nahi, around, not not"},
	{role: rBreak, phrases: "but"},
	{role: rAnd, phrases: "and"},
	{role: rPartial, phrases: "except, but not, apart from, other than"},
	{role: rLimit, phrases: "only"},
	{role: rCountNoun, phrases: "log, jan, people, of us"},
	{role: rCountCtx, phrases: "hum, hum log, are, be, of, total, kul, bas, just"},
	{role: rCount, val: 2, phrases: "hum dono, we both, both of us, us both, dono log"},
	{role: rCount, val: 1, phrases: "only me, just me, only main, only myself, just myself, me alone, " +
		"main akela, akela, myself only, me only"},
	{role: rEvent, phrases: "sangeet, haldi, mehendi, reception, baraat, sagai, cocktail, tilak, roka, " +
		"phere, ring ceremony, welcome dinner, after party"},
	{role: rKid, phrases: "kids"},
	{role: rDate, phrases: "baje, pm, am, tarikh, date, minutes, hours, days, years, tak, ko, till, at, on, " +
		"by, after, before, january, feb, march, april, june, july, aug, sep, oct, nov, dec, th, st, nd, rd, " +
		"clock, rs, rupees, km"},
	{role: rOr, phrases: "or, to, se"},
	{role: rYa, phrases: "ya"},
	{role: rAlone, val: int32(ReplyYes), phrases: "ji, y, k"},
	{role: rAlone, val: int32(ReplyNo), phrases: "n"},
	{role: rNum, val: 1, phrases: "ek"},
	{role: rNum, val: 2, phrases: "do"},
	{role: rNum, val: 3, phrases: "teen"},
	{role: rNum, val: 4, phrases: "char"},
	{role: rNum, val: 5, phrases: "paanch"},
	{role: rNum, val: 6, phrases: "chhe"},
	{role: rNum, val: 7, phrases: "saat"},
	{role: rNum, val: 8, phrases: "aath"},
	{role: rNum, val: 9, phrases: "nau"},
	{role: rNum, val: 10, phrases: "das"},
	{role: rNum, val: 11, phrases: "gyarah"},
	{role: rNum, val: 12, phrases: "barah"},
}

// buildReplyTables builds the vocabulary. It panics on a contradiction in
// the tables above (a spelling of two words, a phrase given two roles): a
// programmer's error, caught by any test of the package.
func buildReplyTables() (t replyVocab) {
	t.lex = map[string]replyLexEntry{}
	fold := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if !replyIgnorable(r) {
				b.WriteRune(replyFoldRune(r))
			}
		}
		return b.String()
	}
	add := func(spelling string, e replyLexEntry) {
		if old, ok := t.lex[spelling]; ok && old != e {
			panic("domain: reply vocabulary: " + spelling + " spells " + old.a + " and " + e.a)
		}
		t.lex[spelling] = e
	}
	for _, line := range replySpellings {
		f := strings.Fields(line)
		canon := fold(f[0])
		for _, s := range f {
			add(fold(s), replyLexEntry{a: canon})
		}
	}
	for s, e := range replyTwoWords {
		add(s, e)
	}
	t.phrases = map[string][]replyPhrase{}
	for _, rule := range replyRules {
		for _, text := range strings.Split(rule.phrases, ",") {
			var words []string
			for _, w := range strings.Fields(text) {
				w = fold(w)
				e, ok := t.lex[w]
				if !ok {
					e = replyLexEntry{a: w}
					add(w, e)
				}
				words = append(words, e.a)
				if e.b != "" {
					words = append(words, e.b)
				}
			}
			if len(words) == 0 {
				panic("domain: reply vocabulary: empty phrase in rule for role " + strconv.Itoa(int(rule.role)))
			}
			ph := replyPhrase{words: words, role: rule.role, val: rule.val, start: rule.start}
			for _, old := range t.phrases[words[0]] {
				if slices.Equal(old.words, words) && old.start == ph.start {
					panic("domain: reply vocabulary: phrase given twice: " + strings.Join(words, " "))
				}
			}
			t.phrases[words[0]] = append(t.phrases[words[0]], ph)
		}
	}
	for _, list := range t.phrases {
		slices.SortStableFunc(list, func(a, b replyPhrase) int { return len(b.words) - len(a.words) })
	}
	// The squeezed index: order-independent, so the same on every run.
	t.squeezed = map[string]replyLexEntry{}
	ambiguous := map[string]bool{}
	for s, e := range t.lex {
		k := string(replySqueeze(nil, []byte(s), 1))
		if utf8.RuneCountInString(k) < 3 {
			continue
		}
		if old, ok := t.squeezed[k]; ok && old != e {
			ambiguous[k] = true
		}
		t.squeezed[k] = e
	}
	for k := range ambiguous {
		delete(t.squeezed, k)
	}
	return t
}
