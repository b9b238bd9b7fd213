package httpapi_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// Who may call what: API.md "Conventions" (401, 403, 404) and "Weddings
// and access".

// routeCase is one call of a route with a body it accepts.
type routeCase struct {
	method, route string // route as in routes.go, e.g. /v1/weddings/{w}/units/{u}
	path          string // route with real ids
	body          any
	write         bool
	ownerOnly     bool // a read only owners (and root) may make
}

func (r routeCase) name() string { return r.method + " " + r.route }

// weddingIDs are real ids of one wedding to fill a route's parameters.
type weddingIDs struct {
	w, e, u, tokenID string
	c, p             string // a campaign, a person (of unit u)
}

// memberRoutes are the routes of one wedding ({w}), each with a body that
// passes decoding and the edge's checks, so that what answers is the
// authorization.
func memberRoutes(ids weddingIDs) []routeCase {
	fill := func(route string) string {
		return strings.NewReplacer("{w}", ids.w, "{e}", ids.e, "{u}", ids.u, "{id}", ids.tokenID, "{c}", ids.c, "{p}", ids.p, "{a}", "a999").Replace(route)
	}
	rc := func(method, route string, body any) routeCase {
		return routeCase{method: method, route: route, path: fill(route), body: body, write: method != "GET"}
	}
	return []routeCase{
		rc("GET", "/v1/weddings/{w}", nil),
		rc("PATCH", "/v1/weddings/{w}", map[string]any{"name": "Renamed wedding"}),
		rc("POST", "/v1/weddings/{w}/tokens", map[string]any{"role": "viewer"}),
		{method: "GET", route: "/v1/weddings/{w}/tokens", path: fill("/v1/weddings/{w}/tokens"), ownerOnly: true},
		rc("DELETE", "/v1/weddings/{w}/tokens/{id}", nil),
		rc("POST", "/v1/weddings/{w}/events", map[string]any{"name": "Haldi", "starts_at": "2026-12-10T09:00:00+05:30"}),
		rc("GET", "/v1/weddings/{w}/events", nil),
		rc("PATCH", "/v1/weddings/{w}/events/{e}", map[string]any{"name": "Renamed"}),
		rc("DELETE", "/v1/weddings/{w}/events/{e}", nil),
		rc("POST", "/v1/weddings/{w}/units", unitBody("Intruder", "both", nil, phone(900))),
		rc("POST", "/v1/weddings/{w}/units/batch", map[string]any{"units": []any{unitBody("Intruder", "both", nil, phone(901))}}),
		rc("GET", "/v1/weddings/{w}/units", nil),
		rc("GET", "/v1/weddings/{w}/units/{u}", nil),
		rc("PATCH", "/v1/weddings/{w}/units/{u}", map[string]any{"name": "Renamed"}),
		rc("DELETE", "/v1/weddings/{w}/units/{u}", nil),
		rc("POST", "/v1/weddings/{w}/invitations", map[string]any{"event_ids": []string{ids.e}, "all": true, "seats": 9}),
		rc("POST", "/v1/weddings/{w}/invitations/remove", map[string]any{"event_ids": []string{ids.e}, "unit_ids": []string{ids.u}}),
		rc("PUT", "/v1/weddings/{w}/rsvps/{u}/{e}", map[string]any{"status": "no"}),
		rc("GET", "/v1/weddings/{w}/rsvps", nil),
		rc("GET", "/v1/weddings/{w}/headcount", nil),
		rc("GET", "/v1/weddings/{w}/headcount/stream", nil),
		rc("GET", "/v1/weddings/{w}/audit", nil),
		rc("POST", "/v1/weddings/{w}/campaigns", campaignBody(ids.e, ids.u)),
		rc("GET", "/v1/weddings/{w}/campaigns", nil),
		rc("GET", "/v1/weddings/{w}/campaigns/{c}", nil),
		rc("POST", "/v1/weddings/{w}/campaigns/{c}/pause", nil),
		rc("POST", "/v1/weddings/{w}/campaigns/{c}/resume", nil),
		rc("POST", "/v1/weddings/{w}/campaigns/{c}/cancel", nil),
		rc("GET", "/v1/weddings/{w}/messages", nil),
		rc("PUT", "/v1/weddings/{w}/people/{p}/consent", map[string]any{"status": "opted_out", "source": "test"}),
		rc("GET", "/v1/weddings/{w}/people/{p}/consent", nil),
		rc("POST", "/v1/weddings/{w}/imports", nil),
		rc("GET", "/v1/weddings/{w}/imports", nil),
		rc("GET", "/v1/weddings/{w}/export.csv", nil),
		rc("GET", "/v1/weddings/{w}/merge-suggestions", nil),
		rc("POST", "/v1/weddings/{w}/merge-suggestions/{m}/accept", nil),
		rc("POST", "/v1/weddings/{w}/merge-suggestions/{m}/dismiss", nil),
		rc("GET", "/v1/weddings/{w}/attention", nil),
		rc("POST", "/v1/weddings/{w}/attention/{a}/resolve", map[string]any{"dismiss": true}),
		rc("PUT", "/v1/weddings/{w}/website", map[string]any{"title": "Hijacked"}),
		{method: "GET", route: "/v1/weddings/{w}/website", path: fill("/v1/weddings/{w}/website"), ownerOnly: true},
		rc("POST", "/v1/weddings/{w}/website/publish", nil),
		rc("POST", "/v1/weddings/{w}/units/{u}/link", nil),
		rc("DELETE", "/v1/weddings/{w}/units/{u}/link", nil),
		rc("GET", "/v1/weddings/{w}/units/{u}/links", nil),
	}
}

// campaignBody is an invitation campaign to one unit for one event.
func campaignBody(event, unit string) map[string]any {
	return map[string]any{"kind": "invite", "event_ids": []string{event}, "audience": map[string]any{"unit_ids": []string{unit}},
		"template": map[string]any{"name": "wedding_invite", "language": "en"}}
}

// rootRoutes are the operator's routes.
func rootRoutes() []routeCase {
	return []routeCase{
		{method: "POST", route: "/v1/weddings", path: "/v1/weddings", write: true,
			body: map[string]any{"name": "Sneaky", "slug": "sneaky", "date": "2026-12-12"}},
		{method: "GET", route: "/v1/weddings", path: "/v1/weddings"},
		{method: "POST", route: "/v1/admin/snapshots", path: "/v1/admin/snapshots", body: map[string]any{}, write: true},
		{method: "GET", route: "/v1/admin/inbox", path: "/v1/admin/inbox"},
		{method: "POST", route: "/v1/admin/inbox/replay", path: "/v1/admin/inbox/replay", body: map[string]any{"from": "2026-01-01T00:00:00Z"}, write: true},
		{method: "GET", route: "/v1/admin/guest-keys", path: "/v1/admin/guest-keys"},
		{method: "POST", route: "/v1/admin/guest-keys/rotate", path: "/v1/admin/guest-keys/rotate", write: true},
		{method: "DELETE", route: "/v1/admin/guest-keys/{kid}", path: "/v1/admin/guest-keys/g1", write: true},
	}
}

var publicRoutes = []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
	"GET /webhooks/whatsapp", "POST /webhooks/whatsapp",
	"GET /w/{slug}", "POST /w/{slug}", "GET /w/{slug}/g/{token}", "POST /w/{slug}/g/{token}/rsvp",
	"GET /admin/{w}", "GET /admin/static/dashboard.js"}

// authFixture is a wedding with an event, a unit invited to it with an
// answer, and a token of every role.
type authFixture struct {
	ids                                weddingIDs
	owner, admin, viewer, bride, groom string
	units                              map[string]string // unit id → side
	brideUnit, groomUnit, bothUnit, e2 string
	adminOf, viewerOf, brideOf         string // token ids
	bridePerson                        string // the bride unit's first member
}

func newAuthFixture(s *testServer, slug string) *authFixture {
	s.t.Helper()
	f := &authFixture{units: map[string]string{}}
	f.ids.w, f.owner = s.newWedding(slug)
	w := f.ids.w
	f.adminOf, f.admin = s.issue(w, f.owner, "admin", "")
	f.viewerOf, f.viewer = s.issue(w, f.owner, "viewer", "")
	f.brideOf, f.bride = s.issue(w, f.owner, "side_admin", "bride")
	_, f.groom = s.issue(w, f.owner, "side_admin", "groom")
	f.ids.tokenID = f.viewerOf
	f.ids.e = s.event(w, f.owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	f.e2 = s.event(w, f.owner, "Wedding", "2026-12-12T10:00:00+05:30")
	add := func(name, side string, phones ...string) string {
		id := s.unit(w, f.owner, unitBody(name, side, nil, phones...))
		f.units[id] = side
		return id
	}
	f.brideUnit = add("Sharma", "bride", phone(1), phone(2))
	f.groomUnit = add("Verma", "groom", phone(3), phone(4), phone(5))
	f.bothUnit = add("Kapoor", "both", phone(6))
	add("Iyer", "bride", phone(7))
	add("Mehta", "groom", phone(8), phone(9))
	f.ids.u = f.groomUnit
	inv := "/v1/weddings/" + w + "/invitations"
	s.must(200, "POST", inv, f.owner, map[string]any{"event_ids": []string{f.ids.e}, "all": true})
	s.must(200, "POST", inv, f.owner, map[string]any{"event_ids": []string{f.e2}, "unit_ids": []string{f.brideUnit, f.groomUnit}})
	for _, r := range []struct{ u, e, status string }{
		{f.brideUnit, f.ids.e, "yes"}, {f.groomUnit, f.ids.e, "yes"}, {f.bothUnit, f.ids.e, "no"},
		{f.groomUnit, f.e2, "maybe"}, {f.brideUnit, f.e2, "yes"},
	} {
		s.must(200, "PUT", "/v1/weddings/"+w+"/rsvps/"+r.u+"/"+r.e, f.owner, map[string]any{"status": r.status})
	}
	f.bridePerson = s.must(200, "GET", "/v1/weddings/"+w+"/units/"+f.brideUnit, f.owner, nil).members()[0]
	f.ids.p = s.must(200, "GET", "/v1/weddings/"+w+"/units/"+f.groomUnit, f.owner, nil).members()[0]
	f.ids.c = s.must(202, "POST", "/v1/weddings/"+w+"/campaigns", f.owner, map[string]any{"kind": "invite",
		"event_ids": []string{f.ids.e}, "audience": map[string]any{"all": true},
		"template": map[string]any{"name": "wedding_invite", "language": "en"}}).str("id")
	return f
}

// TestHTTP_AuthRouteTable keeps the tables above in step with routes.go:
// the other tests here cover every route only if these list them all.
func TestHTTP_AuthRouteTable(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	var listed []string
	for _, r := range append(memberRoutes(weddingIDs{}), rootRoutes()...) {
		listed = append(listed, r.name())
	}
	listed = append(listed, publicRoutes...)
	var registered []string
	for method, paths := range s.srv.Routes() {
		for _, p := range paths {
			registered = append(registered, method+" "+p)
		}
	}
	sort.Strings(listed)
	sort.Strings(registered)
	if !slices.Equal(listed, registered) {
		t.Errorf("routes in the auth tests:\n%v\nregistered:\n%v", listed, registered)
	}
}

func TestHTTP_AuthNoValidToken(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "auth-none")
	revokedID, revoked := s.issue(f.ids.w, f.owner, "admin", "")
	s.must(204, "DELETE", "/v1/weddings/"+f.ids.w+"/tokens/"+revokedID, f.owner, nil)
	other, _ := s.newWedding("auth-none-other")
	seq := s.seq(f.ids.w)

	tokens := []struct {
		name   string
		header string // the whole Authorization header; "" for none
	}{
		{"no token", ""},
		{"garbage", "Bearer garbage"},
		{"not bearer", "Basic " + f.owner},
		{"bearer without a token", "Bearer"},
		{"right wedding, wrong secret", "Bearer " + f.ids.w + ".c2VjcmV0"},
		{"unknown wedding", "Bearer wnosuchwedding.c2VjcmV0"},
		{"other wedding's id, this wedding's secret", "Bearer " + other + f.owner[strings.LastIndexByte(f.owner, '.'):]},
		{"revoked", "Bearer " + revoked},
		{"root token with a typo", "Bearer " + s.root + "x"},
		{"no wedding prefix", "Bearer .secret"},
	}
	routes := append(memberRoutes(f.ids), rootRoutes()...)
	for _, tok := range tokens {
		t.Run(tok.name, func(t *testing.T) {
			for _, r := range routes {
				s := s.with(t)
				var hdr []string
				if tok.header != "" {
					hdr = []string{"Authorization", tok.header}
				}
				a := s.call(r.method, r.path, "", r.body, hdr...)
				if a.status != 401 {
					t.Errorf("%s: status %d, want 401: %s", r.name(), a.status, a.raw)
					continue
				}
				wantError(t, a, 401, "unauthorized")
			}
		})
	}
	if after := s.seq(f.ids.w); after != seq {
		t.Errorf("seq moved %d → %d by unauthenticated requests", seq, after)
	}
	if ids := s.must(200, "GET", "/v1/weddings", s.root, nil).items(); len(ids) != 2 {
		t.Errorf("weddings: %v", ids)
	}
}

func TestHTTP_AuthViewerWrites(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "auth-viewer")
	seq := s.seq(f.ids.w)
	units := s.unitIDs(f.ids.w, f.owner)
	for _, r := range memberRoutes(f.ids) {
		t.Run(r.name(), func(t *testing.T) {
			a := s.with(t).call(r.method, r.path, f.viewer, r.body)
			if !r.write && !r.ownerOnly {
				if a.status != 200 {
					t.Errorf("a viewer reading: %d %s", a.status, a.raw)
				}
				return
			}
			wantError(t, a, 403, "forbidden")
		})
	}
	if after := s.seq(f.ids.w); after != seq {
		t.Errorf("seq moved %d → %d by a viewer", seq, after)
	}
	if after := s.unitIDs(f.ids.w, f.owner); !slices.Equal(after, units) {
		t.Errorf("units changed by a viewer: %v → %v", units, after)
	}
}

func TestHTTP_AuthRoles(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "auth-roles")
	w := f.ids.w
	tokens := "/v1/weddings/" + w + "/tokens"
	tests := []struct {
		name          string
		method, path  string
		token         string
		body          any
		status        int
		code          string
		changesNothin bool
	}{
		{name: "admin issues a token", method: "POST", path: tokens, token: f.admin, body: map[string]any{"role": "viewer"}, status: 403, code: "forbidden"},
		{name: "admin revokes a token", method: "DELETE", path: tokens + "/" + f.viewerOf, token: f.admin, status: 403, code: "forbidden"},
		{name: "side_admin issues a token", method: "POST", path: tokens, token: f.bride, body: map[string]any{"role": "viewer"}, status: 403, code: "forbidden"},
		{name: "viewer issues itself an owner token", method: "POST", path: tokens, token: f.viewer, body: map[string]any{"role": "owner"}, status: 403, code: "forbidden"},
		{name: "owner creates a wedding", method: "POST", path: "/v1/weddings", token: f.owner, body: rootRoutes()[0].body, status: 403, code: "forbidden"},
		{name: "admin creates a wedding", method: "POST", path: "/v1/weddings", token: f.admin, body: rootRoutes()[0].body, status: 403, code: "forbidden"},
		{name: "viewer creates a wedding", method: "POST", path: "/v1/weddings", token: f.viewer, body: rootRoutes()[0].body, status: 403, code: "forbidden"},
		{name: "owner lists weddings", method: "GET", path: "/v1/weddings", token: f.owner, status: 403, code: "forbidden"},
		{name: "owner snapshots", method: "POST", path: "/v1/admin/snapshots", token: f.owner, body: map[string]any{"wedding_id": w}, status: 403, code: "forbidden"},
		{name: "owner issues an admin token", method: "POST", path: tokens, token: f.owner, body: map[string]any{"role": "admin"}, status: 201},
		{name: "admin adds an event", method: "POST", path: "/v1/weddings/" + w + "/events", token: f.admin,
			body: map[string]any{"name": "Haldi", "starts_at": "2026-12-10T09:00:00+05:30"}, status: 201},
		{name: "side_admin adds an event", method: "POST", path: "/v1/weddings/" + w + "/events", token: f.bride,
			body: map[string]any{"name": "Haldi", "starts_at": "2026-12-10T09:00:00+05:30"}, status: 403, code: "forbidden"},
		{name: "owner revokes the admin token", method: "DELETE", path: tokens + "/" + f.adminOf, token: f.owner, status: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			weddings := len(s.must(200, "GET", "/v1/weddings", s.root, nil).items())
			a := s.call(tt.method, tt.path, tt.token, tt.body)
			if tt.code == "" {
				if a.status != tt.status {
					t.Errorf("status %d, want %d: %s", a.status, tt.status, a.raw)
				}
				return
			}
			wantError(t, a, tt.status, tt.code)
			if after := s.seq(w); after != before {
				t.Errorf("seq moved %d → %d on a refused request", before, after)
			}
			if n := len(s.must(200, "GET", "/v1/weddings", s.root, nil).items()); n != weddings {
				t.Errorf("weddings %d → %d on a refused request", weddings, n)
			}
		})
	}
	wantError(t, s.call("GET", "/v1/weddings/"+w, f.admin, nil), 401, "unauthorized")
}

// TestHTTP_AuthSideAdmin checks API.md: a side_admin reads and writes only
// units of its side plus "both"; a unit outside its side does not exist
// for it (404); its headcount counts exactly its units. Adding a unit to
// (or moving one to) the other side is refused with 403, as the domain
// decides (buildUnit): there is no unit yet to hide.
func TestHTTP_AuthSideAdmin(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "auth-side")
	w := f.ids.w
	base := "/v1/weddings/" + w
	tests := []struct {
		name         string
		method, path string
		body         any
		status       int
		code         string
	}{
		{"get a groom unit", "GET", base + "/units/" + f.groomUnit, nil, 404, "not_found"},
		{"patch a groom unit", "PATCH", base + "/units/" + f.groomUnit, map[string]any{"name": "x"}, 404, "not_found"},
		{"delete a groom unit", "DELETE", base + "/units/" + f.groomUnit, nil, 404, "not_found"},
		{"answer for a groom unit", "PUT", base + "/rsvps/" + f.groomUnit + "/" + f.ids.e, map[string]any{"status": "no"}, 404, "not_found"},
		{"invite a groom unit", "POST", base + "/invitations", map[string]any{"event_ids": []string{f.e2}, "unit_ids": []string{f.groomUnit}}, 404, "not_found"},
		{"uninvite a groom unit", "POST", base + "/invitations/remove", map[string]any{"event_ids": []string{f.ids.e}, "unit_ids": []string{f.groomUnit}}, 404, "not_found"},
		{"add a groom unit", "POST", base + "/units", unitBody("Groomish", "groom", nil, phone(50)), 403, "forbidden"},
		{"move its unit to the groom side", "PATCH", base + "/units/" + f.brideUnit, map[string]any{"side": "groom"}, 403, "forbidden"},
		{"read the audit trail", "GET", base + "/audit", nil, 403, "forbidden"},
		{"get its unit", "GET", base + "/units/" + f.brideUnit, nil, 200, ""},
		{"get a both unit", "GET", base + "/units/" + f.bothUnit, nil, 200, ""},
		{"answer for its unit", "PUT", base + "/rsvps/" + f.brideUnit + "/" + f.ids.e, map[string]any{"status": "yes", "headcount": 1}, 200, ""},
		{"answer for a both unit", "PUT", base + "/rsvps/" + f.bothUnit + "/" + f.e2, map[string]any{"status": "yes"}, 409, "not_invited"},
		{"add a bride unit", "POST", base + "/units", unitBody("Bridish", "bride", nil, phone(51)), 201, ""},
		{"add a both unit", "POST", base + "/units", unitBody("Bothish", "both", nil, phone(52)), 201, ""},
		{"invite everyone it sees", "POST", base + "/invitations", map[string]any{"event_ids": []string{f.e2}, "all": true}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			a := s.call(tt.method, tt.path, f.bride, tt.body)
			if tt.code == "" {
				if a.status != tt.status {
					t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
				}
				if id := a.str("id"); tt.status == 201 && id != "" {
					f.units[id] = a.str("side")
				}
				return
			}
			wantError(t, a, tt.status, tt.code)
			if after := s.seq(w); after != before {
				t.Errorf("seq moved %d → %d on a refused request", before, after)
			}
		})
	}

	// A batch: the groom item is refused, the others are stored.
	a := s.must(200, "POST", base+"/units/batch", f.bride, map[string]any{"units": []any{
		unitBody("Batch bride", "bride", nil, phone(60)), unitBody("Batch groom", "groom", nil, phone(61)),
	}})
	res := a.body["results"].([]any)
	if obj(res[0])["id"] == nil || obj(obj(res[1])["error"])["code"] != "forbidden" {
		t.Errorf("side_admin batch: %s", a.raw)
	} else {
		f.units[obj(res[0])["id"].(string)] = "bride"
	}
	// The groom units are still invited only where the owner put them.
	for _, r := range s.list(base+"/rsvps?event="+f.e2, f.owner, 100) {
		if u := r["unit_id"].(string); f.units[u] == "groom" && u != f.groomUnit {
			t.Errorf("the bride side admin invited groom unit %s", u)
		}
	}

	sides := []struct {
		name, token string
		sees        func(side string) bool
	}{
		{"bride", f.bride, func(side string) bool { return side != "groom" }},
		{"groom", f.groom, func(side string) bool { return side != "bride" }},
		{"owner", f.owner, func(string) bool { return true }},
	}
	for _, tt := range sides {
		t.Run("scope of "+tt.name, func(t *testing.T) {
			s := s.with(t)
			var want []string
			for id, side := range f.units {
				if tt.sees(side) {
					want = append(want, id)
				}
			}
			sort.Strings(want)
			if got := s.unitIDs(w, tt.token); !slices.Equal(got, want) {
				t.Errorf("units = %v, want %v", got, want)
			}
			for _, r := range s.list(base+"/rsvps", tt.token, 100) {
				if !tt.sees(f.units[r["unit_id"].(string)]) {
					t.Errorf("rsvps list shows unit %v", r["unit_id"])
				}
			}
			got := readHeadcount(t, s, w, tt.token)
			exp := expectHeadcount(t, s, w, f.owner, func(u string) bool { return tt.sees(f.units[u]) })
			sameCounts(t, got, exp)
		})
	}
}

func TestHTTP_AuthOtherWedding(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	a := newAuthFixture(s, "auth-a")
	b := newAuthFixture(s, "auth-b")
	seq := s.seq(b.ids.w)
	units := s.unitIDs(b.ids.w, b.owner)
	tokens := []struct{ name, token string }{{"owner", a.owner}, {"admin", a.admin}, {"viewer", a.viewer}, {"side_admin", a.bride}}
	for _, tok := range tokens {
		t.Run(tok.name+" of A", func(t *testing.T) {
			for _, r := range memberRoutes(b.ids) {
				wantError(t, s.with(t).call(r.method, r.path, tok.token, r.body), 404, "not_found")
			}
		})
	}
	// A's ids in B's paths, with B's owner: unknown ids.
	t.Run("ids of A in B", func(t *testing.T) {
		mixed := weddingIDs{w: b.ids.w, e: a.ids.e + "x", u: a.ids.u + "x", tokenID: a.ids.tokenID + "x", c: a.ids.c + "x", p: a.ids.p + "x"}
		for _, r := range memberRoutes(mixed) {
			if !strings.Contains(r.route, "{e}") && !strings.Contains(r.route, "{u}") && !strings.Contains(r.route, "{id}") &&
				!strings.Contains(r.route, "{c}") && !strings.Contains(r.route, "{p}") {
				continue
			}
			wantError(t, s.with(t).call(r.method, r.path, b.owner, r.body), 404, "not_found")
		}
	})
	if after := s.seq(b.ids.w); after != seq {
		t.Errorf("B's seq moved %d → %d", seq, after)
	}
	if after := s.unitIDs(b.ids.w, b.owner); !slices.Equal(after, units) {
		t.Errorf("B's units changed: %v → %v", units, after)
	}
}

func TestHTTP_AuthRootUnknownWedding(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "auth-root")
	for _, id := range []string{"wnosuchwedding", "w" + strings.Repeat("x", 200)} {
		ids := weddingIDs{w: id, e: f.ids.e, u: f.ids.u, tokenID: f.ids.tokenID, c: f.ids.c, p: f.ids.p}
		for _, r := range memberRoutes(ids) {
			t.Run(r.name(), func(t *testing.T) {
				wantError(t, s.with(t).call(r.method, r.path, s.root, r.body), 404, "not_found")
			})
		}
	}
	if ids := s.must(200, "GET", "/v1/weddings", s.root, nil).items(); len(ids) != 1 {
		t.Errorf("weddings after requests on unknown ones: %v", ids)
	}
}
