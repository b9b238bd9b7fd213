package domain

import "time"

// Idempotency keys are wedding state. A command that carries an
// Idempotency-Key keeps its answer (as the edge rendered it) on its last
// change, so the answer is journaled in the same commit as what the command
// changed: a retry after a crash finds either both or neither, and is
// answered once. The wedding holds the kept answers of the last KeepFor,
// at most MaxKept of them and about MaxKeptBytes; past that the oldest go
// first. Eviction is decided by Apply from the changes' own times, so
// replay and snapshots agree with the live state.
//
// Rejected commands change nothing and keep nothing: a retry runs again
// and is refused again, at no cost to the budget.
const (
	KeepFor      = 24 * time.Hour
	MaxKept      = 1000
	MaxKeptBytes = 4 << 20
	// MaxKeyLen bounds a kept answer's key (its scope and the client's
	// key together).
	MaxKeyLen = 512
)

// KeptAnswer is the answer given to a command that carried an idempotency
// key. Key is the caller's scope (token, route) and key; BodyHash the
// SHA-256 of the request body, so the same key with another body can be
// told apart. Status and Body are opaque to the domain: the edge's
// rendering of the command's result.
//
// NB: persisted (msgpack field names); add fields, never rename or reuse.
type KeptAnswer struct {
	Key      string   `msgpack:"k"`
	BodyHash [32]byte `msgpack:"h"`
	Status   int32    `msgpack:"s"`
	Body     []byte   `msgpack:"b,omitempty"`
	// Seq and At are those of the change that carries it.
	Seq uint64  `msgpack:"q"`
	At  Instant `msgpack:"t"`
}

func (k *KeptAnswer) size() int { return len(k.Key) + len(k.Body) + 64 }

// Keep attaches k to c, the last change of the command just executed, and
// remembers it. The change must be the wedding's newest (Execute applied
// it); the journal then carries k with it.
func (w *Wedding) Keep(c *Change, k KeptAnswer) {
	k.Seq, k.At = c.Seq, c.At
	c.Kept = &k
	w.keep(k)
}

// keep remembers k, dropping what has expired by k's time and then the
// oldest answers past MaxKept or MaxKeptBytes (never k itself).
func (w *Wedding) keep(k KeptAnswer) {
	cutoff := k.At - Instant(KeepFor)
	drop := 0
	for drop < len(w.Kept) && w.Kept[drop].At <= cutoff {
		w.keptBytes -= w.Kept[drop].size()
		drop++
	}
	w.Kept = append(w.Kept, k)
	w.keptBytes += k.size()
	for len(w.Kept)-drop > 1 && (len(w.Kept)-drop > MaxKept || w.keptBytes > MaxKeptBytes) {
		w.keptBytes -= w.Kept[drop].size()
		drop++
	}
	if drop > 0 {
		// A fresh slice: the old one may be shared with a snapshot being
		// encoded on another goroutine.
		w.Kept = append([]KeptAnswer(nil), w.Kept[drop:]...)
	}
}

// KeptAnswer finds the answer kept for key that has not expired by now.
func (w *Wedding) KeptAnswer(key string, now Instant) (*KeptAnswer, bool) {
	cutoff := now - Instant(KeepFor)
	for i := len(w.Kept) - 1; i >= 0; i-- {
		k := &w.Kept[i]
		if k.At <= cutoff {
			return nil, false
		}
		if k.Key == key {
			return k, true
		}
	}
	return nil, false
}

// IdempotencyMismatch is the rejection of a key used again with another
// body.
func IdempotencyMismatch() error {
	return conflict("idempotency_mismatch", "", "",
		"this Idempotency-Key was used with another body; use a new key for a new request")
}

// FindKept returns the kept answer (*KeptAnswer, or nil) for a key: how a
// retried request that created a wedding finds its first answer in the
// wedding its slug now names. The key carries its caller's scope.
type FindKept struct {
	Key string
	Now Instant
}

// Run implements Query.
func (q FindKept) Run(w *Wedding, p Principal) (any, error) {
	if k, ok := w.KeptAnswer(q.Key, q.Now); ok {
		c := *k
		return &c, nil
	}
	return (*KeptAnswer)(nil), nil
}
