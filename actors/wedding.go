package actors

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anthdm/hollywood/actor"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/snapshot"
	"github.com/parinayaos/engine/storage"
)

// request is one call into a wedding: a command, a query or a snapshot.
// It is plain data but for the reply channel, a local transport detail.
type request struct {
	cmd      domain.Command
	query    domain.Query
	snapshot bool
	by       domain.Principal
	once     *Once // the command's idempotency key, if it has one
	reply    chan reply
	answered bool // set once the reply is sent or attached to a job
}

type reply struct {
	result Result
	err    error
	// job, when set, must be waited for (job.wait) before the result may
	// be used: it is not durable yet.
	job *job
}

// job is one journal commit: the changes decided since the previous flush,
// the replies waiting for them, and the view to publish once they are
// durable. A job without changes only orders its replies behind the
// newest job that has some (prev).
//
// Completion happens on the callers' goroutines, not on one of ours: each
// caller gets its reply together with the job and waits for the job
// (wait), the first waiter does the work once. That saves a goroutine hop
// per commit, which under load is what bounded throughput.
type job struct {
	a       *weddingActor
	changes []domain.Change
	replies []pendingReply // until release hands them out
	// answers is how many admission slots the job's replies hold, released
	// when it is finished (replies itself is emptied by release).
	answers int
	view    *domain.View
	snap    []byte // snapshot of the state after the last change, or nil
	snapSeq uint64
	force   bool // an operator asked for a snapshot
	// holdReplies: the actor sends the replies itself (after a reload).
	holdReplies bool

	batch *storage.Batch // started (in the WAL pipeline), not yet durable
	// prev is the batch job flushed before this one: a job finishes only
	// after it (so views, prunes and failures follow journal order).
	prev *job
	// snapErr: an operator's forced snapshot could not be taken.
	snapErr error
	started time.Time // when the batch entered the WAL pipeline (metrics only)
	once    sync.Once
	done    atomic.Bool // set once the job is finished
	err     error
}

// wait blocks until the job's changes are durable (and so everything
// before them: the WAL is synced in order), publishes its view and
// releases its callers' admission slots. Safe from any goroutine, any
// number of times.
func (j *job) wait() error {
	j.once.Do(j.finish)
	return j.err
}

func (j *job) finish() {
	a := j.a
	if j.prev != nil {
		if err := j.prev.wait(); err != nil && j.err == nil {
			j.err = fmt.Errorf("an earlier commit failed: %w", err)
		}
		// Cut the chain: a finished job keeps nothing of the ones before
		// it, else every job since activation would stay reachable from
		// the newest one (a wedding's memory growing with each commit).
		j.prev = nil
	}
	if j.batch != nil {
		if err := j.batch.Wait(); err != nil && j.err == nil {
			j.err = err
		}
		a.e.metrics.commit(j.started, len(j.changes))
		_ = j.batch.Close()
		j.batch = nil
	}
	if j.err != nil {
		if a.failing.CompareAndSwap(false, true) {
			a.e.hw.Send(a.h.pid, commitFailed{err: j.err})
		}
	} else {
		if j.view != nil {
			a.h.publish(j.view)
		}
		if j.snap != nil {
			if err := a.e.db.Prune(a.h.id, a.e.cfg.SnapshotKeep, a.e.cfg.JournalTail); err != nil {
				a.e.log.Warn().Err(err).Str("wedding_id", a.h.id).Msg("prune after snapshot failed")
			}
		}
	}
	// Callers may hold the job a while (their reply points to it): it
	// keeps no more than its outcome.
	j.view, j.snap, j.changes = nil, nil, nil
	a.h.done(j.answers)
	j.done.Store(true)
}

type pendingReply struct {
	req *request
	rep reply
}

// Messages of the wedding actor (besides *request).
type (
	load         struct{}
	flushNow     struct{}
	commitFailed struct{ err error }
	stop         struct{}
)

type weddingActor struct {
	e    *Engine
	h    *handle
	prev *handle // the previous activation, which must stop before we load

	w       *domain.Wedding
	loaded  bool
	broken  error
	stopped bool
	// pending gathers what is decided until the next flush; flushing is
	// scheduled by a message to ourselves, so everything already in the
	// mailbox joins the same commit.
	pending        *job
	flushScheduled bool
	// lastBatch is the newest flushed job that wrote to the journal; when
	// it is durable, everything flushed before it is too.
	lastBatch *job
	// held is a job flushed during recovery whose replies wait for it.
	held     *job
	failing  atomic.Bool // a commit failed; the actor is told once
	lastView *domain.View
	// sinceSnap counts changes applied since the last snapshot.
	sinceSnap uint64
	// workers are the child actors sending the wedding's campaigns, by
	// campaign id.
	workers map[string]*actor.PID
	// mailbox is the child actor that applies the wedding's webhook
	// notifications (mailbox.go), spawned on the first batch.
	mailbox *actor.PID
}

// Receive handles one message. A panic anywhere in it is recovered here
// (see onPanic), so hollywood's own restart path never runs. NB: this is a
// deferred recover rather than a hollywood middleware: hollywood builds the
// middleware chain anew for every message, an allocation per message on
// the hottest path.
func (a *weddingActor) Receive(c *actor.Context) {
	defer func() {
		if v := recover(); v != nil {
			a.onPanic(c.Message(), v)
		}
	}()
	switch m := c.Message().(type) {
	case actor.Started:
		// Started runs on the spawner's goroutine: load on our own.
		c.Send(c.PID(), load{})
	case load:
		a.ensureLoaded()
		a.resumeCampaigns(c)
	case workerExited:
		a.onWorkerExited(c, m.id)
	case *request:
		a.handle(c, m)
	case *mailboxBatch:
		a.toMailbox(c, m)
	case flushNow:
		a.flushScheduled = false
		a.flush(true)
	case commitFailed:
		a.onCommitFailed(m.err)
	case stop:
		a.stop(c)
	}
}

func (a *weddingActor) ensureLoaded() {
	if a.loaded {
		return
	}
	a.loaded = true
	if a.prev != nil {
		<-a.prev.stopped
		a.prev = nil
	}
	if err := a.reload(); err != nil {
		a.broken = err
	}
}

// reload replaces the in-memory state by what storage holds and publishes
// its view. Nothing may be in flight.
func (a *weddingActor) reload() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("actors: reload panicked: %v", v)
		}
	}()
	start := time.Now()
	w, snapSeq, err := loadWedding(a.e.db, a.h.id, a.e.log)
	a.e.metrics.loaded(start)
	if err != nil {
		a.e.log.Error().Err(err).Str("wedding_id", a.h.id).Msg("wedding cannot be loaded")
		return err
	}
	a.w = w
	a.sinceSnap = w.Seq - snapSeq
	a.lastView = nil
	if w.Created() {
		a.lastView = w.View(nil)
		a.h.view.Store(a.lastView)
	}
	return nil
}

func (a *weddingActor) handle(c *actor.Context, r *request) {
	a.ensureLoaded()
	if a.broken != nil || a.stopped {
		a.deliver(r, reply{err: ErrUnavailable})
		return
	}
	switch {
	case r.cmd != nil:
		if _, creating := r.cmd.(*domain.CreateWedding); !creating && !a.w.Created() {
			a.answer(c, r, reply{err: ErrWeddingNotFound})
			return
		}
		now := a.now()
		if r.once != nil {
			if k, ok := a.w.KeptAnswer(r.once.Key, now); ok {
				// A retry: the first answer, behind anything not yet
				// durable (the first attempt's own commit, perhaps).
				rep := reply{result: Result{Seq: k.Seq, Kept: k, Replayed: true}}
				if k.BodyHash != r.once.BodyHash {
					rep = reply{err: domain.IdempotencyMismatch()}
				}
				a.answer(c, r, rep)
				return
			}
		}
		if a.e.cfg.beforeExecute != nil {
			a.e.cfg.beforeExecute(a.w, r.cmd)
		}
		changes, out, err := a.w.Execute(r.cmd, domain.Meta{By: r.by, Now: now})
		a.e.metrics.command(r.cmd, err)
		if err != nil {
			// The rejection may rest on changes not yet durable: answer it
			// behind them, like everything else.
			a.answer(c, r, reply{err: err})
			return
		}
		res := Result{Seq: a.w.Seq, Changes: len(changes), Value: out}
		if r.once != nil && len(changes) > 0 {
			// The answer goes into the same commit as the changes. NB:
			// before they join the job, so that a panic here leaves them
			// out of the journal (onPanic then reloads the wedding).
			status, body := r.once.Answer(res)
			last := &changes[len(changes)-1]
			a.w.Keep(last, domain.KeptAnswer{Key: r.once.Key, BodyHash: r.once.BodyHash,
				Status: int32(status), Body: body})
			res.Kept = last.Kept
		}
		j := a.tail(c)
		j.changes = append(j.changes, changes...)
		a.sinceSnap += uint64(len(changes))
		a.answer(c, r, reply{result: res})
		if len(a.w.Campaigns) > 0 {
			a.campaignsChanged(c, changes)
		}
	case r.query != nil:
		if !a.w.Created() {
			a.answer(c, r, reply{err: ErrWeddingNotFound})
			return
		}
		out, err := r.query.Run(a.w, r.by)
		a.answer(c, r, reply{result: Result{Seq: a.w.Seq, Value: out}, err: err})
	case r.snapshot:
		if !a.w.Created() {
			a.answer(c, r, reply{err: ErrWeddingNotFound})
			return
		}
		j := a.tail(c)
		j.force = true
		a.answer(c, r, reply{result: Result{Seq: a.w.Seq}})
	default:
		a.deliver(r, reply{err: fmt.Errorf("actors: empty request")})
	}
}

// toMailbox hands a batch of webhook notifications to the wedding's
// webhook mailbox, spawning it first if need be.
func (a *weddingActor) toMailbox(c *actor.Context, b *mailboxBatch) {
	if a.stopped {
		for _, n := range b.notes {
			n.res = noteResult{retry: true}
		}
		b.done()
		return
	}
	if a.mailbox == nil {
		a.mailbox = c.SpawnChild(func() actor.Receiver { return &mailboxActor{e: a.e, h: a.h} }, "webhook-mailbox")
	}
	c.Send(a.mailbox, b)
}

// now is the engine clock, never earlier than the wedding's last change, so
// the journal's times are ordered.
func (a *weddingActor) now() domain.Instant {
	t := domain.At(a.e.cfg.Now())
	if t < a.w.LastAt {
		t = a.w.LastAt
	}
	return t
}

// tail is the job that gathers what is decided now; creating it schedules
// its flush behind whatever is already in the mailbox.
func (a *weddingActor) tail(c *actor.Context) *job {
	if a.pending == nil {
		a.pending = &job{a: a}
	}
	if !a.flushScheduled {
		a.flushScheduled = true
		c.Send(c.PID(), flushNow{})
	}
	return a.pending
}

// busy reports whether any job is still waiting for the disk.
func (a *weddingActor) busy() bool {
	if a.pending != nil {
		return true
	}
	return a.lastBatch != nil && !a.lastBatch.done.Load()
}

// answer replies now if nothing is waiting for the disk, else behind the
// newest job, so no reply reveals a change that is not durable.
func (a *weddingActor) answer(c *actor.Context, r *request, rep reply) {
	if !a.busy() {
		if a.failing.Load() {
			// A commit failed and the news (commitFailed) is still on its
			// way here: the state is ahead of the disk, so no answer may
			// rest on it.
			rep = reply{err: ErrUnavailable}
		}
		a.deliver(r, rep)
		return
	}
	j := a.tail(c)
	j.replies = append(j.replies, pendingReply{req: r, rep: rep})
	j.answers++
	r.answered = true
}

func (a *weddingActor) deliver(r *request, rep reply) {
	r.answered = true
	r.reply <- rep
	a.h.done(1)
}

// flush hands the pending job to the disk: its changes enter Pebble's WAL
// pipeline now (in order after every earlier job), and its callers get
// their replies with the job to wait for. With publish false (after a
// panic, when the live state cannot be trusted) no view or snapshot is
// built from the state.
func (a *weddingActor) flush(publish bool) {
	j := a.pending
	if j == nil || a.broken != nil {
		return
	}
	// NB: j stays pending until the work that could panic is done, so a
	// panic here still finds it (and drains it) in onPanic. A retry after
	// a panic starts from scratch: nothing built from the live state is kept.
	if j.batch != nil {
		_ = j.batch.Close()
		j.batch = nil
	}
	j.snap, j.view, j.snapErr = nil, nil, nil
	if publish && (j.force || a.sinceSnap >= a.e.cfg.SnapshotEvery) {
		encStart := time.Now()
		b, err := snapshot.Encode(a.w, a.e.cfg.Now())
		a.e.metrics.snapshotEncoded(encStart)
		if err != nil {
			a.e.log.Error().Err(err).Str("wedding_id", a.h.id).Msg("snapshot encode failed")
			j.snapErr = err
		}
		j.snap, j.snapSeq = b, a.w.Seq
	} else if j.force {
		j.snapErr = errors.New("actors: snapshot not taken: the wedding is recovering from an internal error")
	}
	if publish && len(j.changes) > 0 {
		j.view = a.w.View(a.lastView)
	}
	var startErr error
	if len(j.changes) > 0 || j.snap != nil {
		j.batch = a.e.db.NewBatch(a.h.id)
		for i := range j.changes {
			if startErr = j.batch.Add(&j.changes[i]); startErr != nil {
				break
			}
		}
		if startErr == nil && j.snap != nil {
			startErr = j.batch.PutSnapshot(j.snapSeq, j.snap)
		}
		if startErr == nil {
			if a.e.metrics != nil {
				j.started = time.Now()
			}
			startErr = j.batch.Start()
		}
	}
	a.pending = nil
	if j.snap != nil {
		a.sinceSnap = 0
	}
	if j.view != nil {
		a.lastView = j.view
	}
	j.err = startErr
	j.prev = a.lastBatch
	if j.batch != nil {
		a.lastBatch = j
	}
	if startErr != nil {
		// The journal did not take this batch: the live state is ahead of
		// it, and nothing decided from here on may be acknowledged.
		a.breakDown(fmt.Errorf("journal write failed: %w", startErr))
	}
	if !j.holdReplies {
		a.release(j)
	}
}

// release hands a flushed job's replies to their callers, who wait for the
// job before using them. A job nobody will wait for (no replies) is waited
// for here, on a goroutine of its own, so that it is finished anyway.
func (a *weddingActor) release(j *job) {
	// The job forgets its replies: it may stay the wedding's newest batch
	// (lastBatch) for long, and they hold whole commands and results (a
	// 5,000-unit import: megabytes).
	replies := j.replies
	j.replies = nil
	for _, p := range replies {
		rep := p.rep
		rep.job = j
		if p.req.snapshot && j.snapErr != nil && rep.err == nil {
			rep.err = j.snapErr
		}
		p.req.reply <- rep
	}
	if len(replies) == 0 {
		go j.wait()
	}
}

// resultOf is what a caller of a finished job gets.
func resultOf(rep reply) (Result, error) {
	if rep.job != nil {
		if err := rep.job.wait(); err != nil {
			return Result{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
	return rep.result, rep.err
}

// drain flushes the pending job (without building anything from the live
// state) and waits until everything flushed is durable. The flushed job is
// kept in a.held, its replies unsent: the caller releases them once the
// wedding is trustworthy again.
func (a *weddingActor) drain() {
	if a.pending != nil {
		a.pending.holdReplies = true
		a.held = a.pending
		a.flush(false)
	}
	if a.held != nil {
		_ = a.held.wait()
	} else if a.lastBatch != nil {
		_ = a.lastBatch.wait()
	}
}

// releaseHeld answers the callers of the job drain held back.
func (a *weddingActor) releaseHeld() {
	if j := a.held; j != nil {
		a.held = nil
		a.release(j)
	}
}

// breakDown marks the wedding unusable: every request still waiting in the
// actor fails, and every later one is refused with ErrUnavailable. A
// storage failure breaks the whole engine (storage.ErrFailed: restart to
// recover from disk); another cause (a wedding that cannot be loaded) lasts
// until the wedding is passivated and activated again.
func (a *weddingActor) breakDown(err error) {
	if a.broken == nil {
		a.broken = err
		a.e.log.Error().Err(err).Str("wedding_id", a.h.id).Msg("wedding unavailable")
	}
	if j := a.pending; j != nil {
		a.pending = nil
		if j.err == nil {
			j.err = err
		}
		j.prev = a.lastBatch
		a.release(j)
	}
	if j := a.held; j != nil && j.err == nil && !j.done.Load() {
		j.err = err
	}
}

// onCommitFailed: the disk refused a commit. Pebble may still hold the
// failed batch in memory, so the wedding is not reloaded from it: it
// refuses everything until the engine is restarted.
func (a *weddingActor) onCommitFailed(err error) {
	a.breakDown(fmt.Errorf("journal commit failed: %w", err))
}

// onPanic runs when handling msg panicked: the state may be half changed.
// Answer the caller, make durable what was decided before the panic, and
// reload the wedding from storage.
func (a *weddingActor) onPanic(msg any, v any) {
	defer func() {
		if v2 := recover(); v2 != nil {
			a.breakDown(fmt.Errorf("actors: recovery from a panic panicked: %v", v2))
			a.releaseHeld()
		}
	}()
	a.e.log.Error().Str("wedding_id", a.h.id).Interface("panic", v).Bytes("stack", debug.Stack()).
		Msg("panic while handling a message; reloading the wedding")
	if r, ok := msg.(*request); ok && !r.answered {
		a.deliver(r, reply{err: ErrInternal})
	}
	a.drain()
	if last := a.lastBatch; last != nil && last.err != nil {
		a.breakDown(last.err)
	} else if a.broken == nil {
		if err := a.reload(); err != nil {
			// What was committed stays committed: its callers still get
			// their answers; the wedding is unusable from here on.
			a.breakDown(err)
		}
	}
	a.releaseHeld()
}

// stop makes everything durable, snapshots and stops the actor. The handle
// is retired already, so nothing more arrives.
func (a *weddingActor) stop(c *actor.Context) {
	if a.stopped {
		return
	}
	a.stopped = true
	defer func() {
		close(a.h.stopped)
		c.Engine().Poison(c.PID())
	}()
	if !a.loaded || a.broken != nil {
		return
	}
	a.flush(true)
	if a.lastBatch != nil && a.lastBatch.wait() != nil {
		return
	}
	if !a.w.Created() || a.sinceSnap == 0 {
		return
	}
	b, err := snapshot.Encode(a.w, a.e.cfg.Now())
	if err == nil {
		err = a.e.db.PutSnapshot(a.h.id, a.w.Seq, b)
	}
	if err == nil {
		err = a.e.db.Prune(a.h.id, a.e.cfg.SnapshotKeep, a.e.cfg.JournalTail)
	}
	if err != nil {
		a.e.log.Warn().Err(err).Str("wedding_id", a.h.id).Msg("snapshot at stop failed")
	}
}
