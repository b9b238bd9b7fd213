package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parinayaos/engine/httpapi"
)

// The guests' own pages under attack, over real HTTP (API.md "Guests' own
// pages": "A guest token shows one unit of one wedding and nothing else; a
// revoked, expired or forged one shows a page without data (404 status)"
// and "A post without a valid csrf changes nothing (403)"). Every route a
// guest token opens is tried: GET /w/{slug}/g/{token} and POST
// /w/{slug}/g/{token}/rsvp. Each refusal is checked three ways: its
// status, a page that holds none of either wedding's data, and the
// wedding's RSVPs and sequence unchanged.

// secCSRF finds the RSVP form's csrf value in a page, whatever the order
// of the input's attributes.
var secCSRF = regexp.MustCompile(`<input[^>]*name="csrf"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf"`)

func csrfOf(t *testing.T, h page) string {
	t.Helper()
	m := secCSRF.FindStringSubmatch(h.body)
	if m == nil {
		t.Fatalf("no csrf in the page (%d): %s", h.status, h.body)
	}
	return m[1] + m[2]
}

// secFixture: wedding A (slug sec-a) with a household (hh) and another
// (other), each invited to the public event and one invite-only event of
// its own; wedding B (sec-b) with one household. Both sites published,
// each household with a link.
type secFixture struct {
	s                 *testServer
	w, owner          string
	hh, other         string
	pub, priv, secret string // hh: pub, priv; other: pub, secret
	hhURL, otherURL   string
	b, bOwner         string
	bUnit, bURL       string
	// private is every piece of either wedding's data a refusal must not
	// show (names, not ids: an id as short as "e3" may be part of the
	// token the page links back to).
	private []string
}

func newSecFixture(t *testing.T) *secFixture {
	t.Helper()
	s := newTestServer(t, httpapi.Config{})
	a := newPagesFixture(t, s, "sec-a")
	f := &secFixture{s: s, w: a.w, owner: a.owner, hh: a.unit, other: a.other, pub: a.pub, priv: a.priv, secret: a.secret}
	f.hhURL = a.url
	f.otherURL = f.link(f.w, f.other, nil)

	f.b, f.bOwner = s.newWedding("sec-b")
	bEv := s.event(f.b, f.bOwner, "Reception Gala", "2026-12-20T19:00:00+05:30")
	f.bUnit = s.unit(f.b, f.bOwner, unitBody("Chopra Household", "both", nil, phone(40)))
	s.must(200, "POST", "/v1/weddings/"+f.b+"/invitations", f.bOwner, map[string]any{"event_ids": []string{bEv}, "all": true})
	site := siteBody()
	site["title"], site["couple"], site["story"] = "Neha weds Kabir", "Neha & Kabir", "Kabir proposed in Shimla."
	site["gifts"] = map[string]any{"upi_id": "neha@okicici", "payee": "Neha Kapur"}
	s.must(200, "PUT", "/v1/weddings/"+f.b+"/website", f.bOwner, site)
	s.must(200, "POST", "/v1/weddings/"+f.b+"/website/publish", f.bOwner, nil)
	f.bURL = f.link(f.b, f.bUnit, nil)

	f.private = []string{"alert(1)", "Verma", "Sangeet", "Mehendi", "Cocktail", "Udaipur", "Asha", "Rohan", "Goa", "okaxis",
		"Chopra", "Reception", "Neha", "Kabir", "Shimla", "okicici", "member 0"}
	// Both pages work before anything is tried.
	for _, u := range []string{f.hhURL, f.otherURL, f.bURL} {
		if h := s.page(t, "GET", u, nil); h.status != 200 {
			t.Fatalf("GET %s: %d %s", u, h.status, h.body)
		}
	}
	return f
}

// link issues a link to unit (body as the route takes it) and answers its
// address.
func (f *secFixture) link(w, unit string, body any) string {
	f.s.t.Helper()
	owner := f.owner
	if w == f.b {
		owner = f.bOwner
	}
	u := f.s.must(201, "POST", "/v1/weddings/"+w+"/units/"+unit+"/link", owner, body).str("url")
	if !strings.Contains(u, "/g/") {
		f.s.t.Fatalf("link url %q", u)
	}
	return u
}

func tokenOf(url string) string { return url[strings.LastIndex(url, "/g/")+len("/g/"):] }

// state is what a refused request must leave alone: both weddings'
// sequences and RSVPs.
func (f *secFixture) state(t *testing.T) string {
	t.Helper()
	s := f.s.with(t)
	var b strings.Builder
	for _, w := range []struct{ id, owner string }{{f.w, f.owner}, {f.b, f.bOwner}} {
		a := s.must(200, "GET", "/v1/weddings/"+w.id, w.owner, nil)
		fmt.Fprintf(&b, "%s seq %v\n", a.str("id"), a.body["seq"])
		b.Write(s.must(200, "GET", "/v1/weddings/"+w.id+"/rsvps?limit=1000", w.owner, nil).raw)
		b.WriteString("\n")
	}
	return b.String()
}

// rsvp is one RSVP of wedding A: status and headcount.
func (f *secFixture) rsvp(t *testing.T, unit, event string) (status string, headcount float64) {
	t.Helper()
	for _, x := range f.s.with(t).must(200, "GET", "/v1/weddings/"+f.w+"/rsvps?unit="+unit, f.owner, nil).items() {
		it, _ := x.(map[string]any)
		if it["event_id"] == event {
			st, _ := it["status"].(string)
			hc, _ := it["headcount"].(float64)
			return st, hc
		}
	}
	return "", 0
}

// refused checks that GET path and POST path+"/rsvp" (with form) answer
// the polite 404 page, with nothing of either wedding in it, and change
// nothing.
func (f *secFixture) refused(t *testing.T, name, path string, form url.Values) {
	t.Helper()
	before := f.state(t)
	for _, method := range []string{"GET", "POST"} {
		p, v := path, url.Values(nil)
		if method == "POST" {
			p, v = path+"/rsvp", form
		}
		h := f.s.page(t, method, p, v)
		if h.status != 404 {
			t.Errorf("%s, %s: status %d, want 404", name, method, h.status)
		}
		f.noData(t, name+", "+method, h)
	}
	if after := f.state(t); after != before {
		t.Errorf("%s: the weddings changed:\n%s\n→\n%s", name, before, after)
	}
}

// noData checks an answer is an HTML page with none of the weddings'
// data.
func (f *secFixture) noData(t *testing.T, name string, h page) {
	t.Helper()
	if ct := h.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q", name, ct)
	}
	for _, p := range f.private {
		if strings.Contains(h.body, p) {
			t.Errorf("%s: the page shows %q: %s", name, p, h.body)
		}
	}
}

// answerForm is an RSVP form of csrf: hh says no to its invite-only event.
func (f *secFixture) answerForm(csrf string) url.Values {
	v := url.Values{"status_" + f.priv: {"no"}, "status_" + f.pub: {"no"}}
	if csrf != "" {
		v.Set("csrf", csrf)
	}
	return v
}

// flip flips one bit of the decoded token at byte i (from the end when
// negative).
func flip(t *testing.T, token string, i int) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(b)
}

// unitByte is the index, in a decoded token, of its unit id's first byte
// (layout: guesttoken.go).
func unitByte(t *testing.T, token string) int {
	t.Helper()
	b, _ := base64.RawURLEncoding.DecodeString(token)
	i := 1
	for range 2 { // kid, wedding
		i += 1 + int(b[i])
	}
	return i + 1
}

// TestHTTP_GuestSecurityForeignTokens: a token opens its own unit of its
// own wedding, under its own wedding's slug, and nothing else; forged
// tokens open nothing.
func TestHTTP_GuestSecurityForeignTokens(t *testing.T) {
	f := newSecFixture(t)
	hhTok, otherTok, bTok := tokenOf(f.hhURL), tokenOf(f.otherURL), tokenOf(f.bURL)
	csrf := csrfOf(t, f.s.page(t, "GET", f.hhURL, nil))
	raw, _ := base64.RawURLEncoding.DecodeString(hhTok)
	otherRaw, _ := base64.RawURLEncoding.DecodeString(otherTok)
	// hh's claims with the other unit's MAC, and the other way round.
	mixed := base64.RawURLEncoding.EncodeToString(append(append([]byte(nil), raw[:len(raw)-16]...), otherRaw[len(otherRaw)-16:]...))
	tests := []struct{ name, path string }{
		{"another wedding's token under this wedding's slug", "/w/sec-a/g/" + bTok},
		{"this wedding's token under another wedding's slug", "/w/sec-b/g/" + hhTok},
		{"another wedding's token under a slug that is nobody's", "/w/nobody/g/" + bTok},
		{"a token under a slug that is nobody's", "/w/nobody/g/" + hhTok},
		{"a bit flipped in the MAC", "/w/sec-a/g/" + flip(t, hhTok, -1)},
		{"a bit flipped in the MAC's first byte", "/w/sec-a/g/" + flip(t, hhTok, -16)},
		{"a bit flipped in the unit id", "/w/sec-a/g/" + flip(t, hhTok, unitByte(t, hhTok))},
		{"a bit flipped in the wedding id", "/w/sec-a/g/" + flip(t, hhTok, unitByte(t, hhTok)-3)},
		{"a bit flipped in the expiry", "/w/sec-a/g/" + flip(t, hhTok, -17)},
		{"a bit flipped in the version", "/w/sec-a/g/" + flip(t, hhTok, 0)},
		{"one unit's claims with another's MAC", "/w/sec-a/g/" + mixed},
		{"truncated", "/w/sec-a/g/" + hhTok[:len(hhTok)-4]},
		{"not a token", "/w/sec-a/g/hello"},
		{"padded", "/w/sec-a/g/" + hhTok + "%3D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.refused(t, tt.name, tt.path, f.answerForm(csrf))
		})
	}
	if st, _ := f.rsvp(t, f.hh, f.priv); st != "pending" {
		t.Fatalf("hh's answer after refused posts: %q", st)
	}
	// Each token still works under its own slug.
	for _, u := range []string{f.hhURL, f.otherURL, f.bURL} {
		if h := f.s.page(t, "GET", u, nil); h.status != 200 {
			t.Errorf("GET %s after the attempts: %d", u, h.status)
		}
	}
}

// TestHTTP_GuestSecurityOtherUnit: a unit's page answers only for that
// unit, whatever event ids its form names: another unit's events, or ids
// of events it is not invited to, change nothing.
func TestHTTP_GuestSecurityOtherUnit(t *testing.T) {
	f := newSecFixture(t)
	other := f.s.page(t, "GET", f.otherURL, nil)
	for _, no := range []string{"alert(1)", "Mehendi", `"status_` + f.priv + `"`} {
		if strings.Contains(other.body, no) {
			t.Errorf("the other unit's page shows hh's %q", no)
		}
	}
	otherCSRF := csrfOf(t, other)
	// The other unit's form names hh's invite-only event, its own events,
	// and a unit field the route does not read.
	form := url.Values{"csrf": {otherCSRF}, "status_" + f.priv: {"no"}, "status_" + f.secret: {"yes"}, "headcount_" + f.secret: {"2"},
		"status_" + f.pub: {"maybe"}, "unit_id": {f.hh}, "unit": {f.hh}}
	h := f.s.page(t, "POST", f.otherURL+"/rsvp", form)
	if h.status != 303 && h.status != 200 {
		t.Fatalf("the other unit's post: %d %s", h.status, h.body)
	}
	for _, tt := range []struct {
		unit, event, status string
		headcount           float64
	}{
		{f.other, f.secret, "yes", 2}, {f.other, f.pub, "maybe", 0},
		{f.hh, f.priv, "pending", 0}, {f.hh, f.pub, "pending", 0},
	} {
		if st, hc := f.rsvp(t, tt.unit, tt.event); st != tt.status || hc != tt.headcount {
			t.Errorf("rsvp %s/%s = %s %v, want %s %v", tt.unit, tt.event, st, hc, tt.status, tt.headcount)
		}
	}
	if st, _ := f.rsvp(t, f.other, f.priv); st != "" {
		t.Errorf("the other unit got an invitation to hh's event: %q", st)
	}
	// hh's form naming the other unit's event: ignored (hh is not
	// invited), the other unit's answer stays.
	hhCSRF := csrfOf(t, f.s.page(t, "GET", f.hhURL, nil))
	before := f.state(t)
	h = f.s.page(t, "POST", f.hhURL+"/rsvp", url.Values{"csrf": {hhCSRF}, "status_" + f.secret: {"no"}})
	if h.status != 303 && h.status != 200 {
		t.Fatalf("hh's post: %d %s", h.status, h.body)
	}
	if after := f.state(t); after != before {
		t.Errorf("a post naming only another unit's event changed something:\n%s\n→\n%s", before, after)
	}
	// Another wedding's event ids mean nothing either.
	f.s.page(t, "POST", f.bURL+"/rsvp", url.Values{"csrf": {csrfOf(t, f.s.page(t, "GET", f.bURL, nil))},
		"status_" + f.pub: {"no"}, "status_" + f.secret: {"no"}})
	if st, _ := f.rsvp(t, f.other, f.secret); st != "yes" {
		t.Errorf("another wedding's page changed this wedding's answer: %q", st)
	}
}

// TestHTTP_GuestSecurityCSRF: a replayed form without its csrf, or with
// another link's, is refused (403) and changes nothing.
func TestHTTP_GuestSecurityCSRF(t *testing.T) {
	f := newSecFixture(t)
	hhCSRF := csrfOf(t, f.s.page(t, "GET", f.hhURL, nil))
	otherCSRF := csrfOf(t, f.s.page(t, "GET", f.otherURL, nil))
	second := f.link(f.w, f.hh, nil) // another link of the same unit
	secondCSRF := csrfOf(t, f.s.page(t, "GET", second, nil))
	bCSRF := csrfOf(t, f.s.page(t, "GET", f.bURL, nil))
	before := f.state(t)
	tests := []struct{ name, csrf string }{
		{"no csrf", ""},
		{"an empty csrf", "\x00"},
		{"another unit's link's csrf", otherCSRF},
		{"another link of the same unit's csrf", secondCSRF},
		{"another wedding's link's csrf", bCSRF},
		{"a csrf with a byte changed", hhCSRF[:len(hhCSRF)-1] + string("AB"[boolIndex(hhCSRF[len(hhCSRF)-1] == 'A')])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := f.answerForm(tt.csrf)
			if tt.csrf == "\x00" {
				form.Set("csrf", "")
			}
			h := f.s.page(t, "POST", f.hhURL+"/rsvp", form)
			if h.status != 403 {
				t.Errorf("status %d, want 403: %s", h.status, h.body)
			}
			f.noData(t, tt.name, h)
		})
	}
	if after := f.state(t); after != before {
		t.Fatalf("refused forms changed the weddings:\n%s\n→\n%s", before, after)
	}
	// The page's own csrf works (and the page was not broken by them).
	if h := f.s.page(t, "POST", f.hhURL+"/rsvp", f.answerForm(hhCSRF)); h.status != 303 && h.status != 200 {
		t.Fatalf("the page's own form: %d %s", h.status, h.body)
	}
	if st, _ := f.rsvp(t, f.hh, f.priv); st != "no" {
		t.Fatalf("hh's answer after its own form: %q", st)
	}
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestHTTP_GuestSecurityRevoked: a revoked link, and the links a rotation
// replaced, open nothing; the new one does.
func TestHTTP_GuestSecurityRevoked(t *testing.T) {
	f := newSecFixture(t)
	csrf := csrfOf(t, f.s.page(t, "GET", f.hhURL, nil))
	second := f.link(f.w, f.hh, map[string]any{"expires_in_days": 30})
	f.s.must(204, "DELETE", "/v1/weddings/"+f.w+"/units/"+f.hh+"/link", f.owner, nil)
	f.refused(t, "revoked link", f.hhURL, f.answerForm(csrf))
	f.refused(t, "revoked second link", second, f.answerForm(csrf))
	if h := f.s.page(t, "GET", f.otherURL, nil); h.status != 200 {
		t.Fatalf("another unit's link after a revoke: %d", h.status)
	}
	// Rotation: the unit's links end, the new one works.
	old := f.link(f.w, f.other, nil)
	oldCSRF := csrfOf(t, f.s.page(t, "GET", old, nil))
	rotated := f.link(f.w, f.other, map[string]any{"rotate": true})
	f.refused(t, "link replaced by a rotation", old, f.answerForm(oldCSRF))
	f.refused(t, "first link replaced by a rotation", f.otherURL, f.answerForm(oldCSRF))
	if h := f.s.page(t, "GET", rotated, nil); h.status != 200 {
		t.Fatalf("the rotated link: %d", h.status)
	}
	// The audit names the links, never a token.
	audit := f.s.must(200, "GET", "/v1/weddings/"+f.w+"/audit?limit=1000", f.owner, nil)
	for _, u := range []string{f.hhURL, second, old, rotated, f.otherURL} {
		if strings.Contains(string(audit.raw), tokenOf(u)) {
			t.Fatalf("the audit holds a guest token: %s", audit.raw)
		}
	}
}

// TestHTTP_GuestSecurityExpired: a link opens nothing once it expires.
// The pages read the real clock, so the link is issued to expire in two
// seconds and the test waits for it (polling, bounded).
func TestHTTP_GuestSecurityExpired(t *testing.T) {
	f := newSecFixture(t)
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	short := f.link(f.w, f.hh, map[string]any{"expires_at": exp.Format(time.RFC3339)})
	var clock atomic.Pointer[time.Time]
	at := func(t time.Time) { clock.Store(&t) }
	at(exp.Add(-time.Second))
	f.s.srv.SetPagesClock(func() time.Time { return *clock.Load() })
	h := f.s.page(t, "GET", short, nil)
	if h.status != 200 {
		t.Fatalf("the link a second before it expires: %d", h.status)
	}
	csrf := csrfOf(t, h)
	at(exp)
	f.refused(t, "expired link", short, f.answerForm(csrf))
	at(exp.Add(400 * 24 * time.Hour))
	f.refused(t, "long expired link", short, f.answerForm(csrf))
	at(exp.Add(-time.Minute))
	if h := f.s.page(t, "GET", f.hhURL, nil); h.status != 200 {
		t.Fatalf("the unit's other link: %d", h.status)
	}
}

// TestHTTP_GuestSecurityRetiredKey: after a key rotation, links signed
// with the previous key keep working; once that key is retired, they open
// nothing, and the links signed with the new key still work.
func TestHTTP_GuestSecurityRetiredKey(t *testing.T) {
	f := newSecFixture(t)
	s := f.s
	h := s.page(t, "GET", f.hhURL, nil)
	csrf := csrfOf(t, h)
	k := s.must(200, "POST", "/v1/admin/guest-keys/rotate", s.root, nil)
	if k.str("kid") != "g2" || k.body["current"] != true {
		t.Fatalf("rotate: %s", k.raw)
	}
	for _, u := range []string{f.hhURL, f.otherURL, f.bURL} {
		if h := s.page(t, "GET", u, nil); h.status != 200 {
			t.Fatalf("a link of the previous key after a rotation: %d", h.status)
		}
	}
	// The previous key's form still posts.
	if h := s.page(t, "POST", f.hhURL+"/rsvp", url.Values{"csrf": {csrf}, "status_" + f.pub: {"yes"}}); h.status != 303 && h.status != 200 {
		t.Fatalf("a form of the previous key after a rotation: %d", h.status)
	}
	fresh := f.link(f.w, f.hh, nil)
	got, err := s.srv.GuestLink(t.Context(), "sec-a", tokenOf(fresh), time.Now())
	if err != nil || got.KID != "g2" {
		t.Fatalf("a link issued after the rotation: %+v, %v", got, err)
	}
	wantError(t, s.call("DELETE", "/v1/admin/guest-keys/g2", s.root, nil), 409, "guest_key_current")
	s.must(204, "DELETE", "/v1/admin/guest-keys/g1", s.root, nil)
	f.refused(t, "a link of a retired key", f.hhURL, f.answerForm(csrf))
	f.refused(t, "another wedding's link of a retired key", f.bURL, f.answerForm(csrf))
	h = s.page(t, "GET", fresh, nil)
	if h.status != 200 {
		t.Fatalf("a link of the current key after a retirement: %d", h.status)
	}
	// The form of the new key's page posts.
	if h := s.page(t, "POST", fresh+"/rsvp", url.Values{"csrf": {csrfOf(t, h)}, "status_" + f.pub: {"no"}}); h.status != 303 && h.status != 200 {
		t.Fatalf("a form of the current key: %d", h.status)
	}
	if st, _ := f.rsvp(t, f.hh, f.pub); st != "no" {
		t.Fatalf("hh's answer: %q", st)
	}
}
