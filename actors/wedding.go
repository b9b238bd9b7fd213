package actors

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/anthdm/hollywood/actor"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/snapshot"
)

// request is one call into a wedding: a command, a query or a snapshot.
// It is plain data but for the reply channel, a local transport detail.
type request struct {
	cmd      domain.Command
	query    domain.Query
	snapshot bool
	by       domain.Principal
	reply    chan reply
	answered bool // set once the reply is sent or attached to a job
}

type reply struct {
	result Result
	err    error
}

// job is one journal commit: the changes of the commands decided since the
// previous commit, the replies waiting for it, and the view to publish once
// it is durable.
type job struct {
	changes []domain.Change
	replies []pendingReply
	view    *domain.View
	snap    []byte // snapshot of the state after the last change, or nil
	snapSeq uint64
	force   bool // an operator asked for a snapshot
	done    chan struct{}
	err     error
}

type pendingReply struct {
	req *request
	rep reply
}

// Messages of the wedding actor (besides *request).
type (
	load       struct{}
	commitDone struct{ j *job }
	stop       struct{}
)

type weddingActor struct {
	e    *Engine
	h    *handle
	prev *handle // the previous activation, which must stop before we load

	w        *domain.Wedding
	loaded   bool
	broken   error
	pending  *job
	inflight *job
	lastView *domain.View
	// sinceSnap counts changes applied since the last snapshot.
	sinceSnap uint64
	stopped   bool
}

func (a *weddingActor) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Started:
		// Started runs on the spawner's goroutine: load on our own.
		c.Send(c.PID(), load{})
	case load:
		a.ensureLoaded()
	case *request:
		a.handle(m)
	case commitDone:
		a.onCommitDone(m.j)
	case stop:
		a.stop(c)
	}
	a.flush()
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
	w, snapSeq, err := loadWedding(a.e.db, a.h.id, a.e.log)
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

func (a *weddingActor) handle(r *request) {
	a.ensureLoaded()
	if a.broken != nil || a.stopped {
		a.deliver(r, reply{err: ErrUnavailable})
		return
	}
	switch {
	case r.cmd != nil:
		if _, creating := r.cmd.(*domain.CreateWedding); !creating && !a.w.Created() {
			a.answer(r, reply{err: ErrWeddingNotFound})
			return
		}
		if a.e.cfg.beforeExecute != nil {
			a.e.cfg.beforeExecute(a.w, r.cmd)
		}
		changes, out, err := a.w.Execute(r.cmd, domain.Meta{By: r.by, Now: a.now()})
		if err != nil {
			// The rejection may rest on changes not yet durable: answer it
			// behind them, like everything else.
			a.answer(r, reply{err: err})
			return
		}
		j := a.tail()
		j.changes = append(j.changes, changes...)
		a.sinceSnap += uint64(len(changes))
		a.answer(r, reply{result: Result{Seq: a.w.Seq, Changes: len(changes), Value: out}})
	case r.query != nil:
		if !a.w.Created() {
			a.answer(r, reply{err: ErrWeddingNotFound})
			return
		}
		out, err := r.query.Run(a.w, r.by)
		a.answer(r, reply{result: Result{Seq: a.w.Seq, Value: out}, err: err})
	case r.snapshot:
		if !a.w.Created() {
			a.answer(r, reply{err: ErrWeddingNotFound})
			return
		}
		j := a.tail()
		j.force = true
		a.answer(r, reply{result: Result{Seq: a.w.Seq}})
	default:
		a.deliver(r, reply{err: fmt.Errorf("actors: empty request")})
	}
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

// tail is the job that gathers what is decided now.
func (a *weddingActor) tail() *job {
	if a.pending == nil {
		a.pending = &job{done: make(chan struct{})}
	}
	return a.pending
}

// answer replies now if nothing is waiting for the disk, else behind the
// last pending commit, so no reply reveals a change that is not durable.
func (a *weddingActor) answer(r *request, rep reply) {
	if a.pending == nil && a.inflight == nil {
		a.deliver(r, rep)
		return
	}
	j := a.tail()
	j.replies = append(j.replies, pendingReply{req: r, rep: rep})
	r.answered = true
}

func (a *weddingActor) deliver(r *request, rep reply) {
	r.answered = true
	r.reply <- rep
	a.h.done(1)
}

// flush starts the pending commit if none is in flight.
func (a *weddingActor) flush() {
	if a.inflight != nil || a.pending == nil || a.broken != nil {
		return
	}
	j := a.pending
	if len(j.changes) == 0 && !j.force {
		// Only replies waiting behind an earlier commit, now durable.
		a.pending = nil
		a.complete(j, nil)
		return
	}
	// NB: j stays pending until the work that could panic is done, so a
	// panic here still finds it (and drains it) in onPanic.
	var snap []byte
	if j.force || a.sinceSnap >= a.e.cfg.SnapshotEvery {
		b, err := snapshot.Encode(a.w, a.e.cfg.Now())
		if err != nil {
			a.e.log.Error().Err(err).Str("wedding_id", a.h.id).Msg("snapshot encode failed")
		}
		snap = b
	}
	view := a.lastView
	if len(j.changes) > 0 {
		view = a.w.View(a.lastView)
		j.view = view
	}
	if snap != nil {
		j.snap, j.snapSeq = snap, a.w.Seq
		a.sinceSnap = 0
	}
	a.lastView = view
	a.pending = nil
	a.inflight = j
	go a.commit(j)
}

// commit runs on its own goroutine: persist, publish, tell the actor, reply.
func (a *weddingActor) commit(j *job) {
	j.err = a.persist(j)
	if j.err == nil && j.view != nil {
		a.h.view.Store(j.view)
	}
	if j.err == nil && j.snap != nil {
		if err := a.e.db.Prune(a.h.id, a.e.cfg.SnapshotKeep, a.e.cfg.JournalTail); err != nil {
			a.e.log.Warn().Err(err).Str("wedding_id", a.h.id).Msg("prune after snapshot failed")
		}
	}
	// Tell the actor before answering anyone: once every caller has its
	// answer the wedding may be stopped, and this message must already be
	// in its mailbox by then.
	a.e.hw.Send(a.h.pid, commitDone{j})
	close(j.done)
	a.complete(j, j.err)
}

func (a *weddingActor) persist(j *job) error {
	b := a.e.db.NewBatch(a.h.id)
	defer b.Close()
	for i := range j.changes {
		if err := b.Add(&j.changes[i]); err != nil {
			return err
		}
	}
	if j.snap != nil {
		if err := b.PutSnapshot(j.snapSeq, j.snap); err != nil {
			return err
		}
	}
	return b.Commit()
}

// complete answers a job's callers: their results, or ErrUnavailable if the
// commit failed.
func (a *weddingActor) complete(j *job, err error) {
	for _, p := range j.replies {
		rep := p.rep
		if err != nil {
			rep = reply{err: fmt.Errorf("%w: %v", ErrUnavailable, err)}
		}
		p.req.reply <- rep
	}
	a.h.done(len(j.replies))
}

func (a *weddingActor) onCommitDone(j *job) {
	if j != a.inflight {
		return // already handled synchronously after a panic
	}
	a.inflight = nil
	if j.err == nil {
		return
	}
	// The disk refused: the state is ahead of it. Fail what waits behind
	// and start again from what storage holds.
	a.e.log.Error().Err(j.err).Str("wedding_id", a.h.id).Msg("journal commit failed; reloading wedding")
	if p := a.pending; p != nil {
		a.pending = nil
		a.complete(p, j.err)
	}
	if err := a.reload(); err != nil {
		a.broken = err
	}
}

// drain waits for the in-flight commit and makes the pending one durable,
// synchronously. Afterwards nothing is in flight.
func (a *weddingActor) drain() (pending *job, err error) {
	if j := a.inflight; j != nil {
		<-j.done
		a.inflight = nil
		err = j.err
	}
	pending, a.pending = a.pending, nil
	if pending != nil && err == nil && (len(pending.changes) > 0 || pending.snap != nil) {
		err = a.persist(pending)
	}
	return pending, err
}

// onPanic runs when handling msg panicked: the state may be half changed.
// Answer the caller, make durable what was decided before the panic, and
// reload the wedding from storage.
func (a *weddingActor) onPanic(msg any, v any) {
	defer func() {
		if v2 := recover(); v2 != nil {
			a.broken = fmt.Errorf("actors: recovery from a panic panicked: %v", v2)
			a.e.log.Error().Str("wedding_id", a.h.id).Interface("panic", v2).Msg("wedding broken")
		}
	}()
	a.e.log.Error().Str("wedding_id", a.h.id).Interface("panic", v).Bytes("stack", debug.Stack()).
		Msg("panic while handling a message; reloading the wedding")
	if r, ok := msg.(*request); ok && !r.answered {
		a.deliver(r, reply{err: ErrInternal})
	}
	pending, err := a.drain()
	if rerr := a.reload(); rerr != nil {
		a.broken = rerr
		err = errors.Join(err, rerr)
	}
	if pending != nil {
		a.complete(pending, err)
	}
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
	pending, err := a.drain()
	if pending != nil {
		a.complete(pending, err)
	}
	if err != nil || !a.w.Created() || a.sinceSnap == 0 {
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

// recoverWeddingPanics is the middleware that keeps hollywood's restart
// path from ever running for a wedding.
func recoverWeddingPanics(next actor.ReceiveFunc) actor.ReceiveFunc {
	return func(c *actor.Context) {
		defer func() {
			if v := recover(); v != nil {
				a := c.Receiver().(*weddingActor)
				a.onPanic(c.Message(), v)
			}
		}()
		next(c)
	}
}
