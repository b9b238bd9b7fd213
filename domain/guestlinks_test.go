package domain_test

import (
	"testing"

	"github.com/parinayaos/engine/domain"
)

// listLinks is ListGuestLinks as by, at the scene's clock.
func listLinks(t *testing.T, s *scene, by domain.Principal, unit string) []domain.GuestLinkState {
	t.Helper()
	v, err := domain.ListGuestLinks{UnitID: unit, At: s.now}.Run(s.w, by)
	if err != nil {
		t.Fatalf("ListGuestLinks: %v", err)
	}
	return v.([]domain.GuestLinkState)
}

// checkLinksReplay: replaying the journal gives the same state, links
// (live and revoked) included.
func checkLinksReplay(t *testing.T, s *scene) {
	t.Helper()
	checkReplay(t, s.fixture)
	if d := siteDiff(s.w, replay(t, s.journal)); d != "" {
		t.Fatalf("replay differs from live: %s", d)
	}
}

func TestGuestLinks_Rotate(t *testing.T) {
	s := newScene(t)
	exp := s.now + 30*day
	check := func(id, unit string) bool {
		_, ok := s.w.View(nil).Pages().Link(id, unit, s.now)
		return ok
	}
	l1 := s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp}).(domain.GuestLink)
	l2 := s.must(brideAdmin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp}).(domain.GuestLink)
	g := s.must(admin, &domain.IssueGuestLink{UnitID: s.groom.ID, ExpiresAt: exp}).(domain.GuestLink)

	// One command: the unit's links revoked, then the new one issued.
	changes, out, err := s.exec(brideAdmin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp, Rotate: true})
	if err != nil || len(changes) != 2 || changes[0].GuestLinksRevoked == nil || changes[0].GuestLinksRevoked.UnitID != s.bride.ID ||
		changes[1].GuestLinkIssued == nil || changes[1].GuestLinkIssued.ID != out.(domain.GuestLink).ID {
		t.Fatalf("rotate: %+v, %v, %v", changes, out, err)
	}
	l3 := out.(domain.GuestLink)
	if check(l1.ID, s.bride.ID) || check(l2.ID, s.bride.ID) || !check(l3.ID, s.bride.ID) || !check(g.ID, s.groom.ID) {
		t.Fatal("rotate did not leave exactly the new link of the unit (and the other unit's)")
	}
	// The list: the new link live, the old ones revoked, newest first.
	got := listLinks(t, s, viewer, s.bride.ID)
	if len(got) != 3 || got[0].ID != l3.ID || got[0].Revoked || got[1].ID != l2.ID || !got[1].Revoked ||
		got[2].ID != l1.ID || !got[2].Revoked {
		t.Fatalf("links %+v", got)
	}
	if got := listLinks(t, s, admin, s.groom.ID); len(got) != 1 || got[0].ID != g.ID || got[0].Revoked {
		t.Fatalf("groom links %+v", got)
	}
	// A rotation of a unit without links issues one, with no revoke.
	changes, _, err = s.exec(admin, &domain.IssueGuestLink{UnitID: s.both.ID, ExpiresAt: exp, Rotate: true})
	if err != nil || len(changes) != 1 || changes[0].GuestLinkIssued == nil {
		t.Fatalf("rotate without links: %+v, %v", changes, err)
	}
	// Who may: as issuing.
	_, _, err = s.exec(groomAdmin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp, Rotate: true})
	checkErr(t, err, domain.ErrNotFound, "not_found", "unit_id")
	_, _, err = s.exec(viewer, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp, Rotate: true})
	checkErr(t, err, domain.ErrForbidden, "forbidden", "")
	_, err = domain.ListGuestLinks{UnitID: s.bride.ID, At: s.now}.Run(s.w, groomAdmin)
	checkErr(t, err, domain.ErrNotFound, "not_found", "unit_id")
	// A unit at its limit of live links may still rotate.
	for range domain.MaxGuestLinksPerUnit - 1 {
		s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp})
	}
	_, _, err = s.exec(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp})
	checkErr(t, err, domain.ErrConflict, "too_many_links", "unit_id")
	s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: exp, Rotate: true})
	// Revoked links are remembered at most MaxGuestLinksPerUnit a unit.
	if got := listLinks(t, s, admin, s.bride.ID); len(got) != 1+domain.MaxGuestLinksPerUnit || got[0].Revoked {
		t.Fatalf("%d links listed, want the live one and %d revoked", len(got), domain.MaxGuestLinksPerUnit)
	}
	checkLinksReplay(t, s)

	// Deleting the unit forgets its revoked links too.
	s.must(admin, &domain.DeleteUnit{ID: s.bride.ID})
	for _, l := range s.w.RevokedGuestLinks {
		if l.UnitID == s.bride.ID {
			t.Fatalf("a deleted unit's revoked link kept: %+v", l)
		}
	}
	checkLinksReplay(t, s)
}

// Revoked links are forgotten once expired; the list never shows expired
// links.
func TestGuestLinks_RevokedExpire(t *testing.T) {
	s := newScene(t)
	short := s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: s.now + 100e9}).(domain.GuestLink)
	long := s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: s.now + day}).(domain.GuestLink)
	s.must(admin, &domain.RevokeGuestLinks{UnitID: s.bride.ID})
	if got := listLinks(t, s, admin, s.bride.ID); len(got) != 2 || !got[0].Revoked || !got[1].Revoked {
		t.Fatalf("links after a revoke %+v", got)
	}
	s.now += 200e9
	if got := listLinks(t, s, admin, s.bride.ID); len(got) != 1 || got[0].ID != long.ID {
		t.Fatalf("links after the short one expired %+v", got)
	}
	s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: s.now + day})
	for _, l := range s.w.RevokedGuestLinks {
		if l.ID == short.ID {
			t.Fatal("an expired revoked link kept after the next issue")
		}
	}
	checkLinksReplay(t, s)
}

// TestAnswerAsGuest: a household's answers from its page are written
// together, as source web, while its link stands; a link revoked or
// expired since, a foreign event or one bad answer writes nothing.
func TestAnswerAsGuest(t *testing.T) {
	yes2 := int32(2)
	yes9 := int32(9)
	type setup struct {
		s    *scene
		link domain.GuestLink
	}
	prepare := func(t *testing.T) setup {
		s := newScene(t)
		s.invite(s.bride.ID, 3, s.haldi, s.sangeet)
		s.invite(s.groom.ID, 1, s.haldi)
		l := s.must(admin, &domain.IssueGuestLink{UnitID: s.bride.ID, ExpiresAt: s.now + 30*day}).(domain.GuestLink)
		return setup{s, l}
	}
	t.Run("every answer in one go", func(t *testing.T) {
		x := prepare(t)
		s := x.s
		changes, out, err := s.exec(domain.Root, &domain.AnswerAsGuest{LinkID: x.link.ID, UnitID: s.bride.ID, At: s.now,
			Answers: []domain.GuestAnswer{{EventID: s.haldi, Status: domain.Yes, Headcount: &yes2}, {EventID: s.sangeet, Status: domain.No}}})
		if err != nil || len(changes) != 2 {
			t.Fatalf("changes %v, %v", changes, err)
		}
		res := out.([]domain.RSVPResult)
		if len(res) != 2 || res[0].RSVP.Headcount != 2 || res[0].RSVP.Source != domain.SourceWeb || res[1].RSVP.Status != domain.No ||
			res[0].RSVP.Seq != changes[0].Seq || res[1].RSVP.Seq != changes[1].Seq {
			t.Fatalf("results %+v for changes %+v", res, changes)
		}
		if inv := s.unit(s.bride.ID).Invitation(s.haldi); inv.RSVP.Status != domain.Yes || inv.RSVP.Headcount != 2 {
			t.Errorf("haldi: %+v", inv.RSVP)
		}
		checkLinksReplay(t, s)
	})
	tests := []struct {
		name    string
		by      domain.Principal
		mutate  func(x setup, c *domain.AnswerAsGuest)
		wantErr error
		code    string
		field   string
	}{
		{"an admin's token", admin, nil, domain.ErrForbidden, "forbidden", ""},
		{"revoked since", domain.Root, func(x setup, c *domain.AnswerAsGuest) {
			x.s.must(admin, &domain.RevokeGuestLinks{UnitID: x.s.bride.ID})
		}, domain.ErrNotFound, "not_found", "link"},
		{"rotated since", domain.Root, func(x setup, c *domain.AnswerAsGuest) {
			x.s.must(admin, &domain.IssueGuestLink{UnitID: x.s.bride.ID, ExpiresAt: x.s.now + day, Rotate: true})
		}, domain.ErrNotFound, "not_found", "link"},
		{"expired since", domain.Root, func(x setup, c *domain.AnswerAsGuest) {
			x.s.now += 31 * day
		}, domain.ErrNotFound, "not_found", "link"},
		{"another unit's link", domain.Root, func(x setup, c *domain.AnswerAsGuest) {
			c.UnitID = x.s.groom.ID
		}, domain.ErrNotFound, "not_found", "link"},
		{"an event the household is not invited to", domain.Root, func(x setup, c *domain.AnswerAsGuest) {
			c.Answers = append(c.Answers, domain.GuestAnswer{EventID: "e999", Status: domain.Yes})
		}, domain.ErrNotFound, "not_found", "event_id"},
		{"one count over the seats", domain.Root, func(x setup, c *domain.AnswerAsGuest) {
			c.Answers[1] = domain.GuestAnswer{EventID: x.s.sangeet, Status: domain.Yes, Headcount: &yes9}
		}, domain.ErrInvalid, "invalid_field", "headcount"},
		{"an event twice", domain.Root, func(x setup, c *domain.AnswerAsGuest) {
			c.Answers[1].EventID = x.s.haldi
		}, domain.ErrInvalid, "invalid_field", "event_id"},
		{"pending", domain.Root, func(x setup, c *domain.AnswerAsGuest) {
			c.Answers[1].Status = domain.Pending
		}, domain.ErrInvalid, "invalid_field", "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := prepare(t)
			c := &domain.AnswerAsGuest{LinkID: x.link.ID, UnitID: x.s.bride.ID,
				Answers: []domain.GuestAnswer{{EventID: x.s.haldi, Status: domain.Yes, Headcount: &yes2}, {EventID: x.s.sangeet, Status: domain.Maybe}}}
			if tt.mutate != nil {
				tt.mutate(x, c)
			}
			before := cloneState(x.s.w)
			changes, _, err := x.s.exec(tt.by, c)
			checkErr(t, err, tt.wantErr, tt.code, tt.field)
			if changes != nil {
				t.Errorf("changes %v", changes)
			}
			if d := stateDiff(before, x.s.w); d != "" {
				t.Errorf("a refused answer changed the state: %s", d)
			}
		})
	}
}
