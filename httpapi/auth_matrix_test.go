package httpapi_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// The authorization matrix: every route the router has × the callers an
// attacker can be, with the status each must get. The routes come from the
// router's own table (Server.Routes), so a route added without a row here
// fails this test the day it is added.

// callers, in the order of matrixRow.want.
var matrixCallers = []string{"no token", "revoked token", "another wedding's owner", "viewer", "other side's side_admin"}

// matrixRow is one route: a body it accepts, and the status per caller.
// The "other side" caller is the groom side's admin, and {u} is a bride
// unit: for it, that unit does not exist.
type matrixRow struct {
	body any
	want [5]int
}

func authMatrix(f *authFixture) map[string]matrixRow {
	const public = 200
	pub := matrixRow{want: [5]int{public, public, public, public, public}}
	root := func(body any) matrixRow { return matrixRow{body: body, want: [5]int{401, 401, 403, 403, 403}} }
	// read: viewers and side admins read; write: owner/admin only, or
	// guests of one's side (unit routes, where the other side's unit is
	// 404 for a side admin).
	read := matrixRow{want: [5]int{401, 401, 404, 200, 200}}
	adminWrite := func(body any) matrixRow { return matrixRow{body: body, want: [5]int{401, 401, 404, 403, 403}} }
	unitRead := matrixRow{want: [5]int{401, 401, 404, 200, 404}}
	unitWrite := func(body any) matrixRow { return matrixRow{body: body, want: [5]int{401, 401, 404, 403, 404}} }
	bride := unitBody("Bride cousin", "bride", nil, phone(950))
	return map[string]matrixRow{
		"GET /healthz":      pub,
		"GET /readyz":       pub,
		"GET /metrics":      pub,
		"GET /openapi.json": pub,
		// Meta's routes: a bearer token means nothing there; the verify
		// token and the body's signature do.
		"GET /webhooks/whatsapp":  {want: [5]int{403, 403, 403, 403, 403}},
		"POST /webhooks/whatsapp": {body: map[string]any{"object": "whatsapp_business_account"}, want: [5]int{401, 401, 401, 401, 401}},

		// The guests' pages: no bearer token opens them; {slug} names no
		// published site and {token} is no guest token: the polite 404.
		"GET /w/{slug}":                 {want: [5]int{404, 404, 404, 404, 404}},
		"POST /w/{slug}":                {want: [5]int{404, 404, 404, 404, 404}},
		"GET /w/{slug}/g/{token}":       {want: [5]int{404, 404, 404, 404, 404}},
		"POST /w/{slug}/g/{token}/rsvp": {body: "csrf=x&status_e1=yes", want: [5]int{404, 404, 404, 404, 404}},

		// The admins' dashboard page and its script hold no data: anyone.
		"GET /admin/{w}":                 pub,
		"GET /admin/static/dashboard.js": pub,

		"POST /v1/weddings":           root(map[string]any{"name": "Sneaky", "slug": "sneaky", "date": "2026-12-12"}),
		"GET /v1/weddings":            root(nil),
		"POST /v1/admin/snapshots":    root(map[string]any{}),
		"GET /v1/admin/inbox":         root(nil),
		"POST /v1/admin/inbox/replay": root(map[string]any{"from": "2026-01-01T00:00:00Z"}),
		// The guest-token keys are the engine's, not a wedding's.
		"GET /v1/admin/guest-keys":          root(nil),
		"POST /v1/admin/guest-keys/rotate":  root(nil),
		"DELETE /v1/admin/guest-keys/{kid}": root(nil),

		"GET /v1/weddings/{w}":                read,
		"PATCH /v1/weddings/{w}":              adminWrite(map[string]any{"slug": "hijacked"}),
		"POST /v1/weddings/{w}/tokens":        adminWrite(map[string]any{"role": "owner"}),
		"GET /v1/weddings/{w}/tokens":         adminWrite(nil),
		"DELETE /v1/weddings/{w}/tokens/{id}": adminWrite(nil),

		"POST /v1/weddings/{w}/events":       adminWrite(map[string]any{"name": "Haldi", "starts_at": "2026-12-10T09:00:00+05:30"}),
		"GET /v1/weddings/{w}/events":        read,
		"PATCH /v1/weddings/{w}/events/{e}":  adminWrite(map[string]any{"name": "Renamed"}),
		"DELETE /v1/weddings/{w}/events/{e}": adminWrite(nil),

		// A side admin adding a unit of the other side is refused (403):
		// there is no unit yet to hide. In a batch that is the item's error
		// (200, nothing stored).
		"POST /v1/weddings/{w}/units":       {body: bride, want: [5]int{401, 401, 404, 403, 403}},
		"POST /v1/weddings/{w}/units/batch": {body: map[string]any{"units": []any{bride}}, want: [5]int{401, 401, 404, 403, 200}},
		"GET /v1/weddings/{w}/units":        read,
		"GET /v1/weddings/{w}/units/{u}":    unitRead,
		"PATCH /v1/weddings/{w}/units/{u}":  unitWrite(map[string]any{"name": "Renamed"}),
		"DELETE /v1/weddings/{w}/units/{u}": unitWrite(nil),

		"POST /v1/weddings/{w}/invitations":        unitWrite(map[string]any{"event_ids": []string{f.e2}, "unit_ids": []string{f.brideUnit}, "seats": 9}),
		"POST /v1/weddings/{w}/invitations/remove": unitWrite(map[string]any{"event_ids": []string{f.ids.e}, "unit_ids": []string{f.brideUnit}}),
		"PUT /v1/weddings/{w}/rsvps/{u}/{e}":       unitWrite(map[string]any{"status": "no"}),
		"GET /v1/weddings/{w}/rsvps":               read,
		"GET /v1/weddings/{w}/headcount":           read,
		"GET /v1/weddings/{w}/headcount/stream":    read, // its first event is the answer
		// The audit trail shows every side: not for side admins.
		"GET /v1/weddings/{w}/audit": {want: [5]int{401, 401, 404, 200, 403}},

		// {c} is the owner's campaign to every side: a side admin sees only
		// its own side's campaigns, so for it {c} does not exist.
		"POST /v1/weddings/{w}/campaigns":            unitWrite(campaignBody(f.ids.e, f.brideUnit)),
		"GET /v1/weddings/{w}/campaigns":             read,
		"GET /v1/weddings/{w}/campaigns/{c}":         unitRead,
		"POST /v1/weddings/{w}/campaigns/{c}/pause":  unitWrite(nil),
		"POST /v1/weddings/{w}/campaigns/{c}/resume": unitWrite(nil),
		"POST /v1/weddings/{w}/campaigns/{c}/cancel": unitWrite(nil),
		"GET /v1/weddings/{w}/messages":              read,
		// {p} is a member of the bride unit.
		"PUT /v1/weddings/{w}/people/{p}/consent": unitWrite(map[string]any{"status": "opted_out", "source": "test"}),
		"GET /v1/weddings/{w}/people/{p}/consent": unitRead,
		// No reply waits in the fixture: {a} names none, so a member that
		// may resolve gets 404, like the other side's admin.
		// An empty file: refused (400) for a side admin, who may import.
		"POST /v1/weddings/{w}/imports": {want: [5]int{401, 401, 404, 403, 400}},
		"GET /v1/weddings/{w}/imports":  read,
		// A side admin's sheet holds its side's households only.
		"GET /v1/weddings/{w}/export.csv":                     read,
		"GET /v1/weddings/{w}/merge-suggestions":              read,
		"POST /v1/weddings/{w}/merge-suggestions/{m}/accept":  unitWrite(nil),
		"POST /v1/weddings/{w}/merge-suggestions/{m}/dismiss": unitWrite(nil),
		"GET /v1/weddings/{w}/attention":                      read,
		"POST /v1/weddings/{w}/attention/{a}/resolve":         unitWrite(map[string]any{"dismiss": true}),

		"PUT /v1/weddings/{w}/website":          adminWrite(map[string]any{"title": "Hijacked"}),
		"GET /v1/weddings/{w}/website":          {want: [5]int{401, 401, 404, 403, 403}},
		"POST /v1/weddings/{w}/website/publish": adminWrite(nil),
		// {u} is a bride unit: the groom side's admin sees none.
		"POST /v1/weddings/{w}/units/{u}/link":   unitWrite(nil),
		"DELETE /v1/weddings/{w}/units/{u}/link": unitWrite(nil),
		"GET /v1/weddings/{w}/units/{u}/links":   unitRead,
	}
}

func TestHTTP_AuthMatrix(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "auth-matrix")
	revokedID, revoked := s.issue(f.ids.w, f.owner, "owner", "")
	s.must(204, "DELETE", "/v1/weddings/"+f.ids.w+"/tokens/"+revokedID, f.owner, nil)
	other, otherOwner := s.newWedding("auth-matrix-other")
	tokens := [5]string{"", revoked, otherOwner, f.viewer, f.groom}

	fill := strings.NewReplacer("{w}", f.ids.w, "{e}", f.ids.e, "{u}", f.brideUnit, "{id}", f.viewerOf, "{c}", f.ids.c, "{p}", f.bridePerson, "{a}", "a999",
		"{slug}", "auth-matrix", "{token}", "forged", "{kid}", "g1")
	matrix := authMatrix(f)
	var routes []string
	for method, paths := range s.srv.Routes() {
		for _, p := range paths {
			routes = append(routes, method+" "+p)
		}
	}
	sort.Strings(routes)
	seqs := func() [2]uint64 { return [2]uint64{s.seq(f.ids.w), s.seq(other)} }
	before := seqs()
	weddings := len(s.must(200, "GET", "/v1/weddings", s.root, nil).items())
	for _, route := range routes {
		row, ok := matrix[route]
		if !ok {
			t.Errorf("route %s has no row in the authorization matrix: add one", route)
			continue
		}
		method, path, _ := strings.Cut(route, " ")
		path = fill.Replace(path)
		for i, who := range matrixCallers {
			a := s.with(t).call(method, path, tokens[i], row.body)
			if a.status != row.want[i] {
				t.Errorf("%s as %s: %d, want %d: %s", route, who, a.status, row.want[i], a.raw)
				continue
			}
			if a.status >= 400 && !strings.HasPrefix(path, "/w/") { // the guests' pages answer HTML
				wantError(t, a, a.status, map[int]string{400: "invalid_file", 401: "unauthorized", 403: "forbidden", 404: "not_found"}[a.status])
			}
		}
	}
	// Nothing any of them sent changed anything.
	if after := seqs(); after != before {
		t.Errorf("sequences moved %v → %v", before, after)
	}
	if n := len(s.must(200, "GET", "/v1/weddings", s.root, nil).items()); n != weddings {
		t.Errorf("weddings %d → %d", weddings, n)
	}
	for id, side := range f.units {
		if a := s.call("GET", "/v1/weddings/"+f.ids.w+"/units/"+id, f.owner, nil); a.status != 200 || a.str("side") != side {
			t.Errorf("unit %s after the matrix: %d %s", id, a.status, a.raw)
		}
	}
}

// Finding 7 of the review, for every route: a viewer's write is 403
// whatever its body (malformed, unknown fields, items that all fail), never
// a 400 or 200 that tells it how far the write would have got.
func TestHTTP_AuthViewerWritesAnyBody(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "auth-viewer-any")
	fill := strings.NewReplacer("{w}", f.ids.w, "{e}", f.ids.e, "{u}", f.brideUnit, "{id}", f.viewerOf, "{c}", f.ids.c, "{p}", f.bridePerson, "{a}", "a999")
	before := s.seq(f.ids.w)
	bodies := []string{`not json`, `{"bogus":1}`, `{"units":[{"side":"left"}]}`, `{"side":"left","members":[]}`, ``}
	for method, paths := range s.srv.Routes() {
		if method == "GET" {
			continue
		}
		for _, p := range paths {
			if !strings.HasPrefix(p, "/v1/weddings/{w}") {
				continue
			}
			for _, b := range bodies {
				a := s.with(t).call(method, fill.Replace(p), f.viewer, b)
				if a.status != 403 || a.errCode() != "forbidden" {
					t.Errorf("%s %s as a viewer with body %q: %d %s", method, p, b, a.status, a.raw)
				}
			}
		}
	}
	if after := s.seq(f.ids.w); after != before {
		t.Errorf("seq moved %d → %d", before, after)
	}
}
