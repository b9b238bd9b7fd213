package storage

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// Secrets the engine keeps for itself (never shown, never exported):
//
//	"\x00secret/" name → 32 random bytes, made on first use
//
// The payload key signs the ids the engine puts on WhatsApp buttons, so
// that a reply naming a wedding and a message it was not sent cannot
// answer for a guest.
//
// NB: persisted key prefix; must not change.
const secretPrefix = "\x00secret/"

var secretMu sync.Mutex

// Secret returns the engine's secret of that name, making it (durably) on
// first use.
func (d *DB) Secret(name string) ([]byte, error) {
	secretMu.Lock()
	defer secretMu.Unlock()
	key := []byte(secretPrefix + name)
	v, closer, err := d.pdb.Get(key)
	if err == nil {
		defer closer.Close()
		if len(v) != 32 {
			return nil, fmt.Errorf("%w: secret %s of %d bytes", ErrCorrupt, name, len(v))
		}
		return append([]byte(nil), v...), nil
	}
	if !errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("storage: secret %s: %w", name, err)
	}
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, err
	}
	if err := d.pdb.Set(key, s, pebble.Sync); err != nil {
		return nil, fmt.Errorf("storage: secret %s: %w", name, err)
	}
	return s, nil
}

// SecretIfMade returns the engine's secret of that name if it was made,
// without making it: ok false when there is none.
func (d *DB) SecretIfMade(name string) (secret []byte, ok bool, err error) {
	v, closer, err := d.pdb.Get([]byte(secretPrefix + name))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: secret %s: %w", name, err)
	}
	defer closer.Close()
	if len(v) != 32 {
		return nil, false, fmt.Errorf("%w: secret %s of %d bytes", ErrCorrupt, name, len(v))
	}
	return append([]byte(nil), v...), true, nil
}
