package actors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/snapshot"
	"github.com/parinayaos/engine/storage"
)

// Defaults for Config.
const (
	DefaultMaxInflight   = 1024
	DefaultSnapshotEvery = 10_000
	DefaultSnapshotKeep  = 2
	DefaultJournalTail   = 1_000
	DefaultIdleTimeout   = 30 * time.Minute
	// DefaultInboxRetention: Meta redelivers for up to 7 days; a month
	// leaves operators time to replay after a fix.
	DefaultInboxRetention = 30 * 24 * time.Hour
)

// DefaultGCPercent is the garbage collector target (GOGC) the engine
// process runs with (cmd/engine sets it, together with a memory limit). The
// engine keeps every active wedding in memory, so its live heap is large
// and long-lived; at Go's default of 100 the collector re-marks that heap
// each time the small per-command garbage doubles it, which took 14% of
// the CPU under a durable-command burst. 400 trades heap headroom, which
// the memory limit keeps bounded, for CPU. The benchmarks run with it too.
const DefaultGCPercent = 400

// Errors returned by Engine methods, besides *domain.Error rejections.
var (
	// ErrOverloaded: the wedding has MaxInflight requests waiting; retry
	// later (HTTP 429).
	ErrOverloaded = errors.New("actors: wedding overloaded")
	// ErrWeddingNotFound: no wedding with that id (HTTP 404).
	ErrWeddingNotFound = errors.New("actors: wedding not found")
	// ErrInternal: the command hit a bug (a panic); nothing of it was
	// stored and the wedding was reloaded from storage (HTTP 500).
	ErrInternal = errors.New("actors: internal error while handling the command")
	// ErrUnavailable: the wedding cannot be served now (storage failed, or
	// the engine is closing) (HTTP 503).
	ErrUnavailable = errors.New("actors: wedding unavailable")
)

// Config tunes the engine. Zero values mean the defaults; see each field.
type Config struct {
	// MaxInflight bounds the requests queued or in flight per wedding.
	MaxInflight int
	// SnapshotEvery is the number of changes between snapshots.
	SnapshotEvery uint64
	// SnapshotKeep is how many snapshots are kept per wedding (≥ 1). The
	// journal is kept from the oldest kept snapshot on, so a corrupt newest
	// snapshot can fall back to an older one.
	SnapshotKeep int
	// JournalTail is how many changes before the oldest kept snapshot stay
	// in the journal.
	JournalTail uint64
	// IdleTimeout passivates weddings unused this long; < 0 never does.
	IdleTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives structured logs; the zero value logs nothing.
	Logger zerolog.Logger
	// Registerer, when set, receives the engine's metrics (commit latency
	// and size, commands, snapshot and load times, active weddings,
	// messages sent).
	Registerer prometheus.Registerer
	// Messaging configures WhatsApp campaigns.
	Messaging MessagingConfig
	// InboxRetention is how long a processed webhook body stays in the
	// inbox (for replays) before it is pruned (default 30 days; < 0 never
	// prunes). Bodies not yet applied, or kept as unroutable or
	// unprocessable, are never pruned.
	InboxRetention time.Duration

	// beforeExecute, when set (tests only), runs on the wedding goroutine
	// before each command is executed; it may panic to test recovery.
	beforeExecute func(w *domain.Wedding, cmd domain.Command)
}

func (c Config) withDefaults() Config {
	if c.MaxInflight <= 0 {
		c.MaxInflight = DefaultMaxInflight
	}
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = DefaultSnapshotEvery
	}
	if c.SnapshotKeep <= 0 {
		c.SnapshotKeep = DefaultSnapshotKeep
	}
	if c.JournalTail == 0 {
		c.JournalTail = DefaultJournalTail
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.InboxRetention == 0 {
		c.InboxRetention = DefaultInboxRetention
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Result is what a command's caller gets once its changes are durable.
type Result struct {
	// Seq is the wedding's sequence after the command (its last change,
	// or the current sequence when nothing changed).
	Seq uint64
	// Changes is how many changes the command journaled (0: no-op).
	Changes int
	// Value is the command's own result (a domain.Unit, InviteResult, …).
	Value any
	// Kept is the answer kept for the command's idempotency key (see
	// Once), when it has one and changed something. Replayed says the
	// command was a retry: it did not run again, Value is nil, and Seq is
	// the sequence of the first attempt's last change.
	Kept     *domain.KeptAnswer
	Replayed bool
}

// Once makes a command idempotent. A command that carries it and changes
// something keeps Answer's rendering of its result with its last change,
// in the same journal commit; a later command with the same Key (within
// domain.KeepFor) is not run again: it gets that answer (Result.Kept), or
// an idempotency_mismatch rejection if its BodyHash differs. A command
// that is refused or changes nothing keeps nothing.
//
// Key must carry the caller's scope (who, which route) as well as the
// client's key: the wedding compares keys, nothing else.
type Once struct {
	Key      string
	BodyHash [32]byte
	// Answer renders the result as it is answered to the caller. It runs
	// on the wedding's goroutine, after the command is applied and before
	// it is journaled, so it must be quick and must not block.
	Answer func(Result) (status int, body []byte)
}

// Engine runs weddings as actors over a storage.DB.
type Engine struct {
	cfg     Config
	db      *storage.DB
	hw      *actor.Engine
	dir     *actor.PID
	log     zerolog.Logger
	index   index // wedding id → *handle (active weddings only)
	metrics *metrics

	closed   atomic.Bool
	stopOnce sync.Once
	sweeper  chan struct{}

	msg      MessagingConfig
	ownPacer bool
	inbox    *inbox
	// payloadKey signs the engine's button payloads (payload.go).
	payloadKey []byte
	// guestKeys sign and verify the guests' links (guestkeys.go).
	guestKeys guestKeys
	workers   sync.Map // *worker → struct{}: every campaign worker running
	// followUps are the replies' follow-ups being sent (followup.go);
	// stopFollowUps ends them at Close.
	followUps struct {
		sync.Mutex
		running sync.WaitGroup
		stopped bool
	}
	followCtx     context.Context
	stopFollowUps context.CancelFunc
}

// New starts an engine over db. Close it to snapshot and stop every wedding.
func New(db *storage.DB, cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	hw, err := actor.NewEngine(actor.NewEngineConfig())
	if err != nil {
		return nil, fmt.Errorf("actors: start hollywood: %w", err)
	}
	e := &Engine{cfg: cfg, db: db, hw: hw, log: cfg.Logger, sweeper: make(chan struct{})}
	e.followCtx, e.stopFollowUps = context.WithCancel(context.Background())
	if err := e.indexSlugs(); err != nil {
		return nil, err
	}
	if e.payloadKey, err = db.Secret("payload"); err != nil {
		// A read-only database (operator tools): nothing is sent, and no
		// reply can be verified; the engine works otherwise.
		e.log.Warn().Err(err).Msg("campaigns: no payload key; button replies cannot be verified")
		e.payloadKey = nil
	}
	e.ownPacer = cfg.Messaging.Pacer == nil
	e.msg = cfg.Messaging.withDefaults()
	if uses, err := db.TierUses(cfg.Now().Add(-TierWindow)); err != nil {
		e.log.Warn().Err(err).Msg("campaigns: the messaging tier's window could not be read; it starts empty")
	} else {
		e.msg.Pacer.Seed(uses)
	}
	e.metrics = newMetrics(cfg.Registerer, e)
	e.dir = hw.Spawn(func() actor.Receiver { return &directory{e: e, stopping: map[string]*handle{}} }, "directory",
		actor.WithMiddleware(recoverDirectory(e.log)))
	if cfg.IdleTimeout > 0 {
		go e.sweepIdle()
	}
	e.resumeActiveCampaigns()
	e.startInbox()
	return e, nil
}

// Do runs a command against a wedding as principal by, and returns once its
// changes are durable. Rejections are *domain.Error; see the Err* values for
// the rest. If ctx ends first, Do returns ctx.Err(), and the command may or
// may not have been applied.
func (e *Engine) Do(ctx context.Context, weddingID string, by domain.Principal, cmd domain.Command) (Result, error) {
	return e.DoOnce(ctx, weddingID, by, cmd, nil)
}

// DoOnce is Do for a command that carries an idempotency key (nil: none).
//
// A command that gives its wedding a slug (domain.ClaimedSlug) reserves
// the slug first: it is refused with duplicate_slug while another wedding
// holds it or is claiming it, so of two weddings claiming one slug at once
// exactly one gets it. The reservation lasts until the command's outcome
// is known (storage indexes the slug in the command's own commit), so such
// a command waits for its outcome even past ctx, up to slugClaimTimeout.
func (e *Engine) DoOnce(ctx context.Context, weddingID string, by domain.Principal, cmd domain.Command, once *Once) (Result, error) {
	if once != nil && (once.Key == "" || len(once.Key) > domain.MaxKeyLen || once.Answer == nil) {
		return Result{}, fmt.Errorf("actors: an idempotency key of %d bytes (at most %d), with an answer", len(once.Key), domain.MaxKeyLen)
	}
	if err := e.checkTemplate(cmd); err != nil {
		return Result{}, err
	}
	_, creating := cmd.(*domain.CreateWedding)
	req := &request{cmd: cmd, by: by, once: once}
	slug, claims := domain.ClaimedSlug(cmd)
	if !claims {
		return e.call(ctx, weddingID, creating, req)
	}
	if e.closed.Load() {
		return Result{}, ErrUnavailable
	}
	release, err := e.db.ReserveSlug(slug, weddingID)
	if errors.Is(err, storage.ErrSlugTaken) {
		return Result{}, domain.DuplicateSlug(slug)
	}
	if err != nil {
		return Result{}, err
	}
	wait, cancel := context.WithTimeout(context.WithoutCancel(ctx), slugClaimTimeout)
	defer cancel()
	res, err := e.call(wait, weddingID, creating, req)
	if wait.Err() != nil {
		// The outcome is still unknown: keep the reservation (until a
		// restart) rather than let another wedding take the slug too.
		e.log.Warn().Str("wedding_id", weddingID).Msg("a slug claim did not finish in time; its slug stays reserved")
		return res, err
	}
	release()
	return res, err
}

// slugClaimTimeout bounds the wait of a command that claims a slug.
const slugClaimTimeout = time.Minute

// WeddingBySlug returns the id of the wedding a slug names, or
// ErrWeddingNotFound.
func (e *Engine) WeddingBySlug(slug string) (string, error) {
	id, err := e.db.WeddingBySlug(slug)
	if errors.Is(err, storage.ErrNotFound) {
		return "", ErrWeddingNotFound
	}
	return id, err
}

// Kept returns the answer a wedding keeps for an idempotency key (see
// Once), or nil.
func (e *Engine) Kept(ctx context.Context, weddingID, key string) (*domain.KeptAnswer, error) {
	v, err := e.Query(ctx, weddingID, domain.Root, domain.FindKept{Key: key, Now: domain.At(e.cfg.Now())})
	if err != nil {
		return nil, err
	}
	return v.(*domain.KeptAnswer), nil
}

// Query runs a read against a wedding's durable state.
func (e *Engine) Query(ctx context.Context, weddingID string, by domain.Principal, q domain.Query) (any, error) {
	res, err := e.call(ctx, weddingID, false, &request{query: q, by: by})
	return res.Value, err
}

// ActiveView is View's fast path alone: the published view of an active
// wedding, or nil when the wedding is not in memory.
func (e *Engine) ActiveView(weddingID string) *domain.View {
	if h := e.index.get(weddingID); h != nil {
		if v := h.view.Load(); v != nil {
			h.touch(e.cfg.Now)
			return v
		}
	}
	return nil
}

// View returns the wedding's last published read view: headcounts and the
// token table as of its last durable change. For an active wedding this is
// one map lookup and one atomic load: no mailbox, no allocation.
func (e *Engine) View(ctx context.Context, weddingID string) (*domain.View, error) {
	if h := e.index.get(weddingID); h != nil {
		if v := h.view.Load(); v != nil {
			h.touch(e.cfg.Now)
			return v, nil
		}
	}
	// Not active (or still loading): go through the mailbox once, which
	// activates it and waits for its first view.
	if _, err := e.Query(ctx, weddingID, domain.Root, domain.GetWedding{}); err != nil {
		return nil, err
	}
	h := e.index.get(weddingID)
	if h == nil {
		return nil, ErrUnavailable
	}
	v := h.view.Load()
	if v == nil {
		return nil, ErrWeddingNotFound
	}
	return v, nil
}

// call delivers a request to the wedding's actor, waits for its reply and,
// if the reply comes with a job, for the job to be durable.
//
// ctx bounds the wait for the reply. Once the reply has come the outcome is
// decided (the changes are in Pebble's WAL pipeline), and call waits for
// the fsync whatever ctx says: it is short, and the caller learns the truth.
func (e *Engine) call(ctx context.Context, weddingID string, create bool, req *request) (Result, error) {
	if e.closed.Load() {
		return Result{}, ErrUnavailable
	}
	req.reply = make(chan reply, 1)
	for attempt := 0; ; attempt++ {
		h, err := e.lookup(ctx, weddingID, create)
		if err != nil {
			return Result{}, err
		}
		ok, overloaded := h.admit(e.cfg.MaxInflight)
		if overloaded {
			return Result{}, ErrOverloaded
		}
		if !ok {
			// Retired between lookup and admit: it is stopping; the next
			// lookup activates a fresh actor.
			if attempt > 100 {
				return Result{}, ErrUnavailable
			}
			time.Sleep(time.Millisecond)
			continue
		}
		h.touch(e.cfg.Now)
		e.hw.Send(h.pid, req)
		break
	}
	select {
	case rep := <-req.reply:
		return resultOf(rep)
	case <-ctx.Done():
		// Nobody will read the reply now: finish its job in the
		// background so its batch is released and its slot freed.
		go func() {
			if rep := <-req.reply; rep.job != nil {
				_ = rep.job.wait()
			}
		}()
		return Result{}, ctx.Err()
	}
}

// lookup finds the wedding's active handle, activating it if needed.
func (e *Engine) lookup(ctx context.Context, weddingID string, create bool) (*handle, error) {
	if h := e.index.get(weddingID); h != nil {
		return h, nil
	}
	if len(weddingID) == 0 || len(weddingID) > 128 {
		return nil, ErrWeddingNotFound
	}
	act := activate{id: weddingID, create: create, reply: make(chan activation, 1)}
	e.hw.Send(e.dir, act)
	select {
	case a := <-act.reply:
		return a.h, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Active returns the number of weddings in memory.
func (e *Engine) Active() int {
	return e.index.len()
}

// Passivate stops a wedding's actor now if it has nothing in flight
// (snapshotting it first). It reports whether the wedding was stopped.
func (e *Engine) Passivate(ctx context.Context, weddingID string) (bool, error) {
	h := e.index.get(weddingID)
	if h == nil {
		return false, nil
	}
	done := make(chan bool, 1)
	e.hw.Send(e.dir, passivate{h: h, done: done})
	select {
	case ok := <-done:
		if !ok {
			return false, nil
		}
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case <-h.stopped:
		return true, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Snapshot makes sure the wedding's durable state is in a snapshot and
// returns the snapshot's sequence. A wedding in memory writes one now. One
// that is not is loaded only if its newest snapshot (checksum checked) does
// not already hold its last change, as passivation leaves it; a wedding
// loaded for this is passivated again, so that an operator snapshotting
// every wedding does not bring them all into memory.
func (e *Engine) Snapshot(ctx context.Context, weddingID string) (uint64, error) {
	if e.closed.Load() || e.db.Err() != nil {
		return 0, ErrUnavailable
	}
	if e.index.get(weddingID) != nil {
		return e.snapshotNow(ctx, weddingID)
	}
	if seq, ok := e.storedSnapshotIsLatest(weddingID); ok {
		return seq, nil
	}
	seq, err := e.snapshotNow(ctx, weddingID)
	if err == nil {
		// Best effort: a wedding with a request in flight stays (one used
		// between two requests may go, and is loaded again on the next).
		_, _ = e.Passivate(ctx, weddingID)
	}
	return seq, err
}

func (e *Engine) snapshotNow(ctx context.Context, weddingID string) (uint64, error) {
	res, err := e.call(ctx, weddingID, false, &request{snapshot: true, by: domain.Root})
	return res.Seq, err
}

// storedSnapshotIsLatest reports whether the wedding's newest stored
// snapshot is sound and holds its last journaled change. Any doubt (an
// error, a bad checksum) says no: the caller then takes a snapshot the
// ordinary way, which reports errors properly.
func (e *Engine) storedSnapshotIsLatest(weddingID string) (uint64, bool) {
	last, err := e.db.LastSeq(weddingID)
	if err != nil {
		return 0, false
	}
	seqs, err := e.db.SnapshotSeqs(weddingID)
	if err != nil || len(seqs) == 0 || seqs[0] != last {
		return 0, false
	}
	b, err := e.db.Snapshot(weddingID, last)
	if err != nil {
		return 0, false
	}
	h, _, err := snapshot.ReadHeader(b)
	if err != nil || h.WeddingID != weddingID || h.Seq != last {
		return 0, false
	}
	return last, true
}

// Close stops accepting requests, waits (up to ctx) for in-flight ones,
// snapshots and stops every wedding. It does not close the DB.
func (e *Engine) Close(ctx context.Context) error {
	e.closed.Store(true)
	e.stopOnce.Do(func() { close(e.sweeper) })
	// Campaign workers and the webhook inbox first: they finish (and
	// record) what is under way, which needs their weddings still running.
	e.stopInbox(ctx)
	e.stopFollowUps()
	e.followUps.Lock()
	e.followUps.stopped = true
	e.followUps.Unlock()
	e.followUps.running.Wait() // they end at once: their context is cancelled
	e.stopWorkers(ctx)
	if e.ownPacer {
		defer e.msg.Pacer.Close()
	}
	// Ask the directory: it is the only one that activates and passivates,
	// so after this message nothing new starts, and it knows the weddings
	// that are still stopping.
	ask := closeAll{reply: make(chan []*handle, 1)}
	e.hw.Send(e.dir, ask)
	var all []*handle
	select {
	case all = <-ask.reply:
	case <-ctx.Done():
		return fmt.Errorf("actors: close: directory did not answer: %w", ctx.Err())
	}
	for _, h := range all {
		if e.index.get(h.id) != h {
			continue // already stopping
		}
		for !h.retire() {
			if ctx.Err() != nil {
				return fmt.Errorf("actors: close: wedding %s still busy: %w", h.id, ctx.Err())
			}
			time.Sleep(time.Millisecond)
		}
		e.index.remove(h)
		e.hw.Send(h.pid, stop{})
	}
	for _, h := range all {
		select {
		case <-h.stopped:
		case <-ctx.Done():
			return fmt.Errorf("actors: close: wedding %s did not stop: %w", h.id, ctx.Err())
		}
	}
	return nil
}

// Weddings lists the ids of every wedding stored (active or not).
func (e *Engine) Weddings() ([]string, error) { return e.db.Weddings() }

// Err reports a storage failure (storage.ErrFailed): after one, the engine
// refuses every write and must be restarted to recover from disk.
func (e *Engine) Err() error { return e.db.Err() }

func (e *Engine) sweepIdle() {
	t := time.NewTicker(max(e.cfg.IdleTimeout/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-e.sweeper:
			return
		case <-t.C:
		}
		cutoff := e.cfg.Now().Add(-e.cfg.IdleTimeout).UnixNano()
		for _, h := range e.index.all() {
			// A wedding whose campaign is sending (or waiting for the
			// tier's window) stays: its worker lives in its actor.
			if h.lastUsed.Load() < cutoff && h.inflight.Load() == 0 && h.campaigns.Load() == 0 {
				e.hw.Send(e.dir, passivate{h: h})
			}
		}
	}
}

// index maps wedding ids to active handles. Reads take a read lock on a
// plain map: unlike sync.Map, a lookup by string key does not allocate.
type index struct {
	mu sync.RWMutex
	m  map[string]*handle
}

func (x *index) get(id string) *handle {
	x.mu.RLock()
	h := x.m[id]
	x.mu.RUnlock()
	return h
}

func (x *index) put(h *handle) {
	x.mu.Lock()
	if x.m == nil {
		x.m = map[string]*handle{}
	}
	x.m[h.id] = h
	x.mu.Unlock()
}

// remove deletes h's entry if it is still the one indexed.
func (x *index) remove(h *handle) {
	x.mu.Lock()
	if x.m[h.id] == h {
		delete(x.m, h.id)
	}
	x.mu.Unlock()
}

func (x *index) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.m)
}

func (x *index) all() []*handle {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]*handle, 0, len(x.m))
	for _, h := range x.m {
		out = append(out, h)
	}
	return out
}

// handle is the engine's link to one activation of a wedding actor. It is
// what the index maps to, and what callers touch without entering a
// mailbox.
type handle struct {
	id  string
	pid *actor.PID
	// inflight counts requests sent to the actor and not yet answered; a
	// retired handle holds retiredMark there, so no more can be admitted.
	inflight atomic.Int64
	view     atomic.Pointer[domain.View]
	lastUsed atomic.Int64 // unix ns
	// campaigns counts the wedding's campaign workers running.
	campaigns atomic.Int32
	stopped   chan struct{}
}

const retiredMark = -1 << 40

// admit reserves a place for one request. ok is false if the handle is
// retired; overloaded is true if max requests are already in flight.
func (h *handle) admit(max int) (ok, overloaded bool) {
	n := h.inflight.Add(1)
	if n <= 0 {
		h.inflight.Add(-1)
		return false, false
	}
	if n > int64(max) {
		h.inflight.Add(-1)
		return false, true
	}
	return true, false
}

// admitInternal reserves a place for one of the engine's own requests
// (the webhook mailboxes'), which the caller bounds itself: it fails only
// when the handle is retired.
func (h *handle) admitInternal() bool {
	if h.inflight.Add(1) <= 0 {
		h.inflight.Add(-1)
		return false
	}
	return true
}

// publish makes v the wedding's view unless a newer one is there already:
// jobs are finished by whichever caller waits first, in any order.
func (h *handle) publish(v *domain.View) {
	for {
		cur := h.view.Load()
		if cur != nil && cur.Seq >= v.Seq {
			return
		}
		if h.view.CompareAndSwap(cur, v) {
			notifyWatchers(h) // watch.go
			return
		}
	}
}

// done releases n places.
func (h *handle) done(n int) { h.inflight.Add(-int64(n)) }

// retire succeeds only when nothing is in flight; afterwards no request is
// admitted, so the actor's mailbox receives nothing more.
func (h *handle) retire() bool {
	return h.inflight.CompareAndSwap(0, retiredMark) || h.inflight.Load() < 0
}

// touch records use, at most once a second to keep the cache line quiet.
func (h *handle) touch(now func() time.Time) {
	t := now().UnixNano()
	if t-h.lastUsed.Load() > int64(time.Second) {
		h.lastUsed.Store(t)
	}
}

// indexSlugs completes the slug index of a data directory written before
// slugs were indexed (once; storage marks it done). It loads each wedding
// once, one at a time.
func (e *Engine) indexSlugs() error {
	done, err := e.db.SlugsIndexed()
	if err != nil || done {
		return err
	}
	dups, err := e.db.IndexSlugs(func(id string) (string, error) {
		w, _, err := loadWedding(e.db, id, e.log)
		if err != nil {
			// One wedding that cannot be loaded must not keep the engine
			// from starting: it stays out of the index (and unusable, as
			// it would be anyway).
			e.log.Error().Err(err).Str("wedding_id", id).Msg("slug not indexed: the wedding cannot be loaded")
			return "", nil
		}
		return w.Info.Slug, nil
	})
	for _, d := range dups {
		e.log.Warn().Str("wedding", d).Msg("two weddings had one slug before slugs were unique; give this one another (PATCH /v1/weddings/{w})")
	}
	if err != nil {
		return fmt.Errorf("actors: index slugs: %w", err)
	}
	return nil
}
