package domain_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// rosterScene: three events added out of time order (the sheet lists them
// in time order), one invite-only; a bride household in Devanagari with a
// comma and an email in it, a groom household with quotes, and a "both"
// household whose cells a spreadsheet would read as formulas.
type rosterScene struct {
	*fixture
	haldi, sangeet, puja string
	bride, groom, both   domain.Unit
}

func newRosterScene(t testing.TB) *rosterScene {
	t.Helper()
	s := &rosterScene{fixture: newFixture(t)}
	s.haldi = s.addEvent("Haldi", t0+day)
	s.puja = s.must(admin, &domain.AddEvent{Name: "Family puja", StartsAt: t0 + 3*day, Visibility: domain.InviteOnly}).(domain.Event).ID
	s.sangeet = s.addEvent("संगीत", t0+2*day)
	s.bride = s.must(admin, &domain.AddUnit{Unit: domain.UnitInput{Name: "शर्मा परिवार", Side: domain.SideBride, Tags: []string{"family", "vip"},
		Members: []domain.MemberInput{
			{Name: "अनिल शर्मा", Phone: phone(1), Primary: true},
			{Name: "Sunita, Sharma", Phone: phone(2), Email: "sunita@example.com"},
		}}}).(domain.Unit)
	s.groom = s.must(admin, &domain.AddUnit{Unit: domain.UnitInput{Name: `Ravi "Bunty" Kapoor`, Side: domain.SideGroom,
		Members: []domain.MemberInput{{Name: "Ravi Kapoor", Phone: phone(3)}}}}).(domain.Unit)
	s.both = s.must(admin, &domain.AddUnit{Unit: domain.UnitInput{Name: `=HYPERLINK("http://x")`, Side: domain.SideBoth, Tags: []string{"-x"},
		Members: []domain.MemberInput{{Name: "@mention"}, {Name: "Meera", Phone: phone(4)}}}}).(domain.Unit)
	s.must(admin, &domain.Invite{EventIDs: []string{s.haldi}, All: true})
	s.invite(s.bride.ID, 3, s.sangeet)
	s.invite(s.bride.ID, 0, s.puja)
	s.invite(s.groom.ID, 0, s.puja)
	s.rsvp(s.bride.ID, s.haldi, domain.Yes, ptr[int32](1))
	s.rsvp(s.groom.ID, s.haldi, domain.No, nil)
	s.rsvp(s.bride.ID, s.sangeet, domain.Maybe, nil)
	s.rsvp(s.groom.ID, s.puja, domain.Yes, nil)
	return s
}

func (s *rosterScene) sheet(p domain.Principal, event string, excel bool) string {
	s.t.Helper()
	b, err := s.w.Roster().Sheet(p, event, excel)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

func TestRoster_GuestSheet(t *testing.T) {
	s := newRosterScene(t)
	b, g, x := s.bride, s.groom, s.both
	want := "unit_id,household,side,tags,person_id,name,phone,email,primary," +
		"Haldi status,Haldi headcount,संगीत status,संगीत headcount,Family puja status,Family puja headcount\n" +
		b.ID + ",शर्मा परिवार,bride,family; vip," + b.Members[0].ID + ",अनिल शर्मा," + phone(1) + ",,true,yes,1,maybe,0,pending,0\n" +
		b.ID + ",शर्मा परिवार,bride,family; vip," + b.Members[1].ID + `,"Sunita, Sharma",` + phone(2) + ",sunita@example.com,false,yes,,maybe,,pending,\n" +
		g.ID + `,"Ravi ""Bunty"" Kapoor",groom,,` + g.Members[0].ID + ",Ravi Kapoor," + phone(3) + ",,true,no,0,,,yes,1\n" +
		x.ID + `,"=HYPERLINK(""http://x"")",both,-x,` + x.Members[0].ID + ",@mention,,,true,pending,0,,,,\n" +
		x.ID + `,"=HYPERLINK(""http://x"")",both,-x,` + x.Members[1].ID + ",Meera," + phone(4) + ",,false,pending,,,,,\n"
	if got := s.sheet(admin, "", false); got != want {
		t.Errorf("guest sheet:\n%s\nwant:\n%s", got, want)
	}
	// A viewer and the operator read the same sheet.
	for _, p := range []domain.Principal{viewer, owner, domain.Root} {
		if got := s.sheet(p, "", false); got != want {
			t.Errorf("%s: another sheet:\n%s", p.Role, got)
		}
	}
}

func TestRoster_CatererSheet(t *testing.T) {
	s := newRosterScene(t)
	b, g, x := s.bride, s.groom, s.both
	tests := []struct {
		name, event, want string
	}{
		{"haldi: everyone", s.haldi, "unit_id,household,contact,phone,seats,status,headcount\n" +
			b.ID + ",शर्मा परिवार,अनिल शर्मा," + phone(1) + ",2,yes,1\n" +
			g.ID + `,"Ravi ""Bunty"" Kapoor",Ravi Kapoor,` + phone(3) + ",1,no,0\n" +
			x.ID + `,"=HYPERLINK(""http://x"")",@mention,,2,pending,0` + "\n" +
			"TOTAL,,,,5,yes 1; maybe 0; no 1; pending 1,1\n"},
		{"sangeet: one household with 3 seats", s.sangeet, "unit_id,household,contact,phone,seats,status,headcount\n" +
			b.ID + ",शर्मा परिवार,अनिल शर्मा," + phone(1) + ",3,maybe,0\n" +
			"TOTAL,,,,3,yes 0; maybe 1; no 0; pending 0,0\n"},
		{"the invite-only puja", s.puja, "unit_id,household,contact,phone,seats,status,headcount\n" +
			b.ID + ",शर्मा परिवार,अनिल शर्मा," + phone(1) + ",2,pending,0\n" +
			g.ID + `,"Ravi ""Bunty"" Kapoor",Ravi Kapoor,` + phone(3) + ",1,yes,1\n" +
			"TOTAL,,,,3,yes 1; maybe 0; no 0; pending 1,1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.sheet(admin, tt.event, false); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
	empty := s.addEvent("Vidaai", t0+4*day)
	if got, want := s.sheet(admin, empty, false), "unit_id,household,contact,phone,seats,status,headcount\nTOTAL,,,,0,yes 0; maybe 0; no 0; pending 0,0\n"; got != want {
		t.Errorf("an event nobody is invited to:\n%s", got)
	}
	_, err := s.w.Roster().Sheet(admin, "e-nope", false)
	checkErr(t, err, domain.ErrNotFound, "not_found", "event")
	_, err = s.w.Roster().AppendSheet(nil, admin, "e-nope", true)
	checkErr(t, err, domain.ErrNotFound, "not_found", "event")
}

// A side admin's sheets hold its side's units and those of both sides,
// as its headcount counts them; the events are every event.
func TestRoster_SideScope(t *testing.T) {
	s := newRosterScene(t)
	units := func(sheet string) []string {
		t.Helper()
		rows, err := csv.NewReader(strings.NewReader(sheet)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rows[1:] {
			if len(ids) == 0 || ids[len(ids)-1] != r[0] {
				ids = append(ids, r[0])
			}
		}
		return ids
	}
	tests := []struct {
		name  string
		by    domain.Principal
		guest []string // unit ids of the guest sheet
		haldi []string // of haldi's caterer sheet, TOTAL last
	}{
		{"bride", brideAdmin, []string{s.bride.ID, s.both.ID}, []string{s.bride.ID, s.both.ID, "TOTAL"}},
		{"groom", groomAdmin, []string{s.groom.ID, s.both.ID}, []string{s.groom.ID, s.both.ID, "TOTAL"}},
		{"admin", admin, []string{s.bride.ID, s.groom.ID, s.both.ID}, []string{s.bride.ID, s.groom.ID, s.both.ID, "TOTAL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := units(s.sheet(tt.by, "", false)); !equalSlices(got, tt.guest) {
				t.Errorf("guest sheet units %v, want %v", got, tt.guest)
			}
			sheet := s.sheet(tt.by, s.haldi, false)
			if got := units(sheet); !equalSlices(got, tt.haldi) {
				t.Errorf("haldi units %v, want %v", got, tt.haldi)
			}
			if !strings.HasPrefix(sheet, "unit_id,") || !strings.Contains(s.sheet(tt.by, "", false), "Family puja status") {
				t.Errorf("the invite-only event is missing from %s's sheets", tt.name)
			}
		})
	}
	if _, err := s.w.Roster().Sheet(domain.Principal{Role: domain.RoleSideAdmin, Side: domain.SideBoth}, "", false); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a side admin of no side: %v", err)
	}
}

// excel=1: a byte order mark first, nothing else then, and cells a
// spreadsheet would run as formulas made text. Without it, no mark and
// every cell as stored.
func TestRoster_Excel(t *testing.T) {
	s := newRosterScene(t)
	for _, ev := range []string{"", s.haldi} {
		plain, excel := s.sheet(admin, ev, false), s.sheet(admin, ev, true)
		if strings.HasPrefix(plain, "\uFEFF") || strings.Contains(plain, "\uFEFF") {
			t.Errorf("event %q: a byte order mark without excel", ev)
		}
		if !strings.HasPrefix(excel, "\xef\xbb\xbf") || strings.Count(excel, "\uFEFF") != 1 {
			t.Errorf("event %q: excel sheet starts %q", ev, excel[:min(8, len(excel))])
		}
		body := strings.TrimPrefix(excel, "\xef\xbb\xbf")
		for _, inert := range []string{`"'=HYPERLINK(""http://x"")"`, ",'@mention,"} {
			if !strings.Contains(body, inert) {
				t.Errorf("event %q: excel sheet without %s:\n%s", ev, inert, body)
			}
		}
		// Only those cells differ.
		fixed := strings.NewReplacer(`"'=HYPERLINK`, `"=HYPERLINK`, ",'@mention,", ",@mention,", ",'-x,", ",-x,").Replace(body)
		if fixed != plain {
			t.Errorf("event %q: excel sheet differs beyond the inert cells:\n%s\nplain:\n%s", ev, body, plain)
		}
	}
	// Phones stay as they are (E.164 is a number to a spreadsheet, never
	// a formula): +91… is not prefixed.
	if strings.Contains(s.sheet(admin, "", true), "'+91") {
		t.Error("a phone was prefixed")
	}
}

// Names with line breaks cannot come in through commands (checkText), but
// a sheet quotes whatever it holds, as encoding/csv quotes: a reader gets
// every cell back.
func TestRoster_Quoting(t *testing.T) {
	s := newRosterScene(t)
	w := cloneState(s.w)
	u := w.Units[s.groom.ID]
	u.Name = "two\nlines, \"quoted\"\r\n"
	u.Members = []domain.Person{{ID: "p-odd", Name: " leading space", Phone: phone(3), Primary: true}}
	u.Tags = []string{"a,b", `c"d`}
	r := w.Roster()
	for _, ev := range []string{"", s.haldi} {
		b, err := r.Sheet(admin, ev, false)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("event %q: %v\n%s", ev, err, b)
		}
		var found bool
		for _, row := range rows {
			if row[0] != s.groom.ID {
				continue
			}
			found = true
			// encoding/csv reads \r\n inside a quoted field as \n.
			if row[1] != "two\nlines, \"quoted\"\n" {
				t.Errorf("event %q: household read back as %q", ev, row[1])
			}
			if ev == "" && (row[3] != `a,b; c"d` || row[5] != " leading space") {
				t.Errorf("tags %q, name %q", row[3], row[5])
			}
		}
		if !found {
			t.Errorf("event %q: no row for the unit", ev)
		}
	}
}

// A roster is a copy: whatever the wedding does after, its sheets (built
// after, too) are those of the state it copied, as a replay of the journal
// up to its sequence shows.
func TestRoster_IsACopy(t *testing.T) {
	s := newRosterScene(t)
	r := s.w.Roster()
	seq := r.Seq
	s.rsvp(s.bride.ID, s.haldi, domain.No, nil)
	s.rsvp(s.groom.ID, s.puja, domain.Maybe, nil)
	s.must(admin, &domain.UpdateUnit{ID: s.both.ID, Name: ptr("Renamed"), Tags: &[]string{"other"}})
	s.must(admin, &domain.Uninvite{EventIDs: []string{s.sangeet}, UnitIDs: []string{s.bride.ID}})
	s.must(admin, &domain.Invite{EventIDs: []string{s.sangeet}, UnitIDs: []string{s.groom.ID}, Seats: 4})
	s.must(admin, &domain.DeleteUnit{ID: s.groom.ID})
	s.addUnit(admin, "Late", domain.SideBoth, nil, phone(9))
	s.must(admin, &domain.DeleteEvent{ID: s.puja, Force: true})
	then := replay(t, s.journal[:seq]).Roster()
	if then.Seq != seq {
		t.Fatalf("replay to seq %d", then.Seq)
	}
	for _, p := range []domain.Principal{admin, brideAdmin, groomAdmin} {
		for _, ev := range []string{"", s.haldi, s.sangeet, s.puja} {
			for _, excel := range []bool{false, true} {
				got, err1 := r.Sheet(p, ev, excel)
				want, err2 := then.AppendSheet(nil, p, ev, excel)
				if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
					t.Errorf("%s event %q excel %v: (%v, %v)\n%s\nwant:\n%s", p.TokenID, ev, excel, err1, err2, got, want)
				}
			}
		}
	}
	if now := s.sheet(admin, "", false); strings.Contains(now, "Family puja") || !strings.Contains(now, "Renamed") {
		t.Errorf("a new roster does not show the changes:\n%s", now)
	}
}

// Sheets are built once per roster, scope, sheet and excel, by one reader
// while the others wait, and shared; Sheet and AppendSheet agree.
func TestRoster_SheetKept(t *testing.T) {
	s := newRosterScene(t)
	r := s.w.Roster()
	var wg sync.WaitGroup
	got := make([][]byte, 16)
	for i := range got {
		wg.Go(func() {
			b, err := r.Sheet([]domain.Principal{admin, viewer}[i%2], s.haldi, true)
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		})
	}
	wg.Wait()
	for i := range got {
		if &got[i][0] != &got[0][0] {
			t.Fatalf("reader %d got another copy of the sheet", i)
		}
	}
	fresh, _ := r.AppendSheet([]byte("prefix"), admin, s.haldi, true)
	if string(fresh) != "prefix"+string(got[0]) {
		t.Errorf("AppendSheet:\n%s\nSheet:\n%s", fresh, got[0])
	}
	for _, k := range []struct {
		p     domain.Principal
		ev    string
		excel bool
	}{{admin, s.haldi, false}, {brideAdmin, s.haldi, true}, {admin, "", true}, {admin, s.sangeet, true}} {
		if b, _ := r.Sheet(k.p, k.ev, k.excel); &b[0] == &got[0][0] {
			t.Errorf("%+v shares the admin's excel haldi sheet", k)
		}
	}
}

// For any wedding, every scope and every event, the caterer's sheet sums
// to the view's numbers of the same sequence, and so does the guest
// sheet's headcount column.
func TestRoster_TotalsMatchView(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	f := newFixture(t)
	var events []string
	for i := range 4 {
		events = append(events, f.addEvent("Event "+strconv.Itoa(i), t0+domain.Instant(r.IntN(5))*day))
	}
	batch := make([]domain.UnitInput, 60)
	for i := range batch {
		for m := range 1 + r.IntN(5) {
			batch[i].Members = append(batch[i].Members, domain.MemberInput{Name: fmt.Sprintf("Guest %d-%d", i, m), Phone: phone(i*10 + m)})
		}
		batch[i].Side = domain.Side(r.IntN(3))
	}
	var units []string
	for _, it := range f.must(admin, &domain.AddUnits{Units: batch}).([]domain.BatchItem) {
		units = append(units, it.ID)
	}
	for _, u := range units {
		for _, e := range events {
			if r.IntN(3) > 0 {
				f.must(admin, &domain.Invite{EventIDs: []string{e}, UnitIDs: []string{u}, Seats: int32(r.IntN(6))})
				st := domain.RSVPStatus(r.IntN(4))
				var hc *int32
				if st == domain.Yes && r.IntN(2) == 0 {
					hc = ptr[int32](1)
				}
				f.rsvp(u, e, st, hc)
			}
		}
	}
	v, ro := f.w.View(nil), f.w.Roster()
	if ro.Seq != v.Seq || ro.Units() != len(units) {
		t.Fatalf("roster seq %d units %d; view seq %d", ro.Seq, ro.Units(), v.Seq)
	}
	for _, p := range []domain.Principal{admin, brideAdmin, groomAdmin} {
		h := v.HeadcountFor(p)
		guest, err := ro.Sheet(p, "", false)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(guest)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < h.Len(); i++ {
			want := h.Event(i)
			// The guest sheet: column 9+2i is the status, 10+2i the headcount.
			col := 9 + 2*eventIndex(ro, want.EventID)
			var invited, headcount int32
			for _, row := range rows[1:] {
				if row[col+1] != "" {
					invited++
					n, _ := strconv.Atoi(row[col+1])
					headcount += int32(n)
				}
			}
			if invited != want.InvitedUnits || headcount != want.YesHeadcount {
				t.Errorf("%s %s guest sheet: %d units, %d coming; view %+v", p.TokenID, want.Name, invited, headcount, want.Counts)
			}
			sheet, err := ro.Sheet(p, want.EventID, false)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(bytes.NewReader(sheet)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			total := rows[len(rows)-1]
			status := fmt.Sprintf("yes %d; maybe %d; no %d; pending %d", want.YesUnits, want.MaybeUnits, want.NoUnits, want.PendingUnits)
			if total[0] != "TOTAL" || total[4] != strconv.Itoa(int(want.InvitedSeats)) || total[5] != status ||
				total[6] != strconv.Itoa(int(want.YesHeadcount)) || len(rows)-2 != int(want.InvitedUnits) {
				t.Errorf("%s %s: %d rows, total %q; view %+v", p.TokenID, want.Name, len(rows)-2, total, want.Counts)
			}
		}
	}
}

func eventIndex(r *domain.Roster, id string) int {
	for i, e := range r.Events {
		if e.ID == id {
			return i
		}
	}
	return -1
}

func TestView_Roster(t *testing.T) {
	s := newRosterScene(t)
	v := s.w.View(nil)
	var fetches atomic.Int32
	fetch := func() (*domain.Roster, error) {
		fetches.Add(1)
		return s.w.Roster(), nil
	}
	var wg sync.WaitGroup
	got := make([]*domain.Roster, 8)
	for i := range got {
		wg.Go(func() {
			r, err := v.Roster(fetch)
			if err != nil {
				t.Error(err)
			}
			got[i] = r
		})
	}
	wg.Wait()
	for _, r := range got {
		if r != got[0] || r.Seq != v.Seq {
			t.Fatalf("readers got different rosters")
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for one view", n)
	}

	t.Run("a failed fetch is not kept", func(t *testing.T) {
		v := s.w.View(nil)
		boom := errors.New("overloaded")
		if _, err := v.Roster(func() (*domain.Roster, error) { return nil, boom }); err != boom {
			t.Fatalf("err %v", err)
		}
		func() {
			defer func() { _ = recover() }()
			_, _ = v.Roster(func() (*domain.Roster, error) { panic("fetch") })
		}()
		if r, err := v.Roster(fetch); err != nil || r.Seq != v.Seq {
			t.Fatalf("after failures: %v", err)
		}
	})
	t.Run("older or another wedding's rosters are refused", func(t *testing.T) {
		old := s.w.Roster()
		s.rsvp(s.both.ID, s.haldi, domain.Maybe, nil)
		v := s.w.View(nil)
		if _, err := v.Roster(func() (*domain.Roster, error) { return old, nil }); !errors.Is(err, domain.ErrRosterMismatch) {
			t.Errorf("an older roster: %v", err)
		}
		other := newRosterScene(t)
		other.w.Info.ID = "w2"
		for other.w.Seq < v.Seq {
			other.rsvp(other.both.ID, other.haldi, domain.RSVPStatus(other.w.Seq%2+1), nil)
		}
		if _, err := v.Roster(func() (*domain.Roster, error) { return other.w.Roster(), nil }); !errors.Is(err, domain.ErrRosterMismatch) {
			t.Errorf("another wedding's roster: %v", err)
		}
	})
	t.Run("a newer roster is kept", func(t *testing.T) {
		v := s.w.View(nil)
		s.rsvp(s.both.ID, s.haldi, domain.No, nil)
		newer := s.w.Roster()
		if r, err := v.Roster(func() (*domain.Roster, error) { return newer, nil }); err != nil || r != newer {
			t.Fatalf("a newer roster: %v", err)
		}
		if r, _ := v.Roster(func() (*domain.Roster, error) { t.Fatal("fetched again"); return nil, nil }); r != newer {
			t.Fatal("the newer roster was not kept")
		}
	})
	t.Run("KeepRoster keeps a roster of the view's own sequence", func(t *testing.T) {
		v := s.w.View(nil)
		older := replay(t, s.journal[:v.Seq-1]).Roster()
		v.KeepRoster(older)
		same := s.w.Roster()
		v.KeepRoster(same)
		v.KeepRoster(s.w.Roster()) // one is kept already
		if r, _ := v.Roster(func() (*domain.Roster, error) { t.Fatal("fetched"); return nil, nil }); r != same {
			t.Fatal("KeepRoster did not keep the roster of the view's sequence")
		}
	})
}

// bigWedding is a wedding like the load tester's: households of 1..6
// (3.4 people on average, each with a phone), sides and tags in turn,
// events invited to in a pattern, a share of the invitations answered.
func bigWedding(tb testing.TB, households, events int) *fixture {
	tb.Helper()
	f := newFixture(tb)
	evs := make([]string, events)
	for i := range evs {
		evs[i] = f.addEvent("Event "+strconv.Itoa(i), t0+domain.Instant(i+1)*day)
	}
	sizes := []int{1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 6}
	tags := [][]string{{"family"}, {"friends"}, {"work"}, {"family", "vip"}, nil}
	batch := make([]domain.UnitInput, households)
	for i := range batch {
		batch[i] = domain.UnitInput{Name: "Family " + strconv.Itoa(i), Side: domain.Side(i % 3), Tags: tags[i%len(tags)]}
		for m := range sizes[i%len(sizes)] {
			batch[i].Members = append(batch[i].Members, domain.MemberInput{Name: fmt.Sprintf("Guest %d-%d", i, m), Phone: phone(i*10 + m)})
		}
	}
	var units []string
	for _, it := range f.must(admin, &domain.AddUnits{Units: batch}).([]domain.BatchItem) {
		if it.Err != nil {
			tb.Fatal(it.Err)
		}
		units = append(units, it.ID)
	}
	for k, e := range evs {
		var ids []string
		for i, u := range units {
			if k%3 == 0 || (i+k)%2 == 0 {
				ids = append(ids, u)
			}
		}
		f.must(admin, &domain.Invite{EventIDs: []string{e}, UnitIDs: ids})
		for j, u := range ids {
			if j%10 < 3 {
				f.rsvp(u, e, domain.RSVPStatus(1+j%3), nil)
			}
		}
	}
	return f
}

// BenchmarkWedding_Roster measures the copy an export makes on the
// wedding's goroutine (GetRoster) of a wedding of 1,000 households
// (~3,360 people) and 10 events (~6,500 invitations).
//
//	go test ./domain -run '^$' -bench 'Roster' -benchmem -count 5
func BenchmarkWedding_Roster(b *testing.B) {
	f := bigWedding(b, 1000, 10)
	b.Run("households=1000/events=10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = f.w.Roster()
		}
	})
}

// BenchmarkRoster_Sheet measures encoding the sheets of the same wedding
// (off the wedding's goroutine, once per roster and sheet: AppendSheet),
// and reading a sheet already built (Sheet).
func BenchmarkRoster_Sheet(b *testing.B) {
	f := bigWedding(b, 1000, 10)
	r := f.w.Roster()
	ev := r.Events[0].ID
	for _, bb := range []struct {
		name  string
		p     domain.Principal
		event string
		excel bool
	}{
		{"guests/all", admin, "", false},
		{"guests/all/excel", admin, "", true},
		{"guests/bride", brideAdmin, "", false},
		{"event/all", admin, ev, false},
	} {
		b.Run(bb.name, func(b *testing.B) {
			buf, _ := r.AppendSheet(nil, bb.p, bb.event, bb.excel)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = r.AppendSheet(buf[:0], bb.p, bb.event, bb.excel)
			}
			b.ReportMetric(float64(len(buf)), "sheet_bytes")
		})
	}
	b.Run("kept", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = r.Sheet(admin, "", false)
		}
	})
}
