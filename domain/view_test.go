package domain_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// viewScene answers haldi: bride (2 seats) yes, groom (1) no, both (1)
// maybe. Only the bride unit is invited to sangeet, and nobody to the
// reception.
func viewScene(t *testing.T) (*scene, string) {
	t.Helper()
	s := newScene(t)
	reception := s.addEvent("Reception", t0+3*day)
	s.must(admin, &domain.Invite{EventIDs: []string{s.haldi}, All: true})
	s.invite(s.bride.ID, 0, s.sangeet)
	s.rsvp(s.bride.ID, s.haldi, domain.Yes, nil)
	s.rsvp(s.groom.ID, s.haldi, domain.No, nil)
	s.rsvp(s.both.ID, s.haldi, domain.Maybe, nil)
	return s, reception
}

func TestView_Headcount(t *testing.T) {
	s, reception := viewScene(t)
	v := s.w.View(nil)
	ev := func(id, name string, c domain.Counts) domain.EventHeadcount {
		return domain.EventHeadcount{EventID: id, Name: name, Counts: c}
	}
	tests := []struct {
		name string
		got  domain.Headcount
		want table
	}{
		{
			name: "all",
			got:  v.All(),
			want: table{
				Events: []domain.EventHeadcount{
					ev(s.haldi, "Haldi", domain.Counts{InvitedUnits: 3, InvitedSeats: 4, YesUnits: 1, YesHeadcount: 2, MaybeUnits: 1, NoUnits: 1}),
					ev(s.sangeet, "Sangeet", domain.Counts{InvitedUnits: 1, InvitedSeats: 2, PendingUnits: 1}),
					ev(reception, "Reception", domain.Counts{}),
				},
				// InvitedUnits is distinct units (3), not the sum over events (4).
				Totals: domain.Counts{InvitedUnits: 3, InvitedSeats: 6, YesUnits: 1, YesHeadcount: 2, MaybeUnits: 1, NoUnits: 1, PendingUnits: 1},
			},
		},
		{
			name: "bride",
			got:  v.Bride(),
			want: table{
				Events: []domain.EventHeadcount{
					ev(s.haldi, "Haldi", domain.Counts{InvitedUnits: 2, InvitedSeats: 3, YesUnits: 1, YesHeadcount: 2, MaybeUnits: 1}),
					ev(s.sangeet, "Sangeet", domain.Counts{InvitedUnits: 1, InvitedSeats: 2, PendingUnits: 1}),
					ev(reception, "Reception", domain.Counts{}),
				},
				Totals: domain.Counts{InvitedUnits: 2, InvitedSeats: 5, YesUnits: 1, YesHeadcount: 2, MaybeUnits: 1, PendingUnits: 1},
			},
		},
		{
			name: "groom",
			got:  v.Groom(),
			want: table{
				Events: []domain.EventHeadcount{
					ev(s.haldi, "Haldi", domain.Counts{InvitedUnits: 2, InvitedSeats: 2, MaybeUnits: 1, NoUnits: 1}),
					ev(s.sangeet, "Sangeet", domain.Counts{}),
					ev(reception, "Reception", domain.Counts{}),
				},
				Totals: domain.Counts{InvitedUnits: 2, InvitedSeats: 2, MaybeUnits: 1, NoUnits: 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tableOf(tt.got); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("headcount\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	all, bride, groom := naiveHeadcounts(s.w)
	if !headcountEqual(v.All(), all) || !headcountEqual(v.Bride(), bride) || !headcountEqual(v.Groom(), groom) {
		t.Fatal("view disagrees with the oracle")
	}
}

func TestView_Header(t *testing.T) {
	s, _ := viewScene(t)
	v := s.w.View(nil)
	if v.WeddingID != "w1" || v.Info() != s.w.Info || v.Seq != s.w.Seq || v.AsOf != s.now {
		t.Fatalf("view header %s %+v seq %d as of %d", v.WeddingID, v.Info(), v.Seq, v.AsOf)
	}
}

func TestView_EmptyWedding(t *testing.T) {
	tests := []struct {
		name string
		w    func(t *testing.T) *domain.Wedding
	}{
		{"not created", func(*testing.T) *domain.Wedding { return domain.New() }},
		{"no events", func(t *testing.T) *domain.Wedding { return newFixture(t).w }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.w(t).View(nil)
			for _, h := range []domain.Headcount{v.All(), v.Bride(), v.Groom()} {
				if h.Len() != 0 || h.Totals() != (domain.Counts{}) {
					t.Fatalf("headcount %+v", tableOf(h))
				}
			}
			if _, ok := v.Authenticate(hash("anything")); ok {
				t.Fatal("authenticated without tokens")
			}
		})
	}
}

// TestView_Immutable checks that a published view does not move when the
// wedding does.
func TestView_Immutable(t *testing.T) {
	s, _ := viewScene(t)
	v := s.w.View(nil)
	want := v.All().Event(0).Counts
	s.must(admin, &domain.DeleteUnit{ID: s.bride.ID})
	s.must(admin, &domain.DeleteEvent{ID: s.haldi, Force: true})
	if got := v.All().Event(0).Counts; got != want || v.All().Event(0).EventID != s.haldi {
		t.Fatalf("published view changed: %+v, want %+v", got, want)
	}
}

func TestView_Authenticate(t *testing.T) {
	s := newScene(t)
	issue := func(role domain.Role, side domain.Side, secret string) domain.Token {
		return s.must(owner, &domain.IssueToken{Role: role, Side: side, Hash: hash(secret)}).(domain.Token)
	}
	own := issue(domain.RoleOwner, domain.SideBoth, "owner")
	side := issue(domain.RoleSideAdmin, domain.SideGroom, "groom")
	gone := issue(domain.RoleAdmin, domain.SideBoth, "revoked")
	prev := s.w.View(nil)
	s.must(owner, &domain.RevokeToken{ID: gone.ID})
	v := s.w.View(prev)
	tests := []struct {
		name   string
		secret string
		want   domain.Principal
		ok     bool
	}{
		{"owner", "owner", domain.Principal{TokenID: own.ID, Role: domain.RoleOwner}, true},
		{"side admin", "groom", domain.Principal{TokenID: side.ID, Role: domain.RoleSideAdmin, Side: domain.SideGroom}, true},
		{"revoked", "revoked", domain.Principal{}, false},
		{"unknown", "guess", domain.Principal{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := v.Authenticate(hash(tt.secret))
			if p != tt.want || ok != tt.ok {
				t.Fatalf("Authenticate = %+v, %v; want %+v, %v", p, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("previous view still accepts the token it had", func(t *testing.T) {
		if _, ok := prev.Authenticate(hash("revoked")); !ok {
			t.Fatal("an earlier view changed")
		}
	})
	t.Run("reused table sees new tokens", func(t *testing.T) {
		s.must(admin, &domain.AddEvent{Name: "Mehendi", StartsAt: t0}) // no token change: table reused
		v2 := s.w.View(v)
		if _, ok := v2.Authenticate(hash("owner")); !ok {
			t.Fatal("owner rejected by a view reusing its token table")
		}
		issue(domain.RoleViewer, domain.SideBoth, "late")
		if _, ok := s.w.View(v2).Authenticate(hash("late")); !ok {
			t.Fatal("new token rejected by the next view")
		}
	})
}

func TestView_Memo(t *testing.T) {
	s, _ := viewScene(t)
	v := s.w.View(nil)
	builds := 0
	enc := func(h domain.Headcount) []byte {
		builds++
		return []byte(fmt.Sprint(h.Totals().InvitedSeats))
	}
	bride := domain.Principal{Role: domain.RoleSideAdmin, Side: domain.SideBride}
	if got := string(v.Memo(admin, enc)); got != "6" {
		t.Fatalf("all: %q", got)
	}
	if got := string(v.Memo(bride, enc)); got != "5" {
		t.Fatalf("bride: %q", got)
	}
	if got := string(v.Memo(admin, enc)); got != "6" || builds != 2 {
		t.Fatalf("second read %q after %d builds, want the memo and 2 builds", got, builds)
	}
	s.rsvp(s.bride.ID, s.sangeet, domain.No, nil)
	if got := string(s.w.View(v).Memo(admin, enc)); got != "6" || builds != 3 {
		t.Fatalf("a new view reused the old memo (%d builds)", builds)
	}
}
