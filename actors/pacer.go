package actors

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Pacer shares one business phone number's sending limits among every
// campaign of every wedding (WHATSAPP.md §7):
//
//   - throughput: at most MPS grants in any one-second window (widened by
//     WindowMargin), evenly spaced (Meta answers 130429 above the
//     number's rate);
//   - the messaging tier: at most Tier unique recipients per rolling 24
//     hours (reached outside a customer-service window; the engine has no
//     inbound messages yet, so every recipient counts);
//   - the pair limit: one message per recipient every PairInterval
//     (131056 otherwise).
//
// Waiters are served round-robin across weddings, first come first served
// within one, so a 5,000-message campaign does not starve another
// wedding's 10-message reminder. A waiter that needs a tier slot when the
// tier is used up is not queued: Acquire says when the first slot frees
// (TierFullError), and the campaign waits for that itself.
type Pacer struct {
	cfg PacerConfig

	mu   sync.Mutex
	next time.Time // earliest time of the next grant
	// rate is the grants per second now: MPS, or less after Meta said
	// 130429 (Backoff), climbing back to MPS while it stays quiet.
	rate     float64
	lastCut  time.Time
	lastRise time.Time
	// recent are the last grants' times, oldest first (at most one
	// second's worth), for the one-second-window cap.
	recent     []time.Time
	pauseUntil time.Time
	// window are the tier's uses, oldest first; inWindow maps a phone to
	// its use still in the window.
	window   []tierUse
	inWindow map[string]time.Time
	lastTo   map[string]time.Time
	swept    time.Time            // when lastTo was last swept
	queues   map[string][]*waiter // by wedding
	order    []string             // weddings with waiters, round-robin order
	rr       int
	granted  uint64
	// launched are the times sends actually left (Launch), oldest first,
	// at most MPS of them.
	launched []time.Time
	wake     chan struct{}
	closed   chan struct{}
	stopOnce sync.Once
}

// PacerConfig sets a Pacer's limits. Zero values mean the defaults.
type PacerConfig struct {
	// MPS is the messages per second the engine sends on the number
	// (default 80, Meta's default throughput).
	MPS float64
	// Tier is how many unique recipients the account may reach per
	// rolling 24 hours; 0 means unlimited.
	Tier int
	// PairInterval is the least time between two messages to one
	// recipient (default 6 s, Meta's pair rate limit).
	PairInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WindowMargin widens the one-second window the MPS cap counts in
	// (default 25 ms): a message granted now reaches Meta a little later
	// (its journal commit, the network), by a time that varies, so two
	// grants just over a second apart can arrive just under it.
	WindowMargin time.Duration
}

// Defaults of PacerConfig.
const (
	DefaultMPS          = 80
	DefaultPairInterval = 6 * time.Second
	DefaultWindowMargin = 25 * time.Millisecond
	// TierWindow is the messaging tier's rolling window.
	TierWindow = 24 * time.Hour
)

type tierUse struct {
	at    time.Time
	phone string
}

type waiter struct {
	wedding, phone string
	ready          chan error // buffered: the dispatcher never blocks on it
	done           bool       // answered or given up (under mu)
	grant          Grant      // set with a nil answer
}

// Grant is the right to send one message, as the pacer gave it.
type Grant struct {
	Phone string
	At    time.Time
	// newUse: the grant made Phone a new recipient in the tier's window.
	newUse bool
}

// TierFullError says the messaging tier is used up for a new recipient
// until Until, when its oldest use leaves the rolling window.
type TierFullError struct{ Until time.Time }

func (e *TierFullError) Error() string {
	return fmt.Sprintf("actors: messaging tier used up until %s", e.Until.Format(time.RFC3339))
}

// ErrPacerClosed is returned by Acquire once the pacer is closed.
var ErrPacerClosed = errors.New("actors: pacer closed")

// NewPacer starts a pacer; Close it to stop its dispatcher.
func NewPacer(cfg PacerConfig) *Pacer {
	if cfg.MPS <= 0 {
		cfg.MPS = DefaultMPS
	}
	if cfg.PairInterval == 0 {
		cfg.PairInterval = DefaultPairInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WindowMargin == 0 {
		cfg.WindowMargin = DefaultWindowMargin
	}
	p := &Pacer{cfg: cfg, rate: cfg.MPS,
		inWindow: map[string]time.Time{}, lastTo: map[string]time.Time{}, queues: map[string][]*waiter{},
		wake: make(chan struct{}, 1), closed: make(chan struct{})}
	go p.run()
	return p
}

// Close stops the dispatcher; waiters get ErrPacerClosed.
func (p *Pacer) Close() {
	p.stopOnce.Do(func() { close(p.closed) })
}

// Config is the pacer's configuration, defaults filled in.
func (p *Pacer) Config() PacerConfig { return p.cfg }

// Acquire waits for the right to send one message of wedding to phone. It
// returns a *TierFullError at once if phone would be a new recipient and
// the tier is used up, ctx's error if ctx ends first, and ErrPacerClosed
// after Close.
func (p *Pacer) Acquire(ctx context.Context, wedding, phone string) (Grant, error) {
	w := &waiter{wedding: wedding, phone: phone, ready: make(chan error, 1)}
	p.mu.Lock()
	if err := p.tierCheckLocked(phone, p.cfg.Now()); err != nil {
		p.mu.Unlock()
		return Grant{}, err
	}
	if len(p.queues[wedding]) == 0 {
		p.order = append(p.order, wedding)
	}
	p.queues[wedding] = append(p.queues[wedding], w)
	p.mu.Unlock()
	p.poke()
	select {
	case err := <-w.ready:
		return w.grant, err
	case <-ctx.Done():
	case <-p.closed:
	}
	p.mu.Lock()
	if w.done { // answered meanwhile: honour the answer
		p.mu.Unlock()
		return w.grant, <-w.ready
	}
	w.done = true
	p.removeLocked(w)
	p.mu.Unlock()
	if ctx.Err() != nil {
		return Grant{}, ctx.Err()
	}
	return Grant{}, ErrPacerClosed
}

// Refused gives back what a grant counted that Meta refused to deliver
// (an answer of 130429, say, or one that certainly never reached Meta):
// the recipient's pair-limit slot and, if the grant made them a new
// recipient, their use of the tier's window. The throughput slot stays
// spent.
func (p *Pacer) Refused(g Grant) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if at, ok := p.lastTo[g.Phone]; ok && at.Equal(g.At) {
		delete(p.lastTo, g.Phone)
	}
	if g.newUse {
		if at, ok := p.inWindow[g.Phone]; ok && at.Equal(g.At) {
			delete(p.inWindow, g.Phone)
			for i := len(p.window) - 1; i >= 0; i-- {
				if p.window[i].phone == g.Phone && p.window[i].at.Equal(g.At) {
					p.window = append(p.window[:i], p.window[i+1:]...)
					break
				}
			}
		}
	}
}

// Launch waits, just before a granted send goes on the wire, until it
// keeps the sends that left within any second (plus WindowMargin) at MPS.
// Grants are spaced when they are made, but the journal commit between the
// grant and the call takes a varying time, which can bunch the calls up;
// this corrects that, so Meta sees the pace the grants had. The wait is
// short: at most the spread of that delay.
func (p *Pacer) Launch(ctx context.Context) error {
	max := int(p.cfg.MPS)
	if max <= 0 {
		return nil
	}
	for {
		p.mu.Lock()
		now := p.cfg.Now()
		var wait time.Duration
		if len(p.launched) >= max {
			wait = p.launched[len(p.launched)-max].Add(time.Second + p.cfg.WindowMargin).Sub(now)
		}
		if wait <= 0 {
			p.launched = append(p.launched, now)
			if len(p.launched) > 2*max {
				p.launched = append(p.launched[:0], p.launched[len(p.launched)-max:]...)
			}
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// Backoff holds every grant until now+d and slows the pace: Meta said the
// number's rate was exceeded (130429), so the configured rate is more than
// Meta allows now (another sender on the number, a lower throughput than
// configured, a burst Meta is absorbing). The rate is halved (at most
// once per cutInterval, since the answers to the sends in flight come
// together) and climbs back to MPS by a fortieth of it per second:
// additive increase, multiplicative decrease, as TCP finds a link's rate.
func (p *Pacer) Backoff(d time.Duration) {
	p.mu.Lock()
	now := p.cfg.Now()
	if until := now.Add(d); until.After(p.pauseUntil) {
		p.pauseUntil = until
	}
	if now.Sub(p.lastCut) >= cutInterval {
		p.rate = max(p.rate*0.5, p.cfg.MPS/50)
		p.lastCut, p.lastRise = now, now
	}
	p.mu.Unlock()
	p.poke()
}

// catchUp is how far behind its schedule the pacer may catch up.
const catchUp = 20 * time.Millisecond

// cutInterval is the least time between two cuts of the pace.
const cutInterval = 500 * time.Millisecond

// Rate is the pace now, in grants per second.
func (p *Pacer) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}

// TierUsage is the state of the messaging tier's rolling window.
type TierUsage struct {
	// Limit is the tier (0: unlimited).
	Limit int
	// Used is how many unique recipients are in the window now.
	Used int
	// Frees are when the uses in the window leave it, oldest first.
	Frees []time.Time
}

// Usage is the tier's state now.
func (p *Pacer) Usage() TierUsage {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked(p.cfg.Now())
	u := TierUsage{Limit: p.cfg.Tier, Used: len(p.window), Frees: make([]time.Time, len(p.window))}
	for i, t := range p.window {
		u.Frees[i] = t.at.Add(TierWindow)
	}
	return u
}

// Granted is how many sends the pacer has allowed.
func (p *Pacer) Granted() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.granted
}

// Seed records tier uses made before the pacer started (from the journal,
// at engine start), so a restart does not reset the rolling window.
func (p *Pacer) Seed(uses map[string]time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for phone, at := range uses {
		if old, ok := p.inWindow[phone]; !ok || at.After(old) {
			p.inWindow[phone] = at
		}
	}
	p.window = p.window[:0]
	for phone, at := range p.inWindow {
		p.window = append(p.window, tierUse{at: at, phone: phone})
	}
	sort.Slice(p.window, func(i, j int) bool { return p.window[i].at.Before(p.window[j].at) })
	p.expireLocked(p.cfg.Now())
}

func (p *Pacer) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// tierCheckLocked refuses a new recipient when the tier is used up.
func (p *Pacer) tierCheckLocked(phone string, now time.Time) error {
	if p.cfg.Tier <= 0 {
		return nil
	}
	p.expireLocked(now)
	if _, ok := p.inWindow[phone]; ok || len(p.window) < p.cfg.Tier {
		return nil
	}
	return &TierFullError{Until: p.window[0].at.Add(TierWindow)}
}

func (p *Pacer) expireLocked(now time.Time) {
	n := 0
	for n < len(p.window) && !p.window[n].at.Add(TierWindow).After(now) {
		if p.inWindow[p.window[n].phone].Equal(p.window[n].at) {
			delete(p.inWindow, p.window[n].phone)
		}
		n++
	}
	if n > 0 {
		// A reslice, not a copy: at 1,000 a second, copying a 100,000-use
		// window at every grant would be most of the pacer's work.
		p.window = p.window[n:]
	}
	// The pair limit's times are checked where they are read (step); the
	// map is swept once per interval, not at every grant (at 1,000 a
	// second it holds 6,000 recipients).
	if now.Sub(p.swept) >= p.cfg.PairInterval {
		for phone, at := range p.lastTo {
			if now.Sub(at) >= p.cfg.PairInterval {
				delete(p.lastTo, phone)
			}
		}
		p.swept = now
	}
}

func (p *Pacer) removeLocked(w *waiter) {
	q := p.queues[w.wedding]
	for i, x := range q {
		if x == w {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) > 0 {
		p.queues[w.wedding] = q
		return
	}
	delete(p.queues, w.wedding)
	for i, id := range p.order {
		if id == w.wedding {
			p.order = append(p.order[:i], p.order[i+1:]...)
			if p.rr > i {
				p.rr--
			}
			break
		}
	}
}

// run is the dispatcher: it grants one waiter at a time, when the limits
// allow, round-robin across weddings.
func (p *Pacer) run() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := p.step()
		if wait < 0 {
			select {
			case <-p.wake:
			case <-p.closed:
				p.failAll()
				return
			}
			continue
		}
		if wait == 0 {
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-p.wake:
			if !timer.Stop() {
				<-timer.C
			}
		case <-p.closed:
			p.failAll()
			return
		}
	}
}

// step grants one waiter if it can. It returns 0 after a grant (try
// again), how long to wait before the next grant may go, or -1 when
// nobody waits.
func (p *Pacer) step() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.order) == 0 {
		return -1
	}
	now := p.cfg.Now()
	at := p.next
	if p.pauseUntil.After(at) {
		at = p.pauseUntil
	}
	if max := int(p.cfg.MPS); len(p.recent) >= max && max > 0 {
		if t := p.recent[len(p.recent)-max].Add(time.Second + p.cfg.WindowMargin); t.After(at) {
			at = t
		}
	}
	if at.After(now) {
		return at.Sub(now)
	}
	p.expireLocked(now)
	soonest := time.Duration(-1)
	for k := 0; k < len(p.order); k++ {
		i := (p.rr + k) % len(p.order)
		for _, w := range p.queues[p.order[i]] {
			if last, ok := p.lastTo[w.phone]; ok {
				if d := last.Add(p.cfg.PairInterval).Sub(now); d > 0 {
					if soonest < 0 || d < soonest {
						soonest = d
					}
					continue
				}
			}
			if err := p.tierCheckLocked(w.phone, now); err != nil {
				p.answerLocked(w, err)
				return 0
			}
			p.rr = i + 1 // before the grant, which may drop this wedding from order
			p.grantLocked(w, now)
			return 0
		}
	}
	return soonest
}

func (p *Pacer) grantLocked(w *waiter, now time.Time) {
	// Evenly spaced, from the previous grant's slot rather than from now
	// (a late timer does not lose throughput), but never bunched up after
	// an idle spell.
	if p.rate < p.cfg.MPS {
		p.rate = min(p.cfg.MPS, p.rate+p.cfg.MPS/40*now.Sub(p.lastRise).Seconds())
		p.lastRise = now
	}
	interval := time.Duration(float64(time.Second) / p.rate)
	// A timer fires late (by a millisecond or more on a busy machine, more
	// than a whole interval at 1,000 a second): the grants it held back go
	// at once, up to catchUp's worth, so the rate is kept; only after a
	// longer lull does the schedule restart from now (the one-second cap
	// above still bounds any burst).
	if p.next.Before(now.Add(-max(interval, catchUp))) {
		p.next = now
	}
	p.next = p.next.Add(interval)
	p.recent = append(p.recent, now)
	if max := int(p.cfg.MPS) + 1; len(p.recent) > 2*max {
		p.recent = append(p.recent[:0], p.recent[len(p.recent)-max:]...)
	}
	p.lastTo[w.phone] = now
	w.grant = Grant{Phone: w.phone, At: now}
	if p.cfg.Tier > 0 {
		if _, ok := p.inWindow[w.phone]; !ok {
			p.inWindow[w.phone] = now
			p.window = append(p.window, tierUse{at: now, phone: w.phone})
			w.grant.newUse = true
		}
	}
	p.granted++
	p.answerLocked(w, nil)
}

func (p *Pacer) answerLocked(w *waiter, err error) {
	w.done = true
	w.ready <- err
	p.removeLocked(w)
}

func (p *Pacer) failAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, q := range p.queues {
		for _, w := range q {
			if !w.done {
				w.done = true
				w.ready <- ErrPacerClosed
			}
		}
	}
	p.queues, p.order = map[string][]*waiter{}, nil
}
