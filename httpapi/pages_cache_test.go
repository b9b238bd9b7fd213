package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// pageCounts reads parinaya_page_cache_total: pages served as cached,
// served after the household was read again, and rendered.
func (s *testServer) pageCounts(t *testing.T) (hit, kept, render int) {
	t.Helper()
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || !strings.HasPrefix(name, "parinaya_page_cache_total{") {
			continue
		}
		n, err := strconv.Atoi(val)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		switch {
		case strings.Contains(name, `"hit"`):
			hit = n
		case strings.Contains(name, `"kept"`):
			kept = n
		case strings.Contains(name, `"render"`):
			render = n
		}
	}
	return hit, kept, render
}

// TestHTTP_PagesCache: a household's page is rendered once and served
// from the cache while nothing it shows changes; an answer elsewhere in
// the wedding costs a read of the household, not a render; the
// household's own answer, an event renamed, a publish, a revoke and the
// household's deletion each show at once.
func TestHTTP_PagesCache(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "pages-cache")
	get := func(path string) page {
		t.Helper()
		p := s.page(t, "GET", path, nil)
		if p.status != 200 {
			t.Fatalf("GET %s: %d %s", path, p.status, p.body)
		}
		return p
	}
	type counts struct{ hit, kept, render int }
	now := func() counts { h, k, r := s.pageCounts(t); return counts{h, k, r} }
	want := func(step string, before counts, d counts) {
		t.Helper()
		after := now()
		if got := (counts{after.hit - before.hit, after.kept - before.kept, after.render - before.render}); got != d {
			t.Errorf("%s: hit/kept/render moved by %+v, want %+v", step, got, d)
		}
	}

	c := now()
	first := get(f.url)
	want("first view", c, counts{render: 1})
	c = now()
	if again := get(f.url); again.body != first.body {
		t.Errorf("the cached page differs from the rendered one")
	}
	want("second view", c, counts{hit: 1})

	// Another household answers: the page stands, after one read.
	c = now()
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/rsvps/"+f.other+"/"+f.pub, f.owner, map[string]any{"status": "no"})
	if p := get(f.url); p.body != first.body {
		t.Errorf("another household's answer changed this page")
	}
	want("after another household's answer", c, counts{kept: 1})
	c = now()
	get(f.url)
	want("and again", c, counts{hit: 1})

	// This household's answer (an admin's override): shown at once.
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/rsvps/"+f.unit+"/"+f.priv, f.owner, map[string]any{"status": "yes", "headcount": 1})
	if p := get(f.url); !strings.Contains(p.body, "yes (1 of 3)") {
		t.Errorf("the household's new answer is not shown: %s", p.body)
	}
	// An event renamed.
	s.must(200, "PATCH", "/v1/weddings/"+f.w+"/events/"+f.pub, f.owner, map[string]any{"name": "Sangeet Sandhya"})
	if p := get(f.url); !strings.Contains(p.body, "Sangeet Sandhya") || strings.Contains(p.body, "Sangeet Night") {
		t.Errorf("the renamed event is not shown: %s", p.body)
	}
	if p := get("/w/pages-cache"); !strings.Contains(p.body, "Sangeet Sandhya") {
		t.Errorf("the site does not show the renamed event: %s", p.body)
	}
	// A new title: shown once published, on both pages.
	b := siteBody()
	b["title"] = "Asha and Rohan, 12.12"
	s.must(200, "PUT", "/v1/weddings/"+f.w+"/website", f.owner, b)
	if p := get(f.url); strings.Contains(p.body, "12.12") {
		t.Errorf("an unpublished title is shown")
	}
	s.must(200, "POST", "/v1/weddings/"+f.w+"/website/publish", f.owner, nil)
	for _, path := range []string{f.url, "/w/pages-cache"} {
		if p := get(path); !strings.Contains(p.body, "Asha and Rohan, 12.12") {
			t.Errorf("%s: the published title is not shown: %s", path, p.body)
		}
	}
	// The wedding leaves memory and comes back (a new view, from storage):
	// the page is made anew, the same.
	before := get(f.url).body
	if ok, err := s.eng.Passivate(t.Context(), f.w); err != nil || !ok {
		t.Fatalf("passivate: %t, %v", ok, err)
	}
	c = now()
	if p := get(f.url); p.body != before {
		t.Errorf("the page after the wedding came back differs")
	}
	want("after the wedding came back", c, counts{render: 1})

	// Revoked: the cached page is never served again.
	get(f.url)
	s.must(204, "DELETE", "/v1/weddings/"+f.w+"/units/"+f.unit+"/link", f.owner, nil)
	if p := s.page(t, "GET", f.url, nil); p.status != 404 || strings.Contains(p.body, "Sangeet") {
		t.Errorf("a revoked link: %d %s", p.status, p.body)
	}
	// A household deleted: neither.
	u2 := s.must(201, "POST", "/v1/weddings/"+f.w+"/units/"+f.other+"/link", f.owner, nil).str("url")
	get(u2)
	s.must(204, "DELETE", "/v1/weddings/"+f.w+"/units/"+f.other, f.owner, nil)
	if p := s.page(t, "GET", u2, nil); p.status != 404 || strings.Contains(p.body, "Sangeet") || strings.Contains(p.body, "Verma") {
		t.Errorf("a deleted household's link: %d %s", p.status, p.body)
	}
}

// TestHTTP_PagesLanguage: the pages speak Hindi when the browser prefers
// it, English otherwise, and ?lang= switches; the form keeps the language.
func TestHTTP_PagesLanguage(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "pages-lang")
	get := func(path, acceptLanguage string) page {
		t.Helper()
		var hdr http.Header
		if acceptLanguage != "" {
			hdr = http.Header{"Accept-Language": {acceptLanguage}}
		}
		p := s.pageWith(t, "GET", path, nil, hdr)
		if v := p.header.Get("Vary"); !strings.Contains(v, "Accept-Language") {
			t.Errorf("%s: Vary %q", path, v)
		}
		return p
	}
	hindi := []string{`<html lang="hi">`, "क्या आप आएँगे?", "मेरे उत्तर भेजें", "दिसंबर", `href="` + f.url + `?lang=en"`}
	english := []string{`<html lang="en">`, "Will you come?", "Send my answers", "Dec", `href="` + f.url + `?lang=hi"`}
	tests := []struct {
		name, path, accept string
		want, no           []string
	}{
		{"no preference", f.url, "", english, hindi[:3]},
		{"English", f.url, "en-US,en;q=0.9", english, hindi[:3]},
		{"Hindi first", f.url, "hi-IN,hi;q=0.9,en;q=0.8", hindi, english[:3]},
		{"Hindi second", f.url, "en-GB,hi;q=0.5", english, hindi[:3]},
		{"neither", f.url, "ta-IN,fr;q=0.5", english, hindi[:3]},
		{"junk", f.url, ";;;q=x,,", english, hindi[:3]},
		{"switched to Hindi", f.url + "?lang=hi", "en-US", hindi, english[:3]},
		{"switched to English", f.url + "?lang=en", "hi-IN", english, hindi[:3]},
		{"the site in Hindi", "/w/pages-lang", "hi", []string{`<html lang="hi">`, "कार्यक्रम"}, []string{"Functions"}},
		{"not found in Hindi", "/w/pages-lang/g/nope", "hi", []string{`<html lang="hi">`, "क्षमा करें"}, []string{"Sangeet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := get(tt.path, tt.accept)
			for _, w := range tt.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, no := range tt.no {
				if strings.Contains(p.body, no) {
					t.Errorf("shows %q", no)
				}
			}
		})
	}

	// The form carries its language to the page that answers it.
	csrf := csrfRE.FindStringSubmatch(get(f.url, "hi").body)[1]
	p := s.page(t, "POST", f.url+"/rsvp", url.Values{"csrf": {csrf}, "lang": {"hi"}, "status_" + f.pub: {"yes"}, "headcount_" + f.pub: {"2"}})
	loc := p.header.Get("Location")
	if p.status != 303 || !strings.Contains(loc, "lang=hi") {
		t.Fatalf("post: %d Location %q", p.status, loc)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if p := get(u.RequestURI(), ""); !strings.Contains(p.body, "धन्यवाद") || !strings.Contains(p.body, "हाँ (3 में से 2)") {
		t.Errorf("the answered page in Hindi: %s", p.body)
	}
	// A count out of range, in Hindi.
	p = s.page(t, "POST", f.url+"/rsvp", url.Values{"csrf": {csrf}, "lang": {"hi"}, "status_" + f.pub: {"yes"}, "headcount_" + f.pub: {"9"}})
	if p.status != 400 || !strings.Contains(p.body, "1 से 3 तक") {
		t.Errorf("a count out of range: %d %s", p.status, p.body)
	}
}
