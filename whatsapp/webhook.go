package whatsapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
)

// ErrNotJSON is returned by ParseWebhook when the body is not one JSON
// value (json.Valid says no: bad syntax, trailing data, an empty body, or
// nesting deeper than encoding/json accepts). Test for it with errors.Is.
var ErrNotJSON = errors.New("whatsapp: webhook body is not JSON")

// NotificationKind says what a Notification is about. The zero value is
// no kind: ParseWebhook never returns it.
type NotificationKind int

// The kinds of notification (WHATSAPP.md §3.1).
const (
	// KindStatus is a status of a message we sent (§3.7): Status is set.
	KindStatus NotificationKind = iota + 1
	// KindMessage is a message a user sent, or, with Echo, one the
	// business sent from the WhatsApp Business app (§3.3–3.6, §3.11):
	// Message is set.
	KindMessage
	// KindPreference is a user's marketing stop or resume (§3.9):
	// Preference is set.
	KindPreference
	// KindOther is everything else: fields the engine does not act on,
	// system errors (§3.10, then Errors is set), and items that could not
	// be decoded as what they claimed to be (then Problem says why).
	// Status, Message and Preference are nil; Raw holds what it was.
	KindOther
)

var kindNames = [...]string{
	KindStatus:     "status",
	KindMessage:    "message",
	KindPreference: "preference",
	KindOther:      "other",
}

// String is the kind's name ("status", "message", "preference", "other"),
// fit for a log field or a metric label.
func (k NotificationKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "NotificationKind(" + strconv.Itoa(int(k)) + ")"
}

// Notification is one thing a webhook body says: a status of a message we
// sent, a message a user sent, a user preference change, or something the
// engine does not act on. Exactly one of Status, Message and Preference is
// set, as Kind says; none for KindOther.
type Notification struct {
	Kind NotificationKind
	// Key is the notification's idempotency key, the same on every
	// redelivery of the notification, however Meta batches or spaces it
	// (WHATSAPP.md §4, §10.2):
	//
	//	KindStatus      st:<wamid>:<status>
	//	KindMessage     msg:<message id>, and for an edit msg:<message id>:edit:<unix seconds>
	//	KindPreference  pref:<wa_id>:<value>:<unix seconds> (the BSUID when there is no wa_id)
	//	KindOther       oth:<hex SHA-256>
	//
	// The hash of KindOther covers where the item sat (its path in the
	// body, entry[].id, changes[].field, metadata.phone_number_id) and
	// Raw in a canonical form (no insignificant whitespace, object keys
	// sorted, strings unescaped), so a re-encoded body keys the same.
	// Beyond 32 levels of nesting only whitespace is ignored.
	// Timestamps in keys are decimal seconds whether Meta sent a string
	// or a number; one that is not a number is kept as sent.
	//
	// NB: persisted as idempotency keys; the format must not change.
	Key string

	// Where it came from. Each is empty when the body does not say.
	BusinessAccountID string // entry[].id
	PhoneNumberID     string // value.metadata.phone_number_id
	Field             string // changes[].field ("messages", "user_preferences", …)

	Status     *Status
	Message    *InboundMessage
	Preference *Preference

	// Errors are the system errors of a KindOther made of a value with
	// value.errors (§3.10), e.g. 130429 or 131000.
	Errors []Error

	// Problem says what could not be decoded. On KindOther it is why the
	// item is not a status, a message or a preference (it is not an
	// object, it has no id, …). On KindMessage it names a part missing or
	// malformed while the message's id is sound, e.g. type "interactive"
	// without an interactive object (§3.11): the message still counts as
	// one the user sent. Empty when nothing was wrong.
	Problem string

	// Raw is the notification's own JSON, as Meta sent it: the status
	// object, the message object, the preference object, and for KindOther
	// the change's value (or the broken item, or the whole body when it
	// has no entries to split). It never shares memory with the body.
	Raw json.RawMessage
}

// Status is a status of a message we sent (WHATSAPP.md §3.7).
type Status struct {
	WAMID  string // statuses[].id: the wamid of our send
	Status string // "sent", "delivered", "read", "failed", "played", or whatever Meta sends, as is
	// Timestamp is when the status happened (statuses[].timestamp, unix
	// seconds as a string or a number); zero when missing or invalid.
	Timestamp       time.Time
	RecipientID     string  // recipient_id, digits as Meta sends them; "" for BSUID sends (§3.2)
	RecipientUserID string  // recipient_user_id: the BSUID, when we sent to one (§3.2)
	CallbackData    string  // biz_opaque_callback_data, as set in the send
	Errors          []Error // why a failed status failed
}

// InboundMessage is a message a user sent (WHATSAPP.md §3.3–3.6), or with
// Echo one the business sent itself. Fields that do not apply to its Type
// are empty.
type InboundMessage struct {
	ID string // messages[].id: the inbound wamid
	// From is the sender in E.164: Meta's digits with a '+' (§3.2). It is
	// kept as sent when it is not all digits, and "" when Meta left it
	// empty (BSUID-only senders, system messages).
	From        string
	FromUserID  string // from_user_id, or the sender's contacts[].user_id: the BSUID, if any (§3.2)
	ProfileName string // contacts[].profile.name of the sender, if present
	Timestamp   time.Time
	// Type is messages[].type as sent: "text", "button", "interactive",
	// "reaction", "image", "sticker", "location", "edit", "revoke",
	// "system", "unsupported", …
	Type string
	Text string // text.body; for an edit of a text, the new text

	ContextID string // context.id: the message replied to; "" when none (§3.3)
	Forwarded bool   // context.forwarded or context.frequently_forwarded (§3.11)

	ButtonPayload string // type "button": button.payload (§3.6)
	ButtonText    string // type "button": button.text

	ReplyID    string // type "interactive": button_reply.id or list_reply.id (§3.4, §3.5)
	ReplyTitle string // its title
	ReplyKind  string // interactive.type: "button_reply", "list_reply", or another as sent

	Emoji     string // type "reaction": reaction.emoji, "" for a removed reaction
	ReactedTo string // type "reaction": reaction.message_id

	EditedID  string // type "edit": edit.original_message_id
	RevokedID string // type "revoke": revoke.original_message_id

	// Echo is set for a message of the smb_message_echoes field: the
	// business's own message, never a guest's answer (§3.11).
	Echo bool

	Errors []Error // messages[].errors, e.g. on type "unsupported"
}

// Preference is a user's marketing-messages preference change
// (user_preferences, WHATSAPP.md §3.9).
type Preference struct {
	WAID      string // wa_id, digits as Meta sends them
	UserID    string // user_id: the BSUID, if any (§3.2)
	Value     string // "stop", "resume", or whatever Meta sends
	Category  string // "marketing_messages", …
	Timestamp time.Time
}

// Error is one of Meta's errors in a webhook (§3.7, §3.10). Code is the
// one to branch on (ClassOf); Title and Message are for people.
type Error struct {
	Code    int
	Title   string
	Message string
	Details string // error_data.details
}

// ParseWebhook splits a webhook body into its notifications, in body order
// (within one change: messages or echoes, then statuses, then user
// preferences, then system errors). It is pure and never panics, whatever
// the input.
//
// It returns ErrNotJSON if the body is not valid JSON, and otherwise never
// fails. Every field is optional and read on its own: a field of an
// unexpected type counts as missing (ids, phone numbers, timestamps and
// error codes may be strings or numbers, §3.1, §3.11). Each entry, change,
// status, message and preference is decoded on its own, so a broken one
// becomes a KindOther with its Raw and a Problem instead of costing the
// others (§3.11). In particular:
//
//   - Only the "messages" field yields statuses and messages;
//     "smb_message_echoes" yields messages with Echo (from
//     value.message_echoes or value.messages); "user_preferences" yields
//     preferences. Any other field (template updates, account updates,
//     history, calls, fields Meta adds later) is one KindOther per change.
//   - value.errors (§3.10) is one KindOther per change, with Errors.
//   - A change that yields nothing else (e.g. empty arrays) is one
//     KindOther, so that no change goes unseen.
//   - A body that is JSON but not an object with an entry array is one
//     KindOther with a Problem; an empty entry array yields nothing.
//     "object" is not checked: a WhatsApp app is sent only
//     "whatsapp_business_account".
//
// The work is linear in the body's size, and so is the result: a body of
// many tiny broken items (say 1 MiB of "entry":[1,1,…]) yields a KindOther,
// a few hundred bytes, for each. Raw never aliases body.
func ParseWebhook(body []byte) ([]Notification, error) {
	if !json.Valid(body) {
		return nil, ErrNotJSON
	}
	// One copy, which every Raw returned slices: the caller's buffer may
	// be reused (a fasthttp request's).
	body = bytes.Clone(body)
	var p parser
	top := validObject(body)
	if top == nil {
		p.other("body", body, "body is not a JSON object")
		return p.out, nil
	}
	entries, ok := array(top["entry"])
	if !ok {
		p.other("body", body, "body has no entry array")
		return p.out, nil
	}
	for _, raw := range entries {
		p.entry(raw)
	}
	return p.out, nil
}

// parser collects notifications and knows where the current item sits.
type parser struct {
	out                  []Notification
	waba, field, phoneID string
	contacts             contacts // the current change's value.contacts
}

func (p *parser) add(n Notification) {
	n.BusinessAccountID, n.Field, n.PhoneNumberID = p.waba, p.field, p.phoneID
	p.out = append(p.out, n)
}

// other adds a KindOther for raw, found at where.
func (p *parser) other(where string, raw json.RawMessage, problem string) {
	p.add(Notification{Kind: KindOther, Key: p.otherKey(where, raw), Problem: problem, Raw: raw})
}

// otherKey hashes where raw sat and raw's canonical form, each part
// length-prefixed so that no two different inputs frame the same.
func (p *parser) otherKey(where string, raw []byte) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(where), []byte(p.waba), []byte(p.field), []byte(p.phoneID), canonical(raw)} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	return "oth:" + hex.EncodeToString(h.Sum(nil))
}

func (p *parser) entry(raw json.RawMessage) {
	p.waba, p.field, p.phoneID = "", "", ""
	e := validObject(raw)
	if e == nil {
		p.other("entry", raw, "entry is not a JSON object")
		return
	}
	p.waba = str(e["id"])
	changes, ok := array(e["changes"])
	if !ok {
		p.other("entry", raw, "entry has no changes array")
		return
	}
	for _, c := range changes {
		p.change(c)
	}
}

func (p *parser) change(raw json.RawMessage) {
	p.field, p.phoneID, p.contacts = "", "", contacts{}
	c := validObject(raw)
	if c == nil {
		p.other("change", raw, "change is not a JSON object")
		return
	}
	if f, ok := field[string](c, "field"); ok {
		p.field = f // a name: a number here is no field
	}
	valueRaw := c["value"]
	v := validObject(valueRaw)
	if v == nil {
		p.other("change", raw, "change has no value object")
		return
	}
	p.phoneID = str(validObject(v["metadata"])["phone_number_id"])
	if p.field == "" {
		p.other("value", valueRaw, "change has no field")
		return
	}
	before := len(p.out)
	switch p.field {
	case "messages":
		p.contacts = contactsOf(v["contacts"])
		p.items(v, "messages", func(m json.RawMessage) { p.message(m, false) })
		p.items(v, "statuses", p.status)
		p.systemErrors(v, valueRaw)
	case "smb_message_echoes":
		p.contacts = contactsOf(v["contacts"])
		p.items(v, "message_echoes", func(m json.RawMessage) { p.message(m, true) })
		p.items(v, "messages", func(m json.RawMessage) { p.message(m, true) })
	case "user_preferences":
		p.contacts = contactsOf(v["contacts"])
		p.items(v, "user_preferences", p.preference)
	}
	if len(p.out) == before {
		p.other("value", valueRaw, "")
	}
}

// items calls each for every element of the array v[name]. A missing or
// null member is no items; any other non-array is a KindOther.
func (p *parser) items(v map[string]json.RawMessage, name string, each func(json.RawMessage)) {
	raw := v[name]
	if isAbsent(raw) {
		return
	}
	list, ok := array(raw)
	if !ok {
		p.other("value."+name, raw, "value."+name+" is not an array")
		return
	}
	for _, item := range list {
		each(item)
	}
}

// systemErrors adds the value's errors (§3.10) as one KindOther.
func (p *parser) systemErrors(v map[string]json.RawMessage, valueRaw json.RawMessage) {
	raw := v["errors"]
	if isAbsent(raw) {
		return
	}
	list, ok := array(raw)
	if !ok {
		p.other("value.errors", raw, "value.errors is not an array")
		return
	}
	if len(list) == 0 {
		return
	}
	p.add(Notification{Kind: KindOther, Key: p.otherKey("value", valueRaw), Errors: errorsOf(raw), Raw: valueRaw})
}

func (p *parser) status(raw json.RawMessage) {
	s := validObject(raw)
	if s == nil {
		p.other("statuses[]", raw, "status is not a JSON object")
		return
	}
	st := &Status{WAMID: str(s["id"]), Status: str(s["status"])}
	switch {
	case st.WAMID == "":
		p.other("statuses[]", raw, "status has no id")
		return
	case st.Status == "":
		p.other("statuses[]", raw, "status has no status")
		return
	}
	st.Timestamp, _ = unixTime(s["timestamp"])
	st.RecipientID = str(s["recipient_id"])
	st.RecipientUserID = str(s["recipient_user_id"])
	st.CallbackData = str(s["biz_opaque_callback_data"])
	st.Errors = errorsOf(s["errors"])
	p.add(Notification{Kind: KindStatus, Key: "st:" + st.WAMID + ":" + st.Status, Status: st, Raw: raw})
}

func (p *parser) message(raw json.RawMessage, echo bool) {
	m := validObject(raw)
	if m == nil {
		p.other("messages[]", raw, "message is not a JSON object")
		return
	}
	msg := &InboundMessage{ID: str(m["id"]), Type: str(m["type"]), Echo: echo}
	if msg.ID == "" {
		p.other("messages[]", raw, "message has no id")
		return
	}
	from := str(m["from"])
	msg.From = e164(from)
	msg.FromUserID = str(m["from_user_id"])
	if c := p.contacts.sender(from, msg.FromUserID, echo); c != nil {
		msg.ProfileName = c.name
		if msg.FromUserID == "" {
			msg.FromUserID = c.userID
		}
	}
	ts, tsKey := unixTime(m["timestamp"])
	msg.Timestamp = ts
	ctx := validObject(m["context"])
	msg.ContextID = str(ctx["id"])
	msg.Forwarded = boolean(ctx["forwarded"]) || boolean(ctx["frequently_forwarded"])
	msg.Errors = errorsOf(m["errors"])

	key := "msg:" + msg.ID
	var problem string
	switch msg.Type {
	case "text":
		t := validObject(m["text"])
		if t == nil {
			problem = "text message without a text object"
		}
		msg.Text = str(t["body"])
	case "button":
		b := validObject(m["button"])
		if b == nil {
			problem = "button message without a button object"
		}
		msg.ButtonPayload, msg.ButtonText = str(b["payload"]), str(b["text"])
	case "interactive":
		problem = interactive(msg, validObject(m["interactive"]))
	case "reaction":
		r := validObject(m["reaction"])
		msg.ReactedTo, msg.Emoji = str(r["message_id"]), str(r["emoji"])
		if msg.ReactedTo == "" {
			problem = "reaction without reaction.message_id"
		}
	case "edit":
		key += ":edit:" + tsKey
		e := validObject(m["edit"])
		msg.EditedID = originalID(e)
		inner := validObject(e["message"])
		if t := validObject(inner["text"]); t != nil {
			msg.Text = str(t["body"])
		} else if t := validObject(e["text"]); t != nil {
			msg.Text = str(t["body"])
		}
		if msg.EditedID == "" {
			problem = "edit without edit.original_message_id"
		}
	case "revoke":
		msg.RevokedID = originalID(validObject(m["revoke"]))
		if msg.RevokedID == "" {
			problem = "revoke without revoke.original_message_id"
		}
	}
	p.add(Notification{Kind: KindMessage, Key: key, Message: msg, Problem: problem, Raw: raw})
}

// interactive fills the reply of an interactive message (§3.4, §3.5) and
// says what is missing, if anything.
func interactive(msg *InboundMessage, it map[string]json.RawMessage) string {
	if it == nil {
		return "interactive message without an interactive object"
	}
	msg.ReplyKind = str(it["type"])
	var reply map[string]json.RawMessage
	switch msg.ReplyKind {
	case "button_reply", "list_reply":
		reply = validObject(it[msg.ReplyKind])
	case "":
		// Meta always says the type; the reply object says it too.
		for _, k := range [...]string{"button_reply", "list_reply"} {
			if reply = validObject(it[k]); reply != nil {
				msg.ReplyKind = k
				break
			}
		}
	default:
		return "" // nfm_reply (flows) and kinds Meta adds later: no reply id
	}
	if reply == nil {
		if msg.ReplyKind == "" {
			return "interactive message without a type or a reply"
		}
		return "interactive." + msg.ReplyKind + " is not an object"
	}
	msg.ReplyID, msg.ReplyTitle = str(reply["id"]), str(reply["title"])
	if msg.ReplyID == "" {
		return "interactive." + msg.ReplyKind + " without an id"
	}
	return ""
}

// originalID is the message an edit or a revoke is about. Captures name it
// original_message_id (§3.11); the other names are taken in case Meta's
// shape moves.
func originalID(o map[string]json.RawMessage) string {
	for _, k := range [...]string{"original_message_id", "message_id", "id"} {
		if s := str(o[k]); s != "" {
			return s
		}
	}
	return ""
}

func (p *parser) preference(raw json.RawMessage) {
	o := validObject(raw)
	if o == nil {
		p.other("user_preferences[]", raw, "user preference is not a JSON object")
		return
	}
	pr := &Preference{WAID: str(o["wa_id"]), UserID: str(o["user_id"]), Value: str(o["value"]), Category: str(o["category"])}
	// Some captures name the user only in value.contacts.
	if only := p.contacts.only; only != nil {
		if pr.WAID == "" {
			pr.WAID = only.waID
		}
		if pr.UserID == "" {
			pr.UserID = only.userID
		}
	}
	who := pr.WAID
	if who == "" {
		who = pr.UserID
	}
	switch {
	case pr.Value == "":
		p.other("user_preferences[]", raw, "user preference has no value")
		return
	case who == "":
		p.other("user_preferences[]", raw, "user preference names no user")
		return
	}
	ts, tsKey := unixTime(o["timestamp"])
	pr.Timestamp = ts
	p.add(Notification{Kind: KindPreference, Key: "pref:" + who + ":" + pr.Value + ":" + tsKey, Preference: pr, Raw: raw})
}

// contact is one of value.contacts: who sent a message (or, on statuses
// and echoes, who it was for).
type contact struct{ waID, userID, name string }

// contacts finds a sender among value.contacts in constant time, so a
// batch of many messages and contacts stays linear.
type contacts struct {
	byWAID, byUserID map[string]*contact
	only             *contact // the one contact, when there is exactly one
}

func contactsOf(raw json.RawMessage) contacts {
	list, _ := array(raw)
	var cs contacts
	n := 0
	for _, item := range list {
		o := validObject(item)
		if o == nil {
			continue
		}
		c := &contact{waID: str(o["wa_id"]), userID: str(o["user_id"]), name: str(validObject(o["profile"])["name"])}
		n++
		cs.only = c
		if c.waID != "" {
			if cs.byWAID == nil {
				cs.byWAID = make(map[string]*contact)
			}
			cs.byWAID[c.waID] = c
		}
		if c.userID != "" {
			if cs.byUserID == nil {
				cs.byUserID = make(map[string]*contact)
			}
			cs.byUserID[c.userID] = c
		}
	}
	if n != 1 {
		cs.only = nil
	}
	return cs
}

// sender is the contact of a message from from (digits) or userID. A
// lone contact is taken for a user's message even when neither matches,
// as wa_id and from "may not always match" (§3.2); not for an echo, whose
// contact is the recipient.
func (cs contacts) sender(from, userID string, echo bool) *contact {
	if c := cs.byWAID[from]; from != "" && c != nil {
		return c
	}
	if c := cs.byUserID[userID]; userID != "" && c != nil {
		return c
	}
	if echo {
		return nil
	}
	return cs.only
}

// errorsOf decodes an errors array (§3.7, §3.10); elements that are not
// objects are skipped.
func errorsOf(raw json.RawMessage) []Error {
	list, _ := array(raw)
	var out []Error
	for _, item := range list {
		o := validObject(item)
		if o == nil {
			continue
		}
		out = append(out, Error{
			Code:    integer(o["code"]),
			Title:   str(o["title"]),
			Message: str(o["message"]),
			Details: str(validObject(o["error_data"])["details"]),
		})
	}
	return out
}

// e164 prefixes Meta's all-digit phone numbers with '+' (§3.2); anything
// else is kept as sent.
func e164(digits string) string {
	if !allDigits(digits) {
		return digits // "" too
	}
	return "+" + digits
}

// maxUnix is 9999-12-31T23:59:59Z: later times do not marshal as RFC 3339,
// and no webhook is from then.
const maxUnix = 253402300799

// unixTime reads unix seconds sent as a string or a number (§3.1: Meta
// does both). It returns the time (zero unless 0 < seconds <= maxUnix) and
// the form for a key: the decimal seconds, or the value as sent when it is
// not a number.
func unixTime(raw json.RawMessage) (time.Time, string) {
	s := str(raw)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsInf(f, 0) || math.IsNaN(f) || f != math.Trunc(f) || math.Abs(f) > maxUnix {
			return time.Time{}, s
		}
		n = int64(f)
	}
	if n <= 0 || n > maxUnix {
		return time.Time{}, strconv.FormatInt(n, 10)
	}
	return time.Unix(n, 0).UTC(), strconv.FormatInt(n, 10)
}

// str is a JSON string's value, or a JSON number as written (Meta sends
// some ids and timestamps as numbers, §3.11); "" for anything else.
func str(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '"':
		s, _ := jsonString(raw)
		return s
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw)
	}
	return ""
}

// integer is a JSON number or numeric string as an int; 0 when it is not
// an integer that fits.
func integer(raw json.RawMessage) int {
	s := str(raw)
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0
	}
	return int(f)
}

// boolean is true only for a JSON true.
func boolean(raw json.RawMessage) bool {
	return string(raw) == "true"
}

// array decodes raw as a JSON array, keeping its elements undecoded; false
// when raw is missing, null or not an array.
func array(raw json.RawMessage) ([]json.RawMessage, bool) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	return validArray(raw)
}

// isAbsent reports whether a member is missing or null.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// canonicalDepth bounds canonical's recursion: a value nested deeper is
// only compacted, so that each byte is read at most canonicalDepth+1 times
// and the work stays linear however deep the JSON goes.
const canonicalDepth = 32

// canonical is an encoding of raw (valid JSON) that two encodings of the
// same JSON share: no insignificant whitespace, object keys sorted (the
// last of duplicates kept, as decoding does), strings decoded and quoted
// one way. It is only hashed, never parsed: its strings are Go-quoted.
func canonical(raw []byte) []byte {
	var b bytes.Buffer
	writeCanonical(&b, bytes.TrimSpace(raw), 0)
	return b.Bytes()
}

func writeCanonical(b *bytes.Buffer, raw []byte, depth int) {
	if len(raw) == 0 {
		return
	}
	switch raw[0] {
	case '{':
		var m map[string]json.RawMessage
		if depth >= canonicalDepth || json.Unmarshal(raw, &m) != nil {
			compact(b, raw)
			return
		}
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(m)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeCanonical(b, m[k], depth+1)
		}
		b.WriteByte('}')
	case '[':
		var list []json.RawMessage
		if depth >= canonicalDepth || json.Unmarshal(raw, &list) != nil {
			compact(b, raw)
			return
		}
		b.WriteByte('[')
		for i, v := range list {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, v, depth+1)
		}
		b.WriteByte(']')
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			compact(b, raw)
			return
		}
		b.WriteString(strconv.Quote(s))
	default: // a number, true, false or null: no other way to write them
		b.Write(raw)
	}
}

// compact writes raw without insignificant whitespace, or as it is should
// it not be JSON.
func compact(b *bytes.Buffer, raw []byte) {
	n := b.Len()
	if json.Compact(b, raw) != nil {
		b.Truncate(n)
		b.Write(raw)
	}
}
