package actors

import (
	"sync"
	"time"

	"github.com/parinayaos/engine/storage"
)

// Statuses that arrive before their message's wamid is known. Every send
// of the engine carries its own message id as callback data, which Meta
// echoes on each status, so a status that outruns the send's answer
// (Meta's webhook can arrive before its HTTP answer is journaled) applies
// at once by that id. A status without callback data names its message by
// wamid alone: if no message has that wamid yet, its body is kept as
// unroutable and waits here, in memory, for a while; when a send records
// that wamid, the body is processed again. After a restart, or past the
// wait, an operator's replay applies it (GET /v1/admin/inbox lists it).

// statusWait is how long a body waits for the wamid of its status.
const statusWait = 10 * time.Minute

// maxWaiting bounds the wamids waited for; beyond it, bodies are only kept
// as unroutable (for a replay).
const maxWaiting = 100_000

type waiting struct {
	mu     sync.Mutex
	wamids map[string]waitingBodies
	ready  []uint64 // bodies to process again: their wamid is known now
}

type waitingBodies struct {
	ids   []uint64
	since time.Time
}

// await keeps body id waiting for wamid.
func (x *inbox) await(wamid string, id uint64, now time.Time) {
	if !x.keepWaiting(wamid, id, now) {
		return
	}
	// The send may have recorded the wamid since the status was routed.
	if _, err := x.e.db.WeddingByWAMID(wamid); err == nil {
		x.e.wamidKnown(wamid)
	}
}

func (x *inbox) keepWaiting(wamid string, id uint64, now time.Time) bool {
	w := &x.waiting
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.wamids == nil {
		w.wamids = map[string]waitingBodies{}
	}
	wb, ok := w.wamids[wamid]
	if !ok && len(w.wamids) >= maxWaiting {
		x.sweepLocked(now)
		if len(w.wamids) >= maxWaiting {
			return false
		}
	}
	if !ok {
		wb.since = now
	}
	for _, have := range wb.ids {
		if have == id {
			return true
		}
	}
	wb.ids = append(wb.ids, id)
	w.wamids[wamid] = wb
	return true
}

// sweepLocked forgets what has waited longer than statusWait.
func (x *inbox) sweepLocked(now time.Time) {
	for k, wb := range x.waiting.wamids {
		if now.Sub(wb.since) > statusWait {
			delete(x.waiting.wamids, k)
		}
	}
}

// wamidKnown is told each wamid a send records: bodies waiting for it are
// processed again.
func (e *Engine) wamidKnown(wamid string) {
	x := e.inbox
	if x == nil || wamid == "" {
		return
	}
	x.waiting.mu.Lock()
	wb, ok := x.waiting.wamids[wamid]
	if ok {
		delete(x.waiting.wamids, wamid)
		x.waiting.ready = append(x.waiting.ready, wb.ids...)
	}
	x.waiting.mu.Unlock()
	if ok {
		e.pokeInbox()
	}
}

// readyBodies takes the bodies whose wamid became known, as stored.
func (x *inbox) readyBodies() []storage.InboxEntry {
	x.waiting.mu.Lock()
	ids := x.waiting.ready
	x.waiting.ready = nil
	x.waiting.mu.Unlock()
	var out []storage.InboxEntry
	for _, id := range ids {
		en, err := x.e.db.InboxAfter(id-1, id, 1)
		if err != nil || len(en) == 0 {
			continue
		}
		out = append(out, en[0])
	}
	return out
}

// requeue puts bodies that could not be processed again back in line.
func (x *inbox) requeue(id uint64) {
	x.waiting.mu.Lock()
	x.waiting.ready = append(x.waiting.ready, id)
	x.waiting.mu.Unlock()
}
