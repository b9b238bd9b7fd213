package whatsapp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parinayaos/engine/whatsapp"
)

// rep is s, n times.
func rep(s string, n int) string { return strings.Repeat(s, n) }

func rows(prefix string, n int) []whatsapp.Row {
	rs := make([]whatsapp.Row, n)
	for i := range rs {
		rs[i] = whatsapp.Row{ID: fmt.Sprintf("%s%d", prefix, i), Title: fmt.Sprintf("Row %d", i)}
	}
	return rs
}

func buttonsN(n int) []whatsapp.Button {
	bs := make([]whatsapp.Button, n)
	for i := range bs {
		bs[i] = whatsapp.Button{ID: fmt.Sprintf("b%d", i), Title: fmt.Sprintf("Choice %d", i)}
	}
	return bs
}

// Reference: WHATSAPP.md §0 (limits), §5.1 (to, biz_opaque_callback_data),
// §5.2 (template parameters, 132018, 132000), §5.3 (reply buttons), §5.4
// (lists), §5.5 (text), §7.5 (template name). Each limit is tested at its
// edge (valid) and one past it (invalid), naming the field refused.
func TestMessage_Validate(t *testing.T) {
	tests := []struct {
		name   string
		base   func() *whatsapp.Message
		mutate func(m *whatsapp.Message)
		field  string // "" for valid
	}{
		// Every golden message is valid as it is.
		{"golden template", goldenTemplate, func(*whatsapp.Message) {}, ""},
		{"golden buttons", goldenButtons, func(*whatsapp.Message) {}, ""},
		{"golden list", goldenList, func(*whatsapp.Message) {}, ""},
		{"golden text", goldenText, func(*whatsapp.Message) {}, ""},

		// §5.1: to is E.164, "+<8..15 digits>".
		{"to 8 digits", goldenText, func(m *whatsapp.Message) { m.To = "+12345678" }, ""},
		{"to 7 digits", goldenText, func(m *whatsapp.Message) { m.To = "+1234567" }, "to"},
		{"to 15 digits", goldenText, func(m *whatsapp.Message) { m.To = "+123456789012345" }, ""},
		{"to 16 digits", goldenText, func(m *whatsapp.Message) { m.To = "+1234567890123456" }, "to"},
		{"to without plus", goldenText, func(m *whatsapp.Message) { m.To = "447700900123" }, "to"},
		{"to with spaces", goldenText, func(m *whatsapp.Message) { m.To = "+44 7700 900123" }, "to"},
		{"to +0", goldenText, func(m *whatsapp.Message) { m.To = "+0447700900123" }, "to"},
		{"to empty", goldenText, func(m *whatsapp.Message) { m.To = "" }, "to"},
		{"to non-ASCII digits", goldenText, func(m *whatsapp.Message) { m.To = "+९१९८७६५४३२१०" }, "to"},

		// §5.1: biz_opaque_callback_data ≤ 512.
		{"callback 512", goldenText, func(m *whatsapp.Message) { m.CallbackData = rep("c", 512) }, ""},
		{"callback 513", goldenText, func(m *whatsapp.Message) { m.CallbackData = rep("c", 513) }, "callback_data"},
		{"reply_to not UTF-8", goldenText, func(m *whatsapp.Message) { m.ReplyTo = "wamid.\xff" }, "reply_to"},

		// Exactly one kind.
		{"nothing set", goldenText, func(m *whatsapp.Message) { m.Text = "" }, "text"},
		{"template and text", goldenTemplate, func(m *whatsapp.Message) { m.Text = "hi" }, "text"},
		{"buttons and list", goldenButtons, func(m *whatsapp.Message) { m.List = goldenList().List }, "list"},

		// §5.2, §7.5: template name and language.
		{"template name empty", goldenTemplate, func(m *whatsapp.Message) { m.Template.Name = "" }, "template.name"},
		{"template name 512", goldenTemplate, func(m *whatsapp.Message) { m.Template.Name = rep("n", 512) }, ""},
		{"template name 513", goldenTemplate, func(m *whatsapp.Message) { m.Template.Name = rep("n", 513) }, "template.name"},
		{"template name uppercase", goldenTemplate, func(m *whatsapp.Message) { m.Template.Name = "Wedding_Invite" }, "template.name"},
		{"template language empty", goldenTemplate, func(m *whatsapp.Message) { m.Template.Language = "" }, "template.language"},
		{"template language hyphen", goldenTemplate, func(m *whatsapp.Message) { m.Template.Language = "en-GB" }, "template.language"},
		{"template language hi", goldenTemplate, func(m *whatsapp.Message) { m.Template.Language = "hi" }, ""},

		// §5.2: parameters: no newline/tab, at most 4 consecutive spaces
		// (132018); not empty; together no longer than a filled body (1024).
		{"param 4 spaces", goldenTemplate, func(m *whatsapp.Message) { m.Template.Params[0] = "Maya    Rao" }, ""},
		{"param 5 spaces", goldenTemplate, func(m *whatsapp.Message) { m.Template.Params[1] = "Maya     Rao" }, "template.params[1]"},
		{"param newline", goldenTemplate, func(m *whatsapp.Message) { m.Template.Params[2] = "Sat\nSun" }, "template.params[2]"},
		{"param carriage return", goldenTemplate, func(m *whatsapp.Message) { m.Template.Params[2] = "Sat\rSun" }, "template.params[2]"},
		{"param tab", goldenTemplate, func(m *whatsapp.Message) { m.Template.Params[0] = "Maya\tRao" }, "template.params[0]"},
		{"param empty", goldenTemplate, func(m *whatsapp.Message) { m.Template.Params[1] = "" }, "template.params[1]"},
		{"param not UTF-8", goldenTemplate, func(m *whatsapp.Message) { m.Template.Params[0] = "Ma\xffya" }, "template.params[0]"},
		{"params 1024 together", goldenTemplate, func(m *whatsapp.Message) {
			m.Template.Params = []string{rep("a", 1000), rep("b", 24)}
		}, ""},
		{"params 1025 together", goldenTemplate, func(m *whatsapp.Message) {
			m.Template.Params = []string{rep("a", 1000), rep("b", 25)}
		}, "template.params"},
		{"no params", goldenTemplate, func(m *whatsapp.Message) { m.Template.Params = nil }, ""},

		// §5.2: at most 10 quick replies (index 0–9); payloads not empty.
		{"10 payloads", goldenTemplate, func(m *whatsapp.Message) {
			m.Template.ButtonPayloads = strings.Split("0 1 2 3 4 5 6 7 8 9", " ")
		}, ""},
		{"11 payloads", goldenTemplate, func(m *whatsapp.Message) {
			m.Template.ButtonPayloads = strings.Split("0 1 2 3 4 5 6 7 8 9 10", " ")
		}, "template.button_payloads"},
		{"empty payload", goldenTemplate, func(m *whatsapp.Message) { m.Template.ButtonPayloads[1] = "" }, "template.button_payloads[1]"},

		// §5.3: reply buttons.
		{"0 buttons", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons = nil }, "buttons"},
		{"3 buttons", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons = buttonsN(3) }, ""},
		{"4 buttons", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons = buttonsN(4) }, "buttons"},
		{"button title 20", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[1].Title = rep("t", 20) }, ""},
		{"button title 21", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[1].Title = rep("t", 21) }, "buttons[1].title"},
		// Characters, not bytes: 20 Devanagari letters are 60 bytes.
		{"button title 20 hindi", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[0].Title = rep("ह", 20) }, ""},
		{"button title 21 hindi", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[0].Title = rep("ह", 21) }, "buttons[0].title"},
		// An emoji outside the BMP counts two (see Validate).
		{"button title 10 emoji", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[0].Title = rep("🎉", 10) }, ""},
		{"button title 10 emoji and 1", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[0].Title = rep("🎉", 10) + "!" }, "buttons[0].title"},
		{"button title empty", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[0].Title = "" }, "buttons[0].title"},
		{"button id 256", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[0].ID = rep("i", 256) }, ""},
		{"button id 257", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[0].ID = rep("i", 257) }, "buttons[0].id"},
		{"button id empty", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[1].ID = "" }, "buttons[1].id"},
		{"button titles repeat", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[1].Title = m.Buttons.Buttons[0].Title }, "buttons[1].title"},
		{"button ids repeat", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Buttons[1].ID = m.Buttons.Buttons[0].ID }, "buttons[1].id"},
		{"buttons body 1024", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Body = rep("b", 1024) }, ""},
		{"buttons body 1025", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Body = rep("b", 1025) }, "buttons.body"},
		{"buttons body empty", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Body = "" }, "buttons.body"},
		{"buttons header 60", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Header = rep("h", 60) }, ""},
		{"buttons header 61", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Header = rep("h", 61) }, "buttons.header"},
		{"buttons footer 60", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Footer = rep("f", 60) }, ""},
		{"buttons footer 61", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Footer = rep("f", 61) }, "buttons.footer"},
		{"buttons no header or footer", goldenButtons, func(m *whatsapp.Message) { m.Buttons.Header, m.Buttons.Footer = "", "" }, ""},

		// §5.4: lists.
		{"list 10 sections", goldenList, func(m *whatsapp.Message) {
			m.List.Sections = nil
			for i := range 10 {
				m.List.Sections = append(m.List.Sections, whatsapp.Section{Title: fmt.Sprint("S", i), Rows: rows(fmt.Sprint("s", i, "r"), 1)})
			}
		}, ""},
		{"list 11 sections", goldenList, func(m *whatsapp.Message) {
			m.List.Sections = nil
			for i := range 11 {
				m.List.Sections = append(m.List.Sections, whatsapp.Section{Title: fmt.Sprint("S", i), Rows: rows(fmt.Sprint("s", i, "r"), 1)})
			}
		}, "list.sections"},
		{"list no sections", goldenList, func(m *whatsapp.Message) { m.List.Sections = nil }, "list.sections"},
		{"list 10 rows in all", goldenList, func(m *whatsapp.Message) {
			m.List.Sections = []whatsapp.Section{{Title: "A", Rows: rows("a", 4)}, {Title: "B", Rows: rows("b", 6)}}
		}, ""},
		{"list 11 rows in all", goldenList, func(m *whatsapp.Message) {
			m.List.Sections = []whatsapp.Section{{Title: "A", Rows: rows("a", 4)}, {Title: "B", Rows: rows("b", 7)}}
		}, "list.sections[1].rows"},
		{"list 11 rows in one", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows = rows("r", 11) }, "list.sections[0].rows"},
		{"list section without rows", goldenList, func(m *whatsapp.Message) {
			m.List.Sections = append(m.List.Sections, whatsapp.Section{Title: "Empty"})
		}, "list.sections[1].rows"},
		{"list one section untitled", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Title = "" }, ""},
		{"list two sections one untitled", goldenList, func(m *whatsapp.Message) {
			m.List.Sections = append(m.List.Sections, whatsapp.Section{Rows: rows("x", 1)})
		}, "list.sections[1].title"},
		{"section title 24", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Title = rep("s", 24) }, ""},
		{"section title 25", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Title = rep("s", 25) }, "list.sections[0].title"},
		{"row title 24", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[2].Title = rep("t", 24) }, ""},
		{"row title 25", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[2].Title = rep("t", 25) }, "list.sections[0].rows[2].title"},
		{"row title empty", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[0].Title = "" }, "list.sections[0].rows[0].title"},
		{"row id 200", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[1].ID = rep("i", 200) }, ""},
		{"row id 201", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[1].ID = rep("i", 201) }, "list.sections[0].rows[1].id"},
		{"row id empty", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[1].ID = "" }, "list.sections[0].rows[1].id"},
		{"row ids repeat across sections", goldenList, func(m *whatsapp.Message) {
			m.List.Sections = append(m.List.Sections, whatsapp.Section{Title: "More", Rows: []whatsapp.Row{{ID: "meal:inv_8f3k2:fish", Title: "Fish again"}}})
		}, "list.sections[1].rows[0].id"},
		{"row description 72", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[0].Description = rep("d", 72) }, ""},
		{"row description 73", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[0].Description = rep("d", 73) }, "list.sections[0].rows[0].description"},
		{"row description empty", goldenList, func(m *whatsapp.Message) { m.List.Sections[0].Rows[0].Description = "" }, ""},
		{"list button 20", goldenList, func(m *whatsapp.Message) { m.List.Button = rep("b", 20) }, ""},
		{"list button 21", goldenList, func(m *whatsapp.Message) { m.List.Button = rep("b", 21) }, "list.button"},
		{"list button empty", goldenList, func(m *whatsapp.Message) { m.List.Button = "" }, "list.button"},
		{"list body 4096", goldenList, func(m *whatsapp.Message) { m.List.Body = rep("b", 4096) }, ""},
		{"list body 4097", goldenList, func(m *whatsapp.Message) { m.List.Body = rep("b", 4097) }, "list.body"},
		{"list body empty", goldenList, func(m *whatsapp.Message) { m.List.Body = "" }, "list.body"},
		{"list header 60", goldenList, func(m *whatsapp.Message) { m.List.Header = rep("h", 60) }, ""},
		{"list header 61", goldenList, func(m *whatsapp.Message) { m.List.Header = rep("h", 61) }, "list.header"},
		{"list footer 60", goldenList, func(m *whatsapp.Message) { m.List.Footer = rep("f", 60) }, ""},
		{"list footer 61", goldenList, func(m *whatsapp.Message) { m.List.Footer = rep("f", 61) }, "list.footer"},

		// §5.5: text.
		{"text 4096", goldenText, func(m *whatsapp.Message) { m.Text = rep("x", 4096) }, ""},
		{"text 4097", goldenText, func(m *whatsapp.Message) { m.Text = rep("x", 4097) }, "text"},
		{"text not UTF-8", goldenText, func(m *whatsapp.Message) { m.Text = "see you\xc3" }, "text"},
		{"text with newlines", goldenText, func(m *whatsapp.Message) { m.Text = "Line 1\nLine 2\tend" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.base()
			tt.mutate(m)
			err := m.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ve *whatsapp.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError on %s", err, tt.field)
			}
			if ve.Field != tt.field {
				t.Errorf("Validate() field %q (%v), want %q", ve.Field, err, tt.field)
			}
			if ve.Reason == "" || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Error() = %q: want the field and a reason", err)
			}
		})
	}
}

func TestMessage_ValidateNil(t *testing.T) {
	var m *whatsapp.Message
	var ve *whatsapp.ValidationError
	if err := m.Validate(); !errors.As(err, &ve) || ve.Field != "message" {
		t.Errorf("nil.Validate() = %v, want a ValidationError on message", err)
	}
}
