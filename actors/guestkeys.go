package actors

import "slices"

// Guest-token keys. A guest token (httpapi's guest links) is signed with a
// key the engine keeps among its secrets, named by a key id (kid) that the
// token carries, so that keys can rotate: new tokens are signed with the
// current kid, and tokens of the previous kids still verify until their
// kid is retired.
//
//	secret "guest/<kid>" → 32 random bytes, made on first use
//
// Rotation is a release for now (TODO(issue 14): an operator route):
// put the new kid first in guestKIDs and keep the previous ones after it;
// remove a kid to retire it (its tokens stop verifying at once). Only the
// kids listed here ever reach storage: a token naming any other kid is
// refused before a secret is read or made.
//
// NB: persisted (the kids are in guests' links); never reuse a kid.
var guestKIDs = []string{"g1"}

// CurrentGuestKID is the key id new guest tokens are signed with.
func (e *Engine) CurrentGuestKID() string { return guestKIDs[0] }

// GuestKey returns the key of a guest-token key id: the current kid or a
// previous one still accepted. It reports false for any other kid, and
// when the key cannot be read or made (a read-only database): then no
// guest token signs or verifies.
func (e *Engine) GuestKey(kid string) ([]byte, bool) {
	if !slices.Contains(guestKIDs, kid) {
		return nil, false
	}
	k, err := e.db.Secret("guest/" + kid)
	if err != nil {
		e.log.Warn().Err(err).Str("kid", kid).Msg("guest links: no key; guest tokens cannot be signed or verified")
		return nil, false
	}
	return k, true
}
