package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// The webhook inbox: every signed body WhatsApp posts, kept raw, durably,
// before its 200 goes out, and processed after. Meta redelivers what it
// did not get a 200 for, for up to 7 days, so nothing acknowledged may be
// lost; processing is idempotent (each notification carries its own key,
// checked by the wedding it applies to), so a body processed twice, or
// replayed by an operator, changes nothing twice.
//
//	'i' id(8) → state(1) at(8) why-length(2) why body
//
// ids are assigned in arrival order, from 1. An append is one synced
// Pebble write, so concurrent appends share an fsync with each other and
// with the weddings' journal commits (Pebble's commit pipeline).
//
// NB: persisted key prefix and layout; must not change.
const prefixInbox = 'i'

// InboxState is where a stored webhook body is.
type InboxState uint8

// NB: persisted; must not change.
const (
	// InboxReceived: stored, not processed yet.
	InboxReceived InboxState = 0
	// InboxProcessed: every notification in it was applied or set aside.
	InboxProcessed InboxState = 1
	// InboxUnprocessable: signed, but not JSON (answered 400).
	InboxUnprocessable InboxState = 2
	// InboxUnroutable: some notification in it names nothing the engine
	// knows (Why says which); kept for operators.
	InboxUnroutable InboxState = 3
)

func (s InboxState) String() string {
	switch s {
	case InboxReceived:
		return "received"
	case InboxProcessed:
		return "processed"
	case InboxUnprocessable:
		return "unprocessable"
	case InboxUnroutable:
		return "unroutable"
	}
	return "unknown"
}

// InboxEntry is one stored webhook body.
type InboxEntry struct {
	ID    uint64
	State InboxState
	At    time.Time // when it was received
	Why   string    // for unprocessable and unroutable ones
	Body  []byte
}

// inboxIDs hands out inbox ids in order, and knows which are still being
// written.
type inboxIDs struct {
	mu      sync.Mutex
	next    uint64 // 0: not read from the database yet
	writing map[uint64]struct{}

	// states serializes the changes of entries' states (SetInboxState)
	// with PruneInbox, which deletes an entry for the state it read: a
	// replay may not make an entry waiting again between the two, nor a
	// state change bring a pruned entry back.
	//
	// NB: never held together with mu (PruneInbox reads the watermark
	// before it takes states).
	states struct {
		sync.Mutex
		// pruneFrom is where the next PruneInbox starts: every entry below
		// it is one that pruning keeps (not processed). SetInboxState
		// lowers it when it marks an entry below it processed (after a
		// replay).
		pruneFrom uint64
	}
}

func inboxKey(id uint64) []byte { return binary.BigEndian.AppendUint64([]byte{prefixInbox}, id) }

func encodeInbox(e InboxEntry) []byte {
	why := e.Why
	if len(why) > 1<<15 {
		why = why[:1<<15]
	}
	v := make([]byte, 0, 11+len(why)+len(e.Body))
	v = append(v, byte(e.State))
	v = binary.BigEndian.AppendUint64(v, uint64(e.At.UnixNano()))
	v = binary.BigEndian.AppendUint16(v, uint16(len(why)))
	v = append(v, why...)
	return append(v, e.Body...)
}

func decodeInbox(id uint64, v []byte) (InboxEntry, error) {
	if len(v) < 11 {
		return InboxEntry{}, fmt.Errorf("%w: inbox entry %d of %d bytes", ErrCorrupt, id, len(v))
	}
	n := int(binary.BigEndian.Uint16(v[9:11]))
	if len(v) < 11+n {
		return InboxEntry{}, fmt.Errorf("%w: inbox entry %d", ErrCorrupt, id)
	}
	return InboxEntry{ID: id, State: InboxState(v[0]), At: time.Unix(0, int64(binary.BigEndian.Uint64(v[1:9]))).UTC(),
		Why: string(v[11 : 11+n]), Body: append([]byte(nil), v[11+n:]...)}, nil
}

// AppendInbox stores a webhook body durably (fsynced before it returns)
// in state (InboxReceived, or InboxUnprocessable with why) and returns its
// id.
func (d *DB) AppendInbox(body []byte, state InboxState, why string, at time.Time) (uint64, error) {
	if err := d.Err(); err != nil {
		return 0, err
	}
	d.inbox.mu.Lock()
	if d.inbox.next == 0 {
		last, err := d.lastInboxID()
		if err != nil {
			d.inbox.mu.Unlock()
			return 0, err
		}
		d.inbox.next = last + 1
	}
	id := d.inbox.next
	d.inbox.next++
	if d.inbox.writing == nil {
		d.inbox.writing = map[uint64]struct{}{}
	}
	d.inbox.writing[id] = struct{}{}
	d.inbox.mu.Unlock()
	// NB: ids are handed out before the writes, which may complete in
	// another order (concurrent appends share fsyncs): readers read only
	// up to InboxWatermark, below which every id is written or failed.
	err := d.pdb.Set(inboxKey(id), encodeInbox(InboxEntry{State: state, At: at, Why: why, Body: body}), pebble.Sync)
	d.inbox.mu.Lock()
	delete(d.inbox.writing, id)
	d.inbox.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("storage: inbox append: %w", err)
	}
	return id, nil
}

// InboxWatermark is the highest id below which no append is still being
// written: entries up to it are all in the inbox (or failed, and were
// never acknowledged).
func (d *DB) InboxWatermark() (uint64, error) {
	d.inbox.mu.Lock()
	defer d.inbox.mu.Unlock()
	if d.inbox.next == 0 {
		last, err := d.lastInboxID()
		if err != nil {
			return 0, err
		}
		d.inbox.next = last + 1
	}
	mark := d.inbox.next - 1
	for id := range d.inbox.writing {
		if id <= mark {
			mark = id - 1
		}
	}
	return mark, nil
}

func (d *DB) lastInboxID() (uint64, error) {
	it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixInbox}, UpperBound: []byte{prefixInbox + 1}})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	k := it.Key()
	if len(k) != 9 {
		return 0, fmt.Errorf("%w: inbox key %q", ErrCorrupt, k)
	}
	return binary.BigEndian.Uint64(k[1:]), nil
}

// SetInboxState records what processing made of an entry. It need not be
// synced: an entry found still "received" after a crash is processed
// again, which changes nothing twice.
//
// Returns ErrNotFound for an id not in the inbox (never stored, or pruned).
func (d *DB) SetInboxState(id uint64, state InboxState, why string) error {
	d.inbox.states.Lock()
	defer d.inbox.states.Unlock()
	v, closer, err := d.pdb.Get(inboxKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	e, err := decodeInbox(id, v)
	_ = closer.Close()
	if err != nil {
		return err
	}
	e.State, e.Why = state, why
	if err := d.pdb.Set(inboxKey(id), encodeInbox(e), pebble.NoSync); err != nil {
		return err
	}
	if state == InboxProcessed && id < d.inbox.states.pruneFrom {
		d.inbox.states.pruneFrom = id
	}
	return nil
}

// SetInboxStates records what processing made of many entries at once,
// each as given (its State and Why set, its At and Body as stored), in one
// unsynced batch: the processor's outcomes of a pass. Like SetInboxState,
// it need not be synced.
func (d *DB) SetInboxStates(entries []InboxEntry) error {
	if len(entries) == 0 {
		return nil
	}
	d.inbox.states.Lock()
	defer d.inbox.states.Unlock()
	b := d.pdb.NewBatch()
	defer b.Close()
	for _, e := range entries {
		if err := b.Set(inboxKey(e.ID), encodeInbox(e), nil); err != nil {
			return err
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return err
	}
	for _, e := range entries {
		if e.State == InboxProcessed && e.ID < d.inbox.states.pruneFrom {
			d.inbox.states.pruneFrom = e.ID
		}
	}
	return nil
}

// PruneInbox deletes up to limit entries that are processed and were
// received before before, and returns how many it deleted: the inbox's
// retention, run by the engine in chunks. Every other entry stays: one
// still received is not applied yet, and unroutable and unprocessable ones
// are kept for operators. Nothing above InboxWatermark is looked at, and
// the entry at it is kept too: ids are read back from the last entry
// stored at the next start, so keeping the newest one means pruning never
// makes an id be handed out twice.
//
// ids are in arrival order, so the scan ends at the first entry received
// at or after before. It starts where the last call ended: the entries a
// call keeps are read once, not at every call, unless one of them becomes
// processed (a replay). So a call reads what it deletes (at most limit)
// and the entries it passes on the way.
//
// The deletes are not synced: a pruned entry was applied already, and one
// that comes back after a crash is pruned again.
//
// NB: the order is by id, the cutoff by receive time: an entry stamped
// ahead by a clock that was then stepped back holds the scan up until
// before passes its stamp.
func (d *DB) PruneInbox(before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	if err := d.Err(); err != nil {
		return 0, err
	}
	mark, err := d.InboxWatermark()
	if err != nil {
		return 0, err
	}
	d.inbox.states.Lock()
	defer d.inbox.states.Unlock()
	from := max(d.inbox.states.pruneFrom, 1)
	if mark <= from {
		return 0, nil
	}
	it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: inboxKey(from), UpperBound: inboxKey(mark)})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	b := d.pdb.NewBatch()
	defer b.Close()
	cutoff, n, next := before.UnixNano(), 0, from
	for valid := it.First(); valid && n < limit; valid = it.Next() {
		k := it.Key()
		if len(k) != 9 {
			return 0, fmt.Errorf("%w: inbox key %q", ErrCorrupt, k)
		}
		id := binary.BigEndian.Uint64(k[1:])
		v := it.Value()
		if len(v) == 0 { // as InboxAfter: no entry
			next = id + 1
			continue
		}
		if len(v) < 11 {
			return 0, fmt.Errorf("%w: inbox entry %d of %d bytes", ErrCorrupt, id, len(v))
		}
		if int64(binary.BigEndian.Uint64(v[1:9])) >= cutoff {
			next = id
			break
		}
		if InboxState(v[0]) == InboxProcessed {
			if err := b.Delete(k, nil); err != nil {
				return 0, err
			}
			n++
		}
		next = id + 1
	}
	if err := it.Error(); err != nil {
		return 0, err
	}
	if n > 0 {
		if err := b.Commit(pebble.NoSync); err != nil {
			return 0, fmt.Errorf("storage: inbox prune: %w", err)
		}
	}
	d.inbox.states.pruneFrom = next
	return n, nil
}

// InboxAfter returns up to limit entries with after < id ≤ upTo, in id
// order, whose state is one of states (all states when none is given).
func (d *DB) InboxAfter(after, upTo uint64, limit int, states ...InboxState) ([]InboxEntry, error) {
	if upTo <= after {
		return nil, nil
	}
	it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: inboxKey(after + 1), UpperBound: inboxKey(upTo + 1)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []InboxEntry
	for valid := it.First(); valid && len(out) < limit; valid = it.Next() {
		k := it.Key()
		if len(k) != 9 {
			return out, fmt.Errorf("%w: inbox key %q", ErrCorrupt, k)
		}
		v := it.Value()
		if len(v) == 0 {
			continue
		}
		if len(states) > 0 {
			match := false
			for _, s := range states {
				match = match || InboxState(v[0]) == s
			}
			if !match {
				continue
			}
		}
		e, err := decodeInbox(binary.BigEndian.Uint64(k[1:]), v)
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, it.Error()
}
