package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src data:; form-action 'none'; frame-ancestors 'none'"

func wantDashboardHeaders(t *testing.T, what string, p page, contentType string) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Security-Policy": dashboardCSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "Content-Type": contentType,
	} {
		if got := p.header.Get(k); got != v {
			t.Errorf("%s: %s: %q, want %q", what, k, got, v)
		}
	}
}

// The dashboard page is public and holds nothing of the wedding: its id
// appears once, as the API base the script calls; no name, no event, no
// household, no number. (pages' page helper checks it is under 50 KB.)
func TestHTTP_DashboardPage(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "dash-site")
	p := s.page(t, "GET", "/admin/"+f.w, nil)
	if p.status != 200 {
		t.Fatalf("dashboard: %d %s", p.status, p.body)
	}
	wantDashboardHeaders(t, "page", p, "text/html; charset=utf-8")
	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	if n := strings.Count(p.body, f.w); n != 1 || !strings.Contains(p.body, `data-api="/v1/weddings/`+f.w+`"`) {
		t.Errorf("the wedding id appears %d times, want once as the API base:\n%s", n, p.body)
	}
	for _, no := range []string{"Asha", "Rohan", "Sangeet", "Mehendi", "Verma", f.owner, f.unit, f.pub, f.priv, "dash-site"} {
		if no != "" && strings.Contains(p.body, no) {
			t.Errorf("the dashboard page holds %q", no)
		}
	}
	if !strings.Contains(p.body, `<script src="/admin/static/dashboard.js"></script>`) || strings.Count(p.body, "<script") != 1 {
		t.Errorf("want exactly the one embedded script")
	}
	if strings.Contains(p.body, "on"+"click=") || strings.Contains(p.body, "http://") || strings.Contains(p.body, "https://") {
		t.Errorf("inline handlers or external assets in the page")
	}
	if p := s.page(t, "HEAD", "/admin/"+f.w, nil); p.status != 200 {
		t.Errorf("HEAD: %d", p.status)
	}

	// An unknown, well-formed id gets the same page: answering 404 would
	// tell anyone which wedding ids exist, and the page shows nothing
	// until a token of that wedding reads it. One that cannot be an id is
	// the polite 404 page.
	if p := s.page(t, "GET", "/admin/no-such-wedding", nil); p.status != 200 || !strings.Contains(p.body, `data-api="/v1/weddings/no-such-wedding"`) {
		t.Errorf("unknown id: %d", p.status)
	}
	for _, bad := range []string{"/admin/%3Cscript%3E", "/admin/" + strings.Repeat("x", 65), "/admin/a.b"} {
		if p := s.page(t, "GET", bad, nil); p.status != 404 || strings.Contains(p.body, "<script") {
			t.Errorf("%s: %d", bad, p.status)
		}
	}
}

// The script is served, embedded, as JavaScript; it reads the stream with
// fetch and the Authorization header, keeps the token in sessionStorage,
// and writes data only through textContent.
func TestHTTP_DashboardScript(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	p := s.page(t, "GET", "/admin/static/dashboard.js", nil)
	if p.status != 200 || len(p.body) < 1000 {
		t.Fatalf("script: %d %d bytes", p.status, len(p.body))
	}
	wantDashboardHeaders(t, "script", p, "text/javascript; charset=utf-8")
	for _, want := range []string{"/headcount/stream", `"Authorization"`, "sessionStorage", "textContent", "getReader", "data:",
		"/rsvps?status=pending", "/campaigns", "/attention", "backoff"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the script lacks %q", want)
		}
	}
	for _, no := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "EventSource", "localStorage", "?token=", "access_token"} {
		if strings.Contains(p.body, no) {
			t.Errorf("the script uses %q", no)
		}
	}
}
