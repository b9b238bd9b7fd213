package domain_test

import (
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
)

func TestPlanSends(t *testing.T) {
	now := domain.At(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	day := domain.Instant(24 * time.Hour)
	hour := domain.Instant(time.Hour)
	sec := func(n float64) domain.Instant { return domain.Instant(n * float64(time.Second)) }
	tests := []struct {
		name    string
		pending int
		tier    domain.TierState
		want    domain.Plan
	}{
		{name: "nothing pending", pending: 0, want: domain.Plan{Waves: []domain.Wave{}}},
		{name: "unlimited", pending: 1000, want: domain.Plan{Now: 1000,
			Waves: []domain.Wave{{At: now, Units: 1000}}, ETA: now + sec(12.5)}},
		// A fresh account (WHATSAPP.md §7.2): 250 new households a day,
		// so 1,000 leave in four waves a day apart.
		{name: "fresh tier of 250", pending: 1000, tier: domain.TierState{Limit: 250}, want: domain.Plan{
			Now: 250, WaitingForTier: 750,
			Waves: []domain.Wave{{At: now, Units: 250}, {At: now + day, Units: 250},
				{At: now + 2*day, Units: 250}, {At: now + 3*day, Units: 250}},
			ETA: now + 3*day + sec(250.0/80)}},
		// Another campaign used 200 of the window an hour ago: 50 now, then
		// 200 when those free, then the 50 sent now free a day later.
		{name: "window partly used", pending: 300, tier: domain.TierState{Limit: 250, Frees: repeat(now+23*hour, 200)},
			want: domain.Plan{Now: 50, WaitingForTier: 250,
				Waves: []domain.Wave{{At: now, Units: 50}, {At: now + 23*hour, Units: 200}, {At: now + day, Units: 50}},
				ETA:   now + day + sec(50.0/80)}},
		{name: "window full", pending: 10, tier: domain.TierState{Limit: 2, Frees: []domain.Instant{now + 5*hour, now + 2*hour}},
			want: domain.Plan{WaitingForTier: 10,
				Waves: []domain.Wave{{At: now + 2*hour, Units: 1}, {At: now + 5*hour, Units: 1},
					{At: now + 26*hour, Units: 1}, {At: now + 29*hour, Units: 1}, {At: now + 50*hour, Units: 1},
					{At: now + 53*hour, Units: 1}, {At: now + 74*hour, Units: 1}, {At: now + 77*hour, Units: 1},
					{At: now + 98*hour, Units: 1}, {At: now + 101*hour, Units: 1}},
				ETA: now + 101*hour + sec(1.0/80)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := domain.PlanSends(tt.pending, now, tt.tier, 80)
			if !planEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			n := 0
			for _, w := range got.Waves {
				n += w.Units
			}
			if n != tt.pending || got.Now+got.WaitingForTier != tt.pending {
				t.Errorf("waves hold %d units, now %d + waiting %d, of %d pending", n, got.Now, got.WaitingForTier, tt.pending)
			}
		})
	}
}

// A campaign far larger than its tier still gets a bounded plan that
// accounts for every message.
func TestPlanSends_Bounded(t *testing.T) {
	got := domain.PlanSends(100_000, 0, domain.TierState{Limit: 250}, 80)
	n := 0
	for _, w := range got.Waves {
		n += w.Units
	}
	if len(got.Waves) > 61 || n != 100_000 {
		t.Fatalf("%d waves holding %d units", len(got.Waves), n)
	}
}

func repeat(v domain.Instant, n int) []domain.Instant {
	out := make([]domain.Instant, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func planEqual(a, b domain.Plan) bool {
	if a.Now != b.Now || a.WaitingForTier != b.WaitingForTier || a.ETA != b.ETA || len(a.Waves) != len(b.Waves) {
		return false
	}
	for i := range a.Waves {
		if a.Waves[i] != b.Waves[i] {
			return false
		}
	}
	return true
}
