package actors

import (
	"errors"
	"time"

	"github.com/anthdm/hollywood/actor"

	"github.com/parinayaos/engine/domain"
)

// The webhook mailbox: one child actor per wedding that takes the
// wedding's share of the webhook notifications (DESIGN.md "Children of a
// wedding actor"). The inbox processor routes each notification of a pass
// of stored bodies to its wedding and hands each wedding its notes as one
// batch; the mailbox drops the ones it has already applied, sends the
// others' commands into the wedding's mailbox all at once, and reports
// each one's outcome when its commit is durable.
//
// Sending them all at once is what makes a burst cheap: the wedding actor
// applies them one after another and journals everything decided while a
// commit is in flight as the next commit, so a batch of hundreds of
// statuses costs a few fsyncs, not one each. Order is kept: the notes
// enter the wedding's mailbox in the order of the stored bodies.
//
// Applying is idempotent in the domain (a repeated or older status changes
// nothing; an answer older than the RSVP's changes nothing; an unclear
// reply is listed once); the mailbox's memory of recent keys only saves the
// commands of redelivered notifications.

// note is one notification of a stored body, on its way to its wedding:
// the command it becomes and, once run, what it did.
type note struct {
	key     string // its idempotency key (whatsapp.Notification.Key)
	wedding string // where it goes
	kind    string // status, message, preference: for metrics
	cmd     domain.Command
	about   string // what it is, for operators: "status read of wamid.X"
	// waitFor: a status for a wamid not known yet; its body waits for it
	// (inbox_waiting.go).
	waitFor string
	res     noteResult
}

// noteResult is what became of a notification.
type noteResult struct {
	// outcome, for metrics: applied, unchanged, duplicate, attention,
	// kept, unroutable, ignored.
	outcome string
	why     string // why it was kept unapplied, for operators ("" if not)
	retry   bool   // the engine could not run it now: its body stays received
}

// mailboxBatch is one wedding's notes of a pass. done is called once every
// note has its result.
type mailboxBatch struct {
	notes []*note
	done  func()
}

// mailboxApplied tells the mailbox which keys are now applied for good.
type mailboxApplied struct{ keys []string }

// mailboxActor is the wedding's webhook mailbox.
type mailboxActor struct {
	e    *Engine
	h    *handle
	seen keyRing
}

func (m *mailboxActor) Receive(c *actor.Context) {
	switch msg := c.Message().(type) {
	case *mailboxBatch:
		m.run(c, msg)
	case mailboxApplied:
		for _, k := range msg.keys {
			m.seen.add(k)
		}
	}
}

// run sends the batch's commands to the wedding and waits for their
// outcomes on a goroutine of its own (the mailbox never blocks).
func (m *mailboxActor) run(c *actor.Context, b *mailboxBatch) {
	waits := make([]chan reply, len(b.notes))
	inBatch := make(map[string]bool, len(b.notes))
	for i, n := range b.notes {
		if n.key != "" && (m.seen.has(n.key) || inBatch[n.key]) {
			// Applied already, or about to be by an earlier note of this
			// batch (if that one must be retried, so is its body, and the
			// retry applies it).
			n.res = noteResult{outcome: "duplicate"}
			continue
		}
		if !m.h.admitInternal() {
			n.res = noteResult{retry: true}
			continue
		}
		inBatch[n.key] = true
		req := &request{cmd: n.cmd, by: domain.Root, reply: make(chan reply, 1)}
		m.e.hw.Send(m.h.pid, req)
		waits[i] = req.reply
	}
	self := c.PID()
	go func() {
		deadline := time.NewTimer(applyTimeout)
		defer deadline.Stop()
		var applied []string
		for i, ch := range waits {
			if ch == nil {
				continue
			}
			n := b.notes[i]
			select {
			case rep := <-ch:
				res, err := resultOf(rep)
				n.res = settle(n, res, err)
				if err == nil {
					m.e.followUp(n.wedding, followUpOf(res))
				}
			case <-deadline.C:
				// The wedding did not answer in time (stopping, say):
				// the body is taken again later. Its late reply is
				// waited for so that its job is finished anyway.
				n.res = noteResult{retry: true}
				go func() {
					if rep := <-ch; rep.job != nil {
						_ = rep.job.wait()
					}
				}()
				continue
			}
			if !n.res.retry && n.key != "" {
				applied = append(applied, n.key)
			}
		}
		if len(applied) > 0 {
			m.e.hw.Send(self, mailboxApplied{keys: applied})
		}
		b.done()
	}()
}

// settle reads what a note's command did.
func settle(n *note, res Result, err error) noteResult {
	var de *domain.Error
	switch {
	case errors.As(err, &de) || errors.Is(err, ErrWeddingNotFound):
		return noteResult{outcome: "unroutable", why: n.about + ": " + err.Error()}
	case err != nil:
		return noteResult{retry: true}
	}
	switch v := res.Value.(type) {
	case domain.StatusResult:
		if !v.Applied {
			return noteResult{outcome: "unchanged"}
		}
	case domain.TypedReplyResult:
		if v.Unclear {
			if v.Listed {
				return noteResult{outcome: "attention"} // for a person to read
			}
			return noteResult{outcome: "kept", why: n.about + ": " + v.Why}
		}
	}
	if res.Changes == 0 {
		return noteResult{outcome: "unchanged"}
	}
	return noteResult{outcome: "applied"}
}

// followUpOf is what a reply's result says to send the guest, or nil.
func followUpOf(res Result) *domain.FollowUp {
	switch v := res.Value.(type) {
	case domain.ReplyResult:
		return v.FollowUp
	case domain.TypedReplyResult:
		if v.Reply != nil {
			return v.Reply.FollowUp
		}
	}
	return nil
}

// keyRing remembers the most recent keys, at most mailboxKeys of them.
type keyRing struct {
	set  map[string]struct{}
	ring []string
	next int
}

// mailboxKeys is how many applied keys a mailbox remembers: a burst's
// worth of duplicates (Meta's redeliveries come within minutes to days;
// older ones reach the domain, which changes nothing twice anyway).
const mailboxKeys = 16384

func (r *keyRing) has(k string) bool {
	_, ok := r.set[k]
	return ok
}

func (r *keyRing) add(k string) {
	if r.has(k) {
		return
	}
	if r.set == nil {
		r.set = make(map[string]struct{}, 1024)
	}
	if len(r.ring) < mailboxKeys {
		r.ring = append(r.ring, k)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = k
		r.next = (r.next + 1) % mailboxKeys
	}
	r.set[k] = struct{}{}
}
