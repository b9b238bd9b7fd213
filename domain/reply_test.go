package domain_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// replyCases are typed replies as guests send them, with what they say.
// Reference: API.md "WhatsApp webhook" (a typed 1, 2 or 3 means the
// invitation's buttons in order: Yes, No, Maybe); the decisions on tricky
// cases are documented in reply.go.
var replyCases = []struct {
	in   string
	want domain.ReplyIntent
}{
	{"1", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"2", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"3", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{" 1 ", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"1.", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"2!", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"1️⃣", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"3️⃣", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"१", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"4", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"12", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 12}},
	{"४", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"0", domain.ReplyIntent{Unclear: true}},
	{"600", domain.ReplyIntent{Unclear: true}},
	{"9876543210", domain.ReplyIntent{Unclear: true}},
	{"7:30", domain.ReplyIntent{Unclear: true}},
	{"2 🙏", domain.ReplyIntent{Unclear: true}},
	{"option 1", domain.ReplyIntent{Unclear: true}},

	{"yes", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"YES!!!", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"yesss", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Yeah", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"yep 👍", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"y", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"ok", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Okay", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"okk", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Sure!", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Definitely coming!", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"will come", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"coming", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"comming", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Attending", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Yes, attending", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"count me in", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"*Yes*", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"haan", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"han", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"haaan", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"ha", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"haa ji", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"haanji", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"HAAN JI", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"ji haan", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"ji", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Ji 🙏", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"bilkul", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"zaroor aayenge", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"jaroor", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"pakka", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"pakkaaa aa rahe hain", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"aa rahe hain", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"aayenge", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"aaenge", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"aa jayenge", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"hanji aa rahe hai", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"aayenge na", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"haan na", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"हाँ", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"हां", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"जी हाँ", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"ज़रूर", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"जरूर आएंगे", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"हम आ रहे हैं", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"👍", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"👍🏽", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"✅", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Yes ✅", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"We'll be there 🎉", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Can't wait!", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"won't miss it for the world", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Of course we will come", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Why not!", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"no problem, we'll come", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"No worries, we will be there", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"koi baat nahi, hum aayenge", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"sorry for the late reply, yes we will come", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Thank you for inviting us, we will surely attend", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Congratulations! Zaroor aayenge 🙏🙏", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"yes we will come. please send location", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"don't stop the music, we are coming", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"yes 1", domain.ReplyIntent{Answer: domain.ReplyYes}},

	{"yes 4", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"yes 3", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 3}},
	{"haan 4", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"haan, 4 log", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"4 log", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"4log", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"hum 3 log aayenge", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 3}},
	{"we are 3", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 3}},
	{"We r 3", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 3}},
	{"we're 5", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 5}},
	{"yes we'll be 6", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 6}},
	{"3 people", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 3}},
	{"yes, 2 of us", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"Two of us will come", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"haan hum 5", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 5}},
	{"do log", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"teen log aayenge", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 3}},
	{"hum char log", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"chaar log", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"paanch log aa rahe hain", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 5}},
	{"family of 4", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"Family of four", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"yes but only 2", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"2 only", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"sirf 2 log", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"हम ४ लोग आएंगे", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"हाँ, हम 4 लोग", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"दो लोग", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"तीन लोग आएंगे", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 3}},
	{"hum dono aayenge", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"both of us will attend", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 2}},
	{"only me", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 1}},
	{"main akela aaunga", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 1}},
	{"ok 4", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"4 👍", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"5 log aa rahe hain 🙏", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 5}},
	{"Total 7 people", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 7}},
	{"4 seats", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"Ji haan, hum 4 log aayenge 🙏", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"Definitely coming! Family of 5", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 5}},
	{"yes, 12 tarikh ko aayenge", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"will reach by 7", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"reaching 5", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"Hum log 4 hain", domain.ReplyIntent{Answer: domain.ReplyYes, Count: 4}},
	{"7 baje tak pahunch jayenge", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"100% coming", domain.ReplyIntent{Answer: domain.ReplyYes}},
	{"coming at 4pm", domain.ReplyIntent{Answer: domain.ReplyYes}},

	{"yes 600", domain.ReplyIntent{Unclear: true}},
	{"2-3 log", domain.ReplyIntent{Unclear: true}},
	{"2 ya 3 log aayenge", domain.ReplyIntent{Unclear: true}},
	{"around 10 people", domain.ReplyIntent{Unclear: true}},
	{"4 adults and 2 kids", domain.ReplyIntent{Unclear: true}},
	{"hum 4 log aur 2 bachhe", domain.ReplyIntent{Unclear: true}},
	{"yes 4 people including kids", domain.ReplyIntent{Unclear: true}},
	{"nahi, 2 log aayenge", domain.ReplyIntent{Unclear: true}},
	{"4 log nahi aa payenge", domain.ReplyIntent{Unclear: true}},
	{"thank you 4", domain.ReplyIntent{Unclear: true}},
	{"0 log", domain.ReplyIntent{Unclear: true}},
	{"+91 98123 45678", domain.ReplyIntent{Unclear: true}},
	{"sirf hum aayenge", domain.ReplyIntent{Unclear: true}},
	{"Sirf mai aur meri wife", domain.ReplyIntent{Unclear: true}},
	{"only me & my wife", domain.ReplyIntent{Unclear: true}},
	{"four", domain.ReplyIntent{Unclear: true}},
	{"teen", domain.ReplyIntent{Unclear: true}},

	{"no", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"No.", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"NOOO", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nope", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"n", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"not coming", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"can't come", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"cant come", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"cannot", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"won't be able to make it", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"Sorry, we can’t make it 😔", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"sorry", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"Sorry 🙏", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"unable to attend", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"Regret, cannot attend", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nahi", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nahin", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nhi", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nahiii", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nahee", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"na", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"na ji", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"🙏 na", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nai", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nahi aa payenge", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"nahi aa sakte", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"aa nahi payenge", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"hum nahi aa payenge, sorry", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"नहीं", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"नही आ पाएंगे", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"👎", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"❌", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"Sorry we are out of station", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"not possible this time", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"bilkul nahi", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"maybe next time", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"Sorry yaar, next time", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"Next time pakka", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"dont think so", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"no, sorry", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"we will not be in town", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"ok, not coming", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"not interested", domain.ReplyIntent{Answer: domain.ReplyNo}},
	{"2 no", domain.ReplyIntent{Answer: domain.ReplyNo}},

	{"maybe", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"may be", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"Maybe!", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"not sure", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"Not sure yet", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"will try", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"We will try our best to come", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"try karenge", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"koshish karenge", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"shayad", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"shyd", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"shaayad aayenge", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"shayad nahi aa payenge", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"dekhte hain", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"pata nahi", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"pata nahi aa payenge ya nahi", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"शायद", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"पता नहीं", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"probably", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"will let you know", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"bata denge", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"not sure if we can come", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"maybe not", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"I don't know yet", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"ok, will try", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"sorry, not sure", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"abhi confirm nahi hai", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"can't say right now", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"no idea yet", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"will come if possible", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"maybe 3 of us", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"maybe 3", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"yes maybe", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"shayad haan", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"Probably yes", domain.ReplyIntent{Answer: domain.ReplyMaybe}},
	{"Abhi nahi bata sakte", domain.ReplyIntent{Answer: domain.ReplyMaybe}},

	{"haan nahi", domain.ReplyIntent{Unclear: true}},
	{"yes no", domain.ReplyIntent{Unclear: true}},
	{"yes but maybe not", domain.ReplyIntent{Unclear: true}},
	{"yes, maybe", domain.ReplyIntent{Unclear: true}},
	{"We can't not come!", domain.ReplyIntent{Unclear: true}},
	{"ok sorry", domain.ReplyIntent{Unclear: true}},
	{"👍👎", domain.ReplyIntent{Unclear: true}},
	{"haan, nahi aa payenge", domain.ReplyIntent{Unclear: true}},
	{"we can't come but the kids will come", domain.ReplyIntent{Unclear: true}},
	{"main nahi aa paunga aur wife aayegi", domain.ReplyIntent{Unclear: true}},
	{"kitne baje hai?", domain.ReplyIntent{Unclear: true}},
	{"kitne baje hai", domain.ReplyIntent{Unclear: true}},
	{"where is the venue?", domain.ReplyIntent{Unclear: true}},
	{"yes, what time?", domain.ReplyIntent{Unclear: true}},
	{"Aa rahe hain na?", domain.ReplyIntent{Unclear: true}},
	{"kab hai shaadi", domain.ReplyIntent{Unclear: true}},
	{"venue kahan hai", domain.ReplyIntent{Unclear: true}},
	{"kya time hai", domain.ReplyIntent{Unclear: true}},
	{"can we bring our kids", domain.ReplyIntent{Unclear: true}},
	{"?", domain.ReplyIntent{Unclear: true}},
	{"yes?", domain.ReplyIntent{Unclear: true}},
	{"hi", domain.ReplyIntent{Unclear: true}},
	{"Hello", domain.ReplyIntent{Unclear: true}},
	{"congratulations!", domain.ReplyIntent{Unclear: true}},
	{"badhai ho", domain.ReplyIntent{Unclear: true}},
	{"बधाई हो", domain.ReplyIntent{Unclear: true}},
	{"thank you", domain.ReplyIntent{Unclear: true}},
	{"🙏", domain.ReplyIntent{Unclear: true}},
	{"❤️", domain.ReplyIntent{Unclear: true}},
	{"hmm", domain.ReplyIntent{Unclear: true}},
	{"what a lovely card", domain.ReplyIntent{Unclear: true}},
	{"mushkil hai", domain.ReplyIntent{Unclear: true}},
	{"thoda mushkil hai", domain.ReplyIntent{Unclear: true}},
	{"depends on leave", domain.ReplyIntent{Unclear: true}},
	{"koi nahi", domain.ReplyIntent{Unclear: true}},
	{"only for sangeet", domain.ReplyIntent{Unclear: true}},
	{"haan, sangeet mein aayenge", domain.ReplyIntent{Unclear: true}},
	{"yes except haldi", domain.ReplyIntent{Unclear: true}},
	{"reception pe aayenge, shaadi nahi", domain.ReplyIntent{Unclear: true}},
	{"uncle ji", domain.ReplyIntent{Unclear: true}},
	{"bus stop pe milenge", domain.ReplyIntent{Unclear: true}},

	{"stop", domain.ReplyIntent{Stop: true}},
	{"STOP", domain.ReplyIntent{Stop: true}},
	{"Stop.", domain.ReplyIntent{Stop: true}},
	{"unsubscribe", domain.ReplyIntent{Stop: true}},
	{"stop messages", domain.ReplyIntent{Stop: true}},
	{"please stop sending these", domain.ReplyIntent{Stop: true}},
	{"don't message", domain.ReplyIntent{Stop: true}},
	{"dont msg me", domain.ReplyIntent{Stop: true}},
	{"mat bhejo", domain.ReplyIntent{Stop: true}},
	{"message mat karo", domain.ReplyIntent{Stop: true}},
	{"band karo", domain.ReplyIntent{Stop: true}},
	{"band kar do ye messages", domain.ReplyIntent{Stop: true}},
	{"बंद करो", domain.ReplyIntent{Stop: true}},
	{"मत भेजो", domain.ReplyIntent{Stop: true}},
	{"no more messages please", domain.ReplyIntent{Stop: true}},
	{"No more", domain.ReplyIntent{Stop: true}},
	{"please remove my number", domain.ReplyIntent{Stop: true}},
	{"nahi aayenge, band karo", domain.ReplyIntent{Answer: domain.ReplyNo, Stop: true}},
	{"No. Stop.", domain.ReplyIntent{Answer: domain.ReplyNo, Stop: true}},
	{"stop, we are not coming", domain.ReplyIntent{Answer: domain.ReplyNo, Stop: true}},
	{"yes coming, but stop sending reminders", domain.ReplyIntent{Answer: domain.ReplyYes, Stop: true}},
	{"stop?", domain.ReplyIntent{Stop: true, Unclear: true}},
	{"haan nahi, stop", domain.ReplyIntent{Stop: true, Unclear: true}},

	{"", domain.ReplyIntent{}},
	{"   ", domain.ReplyIntent{}},
	{"...", domain.ReplyIntent{}},
	{"!!", domain.ReplyIntent{}},
	{"\u200d\ufe0f", domain.ReplyIntent{}},
}

// TestParseReply runs the table, and each reply again as guests also type
// it: in capitals, and wrapped in WhatsApp bold and exclamation marks.
func TestParseReply(t *testing.T) {
	seen := map[string]bool{}
	for _, tt := range replyCases {
		if seen[tt.in] {
			t.Errorf("%q is in the table twice", tt.in)
		}
		seen[tt.in] = true
		for _, in := range []string{tt.in, strings.ToUpper(tt.in), "*" + tt.in + "*!!"} {
			if got := domain.ParseReply(in); got != tt.want {
				t.Errorf("ParseReply(%q) = %+v, want %+v", in, got, tt.want)
			}
		}
	}
	if n := len(replyCases); n < 120 {
		t.Errorf("only %d replies in the table", n)
	}
}

// TestParseReply_OnlyFirstRunes: only the first 1,000 runes are read, so a
// word after them changes nothing, and input of any size is fine.
func TestParseReply_OnlyFirstRunes(t *testing.T) {
	pad := strings.Repeat("ज", 996) // 996 runes, three bytes each
	tests := []struct {
		name string
		in   string
		want domain.ReplyIntent
	}{
		{"yes then no past the limit", "yes " + pad + " no", domain.ReplyIntent{Answer: domain.ReplyYes}},
		{"last word cut to its first rune", pad + " yes", domain.ReplyIntent{Answer: domain.ReplyYes}},
		{"last word cut", pad + " yesno", domain.ReplyIntent{Answer: domain.ReplyYes}},
		{"stop past the limit", "haan " + pad + " stop", domain.ReplyIntent{Answer: domain.ReplyYes}},
		{"a megabyte of yes", strings.Repeat("yes ", 1<<18), domain.ReplyIntent{Answer: domain.ReplyYes}},
		{"a megabyte of digits", strings.Repeat("9", 1<<20), domain.ReplyIntent{Unclear: true}},
		{"a long word", strings.Repeat("a", 5000), domain.ReplyIntent{Unclear: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ParseReply(tt.in); got != tt.want {
				t.Errorf("ParseReply(%.40q…) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// TestReplyAnswer_String names the answers.
func TestReplyAnswer_String(t *testing.T) {
	tests := []struct {
		a    domain.ReplyAnswer
		want string
	}{
		{domain.ReplyNone, "none"}, {domain.ReplyYes, "yes"}, {domain.ReplyNo, "no"},
		{domain.ReplyMaybe, "maybe"}, {domain.ReplyAnswer(42), "ReplyAnswer(42)"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", uint8(tt.a), got, tt.want)
		}
	}
}

// BenchmarkParseReply measures reading typical replies and one of the
// largest the parser reads (1,000 runes; the rest is never looked at).
//
//	go test -run='^$' -bench=BenchmarkParseReply -benchmem -count=10 ./domain
func BenchmarkParseReply(b *testing.B) {
	long := strings.Repeat("haan ji hum sab aa rahe hain, ", 40)
	for _, bc := range []struct{ name, in string }{
		{"digit", "1"},
		{"hinglish", "Ji haan, hum 4 log aayenge 🙏"},
		{"english", "Sorry, we won't be able to make it. Congratulations!"},
		{"devanagari", "हाँ, हम ४ लोग आएंगे"},
		{"runes=1000", long},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				domain.ParseReply(bc.in)
			}
		})
	}
}
