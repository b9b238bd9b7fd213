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
		_, err := domain.CheckGuestLink{LinkID: id, UnitID: unit, At: s.now}.Run(s.w, domain.Root)
		return err == nil
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
