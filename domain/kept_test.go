package domain_test

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
)

// keepAdd runs a command (a rename) and keeps an answer of size bytes for key, as the
// engine does for a command that carried an idempotency key.
func (f *fixture) keepAdd(key string, size int) {
	f.t.Helper()
	f.now += domain.Instant(time.Second)
	changes, _, err := f.w.Execute(&domain.UpdateWedding{Name: ptr("Wedding " + key)}, domain.Meta{By: owner, Now: f.now})
	if err != nil {
		f.t.Fatal(err)
	}
	f.w.Keep(&changes[len(changes)-1], domain.KeptAnswer{Key: key, BodyHash: hash(key), Status: 201,
		Body: bytes.Repeat([]byte("x"), size)})
	f.journal = append(f.journal, changes...)
}

func keptKeys(w *domain.Wedding) []string {
	var out []string
	for _, k := range w.Kept {
		out = append(out, k.Key)
	}
	return out
}

func TestKeptAnswerFoundAndReplayed(t *testing.T) {
	f := newFixture(t)
	f.keepAdd("k1", 10)
	k, ok := f.w.KeptAnswer("k1", f.now)
	if !ok || k.Seq != f.w.Seq || k.At != f.now || k.Status != 201 || len(k.Body) != 10 || k.BodyHash != hash("k1") {
		t.Fatalf("KeptAnswer(k1) = %+v, %v", k, ok)
	}
	if last := f.journal[len(f.journal)-1]; last.Kept == nil || last.Kept.Key != "k1" {
		t.Fatalf("the command's last change does not carry its answer: %+v", last.Kept)
	}
	if _, ok := f.w.KeptAnswer("k2", f.now); ok {
		t.Error("an unknown key is found")
	}
	// Replay (recovery) rebuilds the same kept answers from the journal.
	r := replay(t, f.journal)
	if !reflect.DeepEqual(r.Kept, f.w.Kept) {
		t.Errorf("replayed kept = %+v, live %+v", r.Kept, f.w.Kept)
	}
}

func TestKeptAnswerExpires(t *testing.T) {
	f := newFixture(t)
	f.keepAdd("old", 10)
	at := f.now
	if _, ok := f.w.KeptAnswer("old", at+domain.Instant(domain.KeepFor)-1); !ok {
		t.Error("forgotten before KeepFor")
	}
	if _, ok := f.w.KeptAnswer("old", at+domain.Instant(domain.KeepFor)); ok {
		t.Error("still found after KeepFor")
	}
	// The next kept answer after KeepFor drops it from the state.
	f.now += domain.Instant(domain.KeepFor)
	f.keepAdd("new", 10)
	if got := keptKeys(f.w); !reflect.DeepEqual(got, []string{"new"}) {
		t.Errorf("kept = %q, want [new]", got)
	}
	if r := replay(t, f.journal); !reflect.DeepEqual(keptKeys(r), []string{"new"}) {
		t.Errorf("replayed kept = %q, want [new]", keptKeys(r))
	}
}

// Past MaxKept answers or MaxKeptBytes the oldest go first, the newest
// always stays, and a snapshot (Reindex) counts bytes as the live state.
func TestKeptAnswerBounds(t *testing.T) {
	f := newFixture(t)
	for i := range domain.MaxKept + 5 {
		f.keepAdd(fmt.Sprint("k", i), 1)
	}
	if n := len(f.w.Kept); n != domain.MaxKept {
		t.Fatalf("%d kept, want %d", n, domain.MaxKept)
	}
	if _, ok := f.w.KeptAnswer("k4", f.now); ok {
		t.Error("the oldest answers are still kept")
	}
	if _, ok := f.w.KeptAnswer("k5", f.now); !ok {
		t.Error("k5 was dropped too early")
	}
	// A snapshot of the state, then answers that cross the byte budget.
	c := cloneState(f.w)
	c.Kept = append([]domain.KeptAnswer(nil), f.w.Kept...)
	c.Reindex()
	for _, w := range []*domain.Wedding{f.w, c} {
		g := &fixture{t: t, w: w, now: f.now}
		g.keepAdd("big1", domain.MaxKeptBytes/2)
		g.keepAdd("big2", domain.MaxKeptBytes/2)
		g.keepAdd("huge", domain.MaxKeptBytes*2)
		if got := keptKeys(w); !reflect.DeepEqual(got, []string{"huge"}) {
			t.Errorf("kept = %q, want only the newest", got)
		}
	}
}

func TestUpdateWedding(t *testing.T) {
	f := newFixture(t)
	changes, out, err := f.exec(owner, &domain.UpdateWedding{Slug: ptr("asha-rohan-goa"), Name: ptr(" Asha & Rohan, Goa ")})
	if err != nil {
		t.Fatal(err)
	}
	info := out.(domain.Info)
	if info.Slug != "asha-rohan-goa" || info.Name != "Asha & Rohan, Goa" || f.w.Info != info {
		t.Errorf("info = %+v, state %+v", info, f.w.Info)
	}
	if u := changes[0].WeddingUpdated; u == nil || u.PrevSlug != "asha-rohan" {
		t.Errorf("change = %+v, want the previous slug", changes[0])
	}
	// The same again changes nothing; a rename without a new slug frees none.
	if changes, _, _ := f.exec(owner, &domain.UpdateWedding{Slug: ptr("asha-rohan-goa")}); len(changes) != 0 {
		t.Errorf("an unchanged slug journaled %+v", changes)
	}
	if changes, _, _ := f.exec(owner, &domain.UpdateWedding{Name: ptr("A & R")}); len(changes) != 1 || changes[0].WeddingUpdated.PrevSlug != "" {
		t.Errorf("a rename journaled %+v", changes)
	}
	tests := []struct {
		name string
		by   domain.Principal
		cmd  domain.UpdateWedding
		kind error
		code string
		fld  string
	}{
		{"admin", admin, domain.UpdateWedding{Slug: ptr("x")}, domain.ErrForbidden, "forbidden", ""},
		{"bad slug", owner, domain.UpdateWedding{Slug: ptr("Not A Slug")}, domain.ErrInvalid, "invalid_field", "slug"},
		{"empty name", owner, domain.UpdateWedding{Name: ptr(" ")}, domain.ErrInvalid, "invalid_field", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.exec(tt.by, &tt.cmd)
			checkErr(t, err, tt.kind, tt.code, tt.fld)
		})
	}
	if r := replay(t, f.journal); r.Info != f.w.Info {
		t.Errorf("replayed info %+v != %+v", r.Info, f.w.Info)
	}
}
