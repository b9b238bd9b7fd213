package contacts

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
)

// ParseVCard reads a vCard file (versions 2.1, 3.0 and 4.0, any number of
// cards) and returns a Row per card: the name from FN, else from N; every
// TEL, mobile first (TYPE=CELL, cell, mobile or iPhone, or an Apple
// X-ABLabel saying mobile or WhatsApp); the preferred EMAIL; CATEGORIES as
// tags. Folded lines, quoted-printable values with soft line breaks (as
// Android writes them) and base64 values are decoded; CHARSET may be UTF-8
// or ISO-8859-1. Other properties, photos included, are skipped.
//
// Each card is framed here (BEGIN:VCARD … END:VCARD, folding, soft line
// breaks, vCard 2.1's bare parameters such as "TEL;CELL:") and then parsed
// by github.com/emersion/go-vcard. A card that cannot be imported is
// returned with Invalid set; text outside cards is ignored.
//
// It returns ErrEmpty, ErrEncoding, ErrNotVCard or ErrTooManyRows (wrapped)
// when the file as a whole cannot be imported, or the reader's error; rows
// are then nil.
func ParseVCard(r io.Reader, lim Limits) ([]Row, error) {
	lim = lim.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	if err := sniff(br, vcardFormat, true); err != nil {
		return nil, err
	}
	if peek, _ := br.Peek(br.Size()); bytes.IndexByte(peek, '\n') < 0 && bytes.IndexByte(peek, '\r') >= 0 {
		br = bufio.NewReaderSize(crToLF{br}, 64<<10) // classic Mac line ends
	}
	p := vcardParser{
		lim:   lim,
		lines: lineReader{br: br, max: lim.MaxCellBytes + maxHeadBytes},
		dec:   bufio.NewReaderSize(nil, 4096),
	}
	return p.parse()
}

const (
	// maxHeadBytes is what a vCard line may hold besides its value: the
	// property name and parameters.
	maxHeadBytes = 1 << 10
	// cardCells is how many times Limits.MaxCellBytes the properties read
	// from one card may take.
	cardCells = 16
)

// kept are the properties read; every other one is skipped unread.
var kept = map[string]string{ // property → how a message names it
	"FN":         "name (FN)",
	"N":          "name (N)",
	"TEL":        "phone number (TEL)",
	"EMAIL":      "email (EMAIL)",
	"CATEGORIES": "categories (CATEGORIES)",
	"X-ABLABEL":  "label (X-ABLabel)",
}

// lineReader reads physical lines, keeping at most max bytes of each.
type lineReader struct {
	br  *bufio.Reader
	max int
	buf []byte
}

// next returns the next line without its line end, and whether it was cut
// to max bytes. The line is valid until the next call.
func (lr *lineReader) next() (line []byte, long bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if room := lr.max - len(lr.buf); len(chunk) > room {
			long = true
			chunk = chunk[:room]
		}
		lr.buf = append(lr.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(lr.buf) == 0 && !long {
				return nil, false, io.EOF
			}
			break
		}
		if err != nil {
			return nil, false, err
		}
		break
	}
	line = bytes.TrimRight(lr.buf, "\r\n")
	return line, long, nil
}

// vcardParser frames cards and turns each into a Row.
type vcardParser struct {
	lim     Limits
	lines   lineReader
	dec     *bufio.Reader // go-vcard's buffer, reused for each card
	rows    []Row
	content bool // a non-blank line was seen

	// The logical (unfolded) line being assembled.
	logical []byte
	long    bool // logical was cut to the line limit

	// The card being read.
	cards   int  // BEGIN:VCARD lines so far: the current card's number
	in      bool // between BEGIN:VCARD and END:VCARD
	card    bytes.Buffer
	invalid string
}

func (p *vcardParser) parse() ([]Row, error) {
	for {
		line, long, err := p.lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("contacts: reading the file: %w", err)
		}
		switch {
		case p.softBreak(line):
			// Quoted-printable: a line ending in '=' goes on in the next
			// line, which is not indented.
			p.logical = bytes.TrimRight(p.logical, " \t")
			p.logical = p.logical[:len(p.logical)-1]
			p.appendLogical(line, long)
		case len(p.logical) > 0 && len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			p.appendLogical(line[1:], long) // a folded line
		default:
			if err := p.flush(); err != nil {
				return nil, err
			}
			p.appendLogical(line, long)
		}
	}
	if err := p.flush(); err != nil {
		return nil, err
	}
	if p.in {
		p.endCard("the file ends inside this card (END:VCARD is missing); the file may have been cut short")
	}
	if p.cards == 0 {
		if !p.content {
			return nil, ErrEmpty
		}
		return nil, fmt.Errorf("%w: it has no BEGIN:VCARD line; %s", ErrNotVCard, vcardFormat.saveAs)
	}
	return p.rows, nil
}

func (p *vcardParser) appendLogical(b []byte, long bool) {
	if room := p.lines.max - len(p.logical); len(b) > room {
		long = true
		b = b[:room]
	}
	p.logical = append(p.logical, b...)
	p.long = p.long || long
}

// softBreak reports whether line continues a quoted-printable logical line
// that ends in '='.
func (p *vcardParser) softBreak(line []byte) bool {
	l := bytes.TrimRight(p.logical, " \t")
	if len(l) == 0 || l[len(l)-1] != '=' {
		return false
	}
	head, _, ok := splitLine(l)
	if !ok || !bytes.Contains(bytes.ToUpper(head), []byte("QUOTED-PRINTABLE")) {
		return false
	}
	// Never let a broken value swallow the card's frame.
	name, value, _ := property(line)
	return !((name == "BEGIN" || name == "END") && isVCard(value))
}

// splitLine splits a logical line at its first ':' outside double quotes
// into the head (group, name, parameters) and the value.
func splitLine(l []byte) (head, value []byte, ok bool) {
	quoted := false
	for i, c := range l {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ':' && !quoted:
			return l[:i], l[i+1:], true
		}
	}
	return l, nil, false
}

// property returns a line's property name, upper case and without its
// group ("item1.TEL;type=CELL:…" → "TEL"), and its value.
func property(l []byte) (name string, value []byte, ok bool) {
	head, value, ok := splitLine(l)
	if i := bytes.IndexByte(head, ';'); i >= 0 {
		head = head[:i]
	}
	if i := bytes.IndexByte(head, '.'); i >= 0 {
		head = head[i+1:]
	}
	return strings.ToUpper(string(bytes.TrimSpace(head))), value, ok
}

func isVCard(value []byte) bool {
	return bytes.EqualFold(bytes.TrimSpace(value), []byte("VCARD"))
}

// flush handles the logical line assembled so far.
func (p *vcardParser) flush() error {
	l, long := p.logical, p.long
	p.logical, p.long = p.logical[:0], false
	if len(bytes.TrimSpace(l)) == 0 {
		return nil
	}
	p.content = true
	name, value, ok := property(l)
	switch {
	case name == "BEGIN" && isVCard(value):
		if p.in {
			p.endCard("the card does not end with END:VCARD before the next card begins")
		}
		if p.cards == p.lim.MaxRows {
			return fmt.Errorf("%w: it has more than %d cards; split it into smaller files and import each", ErrTooManyRows, p.lim.MaxRows)
		}
		p.cards++
		p.in = true
		p.invalid = ""
		p.card.Reset()
		p.card.WriteString("BEGIN:VCARD\r\n")
		return nil
	case name == "END" && isVCard(value):
		if p.in {
			p.endCard("")
		}
		return nil
	}
	what, keep := kept[name]
	if !p.in || p.invalid != "" || !keep || !ok {
		return nil
	}
	switch {
	case long:
		p.invalid = fmt.Sprintf("the %s is longer than %d bytes", what, p.lim.MaxCellBytes)
	case p.card.Len()+len(l) > cardCells*p.lim.MaxCellBytes:
		p.invalid = fmt.Sprintf("the card's names, phone numbers and emails are longer than %d bytes", cardCells*p.lim.MaxCellBytes)
	default:
		p.card.Write(bareParams(l))
		p.card.WriteString("\r\n")
	}
	return nil
}

// endCard adds the current card's row; reason, if set, makes it Invalid.
func (p *vcardParser) endCard(reason string) {
	p.in = false
	if reason == "" {
		reason = p.invalid
	}
	if reason != "" {
		p.rows = append(p.rows, Row{Line: p.cards, Invalid: reason})
		return
	}
	p.card.WriteString("END:VCARD\r\n")
	p.dec.Reset(bytes.NewReader(p.card.Bytes()))
	// NB: NewDecoder reuses p.dec, a *bufio.Reader of go-vcard's size.
	card, err := vcard.NewDecoder(p.dec).Decode()
	if err != nil {
		p.rows = append(p.rows, Row{Line: p.cards, Invalid: "the card cannot be read: " + strings.TrimPrefix(err.Error(), "vcard: ")})
		return
	}
	p.rows = append(p.rows, cardRow(card, p.cards, p.lim))
}

// bareParams rewrites vCard 2.1's parameters without a name, which
// go-vcard misreads ("TEL;CELL;PREF:+91…" becomes a PREF parameter holding
// the number and an empty value), into named ones: "TEL;TYPE=CELL;TYPE=PREF:…",
// "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:…".
func bareParams(l []byte) []byte {
	head, value, _ := splitLine(l)
	if bytes.IndexByte(head, ';') < 0 {
		return l
	}
	var parts [][]byte // head split at ';' outside double quotes
	quoted, start := false, 0
	for i, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			parts = append(parts, head[start:i])
			start = i + 1
		}
	}
	parts = append(parts, head[start:])
	bare := false
	for _, part := range parts[1:] {
		if len(part) > 0 && bytes.IndexByte(part, '=') < 0 {
			bare = true
		}
	}
	if !bare {
		return l
	}
	out := make([]byte, 0, len(l)+32)
	out = append(out, parts[0]...)
	for _, part := range parts[1:] {
		if len(part) == 0 {
			continue
		}
		out = append(out, ';')
		if bytes.IndexByte(part, '=') < 0 {
			switch strings.ToUpper(string(part)) {
			case "QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT":
				out = append(out, "ENCODING="...)
			default:
				out = append(out, "TYPE="...)
			}
		}
		out = append(out, part...)
	}
	out = append(out, ':')
	return append(out, value...)
}

// cardRow maps a card parsed by go-vcard to a Row.
func cardRow(card vcard.Card, line int, lim Limits) Row {
	var reason string
	text := func(key string, f *vcard.Field) string {
		s, why := fieldText(f, lim.MaxCellBytes)
		if why != "" {
			if reason == "" {
				reason = "the " + kept[key] + " " + why
			}
			return ""
		}
		return s
	}
	cleaned := func(key, s string) string {
		c, ok := clean(s)
		if !ok && reason == "" {
			reason = "the " + kept[key] + " holds a control character"
		}
		return c
	}
	out := Row{Line: line}
	if f := card.Preferred(vcard.FieldFormattedName); f != nil {
		out.Name = cleaned("FN", unescape(text("FN", f)))
	}
	if out.Name == "" {
		if f := card.Get(vcard.FieldName); f != nil {
			out.Name = cleaned("N", nameFromN(text("N", f)))
		}
	}
	var phones phoneList
	for _, f := range card[vcard.FieldTelephone] {
		s := unescape(text("TEL", f))
		if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") { // vCard 4.0: VALUE=uri
			s = s[4:]
		}
		tel, ok := trimPhone(s)
		if !ok && reason == "" {
			reason = "the " + kept["TEL"] + " holds a control character"
		}
		if tel != "" {
			phones.add(tel, telRank(card, f))
		}
	}
	out.Phones = phones.list()
	if f := card.Preferred(vcard.FieldEmail); f != nil {
		out.Email = cleaned("EMAIL", unescape(text("EMAIL", f)))
	}
	if out.Email == "" {
		for _, f := range card[vcard.FieldEmail] {
			if out.Email = cleaned("EMAIL", unescape(text("EMAIL", f))); out.Email != "" {
				break
			}
		}
	}
	tags := tagList{vcard: true}
	for _, f := range card[vcard.FieldCategories] {
		for t := range strings.SplitSeq(text("CATEGORIES", f), ",") {
			if t = cleaned("CATEGORIES", unescape(t)); t != "" {
				tags.add(t)
			}
		}
	}
	out.Tags = tags.tags
	switch {
	case reason != "":
		return Row{Line: line, Invalid: reason}
	case phones.over:
		return Row{Line: line, Invalid: reasonTooManyPhones}
	case tags.over:
		return Row{Line: line, Invalid: reasonTooManyTags}
	case out.Name == "" && len(out.Phones) == 0:
		return Row{Line: line, Invalid: reasonNoNameNoPhone}
	}
	return out
}

// telRank ranks a TEL field by its types and, for Apple's grouped
// properties, its X-ABLabel.
func telRank(card vcard.Card, f *vcard.Field) int {
	rank := rankOther
	for _, t := range f.Params.Types() {
		rank = min(rank, labelRank(t))
	}
	if f.Group != "" {
		for _, l := range card["X-ABLABEL"] {
			if l.Group == f.Group {
				rank = min(rank, labelRank(l.Value))
			}
		}
	}
	return rank
}

// fieldText decodes a field's value: its ENCODING (quoted-printable or
// base64) and CHARSET. why, if set, says what is wrong with it.
func fieldText(f *vcard.Field, maxBytes int) (s, why string) {
	s = f.Value
	switch strings.ToUpper(f.Params.Get("ENCODING")) {
	case "QUOTED-PRINTABLE":
		// go-vcard leaves the value encoded; soft line breaks were joined
		// when the card was framed.
		b, err := io.ReadAll(io.LimitReader(quotedprintable.NewReader(strings.NewReader(s)), int64(maxBytes)+1))
		if err != nil {
			return "", "has broken quoted-printable encoding"
		}
		s = string(b)
	case "B", "BASE64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return "", "has broken base64 encoding"
		}
		s = string(b)
	}
	switch cs := strings.ToUpper(strings.TrimSpace(f.Params.Get("CHARSET"))); cs {
	case "", "UTF-8", "UTF8", "US-ASCII", "ASCII":
	case "ISO-8859-1", "ISO8859-1", "LATIN1", "LATIN-1":
		s = latin1(s)
	default:
		if !isASCII(s) {
			return "", fmt.Sprintf("is in the %.20q character set; %s", cs, vcardFormat.saveAs)
		}
	}
	if !utf8.ValidString(s) {
		return "", "is not UTF-8; " + vcardFormat.saveAs
	}
	if len(s) > maxBytes {
		return "", fmt.Sprintf("is longer than %d bytes", maxBytes)
	}
	return s, ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// latin1 converts ISO-8859-1 bytes to UTF-8.
func latin1(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// textUnescaper undoes the escapes go-vcard leaves in text values (it
// undoes \\, \n and \, itself).
var textUnescaper = strings.NewReplacer(`\;`, ";", `\:`, ":", `\N`, "\n")

func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return textUnescaper.Replace(s)
}

// nameFromN assembles a full name from N's components (family; given;
// additional; prefix; suffix) as "prefix given additional family suffix".
// NB: go-vcard's Card.Name splits N at every ';', escaped or not, so the
// components are split here.
func nameFromN(n string) string {
	var comps []string
	start := 0
	for i := 0; i < len(n); i++ {
		switch n[i] {
		case '\\':
			i++
		case ';':
			comps = append(comps, n[start:i])
			start = i + 1
		}
	}
	comps = append(comps, n[min(start, len(n)):])
	get := func(i int) string {
		if i < len(comps) {
			return strings.TrimSpace(unescape(comps[i]))
		}
		return ""
	}
	var parts []string
	for _, i := range [...]int{3, 1, 2, 0, 4} {
		if s := get(i); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}
