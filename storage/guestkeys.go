package storage

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// The guest-token key list: which key ids (kids) sign and verify the
// guests' links, kept beside the secrets that are their keys:
//
//	"\x00guest-keys" → the list, as its owner (actors) encodes it
//
// The list and the secrets it names change together, in one synced batch
// (SetGuestKeyList): a key is never listed without its secret, and a
// retired kid's secret goes with it.
//
// NB: persisted key; must not change.
const guestKeysKey = "\x00guest-keys"

// GuestKeyList returns the stored guest-key list, or nil when none was
// ever stored (a data directory from before the list was kept).
func (d *DB) GuestKeyList() ([]byte, error) {
	v, closer, err := d.pdb.Get([]byte(guestKeysKey))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: guest key list: %w", err)
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

// SetGuestKeyList stores the guest-key list and, in the same synced
// batch, sets the secrets in add (name → 32 bytes) and deletes the
// secrets named in drop (see Secret).
func (d *DB) SetGuestKeyList(list []byte, add map[string][]byte, drop []string) error {
	secretMu.Lock()
	defer secretMu.Unlock()
	b := d.pdb.NewBatch()
	defer b.Close()
	for name, s := range add {
		if len(s) != 32 {
			return fmt.Errorf("storage: secret %s of %d bytes", name, len(s))
		}
		if err := b.Set([]byte(secretPrefix+name), s, nil); err != nil {
			return err
		}
	}
	for _, name := range drop {
		if err := b.Delete([]byte(secretPrefix+name), nil); err != nil {
			return err
		}
	}
	if err := b.Set([]byte(guestKeysKey), list, nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("storage: guest key list: %w", err)
	}
	return nil
}
