package httpapi

import (
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/text/language"
)

// The guests' pages speak English and Hindi. A page's language is its
// ?lang= (the switch link on every page sets it) or else the best match of
// the browser's Accept-Language; English when neither says.

// pageText is one language's words for the pages. Sentences with a value
// inside are functions, since word order differs between the languages.
type pageText struct {
	Lang, Other, OtherLang string // this language's code; the switch's label and code

	NotFoundTitle, NotFound, NotFoundHelp string
	FormExpired                           string
	Welcome                               string
	InviteOnly                            string
	Functions                             string
	PasswordAsk, PasswordWrong, Open      string

	Namaste        func(household string) string
	Saved          string
	WillYouCome    string
	Yes, No, Maybe string
	YourAnswer     string
	NotYet         string
	HowMany        func(seats int32) string
	Send           string
	NothingYet     string
	MessageFamily  string
	Gifts          string
	GiftByUPI      func(payee string) string
	ScanQR         func(payee string) string
	ChooseAnswer   string
	CountRange     func(seats int32) string
	WhatsAppText   func(household, title string) string
	answered       func(status string, headcount, seats int32) string
	weekdays       [7]string
	months         [12]string
	dateFmt        func(t time.Time, weekday, month string) string
}

var pageTexts = map[string]*pageText{
	"en": {
		Lang: "en", Other: "हिन्दी", OtherLang: "hi",
		NotFoundTitle: "Page not found", NotFound: "Sorry, we could not open this page",
		NotFoundHelp: "This link may have expired or been replaced. Please ask the family for a new link, or answer on WhatsApp.",
		FormExpired:  "This form has expired. Please open your link again and answer once more.",
		Welcome:      "Welcome!",
		InviteOnly:   "The details of this wedding are for invited guests. Please open the personal link the family sent you.",
		Functions:    "Functions",
		PasswordAsk:  "Please enter the password you were given:", PasswordWrong: "That password is not right. Please try again.",
		Open:        "Open the website",
		Namaste:     func(h string) string { return "Namaste, " + h + "!" },
		Saved:       "Thank you! Your answers are saved.",
		WillYouCome: "Will you come?",
		Yes:         "Yes", No: "No", Maybe: "Maybe",
		YourAnswer: "Your answer:", NotYet: "not yet",
		HowMany:       func(n int32) string { return "How many of you (up to " + itoa(n) + ")?" },
		Send:          "Send my answers",
		NothingYet:    "There is nothing to answer yet. The family will send the details soon.",
		MessageFamily: "Message the family on WhatsApp",
		Gifts:         "Gifts",
		GiftByUPI: func(p string) string {
			if p == "" {
				return "Send a gift by UPI"
			}
			return "Send a gift by UPI to " + p
		},
		ScanQR: func(p string) string {
			if p == "" {
				return "QR code to send a gift by UPI: scan it with a UPI app"
			}
			return "QR code to send a gift by UPI to " + p + ": scan it with a UPI app"
		},
		ChooseAnswer: "Please choose yes, no or maybe.",
		CountRange:   func(n int32) string { return "Please give how many of you will come: 1 to " + itoa(n) + "." },
		WhatsAppText: func(h, title string) string { return "Namaste! This is " + h + " about " + title + "." },
		answered: func(st string, hc, seats int32) string {
			if st == "yes" {
				return "yes (" + itoa(hc) + " of " + itoa(seats) + ")"
			}
			return st
		},
		weekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		months:   [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		dateFmt: func(t time.Time, wd, mo string) string {
			return wd + " " + strconv.Itoa(t.Day()) + " " + mo + " " + strconv.Itoa(t.Year()) + ", " + t.Format("3:04 PM")
		},
	},
	"hi": {
		Lang: "hi", Other: "English", OtherLang: "en",
		NotFoundTitle: "पेज नहीं मिला", NotFound: "क्षमा करें, यह पेज नहीं खुल सका",
		NotFoundHelp: "यह लिंक पुराना हो गया है या बदल दिया गया है। कृपया परिवार से नया लिंक माँगें, या व्हाट्सऐप पर उत्तर दें।",
		FormExpired:  "यह फ़ॉर्म पुराना हो गया है। कृपया अपना लिंक फिर से खोलें और दोबारा उत्तर दें।",
		Welcome:      "स्वागत है!",
		InviteOnly:   "इस विवाह का विवरण आमंत्रित मेहमानों के लिए है। कृपया परिवार का भेजा हुआ अपना निजी लिंक खोलें।",
		Functions:    "कार्यक्रम",
		PasswordAsk:  "कृपया आपको दिया गया पासवर्ड लिखें:", PasswordWrong: "यह पासवर्ड सही नहीं है। कृपया फिर से कोशिश करें।",
		Open:        "वेबसाइट खोलें",
		Namaste:     func(h string) string { return "नमस्ते, " + h + "!" },
		Saved:       "धन्यवाद! आपके उत्तर सहेज लिए गए हैं।",
		WillYouCome: "क्या आप आएँगे?",
		Yes:         "हाँ", No: "नहीं", Maybe: "शायद",
		YourAnswer: "आपका उत्तर:", NotYet: "अभी नहीं दिया",
		HowMany: func(n int32) string {
			return "आप कितने लोग आएँगे (अधिकतम " + itoa(n) + ")?"
		},
		Send:          "मेरे उत्तर भेजें",
		NothingYet:    "अभी उत्तर देने के लिए कुछ नहीं है। परिवार जल्द ही विवरण भेजेगा।",
		MessageFamily: "व्हाट्सऐप पर परिवार को संदेश भेजें",
		Gifts:         "उपहार",
		GiftByUPI: func(p string) string {
			if p == "" {
				return "UPI से उपहार भेजें"
			}
			return p + " को UPI से उपहार भेजें"
		},
		ScanQR: func(p string) string {
			if p == "" {
				return "UPI से उपहार भेजने का QR कोड: किसी UPI ऐप से स्कैन करें"
			}
			return p + " को UPI से उपहार भेजने का QR कोड: किसी UPI ऐप से स्कैन करें"
		},
		ChooseAnswer: "कृपया हाँ, नहीं या शायद चुनें।",
		CountRange: func(n int32) string {
			return "कृपया बताएँ कि कितने लोग आएँगे: 1 से " + itoa(n) + " तक।"
		},
		WhatsAppText: func(h, title string) string {
			return "नमस्ते! " + h + " की ओर से, " + title + " के बारे में।"
		},
		answered: func(st string, hc, seats int32) string {
			switch st {
			case "yes":
				return "हाँ (" + itoa(seats) + " में से " + itoa(hc) + ")"
			case "no":
				return "नहीं"
			case "maybe":
				return "शायद"
			}
			return st
		},
		weekdays: [7]string{"रविवार", "सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार"},
		months:   [12]string{"जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"},
		dateFmt: func(t time.Time, wd, mo string) string {
			return wd + ", " + strconv.Itoa(t.Day()) + " " + mo + " " + strconv.Itoa(t.Year()) + ", " + t.Format("3:04 PM")
		},
	},
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// Answered is what an answer reads like on the page.
func (l *pageText) Answered(status string, headcount, seats int32) string {
	return l.answered(status, headcount, seats)
}

// When is an event's time in this language.
func (l *pageText) When(t time.Time) string {
	return l.dateFmt(t, l.weekdays[t.Weekday()], l.months[t.Month()-1])
}

// pageLangs are the languages the pages speak, the first the default.
var pageLangs = []language.Tag{language.English, language.Hindi}

var pageLangMatcher = language.NewMatcher(pageLangs)

// acceptLangs remembers the language chosen for recent Accept-Language
// values: browsers send a handful of distinct ones, and matching costs a
// parse. Bounded: past acceptLangsMax values it starts afresh.
var acceptLangs struct {
	sync.Mutex
	m map[string]*pageText
}

const (
	acceptLangsMax = 256
	// acceptLangMaxBytes bounds the Accept-Language value matched; a longer
	// one (no browser sends it) is read as English without parsing.
	acceptLangMaxBytes = 256
)

// pageLang is the language of the page rc asks for.
func pageLang(rc *fasthttp.RequestCtx) *pageText {
	if l, ok := pageTexts[string(rc.QueryArgs().Peek("lang"))]; ok {
		return l
	}
	h := rc.Request.Header.Peek(fasthttp.HeaderAcceptLanguage)
	if len(h) == 0 || len(h) > acceptLangMaxBytes {
		return pageTexts["en"]
	}
	acceptLangs.Lock()
	l, ok := acceptLangs.m[string(h)]
	acceptLangs.Unlock()
	if ok {
		return l
	}
	l = pageTexts["en"]
	if tags, _, err := language.ParseAcceptLanguage(string(h)); err == nil && len(tags) > 0 {
		if _, i, c := pageLangMatcher.Match(tags...); c != language.No && i == 1 {
			l = pageTexts["hi"]
		}
	}
	acceptLangs.Lock()
	if acceptLangs.m == nil || len(acceptLangs.m) >= acceptLangsMax {
		acceptLangs.m = make(map[string]*pageText)
	}
	acceptLangs.m[string(h)] = l
	acceptLangs.Unlock()
	return l
}
