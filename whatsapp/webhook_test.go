package whatsapp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/whatsapp"
)

// The ids of WHATSAPP.md's examples: the business account, its phone
// number, and the wamids that recur.
const (
	waba    = "310987654321098"
	phoneID = "402938475610293"

	invitationMaya   = "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQzFBMjNFNDU2Nzg5MEFCQ0RFAA=="
	invitationDaniel = "wamid.HBgLMTU1NTAxMDEyMzQVAgARGBI4QjdFMkQ1RjY5QTAxQzNEMjQA"
	mayaTextReply    = "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VCMEQ1QTdFNkYyQzg5MTQ0QjEA"
)

func ts(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// readWebhook reads testdata/webhooks/name.
func readWebhook(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parse is ParseWebhook on a body that must parse, with every
// notification checked against the promises of the API.
func parse(t testing.TB, body []byte) []whatsapp.Notification {
	t.Helper()
	ns, err := whatsapp.ParseWebhook(body)
	if err != nil {
		t.Fatalf("ParseWebhook: %v", err)
	}
	checkNotifications(t, ns)
	return ns
}

var otherKey = regexp.MustCompile(`^oth:[0-9a-f]{64}$`)

// checkNotifications checks what every notification promises whatever the
// body: a kind, a key made of the notification's own fields, the one
// pointer its kind says, Raw valid JSON, times that marshal.
func checkNotifications(t testing.TB, ns []whatsapp.Notification) {
	t.Helper()
	for i, n := range ns {
		if n.Key == "" {
			t.Errorf("notification %d (%v): empty key", i, n.Kind)
		}
		if !json.Valid(n.Raw) {
			t.Errorf("notification %d (%v): Raw is not JSON: %q", i, n.Kind, n.Raw)
		}
		set := [3]bool{n.Status != nil, n.Message != nil, n.Preference != nil}
		var times []time.Time
		switch n.Kind {
		case whatsapp.KindStatus:
			if set != [3]bool{true, false, false} {
				t.Fatalf("notification %d: KindStatus with Status, Message, Preference set: %v", i, set)
			}
			s := n.Status
			if s.WAMID == "" || s.Status == "" || n.Key != "st:"+s.WAMID+":"+s.Status {
				t.Errorf("notification %d: status key %q for wamid %q status %q", i, n.Key, s.WAMID, s.Status)
			}
			times = append(times, s.Timestamp)
		case whatsapp.KindMessage:
			if set != [3]bool{false, true, false} {
				t.Fatalf("notification %d: KindMessage with Status, Message, Preference set: %v", i, set)
			}
			m := n.Message
			want := "msg:" + m.ID
			if m.Type == "edit" {
				want += ":edit:"
			}
			if m.ID == "" || !(n.Key == want || m.Type == "edit" && strings.HasPrefix(n.Key, want)) {
				t.Errorf("notification %d: message key %q for id %q type %q", i, n.Key, m.ID, m.Type)
			}
			times = append(times, m.Timestamp)
		case whatsapp.KindPreference:
			if set != [3]bool{false, false, true} {
				t.Fatalf("notification %d: KindPreference with Status, Message, Preference set: %v", i, set)
			}
			p := n.Preference
			who := p.WAID
			if who == "" {
				who = p.UserID
			}
			if p.Value == "" || who == "" || !strings.HasPrefix(n.Key, "pref:"+who+":"+p.Value+":") {
				t.Errorf("notification %d: preference key %q for %q/%q value %q", i, n.Key, p.WAID, p.UserID, p.Value)
			}
			times = append(times, p.Timestamp)
		case whatsapp.KindOther:
			if set != [3]bool{} {
				t.Errorf("notification %d: KindOther with Status, Message, Preference set: %v", i, set)
			}
			if !otherKey.MatchString(n.Key) {
				t.Errorf("notification %d: other key %q", i, n.Key)
			}
		default:
			t.Errorf("notification %d: kind %v", i, n.Kind)
		}
		for _, tm := range times {
			if tm.IsZero() {
				continue
			}
			if tm.Location() != time.UTC || tm.Unix() <= 0 {
				t.Errorf("notification %d: timestamp %v", i, tm)
			}
			if _, err := tm.MarshalJSON(); err != nil {
				t.Errorf("notification %d: timestamp %v does not marshal: %v", i, tm, err)
			}
		}
	}
}

// show is n for a failure message, pointers followed.
func show(n whatsapp.Notification) string {
	n.Raw = nil
	b, _ := json.Marshal(n)
	return string(b)
}

// Constructors of expected notifications. Raw is compared apart.
func wantMsg(key string, m whatsapp.InboundMessage) whatsapp.Notification {
	return whatsapp.Notification{Kind: whatsapp.KindMessage, Key: key, BusinessAccountID: waba, PhoneNumberID: phoneID, Field: "messages", Message: &m}
}

func wantStatus(s whatsapp.Status) whatsapp.Notification {
	return whatsapp.Notification{Kind: whatsapp.KindStatus, Key: "st:" + s.WAMID + ":" + s.Status, BusinessAccountID: waba, PhoneNumberID: phoneID, Field: "messages", Status: &s}
}

func wantPref(key string, p whatsapp.Preference) whatsapp.Notification {
	return whatsapp.Notification{Kind: whatsapp.KindPreference, Key: key, BusinessAccountID: waba, PhoneNumberID: phoneID, Field: "user_preferences", Preference: &p}
}

// wantOther is a KindOther; its key is a hash, checked by form only.
func wantOther(field, phone, problem string, errs ...whatsapp.Error) whatsapp.Notification {
	return whatsapp.Notification{Kind: whatsapp.KindOther, BusinessAccountID: waba, PhoneNumberID: phone, Field: field, Problem: problem, Errors: errs}
}

func in(n whatsapp.Notification, businessAccountID, phoneNumberID string) whatsapp.Notification {
	n.BusinessAccountID, n.PhoneNumberID = businessAccountID, phoneNumberID
	return n
}

func echo(n whatsapp.Notification) whatsapp.Notification {
	n.Field = "smb_message_echoes"
	return n
}

func withProblem(n whatsapp.Notification, problem string) whatsapp.Notification {
	n.Problem = problem
	return n
}

// compare checks got against want, Raw aside (and KindOther keys, which
// are hashes, by form only).
func compare(t *testing.T, got, want []whatsapp.Notification) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("notification %d missing, want %s", i, show(want[i]))
			continue
		case i >= len(want):
			t.Errorf("notification %d unexpected: %s", i, show(got[i]))
			continue
		}
		g, w := got[i], want[i]
		g.Raw = nil
		if w.Kind == whatsapp.KindOther && w.Key == "" {
			w.Key = g.Key // checked by checkNotifications
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("notification %d:\n got %s\nwant %s", i, show(g), show(w))
		}
	}
}

// goldenWebhooks are the payloads of testdata/webhooks and what they say.
// Most are WHATSAPP.md's examples as printed there; the rest are built on
// the shapes of the real captures §3.11 describes.
var goldenWebhooks = []struct {
	file    string
	section string
	want    []whatsapp.Notification
}{
	{"text_context.json", "§3.3 text quoting our invitation", []whatsapp.Notification{
		wantMsg("msg:"+mayaTextReply, whatsapp.InboundMessage{ID: mayaTextReply, From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788891012), Type: "text", Text: "Yes! Both of us will be there 🥂", ContextID: invitationMaya}),
	}},
	{"text_plain.json", "§3.3 unsolicited text, no context; §2 non-ASCII arrives escaped", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQUIxMjM0NTY3ODlBQkNERUYwMQA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQUIxMjM0NTY3ODlBQkNERUYwMQA=", From: "+34600111222", ProfileName: "José Alvarez",
			Timestamp: ts(1788892000), Type: "text", Text: "Can I bring my daughter? ¿Es posible?"}),
	}},
	{"interactive_button_reply.json", "§3.4 interactive button_reply", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTlCMEYxRTc3QzQ1RDEyODhCNgA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTlCMEYxRTc3QzQ1RDEyODhCNgA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788891300), Type: "interactive", ContextID: invitationDaniel,
			ReplyID: "rsvp:inv_8f3k2:plus1_yes", ReplyTitle: "Bringing a +1", ReplyKind: "button_reply"}),
	}},
	{"interactive_list_reply.json", "§3.5 interactive list_reply", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTVEOUMyQjBBMUU4RjQ3NzYyRAA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTVEOUMyQjBBMUU4RjQ3NzYyRAA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788891420), Type: "interactive", ContextID: "wamid.HBgLMTU1NTAxMDEyMzQVAgARGBJFMDJBN0I0QzlEMTE2RjU4QTMA",
			ReplyID: "meal:inv_8f3k2:veg", ReplyTitle: "Vegetarian", ReplyKind: "list_reply"}),
	}},
	{"button_template.json", "§3.6 template quick-reply tap", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0Y2QTFDOEQ5RTBCNzI1NEE5OEMA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0Y2QTFDOEQ5RTBCNzI1NEE5OEMA", From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788890461), Type: "button", ContextID: invitationMaya,
			ButtonPayload: "rsvp:inv_4q9z1:yes", ButtonText: "Yes, I'll attend"}),
	}},
	{"reaction.json", "§3.3 reaction on the invitation", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E3QjlDMkQxRTBGNDQ1NTY2NzcA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E3QjlDMkQxRTBGNDQ1NTY2NzcA", From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788890500), Type: "reaction", Emoji: "👍", ReactedTo: invitationMaya}),
	}},
	{"reaction_removed.json", "§3.3 reaction removed: emoji empty, or absent (§3.11 captures)", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E3QjlDMkQxRTBGNDQ1NTY2NzgA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E3QjlDMkQxRTBGNDQ1NTY2NzgA", From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788890600), Type: "reaction", ReactedTo: invitationMaya}),
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E3QjlDMkQxRTBGNDQ1NTY2NzkA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E3QjlDMkQxRTBGNDQ1NTY2NzkA", From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788890601), Type: "reaction", ReactedTo: invitationMaya}),
	}},
	{"media.json", "§3.3 image, sticker, location: messages without text", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMQA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMQA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788893001), Type: "image"}),
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMgA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMgA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788893002), Type: "sticker"}),
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMwA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAwMwA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788893003), Type: "location"}),
	}},
	{"edit.json", "§3.11 edit (edit.original_message_id, edit.message), of a text and of a caption", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VERUQxMjM0NTY3ODlBQkNERUYA:edit:1788895500", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VERUQxMjM0NTY3ODlBQkNERUYA", From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788895500), Type: "edit", Text: "Sorry, only I can come 😔", EditedID: mayaTextReply}),
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VERUQxMjM0NTY3ODlBQkNERUYxAA==:edit:1788895560", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VERUQxMjM0NTY3ODlBQkNERUYxAA==", From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788895560), Type: "edit", EditedID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0lNRzAwMDAwMDAwMDAwMDAwMDEA"}),
	}},
	{"revoke.json", "§3.11 revoke; §3.2 BSUID from contacts[].user_id", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1JFVk9LRTAwMDAwMDAwMDAwMDEA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1JFVk9LRTAwMDAwMDAwMDAwMDEA", From: "+447700900123", FromUserID: "GB.2081978709342942",
			ProfileName: "Maya Cohen", Timestamp: ts(1788895600), Type: "revoke", RevokedID: mayaTextReply}),
	}},
	{"status_sent_conversation.json", "§3.7 example A: sent, with conversation and pricing (≤ v23)", []whatsapp.Notification{
		wantStatus(whatsapp.Status{WAMID: invitationMaya, Status: "sent", Timestamp: ts(1788890403), RecipientID: "447700900123", CallbackData: "inv_4q9z1"}),
	}},
	{"status_delivered_v24.json", "§3.7 example B: delivered, v24 shape (no conversation, contacts)", []whatsapp.Notification{
		wantStatus(whatsapp.Status{WAMID: invitationMaya, Status: "delivered", Timestamp: ts(1788890405), RecipientID: "447700900123", CallbackData: "inv_4q9z1"}),
	}},
	{"status_read.json", "§3.7 example C: read", []whatsapp.Notification{
		wantStatus(whatsapp.Status{WAMID: invitationMaya, Status: "read", Timestamp: ts(1788890455), RecipientID: "447700900123", CallbackData: "inv_4q9z1"}),
	}},
	{"status_failed.json", "§3.7 example D: failed, with errors", []whatsapp.Notification{
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDc3NzcVAgARGBJBOUQ0RjJFMUM3QjA1ODNBNjYA", Status: "failed", Timestamp: ts(1788890407),
			RecipientID: "15550107777", Errors: []whatsapp.Error{{Code: 131026, Title: "Message undeliverable", Message: "Message undeliverable", Details: "Message Undeliverable."}}}),
	}},
	{"batched.json", "§3.8 batched POST: two changes, two statuses and a message", []whatsapp.Notification{
		wantStatus(whatsapp.Status{WAMID: invitationDaniel, Status: "read", Timestamp: ts(1788891001), RecipientID: "15550101234"}),
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDc3NzcVAgARGBI3QzE5RTA0QjJGOEQ2QTU1MTEA", Status: "delivered", Timestamp: ts(1788890999), RecipientID: "15550107777"}),
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQjIxRDRFOEE2QzlGMDE3NUUzMgA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzQjIxRDRFOEE2QzlGMDE3NUUzMgA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788891003), Type: "button", ContextID: invitationDaniel, ButtonPayload: "rsvp:inv_8f3k2:no", ButtonText: "Sorry, can't make it"}),
	}},
	{"batched_entries.json", "§3.1 batching: several entries (two accounts), changes of several fields", []whatsapp.Notification{
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDk5OTkVAgARGBJBQUFBQUFBQUFBQUFBQUFBQUEA", Status: "sent", Timestamp: ts(1788896000), RecipientID: "15550109999", CallbackData: "inv_7xk2p"}),
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDk5OTkVAgARGBJBQUFBQUFBQUFBQUFBQUFBQUEA", Status: "delivered", Timestamp: ts(1788896002), RecipientID: "15550109999", CallbackData: "inv_7xk2p"}),
		wantMsg("msg:wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0MA", whatsapp.InboundMessage{
			ID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0MA", From: "+919812345678", ProfileName: "Priya Nair",
			Timestamp: ts(1788896010), Type: "button", ContextID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAERgSQkJCQkJCQkJCQkJCQkJCQkIA",
			ButtonPayload: "rsvp:inv_2mw8d:maybe", ButtonText: "Maybe"}),
		in(wantPref("pref:5215512345678:stop:1788896100", whatsapp.Preference{WAID: "5215512345678", Value: "stop", Category: "marketing_messages", Timestamp: ts(1788896100)}),
			"298765432109876", "413049586721304"),
		in(wantStatus(whatsapp.Status{WAMID: "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEkRERERERERERERERERERERERAA=", Status: "read", Timestamp: ts(1788896120), RecipientID: "5215512345678"}),
			"298765432109876", "413049586721304"),
	}},
	{"user_preferences.json", "§3.9 user_preferences stop, timestamp a number", []whatsapp.Notification{
		wantPref("pref:447700900123:stop:1788895000", whatsapp.Preference{WAID: "447700900123", Value: "stop", Category: "marketing_messages", Timestamp: ts(1788895000)}),
	}},
	{"user_preferences_variants.json", "§3.9 resume; §3.1 timestamp a string; wa_id only in value.contacts (captures)", []whatsapp.Notification{
		wantPref("pref:447700900123:resume:1788906000", whatsapp.Preference{WAID: "447700900123", Value: "resume", Category: "marketing_messages", Timestamp: ts(1788906000)}),
	}},
	{"system_errors.json", "§3.10 value.errors only: one KindOther with the errors", []whatsapp.Notification{
		wantOther("messages", phoneID, "", whatsapp.Error{Code: 130429, Title: "Rate limit hit", Message: "Rate limit hit", Details: "Cloud API message throughput has been reached."}),
	}},
	{"smb_message_echoes.json", "§3.11 smb_message_echoes (value.message_echoes): the business's own message", []whatsapp.Notification{
		echo(wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSRUNITzAwMDAwMDAwMDAwMDAxAA==", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSRUNITzAwMDAwMDAwMDAwMDAxAA==", From: "+15557654321",
			Timestamp: ts(1788897000), Type: "text", Text: "Yes", Echo: true})),
	}},
	{"bsuid_sender.json", "§3.2 BSUID-only sender (from empty) and status (recipient_id empty)", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMNDk5OTAwMDAwMDAwFQIAEhgUM0ZGRkZGRkZGRkZGRkZGRkZGRkYA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDk5OTAwMDAwMDAwFQIAEhgUM0ZGRkZGRkZGRkZGRkZGRkZGRkYA", FromUserID: "DE.1349120865530274191", ProfileName: "Lena",
			Timestamp: ts(1788898000), Type: "interactive", ContextID: "wamid.HBgMNDk5OTAwMDAwMDAwFQIAERgSRUVFRUVFRUVFRUVFRUVFRUUA",
			ReplyID: "rsvp:inv_9lq3e:yes", ReplyTitle: "Yes", ReplyKind: "button_reply"}),
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgMNDk5OTAwMDAwMDAwFQIAERgSRUVFRUVFRUVFRUVFRUVFRUUA", Status: "read", Timestamp: ts(1788897990),
			RecipientUserID: "DE.1349120865530274191"}),
	}},
	{"unknown_fields.json", "§3.1 unknown fields ignored; an unknown message type and status kept as sent", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1VOS05PV04wMDAwMDAwMDAwMDEA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1VOS05PV04wMDAwMDAwMDAwMDEA", From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788899101), Type: "text", Text: "yes", ContextID: invitationMaya}),
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1VOS05PV04wMDAwMDAwMDAwMDIA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1VOS05PV04wMDAwMDAwMDAwMDIA", From: "+447700900123", ProfileName: "Maya Cohen",
			Timestamp: ts(1788899102), Type: "hologram"}),
		wantStatus(whatsapp.Status{WAMID: invitationMaya, Status: "played", Timestamp: ts(1788899103), RecipientID: "447700900123"}),
	}},
	{"other_fields.json", "§3.1, §3.11 other fields, each value its own shape: one KindOther per change", []whatsapp.Notification{
		wantOther("message_template_status_update", "", ""),
		wantOther("account_update", "", ""),
		wantOther("phone_number_quality_update", "", ""),
		wantOther("history", phoneID, ""), // past messages: never new ones
		wantOther("some_future_field", phoneID, ""),
	}},
	{"quirk_pricing_everywhere.json", "§3.11 pricing on sent, delivered and read; contacts after statuses; recipient_user_id; recipient_id empty", []whatsapp.Notification{
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDAwMDQVAgARGBJQUklDSU5HMDAwMDAwMDAwMDEA", Status: "sent", Timestamp: ts(1788900000),
			RecipientID: "15550100004", RecipientUserID: "US.1000000000000002", CallbackData: "rem_5ty7u"}),
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDAwMDQVAgARGBJQUklDSU5HMDAwMDAwMDAwMDEA", Status: "delivered", Timestamp: ts(1788900002),
			RecipientID: "15550100004", RecipientUserID: "US.1000000000000002", CallbackData: "rem_5ty7u"}),
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDAwMDQVAgARGBJQUklDSU5HMDAwMDAwMDAwMDEA", Status: "read", Timestamp: ts(1788900030),
			RecipientUserID: "US.1000000000000002", CallbackData: "rem_5ty7u"}),
	}},
	{"quirk_context.json", "§3.11 forwarded contexts without id; context.from the phone-number id", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzRldEMDAwMDAwMDAwMDAwMDAwMQA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzRldEMDAwMDAwMDAwMDAwMDAwMQA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788901000), Type: "text", Text: "Yes", Forwarded: true}),
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzRldEMDAwMDAwMDAwMDAwMDAwMgA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzRldEMDAwMDAwMDAwMDAwMDAwMgA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788901001), Type: "text", Text: "Forward this to 10 friends", Forwarded: true}),
		wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzRldEMDAwMDAwMDAwMDAwMDAwMwA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzRldEMDAwMDAwMDAwMDAwMDAwMwA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788901002), Type: "text", Text: "2", ContextID: invitationDaniel}),
	}},
	{"quirk_interactive_without_interactive.json", "§3.11 type interactive without an interactive object, with value.errors 131000", []whatsapp.Notification{
		withProblem(wantMsg("msg:wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzTk9JTlQwMDAwMDAwMDAwMDAwMQA=", whatsapp.InboundMessage{
			ID: "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQzTk9JTlQwMDAwMDAwMDAwMDAwMQA=", From: "+15550101234", ProfileName: "Daniel Rivera",
			Timestamp: ts(1788902000), Type: "interactive", ContextID: invitationDaniel}),
			"interactive message without an interactive object"),
		wantOther("messages", phoneID, "", whatsapp.Error{Code: 131000, Title: "Something went wrong", Message: "Something went wrong", Details: "Unsupported webhook payload"}),
	}},
	{"quirk_system.json", "§3.11 system messages, one without from, neither with contacts", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1NZU1RFTTAwMDAwMDAwMDAwMDEA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1NZU1RFTTAwMDAwMDAwMDAwMDEA", From: "+447700900123", Timestamp: ts(1788903000), Type: "system"}),
		wantMsg("msg:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1NZU1RFTTAwMDAwMDAwMDAwMDIA", whatsapp.InboundMessage{
			ID: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM1NZU1RFTTAwMDAwMDAwMDAwMDIA", Timestamp: ts(1788903001), Type: "system"}),
	}},
	{"quirk_more_types.json", "§3.11 video, document, voice, order, request_welcome, a contacts message, unsupported with errors", []whatsapp.Notification{
		wantMsg("msg:wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDEA", whatsapp.InboundMessage{
			ID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDEA", From: "+919812345678", ProfileName: "Priya Nair",
			Timestamp: ts(1788904001), Type: "video", Forwarded: true}),
		wantMsg("msg:wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDIA", whatsapp.InboundMessage{
			ID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDIA", From: "+919812345678", ProfileName: "Priya Nair",
			Timestamp: ts(1788904002), Type: "document"}),
		wantMsg("msg:wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDMA", whatsapp.InboundMessage{
			ID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDMA", From: "+919812345678", ProfileName: "Priya Nair",
			Timestamp: ts(1788904003), Type: "audio"}),
		wantMsg("msg:wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDQA", whatsapp.InboundMessage{
			ID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDQA", From: "+919812345678", ProfileName: "Priya Nair",
			Timestamp: ts(1788904004), Type: "order"}),
		wantMsg("msg:wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDUA", whatsapp.InboundMessage{
			ID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDUA", From: "+919812345678", ProfileName: "Priya Nair",
			Timestamp: ts(1788904005), Type: "request_welcome"}),
		wantMsg("msg:wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDYA", whatsapp.InboundMessage{
			ID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDYA", From: "+919812345678", ProfileName: "Priya Nair",
			Timestamp: ts(1788904006), Type: "contacts"}),
		wantMsg("msg:wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDcA", whatsapp.InboundMessage{
			ID: "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhgUM01PUkUwMDAwMDAwMDAwMDAwMDcA", From: "+919812345678", ProfileName: "Priya Nair",
			Timestamp: ts(1788904007), Type: "unsupported",
			Errors: []whatsapp.Error{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown", Details: "Message type is currently not supported."}}}),
	}},
	{"broken_status.json", "§3.1, §3.11 one broken status among good ones costs only itself", []whatsapp.Notification{
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDAwMDEVAgARGBJCUk9LRU4wMDAwMDAwMDAwMDEA", Status: "delivered", Timestamp: ts(1788905001), RecipientID: "15550100001"}),
		wantOther("messages", phoneID, "status has no id"),
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDAwMDMVAgARGBJCUk9LRU4wMDAwMDAwMDAwMDMA", Status: "read", Timestamp: ts(1788905003), RecipientID: "15550100003"}),
		wantStatus(whatsapp.Status{WAMID: "wamid.HBgLMTU1NTAxMDAwMDQVAgARGBJCUk9LRU4wMDAwMDAwMDAwMDQA", Status: "failed", RecipientID: "15550100004",
			Errors: []whatsapp.Error{{Code: 131049, Title: "This message was not delivered to maintain healthy ecosystem engagement."}}}),
	}},
}

func TestParseWebhook_Golden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	covered := make(map[string]bool)
	for _, tt := range goldenWebhooks {
		covered[tt.file] = true
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			body := readWebhook(t, tt.file)
			got := parse(t, body)
			compare(t, got, tt.want)
			// Raw is the item itself: a status's or a message's own id.
			for i, n := range got {
				var own struct{ ID string }
				switch n.Kind {
				case whatsapp.KindStatus:
					if json.Unmarshal(n.Raw, &own); own.ID != n.Status.WAMID {
						t.Errorf("notification %d: Raw %s is not status %s", i, n.Raw, n.Status.WAMID)
					}
				case whatsapp.KindMessage:
					if json.Unmarshal(n.Raw, &own); own.ID != n.Message.ID {
						t.Errorf("notification %d: Raw %s is not message %s", i, n.Raw, n.Message.ID)
					}
				}
			}
		})
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no expectations in goldenWebhooks", f)
		}
	}
}

// TestParseWebhook_BrokenStatusAmongGood: each status is decoded on its
// own (§3.1: loop over every element; §3.11: one struct for all fails the
// whole body), so a broken one costs only itself.
func TestParseWebhook_BrokenStatusAmongGood(t *testing.T) {
	ns := parse(t, readWebhook(t, "broken_status.json"))
	var statuses, others int
	for _, n := range ns {
		switch n.Kind {
		case whatsapp.KindStatus:
			statuses++
		case whatsapp.KindOther:
			others++
			if n.Problem == "" {
				t.Errorf("broken status without a Problem: %s", show(n))
			}
			if !bytes.Contains(n.Raw, []byte(`"id": ["wamid.`)) {
				t.Errorf("Raw of the broken status is %s, want the status itself", n.Raw)
			}
		}
	}
	if statuses != 3 || others != 1 || len(ns) != 4 {
		t.Errorf("%d statuses and %d others of %d, want 3 and 1 of 4", statuses, others, len(ns))
	}
}

// reencodings are the same JSON written differently: as a relay, a log or
// a replay might (§4: redeliveries must dedupe).
var reencodings = []struct {
	name string
	fn   func(testing.TB, []byte) []byte
}{
	{"compact", func(t testing.TB, b []byte) []byte {
		var out bytes.Buffer
		if err := json.Compact(&out, b); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}},
	{"indent", func(t testing.TB, b []byte) []byte {
		var out bytes.Buffer
		if err := json.Indent(&out, b, "\r\n", "\t  "); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}},
	{"remarshal", func(t testing.TB, b []byte) []byte { // keys sorted, \u escapes decoded, <>& escaped
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}},
}

func keys(ns []whatsapp.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Key
	}
	return out
}

// TestParseWebhook_KeysStableAcrossReencoding: a notification keys the
// same however its body is written (WHATSAPP.md §4 dedup keys, §10.2), and
// decodes to the same thing.
func TestParseWebhook_KeysStableAcrossReencoding(t *testing.T) {
	for _, tt := range goldenWebhooks {
		body := readWebhook(t, tt.file)
		want := parse(t, body)
		for _, re := range reencodings {
			t.Run(strings.TrimSuffix(tt.file, ".json")+"/"+re.name, func(t *testing.T) {
				other := re.fn(t, body)
				if bytes.Equal(other, body) {
					t.Fatal("re-encoding changed nothing")
				}
				got := parse(t, other)
				if !slices.Equal(keys(got), keys(want)) {
					t.Errorf("keys\n got %q\nwant %q", keys(got), keys(want))
				}
				for i := range min(len(got), len(want)) {
					g, w := got[i], want[i]
					g.Raw, w.Raw = nil, nil
					if !reflect.DeepEqual(g, w) {
						t.Errorf("notification %d:\n got %s\nwant %s", i, show(g), show(w))
					}
				}
			})
		}
	}
}

// TestParseWebhook_KeysDistinct: within a body every notification has its
// own key, and across all golden bodies one key always names the same
// notification (§4: statuses by (wamid, status), messages by id).
func TestParseWebhook_KeysDistinct(t *testing.T) {
	seen := make(map[string]string) // key → the notification, shown
	where := make(map[string]string)
	for _, tt := range goldenWebhooks {
		ns := parse(t, readWebhook(t, tt.file))
		inBody := make(map[string]bool)
		for _, n := range ns {
			if inBody[n.Key] {
				t.Errorf("%s: key %s twice", tt.file, n.Key)
			}
			inBody[n.Key] = true
			n.Raw = nil
			s := show(n)
			if prev, ok := seen[n.Key]; ok && prev != s {
				t.Errorf("key %s names two notifications:\n%s: %s\n%s: %s", n.Key, where[n.Key], prev, tt.file, s)
			}
			seen[n.Key], where[n.Key] = s, tt.file
		}
	}
}

// TestParseWebhook_DuplicateDelivery: Meta delivers the same status twice,
// in separate POSTs (§4, the captured status_duplicate_delivery_{a,b}),
// and may batch a redelivery with other updates (§3.1): the key is the
// same. Sent, delivered and read of one wamid are three notifications.
func TestParseWebhook_DuplicateDelivery(t *testing.T) {
	alone := parse(t, readWebhook(t, "status_delivered_v24.json"))
	batched := parse(t, []byte(`{"entry":[{"id":"`+waba+`","changes":[{"field":"messages","value":{"statuses":[
		{"id":"`+invitationMaya+`","status":"sent","timestamp":"1788890403","recipient_id":"447700900123"},
		{"recipient_id":"447700900123","timestamp":"1788890405","status":"delivered","id":"`+invitationMaya+`"},
		{"id":"`+invitationMaya+`","status":"read","timestamp":"1788890455","recipient_id":"447700900123"}]}}]}]}`))
	if len(alone) != 1 || len(batched) != 3 {
		t.Fatalf("%d and %d notifications, want 1 and 3", len(alone), len(batched))
	}
	if alone[0].Key != batched[1].Key {
		t.Errorf("redelivered status keys %q, first delivery %q", batched[1].Key, alone[0].Key)
	}
	if k := keys(batched); k[0] == k[1] || k[1] == k[2] || k[0] == k[2] {
		t.Errorf("sent, delivered, read of one wamid share keys: %q", k)
	}
}

// TestParseWebhook_OtherKeys: a KindOther keys by what it says and where:
// the same value redelivered keys the same, another value or the same
// value for another account or field does not (§4).
func TestParseWebhook_OtherKeys(t *testing.T) {
	body := func(account, field, value string) []byte {
		return []byte(`{"entry":[{"id":"` + account + `","changes":[{"field":"` + field + `","value":` + value + `}]}]}`)
	}
	key := func(b []byte) string {
		t.Helper()
		ns := parse(t, b)
		if len(ns) != 1 || ns[0].Kind != whatsapp.KindOther {
			t.Fatalf("%s: %d notifications, want one KindOther", b, len(ns))
		}
		return ns[0].Key
	}
	approved := `{"event":"APPROVED","message_template_id":1277398261744129,"reason":null}`
	base := key(body(waba, "message_template_status_update", approved))
	for _, tt := range []struct {
		name string
		body []byte
		same bool
	}{
		{"redelivered", body(waba, "message_template_status_update", approved), true},
		{"spaced and reordered", body(waba, "message_template_status_update", ` { "reason" : null , "message_template_id" : 1277398261744129, "event":"APPROVED" } `), true},
		{"escaped", body(waba, "message_template_status_update", `{"event":"\u0041PPROVED","message_template_id":1277398261744129,"reason":null}`), true},
		{"another event", body(waba, "message_template_status_update", `{"event":"REJECTED","message_template_id":1277398261744129,"reason":null}`), false},
		{"another account", body("298765432109876", "message_template_status_update", approved), false},
		{"another field", body(waba, "template_category_update", approved), false},
	} {
		if got := key(tt.body); (got == base) != tt.same {
			t.Errorf("%s: key %s, first %s; want same %v", tt.name, got, base, tt.same)
		}
	}
	// Past the canonical depth (32) only whitespace is ignored, still.
	deep := strings.Repeat(`{"a":`, 40) + `[1, 2]` + strings.Repeat(`}`, 40)
	deepBase := key(body(waba, "x", deep))
	for _, tt := range []struct {
		name string
		body []byte
		same bool
	}{
		{"deep, spaced", body(waba, "x", strings.ReplaceAll(deep, ":", " :\n ")), true},
		{"deep, another number", body(waba, "x", strings.Replace(deep, "2", "3", 1)), false},
	} {
		if got := key(tt.body); (got == deepBase) != tt.same {
			t.Errorf("%s: key %s, first %s; want same %v", tt.name, got, deepBase, tt.same)
		}
	}
}

func TestParseWebhook_NotJSON(t *testing.T) {
	for _, body := range []string{
		"", " ", "{", "not json", `{"entry":[}`, `{"entry":[]} {"entry":[]}`, `{"entry":[]}x`,
		"\xff\xfe{}", `{'entry':[]}`, `{"a":01}`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		ns, err := whatsapp.ParseWebhook([]byte(body))
		if !errors.Is(err, whatsapp.ErrNotJSON) || ns != nil {
			t.Errorf("%.40q: %d notifications, err %v; want none and ErrNotJSON", body, len(ns), err)
		}
	}
}

// TestParseWebhook_NotAWebhook: JSON that is not a webhook is one KindOther
// with a Problem and the whole body as Raw, never an error (API.md: valid
// JSON is stored and counted, never a reason for Meta to retry).
func TestParseWebhook_NotAWebhook(t *testing.T) {
	for _, body := range []string{
		`null`, `[]`, `42`, `"entry"`, `true`, `{}`, `{"object":"whatsapp_business_account"}`,
		`{"entry":{}}`, `{"entry":null}`, `{"entry":"[]"}`, ` [ {"entry":[]} ] `,
	} {
		ns := parse(t, []byte(body))
		if len(ns) != 1 || ns[0].Kind != whatsapp.KindOther || ns[0].Problem == "" || string(ns[0].Raw) != body {
			t.Errorf("%s: %d notifications %v, want one KindOther with a Problem and the body as Raw", body, len(ns), ns)
		}
	}
	// Meta's own test body (§2): a webhook with nothing in it.
	if ns := parse(t, []byte(`{"object":"whatsapp_business_account","entry":[]}`)); len(ns) != 0 {
		t.Errorf("empty entry array: %d notifications, want none", len(ns))
	}
}

// webhookOf wraps one change value in an envelope.
func webhookOf(field, value string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"` + waba + `","changes":[{"field":"` + field + `","value":` + value + `}]}]}`)
}

// TestParseWebhook_BrokenItems: each broken item becomes a KindOther with
// a Problem (or, for a message with a sound id, a KindMessage with one),
// and the items around it survive (§3.1, §3.11).
func TestParseWebhook_BrokenItems(t *testing.T) {
	type want struct {
		kind    whatsapp.NotificationKind
		problem string // "" for none, "*" for any non-empty
	}
	var (
		status  = want{whatsapp.KindStatus, ""}
		message = want{whatsapp.KindMessage, ""}
		pref    = want{whatsapp.KindPreference, ""}
		plain   = want{whatsapp.KindOther, ""}
		broken  = want{whatsapp.KindOther, "*"}
		odd     = want{whatsapp.KindMessage, "*"}
	)
	good := `{"id":"wamid.ok","status":"read","timestamp":"1788890455"}`
	goodMsg := `{"id":"wamid.in","from":"447700900123","timestamp":"1788890455","type":"text","text":{"body":"yes"}}`
	tests := []struct {
		name string
		body string
		want []want
	}{
		{"entry not an object", `{"entry":[1,null,{"id":"w","changes":[{"field":"messages","value":{"statuses":[` + good + `]}}]}]}`, []want{broken, broken, status}},
		{"entry without changes", `{"entry":[{"id":"w"},{"id":"w","changes":{}}]}`, []want{broken, broken}},
		{"entry with no changes", `{"entry":[{"id":"w","changes":[]}]}`, nil},
		{"change not an object", `{"entry":[{"id":"w","changes":["x",[],` + `{"field":"messages","value":{"statuses":[` + good + `]}}]}]}`, []want{broken, broken, status}},
		{"change without value", `{"entry":[{"id":"w","changes":[{"field":"messages"},{"field":"messages","value":[]}]}]}`, []want{broken, broken}},
		{"change without field", `{"entry":[{"id":"w","changes":[{"value":{"statuses":[` + good + `]}},{"field":7,"value":{}}]}]}`, []want{broken, broken}},
		{"statuses not an array", string(webhookOf("messages", `{"statuses":{"id":"x"},"messages":[`+goodMsg+`]}`)), []want{message, broken}},
		{"statuses null", string(webhookOf("messages", `{"statuses":null,"messages":[`+goodMsg+`]}`)), []want{message}},
		{"status not an object", string(webhookOf("messages", `{"statuses":["x",null,7,`+good+`]}`)), []want{broken, broken, broken, status}},
		{"status without id", string(webhookOf("messages", `{"statuses":[{"status":"read"},{"id":"","status":"read"},{"id":null,"status":"read"},`+good+`]}`)), []want{broken, broken, broken, status}},
		{"status without status", string(webhookOf("messages", `{"statuses":[{"id":"wamid.x"},{"id":"wamid.x","status":{}},`+good+`]}`)), []want{broken, broken, status}},
		{"status with odd parts", string(webhookOf("messages", `{"statuses":[{"id":"wamid.x","status":"failed","errors":{"code":1},"timestamp":{},"recipient_id":[]}]}`)), []want{status}},
		{"message not an object", string(webhookOf("messages", `{"messages":["hi",7,`+goodMsg+`]}`)), []want{broken, broken, message}},
		{"message without id", string(webhookOf("messages", `{"messages":[{"type":"text","text":{"body":"yes"}},`+goodMsg+`]}`)), []want{broken, message}},
		{"text as a string", string(webhookOf("messages", `{"messages":[{"id":"wamid.t","type":"text","text":"yes"}]}`)), []want{odd}},
		{"button without button", string(webhookOf("messages", `{"messages":[{"id":"wamid.b","type":"button"}]}`)), []want{odd}},
		{"button_reply missing", string(webhookOf("messages", `{"messages":[{"id":"wamid.i","type":"interactive","interactive":{"type":"button_reply"}}]}`)), []want{odd}},
		{"button_reply without id", string(webhookOf("messages", `{"messages":[{"id":"wamid.i","type":"interactive","interactive":{"type":"button_reply","button_reply":{"title":"Yes"}}}]}`)), []want{odd}},
		{"interactive without type", string(webhookOf("messages", `{"messages":[{"id":"wamid.i","type":"interactive","interactive":{"list_reply":{"id":"r1","title":"Veg"}}}]}`)), []want{message}},
		{"interactive nfm_reply", string(webhookOf("messages", `{"messages":[{"id":"wamid.i","type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"{}"}}}]}`)), []want{message}},
		{"reaction without message_id", string(webhookOf("messages", `{"messages":[{"id":"wamid.r","type":"reaction","reaction":{"emoji":"x"}}]}`)), []want{odd}},
		{"edit without edit", string(webhookOf("messages", `{"messages":[{"id":"wamid.e","type":"edit","timestamp":"1788890455"}]}`)), []want{odd}},
		{"revoke without original", string(webhookOf("messages", `{"messages":[{"id":"wamid.v","type":"revoke","revoke":{}}]}`)), []want{odd}},
		{"empty arrays", string(webhookOf("messages", `{"messages":[],"statuses":[],"errors":[]}`)), []want{plain}},
		{"errors not an array", string(webhookOf("messages", `{"errors":{"code":130429}}`)), []want{broken}},
		{"errors of junk", string(webhookOf("messages", `{"errors":[1,"x",null]}`)), []want{plain}},
		{"preference not an object", string(webhookOf("user_preferences", `{"user_preferences":[[],{"wa_id":"447700900123","value":"stop","timestamp":1}]}`)), []want{broken, pref}},
		{"preference without value", string(webhookOf("user_preferences", `{"user_preferences":[{"wa_id":"447700900123","timestamp":1}]}`)), []want{broken}},
		{"preference without user", string(webhookOf("user_preferences", `{"contacts":[{"wa_id":"1"},{"wa_id":"2"}],"user_preferences":[{"value":"stop","timestamp":1}]}`)), []want{broken}},
		{"preference of a BSUID", string(webhookOf("user_preferences", `{"user_preferences":[{"user_id":"US.1","value":"stop","timestamp":1}]}`)), []want{pref}},
		{"echoes as messages", string(webhookOf("smb_message_echoes", `{"messages":[`+goodMsg+`]}`)), []want{message}},
		{"statuses under another field", string(webhookOf("history", `{"statuses":[`+good+`],"messages":[`+goodMsg+`]}`)), []want{plain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := parse(t, []byte(tt.body))
			var got []want
			for _, n := range ns {
				w := want{n.Kind, ""}
				if n.Problem != "" {
					w.problem = "*"
				}
				got = append(got, w)
			}
			if !slices.Equal(got, tt.want) {
				for _, n := range ns {
					t.Log(show(n))
				}
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseWebhook_Timestamps(t *testing.T) {
	tests := []struct {
		raw     string // timestamp as it appears in the JSON
		want    time.Time
		editKey string // the key an edit at that time gets
	}{
		{`"1788890403"`, ts(1788890403), "1788890403"}, // §3.1: a string in messages and statuses
		{`1788890403`, ts(1788890403), "1788890403"},   // §3.1: a number in user_preferences
		{`1.788890403e9`, ts(1788890403), "1788890403"},
		{`"1788890403.5"`, time.Time{}, "1788890403.5"},
		{`"abc"`, time.Time{}, "abc"},
		{`" 1788890403"`, time.Time{}, " 1788890403"},
		{`0`, time.Time{}, "0"},
		{`-5`, time.Time{}, "-5"},
		{`1e300`, time.Time{}, "1e300"},
		{`"253402300799"`, ts(253402300799), "253402300799"}, // 9999-12-31T23:59:59Z
		{`"253402300800"`, time.Time{}, "253402300800"},
		{`"9223372036854775808"`, time.Time{}, "9223372036854775808"},
		{`null`, time.Time{}, ""},
		{`{}`, time.Time{}, ""},
	}
	for _, tt := range tests {
		ns := parse(t, webhookOf("messages", `{"messages":[{"id":"wamid.e","type":"edit","timestamp":`+tt.raw+`,"edit":{"original_message_id":"wamid.o"}}],
			"statuses":[{"id":"wamid.s","status":"read","timestamp":`+tt.raw+`}]}`))
		if len(ns) != 2 {
			t.Fatalf("%s: %d notifications, want 2", tt.raw, len(ns))
		}
		if got := ns[0].Message.Timestamp; !got.Equal(tt.want) {
			t.Errorf("%s: message timestamp %v, want %v", tt.raw, got, tt.want)
		}
		if got := ns[1].Status.Timestamp; !got.Equal(tt.want) {
			t.Errorf("%s: status timestamp %v, want %v", tt.raw, got, tt.want)
		}
		if want := "msg:wamid.e:edit:" + tt.editKey; ns[0].Key != want {
			t.Errorf("%s: edit key %q, want %q", tt.raw, ns[0].Key, want)
		}
	}
}

// TestParseWebhook_PreferenceKeyTimestamp: §3.9 shows the timestamp as a
// number, fixtures as a string; both key the same (§10.2).
func TestParseWebhook_PreferenceKeyTimestamp(t *testing.T) {
	var got []string
	for _, ts := range []string{`1788895000`, `"1788895000"`} {
		ns := parse(t, webhookOf("user_preferences", `{"user_preferences":[{"wa_id":"447700900123","value":"stop","category":"marketing_messages","timestamp":`+ts+`}]}`))
		got = append(got, keys(ns)...)
	}
	if want := []string{"pref:447700900123:stop:1788895000", "pref:447700900123:stop:1788895000"}; !slices.Equal(got, want) {
		t.Errorf("keys %q, want %q", got, want)
	}
}

// TestParseWebhook_From: Meta sends digits without '+' (§3.2); From is
// E.164, and empty stays empty.
func TestParseWebhook_From(t *testing.T) {
	for _, tt := range []struct{ from, want string }{
		{`"447700900123"`, "+447700900123"},
		{`447700900123`, "+447700900123"},
		{`"+447700900123"`, "+447700900123"},
		{`""`, ""},
		{`null`, ""},
		{`"US.13491208655302741918"`, "US.13491208655302741918"},
		{`"44 7700 900123"`, "44 7700 900123"},
		{`-1`, "-1"},
	} {
		ns := parse(t, webhookOf("messages", `{"messages":[{"id":"wamid.f","type":"text","text":{"body":"hi"},"from":`+tt.from+`}]}`))
		if len(ns) != 1 || ns[0].Message == nil {
			t.Fatalf("%s: %v", tt.from, ns)
		}
		if got := ns[0].Message.From; got != tt.want {
			t.Errorf("from %s: From %q, want %q", tt.from, got, tt.want)
		}
	}
}

// TestParseWebhook_Sender: the sender's name and BSUID come from the
// contact that matches from, or from_user_id, or the lone contact (§3.2:
// wa_id and from "may not always match"); an echo's contact is its
// recipient, never its sender.
func TestParseWebhook_Sender(t *testing.T) {
	tests := []struct {
		name, field, value string
		wantName, wantUser string
	}{
		{"by wa_id", "messages", `{"contacts":[{"wa_id":"2","profile":{"name":"Two"}},{"wa_id":"1","user_id":"US.1","profile":{"name":"One"}}],
			"messages":[{"id":"m","from":"1"}]}`, "One", "US.1"},
		{"by user_id", "messages", `{"contacts":[{"wa_id":"","user_id":"US.2","profile":{"name":"Two"}},{"wa_id":"1","profile":{"name":"One"}}],
			"messages":[{"id":"m","from":"","from_user_id":"US.2"}]}`, "Two", "US.2"},
		{"lone contact", "messages", `{"contacts":[{"wa_id":"5491112345678","profile":{"name":"Ana"}}],
			"messages":[{"id":"m","from":"54111112345678"}]}`, "Ana", ""},
		{"no match among several", "messages", `{"contacts":[{"wa_id":"2","profile":{"name":"Two"}},{"wa_id":"3","profile":{"name":"Three"}}],
			"messages":[{"id":"m","from":"1"}]}`, "", ""},
		{"from_user_id wins", "messages", `{"contacts":[{"wa_id":"1","user_id":"US.old","profile":{"name":"One"}}],
			"messages":[{"id":"m","from":"1","from_user_id":"US.new"}]}`, "One", "US.new"},
		{"echo", "smb_message_echoes", `{"contacts":[{"wa_id":"447700900123","user_id":"GB.1","profile":{"name":"Maya"}}],
			"message_echoes":[{"id":"m","from":"15557654321","to":"447700900123"}]}`, "", ""},
		{"contacts not an array", "messages", `{"contacts":{"wa_id":"1"},"messages":[{"id":"m","from":"1"}]}`, "", ""},
	}
	for _, tt := range tests {
		ns := parse(t, webhookOf(tt.field, tt.value))
		if len(ns) != 1 || ns[0].Message == nil {
			t.Fatalf("%s: %v", tt.name, ns)
		}
		if m := ns[0].Message; m.ProfileName != tt.wantName || m.FromUserID != tt.wantUser {
			t.Errorf("%s: name %q user %q, want %q %q", tt.name, m.ProfileName, m.FromUserID, tt.wantName, tt.wantUser)
		}
	}
}

// TestParseWebhook_ErrorCodes: an error code arrives as a number (§3.7,
// §3.10); a string or junk is read leniently.
func TestParseWebhook_ErrorCodes(t *testing.T) {
	for _, tt := range []struct {
		code string
		want int
	}{
		{`131049`, 131049}, {`"131049"`, 131049}, {`131049.0`, 131049}, {`1.5`, 0}, {`"x"`, 0}, {`null`, 0},
		{`99999999999999999999`, 0}, {`-1`, -1},
	} {
		ns := parse(t, webhookOf("messages", `{"statuses":[{"id":"w","status":"failed","errors":[{"code":`+tt.code+`}]}]}`))
		if len(ns) != 1 || ns[0].Status == nil || len(ns[0].Status.Errors) != 1 {
			t.Fatalf("code %s: %v", tt.code, ns)
		}
		if got := ns[0].Status.Errors[0].Code; got != tt.want {
			t.Errorf("code %s: %d, want %d", tt.code, got, tt.want)
		}
	}
}

// TestParseWebhook_RawOwnsItsBytes: the body may be a reused buffer (a
// fasthttp request); what ParseWebhook returns must not change with it.
func TestParseWebhook_RawOwnsItsBytes(t *testing.T) {
	for _, body := range [][]byte{readWebhook(t, "batched_entries.json"), []byte(`[1,2]`), webhookOf("account_update", `{"event":"X"}`)} {
		ns := parse(t, body)
		before := make([]string, len(ns))
		for i, n := range ns {
			before[i] = string(n.Raw)
		}
		for i := range body {
			body[i] = 'x'
		}
		for i, n := range ns {
			if string(n.Raw) != before[i] {
				t.Errorf("notification %d: Raw changed with the body", i)
			}
		}
	}
}

// bigBatch is a body of n statuses and n messages from n senders, each
// listed in contacts: Meta's largest batch is 1,000 updates (§3.1).
func bigBatch(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"object":"whatsapp_business_account","entry":[{"id":"` + waba + `","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"` + phoneID + `"},"statuses":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"wamid.out%d","status":"delivered","timestamp":"%d","recipient_id":"4477009%05d"}`, i, 1788890000+i, i)
	}
	b.WriteString(`],"contacts":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"profile":{"name":"Guest %d"},"wa_id":"4477009%05d"}`, i, i)
	}
	b.WriteString(`],"messages":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"from":"4477009%05d","id":"wamid.in%d","timestamp":"%d","type":"button","button":{"payload":"rsvp:inv_%d:yes","text":"Yes"}}`, i, i, 1788890000+i, i)
	}
	b.WriteString(`]}}]}]}`)
	return b.Bytes()
}

// TestParseWebhook_BigBatch: all 2,000 updates of a big batch come out,
// each message with its own sender's name.
func TestParseWebhook_BigBatch(t *testing.T) {
	const n = 1000
	ns := parse(t, bigBatch(n))
	if len(ns) != 2*n {
		t.Fatalf("%d notifications, want %d", len(ns), 2*n)
	}
	for i, note := range ns[:n] {
		m := note.Message
		if m == nil || m.ID != "wamid.in"+strconv.Itoa(i) || m.ProfileName != "Guest "+strconv.Itoa(i) || m.ButtonPayload != "rsvp:inv_"+strconv.Itoa(i)+":yes" {
			t.Fatalf("notification %d: %s", i, show(note))
		}
	}
	for i, note := range ns[n:] {
		if s := note.Status; s == nil || s.WAMID != "wamid.out"+strconv.Itoa(i) {
			t.Fatalf("notification %d: %s", n+i, show(note))
		}
	}
}

func TestNotificationKind_String(t *testing.T) {
	for k, want := range map[whatsapp.NotificationKind]string{
		whatsapp.KindStatus: "status", whatsapp.KindMessage: "message", whatsapp.KindPreference: "preference",
		whatsapp.KindOther: "other", 0: "NotificationKind(0)", 9: "NotificationKind(9)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", int(k), got, want)
		}
	}
}

// BenchmarkParseWebhook measures a single-message body and Meta's largest
// batch (§3.1: 1,000 updates per kind here).
//
//	go test ./whatsapp -run '^$' -bench ParseWebhook -benchmem
func BenchmarkParseWebhook(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"text", readWebhook(b, "text_context.json")},
		{"batch=1000", bigBatch(1000)},
		{"other", readWebhook(b, "other_fields.json")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				if _, err := whatsapp.ParseWebhook(bc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
