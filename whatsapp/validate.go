package whatsapp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits Meta puts on what we send (WHATSAPP.md §0 and §5.1–5.5, §7.5).
// Lengths are in characters as Validate counts them (see Validate).
const (
	MaxCallbackDataChars = 512 // biz_opaque_callback_data (§5.1, one SDK's cap)

	MaxTemplateNameChars = 512  // §7.5
	MaxTemplateBodyChars = 1024 // a template's body once filled (§7.5, 132005)
	MaxTemplateButtons   = 10   // quick replies per template, index 0–9 (§5.2)
	MaxParamSpaces       = 4    // consecutive spaces in a parameter (§5.2, 132018)

	MaxButtons          = 3    // reply buttons per message (§5.3)
	MaxButtonIDChars    = 256  // §5.3
	MaxButtonTitleChars = 20   // §5.3
	MaxButtonsBodyChars = 1024 // §5.3

	MaxListSections        = 10   // §5.4
	MaxListRows            = 10   // rows of all sections together (§5.4)
	MaxListButtonChars     = 20   // the label that opens the list (§5.4)
	MaxListBodyChars       = 4096 // §5.4
	MaxSectionTitleChars   = 24   // §5.4
	MaxRowIDChars          = 200  // §5.4
	MaxRowTitleChars       = 24   // §5.4
	MaxRowDescriptionChars = 72   // §5.4

	MaxHeaderChars   = 60   // a text header, buttons or list (§5.3, §5.4)
	MaxFooterChars   = 60   // §5.3, §5.4
	MaxTextBodyChars = 4096 // a text message's body (§5.5)
)

// ValidationError says which field of a message (or of a Config) is wrong
// and why. Field is a path: "to", "template.params[1]", "buttons[1].title",
// "list.sections[0].rows[2].id", "base_url".
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return "whatsapp: " + e.Field + ": " + e.Reason
}

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Validate refuses what Meta would refuse, so that a mistake costs nothing
// and is found before a send rather than as a 100/131008/132018 answer
// (limits of WHATSAPP.md §0 and §5.1–5.5). It returns the first problem
// found as a *ValidationError.
//
// Besides the documented limits it refuses: strings that are not valid
// UTF-8 (encoding/json would silently turn them into U+FFFD, so the guest
// would read something else than we meant); empty template parameters
// (Meta answers 100 "Parameter 'text' is mandatory", reported in
// shridarpatil/frappe_whatsapp#43 and #169, not in WHATSAPP.md); empty
// quick-reply payloads; template names other than Meta's lowercase
// letters, digits and '_'; language codes with anything but letters and
// '_' ("en-GB" instead of "en_GB" would be 132001).
//
// NB: lengths are counted in UTF-16 code units: one per character, two for
// characters outside the Basic Multilingual Plane (most emoji). Meta does
// not say how it counts; counting the larger way means that what passes
// here is not too long by either count. Devanagari and Latin text count
// one per character, whatever their size in bytes.
func (m *Message) Validate() error {
	if m == nil {
		return invalid("message", "is nil")
	}
	if err := validateTo(m.To); err != nil {
		return err
	}
	if err := checkText("callback_data", m.CallbackData, MaxCallbackDataChars, false); err != nil {
		return err
	}
	if err := checkText("reply_to", m.ReplyTo, 0, false); err != nil {
		return err
	}
	// Exactly one kind: naming the second one set says which to drop.
	set := make([]string, 0, 4)
	if m.Template != nil {
		set = append(set, "template")
	}
	if m.Buttons != nil {
		set = append(set, "buttons")
	}
	if m.List != nil {
		set = append(set, "list")
	}
	if m.Text != "" {
		set = append(set, "text")
	}
	switch {
	case len(set) == 0:
		return invalid("text", "is empty and no template, buttons or list is set: a message needs exactly one")
	case len(set) > 1:
		return invalid(set[1], "is set with %s: a message has exactly one of template, buttons, list, text", set[0])
	}
	switch {
	case m.Template != nil:
		return validateTemplate(m.Template)
	case m.Buttons != nil:
		return validateButtons(m.Buttons)
	case m.List != nil:
		return validateList(m.List)
	}
	return checkText("text", m.Text, MaxTextBodyChars, true)
}

// validateTo checks that to looks like E.164: '+', a first digit 1–9 (no
// country code starts with 0), 8 to 15 digits in all. Meta accepts the '+'
// as optional (§5.1); we always send it, so a number is stored one way.
func validateTo(to string) error {
	const field = "to"
	digits, ok := strings.CutPrefix(to, "+")
	if !ok {
		return invalid(field, "must start with '+' (E.164)")
	}
	if len(digits) < 8 || len(digits) > 15 {
		return invalid(field, "must have 8 to 15 digits after '+' (E.164), has %d characters", len(digits))
	}
	if !allDigits(digits) {
		return invalid(field, "must be '+' and digits only (E.164)")
	}
	if digits[0] == '0' {
		return invalid(field, "must not start with +0: no country code does (E.164)")
	}
	return nil
}

func validateTemplate(t *Template) error {
	if err := checkText("template.name", t.Name, MaxTemplateNameChars, true); err != nil {
		return err
	}
	for _, r := range t.Name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return invalid("template.name", "may hold only lowercase letters, digits and '_' (Meta's template names)")
		}
	}
	if t.Language == "" {
		return invalid("template.language", "is empty")
	}
	for _, r := range t.Language {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && r != '_' {
			return invalid("template.language", "may hold only letters and '_' (a code such as en or en_GB)")
		}
	}
	total := 0
	for i, p := range t.Params {
		field := fmt.Sprintf("template.params[%d]", i)
		if err := checkText(field, p, 0, true); err != nil {
			return err
		}
		if err := checkParam(field, p); err != nil {
			return err
		}
		total += chars(p)
	}
	// The filled body is at least as long as its parameters together, so
	// past this Meta would answer 132005 whatever the template's own text.
	if total > MaxTemplateBodyChars {
		return invalid("template.params", "are %d characters together, more than a filled template body may be (%d)", total, MaxTemplateBodyChars)
	}
	if len(t.ButtonPayloads) > MaxTemplateButtons {
		return invalid("template.button_payloads", "has %d payloads, more than a template's %d buttons", len(t.ButtonPayloads), MaxTemplateButtons)
	}
	for i, p := range t.ButtonPayloads {
		if err := checkText(fmt.Sprintf("template.button_payloads[%d]", i), p, 0, true); err != nil {
			return err
		}
	}
	return nil
}

// checkParam refuses what Meta answers 132018 to: "Param text cannot have
// new-line/tab characters or more than 4 consecutive spaces" (§5.2). A
// carriage return is refused with the newline: it is half of one.
func checkParam(field, p string) error {
	if i := strings.IndexAny(p, "\n\r\t"); i >= 0 {
		return invalid(field, "has a newline or tab at byte %d (Meta refuses them in parameters: 132018)", i)
	}
	if strings.Contains(p, strings.Repeat(" ", MaxParamSpaces+1)) {
		return invalid(field, "has more than %d consecutive spaces (132018)", MaxParamSpaces)
	}
	return nil
}

func validateButtons(b *Buttons) error {
	if err := checkText("buttons.header", b.Header, MaxHeaderChars, false); err != nil {
		return err
	}
	if err := checkText("buttons.body", b.Body, MaxButtonsBodyChars, true); err != nil {
		return err
	}
	if err := checkText("buttons.footer", b.Footer, MaxFooterChars, false); err != nil {
		return err
	}
	if len(b.Buttons) == 0 || len(b.Buttons) > MaxButtons {
		return invalid("buttons", "has %d buttons, must have 1 to %d", len(b.Buttons), MaxButtons)
	}
	// A tap comes back as the button's id and the guest picks by title:
	// Meta requires both unique (§5.3).
	ids := make(map[string]int, len(b.Buttons))
	titles := make(map[string]int, len(b.Buttons))
	for i, bt := range b.Buttons {
		if err := checkText(fmt.Sprintf("buttons[%d].id", i), bt.ID, MaxButtonIDChars, true); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("buttons[%d].title", i), bt.Title, MaxButtonTitleChars, true); err != nil {
			return err
		}
		if j, dup := ids[bt.ID]; dup {
			return invalid(fmt.Sprintf("buttons[%d].id", i), "repeats buttons[%d].id", j)
		}
		if j, dup := titles[bt.Title]; dup {
			return invalid(fmt.Sprintf("buttons[%d].title", i), "repeats buttons[%d].title", j)
		}
		ids[bt.ID], titles[bt.Title] = i, i
	}
	return nil
}

func validateList(l *List) error {
	if err := checkText("list.header", l.Header, MaxHeaderChars, false); err != nil {
		return err
	}
	if err := checkText("list.body", l.Body, MaxListBodyChars, true); err != nil {
		return err
	}
	if err := checkText("list.footer", l.Footer, MaxFooterChars, false); err != nil {
		return err
	}
	if err := checkText("list.button", l.Button, MaxListButtonChars, true); err != nil {
		return err
	}
	if len(l.Sections) == 0 || len(l.Sections) > MaxListSections {
		return invalid("list.sections", "has %d sections, must have 1 to %d", len(l.Sections), MaxListSections)
	}
	rows := 0
	// Row ids come back as the guest's choice, so they must tell rows
	// apart across the whole list, not just within a section.
	ids := make(map[string]string)
	for i, s := range l.Sections {
		sf := fmt.Sprintf("list.sections[%d]", i)
		// Meta wants a title on every section when there are several, so
		// the guest can tell them apart.
		if err := checkText(sf+".title", s.Title, MaxSectionTitleChars, len(l.Sections) > 1); err != nil {
			return err
		}
		if len(s.Rows) == 0 {
			return invalid(sf+".rows", "is empty: a section needs at least one row")
		}
		rows += len(s.Rows)
		if rows > MaxListRows {
			return invalid(sf+".rows", "brings the list to %d rows, more than %d for all sections together", rows, MaxListRows)
		}
		for j, r := range s.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", sf, j)
			if err := checkText(rf+".id", r.ID, MaxRowIDChars, true); err != nil {
				return err
			}
			if err := checkText(rf+".title", r.Title, MaxRowTitleChars, true); err != nil {
				return err
			}
			if err := checkText(rf+".description", r.Description, MaxRowDescriptionChars, false); err != nil {
				return err
			}
			if prev, dup := ids[r.ID]; dup {
				return invalid(rf+".id", "repeats %s.id", prev)
			}
			ids[r.ID] = rf
		}
	}
	return nil
}

// checkText checks that s is valid UTF-8, is not empty when required, and
// is at most maxChars characters (no limit when maxChars is 0).
func checkText(field, s string, maxChars int, required bool) error {
	if s == "" {
		if required {
			return invalid(field, "is empty")
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	if n := chars(s); maxChars > 0 && n > maxChars {
		return invalid(field, "is %d characters, more than %d", n, maxChars)
	}
	return nil
}

// chars is s's length in UTF-16 code units: see Validate for why.
func chars(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}
