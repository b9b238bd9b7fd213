package actors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// grantTimes acquires n sends per wedding concurrently (one goroutine per
// wedding, one send at a time each, as a campaign worker asks) and returns
// the grant times in order.
func grantTimes(t *testing.T, p *Pacer, weddings []string, n int, phone func(w string, i int) string) []time.Time {
	t.Helper()
	var mu sync.Mutex
	var times []time.Time
	var wg sync.WaitGroup
	for _, w := range weddings {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if _, err := p.Acquire(t.Context(), w, phone(w, i)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				times = append(times, time.Now())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return times
}

// maxInWindow is the most times in any window of length d.
func maxInWindow(times []time.Time, d time.Duration) int {
	best, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= d {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// WHATSAPP.md §7.1: at most MPS messages in any one-second window, and not
// much fewer: the number's throughput is used, not wasted.
func TestPacer_Throughput(t *testing.T) {
	p := NewPacer(PacerConfig{MPS: 100, PairInterval: time.Millisecond})
	defer p.Close()
	start := time.Now()
	times := grantTimes(t, p, []string{"w1", "w2", "w3"}, 60, func(w string, i int) string { return fmt.Sprint(w, i) })
	elapsed := time.Since(start)
	if got := maxInWindow(times, time.Second); got > 100 {
		t.Errorf("%d grants in one second, want ≤ 100", got)
	}
	// 180 grants evenly spaced at 10 ms: 1.79 s at least; and not much
	// more, or the pacer wastes the number's throughput.
	if elapsed < 1700*time.Millisecond || elapsed > 4*time.Second {
		t.Errorf("180 grants at 100/s took %v", elapsed)
	}
}

// One wedding's big campaign does not starve another's small reminder:
// grants alternate between the weddings that wait.
func TestPacer_FairBetweenWeddings(t *testing.T) {
	p := NewPacer(PacerConfig{MPS: 200, PairInterval: time.Millisecond})
	defer p.Close()
	var order []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	acquire := func(w string, n int) {
		defer wg.Done()
		// Many waiters at once from the big one (a campaign with sends in
		// flight), one at a time from the small one.
		var inner sync.WaitGroup
		for i := range n {
			inner.Add(1)
			go func() {
				defer inner.Done()
				if _, err := p.Acquire(t.Context(), w, fmt.Sprint(w, i)); err != nil {
					t.Error(err)
				}
				mu.Lock()
				order = append(order, w)
				mu.Unlock()
			}()
			if w == "small" {
				inner.Wait()
			}
		}
		inner.Wait()
	}
	wg.Add(1)
	go acquire("big", 200)
	time.Sleep(20 * time.Millisecond) // the big one's waiters queue first
	wg.Add(1)
	go acquire("small", 10)
	wg.Wait()
	last := 0
	for i, w := range order {
		if w == "small" {
			last = i
		}
	}
	// Alternating, the small one's 10 are done within about the first 20
	// grants after it arrived (plus the ~4 granted before it came).
	if last > 40 {
		t.Errorf("the small wedding's last grant was #%d of %d: starved", last+1, len(order))
	}
}

// WHATSAPP.md §7.2: a tier of N unique recipients per rolling 24 h. A new
// recipient past it is refused with the time the oldest use frees; one
// already reached is not counted again.
func TestPacer_Tier(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	p := NewPacer(PacerConfig{MPS: 1000, Tier: 3, PairInterval: time.Second, Now: clock})
	defer p.Close()
	first := clock()
	for _, ph := range []string{"+911", "+912", "+913"} {
		if _, err := p.Acquire(t.Context(), "w", ph); err != nil {
			t.Fatal(err)
		}
		now.Add(int64(time.Minute))
	}
	var full *TierFullError
	if _, err := p.Acquire(t.Context(), "w", "+914"); !errors.As(err, &full) || !full.Until.Equal(first.Add(TierWindow)) {
		t.Fatalf("a fourth recipient: %v, want tier full until %v", err, first.Add(TierWindow))
	}
	if _, err := p.Acquire(t.Context(), "w", "+912"); err != nil {
		t.Fatalf("a recipient already in the window: %v", err)
	}
	if u := p.Usage(); u.Used != 3 || u.Limit != 3 || len(u.Frees) != 3 || !u.Frees[0].Equal(first.Add(TierWindow)) {
		t.Fatalf("usage %+v", u)
	}
	now.Store(first.Add(TierWindow).UnixNano())
	if _, err := p.Acquire(t.Context(), "w", "+914"); err != nil {
		t.Fatalf("after the first use left the window: %v", err)
	}
}

// The tier window survives a restart: Seed puts back the uses journaled.
func TestPacer_Seed(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := NewPacer(PacerConfig{Tier: 2, Now: func() time.Time { return now }})
	defer p.Close()
	p.Seed(map[string]time.Time{"+911": now.Add(-time.Hour), "+912": now.Add(-2 * time.Hour), "+913": now.Add(-25 * time.Hour)})
	if u := p.Usage(); u.Used != 2 {
		t.Fatalf("usage after seeding %+v, want the two uses of the last 24 h", u)
	}
	var full *TierFullError
	if _, err := p.Acquire(t.Context(), "w", "+919"); !errors.As(err, &full) || !full.Until.Equal(now.Add(22*time.Hour)) {
		t.Fatalf("%v", err)
	}
}

// WHATSAPP.md §7.3: one message per recipient every PairInterval; another
// recipient does not wait for it.
func TestPacer_PairLimit(t *testing.T) {
	p := NewPacer(PacerConfig{MPS: 1000, PairInterval: 300 * time.Millisecond})
	defer p.Close()
	if _, err := p.Acquire(t.Context(), "w", "+911"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := p.Acquire(t.Context(), "w", "+912"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("another recipient waited %v", d)
	}
	if _, err := p.Acquire(t.Context(), "w", "+911"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("the same recipient again after %v, want ≥ 300 ms after the first", d)
	}
}

// After a 130429 the whole number holds back.
func TestPacer_Backoff(t *testing.T) {
	p := NewPacer(PacerConfig{MPS: 1000, PairInterval: time.Millisecond})
	defer p.Close()
	p.Backoff(300 * time.Millisecond)
	start := time.Now()
	if _, err := p.Acquire(t.Context(), "w", "+911"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("granted %v after a 300 ms backoff", d)
	}
}

// A waiter whose context ends leaves the queue; Close fails the rest.
func TestPacer_CancelAndClose(t *testing.T) {
	p := NewPacer(PacerConfig{MPS: 1000, PairInterval: time.Hour})
	if _, err := p.Acquire(t.Context(), "w", "+911"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(ctx, "w", "+911"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a waiter past its deadline: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := p.Acquire(context.Background(), "w", "+911"); done <- err }()
	time.Sleep(20 * time.Millisecond)
	p.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrPacerClosed) {
			t.Fatalf("after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiter still waits after Close")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.order) != 0 || len(p.queues) != 0 {
		t.Fatalf("queues left: %v %v", p.order, p.queues)
	}
}

// Sends granted evenly can reach the wire bunched up (each waits for its
// journal commit first): Launch spaces them again.
func TestPacer_LaunchUnbunches(t *testing.T) {
	p := NewPacer(PacerConfig{MPS: 50})
	defer p.Close()
	var mu sync.Mutex
	var times []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for range 80 { // all at once, as after a slow commit
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Launch(t.Context()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			times = append(times, time.Now())
			mu.Unlock()
		}()
	}
	wg.Wait()
	sortTimes(times)
	if got := maxInWindow(times, time.Second); got > 50 {
		t.Errorf("%d launches within one second, want ≤ 50", got)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("80 launches at 50/s took %v", d)
	}
}

func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// After 130429 the pace halves, and climbs back to MPS (by MPS/40 a
// second) while Meta is quiet.
func TestPacer_BackoffCutsTheRate(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	p := NewPacer(PacerConfig{MPS: 100, PairInterval: time.Nanosecond, Now: clock})
	defer p.Close()
	p.Backoff(0)
	p.Backoff(0) // the answers of the sends in flight, together: one cut
	if r := p.Rate(); r != 50 {
		t.Fatalf("rate after 130429: %v, want 50", r)
	}
	now.Add(int64(time.Second))
	p.Backoff(0)
	if r := p.Rate(); r != 25 {
		t.Fatalf("rate after another: %v, want 25", r)
	}
	now.Add(int64(2 * time.Second))
	if _, err := p.Acquire(t.Context(), "w", "+911"); err != nil {
		t.Fatal(err)
	}
	if r := p.Rate(); r < 29.9 || r > 30.1 {
		t.Fatalf("rate 2 s later: %v, want 30 (2.5/s back)", r)
	}
	now.Add(int64(40 * time.Second))
	if _, err := p.Acquire(t.Context(), "w", "+912"); err != nil {
		t.Fatal(err)
	}
	if r := p.Rate(); r != 100 {
		t.Fatalf("rate after a quiet while: %v, want 100", r)
	}
}

// A send Meta refused gives back its recipient's pair-limit slot and tier
// use: the retry does not wait 6 s, nor count twice.
func TestPacer_Refused(t *testing.T) {
	p := NewPacer(PacerConfig{MPS: 1000, Tier: 1, PairInterval: time.Hour})
	defer p.Close()
	g, err := p.Acquire(t.Context(), "w", "+911")
	if err != nil {
		t.Fatal(err)
	}
	var full *TierFullError
	if _, err := p.Acquire(t.Context(), "w", "+912"); !errors.As(err, &full) {
		t.Fatalf("a second recipient under a tier of 1: %v", err)
	}
	p.Refused(g)
	if u := p.Usage(); u.Used != 0 {
		t.Fatalf("usage after a refusal: %+v", u)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := p.Acquire(ctx, "w", "+911"); err != nil {
		t.Fatalf("the retry to the same recipient: %v", err)
	}
}
