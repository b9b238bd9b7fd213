package httpapi

import (
	"bytes"
	_ "embed"

	"github.com/valyala/fasthttp"
)

// The admins' dashboard (issue 14 item 4): GET /admin/{w} is a page that
// holds no data of the wedding, only the API base it calls; its script
// (GET /admin/static/dashboard.js, embedded) asks for a token once, keeps
// it in sessionStorage (never in a URL), reads the headcount, the pending
// households, the campaign funnels and the attention list with it, and
// follows GET .../headcount/stream with fetch (EventSource cannot send an
// Authorization header), re-rendering the counts on each event.
//
// Both routes are public: the page and the script are the same for every
// caller. An unknown wedding id still gets the page (200): answering 404
// would tell an anonymous caller which wedding ids exist, and the page
// shows nothing until a token of that wedding reads it. An id that cannot
// be a wedding id (not [A-Za-z0-9_-]{1,64}) is the polite 404 page.

//go:embed static/dashboard.js
var dashboardJS []byte

// dashboardCSP: the embedded script only, fetches to this origin only.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src data:; form-action 'none'; frame-ancestors 'none'"

type dashboardPage struct{ Wedding string }

func validDashboardID(w string) bool {
	if w == "" || len(w) > 64 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func dashboardHeaders(h *fasthttp.ResponseHeader) {
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// dashboard serves GET /admin/{w}.
func (s *Server) dashboard(r *request) error {
	w := r.param("w")
	if !validDashboardID(w) {
		return notFoundPage404(r.rc)
	}
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, "dashboard.html", dashboardPage{Wedding: w}); err != nil {
		return err
	}
	dashboardHeaders(&r.rc.Response.Header)
	r.rc.SetContentType("text/html; charset=utf-8")
	r.rc.SetStatusCode(fasthttp.StatusOK)
	r.rc.SetBody(buf.Bytes())
	return nil
}

// dashboardScript serves GET /admin/static/dashboard.js.
func (s *Server) dashboardScript(r *request) error {
	dashboardHeaders(&r.rc.Response.Header)
	r.rc.Response.Header.Set("Cache-Control", "no-cache")
	r.rc.SetContentType("text/javascript; charset=utf-8")
	r.rc.SetStatusCode(fasthttp.StatusOK)
	r.rc.SetBody(dashboardJS)
	return nil
}
