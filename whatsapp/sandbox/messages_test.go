package sandbox_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/whatsapp/sandbox"
)

type page struct {
	Items []sandbox.Accepted `json:"items"`
	Next  *string            `json:"next"`
}

func (h *harness) messages(query string) page {
	h.t.Helper()
	status, body := h.do(http.MethodGet, "/sandbox/messages"+query, "", nil)
	var p page
	if status != http.StatusOK || json.Unmarshal(body, &p) != nil || p.Items == nil || p.Next == nil {
		h.t.Fatalf("GET /sandbox/messages%s: %d %s", query, status, body)
	}
	return p
}

// TestMessages_List: GET /sandbox/messages (API.md "The sandbox") shows
// what was accepted for a phone, oldest first: a template's rendered body,
// its labels with the payloads set, a list's rows, the callback data.
func TestMessages_List(t *testing.T) {
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{}, rcv)
	other := "+447700900123"
	inv := h.mustSend(invite(guest, "inv_1", "cb_1"))
	h.mustSend(invite(other, "inv_2", ""))
	h.mustReply(map[string]any{"from": guest, "text": "haan"})
	list := h.mustSend(js(mealList(guest)))

	want := []sandbox.Accepted{
		{
			WAMID: inv, To: guest, Kind: "template",
			Template: &sandbox.TemplateRef{Name: "wedding_invite", Language: "en", Params: []string{"Asha", "Asha & Rohan", "Sangeet, 12 Dec"}},
			Text:     "Dear Asha, you are warmly invited to Asha & Rohan: Sangeet, 12 Dec. Will you join us?",
			Buttons: []sandbox.Choice{
				{ID: "rsvp:inv_1:yes", Title: "Yes"}, {ID: "rsvp:inv_1:no", Title: "No"}, {ID: "rsvp:inv_1:maybe", Title: "Maybe"}},
			CallbackData: "cb_1",
		},
		{
			WAMID: list, To: guest, Kind: "interactive", Text: "Please pick a main course.",
			ListRows: []sandbox.Choice{
				{ID: "meal:inv1:veg", Title: "Vegetarian", Description: "Paneer tikka"},
				{ID: "meal:inv1:nonveg", Title: "Non-vegetarian", Description: "Butter chicken"}},
		},
	}
	// '+' encoded, '+' raw (decoded as a space), and no '+' are one phone.
	for _, q := range []string{"?to=%2B919812345678", "?to=+919812345678", "?to=919812345678"} {
		p := h.messages(q)
		if *p.Next != "" || len(p.Items) != 2 {
			t.Fatalf("%s: %+v", q, p)
		}
		for i := range p.Items {
			got := p.Items[i]
			if got.At.IsZero() || time.Since(got.At) > time.Minute {
				t.Errorf("%s: at %v", q, got.At)
			}
			got.At = time.Time{}
			if !reflect.DeepEqual(got, want[i]) {
				t.Errorf("%s item %d:\n got %+v\nwant %+v", q, i, got, want[i])
			}
		}
	}
	// The Go API gives the same.
	if got := h.sb.Accepted(guest); len(got) != 2 || got[0].WAMID != inv || got[1].WAMID != list {
		t.Errorf("Accepted: %+v", got)
	}
	if got := h.messages("?to=%2B919800000000"); len(got.Items) != 0 {
		t.Errorf("unknown phone: %+v", got)
	}
	if status, body := h.do(http.MethodGet, "/sandbox/messages?to=abc", "", nil); status != http.StatusBadRequest || !strings.Contains(string(body), "invalid_phone") {
		t.Errorf("bad phone: %d %s", status, body)
	}
	// A Hindi template renders too.
	hi := invitation(other, inviteBody())
	hi["template"].(map[string]any)["language"] = map[string]any{"code": "hi"}
	h.mustSend(js(hi))
	if got := h.sb.Accepted(other); len(got) != 2 || got[1].Text != "प्रिय Asha, Asha & Rohan में आपका हार्दिक स्वागत है: Sangeet, 12 Dec। क्या आप आएँगे?" ||
		got[1].Buttons[0] != (sandbox.Choice{Title: "Yes"}) {
		t.Errorf("Hindi template: %+v", got)
	}
}

// TestMessages_Pages: without ?to every message, ?limit at a time, the
// cursor in next (API.md "Conventions": lists).
func TestMessages_Pages(t *testing.T) {
	h := start(t, sandbox.Config{}, nil)
	var sent []string
	for i := range 7 {
		to := guest
		if i%2 == 1 {
			to = "+447700900123"
		}
		sent = append(sent, h.mustSend(invite(to, "inv", "")))
	}
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		p := h.messages("?limit=3&after=" + after)
		if len(p.Items) > 3 {
			t.Fatalf("page of %d", len(p.Items))
		}
		for _, it := range p.Items {
			got = append(got, it.WAMID)
		}
		if *p.Next == "" {
			break
		}
		after = *p.Next
	}
	if !slices.Equal(got, sent) {
		t.Errorf("paged %v\nwant %v", got, sent)
	}
	// One phone's messages page the same way.
	p := h.messages("?to=%2B919812345678&limit=2")
	q := h.messages("?to=%2B919812345678&limit=2&after=" + *p.Next)
	if len(p.Items) != 2 || len(q.Items) != 2 || *q.Next != "" ||
		!slices.Equal([]string{p.Items[0].WAMID, p.Items[1].WAMID, q.Items[0].WAMID, q.Items[1].WAMID}, []string{sent[0], sent[2], sent[4], sent[6]}) {
		t.Errorf("phone pages: %+v then %+v", p, q)
	}
	if all := h.messages(""); len(all.Items) != 7 || *all.Next != "" {
		t.Errorf("default limit: %d items, next %q", len(all.Items), *all.Next)
	}
	for _, q := range []string{"?limit=0", "?limit=x", "?after=-1", "?after=x"} {
		if status, _ := h.do(http.MethodGet, "/sandbox/messages"+q, "", nil); status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, status)
		}
	}
}

// TestStats_Route: GET /sandbox/stats is Stats as JSON.
func TestStats_Route(t *testing.T) {
	h := start(t, sandbox.Config{MPS: 2}, nil)
	for range 3 {
		h.send(invite(guest, "inv", ""))
	}
	h.send(js(textMsg(guest, "hi")))
	status, body := h.do(http.MethodGet, "/sandbox/stats", "", nil)
	var st sandbox.Stats
	if status != http.StatusOK || json.Unmarshal(body, &st) != nil {
		t.Fatalf("%d %s", status, body)
	}
	if st.Accepted != 2 || st.RateLimited != 1 || st.Refused != 1 || st.RefusedByCode[131047] != 1 || st.MaxPerSecond != 2 || st.Recipients != 1 {
		t.Errorf("stats: %s", body)
	}
}
