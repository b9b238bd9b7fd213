package domain_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
)

const day = domain.Instant(24 * 3600 * 1_000_000_000)

// scene is the wedding most command tests start from:
//
//	events: haldi (day 1), sangeet (day 2)
//	units:  bride "Sharma" (2 members: phone 1, 2; tag family)
//	        groom "Verma"  (1 member: phone 3; tag college)
//	        both  "Kapoor" (1 member: phone 4; tag college)
//
// Nobody is invited yet.
type scene struct {
	*fixture
	haldi, sangeet     string
	bride, groom, both domain.Unit
}

func newScene(t testing.TB) *scene {
	t.Helper()
	s := &scene{fixture: newFixture(t)}
	s.haldi = s.addEvent("Haldi", t0+day)
	s.sangeet = s.addEvent("Sangeet", t0+2*day)
	s.bride = s.addUnit(admin, "Sharma", domain.SideBride, []string{"family"}, phone(1), phone(2))
	s.groom = s.addUnit(admin, "Verma", domain.SideGroom, []string{"college"}, phone(3))
	s.both = s.addUnit(admin, "Kapoor", domain.SideBoth, []string{"college"}, phone(4))
	return s
}

// cmdTest is one row of a command table. A row with wantErr expects a
// rejection that leaves the state untouched; a row without expects success.
type cmdTest struct {
	name  string
	setup func(s *scene)
	by    domain.Principal
	cmd   func(s *scene) domain.Command

	wantErr  error // a kind sentinel (domain.ErrInvalid, …), nil for success
	code     string
	field    string
	existing func(s *scene) string // expected Error.ExistingID, if set

	check func(t *testing.T, s *scene, changes []domain.Change, out any)
}

func runCmdTests(t *testing.T, tests []cmdTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			if tt.setup != nil {
				tt.setup(s)
			}
			before := cloneState(s.w)
			changes, out, err := s.exec(tt.by, tt.cmd(s))
			if tt.wantErr != nil {
				de := checkErr(t, err, tt.wantErr, tt.code, tt.field)
				if tt.existing != nil && de.ExistingID != tt.existing(s) {
					t.Errorf("ExistingID = %q, want %q", de.ExistingID, tt.existing(s))
				}
				if changes != nil || out != nil {
					t.Errorf("rejected command returned changes %v, out %v", changes, out)
				}
				if d := stateDiff(before, s.w); d != "" {
					t.Fatalf("rejected command changed the state: %s", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want success", err)
			}
			for i, c := range changes {
				if c.Seq != before.Seq+uint64(i)+1 || c.At != s.now || c.By != tt.by.TokenID {
					t.Errorf("change %d stamped seq %d at %d by %q", i, c.Seq, c.At, c.By)
				}
			}
			if len(changes) == 0 {
				if d := stateDiff(before, s.w); d != "" {
					t.Fatalf("command without changes changed the state: %s", d)
				}
			}
			if tt.check != nil {
				tt.check(t, s, changes, out)
			}
			if d := stateDiff(replay(t, s.journal), s.w); d != "" {
				t.Fatalf("replay differs from live state: %s", d)
			}
			all, _, _ := naiveHeadcounts(s.w)
			if v := s.w.View(nil); !headcountEqual(v.All(), all) {
				t.Fatalf("headcount %+v, oracle %+v", tableOf(v.All()), all)
			}
		})
	}
}

func wantChanges(t *testing.T, changes []domain.Change, kinds ...string) {
	t.Helper()
	var got []string
	for i := range changes {
		got = append(got, changes[i].Kind())
	}
	if !slices.Equal(got, kinds) {
		t.Fatalf("changes = %v, want %v", got, kinds)
	}
}

func TestWedding_CreateWedding(t *testing.T) {
	valid := func() *domain.CreateWedding {
		return &domain.CreateWedding{ID: "w1", Name: "  Asha & Rohan ", Slug: "asha-rohan", Date: "2026-02-14"}
	}
	tests := []struct {
		name    string
		created bool // the wedding exists already
		by      domain.Principal
		cmd     func(c *domain.CreateWedding)
		wantErr error
		code    string
		field   string
		want    domain.Info
	}{
		{name: "defaults", by: domain.Root,
			want: domain.Info{ID: "w1", Name: "Asha & Rohan", Slug: "asha-rohan", Date: "2026-02-14",
				Timezone: "Asia/Kolkata", Region: "IN", CreatedAt: t0}},
		{name: "explicit timezone and region", by: domain.Root,
			cmd: func(c *domain.CreateWedding) { c.Timezone, c.Region = "Europe/London", "GB" },
			want: domain.Info{ID: "w1", Name: "Asha & Rohan", Slug: "asha-rohan", Date: "2026-02-14",
				Timezone: "Europe/London", Region: "GB", CreatedAt: t0}},
		{name: "one-character slug", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Slug = "a" },
			want: domain.Info{ID: "w1", Name: "Asha & Rohan", Slug: "a", Date: "2026-02-14",
				Timezone: "Asia/Kolkata", Region: "IN", CreatedAt: t0}},
		{name: "owner may not", by: owner, wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "already exists", created: true, by: domain.Root, wantErr: domain.ErrConflict, code: "already_exists", field: "id"},
		{name: "no id", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.ID = "" },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "id"},
		{name: "blank name", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Name = "  " },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "name"},
		{name: "long name", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Name = strings.Repeat("क", domain.MaxNameLen+1) },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "name"},
		{name: "upper-case slug", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Slug = "Asha-Rohan" },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "slug"},
		{name: "slug with outer dash", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Slug = "asha-" },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "slug"},
		{name: "empty slug", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Slug = "" },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "slug"},
		{name: "slug of 65", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Slug = strings.Repeat("a", 65) },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "slug"},
		{name: "bad date", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Date = "2026-13-01" },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "date"},
		{name: "date in another format", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Date = "14/02/2026" },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "date"},
		{name: "unknown region", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Region = "XX" },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "region"},
		{name: "lower-case region", by: domain.Root, cmd: func(c *domain.CreateWedding) { c.Region = "in" },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := domain.New()
			if tt.created {
				if _, _, err := w.Execute(valid(), domain.Meta{By: domain.Root, Now: t0}); err != nil {
					t.Fatal(err)
				}
			}
			cmd := valid()
			if tt.cmd != nil {
				tt.cmd(cmd)
			}
			before := cloneState(w)
			changes, out, err := w.Execute(cmd, domain.Meta{By: tt.by, Now: t0})
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr, tt.code, tt.field)
				if d := stateDiff(before, w); d != "" || changes != nil {
					t.Fatalf("rejected command changed something: %s %v", d, changes)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantChanges(t, changes, "wedding_created")
			if out.(domain.Info) != tt.want || w.Info != tt.want {
				t.Errorf("info = %+v (stored %+v), want %+v", out, w.Info, tt.want)
			}
			if !w.Created() || w.Seq != 1 || w.LastAt != t0 || changes[0].By != "root" {
				t.Errorf("created %v seq %d last_at %d by %q", w.Created(), w.Seq, w.LastAt, changes[0].By)
			}
		})
	}
}

func TestWedding_ExecuteBeforeCreate(t *testing.T) {
	w := domain.New()
	_, _, err := w.Execute(&domain.AddEvent{Name: "Haldi", StartsAt: t0}, domain.Meta{By: domain.Root, Now: t0})
	checkErr(t, err, domain.ErrNotFound, "not_found", "")
	if w.Seq != 0 || w.Created() {
		t.Fatalf("seq = %d, created = %v", w.Seq, w.Created())
	}
}

func TestWedding_IssueToken(t *testing.T) {
	issue := func(role domain.Role, side domain.Side, label, secret string) func(*scene) domain.Command {
		return func(*scene) domain.Command {
			return &domain.IssueToken{Role: role, Side: side, Label: label, Hash: hash(secret)}
		}
	}
	okToken := func(role domain.Role, side domain.Side) func(*testing.T, *scene, []domain.Change, any) {
		return func(t *testing.T, s *scene, changes []domain.Change, out any) {
			wantChanges(t, changes, "token_issued")
			tok := out.(domain.Token)
			want := domain.Token{ID: seqID("t", s.w.Seq), Hash: hash("s3cret"), Role: role, Side: side, Label: "planner", CreatedAt: s.now}
			if tok != want || *changes[0].TokenIssued != want {
				t.Fatalf("token = %+v, want %+v", tok, want)
			}
			p, ok := s.w.View(nil).Authenticate(hash("s3cret"))
			if !ok || p != (domain.Principal{TokenID: want.ID, Role: role, Side: side}) {
				t.Fatalf("Authenticate = %+v, %v", p, ok)
			}
		}
	}
	runCmdTests(t, []cmdTest{
		{name: "owner issues admin", by: owner, cmd: issue(domain.RoleAdmin, domain.SideBoth, "planner", "s3cret"),
			check: okToken(domain.RoleAdmin, domain.SideBoth)},
		{name: "root issues owner", by: domain.Root, cmd: issue(domain.RoleOwner, domain.SideBoth, "planner", "s3cret"),
			check: okToken(domain.RoleOwner, domain.SideBoth)},
		{name: "viewer token", by: owner, cmd: issue(domain.RoleViewer, domain.SideBoth, "planner", "s3cret"),
			check: okToken(domain.RoleViewer, domain.SideBoth)},
		{name: "side admin of groom", by: owner, cmd: issue(domain.RoleSideAdmin, domain.SideGroom, "planner", "s3cret"),
			check: okToken(domain.RoleSideAdmin, domain.SideGroom)},
		{name: "admin may not", by: admin, cmd: issue(domain.RoleViewer, domain.SideBoth, "", "x"),
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "side admin may not", by: brideAdmin, cmd: issue(domain.RoleViewer, domain.SideBoth, "", "x"),
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "viewer with a side", by: owner, cmd: issue(domain.RoleViewer, domain.SideBride, "", "x"),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "side"},
		{name: "side admin without side", by: owner, cmd: issue(domain.RoleSideAdmin, domain.SideBoth, "", "x"),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "side"},
		{name: "side admin with unknown side", by: owner, cmd: issue(domain.RoleSideAdmin, 7, "", "x"),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "side"},
		{name: "root role cannot be issued", by: domain.Root, cmd: issue(domain.RoleRoot, domain.SideBoth, "", "x"),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "role"},
		{name: "zero role", by: owner, cmd: issue(0, domain.SideBoth, "", "x"),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "role"},
		{name: "long label", by: owner, cmd: issue(domain.RoleViewer, domain.SideBoth, strings.Repeat("l", 201), "x"),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "label"},
		{name: "duplicate hash", by: owner,
			setup:   func(s *scene) { s.must(owner, &domain.IssueToken{Role: domain.RoleViewer, Hash: hash("x")}) },
			cmd:     issue(domain.RoleAdmin, domain.SideBoth, "", "x"),
			wantErr: domain.ErrConflict, code: "duplicate_token",
			existing: func(s *scene) string { return s.w.Tokens[0].ID }},
	})
}

func TestWedding_RevokeToken(t *testing.T) {
	setup := func(s *scene) { s.must(owner, &domain.IssueToken{Role: domain.RoleAdmin, Hash: hash("x")}) }
	revokeFirst := func(s *scene) domain.Command { return &domain.RevokeToken{ID: s.w.Tokens[0].ID} }
	runCmdTests(t, []cmdTest{
		{name: "owner revokes", setup: setup, by: owner, cmd: revokeFirst,
			check: func(t *testing.T, s *scene, changes []domain.Change, out any) {
				wantChanges(t, changes, "token_revoked")
				if !s.w.Tokens[0].Revoked {
					t.Fatal("token not revoked")
				}
				if _, ok := s.w.View(nil).Authenticate(hash("x")); ok {
					t.Fatal("revoked token authenticates")
				}
			}},
		{name: "unknown token", setup: setup, by: owner, cmd: func(*scene) domain.Command { return &domain.RevokeToken{ID: "t999"} },
			wantErr: domain.ErrNotFound, code: "not_found", field: "id"},
		{name: "revoked twice",
			setup: func(s *scene) { setup(s); s.must(owner, revokeFirst(s)) },
			by:    owner, cmd: revokeFirst, wantErr: domain.ErrNotFound, code: "not_found", field: "id"},
		{name: "admin may not", setup: setup, by: admin, cmd: revokeFirst, wantErr: domain.ErrForbidden, code: "forbidden"},
	})
}

func TestWedding_AddEvent(t *testing.T) {
	add := func(e domain.AddEvent) func(*scene) domain.Command {
		return func(*scene) domain.Command { return &e }
	}
	runCmdTests(t, []cmdTest{
		{name: "admin adds", by: admin,
			cmd: add(domain.AddEvent{Name: " Mehendi ", StartsAt: t0 + day/2, EndsAt: t0 + day/2 + 3600e9, Venue: "Lawn", Visibility: domain.InviteOnly}),
			check: func(t *testing.T, s *scene, changes []domain.Change, out any) {
				wantChanges(t, changes, "event_saved")
				want := domain.Event{ID: seqID("e", s.w.Seq), Name: "Mehendi", StartsAt: t0 + day/2, EndsAt: t0 + day/2 + 3600e9,
					Venue: "Lawn", Visibility: domain.InviteOnly}
				if out.(domain.Event) != want {
					t.Fatalf("event = %+v, want %+v", out, want)
				}
				// Events stay in time order: mehendi comes before haldi.
				if got := []string{s.w.Events[0].ID, s.w.Events[1].ID, s.w.Events[2].ID}; !slices.Equal(got, []string{want.ID, s.haldi, s.sangeet}) {
					t.Fatalf("event order = %v", got)
				}
			}},
		{name: "same start time orders by id", by: owner, cmd: add(domain.AddEvent{Name: "Pheras", StartsAt: t0 + day}),
			check: func(t *testing.T, s *scene, _ []domain.Change, out any) {
				if id := out.(domain.Event).ID; s.w.Events[0].ID != min(id, s.haldi) || s.w.Events[1].ID != max(id, s.haldi) {
					t.Fatalf("events = %+v", s.w.Events)
				}
			}},
		{name: "no end", by: admin, cmd: add(domain.AddEvent{Name: "Pheras", StartsAt: t0})},
		{name: "side admin may not", by: brideAdmin, cmd: add(domain.AddEvent{Name: "x", StartsAt: t0}),
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "viewer may not", by: viewer, cmd: add(domain.AddEvent{Name: "x", StartsAt: t0}),
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "blank name", by: admin, cmd: add(domain.AddEvent{Name: " \t", StartsAt: t0}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "name"},
		{name: "long name", by: admin, cmd: add(domain.AddEvent{Name: strings.Repeat("x", 201), StartsAt: t0}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "name"},
		{name: "name not utf-8", by: admin, cmd: add(domain.AddEvent{Name: "a\xffb", StartsAt: t0}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "name"},
		{name: "long venue", by: admin, cmd: add(domain.AddEvent{Name: "x", Venue: strings.Repeat("v", 201), StartsAt: t0}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "venue"},
		{name: "no start", by: admin, cmd: add(domain.AddEvent{Name: "x"}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "starts_at"},
		{name: "ends before start", by: admin, cmd: add(domain.AddEvent{Name: "x", StartsAt: t0, EndsAt: t0 - 1}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "ends_at"},
		{name: "unknown visibility", by: admin, cmd: add(domain.AddEvent{Name: "x", StartsAt: t0, Visibility: 2}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "visibility"},
		{name: "too many events",
			setup: func(s *scene) {
				for len(s.w.Events) < domain.MaxEvents {
					s.addEvent("e", t0)
				}
			},
			by: admin, cmd: add(domain.AddEvent{Name: "x", StartsAt: t0}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: ""},
	})
}

func TestWedding_UpdateEvent(t *testing.T) {
	runCmdTests(t, []cmdTest{
		{name: "name only", by: admin,
			cmd: func(s *scene) domain.Command { return &domain.UpdateEvent{ID: s.haldi, Name: ptr(" Haldi ceremony ")} },
			check: func(t *testing.T, s *scene, changes []domain.Change, out any) {
				wantChanges(t, changes, "event_saved")
				want := domain.Event{ID: s.haldi, Name: "Haldi ceremony", StartsAt: t0 + day}
				if out.(domain.Event) != want || *s.w.Event(s.haldi) != want {
					t.Fatalf("event = %+v, want %+v", s.w.Event(s.haldi), want)
				}
			}},
		{name: "move after sangeet keeps time order", by: owner,
			cmd: func(s *scene) domain.Command {
				return &domain.UpdateEvent{ID: s.haldi, StartsAt: ptr(t0 + 3*day), EndsAt: ptr(t0 + 4*day),
					Venue: ptr("Garden"), Visibility: ptr(domain.InviteOnly)}
			},
			check: func(t *testing.T, s *scene, _ []domain.Change, _ any) {
				if s.w.Events[0].ID != s.sangeet || s.w.Events[1].ID != s.haldi {
					t.Fatalf("events = %+v", s.w.Events)
				}
				if e := s.w.Event(s.haldi); e.Venue != "Garden" || e.Visibility != domain.InviteOnly || e.Name != "Haldi" {
					t.Fatalf("haldi = %+v", e)
				}
				if v := s.w.View(nil); v.All().Event(1).EventID != s.haldi {
					t.Fatalf("view order = %+v", v.All().Events())
				}
			}},
		{name: "unknown event", by: admin, cmd: func(*scene) domain.Command { return &domain.UpdateEvent{ID: "e999", Name: ptr("x")} },
			wantErr: domain.ErrNotFound, code: "not_found", field: "id"},
		{name: "side admin may not", by: groomAdmin,
			cmd:     func(s *scene) domain.Command { return &domain.UpdateEvent{ID: s.haldi, Name: ptr("x")} },
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "blank name", by: admin,
			cmd:     func(s *scene) domain.Command { return &domain.UpdateEvent{ID: s.haldi, Name: ptr("")} },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "name"},
		{name: "start removed", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.UpdateEvent{ID: s.haldi, StartsAt: ptr(domain.Instant(0))}
			},
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "starts_at"},
		{name: "end before start", by: admin,
			cmd:     func(s *scene) domain.Command { return &domain.UpdateEvent{ID: s.haldi, EndsAt: ptr(t0)} },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "ends_at"},
		{name: "unknown visibility", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.UpdateEvent{ID: s.haldi, Visibility: ptr(domain.Visibility(9))}
			},
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "visibility"},
	})
}

func TestWedding_DeleteEvent(t *testing.T) {
	deleteHaldi := func(force bool) func(s *scene) domain.Command {
		return func(s *scene) domain.Command { return &domain.DeleteEvent{ID: s.haldi, Force: force} }
	}
	invited := func(s *scene) { s.invite(s.bride.ID, 0, s.haldi, s.sangeet) }
	answered := func(st domain.RSVPStatus) func(s *scene) {
		return func(s *scene) { invited(s); s.rsvp(s.bride.ID, s.haldi, st, nil) }
	}
	gone := func(t *testing.T, s *scene, changes []domain.Change, _ any) {
		wantChanges(t, changes, "event_deleted")
		if s.w.Event(s.haldi) != nil || len(s.w.Events) != 1 {
			t.Fatalf("events = %+v", s.w.Events)
		}
		for _, u := range s.w.Units {
			if u.Invitation(s.haldi) != nil {
				t.Fatalf("unit %s still invited to the deleted event", u.ID)
			}
		}
		if v := s.w.View(nil); v.All().Len() != 1 || v.All().Event(0).EventID != s.sangeet {
			t.Fatalf("view events = %+v", v.All().Events())
		}
	}
	runCmdTests(t, []cmdTest{
		{name: "nobody invited", by: admin, cmd: deleteHaldi(false), check: gone},
		{name: "only pending invitations", setup: invited, by: admin, cmd: deleteHaldi(false),
			check: func(t *testing.T, s *scene, changes []domain.Change, out any) {
				gone(t, s, changes, out)
				// Still invited to sangeet, so still one invited unit.
				if v := s.w.View(nil); v.All().Totals().InvitedUnits != 1 || s.unit(s.bride.ID).Invitation(s.sangeet) == nil {
					t.Fatalf("totals = %+v", v.All().Totals())
				}
			}},
		{name: "answered yes", setup: answered(domain.Yes), by: admin, cmd: deleteHaldi(false),
			wantErr: domain.ErrConflict, code: "has_rsvps", field: "force"},
		{name: "answered no", setup: answered(domain.No), by: admin, cmd: deleteHaldi(false),
			wantErr: domain.ErrConflict, code: "has_rsvps", field: "force"},
		{name: "answered maybe", setup: answered(domain.Maybe), by: admin, cmd: deleteHaldi(false),
			wantErr: domain.ErrConflict, code: "has_rsvps", field: "force"},
		{name: "answered with force", setup: answered(domain.Yes), by: admin, cmd: deleteHaldi(true), check: gone},
		{name: "unknown event", by: admin, cmd: func(*scene) domain.Command { return &domain.DeleteEvent{ID: "e999"} },
			wantErr: domain.ErrNotFound, code: "not_found", field: "id"},
		{name: "side admin may not", by: brideAdmin, cmd: deleteHaldi(true), wantErr: domain.ErrForbidden, code: "forbidden"},
	})
}

func TestWedding_AddUnit(t *testing.T) {
	add := func(in domain.UnitInput) func(*scene) domain.Command {
		return func(*scene) domain.Command { return &domain.AddUnit{Unit: in} }
	}
	member := func(name, phone string) domain.MemberInput { return domain.MemberInput{Name: name, Phone: phone} }
	many := func(n int) []domain.MemberInput {
		ms := make([]domain.MemberInput, n)
		for i := range ms {
			ms[i] = member("m", "")
		}
		return ms
	}
	runCmdTests(t, []cmdTest{
		{name: "defaults and phone normalization", by: admin,
			cmd: add(domain.UnitInput{Side: domain.SideBride,
				Members: []domain.MemberInput{member(" Meera Sharma ", "98765 43210"), {Name: "Ravi", Email: " ravi@example.com "}}}),
			check: func(t *testing.T, s *scene, changes []domain.Change, out any) {
				wantChanges(t, changes, "units_saved")
				seq := s.w.Seq
				u := out.(domain.Unit)
				want := domain.Unit{ID: seqID("u", seq), Name: "Meera Sharma", Side: domain.SideBride,
					Members: []domain.Person{
						{ID: seqID("p", seq) + ".0", Name: "Meera Sharma", Phone: "+919876543210", Primary: true},
						{ID: seqID("p", seq) + ".1", Name: "Ravi", Email: "ravi@example.com"},
					},
					CreatedAt: s.now, UpdatedAt: s.now}
				if d := stateDiff(&domain.Wedding{Units: map[string]*domain.Unit{"x": &u}}, &domain.Wedding{Units: map[string]*domain.Unit{"x": &want}}); d != "" {
					t.Fatalf("unit: %s", d)
				}
				if d := stateDiff(&domain.Wedding{Units: map[string]*domain.Unit{"x": s.w.Units[u.ID]}}, &domain.Wedding{Units: map[string]*domain.Unit{"x": &want}}); d != "" {
					t.Fatalf("stored unit: %s", d)
				}
				if pid, ok := s.w.PersonByPhone("+919876543210"); !ok || pid != want.Members[0].ID {
					t.Fatalf("PersonByPhone = %q, %v", pid, ok)
				}
				for _, m := range want.Members {
					if uid, ok := s.w.UnitOfPerson(m.ID); !ok || uid != u.ID {
						t.Fatalf("UnitOfPerson(%s) = %q, %v", m.ID, uid, ok)
					}
				}
			}},
		{name: "explicit primary names the unit", by: admin,
			cmd: add(domain.UnitInput{Members: []domain.MemberInput{member("Ravi", ""), {Name: "Meera", Primary: true}}}),
			check: func(t *testing.T, _ *scene, _ []domain.Change, out any) {
				u := out.(domain.Unit)
				if u.Name != "Meera" || u.Members[0].Primary || !u.Members[1].Primary {
					t.Fatalf("unit = %+v", u)
				}
			}},
		{name: "explicit name is kept", by: admin,
			cmd: add(domain.UnitInput{Name: " The Guptas ", Members: []domain.MemberInput{member("Ravi", "")}}),
			check: func(t *testing.T, _ *scene, _ []domain.Change, out any) {
				if u := out.(domain.Unit); u.Name != "The Guptas" {
					t.Fatalf("name = %q", u.Name)
				}
			}},
		{name: "tags trimmed and deduplicated", by: admin,
			cmd: add(domain.UnitInput{Tags: []string{" vip ", "vip", "college"}, Members: []domain.MemberInput{member("Ravi", "")}}),
			check: func(t *testing.T, _ *scene, _ []domain.Change, out any) {
				if u := out.(domain.Unit); !slices.Equal(u.Tags, []string{"vip", "college"}) {
					t.Fatalf("tags = %q", u.Tags)
				}
			}},
		{name: "international number", by: admin,
			cmd: add(domain.UnitInput{Members: []domain.MemberInput{member("Tom", "0044 20 7946 0958")}}),
			check: func(t *testing.T, _ *scene, _ []domain.Change, out any) {
				if p := out.(domain.Unit).Members[0].Phone; p != "+442079460958" {
					t.Fatalf("phone = %q", p)
				}
			}},
		{name: "fifty members", by: admin, cmd: add(domain.UnitInput{Members: many(domain.MaxMembers)})},
		{name: "bride admin adds bride unit", by: brideAdmin,
			cmd: add(domain.UnitInput{Side: domain.SideBride, Members: []domain.MemberInput{member("Ravi", "")}})},
		{name: "bride admin adds unit of both", by: brideAdmin,
			cmd: add(domain.UnitInput{Side: domain.SideBoth, Members: []domain.MemberInput{member("Ravi", "")}})},
		{name: "bride admin adds groom unit", by: brideAdmin,
			cmd:     add(domain.UnitInput{Side: domain.SideGroom, Members: []domain.MemberInput{member("Ravi", "")}}),
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "viewer may not", by: viewer, cmd: add(domain.UnitInput{Members: []domain.MemberInput{member("Ravi", "")}}),
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "invalid phone", by: admin, cmd: add(domain.UnitInput{Members: []domain.MemberInput{member("Ravi", "12345")}}),
			wantErr: domain.ErrInvalid, code: "invalid_phone", field: "members[0].phone"},
		{name: "invalid second phone", by: admin,
			cmd:     add(domain.UnitInput{Members: []domain.MemberInput{member("Ravi", phone(50)), member("Meera", "+91 12")}}),
			wantErr: domain.ErrInvalid, code: "invalid_phone", field: "members[1].phone"},
		{name: "phone of another unit", by: admin, cmd: add(domain.UnitInput{Members: []domain.MemberInput{member("Ravi", phone(3))}}),
			wantErr: domain.ErrConflict, code: "duplicate_phone", field: "members[0].phone",
			existing: func(s *scene) string { return s.groom.Members[0].ID }},
		{name: "phone of another unit typed locally", by: admin,
			cmd:     add(domain.UnitInput{Members: []domain.MemberInput{member("Ravi", phone(50)), member("Meera", "98765 00002")}}),
			wantErr: domain.ErrConflict, code: "duplicate_phone", field: "members[1].phone",
			existing: func(s *scene) string { return s.bride.Members[1].ID }},
		{name: "phone twice in the unit", by: admin,
			cmd:     add(domain.UnitInput{Members: []domain.MemberInput{member("Ravi", phone(50)), member("Meera", "+91-98765-00050")}}),
			wantErr: domain.ErrConflict, code: "duplicate_phone", field: "members[1].phone",
			existing: func(s *scene) string { return seqID("p", s.w.Seq+1) + ".0" }},
		{name: "two primaries", by: admin,
			cmd:     add(domain.UnitInput{Members: []domain.MemberInput{{Name: "a", Primary: true}, {Name: "b", Primary: true}}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members"},
		{name: "no members", by: admin, cmd: add(domain.UnitInput{Name: "Empty"}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members"},
		{name: "too many members", by: admin, cmd: add(domain.UnitInput{Members: many(domain.MaxMembers + 1)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members"},
		{name: "member without name", by: admin, cmd: add(domain.UnitInput{Members: []domain.MemberInput{member(" ", phone(50))}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members[0].name"},
		{name: "member id on a new unit", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.AddUnit{Unit: domain.UnitInput{Members: []domain.MemberInput{{ID: s.bride.Members[0].ID, Name: "x"}}}}
			},
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members[0].id"},
		{name: "bad email", by: admin, cmd: add(domain.UnitInput{Members: []domain.MemberInput{{Name: "Ravi", Email: "ravi at example"}}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members[0].email"},
		{name: "email with space", by: admin, cmd: add(domain.UnitInput{Members: []domain.MemberInput{{Name: "Ravi", Email: "r avi@example.com"}}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members[0].email"},
		{name: "unknown side", by: admin, cmd: add(domain.UnitInput{Side: 3, Members: []domain.MemberInput{member("Ravi", "")}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "side"},
		{name: "blank tag", by: admin, cmd: add(domain.UnitInput{Tags: []string{"vip", " "}, Members: []domain.MemberInput{member("Ravi", "")}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "tags[1]"},
		{name: "long tag", by: admin, cmd: add(domain.UnitInput{Tags: []string{strings.Repeat("t", 65)}, Members: []domain.MemberInput{member("Ravi", "")}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "tags[0]"},
		{name: "too many tags", by: admin, cmd: add(domain.UnitInput{Tags: make([]string, domain.MaxTags+1), Members: []domain.MemberInput{member("Ravi", "")}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "tags"},
		{name: "long unit name", by: admin, cmd: add(domain.UnitInput{Name: strings.Repeat("n", 201), Members: []domain.MemberInput{member("Ravi", "")}}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "name"},
	})
}

func TestWedding_AddUnits(t *testing.T) {
	member := func(name, phone string) []domain.MemberInput { return []domain.MemberInput{{Name: name, Phone: phone}} }
	type item struct {
		stored  bool
		wantErr error
		code    string
		field   string
	}
	tests := []struct {
		name  string
		by    domain.Principal
		units []domain.UnitInput
		items []item
	}{
		{
			name: "partial failures are stored",
			by:   admin,
			units: []domain.UnitInput{
				{Members: member("Anil", phone(10))},
				{Members: member("Bina", "12345")},
				{Members: member("Chetan", "98765 00010")}, // same as item 0
				{Members: member("Divya", phone(1))},       // same as the bride unit
				{Members: member("Esha", "")},
				{Side: domain.SideGroom, Members: member("Farhan", phone(11))},
			},
			items: []item{
				{stored: true},
				{wantErr: domain.ErrInvalid, code: "invalid_phone", field: "units[1].members[0].phone"},
				{wantErr: domain.ErrConflict, code: "duplicate_phone", field: "units[2].members[0].phone"},
				{wantErr: domain.ErrConflict, code: "duplicate_phone", field: "units[3].members[0].phone"},
				{stored: true},
				{stored: true},
			},
		},
		{
			name: "a failed item does not take its phone",
			by:   admin,
			units: []domain.UnitInput{
				{Members: []domain.MemberInput{{Name: "Anil", Phone: phone(10)}, {Name: ""}}},
				{Members: member("Bina", phone(10))},
			},
			items: []item{
				{wantErr: domain.ErrInvalid, code: "invalid_field", field: "units[0].members[1].name"},
				{stored: true},
			},
		},
		{
			name:  "all fail",
			by:    admin,
			units: []domain.UnitInput{{Name: "nobody"}, {Members: member("Chetan", phone(3))}},
			items: []item{
				{wantErr: domain.ErrInvalid, code: "invalid_field", field: "units[0].members"},
				{wantErr: domain.ErrConflict, code: "duplicate_phone", field: "units[1].members[0].phone"},
			},
		},
		{
			name: "side admin items outside its side fail",
			by:   brideAdmin,
			units: []domain.UnitInput{
				{Side: domain.SideGroom, Members: member("Anil", phone(10))},
				{Side: domain.SideBride, Members: member("Bina", phone(10))},
			},
			items: []item{
				{wantErr: domain.ErrForbidden, code: "forbidden"},
				{stored: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			nUnits := len(s.w.Units)
			changes, out, err := s.exec(tt.by, &domain.AddUnits{Units: tt.units})
			if err != nil {
				t.Fatal(err)
			}
			res := out.([]domain.BatchItem)
			if len(res) != len(tt.items) {
				t.Fatalf("%d results for %d items", len(res), len(tt.items))
			}
			seq := s.w.Seq // when nothing is stored, Seq did not move
			stored := 0
			for i, want := range tt.items {
				got := res[i]
				if got.Index != i {
					t.Errorf("item %d: index %d", i, got.Index)
				}
				if !want.stored {
					checkErr(t, got.Err, want.wantErr, want.code, want.field)
					if got.ID != "" {
						t.Errorf("item %d: failed item has id %q", i, got.ID)
					}
					continue
				}
				if got.Err != nil {
					t.Fatalf("item %d: %v", i, got.Err)
				}
				wantID := seqID("u", seq)
				if stored > 0 {
					wantID += "_" + string(rune('0'+stored))
				}
				if got.ID != wantID {
					t.Errorf("item %d: id %q, want %q", i, got.ID, wantID)
				}
				u := s.unit(got.ID)
				if wantPID := "p" + strings.TrimPrefix(wantID, "u") + ".0"; u.Members[0].ID != wantPID {
					t.Errorf("item %d: member id %q, want %q", i, u.Members[0].ID, wantPID)
				}
				if u.Members[0].Name != tt.units[i].Members[0].Name || u.CreatedAt != s.now {
					t.Errorf("item %d: stored %+v", i, u)
				}
				stored++
			}
			if len(s.w.Units) != nUnits+stored {
				t.Errorf("%d units, want %d", len(s.w.Units), nUnits+stored)
			}
			if stored == 0 {
				if len(changes) != 0 {
					t.Fatalf("changes = %v, want none", changes)
				}
			} else {
				wantChanges(t, changes, "units_saved")
				if n := len(changes[0].UnitsSaved.Units); n != stored {
					t.Fatalf("change saves %d units, want %d", n, stored)
				}
			}
			if d := stateDiff(replay(t, s.journal), s.w); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestWedding_AddUnitsExistingIDs pins the ExistingID of both kinds of
// duplicate in a batch: the holder in the wedding, and the holder in the
// batch.
func TestWedding_AddUnitsExistingIDs(t *testing.T) {
	s := newScene(t)
	_, out, err := s.exec(admin, &domain.AddUnits{Units: []domain.UnitInput{
		{Members: []domain.MemberInput{{Name: "Anil", Phone: phone(10)}}},
		{Members: []domain.MemberInput{{Name: "Bina", Phone: phone(10)}}},
		{Members: []domain.MemberInput{{Name: "Chetan", Phone: phone(4)}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	res := out.([]domain.BatchItem)
	anil := s.unit(res[0].ID).Members[0].ID
	tests := []struct {
		name  string
		index int
		want  string
	}{
		{name: "held by an earlier item", index: 1, want: anil},
		{name: "held in the wedding", index: 2, want: s.both.Members[0].ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			de := checkErr(t, res[tt.index].Err, domain.ErrConflict, "duplicate_phone", "units["+string(rune('0'+tt.index))+"].members[0].phone")
			if de.ExistingID != tt.want {
				t.Fatalf("ExistingID = %q, want %q", de.ExistingID, tt.want)
			}
		})
	}
}

func TestWedding_AddUnitsLimits(t *testing.T) {
	tests := []struct {
		name    string
		by      domain.Principal
		n       int
		wantErr error
		code    string
		field   string
	}{
		{name: "batch too large", by: admin, n: domain.MaxBatchUnits + 1, wantErr: domain.ErrInvalid, code: "invalid_field", field: "units"},
		{name: "viewer may not", by: viewer, n: 1, wantErr: domain.ErrForbidden, code: "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			units := make([]domain.UnitInput, tt.n)
			for i := range units {
				units[i] = domain.UnitInput{Members: []domain.MemberInput{{Name: "x"}}}
			}
			_, _, err := s.exec(tt.by, &domain.AddUnits{Units: units})
			checkErr(t, err, tt.wantErr, tt.code, tt.field)
		})
	}
}

func TestWedding_UpdateUnit(t *testing.T) {
	members := func(ms ...domain.MemberInput) *[]domain.MemberInput { return &ms }
	invitedYes := func(s *scene) {
		s.invite(s.bride.ID, 2, s.haldi)
		s.rsvp(s.bride.ID, s.haldi, domain.Yes, nil)
	}
	runCmdTests(t, []cmdTest{
		{name: "name only keeps members and invitations", setup: invitedYes, by: admin,
			cmd: func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.bride.ID, Name: ptr(" Sharma family ")} },
			check: func(t *testing.T, s *scene, changes []domain.Change, out any) {
				wantChanges(t, changes, "units_saved")
				u := s.unit(s.bride.ID)
				if u.Name != "Sharma family" || !reflect.DeepEqual(u.Members, s.bride.Members) || !slices.Equal(u.Tags, s.bride.Tags) {
					t.Fatalf("unit = %+v", u)
				}
				if inv := u.Invitation(s.haldi); inv == nil || inv.RSVP.Status != domain.Yes || inv.RSVP.Headcount != 2 {
					t.Fatalf("invitation = %+v", inv)
				}
				if u.CreatedAt != s.bride.CreatedAt || u.UpdatedAt != s.now {
					t.Fatalf("created %d updated %d", u.CreatedAt, u.UpdatedAt)
				}
				if out.(domain.Unit).Name != "Sharma family" {
					t.Fatalf("out = %+v", out)
				}
			}},
		{name: "members replaced, ids kept", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.UpdateUnit{ID: s.bride.ID, Members: members(
					domain.MemberInput{ID: s.bride.Members[0].ID, Name: "Sunita", Phone: phone(1)},
					domain.MemberInput{Name: "Nikhil", Phone: phone(20), Primary: true},
				)}
			},
			check: func(t *testing.T, s *scene, _ []domain.Change, _ any) {
				u := s.unit(s.bride.ID)
				want := []domain.Person{
					{ID: s.bride.Members[0].ID, Name: "Sunita", Phone: phone(1)},
					{ID: seqID("p", s.w.Seq) + ".1", Name: "Nikhil", Phone: phone(20), Primary: true},
				}
				if !reflect.DeepEqual(u.Members, want) {
					t.Fatalf("members = %+v, want %+v", u.Members, want)
				}
				removed := s.bride.Members[1]
				if _, ok := s.w.PersonByPhone(removed.Phone); ok {
					t.Fatal("removed member's phone still taken")
				}
				if _, ok := s.w.UnitOfPerson(removed.ID); ok {
					t.Fatal("removed member still belongs to a unit")
				}
				if pid, _ := s.w.PersonByPhone(phone(20)); pid != want[1].ID {
					t.Fatalf("PersonByPhone(new) = %q", pid)
				}
				// The freed phone can go to someone else.
				s.addUnit(admin, "Joshi", domain.SideBoth, nil, removed.Phone)
			}},
		{name: "members swap phones", by: admin,
			cmd: func(s *scene) domain.Command {
				m := s.bride.Members
				return &domain.UpdateUnit{ID: s.bride.ID, Members: members(
					domain.MemberInput{ID: m[0].ID, Name: m[0].Name, Phone: m[1].Phone},
					domain.MemberInput{ID: m[1].ID, Name: m[1].Name, Phone: m[0].Phone},
				)}
			},
			check: func(t *testing.T, s *scene, _ []domain.Change, _ any) {
				m := s.bride.Members
				if p, _ := s.w.PersonByPhone(m[0].Phone); p != m[1].ID {
					t.Fatalf("PersonByPhone(%s) = %q, want %q", m[0].Phone, p, m[1].ID)
				}
				if p, _ := s.w.PersonByPhone(m[1].Phone); p != m[0].ID {
					t.Fatalf("PersonByPhone(%s) = %q, want %q", m[1].Phone, p, m[0].ID)
				}
			}},
		{name: "side change moves counts", setup: invitedYes, by: admin,
			cmd: func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.bride.ID, Side: ptr(domain.SideGroom)} },
			check: func(t *testing.T, s *scene, _ []domain.Change, _ any) {
				v := s.w.View(nil)
				if c := v.Bride().Event(0).Counts; c != (domain.Counts{}) {
					t.Fatalf("bride still counts %+v", c)
				}
				want := domain.Counts{InvitedUnits: 1, InvitedSeats: 2, YesUnits: 1, YesHeadcount: 2}
				if c := v.Groom().Event(0).Counts; c != want {
					t.Fatalf("groom counts %+v, want %+v", c, want)
				}
				if v.Bride().Totals().InvitedUnits != 0 || v.Groom().Totals().InvitedUnits != 1 || v.All().Totals().InvitedUnits != 1 {
					t.Fatalf("totals bride %+v groom %+v", v.Bride().Totals(), v.Groom().Totals())
				}
			}},
		{name: "tags replaced", by: admin,
			cmd: func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.groom.ID, Tags: &[]string{"vip"}} },
			check: func(t *testing.T, s *scene, _ []domain.Change, _ any) {
				if u := s.unit(s.groom.ID); !slices.Equal(u.Tags, []string{"vip"}) {
					t.Fatalf("tags = %q", u.Tags)
				}
			}},
		{name: "bride admin moves a unit of both to bride", by: brideAdmin,
			cmd: func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.both.ID, Side: ptr(domain.SideBride)} }},
		{name: "bride admin moves bride unit to groom", by: brideAdmin,
			cmd:     func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.bride.ID, Side: ptr(domain.SideGroom)} },
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "bride admin cannot see groom unit", by: brideAdmin,
			cmd:     func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.groom.ID, Name: ptr("x")} },
			wantErr: domain.ErrNotFound, code: "not_found", field: "id"},
		{name: "unknown unit", by: admin,
			cmd:     func(*scene) domain.Command { return &domain.UpdateUnit{ID: "u999", Name: ptr("x")} },
			wantErr: domain.ErrNotFound, code: "not_found", field: "id"},
		{name: "viewer may not", by: viewer,
			cmd:     func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.bride.ID, Name: ptr("x")} },
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "no members", by: admin,
			cmd:     func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.bride.ID, Members: members()} },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members"},
		{name: "member of another unit", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.UpdateUnit{ID: s.bride.ID, Members: members(domain.MemberInput{ID: s.groom.Members[0].ID, Name: "x"})}
			},
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members[0].id"},
		{name: "same member twice", by: admin,
			cmd: func(s *scene) domain.Command {
				id := s.bride.Members[0].ID
				return &domain.UpdateUnit{ID: s.bride.ID, Members: members(
					domain.MemberInput{ID: id, Name: "x"}, domain.MemberInput{ID: id, Name: "y"})}
			},
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members[1].id"},
		{name: "phone of another unit", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.UpdateUnit{ID: s.bride.ID, Members: members(domain.MemberInput{Name: "x", Phone: phone(3)})}
			},
			wantErr: domain.ErrConflict, code: "duplicate_phone", field: "members[0].phone",
			existing: func(s *scene) string { return s.groom.Members[0].ID }},
		{name: "two primaries", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.UpdateUnit{ID: s.bride.ID, Members: members(
					domain.MemberInput{Name: "x", Primary: true}, domain.MemberInput{Name: "y", Primary: true})}
			},
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "members"},
		{name: "unknown side", by: admin,
			cmd:     func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.bride.ID, Side: ptr(domain.Side(3))} },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "side"},
	})
}

func TestWedding_DeleteUnit(t *testing.T) {
	runCmdTests(t, []cmdTest{
		{name: "admin deletes", by: admin,
			setup: func(s *scene) {
				s.invite(s.bride.ID, 0, s.haldi)
				s.rsvp(s.bride.ID, s.haldi, domain.Yes, nil)
			},
			cmd: func(s *scene) domain.Command { return &domain.DeleteUnit{ID: s.bride.ID} },
			check: func(t *testing.T, s *scene, changes []domain.Change, _ any) {
				wantChanges(t, changes, "unit_deleted")
				if s.w.Units[s.bride.ID] != nil {
					t.Fatal("unit still there")
				}
				for _, m := range s.bride.Members {
					if _, ok := s.w.PersonByPhone(m.Phone); ok {
						t.Fatalf("phone %s still taken", m.Phone)
					}
					if _, ok := s.w.UnitOfPerson(m.ID); ok {
						t.Fatalf("person %s still in a unit", m.ID)
					}
				}
				if v := s.w.View(nil); v.All().Event(0).Counts != (domain.Counts{}) || v.All().Totals() != (domain.Counts{}) {
					t.Fatalf("counts after delete: %+v", tableOf(v.All()))
				}
			}},
		{name: "bride admin deletes a unit of both", by: brideAdmin,
			cmd: func(s *scene) domain.Command { return &domain.DeleteUnit{ID: s.both.ID} }},
		{name: "bride admin cannot see groom unit", by: brideAdmin,
			cmd:     func(s *scene) domain.Command { return &domain.DeleteUnit{ID: s.groom.ID} },
			wantErr: domain.ErrNotFound, code: "not_found", field: "id"},
		{name: "unknown unit", by: admin,
			cmd:     func(*scene) domain.Command { return &domain.DeleteUnit{ID: "u999"} },
			wantErr: domain.ErrNotFound, code: "not_found", field: "id"},
		{name: "viewer may not", by: viewer,
			cmd:     func(s *scene) domain.Command { return &domain.DeleteUnit{ID: s.bride.ID} },
			wantErr: domain.ErrForbidden, code: "forbidden"},
	})
}

func TestWedding_Invite(t *testing.T) {
	result := func(invited, already int) func(*testing.T, *scene, []domain.Change, any) {
		return func(t *testing.T, _ *scene, _ []domain.Change, out any) {
			t.Helper()
			if r := out.(domain.InviteResult); r != (domain.InviteResult{Invited: invited, Already: already}) {
				t.Fatalf("result = %+v, want invited %d already %d", r, invited, already)
			}
		}
	}
	haldiSeats := func(t *testing.T, s *scene, want map[string]int32) {
		t.Helper()
		for _, u := range []domain.Unit{s.bride, s.groom, s.both} {
			var got int32
			if inv := s.unit(u.ID).Invitation(s.haldi); inv != nil {
				got = inv.Seats
			}
			if got != want[u.Name] {
				t.Errorf("%s: %d seats at haldi, want %d", u.Name, got, want[u.Name])
			}
		}
	}
	both := func(checks ...func(*testing.T, *scene, []domain.Change, any)) func(*testing.T, *scene, []domain.Change, any) {
		return func(t *testing.T, s *scene, c []domain.Change, out any) {
			for _, ch := range checks {
				ch(t, s, c, out)
			}
		}
	}
	seatsAre := func(want map[string]int32) func(*testing.T, *scene, []domain.Change, any) {
		return func(t *testing.T, s *scene, _ []domain.Change, _ any) { haldiSeats(t, s, want) }
	}
	noChange := func(t *testing.T, _ *scene, changes []domain.Change, _ any) {
		if len(changes) != 0 {
			t.Fatalf("changes = %v, want none", changes)
		}
	}
	invite := func(c domain.Invite) func(s *scene) domain.Command {
		return func(s *scene) domain.Command {
			c := c
			if c.EventIDs == nil {
				c.EventIDs = []string{s.haldi}
			}
			return &c
		}
	}
	byUnits := func(seats int32, units func(s *scene) []string) func(s *scene) domain.Command {
		return func(s *scene) domain.Command {
			return &domain.Invite{EventIDs: []string{s.haldi}, UnitIDs: units(s), Seats: seats}
		}
	}
	brideOnly := func(s *scene) []string { return []string{s.bride.ID} }
	answeredYes3 := func(s *scene) {
		s.invite(s.bride.ID, 3, s.haldi)
		s.rsvp(s.bride.ID, s.haldi, domain.Yes, nil)
	}
	runCmdTests(t, []cmdTest{
		{name: "unit ids, seats default to members", by: admin, cmd: byUnits(0, brideOnly),
			check: both(result(1, 0), seatsAre(map[string]int32{"Sharma": 2}),
				func(t *testing.T, s *scene, changes []domain.Change, _ any) {
					wantChanges(t, changes, "invited")
					if inv := s.unit(s.bride.ID).Invitation(s.haldi); inv.RSVP != (domain.RSVP{}) {
						t.Fatalf("new invitation has answer %+v", inv.RSVP)
					}
				})},
		{name: "explicit seats", by: admin, cmd: byUnits(5, brideOnly),
			check: both(result(1, 0), seatsAre(map[string]int32{"Sharma": 5}))},
		{name: "max seats", by: admin, cmd: byUnits(domain.MaxSeats, brideOnly),
			check: seatsAre(map[string]int32{"Sharma": domain.MaxSeats})},
		{name: "all, two events", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.Invite{EventIDs: []string{s.haldi, s.sangeet}, All: true}
			},
			check: both(result(6, 0), seatsAre(map[string]int32{"Sharma": 2, "Verma": 1, "Kapoor": 1}))},
		{name: "side bride means exactly bride", by: admin, cmd: invite(domain.Invite{Side: ptr(domain.SideBride)}),
			check: both(result(1, 0), seatsAre(map[string]int32{"Sharma": 2}))},
		{name: "side both means exactly both", by: admin, cmd: invite(domain.Invite{Side: ptr(domain.SideBoth)}),
			check: both(result(1, 0), seatsAre(map[string]int32{"Kapoor": 1}))},
		{name: "tag", by: admin, cmd: invite(domain.Invite{Tag: "college", Seats: 4}),
			check: both(result(2, 0), seatsAre(map[string]int32{"Verma": 4, "Kapoor": 4}))},
		{name: "tag nobody has", by: admin, cmd: invite(domain.Invite{Tag: "nobody"}),
			check: both(result(0, 0), noChange)},
		{name: "duplicate ids count once", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.Invite{EventIDs: []string{s.haldi, s.haldi}, UnitIDs: []string{s.bride.ID, s.bride.ID}}
			},
			check: result(1, 0)},
		{name: "re-invite unchanged is already", by: admin,
			setup: func(s *scene) { s.invite(s.bride.ID, 0, s.haldi) }, cmd: byUnits(0, brideOnly),
			check: both(result(0, 1), noChange, seatsAre(map[string]int32{"Sharma": 2}))},
		{name: "re-invite same seats is already", by: admin,
			setup: func(s *scene) { s.invite(s.bride.ID, 2, s.haldi) }, cmd: byUnits(2, brideOnly),
			check: both(result(0, 1), noChange)},
		{name: "re-invite with seats updates seats, keeps answer", by: admin, setup: answeredYes3, cmd: byUnits(5, brideOnly),
			check: both(result(0, 1), seatsAre(map[string]int32{"Sharma": 5}),
				func(t *testing.T, s *scene, changes []domain.Change, _ any) {
					wantChanges(t, changes, "invited")
					inv := s.unit(s.bride.ID).Invitation(s.haldi)
					if inv.RSVP.Status != domain.Yes || inv.RSVP.Headcount != 3 {
						t.Fatalf("answer = %+v", inv.RSVP)
					}
				})},
		{name: "fewer seats clamp the headcount", by: admin, setup: answeredYes3, cmd: byUnits(1, brideOnly),
			check: func(t *testing.T, s *scene, _ []domain.Change, _ any) {
				inv := s.unit(s.bride.ID).Invitation(s.haldi)
				if inv.Seats != 1 || inv.RSVP.Status != domain.Yes || inv.RSVP.Headcount != 1 {
					t.Fatalf("invitation = %+v", inv)
				}
				if c := s.w.View(nil).All().Event(0).Counts; c.YesHeadcount != 1 || c.InvitedSeats != 1 {
					t.Fatalf("counts = %+v", c)
				}
			}},
		{name: "mix of new and existing", by: admin,
			setup: func(s *scene) { s.invite(s.bride.ID, 0, s.haldi) },
			cmd:   invite(domain.Invite{All: true}),
			check: result(2, 1)},
		{name: "bride admin, all, sees bride and both", by: brideAdmin, cmd: invite(domain.Invite{All: true}),
			check: both(result(2, 0), seatsAre(map[string]int32{"Sharma": 2, "Kapoor": 1}))},
		{name: "bride admin, side groom, selects nobody", by: brideAdmin, cmd: invite(domain.Invite{Side: ptr(domain.SideGroom)}),
			check: both(result(0, 0), noChange)},
		{name: "bride admin names a groom unit", by: brideAdmin,
			cmd:     byUnits(0, func(s *scene) []string { return []string{s.bride.ID, s.groom.ID} }),
			wantErr: domain.ErrNotFound, code: "not_found", field: "unit_ids[1]"},
		{name: "unknown unit", by: admin,
			cmd:     byUnits(0, func(s *scene) []string { return []string{s.bride.ID, "u999"} }),
			wantErr: domain.ErrNotFound, code: "not_found", field: "unit_ids[1]"},
		{name: "no selector", by: admin, cmd: invite(domain.Invite{}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "unit_ids"},
		{name: "two selectors", by: admin, cmd: invite(domain.Invite{All: true, Tag: "college"}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "unit_ids"},
		{name: "unit ids and side", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.Invite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.bride.ID}, Side: ptr(domain.SideBride)}
			},
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "unit_ids"},
		{name: "unknown side", by: admin, cmd: invite(domain.Invite{Side: ptr(domain.Side(3))}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "side"},
		{name: "negative seats", by: admin, cmd: byUnits(-1, brideOnly),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "seats"},
		{name: "too many seats", by: admin, cmd: byUnits(domain.MaxSeats+1, brideOnly),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "seats"},
		{name: "no events", by: admin, cmd: invite(domain.Invite{EventIDs: []string{}, All: true}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "event_ids"},
		{name: "unknown event", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.Invite{EventIDs: []string{s.haldi, "e999"}, All: true}
			},
			wantErr: domain.ErrNotFound, code: "not_found", field: "event_ids[1]"},
		{name: "viewer may not", by: viewer, cmd: invite(domain.Invite{All: true}),
			wantErr: domain.ErrForbidden, code: "forbidden"},
	})
}

func TestWedding_Uninvite(t *testing.T) {
	setup := func(s *scene) {
		s.must(admin, &domain.Invite{EventIDs: []string{s.haldi, s.sangeet}, All: true})
		s.rsvp(s.bride.ID, s.haldi, domain.Yes, nil)
	}
	runCmdTests(t, []cmdTest{
		{name: "removes invitation and answer", setup: setup, by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.Uninvite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.bride.ID, s.groom.ID}}
			},
			check: func(t *testing.T, s *scene, changes []domain.Change, out any) {
				wantChanges(t, changes, "uninvited")
				if r := out.(domain.UninviteResult); r.Removed != 2 {
					t.Fatalf("removed %d", r.Removed)
				}
				if s.unit(s.bride.ID).Invitation(s.haldi) != nil || s.unit(s.bride.ID).Invitation(s.sangeet) == nil {
					t.Fatalf("invitations = %+v", s.unit(s.bride.ID).Invitations)
				}
				// Invited again, the answer starts over.
				s.invite(s.bride.ID, 0, s.haldi)
				if inv := s.unit(s.bride.ID).Invitation(s.haldi); inv.RSVP != (domain.RSVP{}) {
					t.Fatalf("answer survived uninvite: %+v", inv.RSVP)
				}
			}},
		{name: "both events, unit no longer invited anywhere", setup: setup, by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.Uninvite{EventIDs: []string{s.haldi, s.sangeet}, UnitIDs: []string{s.bride.ID}}
			},
			check: func(t *testing.T, s *scene, _ []domain.Change, _ any) {
				if v := s.w.View(nil); v.All().Totals().InvitedUnits != 2 || v.Bride().Totals().InvitedUnits != 1 {
					t.Fatalf("totals all %+v bride %+v", v.All().Totals(), v.Bride().Totals())
				}
			}},
		{name: "not invited", by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.Uninvite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.bride.ID}}
			},
			check: func(t *testing.T, _ *scene, changes []domain.Change, out any) {
				if len(changes) != 0 || out.(domain.UninviteResult).Removed != 0 {
					t.Fatalf("changes %v out %+v", changes, out)
				}
			}},
		{name: "bride admin uninvites a unit of both", setup: setup, by: brideAdmin,
			cmd: func(s *scene) domain.Command {
				return &domain.Uninvite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.both.ID}}
			}},
		{name: "bride admin names a groom unit", setup: setup, by: brideAdmin,
			cmd: func(s *scene) domain.Command {
				return &domain.Uninvite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.groom.ID}}
			},
			wantErr: domain.ErrNotFound, code: "not_found", field: "unit_ids[0]"},
		{name: "no units", setup: setup, by: admin,
			cmd:     func(s *scene) domain.Command { return &domain.Uninvite{EventIDs: []string{s.haldi}} },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "unit_ids"},
		{name: "no events", setup: setup, by: admin,
			cmd:     func(s *scene) domain.Command { return &domain.Uninvite{UnitIDs: []string{s.bride.ID}} },
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "event_ids"},
		{name: "unknown event", setup: setup, by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.Uninvite{EventIDs: []string{"e999"}, UnitIDs: []string{s.bride.ID}}
			},
			wantErr: domain.ErrNotFound, code: "not_found", field: "event_ids[0]"},
		{name: "viewer may not", setup: setup, by: viewer,
			cmd: func(s *scene) domain.Command {
				return &domain.Uninvite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.bride.ID}}
			},
			wantErr: domain.ErrForbidden, code: "forbidden"},
	})
}

func TestWedding_SetRSVP(t *testing.T) {
	// The bride unit (2 members) has 3 seats at haldi; the groom unit 1.
	setup := func(s *scene) {
		s.invite(s.bride.ID, 3, s.haldi)
		s.invite(s.groom.ID, 0, s.haldi)
	}
	at := func(sec int64) domain.Instant { return t0 + domain.Instant(sec)*1e9 }
	answered := func(st domain.RSVPStatus, hc *int32, when domain.Instant) func(s *scene) {
		return func(s *scene) {
			setup(s)
			s.must(admin, &domain.SetRSVP{UnitID: s.bride.ID, EventID: s.haldi, Status: st, Headcount: hc, AnsweredAt: when})
		}
	}
	set := func(c domain.SetRSVP) func(s *scene) domain.Command {
		return func(s *scene) domain.Command {
			c := c
			if c.UnitID == "" {
				c.UnitID = s.bride.ID
			}
			if c.EventID == "" {
				c.EventID = s.haldi
			}
			return &c
		}
	}
	// stored checks the result and the stored answer.
	stored := func(st domain.RSVPStatus, hc int32, stale bool) func(*testing.T, *scene, []domain.Change, any) {
		return func(t *testing.T, s *scene, changes []domain.Change, out any) {
			t.Helper()
			r := out.(domain.RSVPResult)
			inv := s.unit(r.UnitID).Invitation(r.EventID)
			if r.RSVP != inv.RSVP || r.Seats != inv.Seats || r.Stale != stale {
				t.Fatalf("result %+v, stored %+v", r, *inv)
			}
			if inv.RSVP.Status != st || inv.RSVP.Headcount != hc {
				t.Fatalf("stored %v/%d, want %v/%d", inv.RSVP.Status, inv.RSVP.Headcount, st, hc)
			}
			if len(changes) > 0 && inv.RSVP.Seq != changes[0].Seq {
				t.Fatalf("answer seq %d, change seq %d", inv.RSVP.Seq, changes[0].Seq)
			}
		}
	}
	changed := func(want bool, next func(*testing.T, *scene, []domain.Change, any)) func(*testing.T, *scene, []domain.Change, any) {
		return func(t *testing.T, s *scene, changes []domain.Change, out any) {
			t.Helper()
			if want {
				wantChanges(t, changes, "rsvp_recorded")
			} else if len(changes) != 0 {
				t.Fatalf("changes = %v, want none", changes)
			}
			next(t, s, changes, out)
		}
	}
	runCmdTests(t, []cmdTest{
		{name: "yes without headcount takes every seat", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Yes}),
			check: changed(true, func(t *testing.T, s *scene, c []domain.Change, out any) {
				stored(domain.Yes, 3, false)(t, s, c, out)
				r := out.(domain.RSVPResult).RSVP
				if r.AnsweredAt != s.now || r.Source != domain.SourceAdmin || r.Seq != s.w.Seq {
					t.Fatalf("answer = %+v", r)
				}
				want := domain.Counts{InvitedUnits: 2, InvitedSeats: 4, YesUnits: 1, YesHeadcount: 3, PendingUnits: 1}
				if got := s.w.View(nil).All().Event(0).Counts; got != want {
					t.Fatalf("counts %+v, want %+v", got, want)
				}
			})},
		{name: "yes with headcount", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Yes, Headcount: ptr[int32](2), Note: "veg"}),
			check: changed(true, stored(domain.Yes, 2, false))},
		{name: "yes with every seat", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Yes, Headcount: ptr[int32](3)}),
			check: changed(true, stored(domain.Yes, 3, false))},
		{name: "no", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.No}),
			check: changed(true, stored(domain.No, 0, false))},
		{name: "no with headcount zero", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.No, Headcount: ptr[int32](0)}),
			check: changed(true, stored(domain.No, 0, false))},
		{name: "maybe", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Maybe}),
			check: changed(true, stored(domain.Maybe, 0, false))},
		{name: "yes then no clears headcount", setup: answered(domain.Yes, nil, at(100)), by: admin,
			cmd:   set(domain.SetRSVP{Status: domain.No, AnsweredAt: at(200)}),
			check: changed(true, stored(domain.No, 0, false))},
		{name: "older answer is stale", setup: answered(domain.Yes, nil, at(100)), by: admin,
			cmd: set(domain.SetRSVP{Status: domain.No, AnsweredAt: at(50)}),
			check: changed(false, func(t *testing.T, s *scene, c []domain.Change, out any) {
				stored(domain.Yes, 3, true)(t, s, c, out)
				if r := out.(domain.RSVPResult).RSVP; r.AnsweredAt != at(100) {
					t.Fatalf("answer = %+v", r)
				}
			})},
		{name: "one nanosecond older is stale", setup: answered(domain.Yes, nil, at(100)), by: admin,
			cmd:   set(domain.SetRSVP{Status: domain.No, AnsweredAt: at(100) - 1}),
			check: changed(false, stored(domain.Yes, 3, true))},
		{name: "exact repeat is a no-op", setup: answered(domain.Yes, ptr[int32](2), at(100)), by: admin,
			cmd:   set(domain.SetRSVP{Status: domain.Yes, Headcount: ptr[int32](2), AnsweredAt: at(100)}),
			check: changed(false, stored(domain.Yes, 2, false))},
		{name: "same time, other answer wins", setup: answered(domain.Yes, ptr[int32](2), at(100)), by: admin,
			cmd:   set(domain.SetRSVP{Status: domain.Yes, Headcount: ptr[int32](1), AnsweredAt: at(100)}),
			check: changed(true, stored(domain.Yes, 1, false))},
		{name: "same time, other source wins", setup: answered(domain.Yes, nil, at(100)), by: domain.Root,
			cmd:   set(domain.SetRSVP{Status: domain.Yes, Source: domain.SourceWeb, AnsweredAt: at(100)}),
			check: changed(true, stored(domain.Yes, 3, false))},
		{name: "back to pending", setup: answered(domain.Yes, nil, at(100)), by: admin,
			cmd:   set(domain.SetRSVP{Status: domain.Pending, AnsweredAt: at(200)}),
			check: changed(true, stored(domain.Pending, 0, false))},
		{name: "guest on whatsapp (recorded by the engine)", setup: setup, by: domain.Root, cmd: set(domain.SetRSVP{Status: domain.Yes, Source: domain.SourceWhatsApp}),
			check: changed(true, func(t *testing.T, s *scene, c []domain.Change, out any) {
				stored(domain.Yes, 3, false)(t, s, c, out)
				if out.(domain.RSVPResult).RSVP.Source != domain.SourceWhatsApp || c[0].By != "root" {
					t.Fatalf("out %+v by %q", out, c[0].By)
				}
			})},
		{name: "groom admin answers for groom unit", setup: setup, by: groomAdmin,
			cmd: func(s *scene) domain.Command {
				return &domain.SetRSVP{UnitID: s.groom.ID, EventID: s.haldi, Status: domain.Yes}
			},
			check: changed(true, stored(domain.Yes, 1, false))},
		{name: "headcount over seats", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Yes, Headcount: ptr[int32](4)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "headcount"},
		{name: "yes with headcount zero", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Yes, Headcount: ptr[int32](0)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "headcount"},
		{name: "yes with negative headcount", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Yes, Headcount: ptr[int32](-1)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "headcount"},
		{name: "headcount with no", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.No, Headcount: ptr[int32](1)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "headcount"},
		{name: "headcount with maybe", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Maybe, Headcount: ptr[int32](2)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "headcount"},
		{name: "unknown status", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: 4}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "status"},
		{name: "unknown source", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Yes, Source: 3}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "source"},
		{name: "long note", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.No, Note: strings.Repeat("n", domain.MaxNoteLen+1)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "note"},
		{name: "not invited", setup: setup, by: admin,
			cmd: func(s *scene) domain.Command {
				return &domain.SetRSVP{UnitID: s.bride.ID, EventID: s.sangeet, Status: domain.Yes}
			},
			wantErr: domain.ErrConflict, code: "not_invited", field: "event_id"},
		{name: "unknown unit", setup: setup, by: admin, cmd: set(domain.SetRSVP{UnitID: "u999", Status: domain.Yes}),
			wantErr: domain.ErrNotFound, code: "not_found", field: "unit_id"},
		{name: "unknown event", setup: setup, by: admin, cmd: set(domain.SetRSVP{EventID: "e999", Status: domain.Yes}),
			wantErr: domain.ErrNotFound, code: "not_found", field: "event_id"},
		{name: "viewer may not answer for guests", setup: setup, by: viewer, cmd: set(domain.SetRSVP{Status: domain.Yes}),
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "a token cannot claim a guest's own answer", setup: setup, by: admin, cmd: set(domain.SetRSVP{Status: domain.Yes, Source: domain.SourceWeb}),
			wantErr: domain.ErrForbidden, code: "forbidden"},
		{name: "bride admin cannot see groom unit", setup: setup, by: brideAdmin,
			cmd: func(s *scene) domain.Command {
				return &domain.SetRSVP{UnitID: s.groom.ID, EventID: s.haldi, Status: domain.Yes}
			},
			wantErr: domain.ErrNotFound, code: "not_found", field: "unit_id"},
	})
}

// TestWedding_ViewerCannotWrite checks that every guest-data command is
// refused to a viewer with KindForbidden.
func TestWedding_ViewerCannotWrite(t *testing.T) {
	tests := []struct {
		name string
		cmd  func(s *scene) domain.Command
	}{
		{"IssueToken", func(*scene) domain.Command { return &domain.IssueToken{Role: domain.RoleViewer, Hash: hash("v")} }},
		{"RevokeToken", func(*scene) domain.Command { return &domain.RevokeToken{ID: "t1"} }},
		{"AddEvent", func(*scene) domain.Command { return &domain.AddEvent{Name: "x", StartsAt: t0} }},
		{"UpdateEvent", func(s *scene) domain.Command { return &domain.UpdateEvent{ID: s.haldi, Name: ptr("x")} }},
		{"DeleteEvent", func(s *scene) domain.Command { return &domain.DeleteEvent{ID: s.haldi} }},
		{"AddUnit", func(*scene) domain.Command {
			return &domain.AddUnit{Unit: domain.UnitInput{Members: []domain.MemberInput{{Name: "x"}}}}
		}},
		{"AddUnits", func(*scene) domain.Command {
			return &domain.AddUnits{Units: []domain.UnitInput{{Members: []domain.MemberInput{{Name: "x"}}}}}
		}},
		{"UpdateUnit", func(s *scene) domain.Command { return &domain.UpdateUnit{ID: s.bride.ID, Name: ptr("x")} }},
		{"DeleteUnit", func(s *scene) domain.Command { return &domain.DeleteUnit{ID: s.bride.ID} }},
		{"Invite", func(s *scene) domain.Command { return &domain.Invite{EventIDs: []string{s.haldi}, All: true} }},
		{"Uninvite", func(s *scene) domain.Command {
			return &domain.Uninvite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.bride.ID}}
		}},
		{"SetRSVP", func(s *scene) domain.Command {
			return &domain.SetRSVP{UnitID: s.bride.ID, EventID: s.haldi, Status: domain.Yes}
		}},
		{"CreateWedding", func(*scene) domain.Command {
			return &domain.CreateWedding{ID: "w2", Name: "x", Slug: "x", Date: "2026-01-01"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			s.invite(s.bride.ID, 0, s.haldi)
			seq := s.w.Seq
			_, _, err := s.exec(viewer, tt.cmd(s))
			if !errors.Is(err, domain.ErrForbidden) {
				t.Fatalf("err = %v, want forbidden", err)
			}
			if s.w.Seq != seq {
				t.Fatalf("seq moved to %d", s.w.Seq)
			}
		})
	}
}

// TestWedding_SideAdminScope checks what a bride side admin sees and may
// do: its side and "both", never the groom's.
func TestWedding_SideAdminScope(t *testing.T) {
	s := newScene(t)
	s.must(admin, &domain.Invite{EventIDs: []string{s.haldi}, All: true})
	tests := []struct {
		name    string
		run     func() error
		wantErr error
	}{
		{"get groom unit", func() error { _, err := (domain.GetUnit{ID: s.groom.ID}).Run(s.w, brideAdmin); return err }, domain.ErrNotFound},
		{"get bride unit", func() error { _, err := (domain.GetUnit{ID: s.bride.ID}).Run(s.w, brideAdmin); return err }, nil},
		{"get unit of both", func() error { _, err := (domain.GetUnit{ID: s.both.ID}).Run(s.w, brideAdmin); return err }, nil},
		{"create groom unit", func() error {
			_, _, err := s.exec(brideAdmin, &domain.AddUnit{Unit: domain.UnitInput{Side: domain.SideGroom, Members: []domain.MemberInput{{Name: "x"}}}})
			return err
		}, domain.ErrForbidden},
		{"answer for groom unit", func() error {
			_, _, err := s.exec(brideAdmin, &domain.SetRSVP{UnitID: s.groom.ID, EventID: s.haldi, Status: domain.Yes})
			return err
		}, domain.ErrNotFound},
		{"uninvite groom unit", func() error {
			_, _, err := s.exec(brideAdmin, &domain.Uninvite{EventIDs: []string{s.haldi}, UnitIDs: []string{s.groom.ID}})
			return err
		}, domain.ErrNotFound},
		{"delete event", func() error {
			_, _, err := s.exec(brideAdmin, &domain.DeleteEvent{ID: s.haldi})
			return err
		}, domain.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	t.Run("list units", func(t *testing.T) {
		out, err := (domain.ListUnits{}).Run(s.w, brideAdmin)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range out.(domain.UnitPage).Units {
			names = append(names, u.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"Kapoor", "Sharma"}) {
			t.Fatalf("bride admin sees %v", names)
		}
	})
	t.Run("headcount", func(t *testing.T) {
		v := s.w.View(nil)
		if h := v.HeadcountFor(brideAdmin); h.Totals().InvitedUnits != 2 || !reflect.DeepEqual(h, v.Bride()) {
			t.Fatalf("bride admin headcount %+v", h.Totals())
		}
		if h := v.HeadcountFor(groomAdmin); h.Totals().InvitedUnits != 2 || !reflect.DeepEqual(h, v.Groom()) {
			t.Fatalf("groom admin headcount %+v", h.Totals())
		}
		if h := v.HeadcountFor(viewer); h.Totals().InvitedUnits != 3 || !reflect.DeepEqual(h, v.All()) {
			t.Fatalf("viewer headcount %+v", h.Totals())
		}
	})
}

// TestWedding_MemberIDsNeverReused checks that ids handed out on update
// differ from every id handed out before, including removed members'.
func TestWedding_MemberIDsNeverReused(t *testing.T) {
	s := newScene(t)
	seen := map[string]bool{}
	for _, u := range s.w.Units {
		for _, m := range u.Members {
			seen[m.ID] = true
		}
	}
	for i := range 5 {
		out := s.must(admin, &domain.UpdateUnit{ID: s.bride.ID, Members: &[]domain.MemberInput{
			{Name: "a" + strings.Repeat("x", i)}, {Name: "b"},
		}}).(domain.Unit)
		for _, m := range out.Members {
			if seen[m.ID] {
				t.Fatalf("update %d reused member id %s", i, m.ID)
			}
			seen[m.ID] = true
		}
	}
}

// TestWedding_UnitLimit fills a wedding to MaxUnits: the next unit is
// refused, alone or in a batch.
func TestWedding_UnitLimit(t *testing.T) {
	s := newScene(t)
	for len(s.w.Units) < domain.MaxUnits {
		n := min(domain.MaxBatchUnits, domain.MaxUnits-len(s.w.Units))
		batch := make([]domain.UnitInput, n)
		for i := range batch {
			batch[i] = domain.UnitInput{Members: []domain.MemberInput{{Name: "guest"}}}
		}
		s.must(admin, &domain.AddUnits{Units: batch})
	}
	one := domain.UnitInput{Members: []domain.MemberInput{{Name: "late"}}}
	tests := []struct {
		name string
		run  func() error
	}{
		{"AddUnit", func() error {
			_, _, err := s.exec(admin, &domain.AddUnit{Unit: one})
			return err
		}},
		{"AddUnits item", func() error {
			changes, out, err := s.exec(admin, &domain.AddUnits{Units: []domain.UnitInput{one}})
			if err != nil || len(changes) != 0 {
				t.Fatalf("batch: %v, %d changes", err, len(changes))
			}
			return out.([]domain.BatchItem)[0].Err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.run(), domain.ErrInvalid, "invalid_field", "")
			if len(s.w.Units) != domain.MaxUnits {
				t.Fatalf("%d units", len(s.w.Units))
			}
		})
	}
}
