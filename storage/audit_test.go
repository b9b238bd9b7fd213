package storage_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

// auditAll pages through a wedding's whole audit trail with q's filters
// and returns every change, newest first, checking that the cursors
// neither repeat nor skip a change.
func auditAll(t testing.TB, db *storage.DB, wedding string, q storage.AuditQuery) (changes []domain.Change, pages int) {
	t.Helper()
	for pages = 1; pages < 100_000; pages++ {
		page, err := db.Audit(wedding, q)
		if err != nil {
			t.Fatalf("Audit(%s, before %d): %v", wedding, q.Before, err)
		}
		for i := range page.Changes {
			if s := page.Changes[i].Seq; q.Before != 0 && s >= q.Before || len(changes) > 0 && s >= changes[len(changes)-1].Seq {
				t.Fatalf("page before %d holds seq %d after %d", q.Before, s, changes[len(changes)-1].Seq)
			}
			changes = append(changes, page.Changes[i])
		}
		if page.Next == 0 {
			return changes, pages
		}
		if q.Before != 0 && page.Next >= q.Before {
			t.Fatalf("Next %d does not move below Before %d", page.Next, q.Before)
		}
		q.Before = page.Next
	}
	t.Fatal("the audit trail does not end")
	return nil, 0
}

func newestFirst(cs []domain.Change) []domain.Change {
	out := slices.Clone(cs)
	slices.Reverse(out)
	return out
}

// TestAuditKeepsTruncatedHistory: the journal is truncated behind
// snapshots, the audit trail still holds every change, unchanged, across
// reopening.
func TestAuditKeepsTruncatedHistory(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	j := everyKind(t, "w1")
	n := uint64(len(j.Changes))
	more := synthetic(n+1, n+200)
	all := append(slices.Clone(j.Changes), more...)
	appendIn(t, db, "w1", all, 7, 1, 30)
	appendIn(t, db, "w2", synthetic(1, 50), 50) // a neighbour
	for _, s := range []uint64{n, n + 100, n + 150} {
		if err := db.PutSnapshot("w1", s, []byte("snap")); err != nil {
			t.Fatal(err)
		}
		if err := db.Prune("w1", 1, 10); err != nil {
			t.Fatal(err)
		}
	}
	if first, err := db.FirstSeq("w1"); err != nil || first != n+141 {
		t.Fatalf("FirstSeq = %d, %v; want %d (the journal truncated)", first, err, n+141)
	}
	check := func(when string) {
		got, _ := auditAll(t, db, "w1", storage.AuditQuery{Limit: 1000})
		if d := sameChanges(got, newestFirst(all)); d != "" {
			t.Errorf("%s: audit trail: %s", when, d)
		}
		span, err := db.AuditSpan("w1")
		if err != nil || span.Changes != len(all) || span.First != 1 || span.Last != n+200 || len(span.Gaps) != 0 {
			t.Errorf("%s: AuditSpan = %+v, %v; want %d changes 1..%d without gaps", when, span, err, len(all), n+200)
		}
		var seqs []uint64
		if err := db.AuditRecords("w1", 5, 20, func(seq uint64, rec []byte) error {
			c, err := storage.DecodeChange(rec)
			if err != nil || c.Seq != seq {
				return fmt.Errorf("record %d: %v, holds %d", seq, err, c.Seq)
			}
			seqs = append(seqs, seq)
			return nil
		}); err != nil || len(seqs) != 16 || seqs[0] != 5 || seqs[15] != 20 {
			t.Errorf("%s: AuditRecords(5, 20) = %v, %v", when, seqs, err)
		}
		// Recovery still reads the journal only, from where it begins.
		if got, err := replayAll(t, db, "w1", n+141); err != nil || len(got) != 60 {
			t.Errorf("%s: replay of the journal: %d changes, %v", when, len(got), err)
		}
		if got, _ := auditAll(t, db, "w2", storage.AuditQuery{Limit: 7}); len(got) != 50 {
			t.Errorf("%s: neighbour's audit has %d changes, want 50", when, len(got))
		}
	}
	check("open")
	mustClose(t, db)
	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	check("reopened")
}

func TestAuditPages(t *testing.T) {
	db := openDB(t)
	all := synthetic(1, 120)
	appendIn(t, db, "w1", all, 10)
	if err := db.TruncateJournal("w1", 61); err != nil { // 1..60 archived
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    storage.AuditQuery
		want []uint64 // seqs of the first page
		next uint64
	}{
		{"newest", storage.AuditQuery{Limit: 3}, []uint64{120, 119, 118}, 118},
		{"across the boundary", storage.AuditQuery{Limit: 3, Before: 62}, []uint64{61, 60, 59}, 59},
		{"archive only", storage.AuditQuery{Limit: 3, Before: 4}, []uint64{3, 2, 1}, 0},
		{"last page exactly full", storage.AuditQuery{Limit: 2, Before: 3}, []uint64{2, 1}, 0},
		{"before 1", storage.AuditQuery{Limit: 3, Before: 1}, nil, 0},
		{"limit 0", storage.AuditQuery{Limit: 0}, nil, 0},
		{"before past the end", storage.AuditQuery{Limit: 2, Before: 1000}, []uint64{120, 119}, 119},
		{"bytes", storage.AuditQuery{Limit: 100, MaxBytes: 1}, []uint64{120}, 120},
		{"scan budget, no match", storage.AuditQuery{Limit: 100, By: "nobody", MaxScanBytes: 1}, nil, 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.Audit("w1", tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []uint64
			for _, c := range page.Changes {
				seqs = append(seqs, c.Seq)
			}
			if !slices.Equal(seqs, tt.want) || page.Next != tt.next {
				t.Errorf("page = %v next %d; want %v next %d", seqs, page.Next, tt.want, tt.next)
			}
		})
	}
	// Every page size walks the whole trail once.
	for _, limit := range []int{1, 7, 60, 1000} {
		got, pages := auditAll(t, db, "w1", storage.AuditQuery{Limit: limit})
		if d := sameChanges(got, newestFirst(all)); d != "" {
			t.Errorf("limit %d: %s", limit, d)
		}
		if want := (120 + limit - 1) / limit; pages != want {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, want)
		}
	}
	// A bounded scan with a rare filter still finds every match, a few
	// bounded pages at a time.
	got, pages := auditAll(t, db, "w1", storage.AuditQuery{Limit: 100, MaxScanBytes: 500, Kind: "rsvp_recorded",
		Match: func(c *domain.Change) bool { return c.Seq%40 == 0 }})
	if len(got) != 3 || pages < 10 {
		t.Errorf("rare filter: %d changes in %d pages, want 3 in many", len(got), pages)
	}

	t.Run("errors", func(t *testing.T) {
		if _, err := db.Audit("", storage.AuditQuery{Limit: 1}); !errors.Is(err, storage.ErrBadID) {
			t.Errorf("empty id: %v", err)
		}
		if p, err := db.Audit("nope", storage.AuditQuery{Limit: 10}); err != nil || len(p.Changes) != 0 || p.Next != 0 {
			t.Errorf("unknown wedding: %+v, %v", p, err)
		}
	})
}

// TestAuditFilters checks each filter against a naive one over the
// changes themselves, for every kind of change, archived or not.
func TestAuditFilters(t *testing.T) {
	db := openDB(t)
	j := everyKind(t, "w1")
	appendIn(t, db, "w1", j.Changes, 3)
	if err := db.TruncateJournal("w1", uint64(len(j.Changes)/2)); err != nil {
		t.Fatal(err)
	}
	var unitID string
	for id, u := range j.W.Units {
		if u.Name == "Sharma family" {
			unitID = id
		}
	}
	refs := unitRefsOf(j.W, unitID)
	mid := j.Changes[len(j.Changes)/2].At
	tests := []struct {
		name string
		q    storage.AuditQuery
		want func(c *domain.Change) bool
	}{
		{"by", storage.AuditQuery{By: "t-admin"}, func(c *domain.Change) bool { return c.By == "t-admin" }},
		{"by root", storage.AuditQuery{By: "root"}, func(c *domain.Change) bool { return c.By == "root" }},
		{"kind", storage.AuditQuery{Kind: "rsvp_recorded"}, func(c *domain.Change) bool { return c.RSVPRecorded != nil }},
		{"kind of the new payloads", storage.AuditQuery{Kind: "people_merged"}, func(c *domain.Change) bool { return c.PeopleMerged != nil }},
		{"unknown kind", storage.AuditQuery{Kind: "no_such_kind"}, func(*domain.Change) bool { return false }},
		{"from", storage.AuditQuery{From: mid}, func(c *domain.Change) bool { return c.At >= mid }},
		{"to", storage.AuditQuery{To: mid}, func(c *domain.Change) bool { return c.At < mid }},
		{"from and to", storage.AuditQuery{From: j.Changes[3].At, To: j.Changes[9].At}, func(c *domain.Change) bool {
			return c.At >= j.Changes[3].At && c.At < j.Changes[9].At
		}},
		{"unit", storage.AuditQuery{Unit: refs}, refs.Matches},
		{"unit as a predicate", storage.AuditQuery{Match: refs.Matches}, refs.Matches},
		{"all at once", storage.AuditQuery{By: "t-admin", Kind: "units_saved", From: j.Changes[1].At, Unit: refs},
			func(c *domain.Change) bool {
				return c.By == "t-admin" && c.UnitsSaved != nil && c.At >= j.Changes[1].At && refs.Matches(c)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []domain.Change
			for i := range j.Changes {
				if tt.want(&j.Changes[i]) {
					want = append(want, j.Changes[i])
				}
			}
			for _, limit := range []int{1, 4, 1000} {
				q := tt.q
				q.Limit = limit
				got, _ := auditAll(t, db, "w1", q)
				if d := sameChanges(got, newestFirst(want)); d != "" {
					t.Errorf("limit %d: %s", limit, d)
				}
			}
			if tt.name != "unknown kind" && len(want) == 0 {
				t.Error("test bug: the filter selects nothing")
			}
		})
	}
}

// unitRefsOf fills UnitRefs from a wedding's state, as the engine does.
func unitRefsOf(w *domain.Wedding, unit string) *storage.UnitRefs {
	r := &storage.UnitRefs{Unit: unit, People: map[string]bool{}, Phones: map[string]bool{},
		Messages: map[string]map[int32]bool{}, Attention: map[string]bool{}, Suggestions: map[string]bool{}}
	if u := w.Units[unit]; u != nil {
		for _, p := range u.Members {
			r.People[p.ID] = true
			if p.Phone != "" {
				r.Phones[p.Phone] = true
			}
		}
	}
	for _, c := range w.Campaigns {
		for i, m := range c.Messages {
			if m.UnitID == unit {
				if r.Messages[c.ID] == nil {
					r.Messages[c.ID] = map[int32]bool{}
				}
				r.Messages[c.ID][int32(i)] = true
			}
		}
	}
	for _, a := range w.Attention {
		if a.UnitID == unit {
			r.Attention[a.ID] = true
		}
	}
	for _, s := range w.Suggestions {
		if s.Existing.UnitID == unit || s.Incoming.UnitID == unit {
			r.Suggestions[s.ID] = true
		}
	}
	return r
}

// TestAuditUnitSkipsOnlyWhatCannotMatch: the unit filter skips records
// without decoding them; for every unit of every kind of history, it
// finds exactly what UnitRefs.Matches says about the decoded changes.
func TestAuditUnitSkipsOnlyWhatCannotMatch(t *testing.T) {
	db := openDB(t)
	j := everyKind(t, "w1")
	appendIn(t, db, "w1", j.Changes, 4)
	units := map[string]bool{"u-none": true}
	for _, c := range j.Changes {
		if c.UnitsSaved != nil {
			for _, u := range c.UnitsSaved.Units {
				units[u.ID] = true
			}
		}
	}
	for u := range units {
		refs := unitRefsOf(j.W, u)
		var want []domain.Change
		for i := range j.Changes {
			if refs.Matches(&j.Changes[i]) {
				want = append(want, j.Changes[i])
			}
		}
		got, _ := auditAll(t, db, "w1", storage.AuditQuery{Limit: 1000, Unit: refs})
		if d := sameChanges(got, newestFirst(want)); d != "" {
			t.Errorf("unit %s: %s", u, d)
		}
	}
}

func TestUnitRefsMatches(t *testing.T) {
	j := everyKind(t, "w1")
	var sharma, verma string
	for id, u := range j.W.Units {
		switch u.Name {
		case "Sharma family":
			sharma = id
		case "Verma family":
			verma = id
		}
	}
	refs := unitRefsOf(j.W, sharma)
	kinds := map[string]bool{}
	for i := range j.Changes {
		if c := &j.Changes[i]; refs.Matches(c) {
			kinds[c.Kind()] = true
		}
	}
	for _, k := range []string{"units_saved", "invited", "rsvp_recorded", "consent_recorded", "campaign_created",
		"messages_updated", "attention_added", "import_recorded", "merge_resolved", "people_merged"} {
		if !kinds[k] {
			t.Errorf("no %s change matches the Sharmas' unit (matched %v)", k, kinds)
		}
	}
	for _, k := range []string{"wedding_created", "token_issued", "event_saved", "campaign_state_set"} {
		if kinds[k] {
			t.Errorf("a %s change matches a unit", k)
		}
	}
	// Another unit's changes are not the Sharmas'.
	vr := unitRefsOf(j.W, verma)
	for i := range j.Changes {
		c := &j.Changes[i]
		if c.RSVPRecorded != nil && refs.Matches(c) == vr.Matches(c) {
			t.Errorf("seq %d: an RSVP matches both units or neither", c.Seq)
		}
	}
}

func TestAuditKind(t *testing.T) {
	j := everyKind(t, "w1")
	seen := map[string]bool{}
	for i := range j.Changes {
		c := &j.Changes[i]
		if got := storage.AuditKind(c); got != c.Kind() {
			t.Errorf("AuditKind = %q, Kind = %q", got, c.Kind())
		}
		seen[c.Kind()] = true
	}
	kinds := storage.AuditKinds()
	if len(kinds) != len(seen) || !slices.IsSorted(kinds) {
		t.Errorf("AuditKinds = %v, want the %d kinds everyKind produces, sorted", kinds, len(seen))
	}
	for _, k := range kinds {
		if !seen[k] {
			t.Errorf("AuditKinds lists %q, which no change has", k)
		}
	}
	if got := storage.AuditKind(&domain.Change{}); got != "unknown" {
		t.Errorf("AuditKind of an empty change = %q", got)
	}
}

// priorFixture is a wedding whose subjects change several times, with the
// journal truncated halfway so the answers come from both keyspaces.
type priorFixture struct {
	j                  *journal
	db                 *storage.DB
	sharma, verma      string
	haldi, sangeet     string
	phone, token, camp string
	seqOf              map[string]uint64 // named steps → seq of their (last) change
}

func newPriorFixture(t *testing.T) *priorFixture {
	f := &priorFixture{j: newJournal(t, "w1"), db: openDB(t), seqOf: map[string]uint64{}}
	j := f.j
	step := func(name string, by domain.Principal, cmd domain.Command) any {
		out := j.Must(by, cmd)
		f.seqOf[name] = j.W.Seq
		return out
	}
	f.token = step("issue", owner, &domain.IssueToken{Role: domain.RoleViewer, Label: "aunt"}).(domain.Token).ID
	f.haldi = step("haldi", admin, &domain.AddEvent{Name: "Haldi", StartsAt: t0 + 10}).(domain.Event).ID
	f.sangeet = step("sangeet", admin, &domain.AddEvent{Name: "Sangeet", StartsAt: t0 + 20}).(domain.Event).ID
	res := step("units", admin, &domain.AddUnits{Units: []domain.UnitInput{
		{Name: "Sharma family", Side: domain.SideBride, Members: []domain.MemberInput{{Name: "Anil", Phone: "+919876500001"}, {Name: "Sunita"}}},
		{Name: "Verma family", Side: domain.SideGroom, Members: []domain.MemberInput{{Name: "Raj", Phone: "+919876500003"}}},
	}}).([]domain.BatchItem)
	f.sharma, f.verma = res[0].ID, res[1].ID
	f.phone = j.W.Units[f.sharma].Members[0].Phone
	step("invite", admin, &domain.Invite{EventIDs: []string{f.haldi, f.sangeet}, All: true})
	step("rsvp1", admin, &domain.SetRSVP{UnitID: f.sharma, EventID: f.haldi, Status: domain.Yes, Headcount: ptr(int32(2)), Source: domain.SourceAdmin})
	step("rename1", admin, &domain.UpdateUnit{ID: f.sharma, Name: ptr("Sharmas")})
	step("reinvite", admin, &domain.Invite{EventIDs: []string{f.haldi}, UnitIDs: []string{f.sharma}, Seats: 1})
	step("consent1", admin, &domain.RecordConsent{PersonID: j.W.Units[f.sharma].Members[0].ID, Status: domain.OptedIn, Source: "card"})
	step("event1", admin, &domain.UpdateEvent{ID: f.haldi, Venue: ptr("Garden")})
	step("wedding1", owner, &domain.UpdateWedding{Name: ptr("Asha & Rohan, Goa")})
	step("uninvite", admin, &domain.Uninvite{EventIDs: []string{f.sangeet}, UnitIDs: []string{f.verma}})
	step("reinvite2", admin, &domain.Invite{EventIDs: []string{f.sangeet}, UnitIDs: []string{f.verma}})
	f.camp = step("campaign", admin, &domain.CreateCampaign{EventIDs: []string{f.haldi}, Audience: domain.Audience{All: true},
		Template: domain.TemplateRef{Name: "wedding_invite", Language: "en"}}).(*domain.Campaign).ID
	// The second half of each subject's history: what the priors are of.
	step("rsvp2", admin, &domain.SetRSVP{UnitID: f.sharma, EventID: f.haldi, Status: domain.No, Source: domain.SourceAdmin})
	step("rsvp3", admin, &domain.SetRSVP{UnitID: f.sharma, EventID: f.sangeet, Status: domain.Maybe, Source: domain.SourceAdmin})
	step("rsvp4", admin, &domain.SetRSVP{UnitID: f.verma, EventID: f.sangeet, Status: domain.Yes, Source: domain.SourceAdmin})
	step("rename2", admin, &domain.UpdateUnit{ID: f.sharma, Name: ptr("Sharma parivar")})
	step("consent2", admin, &domain.RecordConsent{PersonID: j.W.Units[f.sharma].Members[0].ID, Status: domain.OptedOut, Source: "STOP"})
	step("event2", admin, &domain.UpdateEvent{ID: f.haldi, Venue: ptr("Terrace")})
	step("wedding2", owner, &domain.UpdateWedding{Name: ptr("Asha & Rohan")})
	step("revoke", owner, &domain.RevokeToken{ID: f.token})
	step("pause", admin, &domain.SetCampaignState{ID: f.camp, Action: domain.PauseCampaign})
	step("delete", admin, &domain.DeleteUnit{ID: f.verma})
	appendIn(t, f.db, "w1", j.Changes, 2)
	if err := f.db.TruncateJournal("w1", f.seqOf["campaign"]); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAuditPriors(t *testing.T) {
	f := newPriorFixture(t)
	j := f.j
	change := func(name string) *domain.Change { return &j.Changes[f.seqOf[name]-1] }
	tests := []struct {
		step string
		want func(t *testing.T, p []storage.AuditPrior)
	}{
		{"rsvp2", func(t *testing.T, p []storage.AuditPrior) {
			// Yes with 2, cut to the 1 seat of the re-invite since.
			if r := p[0].RSVP; r == nil || r.Status != domain.Yes || r.Headcount != 1 || r.Seq != f.seqOf["rsvp1"] {
				t.Errorf("RSVP before = %+v", r)
			}
		}},
		{"rsvp3", func(t *testing.T, p []storage.AuditPrior) {
			if r := p[0].RSVP; r == nil || r.Status != domain.Pending || r.Headcount != 0 {
				t.Errorf("never answered: RSVP before = %+v, want pending", r)
			}
		}},
		{"rsvp4", func(t *testing.T, p []storage.AuditPrior) {
			if r := p[0].RSVP; r == nil || r.Status != domain.Pending {
				t.Errorf("after uninvite and re-invite: RSVP before = %+v, want pending", r)
			}
		}},
		{"rename2", func(t *testing.T, p []storage.AuditPrior) {
			if u := p[0].Unit; u == nil || u.Name != "Sharmas" || len(u.Members) != 2 {
				t.Errorf("unit before = %+v", u)
			}
		}},
		{"units", func(t *testing.T, p []storage.AuditPrior) {
			if len(p) != 2 || p[0].Unit != nil || p[1].Unit != nil || !p[0].Known {
				t.Errorf("new units: before = %+v, want known, none", p)
			}
		}},
		{"consent2", func(t *testing.T, p []storage.AuditPrior) {
			if c := p[0].Consent; c == nil || c.Status != domain.OptedIn || c.Source != "card" {
				t.Errorf("consent before = %+v", c)
			}
		}},
		{"consent1", func(t *testing.T, p []storage.AuditPrior) {
			if p[0].Consent != nil || !p[0].Known {
				t.Errorf("first consent: before = %+v, want known, none", p[0])
			}
		}},
		{"event2", func(t *testing.T, p []storage.AuditPrior) {
			if e := p[0].Event; e == nil || e.Venue != "Garden" {
				t.Errorf("event before = %+v", e)
			}
		}},
		{"wedding2", func(t *testing.T, p []storage.AuditPrior) {
			if w := p[0].Wedding; w == nil || w.Name != "Asha & Rohan, Goa" {
				t.Errorf("wedding before = %+v", w)
			}
		}},
		{"wedding1", func(t *testing.T, p []storage.AuditPrior) {
			if w := p[0].Wedding; w == nil || w.Name != "Asha & Rohan" || w.Slug != "asha-rohan" {
				t.Errorf("wedding before = %+v (from its creation)", w)
			}
		}},
		{"revoke", func(t *testing.T, p []storage.AuditPrior) {
			if tok := p[0].Token; tok == nil || tok.Label != "aunt" || tok.Role != domain.RoleViewer {
				t.Errorf("token before = %+v", tok)
			}
		}},
		{"pause", func(t *testing.T, p []storage.AuditPrior) {
			if s := p[0].Campaign; s == nil || *s == domain.CampaignPaused {
				t.Errorf("campaign state before = %v", s)
			}
		}},
		{"delete", func(t *testing.T, p []storage.AuditPrior) {
			if u := p[0].Unit; u == nil || u.Name != "Verma family" {
				t.Errorf("deleted unit before = %+v", u)
			}
		}},
	}
	// All at once: one walk answers every request.
	var reqs []storage.PriorRequest
	var owners []int
	for i, tt := range tests {
		for _, s := range storage.PriorSubjects(change(tt.step), 20) {
			reqs = append(reqs, storage.PriorRequest{Seq: f.seqOf[tt.step], Subject: s})
			owners = append(owners, i)
		}
	}
	all, err := f.db.AuditPriors("w1", reqs, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			var p []storage.AuditPrior
			for k, o := range owners {
				if o == i {
					p = append(p, all[k])
				}
			}
			if len(p) == 0 {
				t.Fatalf("no subjects for %s (%s)", tt.step, change(tt.step).Kind())
			}
			for _, x := range p {
				if !x.Known {
					t.Fatalf("before unknown: %+v", p)
				}
			}
			tt.want(t, p)
			// Asked alone, the same answer.
			alone, err := f.db.AuditPriors("w1", reqs[slices.Index(owners, i):slices.Index(owners, i)+len(p)], 0)
			if err != nil {
				t.Fatal(err)
			}
			tt.want(t, alone)
		})
	}

	t.Run("budget", func(t *testing.T) {
		p, err := f.db.AuditPriors("w1", []storage.PriorRequest{{Seq: f.seqOf["rsvp3"],
			Subject: storage.AuditSubject{Kind: storage.SubjectRSVP, ID: f.sharma, Event: f.sangeet}}}, 1)
		if err != nil || p[0].Known {
			t.Errorf("a search out of budget: %+v, %v; want unknown", p, err)
		}
	})
	t.Run("history starting late", func(t *testing.T) {
		// A wedding restored without audit records: nothing before its
		// restore point is known, so "never answered" cannot be told.
		db := openDB(t)
		if err := db.RestoreWedding("w1", f.seqOf["campaign"], []byte("snap"), "w1-slug"); err != nil {
			t.Fatal(err)
		}
		appendIn(t, db, "w1", j.Changes[f.seqOf["campaign"]:], 1)
		p, err := db.AuditPriors("w1", []storage.PriorRequest{
			{Seq: f.seqOf["rsvp3"], Subject: storage.AuditSubject{Kind: storage.SubjectRSVP, ID: f.sharma, Event: f.sangeet}},
			{Seq: f.seqOf["consent2"], Subject: storage.AuditSubject{Kind: storage.SubjectConsent, ID: f.phone}},
		}, 0)
		if err != nil || p[0].Known || p[1].Known {
			t.Errorf("priors = %+v, %v; want unknown", p, err)
		}
	})
	t.Run("no requests", func(t *testing.T) {
		if p, err := f.db.AuditPriors("w1", nil, 0); err != nil || len(p) != 0 {
			t.Errorf("= %v, %v", p, err)
		}
	})
}

// TestAuditPriorsStopAtMerges: people merged move members, invitations
// and consent between units and phones the change does not name, so a
// search for those meets it and says it cannot tell.
func TestAuditPriorsStopAtMerges(t *testing.T) {
	db := openDB(t)
	j := everyKind(t, "w1")
	var sharma string
	for id, u := range j.W.Units {
		if u.Name == "Sharma family" {
			sharma = id
		}
	}
	j.Must(admin, &domain.UpdateUnit{ID: sharma, Name: ptr("Sharmas")})
	appendIn(t, db, "w1", j.Changes, 5)
	last := j.W.Seq
	p, err := db.AuditPriors("w1", []storage.PriorRequest{
		{Seq: last, Subject: storage.AuditSubject{Kind: storage.SubjectUnit, ID: sharma}},
		{Seq: last, Subject: storage.AuditSubject{Kind: storage.SubjectWedding}},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p[0].Known || p[0].Unit != nil {
		t.Errorf("unit before a merge: %+v, want unknown", p[0])
	}
	if !p[1].Known || p[1].Wedding == nil {
		t.Errorf("the wedding's description is not touched by merges: %+v", p[1])
	}
}

func TestRestoreWeddingWithAudit(t *testing.T) {
	src := openDB(t)
	all := synthetic(1, 40)
	appendIn(t, src, "w1", all, 4)
	if err := src.TruncateJournal("w1", 25); err != nil {
		t.Fatal(err)
	}
	var recs []storage.AuditRecord
	if err := src.AuditRecords("w1", 0, 30, func(seq uint64, rec []byte) error {
		recs = append(recs, storage.AuditRecord{Seq: seq, Record: slices.Clone(rec)})
		return nil
	}); err != nil || len(recs) != 30 {
		t.Fatalf("AuditRecords = %d records, %v", len(recs), err)
	}

	dst := openDB(t)
	appendIn(t, dst, "w1", synthetic(1, 90), 90) // a newer copy, replaced
	if err := dst.TruncateJournal("w1", 80); err != nil {
		t.Fatal(err)
	}
	if err := dst.RestoreWeddingWithAudit("w1", 30, []byte("snap at 30"), "w1-slug", recs); err != nil {
		t.Fatal(err)
	}
	checkRestored(t, dst, "w1", 30, "snap at 30")
	appendIn(t, dst, "w1", all[30:], 3)
	got, _ := auditAll(t, dst, "w1", storage.AuditQuery{Limit: 9})
	if d := sameChanges(got, newestFirst(all)); d != "" {
		t.Errorf("restored audit trail: %s", d)
	}

	t.Run("rejects", func(t *testing.T) {
		bad := func(f func(r []storage.AuditRecord) []storage.AuditRecord) []storage.AuditRecord {
			return f(slices.Clone(recs))
		}
		tests := []struct {
			name string
			recs []storage.AuditRecord
		}{
			{"out of order", bad(func(r []storage.AuditRecord) []storage.AuditRecord { r[3], r[4] = r[4], r[3]; return r })},
			{"twice", bad(func(r []storage.AuditRecord) []storage.AuditRecord { return append(r[:5], r[4:]...) })},
			{"past seq", bad(func(r []storage.AuditRecord) []storage.AuditRecord { return r })},
			{"seq 0", bad(func(r []storage.AuditRecord) []storage.AuditRecord { r[0].Seq = 0; return r })},
			{"another change", bad(func(r []storage.AuditRecord) []storage.AuditRecord { r[2].Record = r[1].Record; return r })},
			{"corrupt", bad(func(r []storage.AuditRecord) []storage.AuditRecord {
				r[2].Record = append([]byte{9}, r[2].Record[1:]...)
				return r
			})},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := openDB(t)
				seq := uint64(30)
				if tt.name == "past seq" {
					seq = 29
				}
				if err := db.RestoreWeddingWithAudit("w1", seq, []byte("s"), "w1-slug", tt.recs); !errors.Is(err, storage.ErrCorrupt) {
					t.Errorf("err = %v, want ErrCorrupt", err)
				}
				if _, err := db.LastSeq("w1"); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("something was written: LastSeq err = %v", err)
				}
			})
		}
	})
}

// TestAuditOfOlderDataDirectory: a data directory from before the audit
// archive. Its journal is the whole trail there is (an older engine
// deleted what it truncated): the trail starts at its oldest record, and
// later truncations move records into the archive, so history gets no
// shorter after the upgrade.
func TestAuditOfOlderDataDirectory(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	all := synthetic(1, 100)
	appendIn(t, db, "w1", all, 10)
	mustClose(t, db)
	// What an older engine's truncation did: delete, keep nothing.
	raw, err := pebble.Open(dir, &pebble.Options{Logger: silent{}})
	if err != nil {
		t.Fatal(err)
	}
	key := func(seq uint64) []byte {
		return append([]byte("jw1\x00"), byte(seq>>56), byte(seq>>48), byte(seq>>40), byte(seq>>32), byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq))
	}
	if err := raw.DeleteRange(key(0), key(21), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	check := func(when string) {
		got, _ := auditAll(t, db, "w1", storage.AuditQuery{Limit: 33})
		if d := sameChanges(got, newestFirst(all[20:])); d != "" {
			t.Errorf("%s: %s", when, d)
		}
		if span, err := db.AuditSpan("w1"); err != nil || span.First != 21 || span.Last != 100 || len(span.Gaps) != 0 {
			t.Errorf("%s: AuditSpan = %+v, %v", when, span, err)
		}
	}
	check("upgraded")
	if err := db.PutSnapshot("w1", 100, []byte("s")); err != nil {
		t.Fatal(err)
	}
	if err := db.Prune("w1", 1, 5); err != nil {
		t.Fatal(err)
	}
	if first, _ := db.FirstSeq("w1"); first != 96 {
		t.Fatalf("FirstSeq after prune = %d, want 96", first)
	}
	check("pruned by this engine")
}

// TestCrashPruneKeepsAudit: Prune is not synced; whatever a crash keeps of
// it, every change is in the audit trail exactly once.
func TestCrashPruneKeepsAudit(t *testing.T) {
	for _, cc := range crashConfigs(t) {
		t.Run(cc.name, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			db := openAt(t, "db", fs)
			all := synthetic(1, 300)
			for i, c := range all {
				appendIn(t, db, "w1", []domain.Change{c}, 1)
				if s := c.Seq; s%50 == 0 {
					if err := db.PutSnapshot("w1", s, []byte("s")); err != nil {
						t.Fatal(err)
					}
					if err := db.Prune("w1", 1, uint64(i%7)); err != nil {
						t.Fatal(err)
					}
				}
			}
			crashed := fs.CrashClone(cc.cfg())
			mustClose(t, db)
			db = openAt(t, "db", crashed)
			defer mustClose(t, db)
			got, _ := auditAll(t, db, "w1", storage.AuditQuery{Limit: 64})
			if d := sameChanges(got, newestFirst(all)); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestAuditBadIDs(t *testing.T) {
	db := openDB(t)
	for name, f := range map[string]func() error{
		"Audit":        func() error { _, err := db.Audit("a\x00b", storage.AuditQuery{Limit: 1}); return err },
		"AuditRecords": func() error { return db.AuditRecords("", 0, 0, func(uint64, []byte) error { return nil }) },
		"AuditSpan":    func() error { _, err := db.AuditSpan(""); return err },
		"AuditPriors": func() error {
			_, err := db.AuditPriors("", []storage.PriorRequest{{Seq: 2, Subject: storage.AuditSubject{Kind: storage.SubjectWedding}}}, 0)
			return err
		},
	} {
		if err := f(); !errors.Is(err, storage.ErrBadID) {
			t.Errorf("%s: err = %v, want ErrBadID", name, err)
		}
	}
}

// silent is a Pebble logger that says nothing but fatal errors.
type silent struct{}

func (silent) Infof(string, ...any)           {}
func (silent) Errorf(string, ...any)          {}
func (silent) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

// BenchmarkTruncateJournal measures what the audit archive adds to the
// journal's truncation behind a snapshot (Prune): moving 10,000 RSVP
// records (the default snapshot interval) into the archive in the batch
// that deletes them. Run:
//
//	go test ./storage -run '^$' -bench TruncateJournal -count 5
func BenchmarkTruncateJournal(b *testing.B) {
	const n = 10_000
	db := openDB(b)
	var last uint64
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		appendIn(b, db, "w1", synthetic(last+1, last+n), 500)
		last += n
		b.StartTimer()
		if err := db.TruncateJournal("w1", last+1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}

// BenchmarkAudit reads pages of a 100,000-change audit trail (90,000 of
// them archived): the newest page, a page with what its changes replaced,
// a filter that matches one change in a thousand (bounded scans), and a
// unit filter. Run:
//
//	go test ./storage -run '^$' -bench Audit -count 5
func BenchmarkAudit(b *testing.B) {
	const n = 100_000
	db := openDB(b)
	appendIn(b, db, "w1", synthetic(1, n), 1000)
	if err := db.TruncateJournal("w1", n-10_000); err != nil {
		b.Fatal(err)
	}
	b.Run("newest-100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p, err := db.Audit("w1", storage.AuditQuery{Limit: 100, MaxBytes: 4 << 20}); err != nil || len(p.Changes) != 100 {
				b.Fatal(len(p.Changes), err)
			}
		}
	})
	b.Run("newest-100-with-priors", func(b *testing.B) {
		p, err := db.Audit("w1", storage.AuditQuery{Limit: 100})
		if err != nil {
			b.Fatal(err)
		}
		var reqs []storage.PriorRequest
		for i := range p.Changes {
			for _, s := range storage.PriorSubjects(&p.Changes[i], 20) {
				reqs = append(reqs, storage.PriorRequest{Seq: p.Changes[i].Seq, Subject: s})
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.AuditPriors("w1", reqs, 32<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
	// by: one change in a thousand has this author.
	b.Run("rare-by-whole-trail", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p, err := db.Audit("w1", storage.AuditQuery{Limit: 1000, By: "nobody"}); err != nil || p.Next != 0 {
				b.Fatal(p.Next, err)
			}
		}
	})
	b.Run("unit-whole-trail", func(b *testing.B) {
		refs := &storage.UnitRefs{Unit: "u1"}
		b.ReportAllocs()
		for b.Loop() {
			if p, err := db.Audit("w1", storage.AuditQuery{Limit: 1000, Unit: refs}); err != nil || len(p.Changes) == 0 {
				b.Fatal(len(p.Changes), err)
			}
		}
	})
}
