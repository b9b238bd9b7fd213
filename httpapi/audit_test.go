package httpapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
)

// auditTrail follows an audit query's next cursors and returns every item,
// checking that the items come newest first and that no page is larger
// than limit.
func (s *testServer) auditTrail(w, token, query string, limit int) []map[string]any {
	s.t.Helper()
	var out []map[string]any
	before := ""
	for range 10_000 {
		path := fmt.Sprintf("/v1/weddings/%s/audit?limit=%d%s", w, limit, query)
		if before != "" {
			path += "&before=" + before
		}
		a := s.must(200, "GET", path, token, nil)
		if len(a.items()) > limit {
			s.t.Fatalf("GET %s: %d items", path, len(a.items()))
		}
		for _, it := range a.items() {
			m := obj(it)
			if n := len(out); n > 0 && num(m["seq"]) >= num(out[n-1]["seq"]) {
				s.t.Fatalf("GET %s: seq %v after %v", path, m["seq"], out[n-1]["seq"])
			}
			out = append(out, m)
		}
		if before = a.str("next"); before == "" {
			return out
		}
	}
	s.t.Fatalf("the audit trail of %s does not end", w)
	return nil
}

func seqsOf(items []map[string]any) []int {
	out := make([]int, len(items))
	for i, it := range items {
		out[i] = num(it["seq"])
	}
	return out
}

// auditConfig makes the engine snapshot every few changes and truncate
// its journal right behind the snapshot, so that a short test has most of
// its history out of the journal.
var auditConfig = actors.Config{SnapshotEvery: 4, SnapshotKeep: 1, JournalTail: 2, IdleTimeout: -1}

// TestHTTP_AuditWholeLife: more changes than snapshot_every +
// journal_tail, the journal truncated behind snapshots, and the audit
// trail still reaches the wedding's first change, also after a restart.
func TestHTTP_AuditWholeLife(t *testing.T) {
	dir := t.TempDir()
	s := newTestServerWith(t, httpapi.Config{}, serverOptions{dir: dir, engine: auditConfig})
	w, owner := s.newWedding("whole-life")
	e := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	var units []string
	for i := range 8 {
		units = append(units, s.unit(w, owner, unitBody(fmt.Sprint("Family ", i), "bride", nil, phone(i))))
	}
	s.must(200, "POST", "/v1/weddings/"+w+"/invitations", owner, map[string]any{"event_ids": []string{e}, "all": true})
	for i, u := range units {
		s.must(200, "PUT", "/v1/weddings/"+w+"/rsvps/"+u+"/"+e, owner, map[string]any{"status": []string{"yes", "no"}[i%2]})
	}
	seq := s.seq(w)
	if min := auditConfig.SnapshotEvery + auditConfig.JournalTail; seq <= 2*min {
		t.Fatalf("test bug: %d changes, want more than twice %d", seq, min)
	}

	check := func(s *testServer, when string) []map[string]any {
		t.Helper()
		trail := s.auditTrail(w, owner, "", 5)
		if len(trail) != int(seq) {
			t.Fatalf("%s: %d audit entries, want %d: seqs %v", when, len(trail), seq, seqsOf(trail))
		}
		first := trail[len(trail)-1]
		if num(first["seq"]) != 1 || first["kind"] != "wedding_created" || first["by"] != "root" {
			t.Errorf("%s: the oldest entry is %v, want the wedding's creation", when, first)
		}
		if d := obj(first["detail"]); d["slug"] != "whole-life" {
			t.Errorf("%s: creation detail %v", when, d)
		}
		return trail
	}
	before := check(s, "running")

	// The journal really was truncated: most of the trail is archived.
	s.stop()
	db, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	first, ferr := db.FirstSeq(w)
	span, serr := db.AuditSpan(w)
	_ = db.Close()
	if ferr != nil || first < seq-auditConfig.SnapshotEvery-auditConfig.JournalTail {
		t.Errorf("journal starts at %d (%v), want it truncated to the last few of %d changes", first, ferr, seq)
	}
	if serr != nil || span.First != 1 || span.Last != seq || span.Changes != int(seq) {
		t.Errorf("AuditSpan = %+v, %v", span, serr)
	}

	s2 := newTestServerWith(t, httpapi.Config{}, serverOptions{dir: dir, engine: auditConfig, root: s.root})
	after := check(s2, "restarted")
	for i := range before {
		if fmt.Sprint(before[i]) != fmt.Sprint(after[i]) {
			t.Errorf("entry %d differs after the restart:\n%v\n%v", i, before[i], after[i])
			break
		}
	}
}

// auditRig is a wedding with two households, changes by several tokens,
// and the seq of each step.
type auditRig struct {
	s               *testServer
	w, owner, admin string
	adminID         string
	a, b, e1, e2    string
	aPerson         string
	steps           map[string]uint64
	trail           []map[string]any
}

func newAuditRig(t *testing.T) *auditRig {
	s := newTestServerWith(t, httpapi.Config{}, serverOptions{engine: auditConfig})
	r := &auditRig{s: s, steps: map[string]uint64{}}
	r.w, r.owner = s.newWedding("audit-rig")
	r.adminID, r.admin = s.issue(r.w, r.owner, "admin", "")
	base := "/v1/weddings/" + r.w
	step := func(name string, f func()) {
		f()
		r.steps[name] = s.seq(r.w)
	}
	step("e1", func() { r.e1 = s.event(r.w, r.admin, "Haldi", "2026-12-10T10:00:00+05:30") })
	step("e2", func() { r.e2 = s.event(r.w, r.owner, "Sangeet", "2026-12-11T18:00:00+05:30") })
	step("a", func() { r.a = s.unit(r.w, r.admin, unitBody("Sharma", "bride", nil, phone(1), "")) })
	step("b", func() { r.b = s.unit(r.w, r.owner, unitBody("Verma", "groom", nil, phone(2))) })
	step("invite", func() {
		s.must(200, "POST", base+"/invitations", r.admin, map[string]any{"event_ids": []string{r.e1, r.e2}, "all": true})
	})
	step("rsvp-a1", func() { s.must(200, "PUT", base+"/rsvps/"+r.a+"/"+r.e1, r.admin, map[string]any{"status": "yes"}) })
	step("rsvp-b", func() { s.must(200, "PUT", base+"/rsvps/"+r.b+"/"+r.e1, r.owner, map[string]any{"status": "no"}) })
	r.aPerson = s.must(200, "GET", base+"/units/"+r.a, r.admin, nil).members()[0]
	step("consent-a1", func() {
		s.must(200, "PUT", base+"/people/"+r.aPerson+"/consent", r.admin, map[string]any{"status": "opted_in", "source": "card"})
	})
	step("rename-a", func() { s.must(200, "PATCH", base+"/units/"+r.a, r.owner, map[string]any{"name": "Sharma parivar"}) })
	step("venue", func() { s.must(200, "PATCH", base+"/events/"+r.e1, r.admin, map[string]any{"venue": "Terrace"}) })
	step("rsvp-a2", func() {
		s.must(200, "PUT", base+"/rsvps/"+r.a+"/"+r.e1, r.admin, map[string]any{"status": "maybe", "note": "travelling"})
	})
	step("consent-a2", func() {
		s.must(200, "PUT", base+"/people/"+r.aPerson+"/consent", r.admin, map[string]any{"status": "opted_out", "source": "STOP"})
	})
	step("rename-wedding", func() { s.must(200, "PATCH", base, r.owner, map[string]any{"name": "Asha weds Rohan"}) })
	step("delete-b", func() { s.must(204, "DELETE", base+"/units/"+r.b, r.owner, nil) })
	r.trail = s.auditTrail(r.w, r.owner, "", 1000)
	if len(r.trail) != int(s.seq(r.w)) {
		t.Fatalf("trail of %d, want %d", len(r.trail), s.seq(r.w))
	}
	return r
}

// where returns the seqs of the trail's items that pass f, newest first.
func (r *auditRig) where(f func(it map[string]any) bool) []int {
	var out []int
	for _, it := range r.trail {
		if f(it) {
			out = append(out, num(it["seq"]))
		}
	}
	return out
}

// seqs returns the seqs of the named steps, newest first.
func (r *auditRig) seqs(names ...string) []int {
	var out []int
	for _, n := range names {
		out = append(out, int(r.steps[n]))
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

func TestHTTP_AuditFilters(t *testing.T) {
	r := newAuditRig(t)
	at := func(seq uint64) string { return r.trail[len(r.trail)-int(seq)]["at"].(string) }
	parse := func(v any) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, v.(string))
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	from, to := parse(at(r.steps["invite"])), parse(at(r.steps["venue"]))
	tests := []struct {
		name  string
		query string
		want  []int
	}{
		{"unit", "&unit=" + r.a, r.seqs("a", "invite", "rsvp-a1", "consent-a1", "rename-a", "rsvp-a2", "consent-a2")},
		{"a deleted unit keeps its history", "&unit=" + r.b, r.seqs("b", "invite", "rsvp-b", "delete-b")},
		{"unknown unit", "&unit=u-nope", nil},
		{"by a token", "&by=" + r.adminID, r.where(func(it map[string]any) bool { return it["by"] == r.adminID })},
		{"by root", "&by=root", r.where(func(it map[string]any) bool { return it["by"] == "root" })},
		{"kind", "&kind=rsvp_recorded", r.seqs("rsvp-a1", "rsvp-b", "rsvp-a2")},
		{"kind units_saved", "&kind=units_saved", r.seqs("a", "b", "rename-a")},
		{"from", "&from=" + url.QueryEscape(at(r.steps["invite"])), r.where(func(it map[string]any) bool {
			return !parse(it["at"]).Before(from)
		})},
		{"to", "&to=" + url.QueryEscape(at(r.steps["venue"])), r.where(func(it map[string]any) bool {
			return parse(it["at"]).Before(to)
		})},
		{"from and to", "&from=" + url.QueryEscape(at(r.steps["invite"])) + "&to=" + url.QueryEscape(at(r.steps["venue"])),
			r.where(func(it map[string]any) bool { return !parse(it["at"]).Before(from) && parse(it["at"]).Before(to) })},
		{"all at once", "&unit=" + r.a + "&by=" + r.adminID + "&kind=rsvp_recorded&from=" + url.QueryEscape(at(r.steps["rsvp-a1"])),
			r.seqs("rsvp-a1", "rsvp-a2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := r.s.with(t)
			if len(tt.want) == 0 && tt.name != "unknown unit" {
				t.Fatal("test bug: nothing expected")
			}
			for _, limit := range []int{1, 3, 100} {
				got := seqsOf(s.auditTrail(r.w, r.owner, tt.query, limit))
				if !slices.Equal(got, tt.want) {
					t.Errorf("limit %d: seqs %v, want %v", limit, got, tt.want)
				}
			}
		})
	}

	t.Run("invalid", func(t *testing.T) {
		s := r.s.with(t)
		base := "/v1/weddings/" + r.w + "/audit"
		for _, tt := range []struct{ query, field string }{
			{"?kind=rsvp", "kind"},
			{"?from=yesterday", "from"},
			{"?to=2026-13-01T00:00:00Z", "to"},
			{"?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"},
			{"?from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00Z", "to"},
			{"?before=x", "before"},
		} {
			e := wantError(t, s.call("GET", base+tt.query, r.owner, nil), 400, "invalid_field")
			if e["field"] != tt.field {
				t.Errorf("%s: field %v, want %s", tt.query, e["field"], tt.field)
			}
		}
		// Kinds the engine does not produce yet, but knows, are fine.
		s.must(200, "GET", base+"?kind=people_merged", r.owner, nil)
	})
}

// TestHTTP_AuditBefore: changes that replace something show what was
// there before, also when it is far back in the archive.
func TestHTTP_AuditBefore(t *testing.T) {
	r := newAuditRig(t)
	item := func(step string) map[string]any { return r.trail[len(r.trail)-int(r.steps[step])] }
	before := func(step string) map[string]any {
		t.Helper()
		it := item(step)
		b, ok := it["before"]
		if !ok {
			t.Fatalf("%s (%s): no before: %v", step, it["kind"], it)
		}
		return obj(b)
	}
	tests := []struct {
		step string
		want map[string]any // keys of before to check
	}{
		{"rsvp-a2", map[string]any{"status": "yes", "headcount": 2.0, "source": "admin"}},
		{"rsvp-a1", map[string]any{"status": "pending", "headcount": 0.0}},
		{"consent-a2", map[string]any{"status": "opted_in", "source": "card", "by": r.adminID}},
		{"venue", map[string]any{"venue": "Udaipur", "name": "Haldi"}},
		{"rename-wedding", map[string]any{"name": "Wedding audit-rig", "slug": "audit-rig"}},
		{"delete-b", map[string]any{"name": "Verma", "side": "groom"}},
	}
	for _, tt := range tests {
		b := before(tt.step)
		for k, v := range tt.want {
			if b[k] != v {
				t.Errorf("%s: before.%s = %v, want %v (before %v)", tt.step, k, b[k], v, b)
			}
		}
	}
	// A unit saved again: before, per unit id, the unit as it was.
	if u := obj(obj(before("rename-a")["units"])[r.a]); u["name"] != "Sharma" || len(u["members"].([]any)) != 2 {
		t.Errorf("rename: before = %v", before("rename-a"))
	}
	// Created: before is null.
	for _, step := range []string{"a", "e2", "consent-a1"} {
		it := item(step)
		b, ok := it["before"]
		if step == "a" {
			b, ok = obj(obj(it["before"])["units"])[r.a]
		}
		if !ok || b != nil {
			t.Errorf("%s (%s): before = %v, %v; want null", step, it["kind"], b, ok)
		}
	}
	// Changes that replace nothing have none.
	for _, step := range []string{"invite"} {
		if b, ok := item(step)["before"]; ok {
			t.Errorf("%s: before = %v, want none", step, b)
		}
	}
	if b, ok := r.trail[len(r.trail)-1]["before"]; ok {
		t.Errorf("wedding_created: before = %v, want none", b)
	}
	// The same values on a filtered page of one item.
	one := r.s.auditTrail(r.w, r.owner, "&kind=rsvp_recorded&unit="+r.a, 1)
	if b := obj(one[0]["before"]); len(one) != 2 || b["status"] != "yes" || b["answered_at"] == nil {
		t.Errorf("filtered: %v", one)
	}
}

// TestHTTP_AuditAfterUpgrade: a data directory whose journal was never
// truncated into an archive (as the engine before the archive left it:
// its commit path writes the same keys), served with snapshots and
// truncation from then on: the trail keeps every change from the first.
func TestHTTP_AuditAfterUpgrade(t *testing.T) {
	dir := t.TempDir()
	old := actors.Config{SnapshotEvery: 1 << 40, JournalTail: 1 << 40, IdleTimeout: -1}
	s := newTestServerWith(t, httpapi.Config{}, serverOptions{dir: dir, engine: old})
	w, owner := s.newWedding("upgrade")
	for i := range 6 {
		s.unit(w, owner, unitBody(fmt.Sprint("Family ", i), "both", nil, phone(i)))
	}
	s.stop()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	span, err := db.AuditSpan(w)
	if err != nil || span.Changes == 0 {
		t.Fatalf("AuditSpan = %+v, %v", span, err)
	}
	_ = db.Close()

	s = newTestServerWith(t, httpapi.Config{}, serverOptions{dir: dir, engine: auditConfig, root: s.root})
	for i := range 20 {
		s.unit(w, owner, unitBody(fmt.Sprint("Later ", i), "both", nil, phone(100+i)))
	}
	seq := s.seq(w)
	trail := s.auditTrail(w, owner, "", 7)
	if len(trail) != int(seq) || num(trail[len(trail)-1]["seq"]) != 1 {
		t.Errorf("trail of %d entries down to seq %v, want %d down to 1", len(trail), trail[len(trail)-1]["seq"], seq)
	}
	s.stop()
	db, err = storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if first, _ := db.FirstSeq(w); first <= 7 {
		t.Errorf("journal starts at %d: the test did not truncate the old records", first)
	}
}

// The audit's next cursor is a plain sequence number; a page that ends
// the trail has none.
func TestHTTP_AuditCursor(t *testing.T) {
	r := newAuditRig(t)
	last := num(r.trail[0]["seq"])
	a := r.s.must(200, "GET", "/v1/weddings/"+r.w+"/audit?limit=2", r.owner, nil)
	if next, err := strconv.Atoi(a.str("next")); err != nil || next != last-1 {
		t.Errorf("next = %q, want %d", a.str("next"), last-1)
	}
	a = r.s.must(200, "GET", "/v1/weddings/"+r.w+"/audit?limit=2&before=3", r.owner, nil)
	if len(a.items()) != 2 || a.str("next") != "" {
		t.Errorf("the last page: %s", a.raw)
	}
}
