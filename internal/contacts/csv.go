package contacts

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxTitleRows is how many rows may stand above the header (a sheet's
// title, a date, a blank row); they are skipped.
const maxTitleRows = 10

// ParseCSV reads a CSV file of contacts: UTF-8 with or without a byte
// order mark; comma, semicolon or tab separated, whichever splits the first
// line into the most fields outside quotes (an Excel "sep=;" first line is
// obeyed); lines ending in CRLF, LF or CR. The first row that names a name
// or phone column is the header (up to 10 rows above it, such as a title,
// are skipped); columns are matched by name, ignoring case, spacing and
// punctuation, and unknown columns are ignored. Rows whose cells are all
// empty are skipped; every other row is returned, valid or with Invalid
// set.
//
// It returns ErrEmpty, ErrEncoding, ErrNotCSV, ErrNoHeader or
// ErrTooManyRows (wrapped) when the file as a whole cannot be imported, or
// the reader's error; rows are then nil.
func ParseCSV(r io.Reader, lim Limits) ([]Row, error) {
	lim = lim.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	if err := sniff(br, csvFormat, false); err != nil {
		return nil, err
	}
	sep, err := sepDirective(br)
	if err != nil {
		return nil, err
	}
	peek, _ := br.Peek(br.Size())
	if sep == 0 {
		sep = detectSep(peek)
	}
	var src io.Reader = br
	if bytes.IndexByte(peek, '\n') < 0 && bytes.IndexByte(peek, '\r') >= 0 {
		src = crToLF{br} // classic Mac line ends, which encoding/csv does not split
	}
	cr := csv.NewReader(src)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	p := csvParser{cr: cr, lim: lim}
	l, err := p.header()
	if err != nil {
		return nil, err
	}
	var rows []Row
	for {
		row, ok, err := p.next(l)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if len(rows) == lim.MaxRows {
			return nil, fmt.Errorf("%w: it has more than %d; split it into smaller files and import each", ErrTooManyRows, lim.MaxRows)
		}
		rows = append(rows, row)
	}
}

// csvParser reads records and turns them into rows, keeping track of the
// spreadsheet's row numbers.
type csvParser struct {
	cr  *csv.Reader
	lim Limits
	// extra is how many more lines than rows the records read so far took,
	// because of line breaks inside quoted cells: a record that starts on
	// line n is spreadsheet row n-extra.
	extra int
}

// read returns the next record and its spreadsheet row number. A record
// encoding/csv cannot parse is returned as nil with the parse error.
func (p *csvParser) read() (rec []string, line int, perr *csv.ParseError, err error) {
	rec, err = p.cr.Read()
	if err != nil {
		if errors.As(err, &perr) && perr.StartLine > 0 {
			line = perr.StartLine - p.extra
			p.extra += perr.Line - perr.StartLine
			return nil, line, perr, nil
		}
		if err == io.EOF {
			return nil, 0, nil, io.EOF
		}
		return nil, 0, nil, fmt.Errorf("contacts: reading the file: %w", err)
	}
	start, _ := p.cr.FieldPos(0)
	last, _ := p.cr.FieldPos(len(rec) - 1)
	end := last + strings.Count(rec[len(rec)-1], "\n")
	line = start - p.extra
	p.extra += end - start
	return rec, line, nil, nil
}

// header reads up to maxTitleRows+1 records looking for the header. Rows
// above it that encoding/csv cannot read are skipped like other title rows.
func (p *csvParser) header() (*layout, error) {
	var first []string
	var firstErr *csv.ParseError
	errLine := 0 // the spreadsheet row of firstErr
	for range maxTitleRows + 1 {
		rec, line, perr, err := p.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if perr != nil {
			if firstErr == nil {
				firstErr, errLine = perr, line
			}
			continue
		}
		for _, h := range rec {
			if !utf8.ValidString(h) {
				return nil, fmt.Errorf("%w: the header is not UTF-8; %s", ErrEncoding, csvFormat.saveAs)
			}
		}
		if first == nil {
			first = slices.Clone(rec)
		}
		if l, ok := newLayout(slices.Clone(rec)); ok {
			return l, nil
		}
	}
	switch {
	case first == nil && firstErr == nil:
		return nil, ErrEmpty
	case first == nil:
		return nil, fmt.Errorf("%w: row %d cannot be read (%s); %s", ErrNotCSV, errLine, parseReason(firstErr), csvFormat.saveAs)
	}
	also := ""
	if firstErr != nil {
		also = fmt.Sprintf(" (and row %d cannot be read: %s)", errLine, parseReason(firstErr))
	}
	return nil, fmt.Errorf("%w: the first row has %s%s; name the columns in the first row, for example Name, Phone, Household, Side", ErrNoHeader, describeCells(first), also)
}

// describeCells lists the first few cells of a row for a message.
func describeCells(rec []string) string {
	var names []string
	for _, c := range rec {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if r := []rune(c); len(r) > 30 {
			c = string(r[:30]) + "…"
		}
		names = append(names, strconv.Quote(c))
		if len(names) == 8 {
			names = append(names, "…")
			break
		}
	}
	if len(names) == 0 {
		return "no column names"
	}
	return strings.Join(names, ", ")
}

// next returns the next row; ok is false for a row of empty cells.
func (p *csvParser) next(l *layout) (row Row, ok bool, err error) {
	rec, line, perr, err := p.read()
	if err != nil {
		return Row{}, false, err
	}
	if perr != nil {
		return Row{Line: line, Invalid: parseReason(perr)}, true, nil
	}
	empty := true
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			empty = false
			break
		}
	}
	if empty {
		return Row{}, false, nil
	}
	return l.row(rec, line, p.lim), true, nil
}

// parseReason explains a record encoding/csv could not parse.
func parseReason(perr *csv.ParseError) string {
	switch {
	case errors.Is(perr.Err, csv.ErrBareQuote):
		return `a cell has a quote mark (") but does not start with one; put the whole cell in quotes and double the quote mark ("")`
	case perr.Err == io.ErrUnexpectedEOF || errors.Is(perr.Err, csv.ErrQuote):
		return `a quoted cell is not closed, or has text after its closing quote mark ("); the file may have been cut short or edited by hand`
	}
	return "the row cannot be read as CSV: " + perr.Err.Error()
}

// cell returns column i of rec, or "" if the row is shorter.
func cell(rec []string, i int) string {
	if i < len(rec) {
		return rec[i]
	}
	return ""
}

// row maps one record to a Row.
func (l *layout) row(rec []string, line int, lim Limits) Row {
	invalid := func(reason string) Row { return Row{Line: line, Invalid: reason} }
	for _, i := range l.read {
		c := cell(rec, i)
		if len(c) > lim.MaxCellBytes {
			return invalid(fmt.Sprintf("the %q cell is longer than %d bytes", l.columnName(i), lim.MaxCellBytes))
		}
		if !utf8.ValidString(c) {
			return invalid(reasonNotUTF8)
		}
	}
	var bad string // the first column holding a control character
	text := func(cols []int) string {
		for _, i := range cols {
			s, ok := clean(cell(rec, i))
			if !ok && bad == "" {
				bad = l.columnName(i)
			}
			if s != "" {
				return s
			}
		}
		return ""
	}
	out := Row{Line: line}
	out.Name = text(l.name)
	if out.Name == "" {
		var parts []string
		for _, cols := range [][]int{l.first, l.middle, l.last} {
			if s := text(cols); s != "" {
				parts = append(parts, s)
			}
		}
		out.Name = strings.Join(parts, " ")
	}
	var phones phoneList
	for _, pc := range l.phones {
		rank := pc.rank
		if pc.label >= 0 {
			rank = min(rank, labelRank(cell(rec, pc.label)))
		}
		splitMulti(cell(rec, pc.col), ",;\n", func(s string) {
			p, ok := trimPhone(s)
			if !ok {
				if bad == "" {
					bad = l.columnName(pc.col)
				}
				return
			}
			phones.add(p, rank)
		})
	}
	out.Phones = phones.list()
	for _, i := range l.email {
		splitMulti(cell(rec, i), ",;\n", func(s string) {
			if out.Email == "" {
				if e, ok := clean(s); ok {
					out.Email = e
				} else if bad == "" {
					bad = l.columnName(i)
				}
			}
		})
		if out.Email != "" {
			break
		}
	}
	out.Household = text(l.household)
	out.Side = text(l.side)
	var tags tagList
	for _, i := range l.tags {
		splitMulti(cell(rec, i), ",;", func(s string) {
			if t, ok := clean(s); ok {
				tags.add(t)
			} else if bad == "" {
				bad = l.columnName(i)
			}
		})
	}
	out.Tags = tags.tags
	out.Seats = seats(text(l.seats))
	switch {
	case bad != "":
		return invalid(fmt.Sprintf("the %q cell holds a control character", bad))
	case phones.over:
		return invalid(reasonTooManyPhones)
	case tags.over:
		return invalid(reasonTooManyTags)
	case out.Name == "" && len(out.Phones) == 0:
		return invalid(reasonNoNameNoPhone)
	}
	out.detach()
	return out
}

// seats reads a seats cell: an integer from 1 to MaxSeats, else 0.
func seats(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxSeats {
		return 0
	}
	return n
}

// sepDirective reads Excel's optional first line "sep=;" and returns its
// separator, or 0 if the file does not start with one.
func sepDirective(br *bufio.Reader) (rune, error) {
	b, _ := br.Peek(7)
	if len(b) < 5 || !strings.EqualFold(string(b[:4]), "sep=") {
		return 0, nil
	}
	sep := rune(b[4])
	rest := b[5:]
	if len(rest) > 0 && rest[0] == '\r' {
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0] != '\n' && rest[0] != '\r' {
		return 0, nil
	}
	if sep == '"' || sep == '\r' || sep == '\n' || sep >= utf8.RuneSelf {
		return 0, nil
	}
	n := len(b) - len(rest)
	if len(rest) > 0 {
		n++
	}
	_, err := br.Discard(n)
	return sep, err
}

// detectSep returns the separator, of comma, semicolon and tab, that splits
// the first non-blank line of b into the most fields outside quotes; comma
// if none does.
func detectSep(b []byte) rune {
	b = bytes.TrimLeft(b, "\r\n")
	var comma, semi, tab int
	quoted := false
loop:
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			comma++
		case c == ';':
			semi++
		case c == '\t':
			tab++
		case c == '\n' || c == '\r':
			break loop
		}
	}
	switch {
	case semi > comma && semi >= tab:
		return ';'
	case tab > comma && tab > semi:
		return '\t'
	}
	return ','
}

// crToLF turns CR line ends into LF for encoding/csv.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
