package actors

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parinayaos/engine/storage"
)

// Guest-token keys. A guest token (httpapi's guest links) is signed with a
// key the engine keeps among its secrets, named by a key id (kid) that the
// token carries, so that keys can rotate: new tokens are signed with the
// current kid, and tokens of the previous kids still verify until their
// kid is retired (its tokens then stop verifying at once).
//
//	secret "guest/<kid>" → 32 random bytes
//	"\x00guest-keys"     → guestKeyList (JSON, after a version byte)
//
// The operator rotates (RotateGuestKey: a new current kid) and retires
// (RetireGuestKey) kids; the list and the keys change together in one
// synced batch (storage.SetGuestKeyList). A data directory from before the
// list was kept has the one kid "g1", whose key is made on first use as it
// always was, so the links it handed out keep working. Only the listed
// kids ever reach storage: a token naming any other kid is refused before
// a secret is read.
//
// Concurrency: every guest page reads the list (GuestKey), so the list is
// an immutable guestKeyring behind an atomic pointer, keys included: the
// read path takes no lock and touches no storage once loaded. Changes are
// serialised by guestKeys.mu and publish a new ring.
//
// NB: persisted (the kids are in guests' links); a kid is never reused:
// the list keeps the number of the next one (g1, g2, ...).

// Errors of the guest-key operations.
var (
	// ErrGuestKeyNotFound: RetireGuestKey was given a kid that is not
	// listed (never made, or retired already).
	ErrGuestKeyNotFound = errors.New("actors: no such guest key")
	// ErrGuestKeyCurrent: RetireGuestKey was given the current kid, which
	// signs new links: rotate first.
	ErrGuestKeyCurrent = errors.New("actors: the current guest key cannot be retired")
)

// legacyGuestKID is the one kid of a data directory without a list.
//
// NB: persisted; must not change.
const legacyGuestKID = "g1"

// guestKeyListV1 is the version byte of the stored list.
//
// NB: persisted; must not change.
const guestKeyListV1 = 1

// guestKeyList is the stored list: the kids, current first, and the number
// of the next kid.
type guestKeyList struct {
	Next int          `json:"next"`
	Kids []guestKeyID `json:"kids"`
}

type guestKeyID struct {
	KID string `json:"kid"`
	// CreatedAt is zero for the legacy kid (made before the list was).
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// guestKeyring is one immutable state of the guest-token keys.
type guestKeyring struct {
	list guestKeyList
	keys [][]byte // keys[i] is the key of list.Kids[i]
}

func (r *guestKeyring) key(kid string) ([]byte, bool) {
	for i := range r.list.Kids {
		if r.list.Kids[i].KID == kid {
			return r.keys[i], true
		}
	}
	return nil, false
}

// guestKeys is the engine's guest-key state: an Engine field.
type guestKeys struct {
	ring atomic.Pointer[guestKeyring]
	mu   sync.Mutex // loads and changes the ring
	// failed is the last failed load and when it was (under mu): a
	// guest page is public, so while the keys cannot be read, every page
	// must not cost a read of storage and a log line.
	failed   error
	failedAt time.Time
}

// guestKeyRetry is how long a failed load of the guest keys is answered
// from memory before storage is read again.
const guestKeyRetry = 5 * time.Second

// GuestKeyInfo describes one accepted guest-token key id, never its key.
type GuestKeyInfo struct {
	KID     string
	Current bool
	// CreatedAt is when the kid was made by a rotation; zero for the
	// first kid of a data directory from before rotation.
	CreatedAt time.Time
}

// guestRing returns the loaded ring, loading it on first use.
func (e *Engine) guestRing() (*guestKeyring, error) {
	if r := e.guestKeys.ring.Load(); r != nil {
		return r, nil
	}
	g := &e.guestKeys
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed != nil && time.Since(g.failedAt) < guestKeyRetry {
		return nil, g.failed
	}
	r, err := e.guestRingLocked()
	if err != nil {
		g.failed, g.failedAt = err, time.Now()
		e.log.Warn().Err(err).Msg("guest links: no keys; guest tokens cannot be signed or verified")
		return nil, err
	}
	g.failed = nil
	return r, nil
}

func (e *Engine) guestRingLocked() (*guestKeyring, error) {
	if r := e.guestKeys.ring.Load(); r != nil {
		return r, nil
	}
	raw, err := e.db.GuestKeyList()
	if err != nil {
		return nil, err
	}
	list := guestKeyList{Next: 2, Kids: []guestKeyID{{KID: legacyGuestKID}}}
	if raw != nil {
		if list, err = decodeGuestKeyList(raw); err != nil {
			return nil, err
		}
	}
	r := &guestKeyring{list: list, keys: make([][]byte, len(list.Kids))}
	for i, k := range list.Kids {
		if raw == nil {
			// No list yet: the legacy kid, whose key is made on first use.
			if r.keys[i], err = e.db.Secret("guest/" + k.KID); err != nil {
				return nil, err
			}
			continue
		}
		// A listed kid's key was stored with the list: one missing is
		// never made anew, which would end its links without a word.
		key, ok, err := e.db.SecretIfMade("guest/" + k.KID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("actors: guest key %s is listed but not stored: %w", k.KID, storage.ErrCorrupt)
		}
		r.keys[i] = key
	}
	e.guestKeys.ring.Store(r)
	return r, nil
}

func decodeGuestKeyList(raw []byte) (guestKeyList, error) {
	var l guestKeyList
	if len(raw) < 1 || raw[0] != guestKeyListV1 {
		return l, fmt.Errorf("actors: guest key list of unknown version")
	}
	if err := json.Unmarshal(raw[1:], &l); err != nil {
		return l, fmt.Errorf("actors: guest key list: %w", err)
	}
	if len(l.Kids) == 0 || l.Next < 2 {
		return l, fmt.Errorf("actors: guest key list without kids")
	}
	return l, nil
}

func encodeGuestKeyList(l guestKeyList) []byte {
	b, _ := json.Marshal(l) // plain strings, ints and times: cannot fail
	return append([]byte{guestKeyListV1}, b...)
}

// CurrentGuestKID is the key id new guest tokens are signed with; "" when
// the keys cannot be read (then no guest token signs).
func (e *Engine) CurrentGuestKID() string {
	r, err := e.guestRing()
	if err != nil {
		return ""
	}
	return r.list.Kids[0].KID
}

// GuestKey returns the key of a guest-token key id: the current kid or a
// previous one still accepted. It reports false for any other kid, and
// when the keys cannot be read or made (a read-only database): then no
// guest token signs or verifies. Callers must not modify the key.
func (e *Engine) GuestKey(kid string) ([]byte, bool) {
	r, err := e.guestRing()
	if err != nil {
		return nil, false
	}
	return r.key(kid)
}

// GuestKeys lists the accepted guest-token key ids, current first.
func (e *Engine) GuestKeys() ([]GuestKeyInfo, error) {
	r, err := e.guestRing()
	if err != nil {
		return nil, err
	}
	out := make([]GuestKeyInfo, len(r.list.Kids))
	for i, k := range r.list.Kids {
		out[i] = GuestKeyInfo{KID: k.KID, Current: i == 0, CreatedAt: k.CreatedAt}
	}
	return out, nil
}

// RotateGuestKey makes a new guest-token key, durably, and makes it the
// current one: new links are signed with it, and the links of the previous
// kids keep verifying until those are retired. It returns the new kid.
func (e *Engine) RotateGuestKey(now time.Time) (GuestKeyInfo, error) {
	e.guestKeys.mu.Lock()
	defer e.guestKeys.mu.Unlock()
	r, err := e.guestRingLocked()
	if err != nil {
		return GuestKeyInfo{}, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return GuestKeyInfo{}, err
	}
	id := guestKeyID{KID: "g" + strconv.Itoa(r.list.Next), CreatedAt: now.UTC().Truncate(time.Second)}
	next := &guestKeyring{list: guestKeyList{Next: r.list.Next + 1, Kids: append([]guestKeyID{id}, r.list.Kids...)},
		keys: append([][]byte{key}, r.keys...)}
	if err := e.db.SetGuestKeyList(encodeGuestKeyList(next.list), map[string][]byte{"guest/" + id.KID: key}, nil); err != nil {
		return GuestKeyInfo{}, err
	}
	e.guestKeys.ring.Store(next)
	e.log.Info().Str("kid", id.KID).Msg("guest links: key rotated")
	return GuestKeyInfo{KID: id.KID, Current: true, CreatedAt: id.CreatedAt}, nil
}

// RetireGuestKey retires a previous guest-token key id, durably: its
// links stop verifying at once and its key is deleted. Returns
// ErrGuestKeyCurrent for the current kid and ErrGuestKeyNotFound for one
// not listed.
func (e *Engine) RetireGuestKey(kid string) error {
	e.guestKeys.mu.Lock()
	defer e.guestKeys.mu.Unlock()
	r, err := e.guestRingLocked()
	if err != nil {
		return err
	}
	i := -1
	for j := range r.list.Kids {
		if r.list.Kids[j].KID == kid {
			i = j
		}
	}
	switch {
	case i < 0:
		return ErrGuestKeyNotFound
	case i == 0:
		return ErrGuestKeyCurrent
	}
	next := &guestKeyring{list: guestKeyList{Next: r.list.Next,
		Kids: append(r.list.Kids[:i:i], r.list.Kids[i+1:]...)},
		keys: append(r.keys[:i:i], r.keys[i+1:]...)}
	if err := e.db.SetGuestKeyList(encodeGuestKeyList(next.list), nil, []string{"guest/" + kid}); err != nil {
		return err
	}
	e.guestKeys.ring.Store(next)
	e.log.Info().Str("kid", kid).Msg("guest links: key retired")
	return nil
}
