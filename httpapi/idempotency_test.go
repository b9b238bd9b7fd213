package httpapi_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
)

// API.md "Idempotency": a repeat with the same key and body answers the
// first answer again and changes nothing; the same key with another body
// is 409 idempotency_mismatch. Keys are per token.
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
		}, status: []int{400, 400}, same: true, changes: 0},
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
					if a.header.Get("Idempotent-Replayed") != "true" {
						t.Errorf("repeat without Idempotent-Replayed: true")
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

// Remembered answers are bounded in bytes as well as in keys: past
// IdempotencyMaxBytes the oldest are forgotten (a repeat of one runs
// again), the newest are still answered again.
func TestHTTP_IdempotencyByteBudget(t *testing.T) {
	// Each answer here (a unit, ~300 bytes, plus the entry's overhead) takes
	// ~600 bytes of the budget: 3,000 bytes remember the last four or five.
	s := newTestServer(t, httpapi.Config{IdempotencyMaxBytes: 3000})
	w, owner := s.newWedding("idem-bytes")
	units := "/v1/weddings/" + w + "/units"
	post := func(i int) answer {
		return s.call("POST", units, owner, unitBody(fmt.Sprintf("Family %d", i), "both", nil, ""),
			"Idempotency-Key", fmt.Sprintf("budget-%d", i))
	}
	for i := range 20 {
		if a := post(i); a.status != 201 {
			t.Fatalf("post %d: %d %s", i, a.status, a.raw)
		}
	}
	before := s.seq(w)
	if a := post(19); a.status != 201 || a.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the newest key: %d, Idempotent-Replayed %q; want its first answer again", a.status, a.header.Get("Idempotent-Replayed"))
	}
	if a := post(0); a.status != 201 || a.header.Get("Idempotent-Replayed") == "true" {
		t.Errorf("the oldest key: %d, Idempotent-Replayed %q; want it forgotten and run again", a.status, a.header.Get("Idempotent-Replayed"))
	}
	if got := s.seq(w) - before; got != 1 {
		t.Errorf("%d changes, want 1 (only the forgotten key ran again)", got)
	}
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
