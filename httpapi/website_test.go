package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/httpapi"
)

func siteBody() map[string]any {
	return map[string]any{"title": "Asha weds Rohan", "couple": "Asha & Rohan", "story": "We met in Goa.",
		"cover_url": "https://example.com/cover.jpg", "privacy": "public", "whatsapp_number": "98765 43210",
		"gifts": map[string]any{"upi_id": "asha@okaxis", "payee": "Asha Rao", "note": "Blessings only",
			"registry_links": []any{map[string]any{"title": "Home", "url": "https://registry.example/a"}}}}
}

func TestHTTP_Website(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "site")
	site := "/v1/weddings/" + f.ids.w + "/website"
	wantError(t, s.call("GET", site, f.owner, nil), 404, "not_found")
	wantError(t, s.call("POST", site+"/publish", f.admin, nil), 409, "website_not_set")

	a := s.must(200, "PUT", site, f.admin, siteBody())
	if a.str("whatsapp_number") != "+919876543210" || a.str("privacy") != "public" || a.body["password_set"] != false ||
		a.str("url") != "/w/site" || a.body["version"] != float64(0) {
		t.Fatalf("website %s", a.raw)
	}
	if g, _ := a.body["gifts"].(map[string]any); g["upi_id"] != "asha@okaxis" || len(g["registry_links"].([]any)) != 1 {
		t.Fatalf("gifts %s", a.raw)
	}

	tests := []struct {
		name  string
		edit  func(b map[string]any)
		code  string
		field string
	}{
		{"javascript cover", func(b map[string]any) { b["cover_url"] = "javascript:alert(1)" }, "invalid_field", "cover_url"},
		{"bad privacy", func(b map[string]any) { b["privacy"] = "secret" }, "invalid_field", "privacy"},
		{"password for public", func(b map[string]any) { b["password"] = "shaadi-2026" }, "invalid_field", "password"},
		{"password too short", func(b map[string]any) { b["privacy"], b["password"] = "password", "abc" }, "invalid_field", "password"},
		{"no password", func(b map[string]any) { b["privacy"] = "password" }, "invalid_field", "password"},
		{"bad upi", func(b map[string]any) { b["gifts"].(map[string]any)["upi_id"] = "asha" }, "invalid_field", "gifts.upi_id"},
		{"bad phone", func(b map[string]any) { b["whatsapp_number"] = "12" }, "invalid_phone", "whatsapp_number"},
		{"unknown field", func(b map[string]any) { b["colour"] = "red" }, "unknown_field", "colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := siteBody()
			tt.edit(b)
			e := wantError(t, s.with(t).call("PUT", site, f.owner, b), 400, tt.code)
			if e["field"] != tt.field {
				t.Errorf("field %v, want %s", e["field"], tt.field)
			}
		})
	}

	b := siteBody()
	b["privacy"], b["password"] = "password", "shaadi-2026"
	a = s.must(200, "PUT", site, f.owner, b)
	if a.body["password_set"] != true || strings.Contains(string(a.raw), "shaadi-2026") {
		t.Fatalf("website with a password: %s", a.raw)
	}
	for want := 1; want <= 2; want++ {
		p := s.must(200, "POST", site+"/publish", f.admin, nil)
		if p.body["version"] != float64(want) || p.str("url") != "/w/site" {
			t.Fatalf("publish: %s", p.raw)
		}
	}
	a = s.must(200, "GET", site, f.admin, nil)
	if a.body["version"] != float64(2) || a.body["password_set"] != true || a.str("published_at") == "" ||
		strings.Contains(string(a.raw), "shaadi") || strings.Contains(string(a.raw), "salt") || strings.Contains(string(a.raw), "hash") {
		t.Fatalf("GET website: %s", a.raw)
	}
	// The audit trail names the changes, never the password.
	audit := s.must(200, "GET", "/v1/weddings/"+f.ids.w+"/audit?kind=website_saved", f.owner, nil)
	if len(audit.items()) == 0 || strings.Contains(string(audit.raw), "shaadi-2026") {
		t.Fatalf("audit: %s", audit.raw)
	}
}

func TestHTTP_GuestLinks(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "links")
	other, otherOwner := s.newWedding("links-other")
	otherUnit := s.unit(other, otherOwner, unitBody("Other", "bride", nil, phone(70)))
	link := func(w, u, token string, body any) (url, tok string) {
		t.Helper()
		a := s.must(201, "POST", "/v1/weddings/"+w+"/units/"+u+"/link", token, body)
		url = a.str("url")
		i := strings.LastIndex(url, "/g/")
		if i < 0 || a.str("expires_at") == "" || a.str("id") == "" {
			t.Fatalf("link answer %s", a.raw)
		}
		return url, url[i+len("/g/"):]
	}
	ctx := context.Background()
	now := time.Now()
	valid := func(slug, tok string, at time.Time) bool {
		t.Helper()
		_, err := s.srv.GuestLink(ctx, slug, tok, at)
		if err != nil && !errors.Is(err, httpapi.ErrGuestToken) {
			t.Fatalf("GuestLink: %v", err)
		}
		return err == nil
	}

	url, bride := link(f.ids.w, f.brideUnit, f.bride, nil)
	if !strings.HasPrefix(url, "/w/links/g/") {
		t.Fatalf("url %q", url)
	}
	got, err := s.srv.GuestLink(ctx, "links", bride, now)
	if err != nil || got.UnitID != f.brideUnit || got.WeddingID != f.ids.w || got.KID != s.eng.CurrentGuestKID() {
		t.Fatalf("GuestLink = %+v, %v", got, err)
	}
	// Default expiry: 180 days.
	if d := time.Until(got.Expires); d < 179*24*time.Hour || d > 181*24*time.Hour {
		t.Fatalf("expires in %v", d)
	}
	_, bride2 := link(f.ids.w, f.brideUnit, f.owner, map[string]any{"expires_at": now.Add(time.Hour).Format(time.RFC3339)})
	_, groom := link(f.ids.w, f.groomUnit, f.admin, nil)
	_, otherTok := link(other, otherUnit, otherOwner, nil)

	tests := []struct {
		name, slug, token string
		at                time.Time
		want              bool
	}{
		{"bride's link", "links", bride, now, true},
		{"second link", "links", bride2, now, true},
		{"second link expired", "links", bride2, now.Add(2 * time.Hour), false},
		{"groom's link", "links", groom, now, true},
		{"another wedding's token on this slug", "links", otherTok, now, false},
		{"this wedding's token on another slug", "links-other", bride, now, false},
		{"unknown slug", "nobody", bride, now, false},
		{"forged", "links", bride[:len(bride)-3] + "AAA", now, false},
		{"garbage", "links", "hello", now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := valid(tt.slug, tt.token, tt.at); got != tt.want {
				t.Fatalf("valid = %t, want %t", got, tt.want)
			}
		})
	}

	// Who may: the other side's admin does not see a bride unit; a viewer
	// may not.
	wantError(t, s.call("POST", "/v1/weddings/"+f.ids.w+"/units/"+f.brideUnit+"/link", f.groom, nil), 404, "not_found")
	wantError(t, s.call("DELETE", "/v1/weddings/"+f.ids.w+"/units/"+f.brideUnit+"/link", f.groom, nil), 404, "not_found")
	wantError(t, s.call("POST", "/v1/weddings/"+f.ids.w+"/units/"+f.brideUnit+"/link", f.viewer, nil), 403, "forbidden")
	wantError(t, s.call("POST", "/v1/weddings/"+f.ids.w+"/units/"+f.brideUnit+"/link", f.owner,
		map[string]any{"expires_at": now.Add(-time.Hour).Format(time.RFC3339)}), 400, "invalid_field")
	wantError(t, s.call("POST", "/v1/weddings/"+f.ids.w+"/units/"+f.brideUnit+"/link", f.owner,
		map[string]any{"expires_at": "tomorrow"}), 400, "invalid_field")

	// Revoking ends every link of the unit, and only of it.
	s.must(204, "DELETE", "/v1/weddings/"+f.ids.w+"/units/"+f.brideUnit+"/link", f.bride, nil)
	if valid("links", bride, now) || valid("links", bride2, now) || !valid("links", groom, now) {
		t.Fatal("revoke did not end exactly the bride unit's links")
	}
	s.must(204, "DELETE", "/v1/weddings/"+f.ids.w+"/units/"+f.brideUnit+"/link", f.owner, nil)
	// A new link works; a deleted unit's does not.
	_, bride3 := link(f.ids.w, f.brideUnit, f.owner, nil)
	if !valid("links", bride3, now) {
		t.Fatal("a link issued after a revoke does not verify")
	}
	s.must(204, "DELETE", "/v1/weddings/"+f.ids.w+"/units/"+f.groomUnit, f.owner, nil)
	if valid("links", groom, now) {
		t.Fatal("a deleted unit's link verifies")
	}
	// The wedding's slug changes: old addresses stop working.
	s.must(200, "PATCH", "/v1/weddings/"+f.ids.w, f.owner, map[string]any{"slug": "links-new"})
	if valid("links", bride3, now) || !valid("links-new", bride3, now) {
		t.Fatal("a token follows its wedding's slug")
	}
}

// TestHTTP_GuestLinksListRotate: GET .../units/{u}/links lists a unit's
// links, live and revoked, newest first, never a token; POST .../link
// with rotate revokes the earlier ones in the same change; expires_in_days
// sets the expiry.
func TestHTTP_GuestLinksListRotate(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "links-list")
	base := "/v1/weddings/" + f.ids.w + "/units/" + f.brideUnit
	list := func(token string) []map[string]any {
		t.Helper()
		a := s.must(200, "GET", base+"/links", token, nil)
		if strings.Contains(string(a.raw), "/g/") || strings.Contains(string(a.raw), "token") || strings.Contains(string(a.raw), "url") {
			t.Fatalf("the list shows a token or an address: %s", a.raw)
		}
		var out []map[string]any
		for _, x := range a.items() {
			it := obj(x)
			if len(it) != 4 || it["id"] == "" || it["created_at"] == nil || it["expires_at"] == nil || it["revoked"] == nil {
				t.Fatalf("a link item: %s", a.raw)
			}
			out = append(out, it)
		}
		return out
	}
	if got := list(f.owner); len(got) != 0 {
		t.Fatalf("links of a unit without any: %v", got)
	}
	now := time.Now()
	a1 := s.must(201, "POST", base+"/link", f.bride, map[string]any{"expires_in_days": 7})
	if exp, err := time.Parse(time.RFC3339, a1.str("expires_at")); err != nil || exp.Sub(now) < 7*24*time.Hour-time.Minute || exp.Sub(now) > 7*24*time.Hour+time.Minute {
		t.Fatalf("expires_in_days 7: %s", a1.raw)
	}
	a2 := s.must(201, "POST", base+"/link", f.owner, nil)
	got := list(f.viewer)
	if len(got) != 2 || got[0]["id"] != a2.str("id") || got[1]["id"] != a1.str("id") || got[0]["revoked"] != false || got[1]["revoked"] != false ||
		got[1]["expires_at"] != a1.str("expires_at") {
		t.Fatalf("links: %v", got)
	}

	// Rotate: one command revokes both and issues a third.
	seq := s.seq(f.ids.w)
	a3 := s.must(201, "POST", base+"/link", f.bride, map[string]any{"rotate": true, "expires_in_days": 30})
	if after := s.seq(f.ids.w); after != seq+2 {
		t.Fatalf("a rotation took seq %d → %d, want one command of two changes", seq, after)
	}
	got = list(f.bride)
	if len(got) != 3 || got[0]["id"] != a3.str("id") || got[0]["revoked"] != false || got[1]["revoked"] != true || got[2]["revoked"] != true {
		t.Fatalf("links after a rotation: %v", got)
	}
	ctx := context.Background()
	for _, a := range []answer{a1, a2} {
		if _, err := s.srv.GuestLink(ctx, "links-list", tokenOf(a.str("url")), time.Now()); !errors.Is(err, httpapi.ErrGuestToken) {
			t.Fatalf("a rotated-away link: %v", err)
		}
	}
	if _, err := s.srv.GuestLink(ctx, "links-list", tokenOf(a3.str("url")), time.Now()); err != nil {
		t.Fatalf("the rotated link: %v", err)
	}
	// The audit names the links and never a token.
	audit := s.must(200, "GET", "/v1/weddings/"+f.ids.w+"/audit?unit="+f.brideUnit, f.owner, nil)
	kinds := map[string]int{}
	for _, x := range audit.items() {
		kinds[obj(x)["kind"].(string)]++
	}
	if kinds["guest_link_issued"] != 3 || kinds["guest_links_revoked"] != 1 {
		t.Fatalf("audit kinds %v", kinds)
	}
	for _, a := range []answer{a1, a2, a3} {
		if strings.Contains(string(audit.raw), tokenOf(a.str("url"))) {
			t.Fatalf("the audit holds a token: %s", audit.raw)
		}
	}
	// A revoke leaves the list with every link revoked.
	s.must(204, "DELETE", base+"/link", f.owner, nil)
	for _, it := range list(f.owner) {
		if it["revoked"] != true {
			t.Fatalf("a live link after a revoke: %v", it)
		}
	}
	// A rotation of a unit with no live links just issues one.
	s.must(201, "POST", base+"/link", f.owner, map[string]any{"rotate": true})

	// Who may: the other side's admin sees no such unit; a viewer may
	// not rotate.
	wantError(t, s.call("GET", base+"/links", f.groom, nil), 404, "not_found")
	wantError(t, s.call("POST", base+"/link", f.groom, map[string]any{"rotate": true}), 404, "not_found")
	wantError(t, s.call("POST", base+"/link", f.viewer, map[string]any{"rotate": true}), 403, "forbidden")
	wantError(t, s.call("GET", "/v1/weddings/"+f.ids.w+"/units/u999/links", f.owner, nil), 404, "not_found")
	// Bad bodies change nothing.
	seq = s.seq(f.ids.w)
	for _, tt := range []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"zero days", map[string]any{"expires_in_days": 0}, "expires_in_days", "invalid_field"},
		{"negative days", map[string]any{"expires_in_days": -3}, "expires_in_days", "invalid_field"},
		{"too many days", map[string]any{"expires_in_days": 733}, "expires_in_days", "invalid_field"},
		{"both expiries", map[string]any{"expires_in_days": 3, "expires_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, "expires_in_days", "invalid_field"},
		{"rotate not a bool", map[string]any{"rotate": "yes"}, "rotate", "invalid_field"},
		{"unknown field", map[string]any{"rotate": true, "revoke": true}, "revoke", "unknown_field"},
	} {
		e := wantError(t, s.with(t).call("POST", base+"/link", f.owner, tt.body), 400, tt.code)
		if e["field"] != tt.field {
			t.Errorf("%s: field %v, want %s", tt.name, e["field"], tt.field)
		}
	}
	if after := s.seq(f.ids.w); after != seq {
		t.Fatalf("refused link requests moved seq %d → %d", seq, after)
	}
	s.must(201, "POST", base+"/link", f.owner, map[string]any{"expires_in_days": 732})
}
