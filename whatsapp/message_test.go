package whatsapp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/parinayaos/engine/whatsapp"
)

// The golden messages: the examples of WHATSAPP.md §5.2–5.5, as Messages.
// testdata/body_*.json are those examples typed in by hand from the
// document (a template without the image header, its parameters
// positional as ours are), not Body's output: they check Body against the
// documented shapes.

func goldenTemplate() *whatsapp.Message {
	return &whatsapp.Message{
		To:           "+447700900123",
		CallbackData: "inv_4q9z1",
		Template: &whatsapp.Template{
			Name:           "wedding_invitation_v2",
			Language:       "en_GB",
			Params:         []string{"Maya", "Noa & Eitan", "Saturday 17 October 2026, 18:00"},
			ButtonPayloads: []string{"rsvp:inv_4q9z1:yes", "rsvp:inv_4q9z1:no", "rsvp:inv_4q9z1:maybe"},
		},
	}
}

func goldenButtons() *whatsapp.Message {
	return &whatsapp.Message{
		To: "+15550101234",
		Buttons: &whatsapp.Buttons{
			Header: "Noa & Eitan's wedding",
			Body:   "Thanks Daniel! Will you be bringing a guest?",
			Footer: "Reply anytime before 1 Oct",
			Buttons: []whatsapp.Button{
				{ID: "rsvp:inv_8f3k2:plus1_yes", Title: "Bringing a +1"},
				{ID: "rsvp:inv_8f3k2:plus1_no", Title: "Just me"},
			},
		},
	}
}

func goldenList() *whatsapp.Message {
	return &whatsapp.Message{
		To: "+15550101234",
		List: &whatsapp.List{
			Header: "Meal choice",
			Body:   "Please pick a main course for Daniel.",
			Footer: "Noa & Eitan · 17 Oct",
			Button: "Choose meal",
			Sections: []whatsapp.Section{{
				Title: "Mains",
				Rows: []whatsapp.Row{
					{ID: "meal:inv_8f3k2:beef", Title: "Braised short rib", Description: "Root vegetables, jus"},
					{ID: "meal:inv_8f3k2:fish", Title: "Sea bass", Description: "Lemon butter, greens"},
					{ID: "meal:inv_8f3k2:veg", Title: "Vegetarian", Description: "Wild mushroom risotto"},
				},
			}},
		},
	}
}

func goldenText() *whatsapp.Message {
	return &whatsapp.Message{
		To:           "+447700900123",
		CallbackData: "msg_7d2",
		ReplyTo:      "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhggQkM2RjE2",
		Text:         "Lovely, Maya. You're confirmed for 2 guests. See you on 17 October!",
	}
}

// decodeJSON decodes b for a structural comparison: key order and
// whitespace do not matter, keys and values do.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	return v
}

// Reference: WHATSAPP.md §5.1–5.5 (request shapes), §5.1 (context).
func TestMessage_Body(t *testing.T) {
	tests := []struct {
		name   string
		msg    *whatsapp.Message
		golden string
	}{
		{"template", goldenTemplate(), "body_template.json"},
		{"buttons", goldenButtons(), "body_buttons.json"},
		{"list", goldenList(), "body_list.json"},
		{"text with context", goldenText(), "body_text.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.Body()
			if err != nil {
				t.Fatalf("Body: %v", err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", tt.golden))
			if err != nil {
				t.Fatal(err)
			}
			if g, w := decodeJSON(t, got), decodeJSON(t, want); !reflect.DeepEqual(g, w) {
				t.Errorf("Body differs from %s\n got: %s\nwant: %s", tt.golden, got, want)
			}
			again, _ := tt.msg.Body()
			if !bytes.Equal(got, again) {
				t.Errorf("Body is not deterministic:\n%s\n%s", got, again)
			}
		})
	}
}

// A template without parameters or payloads has no components at all, and
// payloads fewer than the template's buttons give one component each, in
// index order (WHATSAPP.md §5.2).
func TestMessage_BodyTemplateComponents(t *testing.T) {
	tests := []struct {
		name     string
		params   []string
		payloads []string
		want     string // the template's "components", as JSON; "" for absent
	}{
		{"none", nil, nil, ""},
		{"params only", []string{"Asha"}, nil,
			`[{"type":"body","parameters":[{"type":"text","text":"Asha"}]}]`},
		{"one payload of three buttons", nil, []string{"rsvp:x:yes"},
			`[{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"rsvp:x:yes"}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &whatsapp.Message{To: "+919876543210", Template: &whatsapp.Template{
				Name: "rsvp_reminder", Language: "hi", Params: tt.params, ButtonPayloads: tt.payloads}}
			b, err := m.Body()
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Template map[string]json.RawMessage `json:"template"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			raw, present := got.Template["components"]
			if tt.want == "" {
				if present {
					t.Errorf("components = %s, want none", raw)
				}
				return
			}
			if !present {
				t.Fatalf("no components in %s", b)
			}
			if g, w := decodeJSON(t, raw), decodeJSON(t, []byte(tt.want)); !reflect.DeepEqual(g, w) {
				t.Errorf("components = %s, want %s", raw, tt.want)
			}
		})
	}
}

// Optional fields are left out, not sent empty: no header, footer,
// callback data or context when unset.
func TestMessage_BodyOmitsEmpty(t *testing.T) {
	m := &whatsapp.Message{To: "+15550101234", Buttons: &whatsapp.Buttons{
		Body: "Coming?", Buttons: []whatsapp.Button{{ID: "y", Title: "Yes"}}}}
	b, err := m.Body()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+15550101234","type":"interactive",
		"interactive":{"type":"button","body":{"text":"Coming?"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}}]}}}`
	if g, w := decodeJSON(t, b), decodeJSON(t, []byte(want)); !reflect.DeepEqual(g, w) {
		t.Errorf("Body = %s\nwant %s", b, want)
	}
}

func TestMessage_BodyInvalid(t *testing.T) {
	m := goldenText()
	m.To = "447700900123"
	b, err := m.Body()
	var ve *whatsapp.ValidationError
	if !errors.As(err, &ve) || ve.Field != "to" {
		t.Fatalf("Body = %s, %v; want a ValidationError on to", b, err)
	}
	if b != nil {
		t.Errorf("Body returned bytes with its error: %s", b)
	}
}

func TestMessage_Kind(t *testing.T) {
	tests := []struct {
		name string
		msg  *whatsapp.Message
		want string
	}{
		{"template", goldenTemplate(), "template"},
		{"buttons", goldenButtons(), "interactive"},
		{"list", goldenList(), "interactive"},
		{"text", goldenText(), "text"},
		{"nothing", &whatsapp.Message{To: "+15550101234"}, ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		if got := tt.msg.Kind(); got != tt.want {
			t.Errorf("%s: Kind() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRenderTemplate(t *testing.T) {
	invite, ok := whatsapp.FindTemplate(whatsapp.DefaultTemplates(), "wedding_invite", "en")
	if !ok {
		t.Fatal("no wedding_invite/en among DefaultTemplates")
	}
	inviteHi, _ := whatsapp.FindTemplate(whatsapp.DefaultTemplates(), "wedding_invite", "hi")
	spec := func(body string) whatsapp.TemplateSpec { return whatsapp.TemplateSpec{Body: body} }
	tests := []struct {
		name   string
		spec   whatsapp.TemplateSpec
		params []string
		want   string
	}{
		{"default invite", invite, []string{"Maya", "Asha & Rohan", "Sangeet, 14 Feb"},
			"Dear Maya, you are warmly invited to Asha & Rohan: Sangeet, 14 Feb. Will you join us?"},
		{"hindi", inviteHi, []string{"माया", "आशा और रोहन", "संगीत"},
			"प्रिय माया, आशा और रोहन में आपका हार्दिक स्वागत है: संगीत। क्या आप आएँगे?"},
		{"missing param stays visible", spec("Hi {{1}}, see {{2}}"), []string{"Maya"}, "Hi Maya, see {{2}}"},
		{"no params", spec("Hi {{1}}"), nil, "Hi {{1}}"},
		{"param is not filled again", spec("{{1}} and {{2}}"), []string{"{{2}}", "x"}, "{{2}} and x"},
		{"repeated and out of order", spec("{{2}}{{1}}{{2}}"), []string{"a", "b"}, "bab"},
		{"two digits", spec("{{10}}"), []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "ten"}, "ten"},
		{"extra brace", spec("{{{1}}}"), []string{"a"}, "{a}"},
		{"not placeholders", spec("{{}} {{x}} {{+1}} {{-1}} {{0}} {{1"), []string{"a"}, "{{}} {{x}} {{+1}} {{-1}} {{0}} {{1"},
	}
	for _, tt := range tests {
		if got := whatsapp.RenderTemplate(tt.spec, tt.params); got != tt.want {
			t.Errorf("%s: RenderTemplate = %q, want %q", tt.name, got, tt.want)
		}
	}
}
