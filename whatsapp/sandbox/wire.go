package sandbox

import "encoding/json"

// The send request as Meta reads it (WHATSAPP.md §5.1–5.5). Decoding
// refuses unknown keys, as Graph does ("Unexpected key"), so a typo in the
// client is caught here rather than silently ignored.
type sendRequest struct {
	MessagingProduct      string           `json:"messaging_product"`
	RecipientType         string           `json:"recipient_type"`
	To                    string           `json:"to"`
	Type                  string           `json:"type"`
	BizOpaqueCallbackData string           `json:"biz_opaque_callback_data"`
	Context               *wireSendContext `json:"context"`
	Template              *wireTemplate    `json:"template"`
	Interactive           *wireInteractive `json:"interactive"`
	Text                  *wireText        `json:"text"`
}

type wireSendContext struct {
	MessageID string `json:"message_id"`
}

type wireTemplate struct {
	Name       string          `json:"name"`
	Language   *wireLanguage   `json:"language"`
	Components []wireComponent `json:"components"`
}

type wireLanguage struct {
	Code   string `json:"code"`
	Policy string `json:"policy"`
}

type wireComponent struct {
	Type       string          `json:"type"`
	SubType    string          `json:"sub_type"`
	Index      json.RawMessage `json:"index"` // "0".."9"; a number is taken too
	Parameters []wireParameter `json:"parameters"`
}

type wireParameter struct {
	Type          string          `json:"type"`
	ParameterName string          `json:"parameter_name"`
	Text          *string         `json:"text"`
	Payload       *string         `json:"payload"`
	Image         json.RawMessage `json:"image"`
	Video         json.RawMessage `json:"video"`
	Document      json.RawMessage `json:"document"`
	Currency      json.RawMessage `json:"currency"`
	DateTime      json.RawMessage `json:"date_time"`
}

type wireInteractive struct {
	Type   string       `json:"type"`
	Header *wireHeader  `json:"header"`
	Body   *wireTextObj `json:"body"`
	Footer *wireTextObj `json:"footer"`
	Action *wireAction  `json:"action"`
}

type wireHeader struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	Image    json.RawMessage `json:"image"`
	Video    json.RawMessage `json:"video"`
	Document json.RawMessage `json:"document"`
}

type wireTextObj struct {
	Text string `json:"text"`
}

type wireAction struct {
	Button   string        `json:"button"`
	Buttons  []wireButton  `json:"buttons"`
	Sections []wireSection `json:"sections"`
}

type wireButton struct {
	Type  string     `json:"type"`
	Reply *wireReply `json:"reply"`
}

type wireReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type wireSection struct {
	Title string    `json:"title"`
	Rows  []wireRow `json:"rows"`
}

type wireRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

type wireText struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url"`
}

// The send answer (WHATSAPP.md §5.6).
type sendResponse struct {
	MessagingProduct string            `json:"messaging_product"`
	Contacts         []responseContact `json:"contacts"`
	Messages         []responseMessage `json:"messages"`
}

type responseContact struct {
	Input string `json:"input"`
	WaID  string `json:"wa_id"`
}

type responseMessage struct {
	ID            string `json:"id"`
	MessageStatus string `json:"message_status,omitempty"`
}

// Webhooks (WHATSAPP.md §3.1 envelope, §3.3–3.6 messages, §3.7 statuses).
type whEnvelope struct {
	Object string    `json:"object"`
	Entry  []whEntry `json:"entry"`
}

type whEntry struct {
	ID      string     `json:"id"`
	Changes []whChange `json:"changes"`
}

type whChange struct {
	Value whValue `json:"value"`
	Field string  `json:"field"`
}

type whValue struct {
	MessagingProduct string      `json:"messaging_product"`
	Metadata         whMetadata  `json:"metadata"`
	Contacts         []whContact `json:"contacts,omitempty"`
	Messages         []whMessage `json:"messages,omitempty"`
	Statuses         []whStatus  `json:"statuses,omitempty"`
}

type whMetadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type whContact struct {
	Profile whProfile `json:"profile"`
	WaID    string    `json:"wa_id"`
}

type whProfile struct {
	Name string `json:"name"`
}

type whMessage struct {
	Context     *whContext     `json:"context,omitempty"`
	From        string         `json:"from"`
	ID          string         `json:"id"`
	Timestamp   string         `json:"timestamp"`
	Type        string         `json:"type"`
	Text        *whText        `json:"text,omitempty"`
	Button      *whButton      `json:"button,omitempty"`
	Interactive *whInteractive `json:"interactive,omitempty"`
}

type whContext struct {
	From string `json:"from"`
	ID   string `json:"id"`
}

type whText struct {
	Body string `json:"body"`
}

type whButton struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

type whInteractive struct {
	Type        string       `json:"type"`
	ButtonReply *whReply     `json:"button_reply,omitempty"`
	ListReply   *whListReply `json:"list_reply,omitempty"`
}

type whReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type whListReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type whStatus struct {
	ID                    string     `json:"id"`
	Status                string     `json:"status"`
	Timestamp             string     `json:"timestamp"`
	RecipientID           string     `json:"recipient_id"`
	BizOpaqueCallbackData string     `json:"biz_opaque_callback_data,omitempty"`
	Pricing               *whPricing `json:"pricing,omitempty"`
	Errors                []whError  `json:"errors,omitempty"`
}

type whPricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type"`
	Category     string `json:"category"`
}

type whError struct {
	Code      int         `json:"code"`
	Title     string      `json:"title"`
	Message   string      `json:"message"`
	ErrorData whErrorData `json:"error_data"`
	Href      string      `json:"href"`
}

type whErrorData struct {
	Details string `json:"details"`
}
