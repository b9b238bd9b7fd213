package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/parinayaos/engine/httpapi"
)

// page is one answer of the guests' pages (HTML).
type page struct {
	status int
	header http.Header
	body   string
}

// get and post call the pages as a browser would: no token, no redirects
// followed.
func (s *testServer) page(t *testing.T, method, path string, form url.Values) page {
	t.Helper()
	return s.pageWith(t, method, path, form, nil)
}

// pageWith is page with these request headers.
func (s *testServer) pageWith(t *testing.T, method, path string, form url.Values, hdr http.Header) page {
	t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	cl := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 50<<10 {
		t.Errorf("%s %s: a page of %d bytes, want under 50 KB", method, path, len(b))
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// pagesFixture: a wedding with a public event, two invite-only ones (one
// for the household, three seats; one for another, two seats), a
// household named like a script, a published website and a link to the
// household's page.
type pagesFixture struct {
	w, owner, unit, other string
	pub, priv, secret     string
	url, token            string
}

const scriptName = "<script>alert(1)</script>"

func newPagesFixture(t *testing.T, s *testServer, slug string) *pagesFixture {
	t.Helper()
	f := &pagesFixture{}
	f.w, f.owner = s.newWedding(slug)
	ev := "/v1/weddings/" + f.w + "/events"
	f.pub = s.event(f.w, f.owner, "Sangeet Night", "2026-12-11T18:00:00+05:30")
	f.priv = s.must(201, "POST", ev, f.owner, map[string]any{"name": "Family Mehendi", "starts_at": "2026-12-10T11:00:00+05:30",
		"venue": "Home", "visibility": "invite_only"}).str("id")
	f.secret = s.must(201, "POST", ev, f.owner, map[string]any{"name": "Cocktail Secret", "starts_at": "2026-12-12T21:00:00+05:30",
		"visibility": "invite_only"}).str("id")
	f.unit = s.unit(f.w, f.owner, unitBody(scriptName, "bride", nil, phone(1), phone(2)))
	f.other = s.unit(f.w, f.owner, unitBody("Verma", "groom", nil, phone(3)))
	inv := "/v1/weddings/" + f.w + "/invitations"
	s.must(200, "POST", inv, f.owner, map[string]any{"event_ids": []string{f.pub, f.priv}, "unit_ids": []string{f.unit}, "seats": 3})
	s.must(200, "POST", inv, f.owner, map[string]any{"event_ids": []string{f.pub, f.secret}, "unit_ids": []string{f.other}, "seats": 2})
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/website", f.owner, siteBody())
	s.must(200, "POST", "/v1/weddings/"+f.w+"/website/publish", f.owner, nil)
	f.url = s.must(201, "POST", "/v1/weddings/"+f.w+"/units/"+f.unit+"/link", f.owner, nil).str("url")
	f.token = f.url[strings.LastIndex(f.url, "/g/")+3:]
	return f
}

func wantPageHeaders(t *testing.T, p page) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'",
		"X-Frame-Options":         "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
		"Content-Type": "text/html; charset=utf-8",
	} {
		if got := p.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestHTTP_PagesWebsite(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "pages-site")
	p := s.page(t, "GET", "/w/pages-site", nil)
	if p.status != 200 || !strings.Contains(p.body, "Asha weds Rohan") || !strings.Contains(p.body, "Sangeet Night") ||
		!strings.Contains(p.body, "We met in Goa.") {
		t.Fatalf("site: %d %s", p.status, p.body)
	}
	wantPageHeaders(t, p)
	// Never an invite-only event, nor a household.
	for _, no := range []string{"Family Mehendi", "Cocktail Secret", "Verma", "script"} {
		if strings.Contains(p.body, no) {
			t.Errorf("the public site shows %q", no)
		}
	}
	if p := s.page(t, "HEAD", "/w/pages-site", nil); p.status != 200 {
		t.Errorf("HEAD: %d", p.status)
	}

	// Unknown, or not published: the polite 404.
	s.newWedding("pages-unpublished")
	for _, slug := range []string{"nobody", "pages-unpublished"} {
		if p := s.page(t, "GET", "/w/"+slug, nil); p.status != 404 || !strings.Contains(p.body, "could not open") {
			t.Errorf("%s: %d %s", slug, p.status, p.body)
		}
	}

	// An edit shows only once published: guests see the published
	// version, whatever the admins are drafting.
	b := siteBody()
	b["story"] = "We met in Pune."
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/website", f.owner, b)
	if p := s.page(t, "GET", "/w/pages-site", nil); p.status != 200 || !strings.Contains(p.body, "We met in Goa.") || strings.Contains(p.body, "Pune") {
		t.Fatalf("an unpublished edit shows: %d %s", p.status, p.body)
	}
	s.must(200, "POST", "/v1/weddings/"+f.w+"/website/publish", f.owner, nil)
	if p := s.page(t, "GET", "/w/pages-site", nil); p.status != 200 || !strings.Contains(p.body, "We met in Pune.") {
		t.Fatalf("a published edit is not shown: %d %s", p.status, p.body)
	}

	// invite_only: a page without events or story, at once: who may see
	// the site is not content waiting for a publish.
	b["privacy"] = "invite_only"
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/website", f.owner, b)
	p = s.page(t, "GET", "/w/pages-site", nil)
	if p.status != 200 || strings.Contains(p.body, "Sangeet") || strings.Contains(p.body, "Goa") || !strings.Contains(p.body, "invited guests") {
		t.Fatalf("invite_only site: %d %s", p.status, p.body)
	}

	// password: the form first; a wrong password is the form again (403);
	// the right one answers the site.
	b["privacy"], b["password"] = "password", "shaadi-2026"
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/website", f.owner, b)
	p = s.page(t, "GET", "/w/pages-site", nil)
	if p.status != 200 || strings.Contains(p.body, "Sangeet") || !strings.Contains(p.body, `type="password"`) {
		t.Fatalf("password site: %d %s", p.status, p.body)
	}
	for _, pw := range []string{"", "wrong-one", strings.Repeat("x", 2000)} {
		p = s.page(t, "POST", "/w/pages-site", url.Values{"password": {pw}})
		if p.status != 403 || strings.Contains(p.body, "Sangeet") {
			t.Fatalf("password %q: %d %s", pw, p.status, p.body)
		}
	}
	// Password checks are slow hashes on a route without a token: while as
	// many run as the engine allows, the next is refused, not queued.
	release := s.srv.HoldPasswordChecks()
	if p := s.page(t, "POST", "/w/pages-site", url.Values{"password": {"shaadi-2026"}}); p.status != 429 {
		t.Fatalf("a password check beyond the bound: %d", p.status)
	}
	release()
	p = s.page(t, "POST", "/w/pages-site", url.Values{"password": {"shaadi-2026"}})
	if p.status != 200 || !strings.Contains(p.body, "Sangeet Night") || strings.Contains(p.body, "Family Mehendi") {
		t.Fatalf("right password: %d %s", p.status, p.body)
	}
	wantPageHeaders(t, p)

	// A leaked password stops working as soon as the admins change it,
	// publish or not.
	b["password"] = "naya-2026"
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/website", f.owner, b)
	if p := s.page(t, "POST", "/w/pages-site", url.Values{"password": {"shaadi-2026"}}); p.status != 403 || strings.Contains(p.body, "Sangeet") {
		t.Errorf("the old password after a change: %d", p.status)
	}
	if p := s.page(t, "POST", "/w/pages-site", url.Values{"password": {"naya-2026"}}); p.status != 200 || !strings.Contains(p.body, "Sangeet Night") {
		t.Errorf("the new password: %d", p.status)
	}
}

func TestHTTP_PagesGuest(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "pages-guest")
	p := s.page(t, "GET", f.url, nil)
	if p.status != 200 {
		t.Fatalf("guest page: %d %s", p.status, p.body)
	}
	wantPageHeaders(t, p)
	for _, want := range []string{"Sangeet Night", "Family Mehendi", "&lt;script&gt;alert(1)&lt;/script&gt;",
		`href="https://wa.me/919876543210?text=Namaste`, `upi://pay?pa=asha%40okaxis&amp;pn=Asha%20Rao`, "tn=Blessings%20only",
		`name="status_` + f.priv + `"`, `max="3"`, "https://registry.example/a"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the guest page lacks %q", want)
		}
	}
	for _, no := range []string{"Cocktail Secret", "Verma", "<script>"} {
		if strings.Contains(p.body, no) {
			t.Errorf("the guest page shows %q", no)
		}
	}
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf in %s", p.body)
	}
	csrf := m[1]
	rsvp := f.url + "/rsvp"
	answers := func() map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, x := range s.must(200, "GET", "/v1/weddings/"+f.w+"/rsvps?unit="+f.unit, f.owner, nil).items() {
			it, _ := x.(map[string]any)
			id, _ := it["event_id"].(string)
			out[id] = it
		}
		return out
	}

	// Without a valid csrf: 403, nothing changes.
	before := s.seq(f.w)
	form := url.Values{"status_" + f.priv: {"yes"}, "headcount_" + f.priv: {"2"}, "status_" + f.pub: {"no"}, "headcount_" + f.pub: {"3"}}
	for _, bad := range []string{"", "forged", csrf[:len(csrf)-2] + "AA"} {
		v := url.Values{"csrf": {bad}}
		for k, x := range form {
			v[k] = x
		}
		if p := s.page(t, "POST", rsvp, v); p.status != 403 || strings.Contains(p.body, "Mehendi") {
			t.Errorf("csrf %q: %d %s", bad, p.status, p.body)
		}
	}
	// A headcount over the seats: 400, nothing changes.
	if p := s.page(t, "POST", rsvp, url.Values{"csrf": {csrf}, "status_" + f.priv: {"yes"}, "headcount_" + f.priv: {"4"},
		"status_" + f.pub: {"no"}}); p.status != 400 {
		t.Errorf("headcount over seats: %d", p.status)
	}
	if after := s.seq(f.w); after != before {
		t.Fatalf("refused posts moved seq %d → %d", before, after)
	}

	form.Set("csrf", csrf)
	// Another household's event in the form: not this page's, ignored.
	form.Set("status_"+f.secret, "yes")
	p = s.page(t, "POST", rsvp, form)
	if p.status != 303 || !strings.Contains(p.header.Get("Location"), f.url) {
		t.Fatalf("rsvp post: %d %v %s", p.status, p.header, p.body)
	}
	got := answers()
	if a := got[f.priv]; a["status"] != "yes" || a["headcount"] != float64(2) || a["source"] != "web" {
		t.Errorf("the invite-only event's answer: %v", a)
	}
	if a := got[f.pub]; a["status"] != "no" || a["headcount"] != float64(0) || a["source"] != "web" {
		t.Errorf("the public event's answer: %v", a)
	}
	if _, ok := got[f.secret]; ok {
		t.Errorf("an answer for an event the household is not invited to: %v", got)
	}
	for _, x := range s.must(200, "GET", "/v1/weddings/"+f.w+"/rsvps?unit="+f.other, f.owner, nil).items() {
		if it, _ := x.(map[string]any); it["status"] != "pending" {
			t.Errorf("the other household's answer changed: %v", it)
		}
	}
	p = s.page(t, "GET", f.url+"?saved=1", nil)
	if p.status != 200 || !strings.Contains(p.body, "answers are saved") || !strings.Contains(p.body, "yes (2 of 3)") {
		t.Errorf("the page after answering: %d %s", p.status, p.body)
	}

	// Tokens that do not stand: a page without data, 404.
	other, otherOwner := s.newWedding("pages-guest-other")
	s.must(200, "PUT", "/v1/weddings/"+other+"/website", otherOwner, siteBody())
	s.must(200, "POST", "/v1/weddings/"+other+"/website/publish", otherOwner, nil)
	i := len(f.token) / 2
	flip := byte('A')
	if f.token[i] == 'A' {
		flip = 'B'
	}
	tampered := f.token[:i] + string(flip) + f.token[i+1:]
	noData := func(name, path string) {
		t.Helper()
		for _, method := range []string{"GET", "POST"} {
			pth, v := path, url.Values(nil)
			if method == "POST" {
				pth, v = path+"/rsvp", url.Values{"csrf": {csrf}, "status_" + f.priv: {"no"}}
			}
			p := s.page(t, method, pth, v)
			wantPageHeaders(t, p)
			if p.status != 404 || strings.Contains(p.body, "script") || strings.Contains(p.body, "Mehendi") || strings.Contains(p.body, "Sangeet") {
				t.Errorf("%s, %s: %d %s", name, method, p.status, p.body)
			}
		}
	}
	before = s.seq(f.w)
	noData("tampered token", "/w/pages-guest/g/"+tampered)
	noData("another wedding's slug", "/w/pages-guest-other/g/"+f.token)
	noData("garbage token", "/w/pages-guest/g/hello")
	s.must(204, "DELETE", "/v1/weddings/"+f.w+"/units/"+f.unit+"/link", f.owner, nil)
	before++ // the revoke
	noData("revoked link", f.url)
	if after := s.seq(f.w); after != before {
		t.Errorf("refused guest posts moved seq %d → %d", before, after)
	}
	if a := answers()[f.priv]; a["status"] != "yes" {
		t.Errorf("a refused post changed the answer: %v", a)
	}
}

var upiQRRE = regexp.MustCompile(`<img src="data:image/png;base64,([^"]+)" width="256" height="256" alt="QR code to send a gift by UPI to Asha Rao: [^"]+">`)

// The gifts block carries the QR code of its UPI link: an inline PNG, 256
// px, with alt text, the same bytes as the link's own encoding (no QR
// decoder at hand); none when the website has no UPI id.
func TestHTTP_PagesGuestUPIQR(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "pages-guest-qr")
	const link = "upi://pay?pa=asha%40okaxis&pn=Asha%20Rao&cu=INR&tn=Blessings%20only"
	want, err := qrcode.Encode(link, qrcode.Medium, 256)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the second from the cache
		p := s.page(t, "GET", f.url, nil)
		if p.status != 200 {
			t.Fatalf("guest page: %d %s", p.status, p.body)
		}
		wantPageHeaders(t, p)
		m := upiQRRE.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no UPI QR img in %s", p.body)
		}
		b, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1])) // "+" is &#43; in an attribute
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("the QR is not a PNG: %v", err)
		}
		if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
			t.Errorf("QR of %v, want 256×256", r)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("the QR is not the encoding of %s", link)
		}
		if i == 0 {
			t.Logf("QR PNG %d bytes (%d base64), page %d bytes", len(b), len(m[1]), len(p.body))
		}
		if len(p.body) > 20<<10 {
			t.Errorf("a page of %d bytes with the QR, want well under 50 KB", len(p.body))
		}
	}

	// No UPI id: neither link nor QR.
	body := siteBody()
	body["gifts"] = map[string]any{"registry_links": []any{map[string]any{"title": "Home", "url": "https://registry.example/a"}}}
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/website", f.owner, body)
	s.must(200, "POST", "/v1/weddings/"+f.w+"/website/publish", f.owner, nil)
	p := s.page(t, "GET", f.url, nil)
	if p.status != 200 || !strings.Contains(p.body, "https://registry.example/a") {
		t.Fatalf("guest page without UPI: %d %s", p.status, p.body)
	}
	if strings.Contains(p.body, "upi://") || strings.Contains(p.body, "<img") {
		t.Errorf("a UPI link or QR without a UPI id: %s", p.body)
	}
}
