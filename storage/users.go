package storage

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Business-scoped user ids (WHATSAPP.md §3.2): since 2026 Meta may name a
// sender by a BSUID alone, with "from" empty. Whenever a message names
// both, the engine remembers which phone the BSUID stands for, so that a
// later BSUID-only reply still finds its guest.
//
//	'u' user id → phone (E.164)
//
// NB: persisted key prefix; must not change.
const prefixUser = 'u'

// maxUserIDLen bounds the ids kept (Meta's are short; a body is not).
const maxUserIDLen = 256

// RememberUser records that userID stands for phone. It need not be
// synced: a lost record is learnt again from the guest's next message.
func (d *DB) RememberUser(userID, phone string) error {
	if userID == "" || phone == "" || len(userID) > maxUserIDLen || len(phone) > maxUserIDLen {
		return nil
	}
	if err := d.Err(); err != nil {
		return err
	}
	return d.pdb.Set(append([]byte{prefixUser}, userID...), []byte(phone), pebble.NoSync)
}

// UserPhone is the phone a business-scoped user id stands for, or
// ErrNotFound.
func (d *DB) UserPhone(userID string) (string, error) {
	if userID == "" || len(userID) > maxUserIDLen {
		return "", ErrNotFound
	}
	v, closer, err := d.pdb.Get(append([]byte{prefixUser}, userID...))
	if errors.Is(err, pebble.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("storage: user index: %w", err)
	}
	defer closer.Close()
	return string(v), nil
}
