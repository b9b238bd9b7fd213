package domain_test

import (
	"bytes"
	"testing"

	"github.com/parinayaos/engine/domain"
)

func validSite() *domain.SetWebsite {
	return &domain.SetWebsite{
		Title: "Asha weds Rohan", Couple: "Asha & Rohan", Story: "We met in Goa.\nThen Delhi.",
		CoverURL: "https://example.com/cover.jpg", Privacy: domain.PrivacyPublic, WhatsAppNumber: "98765 43210",
		Gifts: domain.Gifts{UPIID: "asha.rao@okaxis", Payee: "Asha Rao", Note: "Your blessings are enough",
			RegistryLinks: []domain.RegistryLink{{Title: "Home", URL: "http://registry.example/asha"}}},
	}
}

func testHash(t testing.TB, pw string) *domain.PasswordHash {
	t.Helper()
	h, err := domain.HashPassword(pw, bytes.Repeat([]byte{7}, domain.PasswordSaltLen))
	if err != nil {
		t.Fatal(err)
	}
	return &h
}

func TestWebsite_Set(t *testing.T) {
	s := newScene(t)
	out := s.must(admin, validSite()).(*domain.Website)
	if out.WhatsAppNumber != "+919876543210" || out.Title != "Asha weds Rohan" || out.Version != 0 || out.Password != nil {
		t.Fatalf("website %+v", out)
	}
	if got := s.w.Website; got == nil || got.Gifts.UPIID != "asha.rao@okaxis" || len(got.Gifts.RegistryLinks) != 1 {
		t.Fatalf("state %+v", got)
	}
	checkReplay(t, s.fixture)
}

func TestWebsite_SetRejects(t *testing.T) {
	long := string(bytes.Repeat([]byte("a"), domain.MaxNameLen+1))
	tests := []struct {
		name  string
		by    domain.Principal
		edit  func(c *domain.SetWebsite)
		kind  error
		code  string
		field string
	}{
		{"viewer", viewer, func(*domain.SetWebsite) {}, domain.ErrForbidden, "forbidden", ""},
		{"side admin", brideAdmin, func(*domain.SetWebsite) {}, domain.ErrForbidden, "forbidden", ""},
		{"no title", admin, func(c *domain.SetWebsite) { c.Title = "  " }, domain.ErrInvalid, "invalid_field", "title"},
		{"long couple", admin, func(c *domain.SetWebsite) { c.Couple = long }, domain.ErrInvalid, "invalid_field", "couple"},
		{"title newline", admin, func(c *domain.SetWebsite) { c.Title = "a\nb" }, domain.ErrInvalid, "invalid_field", "title"},
		{"story bidi", admin, func(c *domain.SetWebsite) { c.Story = "a\u202eb" }, domain.ErrInvalid, "invalid_field", "story"},
		{"cover javascript", admin, func(c *domain.SetWebsite) { c.CoverURL = "javascript:alert(1)" }, domain.ErrInvalid, "invalid_field", "cover_url"},
		{"cover data", admin, func(c *domain.SetWebsite) { c.CoverURL = "data:image/png;base64,AAAA" }, domain.ErrInvalid, "invalid_field", "cover_url"},
		{"cover no host", admin, func(c *domain.SetWebsite) { c.CoverURL = "https:///x.jpg" }, domain.ErrInvalid, "invalid_field", "cover_url"},
		{"cover userinfo", admin, func(c *domain.SetWebsite) { c.CoverURL = "https://a:b@x.in/c.jpg" }, domain.ErrInvalid, "invalid_field", "cover_url"},
		{"cover quote", admin, func(c *domain.SetWebsite) { c.CoverURL = `https://x.in/"onerror=x` }, domain.ErrInvalid, "invalid_field", "cover_url"},
		{"bad privacy", admin, func(c *domain.SetWebsite) { c.Privacy = 9 }, domain.ErrInvalid, "invalid_field", "privacy"},
		{"password without hash", admin, func(c *domain.SetWebsite) { c.Privacy = domain.PrivacyPassword }, domain.ErrInvalid, "invalid_field", "password"},
		{"hash for public", admin, func(c *domain.SetWebsite) { c.Password = &domain.PasswordHash{} }, domain.ErrInvalid, "invalid_field", "password"},
		{"malformed hash", admin, func(c *domain.SetWebsite) {
			c.Privacy, c.Password = domain.PrivacyPassword, &domain.PasswordHash{Salt: []byte("s"), Iter: 1, Hash: []byte("h")}
		}, domain.ErrInvalid, "invalid_field", "password"},
		{"bad whatsapp", admin, func(c *domain.SetWebsite) { c.WhatsAppNumber = "12" }, domain.ErrInvalid, "invalid_phone", "whatsapp_number"},
		{"upi no bank", admin, func(c *domain.SetWebsite) { c.Gifts.UPIID = "asha" }, domain.ErrInvalid, "invalid_field", "gifts.upi_id"},
		{"upi two ats", admin, func(c *domain.SetWebsite) { c.Gifts.UPIID = "a@b@c" }, domain.ErrInvalid, "invalid_field", "gifts.upi_id"},
		{"upi space", admin, func(c *domain.SetWebsite) { c.Gifts.UPIID = "as ha@okaxis" }, domain.ErrInvalid, "invalid_field", "gifts.upi_id"},
		{"upi ampersand", admin, func(c *domain.SetWebsite) { c.Gifts.UPIID = "asha@ok&am=1" }, domain.ErrInvalid, "invalid_field", "gifts.upi_id"},
		{"payee tab", admin, func(c *domain.SetWebsite) { c.Gifts.Payee = "a\tb" }, domain.ErrInvalid, "invalid_field", "gifts.payee"},
		{"too many links", admin, func(c *domain.SetWebsite) {
			c.Gifts.RegistryLinks = make([]domain.RegistryLink, domain.MaxRegistryLinks+1)
		}, domain.ErrInvalid, "invalid_field", "gifts.registry_links"},
		{"link no title", admin, func(c *domain.SetWebsite) { c.Gifts.RegistryLinks[0].Title = "" }, domain.ErrInvalid, "invalid_field", "gifts.registry_links[0].title"},
		{"link ftp", admin, func(c *domain.SetWebsite) { c.Gifts.RegistryLinks[0].URL = "ftp://x.in" }, domain.ErrInvalid, "invalid_field", "gifts.registry_links[0].url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			c := validSite()
			tt.edit(c)
			seq := s.w.Seq
			_, _, err := s.exec(tt.by, c)
			checkErr(t, err, tt.kind, tt.code, tt.field)
			if s.w.Seq != seq || s.w.Website != nil {
				t.Fatal("a rejected SetWebsite changed the wedding")
			}
		})
	}
}

func TestWebsite_Password(t *testing.T) {
	s := newScene(t)
	c := validSite()
	c.Privacy, c.Password = domain.PrivacyPassword, testHash(t, "shaadi-2026")
	s.must(owner, c)
	pw := s.w.Website.Password
	if !pw.Verify("shaadi-2026") || pw.Verify("shaadi-2027") || pw.Verify("") {
		t.Fatal("password does not verify as set")
	}
	if bytes.Contains(pw.Hash, []byte("shaadi")) || pw.Iter != domain.PasswordIterations {
		t.Fatalf("stored hash %+v", pw)
	}
	// Saving again without a new password keeps the stored one.
	c = validSite()
	c.Privacy, c.Title = domain.PrivacyPassword, "New title"
	s.must(admin, c)
	if !s.w.Website.Password.Verify("shaadi-2026") {
		t.Fatal("password lost on a save without one")
	}
	// Any other privacy drops it.
	s.must(admin, validSite())
	if s.w.Website.Password != nil {
		t.Fatal("password kept for a public website")
	}
	for _, bad := range []string{"short", string(bytes.Repeat([]byte("x"), domain.MaxPasswordLen+1)), "\xff\xfe\xfd\xfc\xfb\xfa"} {
		if _, err := domain.HashPassword(bad, make([]byte, domain.PasswordSaltLen)); err == nil {
			t.Errorf("HashPassword(%q) accepted", bad)
		}
	}
	if _, err := domain.HashPassword("long enough", make([]byte, 4)); err == nil {
		t.Error("HashPassword accepted a 4-byte salt")
	}
	var none *domain.PasswordHash
	if none.Verify("anything") {
		t.Error("a nil hash verified")
	}
	checkReplay(t, s.fixture)
}

func TestWebsite_Publish(t *testing.T) {
	s := newScene(t)
	_, _, err := s.exec(admin, &domain.PublishWebsite{})
	checkErr(t, err, domain.ErrConflict, "website_not_set", "")
	s.must(admin, validSite())
	_, _, err = s.exec(viewer, &domain.PublishWebsite{})
	checkErr(t, err, domain.ErrForbidden, "forbidden", "")
	for want := uint32(1); want <= 3; want++ {
		p := s.must(owner, &domain.PublishWebsite{}).(domain.Publication)
		if p.Version != want || p.URL != "/w/asha-rohan" {
			t.Fatalf("publication %+v, want version %d", p, want)
		}
	}
	at := s.w.Website.PublishedAt
	// A save keeps the published version.
	s.must(admin, validSite())
	if s.w.Website.Version != 3 || s.w.Website.PublishedAt != at || at == 0 {
		t.Fatalf("after a save: version %d published at %d", s.w.Website.Version, s.w.Website.PublishedAt)
	}
	got, err := domain.GetWebsite{}.Run(s.w, admin)
	if err != nil || got.(*domain.Website).Version != 3 {
		t.Fatalf("GetWebsite = %+v, %v", got, err)
	}
	if _, err := (domain.GetWebsite{}).Run(s.w, viewer); err == nil {
		t.Fatal("a viewer read the website's configuration")
	}
	checkReplay(t, s.fixture)
}

func TestGuestLinks(t *testing.T) {
	s := newScene(t)
	exp := s.now + 30*day
	l := s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp}).(domain.GuestLink)
	if l.ID == "" || l.UnitID != s.bride.ID || l.ExpiresAt != exp || l.IssuedAt != s.now {
		t.Fatalf("link %+v", l)
	}
	l2 := s.must(brideAdmin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp}).(domain.GuestLink)
	g := s.must(groomAdmin, &domain.IssueGuestLink{UnitID: s.groom.ID, ExpiresAt: exp}).(domain.GuestLink)
	check := func(id, unit string, at domain.Instant) bool {
		_, ok := s.w.View(nil).Pages().Link(id, unit, at)
		return ok
	}
	tests := []struct {
		name     string
		id, unit string
		at       domain.Instant
		want     bool
	}{
		{"valid", l.ID, s.bride.ID, s.now, true},
		{"second link valid", l2.ID, s.bride.ID, s.now, true},
		{"other unit", l.ID, s.groom.ID, s.now, false},
		{"unknown link", "gl999", s.bride.ID, s.now, false},
		{"at expiry", l.ID, s.bride.ID, exp, false},
		{"after expiry", l.ID, s.bride.ID, exp + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := check(tt.id, tt.unit, tt.at); got != tt.want {
				t.Fatalf("valid = %t, want %t", got, tt.want)
			}
		})
	}
	links, err := domain.ListGuestLinks{UnitID: s.bride.ID, At: s.now}.Run(s.w, viewer)
	if ls, _ := links.([]domain.GuestLinkState); err != nil || len(ls) != 2 || ls[0].Revoked || ls[1].Revoked {
		t.Fatalf("ListGuestLinks = %+v, %v", links, err)
	}

	// Side admins: only units of their side (others do not exist).
	_, _, err = s.exec(groomAdmin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp})
	checkErr(t, err, domain.ErrNotFound, "not_found", "unit_id")
	_, _, err = s.exec(groomAdmin, &domain.RevokeGuestLinks{UnitID: s.bride.ID})
	checkErr(t, err, domain.ErrNotFound, "not_found", "unit_id")
	_, _, err = s.exec(viewer, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp})
	checkErr(t, err, domain.ErrForbidden, "forbidden", "")
	_, _, err = s.exec(admin, &domain.IssueGuestLink{UnitID: "u999", ExpiresAt: exp})
	checkErr(t, err, domain.ErrNotFound, "not_found", "unit_id")
	// exec runs a command one second after the clock.
	for _, bad := range []domain.Instant{1e9, 1e9 - 1, -day, domain.MaxGuestLinkTTL + 2e9} {
		_, _, err = s.exec(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: s.now + bad})
		checkErr(t, err, domain.ErrInvalid, "invalid_field", "expires_at")
	}

	// Revoking ends every link of the unit, and only of it.
	s.must(brideAdmin, &domain.RevokeGuestLinks{UnitID: s.bride.ID})
	if check(l.ID, s.bride.ID, s.now) || check(l2.ID, s.bride.ID, s.now) || !check(g.ID, s.groom.ID, s.now) {
		t.Fatal("revoke did not end exactly the unit's links")
	}
	if ch, _, err := s.exec(admin, &domain.RevokeGuestLinks{UnitID: s.bride.ID}); err != nil || len(ch) != 0 {
		t.Fatalf("revoking no links: %d changes, %v", len(ch), err)
	}
	// A new link works after a revoke; a deleted unit's links do not.
	l3 := s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp}).(domain.GuestLink)
	if !check(l3.ID, s.bride.ID, s.now) {
		t.Fatal("a link issued after a revoke is not valid")
	}
	s.must(admin, &domain.DeleteUnit{ID: s.groom.ID})
	if check(g.ID, s.groom.ID, s.now) || len(s.w.GuestLinks) != 1 {
		t.Fatalf("deleted unit's link still valid; links %+v", s.w.GuestLinks)
	}
	checkReplay(t, s.fixture)
}

func TestGuestLinks_Bounded(t *testing.T) {
	s := newScene(t)
	for range domain.MaxGuestLinksPerUnit {
		s.must(admin, &domain.IssueGuestLink{UnitID: s.both.ID, ExpiresAt: s.now + 100e9})
	}
	_, _, err := s.exec(admin, &domain.IssueGuestLink{UnitID: s.both.ID, ExpiresAt: s.now + day})
	checkErr(t, err, domain.ErrConflict, "too_many_links", "unit_id")
	// Once they expire, a new link drops them.
	s.now += 200e9
	s.must(admin, &domain.IssueGuestLink{UnitID: s.both.ID, ExpiresAt: s.now + day})
	if len(s.w.GuestLinks) != 1 {
		t.Fatalf("%d links kept, want the one live", len(s.w.GuestLinks))
	}
	checkReplay(t, s.fixture)
}

func TestGuestLinks_ApplyRejectsBadChanges(t *testing.T) {
	s := newScene(t)
	next := s.w.Seq + 1
	tests := []struct {
		name string
		c    domain.Change
	}{
		{"link for unknown unit", domain.Change{Seq: next, GuestLinkIssued: &domain.GuestLink{ID: "gl1", UnitID: "u999"}}},
		{"link without id", domain.Change{Seq: next, GuestLinkIssued: &domain.GuestLink{UnitID: s.bride.ID}}},
		{"publish before set", domain.Change{Seq: next, WebsitePublished: &domain.WebsitePublished{Version: 1}}},
		{"password site without hash", domain.Change{Seq: next, WebsiteSaved: &domain.WebsiteSaved{Website: domain.Website{Privacy: domain.PrivacyPassword}}}},
		{"unknown privacy", domain.Change{Seq: next, WebsiteSaved: &domain.WebsiteSaved{Website: domain.Website{Privacy: 7}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.w.Apply(&tt.c); err == nil || s.w.Seq != next-1 {
				t.Fatalf("Apply = %v, seq %d", err, s.w.Seq)
			}
		})
	}
}
