package contacts

import (
	"strings"
	"unicode"
)

// field is what a CSV column holds.
type field int

const (
	fieldNone field = iota
	fieldName
	fieldFirst
	fieldMiddle
	fieldLast
	fieldPhone    // a phone of any kind
	fieldMobile   // a mobile phone: comes before fieldPhone
	fieldWhatsApp // the WhatsApp number: comes first of all
	fieldEmail
	fieldHousehold
	fieldSide
	fieldTags
	fieldSeats
)

// aliases maps a header key (see headerKey) to its field. Google Contacts'
// numbered columns ("Phone 1 - Value", "E-mail 2 - Value" and their
// "- Label"/"- Type" columns) and Outlook's "… Phone" columns are matched
// by numberedColumn and phoneSuffix instead.
var aliases = map[string]field{
	// name: Google's old "Name", Outlook has none; people write any of these.
	"name": fieldName, "fullname": fieldName, "guestname": fieldName,
	"contactname": fieldName, "displayname": fieldName, "nameofguest": fieldName,
	"नाम": fieldName, "पूरानाम": fieldName,

	"firstname": fieldFirst, "givenname": fieldFirst, "first": fieldFirst,
	"fname": fieldFirst, "forename": fieldFirst,
	"middlename": fieldMiddle, "additionalname": fieldMiddle, "middle": fieldMiddle,
	"lastname": fieldLast, "familyname": fieldLast, "surname": fieldLast,
	"last": fieldLast, "lname": fieldLast,

	"phone": fieldPhone, "phonenumber": fieldPhone, "phoneno": fieldPhone,
	"telephone": fieldPhone, "telephonenumber": fieldPhone, "tel": fieldPhone,
	"contactno": fieldPhone, "contactnumber": fieldPhone, "landline": fieldPhone,
	"alternatenumber": fieldPhone, "alternatephone": fieldPhone, "altphone": fieldPhone,
	"फोन": fieldPhone, "फोननंबर": fieldPhone, "फोननम्बर": fieldPhone,

	"mobile": fieldMobile, "mobilenumber": fieldMobile, "mobileno": fieldMobile,
	"mob": fieldMobile, "mobno": fieldMobile, "mobilephone": fieldMobile,
	"cell": fieldMobile, "cellphone": fieldMobile, "cellnumber": fieldMobile,
	"मोबाइल": fieldMobile, "मोबाइलनंबर": fieldMobile, "मोबाइलनम्बर": fieldMobile,

	"whatsapp": fieldWhatsApp, "whatsappnumber": fieldWhatsApp, "whatsappno": fieldWhatsApp,
	"whatsappmobile": fieldWhatsApp, "whatsappphone": fieldWhatsApp,

	"email": fieldEmail, "emailaddress": fieldEmail, "emailid": fieldEmail,
	"mail": fieldEmail, "mailid": fieldEmail, "ईमेल": fieldEmail,

	"household": fieldHousehold, "householdname": fieldHousehold, "family": fieldHousehold,
	"familygroup": fieldHousehold, "group": fieldHousehold, "groupname": fieldHousehold,
	"party": fieldHousehold, "परिवार": fieldHousehold,

	"side": fieldSide, "brideorgroom": fieldSide, "bridegroom": fieldSide,
	"guestof": fieldSide, "पक्ष": fieldSide,

	"tags": fieldTags, "tag": fieldTags, "labels": fieldTags, "label": fieldTags,
	"groupmembership": fieldTags, "categories": fieldTags, "category": fieldTags,

	"seats": fieldSeats, "seat": fieldSeats, "noofseats": fieldSeats,
	"numberofseats": fieldSeats, "seatcount": fieldSeats, "pax": fieldSeats,
	"headcount": fieldSeats, "guestcount": fieldSeats, "noofguests": fieldSeats,
	"numberofguests": fieldSeats,
}

// headerKey is the key a header cell is matched by: lower case, letters,
// digits and combining marks only ("E-mail 1 - Value" → "email1value",
// "Mobile No." → "mobileno"). Devanagari nukta is dropped (फ़ोन → फोन),
// since people type it either way.
func headerKey(h string) string {
	var b strings.Builder
	b.Grow(len(h))
	for _, r := range h {
		switch {
		case r == 0x093C: // DEVANAGARI SIGN NUKTA
			continue
		case r >= 0x0958 && r <= 0x095F: // क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़
			r = nuktaBase[r-0x0958]
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

var nuktaBase = [8]rune{'क', 'ख', 'ग', 'ज', 'ड', 'ढ', 'फ', 'य'}

// numberedColumn parses Google's and Outlook's numbered keys: "phone1value",
// "phone1label", "phone1type", "email2value", "email2address". It returns
// the kind ("phone" or "email"), the number and the part ("value",
// "label", "type" or "address").
func numberedColumn(key string) (kind, num, part string, ok bool) {
	for _, k := range [...]string{"phone", "email"} {
		rest, found := strings.CutPrefix(key, k)
		if !found {
			continue
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return "", "", "", false
		}
		switch p := rest[i:]; p {
		case "value", "label", "type", "address":
			return k, rest[:i], p, true
		}
		return "", "", "", false
	}
	return "", "", "", false
}

// columnField returns the field a header key names, or fieldNone.
func columnField(key string) field {
	if f, ok := aliases[key]; ok {
		return f
	}
	base := strings.TrimRight(key, "0123456789") // "Phone 2", "Mobile 2", "Email 2"
	if base != key {
		switch f := aliases[base]; f {
		case fieldPhone, fieldMobile, fieldWhatsApp, fieldEmail:
			return f
		}
	}
	// Outlook: "Mobile Phone", "Home Phone", "Business Phone 2", "Other Phone"…
	if strings.HasSuffix(base, "phone") {
		if strings.HasPrefix(base, "mobile") || strings.HasPrefix(base, "cell") {
			return fieldMobile
		}
		return fieldPhone
	}
	return fieldNone
}

// labelRank is the rank of a phone whose Google label ("Mobile", "* Mobile",
// "WhatsApp", "Home" …) or vCard type is label.
func labelRank(label string) int {
	l := strings.ToLower(label)
	switch {
	case strings.Contains(l, "whatsapp"):
		return rankWhatsApp
	case strings.Contains(l, "mobile"), strings.Contains(l, "cell"), strings.Contains(l, "iphone"):
		return rankMobile
	}
	return rankOther
}

// phoneCol is a column holding phones.
type phoneCol struct {
	col   int
	rank  int // from the header
	label int // Google's "Phone N - Label"/"- Type" column for this one, or -1
}

// layout is what each column of a CSV file holds.
type layout struct {
	header []string // the header cells as written, for messages
	name, first, middle, last,
	email, household, side, tags, seats []int
	phones []phoneCol
	read   []int // every column read, for the size and text checks
}

// newLayout maps header cells to fields. It returns ok false if no column
// names a name or a phone.
func newLayout(header []string) (*layout, bool) {
	l := &layout{header: header}
	phoneLabels := map[string]int{} // Google's phone number → its label column
	phoneNums := map[int]string{}   // column → Google's phone number
	for i, h := range header {
		key := headerKey(h)
		if kind, num, part, ok := numberedColumn(key); ok {
			switch {
			case kind == "phone" && part == "value":
				l.phones = append(l.phones, phoneCol{col: i, rank: rankOther, label: -1})
				phoneNums[i] = num
			case kind == "phone":
				phoneLabels[num] = i
			case part == "value" || part == "address":
				l.email = append(l.email, i)
			}
			continue
		}
		switch columnField(key) {
		case fieldName:
			l.name = append(l.name, i)
		case fieldFirst:
			l.first = append(l.first, i)
		case fieldMiddle:
			l.middle = append(l.middle, i)
		case fieldLast:
			l.last = append(l.last, i)
		case fieldWhatsApp:
			l.phones = append(l.phones, phoneCol{col: i, rank: rankWhatsApp, label: -1})
		case fieldMobile:
			l.phones = append(l.phones, phoneCol{col: i, rank: rankMobile, label: -1})
		case fieldPhone:
			l.phones = append(l.phones, phoneCol{col: i, rank: rankOther, label: -1})
		case fieldEmail:
			l.email = append(l.email, i)
		case fieldHousehold:
			l.household = append(l.household, i)
		case fieldSide:
			l.side = append(l.side, i)
		case fieldTags:
			l.tags = append(l.tags, i)
		case fieldSeats:
			l.seats = append(l.seats, i)
		}
	}
	for j, p := range l.phones {
		if num, ok := phoneNums[p.col]; ok {
			if lc, ok := phoneLabels[num]; ok {
				l.phones[j].label = lc
			}
		}
	}
	if len(l.name)+len(l.first)+len(l.middle)+len(l.last)+len(l.phones) == 0 {
		return nil, false
	}
	for _, cols := range [][]int{l.name, l.first, l.middle, l.last, l.email, l.household, l.side, l.tags, l.seats} {
		l.read = append(l.read, cols...)
	}
	for _, p := range l.phones {
		l.read = append(l.read, p.col)
		if p.label >= 0 {
			l.read = append(l.read, p.label)
		}
	}
	return l, true
}

// columnName is header cell i as written, shortened for a message.
func (l *layout) columnName(i int) string {
	h := strings.TrimSpace(l.header[i])
	if r := []rune(h); len(r) > 40 {
		h = string(r[:40]) + "…"
	}
	return h
}
