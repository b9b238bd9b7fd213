package whatsapp

// TemplateSpec is a message template as registered with Meta: its name,
// language, the body parameters it expects (in order; what the engine fills
// each with), and its quick-reply buttons' labels (fixed at registration;
// each send sets only their payloads, WHATSAPP.md §5.2).
type TemplateSpec struct {
	Name     string
	Language string
	// Params name what fills each body parameter, in order: one of the
	// Param* constants.
	Params []string
	// Buttons are the quick-reply labels, in index order.
	Buttons []string
	// Body is the template's text with {{1}}, {{2}}, … for its parameters,
	// as a guest sees it (the sandbox renders it).
	Body string
}

// What the engine fills a template's body parameters with.
const (
	ParamGuestName   = "guest_name"   // the unit's primary contact's name
	ParamWeddingName = "wedding_name" // the wedding's name ("Asha & Rohan")
	ParamEvents      = "events"       // the events asked about, with dates
)

// RSVP button labels, in the order a typed 1, 2 or 3 means.
var rsvpButtons = []string{"Yes", "No", "Maybe"}

// DefaultTemplates are the templates the sandbox registers, and those the
// engine may send unless configured otherwise: an invitation and a reminder,
// in English and Hindi, each with three body parameters (guest name,
// wedding name, events) and Yes / No / Maybe quick replies.
func DefaultTemplates() []TemplateSpec {
	params := []string{ParamGuestName, ParamWeddingName, ParamEvents}
	return []TemplateSpec{
		{Name: "wedding_invite", Language: "en", Params: params, Buttons: rsvpButtons,
			Body: "Dear {{1}}, you are warmly invited to {{2}}: {{3}}. Will you join us?"},
		{Name: "wedding_invite", Language: "hi", Params: params, Buttons: rsvpButtons,
			Body: "प्रिय {{1}}, {{2}} में आपका हार्दिक स्वागत है: {{3}}। क्या आप आएँगे?"},
		{Name: "rsvp_reminder", Language: "en", Params: params, Buttons: rsvpButtons,
			Body: "Dear {{1}}, a gentle reminder from {{2}}: please tell us if you can come to {{3}}."},
		{Name: "rsvp_reminder", Language: "hi", Params: params, Buttons: rsvpButtons,
			Body: "प्रिय {{1}}, {{2}} की ओर से याद दिला रहे हैं: क्या आप {{3}} में आ पाएँगे?"},
	}
}

// FindTemplate is the spec of name in language among specs.
func FindTemplate(specs []TemplateSpec, name, language string) (TemplateSpec, bool) {
	for _, s := range specs {
		if s.Name == name && s.Language == language {
			return s, true
		}
	}
	return TemplateSpec{}, false
}
