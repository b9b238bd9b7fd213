package httpapi

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// idempotency remembers the answers of POSTs that carried an
// Idempotency-Key: a repeat with the same key and body gets the first
// answer again and changes nothing; the same key with another body gets
// 409 idempotency_mismatch. Keys are scoped by token and path.
//
// NB: the table is in memory: it survives neither a restart nor the move of
// a wedding to another engine. Retries across a restart are still safe for
// RSVPs and invitations (they are idempotent by content) but not for
// creating units. TODO(engine): journal the keys with the wedding.
type idempotency struct {
	ttl      time.Duration
	max      int   // most keys remembered
	maxBytes int64 // most bytes of remembered answers (the newest is always kept)
	now      func() time.Time
	mu       sync.Mutex
	keys     map[string]*list.Element
	lru      *list.List // of *idemEntry, oldest first
	bytes    int64      // sum of the entries' size
}

type idemEntry struct {
	key      string
	bodyHash [32]byte
	at       time.Time
	done     chan struct{} // closed when the answer is stored
	ok       bool          // an answer was stored (not a 5xx, 429 or 503)
	status   int
	ctype    []byte
	body     []byte
	size     int64 // what it counts for in idempotency.bytes
}

// idemEntryOverhead approximates an entry's memory beside its key and
// answer: the entry, its list element and map slot, its channel.
const idemEntryOverhead = 256

func newIdempotency(ttl time.Duration, max int, maxBytes int64, now func() time.Time) *idempotency {
	return &idempotency{ttl: ttl, max: max, maxBytes: maxBytes, now: now, keys: map[string]*list.Element{}, lru: list.New()}
}

// do runs fn once per key and body; repeats answer what the first got.
func (t *idempotency) do(rc *fasthttp.RequestCtx, key string, fn func()) {
	h := sha256.Sum256(rc.PostBody())
	for {
		t.mu.Lock()
		now := t.now()
		t.expireLocked(now)
		if el, ok := t.keys[key]; ok {
			e := el.Value.(*idemEntry)
			t.mu.Unlock()
			if e.bodyHash != h {
				writeError(rc, errorf(fasthttp.StatusConflict, "idempotency_mismatch", "", "this Idempotency-Key was used with another body; use a new key for a new request"))
				return
			}
			<-e.done
			if !e.ok {
				continue // the first attempt failed without an answer to keep: try again
			}
			rc.SetStatusCode(e.status)
			rc.Response.Header.SetContentTypeBytes(e.ctype)
			rc.Response.Header.Set("Idempotent-Replayed", "true")
			rc.SetBody(e.body)
			return
		}
		e := &idemEntry{key: key, bodyHash: h, at: now, done: make(chan struct{})}
		t.keys[key] = t.lru.PushBack(e)
		for t.lru.Len() > t.max {
			t.removeLocked(t.lru.Front())
		}
		t.mu.Unlock()

		fn()
		status := rc.Response.StatusCode()
		if status < 500 && status != fasthttp.StatusTooManyRequests {
			e.ok, e.status = true, status
			e.ctype = append([]byte(nil), rc.Response.Header.ContentType()...)
			e.body = append([]byte(nil), rc.Response.Body()...)
			t.mu.Lock()
			if el, ok := t.keys[key]; ok && el.Value == e {
				e.size = int64(len(key) + len(e.ctype) + len(e.body) + idemEntryOverhead)
				t.bytes += e.size
				// Answers can be large (a units/batch answer lists every
				// unit): past the budget the oldest answers go first. Keys
				// still running hold no bytes and stay: forgetting one
				// would let its retry run the request twice.
				for old := t.lru.Front(); old != nil && t.bytes > t.maxBytes; {
					next := old.Next()
					if old != el && old.Value.(*idemEntry).size > 0 {
						t.removeLocked(old)
					}
					old = next
				}
			}
			t.mu.Unlock()
		} else {
			t.mu.Lock()
			if el, ok := t.keys[key]; ok && el.Value == e {
				t.removeLocked(el)
			}
			t.mu.Unlock()
		}
		close(e.done)
		return
	}
}

func (t *idempotency) expireLocked(now time.Time) {
	for el := t.lru.Front(); el != nil; el = t.lru.Front() {
		if now.Sub(el.Value.(*idemEntry).at) < t.ttl {
			return
		}
		t.removeLocked(el)
	}
}

func (t *idempotency) removeLocked(el *list.Element) {
	e := t.lru.Remove(el).(*idemEntry)
	t.bytes -= e.size
	if cur, ok := t.keys[e.key]; ok && cur == el {
		delete(t.keys, e.key)
	}
}
