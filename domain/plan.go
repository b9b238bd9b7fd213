package domain

import (
	"slices"
	"time"
)

// The send planner: when will everyone have been messaged? A fresh
// WhatsApp business account reaches 250 new recipients per rolling 24
// hours, so a 1,000-household invitation leaves in four waves a day apart.
// The plan is a pure function of the campaign's pending messages and the
// tier's rolling window, recomputed whenever it is asked for (the window
// rolls, other campaigns use it).

// TierState is the messaging tier's rolling window as the sender sees it.
type TierState struct {
	// Limit is the tier (unique recipients per rolling 24 h); 0 means
	// unlimited.
	Limit int
	// Frees are when the uses now in the window leave it, in any order.
	Frees []Instant
}

// Wave is a group of messages expected to leave together.
type Wave struct {
	At    Instant
	Units int
}

// Plan says how a campaign's pending messages will go out.
type Plan struct {
	// Now is how many can go out now.
	Now int
	// WaitingForTier is how many wait for the tier's window to roll.
	WaitingForTier int
	// Waves are the expected departures, the first at now.
	Waves []Wave
	// ETA is when the last message is expected to leave (0: nothing
	// pending).
	ETA Instant
}

// tierWindow is the messaging tier's rolling window.
const tierWindow = Instant(24 * time.Hour)

// waveSpan groups slots that free within an hour of each other into one
// wave.
const waveSpan = Instant(time.Hour)

// maxWaves bounds a plan (a 100,000-message campaign at a tier of 250 would
// otherwise list 400 waves).
const maxWaves = 60

// PlanSends plans pending messages sent at mps messages per second from now
// on, under the tier. Messages to recipients already in the window are
// not told apart: every pending message is assumed to need a tier slot.
func PlanSends(pending int, now Instant, tier TierState, mps float64) Plan {
	if pending <= 0 {
		return Plan{Waves: []Wave{}}
	}
	if mps <= 0 {
		mps = 80
	}
	send := func(n int) Instant { return Instant(float64(n) / mps * float64(time.Second)) }
	if tier.Limit <= 0 {
		return Plan{Now: pending, Waves: []Wave{{At: now, Units: pending}}, ETA: now + send(pending)}
	}
	frees := slices.Clone(tier.Frees)
	slices.Sort(frees)
	// Slots free now: those not in the window.
	free := max(0, tier.Limit-len(frees))
	p := Plan{Waves: []Wave{}}
	left := pending
	if n := min(left, free); n > 0 {
		p.Now = n
		p.Waves = append(p.Waves, Wave{At: now, Units: n})
		left -= n
		for range n {
			frees = append(frees, now+tierWindow)
		}
	}
	for left > 0 && len(frees) > 0 {
		if len(p.Waves) == maxWaves {
			// The rest in one last wave, at the earliest it could be.
			p.Waves = append(p.Waves, Wave{At: max(now, frees[0]), Units: left})
			left = 0
			break
		}
		start := frees[0]
		n := 0
		for n < len(frees) && n < left && frees[n] < start+waveSpan {
			n++
		}
		at := max(now, frees[n-1])
		p.Waves = append(p.Waves, Wave{At: at, Units: n})
		left -= n
		frees = frees[n:]
		for range n {
			frees = append(frees, at+tierWindow)
		}
		slices.Sort(frees)
	}
	p.WaitingForTier = pending - p.Now
	last := p.Waves[len(p.Waves)-1]
	p.ETA = last.At + send(last.Units)
	return p
}
