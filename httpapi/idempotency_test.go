package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/httpapi"
)

// API.md "Idempotency": a repeat with the same key and body answers the
// first answer again and changes nothing; the same key with another body
// is 409 idempotency_mismatch. Keys are per wedding, token and route; a
// refused request keeps nothing (its retry is refused again, afresh).
func TestHTTP_Idempotency(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("idem")
	_, admin := s.issue(w, owner, "admin", "")
	units := "/v1/weddings/" + w + "/units"
	key := func(k string) []string { return []string{"Idempotency-Key", k} }

	type call struct {
		token string
		path  string
		body  any
		key   string
	}
	tests := []struct {
		name    string
		calls   []call
		status  []int // of each call
		same    bool  // every answer is the first one, byte for byte
		fresh   bool  // the repeats ran again (not replayed)
		changes uint64
	}{
		{name: "same key and body twice", calls: []call{
			{owner, units, unitBody("Sharma", "bride", nil, phone(1)), "k1"},
			{owner, units, unitBody("Sharma", "bride", nil, phone(1)), "k1"},
		}, status: []int{201, 201}, same: true, changes: 1},
		{name: "same key, other body", calls: []call{
			{owner, units, unitBody("Verma", "groom", nil, phone(2)), "k2"},
			{owner, units, unitBody("Verma", "groom", nil, phone(3)), "k2"},
		}, status: []int{201, 409}, changes: 1},
		{name: "same key, other tokens", calls: []call{
			{owner, units, unitBody("Kapoor", "both", nil, ""), "k3"},
			{admin, units, unitBody("Kapoor", "both", nil, ""), "k3"},
			{admin, units, unitBody("Kapoor", "both", nil, ""), "k3"},
		}, status: []int{201, 201, 201}, changes: 2},
		{name: "same key, other route", calls: []call{
			{owner, units, unitBody("Iyer", "both", nil, ""), "k4"},
			{owner, "/v1/weddings/" + w + "/events", map[string]any{"name": "Haldi", "starts_at": "2026-12-10T09:00:00Z"}, "k4"},
		}, status: []int{201, 201}, changes: 2},
		{name: "a rejection is answered again", calls: []call{
			{owner, units, unitBody("Mehta", "groom", nil, "12345"), "k5"},
			{owner, units, unitBody("Mehta", "groom", nil, "12345"), "k5"},
		}, status: []int{400, 400}, same: true, fresh: true, changes: 0},
		{name: "without a key, two units", calls: []call{
			{owner, units, unitBody("Rao", "groom", nil, ""), ""},
			{owner, units, unitBody("Rao", "groom", nil, ""), ""},
		}, status: []int{201, 201}, changes: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			var first answer
			for i, c := range tt.calls {
				var hdr []string
				if c.key != "" {
					hdr = key(c.key)
				}
				a := s.call("POST", c.path, c.token, c.body, hdr...)
				if a.status != tt.status[i] {
					t.Fatalf("call %d: status %d, want %d: %s", i, a.status, tt.status[i], a.raw)
				}
				if a.status == 409 {
					wantError(t, a, 409, "idempotency_mismatch")
				}
				if i == 0 {
					first = a
				} else if tt.same {
					if string(a.raw) != string(first.raw) {
						t.Errorf("repeat answered %s, first %s", a.raw, first.raw)
					}
					if replayed := a.header.Get("Idempotent-Replayed") == "true"; replayed == tt.fresh {
						t.Errorf("repeat: Idempotent-Replayed %v, want %v", replayed, !tt.fresh)
					}
				}
			}
			if got := s.seq(w) - before; got != tt.changes {
				t.Errorf("%d changes, want %d", got, tt.changes)
			}
		})
	}

	// The operator creating a wedding twice with one key gets one wedding.
	t.Run("create a wedding", func(t *testing.T) {
		s := s.with(t)
		body := map[string]any{"name": "Once", "slug": "once", "date": "2026-12-12"}
		a := s.call("POST", "/v1/weddings", s.root, body, key("wedding-1")...)
		b := s.call("POST", "/v1/weddings", s.root, body, key("wedding-1")...)
		if a.status != 201 || string(a.raw) != string(b.raw) {
			t.Errorf("first %d %s, repeat %d %s", a.status, a.raw, b.status, b.raw)
		}
		if n := len(s.must(200, "GET", "/v1/weddings", s.root, nil).items()); n != 2 {
			t.Errorf("%d weddings, want 2", n)
		}
	})

	// A token's secret is never kept: a retried issue answers the token
	// without it (and issues no second token).
	t.Run("issue a token", func(t *testing.T) {
		s := s.with(t)
		before := s.seq(w)
		tokens := "/v1/weddings/" + w + "/tokens"
		a := s.call("POST", tokens, owner, map[string]any{"role": "viewer", "label": "retried"}, key("tok-1")...)
		b := s.call("POST", tokens, owner, map[string]any{"role": "viewer", "label": "retried"}, key("tok-1")...)
		if a.status != 201 || a.str("token") == "" || a.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("first: %d %s (Cache-Control %q)", a.status, a.raw, a.header.Get("Cache-Control"))
		}
		if b.status != 201 || b.str("id") != a.str("id") || b.str("token") != "" || b.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: %d %s, first %s", b.status, b.raw, a.raw)
		}
		if got := s.seq(w) - before; got != 1 {
			t.Errorf("%d changes, want 1", got)
		}
	})

	// Concurrent repeats wait for the first and answer what it got.
	t.Run("concurrent repeats", func(t *testing.T) {
		s := s.with(t)
		before := s.seq(w)
		const n = 8
		answers := make([]answer, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				answers[i], errs[i] = s.try("POST", units, owner, unitBody("Concurrent", "both", nil, phone(40)), key("k-concurrent")...)
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if answers[i].status != 201 || string(answers[i].raw) != string(answers[0].raw) {
				t.Errorf("answer %d: %d %s, answer 0: %s", i, answers[i].status, answers[i].raw, answers[0].raw)
			}
		}
		if got := s.seq(w) - before; got != 1 {
			t.Errorf("%d changes, want 1", got)
		}
	})
}

// Finding 2 of the black-box review: a viewer of another wedding sending
// refused requests with fresh keys, and that wedding's owner filling its
// own keys, pushed out this wedding's keys, so a retried POST created a
// second household. Keys are per wedding now: nothing another wedding
// does touches them, and refused requests cost nothing.
func TestHTTP_IdempotencyPerWedding(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	a, ownerA := s.newWedding("idem-a")
	b, ownerB := s.newWedding("idem-b")
	_, viewerB := s.issue(b, ownerB, "viewer", "")
	unitsA, unitsB := "/v1/weddings/"+a+"/units", "/v1/weddings/"+b+"/units"
	firstKeyed := s.call("POST", unitsA, ownerA, unitBody("Verma", "groom", nil, phone(2)), "Idempotency-Key", "a-1")
	if firstKeyed.status != 201 {
		t.Fatalf("first: %d %s", firstKeyed.status, firstKeyed.raw)
	}
	for i := range 130 {
		wantError(t, s.call("POST", unitsB+"/batch", viewerB, map[string]any{"units": []any{unitBody("X", "both", nil, "")}},
			"Idempotency-Key", fmt.Sprint("flood-", i)), 403, "forbidden")
	}
	// Wedding B's owner fills B's own keys past their bound: B forgets its
	// oldest, A forgets nothing.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < domain.MaxKept+20; i += 8 {
				a := s.call("POST", unitsB, ownerB, unitBody(fmt.Sprint("B ", i), "both", nil, ""), "Idempotency-Key", fmt.Sprint("b-", i))
				if a.status != 201 {
					t.Errorf("B's post %d: %d %s", i, a.status, a.raw)
					return
				}
			}
		})
	}
	wg.Wait()
	before := s.seq(a)
	again := s.call("POST", unitsA, ownerA, unitBody("Verma", "groom", nil, phone(2)), "Idempotency-Key", "a-1")
	if again.status != 201 || string(again.raw) != string(firstKeyed.raw) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry: %d %s (replayed %q), first %s", again.status, again.raw, again.header.Get("Idempotent-Replayed"), firstKeyed.raw)
	}
	if after := s.seq(a); after != before {
		t.Errorf("the retry changed wedding A: seq %d → %d", before, after)
	}
}

// A key on a long path still fits what a wedding keeps: a made-up
// wedding id is the 404 it would be without the key, never a 500.
func TestHTTP_IdempotencyLongPath(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	key := strings.Repeat("k", 255)
	a := s.call("POST", "/v1/weddings/w"+strings.Repeat("x", 300)+"/units", s.root, unitBody("A", "both", nil), "Idempotency-Key", key)
	wantError(t, a, 404, "not_found")
	wantError(t, s.call("POST", "/v1/weddings/w1/units", s.root, unitBody("A", "both", nil), "Idempotency-Key", key+"k"), 400, "invalid_field")
}

// A retried POST is answered once also after the engine restarts: the
// answer is kept with the wedding's journal.
func TestHTTP_IdempotencySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := newTestServerWith(t, httpapi.Config{}, serverOptions{dir: dir})
	w, owner := s.newWedding("idem-restart")
	units := "/v1/weddings/" + w + "/units"
	create := map[string]any{"name": "Once", "slug": "idem-once", "date": "2026-12-12"}
	first := s.call("POST", units, owner, unitBody("Sharma", "bride", nil, phone(1)), "Idempotency-Key", "k1")
	wed := s.call("POST", "/v1/weddings", s.root, create, "Idempotency-Key", "w1")
	if first.status != 201 || wed.status != 201 {
		t.Fatalf("first answers: %d %s; %d %s", first.status, first.raw, wed.status, wed.raw)
	}
	s.stop()

	s2 := newTestServerWith(t, httpapi.Config{}, serverOptions{dir: dir, root: s.root})
	seq := s2.seq(w)
	again := s2.call("POST", units, owner, unitBody("Sharma", "bride", nil, phone(1)), "Idempotency-Key", "k1")
	if again.status != 201 || string(again.raw) != string(first.raw) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("after a restart the retry answered %d %s, first %s", again.status, again.raw, first.raw)
	}
	if after := s2.seq(w); after != seq {
		t.Errorf("the retry changed the wedding: seq %d → %d", seq, after)
	}
	wedAgain := s2.call("POST", "/v1/weddings", s2.root, create, "Idempotency-Key", "w1")
	if wedAgain.status != 201 || string(wedAgain.raw) != string(wed.raw) {
		t.Errorf("a retried wedding creation after a restart: %d %s, first %s", wedAgain.status, wedAgain.raw, wed.raw)
	}
	if n := len(s2.must(200, "GET", "/v1/weddings", s2.root, nil).items()); n != 2 {
		t.Errorf("%d weddings, want 2", n)
	}
	// Without the key it is a new request: the slug is taken.
	wantError(t, s2.call("POST", "/v1/weddings", s2.root, create), 409, "duplicate_slug")
	wantError(t, s2.call("POST", units, owner, unitBody("Other", "bride", nil, phone(2)), "Idempotency-Key", "k1"), 409, "idempotency_mismatch")
}

// TestHTTP_Overload checks API.md "429 overloaded with Retry-After": with
// one request allowed in flight per wedding, concurrent writes are partly
// refused, each refusal is a 429 with Retry-After, and every 2xx write is
// stored (and no refused one).
func TestHTTP_Overload(t *testing.T) {
	s := newTestServerWith(t, httpapi.Config{}, serverOptions{engine: actors.Config{MaxInflight: 1}})
	w, owner := s.newWedding("overload")
	const perRound, maxRounds = 16, 20
	var created []string
	refused, rounds := 0, 0
	start := time.Now()
	for ; rounds < maxRounds && refused == 0; rounds++ {
		round := rounds
		answers := make([]answer, perRound)
		errs := make([]error, perRound)
		var wg sync.WaitGroup
		for i := range perRound {
			wg.Go(func() {
				n := round*perRound + i
				answers[i], errs[i] = s.try("POST", "/v1/weddings/"+w+"/units", owner,
					unitBody(fmt.Sprintf("Unit %d", n), "both", nil, phone(n)))
			})
		}
		wg.Wait()
		for i, a := range answers {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			switch a.status {
			case 201:
				created = append(created, a.str("id"))
			case 429:
				refused++
				wantError(t, a, 429, "overloaded")
				if a.header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
			default:
				t.Errorf("status %d: %s", a.status, a.raw)
			}
		}
	}
	if refused == 0 {
		t.Fatalf("no 429 in %d rounds of %d concurrent writes with MaxInflight 1", maxRounds, perRound)
	}
	stored := s.unitIDs(w, owner)
	have := map[string]bool{}
	for _, id := range stored {
		have[id] = true
	}
	for _, id := range created {
		if !have[id] {
			t.Errorf("unit %s answered 201 but is not stored", id)
		}
	}
	if len(stored) != len(created) {
		t.Errorf("%d units stored, %d answered 201: a refused write was stored", len(stored), len(created))
	}
	t.Logf("%d created, %d refused, in %d rounds (%v)", len(created), refused, rounds, time.Since(start))
}
