package domain_test

import (
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
)

// epoch is 1970-01-01T00:00:00Z as an Instant: 0, the value that also means
// "no end" in a stored Event. A time given as the epoch must be read as a
// time, never as absence.
const epoch = domain.Instant(0)

func TestWedding_EventEpoch(t *testing.T) {
	y1999 := domain.At(time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC))
	y2101 := domain.At(time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC))
	add := func(e domain.AddEvent) func(*scene) domain.Command {
		return func(*scene) domain.Command { e.Name = "Mehendi"; return &e }
	}
	update := func(c domain.UpdateEvent) func(*scene) domain.Command {
		return func(s *scene) domain.Command { c.ID = s.haldi; return &c }
	}
	end := func(t *testing.T, s *scene, out any, want domain.Instant) {
		t.Helper()
		e := out.(domain.Event)
		if e.EndsAt != want || s.w.Event(e.ID).EndsAt != want || e.HasEnd() != (want != 0) {
			t.Fatalf("event %+v (stored %+v), want EndsAt %d", e, *s.w.Event(e.ID), want)
		}
	}
	runCmdTests(t, []cmdTest{
		{name: "add: end given as the epoch", by: admin, cmd: add(domain.AddEvent{StartsAt: t0, EndsAt: epoch, HasEnd: true}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "ends_at"},
		{name: "add: no end", by: admin, cmd: add(domain.AddEvent{StartsAt: t0}),
			check: func(t *testing.T, s *scene, _ []domain.Change, out any) { end(t, s, out, 0) }},
		{name: "add: an end without HasEnd", by: admin, cmd: add(domain.AddEvent{StartsAt: t0, EndsAt: t0 + day}),
			check: func(t *testing.T, s *scene, _ []domain.Change, out any) { end(t, s, out, t0+day) }},
		{name: "add: start at the epoch", by: admin, cmd: add(domain.AddEvent{StartsAt: epoch}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "starts_at"},
		{name: "add: start in 1999", by: admin, cmd: add(domain.AddEvent{StartsAt: y1999}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "starts_at"},
		{name: "add: start in 2101", by: admin, cmd: add(domain.AddEvent{StartsAt: y2101}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "starts_at"},
		{name: "add: end in 2101", by: admin, cmd: add(domain.AddEvent{StartsAt: t0, EndsAt: y2101}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "ends_at"},
		{name: "add: start on the first instant of 2000", by: admin, cmd: add(domain.AddEvent{StartsAt: domain.MinEventTime})},
		{name: "update: end given as the epoch", by: admin,
			setup:   func(s *scene) { s.must(admin, &domain.UpdateEvent{ID: s.haldi, EndsAt: ptr(t0 + 2*day)}) },
			cmd:     update(domain.UpdateEvent{EndsAt: ptr(epoch)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "ends_at"},
		{name: "update: start given as the epoch", by: admin, cmd: update(domain.UpdateEvent{StartsAt: ptr(epoch)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "starts_at"},
		{name: "update: clear the end", by: admin,
			setup: func(s *scene) { s.must(admin, &domain.UpdateEvent{ID: s.haldi, EndsAt: ptr(t0 + 2*day)}) },
			cmd:   update(domain.UpdateEvent{ClearEnd: true}),
			check: func(t *testing.T, s *scene, _ []domain.Change, out any) { end(t, s, out, 0) }},
		{name: "update: the end stays", by: admin,
			setup: func(s *scene) { s.must(admin, &domain.UpdateEvent{ID: s.haldi, EndsAt: ptr(t0 + 2*day)}) },
			cmd:   update(domain.UpdateEvent{Name: ptr("Haldi ceremony")}),
			check: func(t *testing.T, s *scene, _ []domain.Change, out any) { end(t, s, out, t0+2*day) }},
		{name: "update: a start after the kept end", by: admin,
			setup:   func(s *scene) { s.must(admin, &domain.UpdateEvent{ID: s.haldi, EndsAt: ptr(t0 + 2*day)}) },
			cmd:     update(domain.UpdateEvent{StartsAt: ptr(t0 + 3*day)}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "ends_at"},
		{name: "update: an end and a clear", by: admin, cmd: update(domain.UpdateEvent{EndsAt: ptr(t0 + 2*day), ClearEnd: true}),
			wantErr: domain.ErrInvalid, code: "invalid_field", field: "ends_at"},
	})
}

// TestEvent_StoredNoEnd: an Event stored before HasEnd existed, with
// EndsAt 0, still has no end (snapshots and journals keep their meaning).
func TestEvent_StoredNoEnd(t *testing.T) {
	if e := (domain.Event{ID: "e1", Name: "Haldi", StartsAt: t0}); e.HasEnd() {
		t.Fatalf("%+v has an end", e)
	}
	if e := (domain.Event{ID: "e1", Name: "Haldi", StartsAt: t0, EndsAt: t0 + day}); !e.HasEnd() {
		t.Fatalf("%+v has no end", e)
	}
}
