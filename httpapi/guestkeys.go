package httpapi

import (
	"errors"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// The operator's guest-token keys (root token): list the key ids that
// verify guests' links, rotate to a new current one, retire an old one.
// The keys themselves are never shown.

// GuestKeyAdmin manages the guest-token keys; *actors.Engine implements
// it.
type GuestKeyAdmin interface {
	// GuestKeys lists the accepted key ids, current first.
	GuestKeys() ([]actors.GuestKeyInfo, error)
	// RotateGuestKey makes a new current key id, durably.
	RotateGuestKey(now time.Time) (actors.GuestKeyInfo, error)
	// RetireGuestKey retires a previous key id, durably. Returns
	// actors.ErrGuestKeyCurrent and actors.ErrGuestKeyNotFound.
	RetireGuestKey(kid string) error
}

type guestKeyJSON struct {
	KID       string    `json:"kid"`
	Current   bool      `json:"current"`
	CreatedAt *jsonTime `json:"created_at,omitempty"`
}

func toGuestKey(k actors.GuestKeyInfo) guestKeyJSON {
	out := guestKeyJSON{KID: k.KID, Current: k.Current}
	if !k.CreatedAt.IsZero() {
		at := jsonTime(domain.At(k.CreatedAt))
		out.CreatedAt = &at
	}
	return out
}

func (s *Server) guestKeyAdmin() (GuestKeyAdmin, error) {
	a, ok := s.eng.(GuestKeyAdmin)
	if !ok {
		return nil, errorf(fasthttp.StatusServiceUnavailable, "not_ready", "", "this engine has no guest-token keys")
	}
	return a, nil
}

// listGuestKeys answers the accepted key ids, current first.
func (s *Server) listGuestKeys(r *request) error {
	a, err := s.guestKeyAdmin()
	if err != nil {
		return err
	}
	ks, err := a.GuestKeys()
	if err != nil {
		return err
	}
	items := make([]guestKeyJSON, len(ks))
	for i, k := range ks {
		items[i] = toGuestKey(k)
	}
	writeJSON(r.rc, fasthttp.StatusOK, page[guestKeyJSON]{Items: items})
	return nil
}

// rotateGuestKey makes a new current key id and answers it: new links are
// signed with it, earlier links keep verifying under their own kid until
// it is retired.
func (s *Server) rotateGuestKey(r *request) error {
	a, err := s.guestKeyAdmin()
	if err != nil {
		return err
	}
	k, err := a.RotateGuestKey(time.Now())
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toGuestKey(k))
	return nil
}

// retireGuestKey retires a previous key id: every link signed under it
// stops working at once. 204; 409 guest_key_current for the current one,
// 404 for a kid not listed.
func (s *Server) retireGuestKey(r *request) error {
	a, err := s.guestKeyAdmin()
	if err != nil {
		return err
	}
	kid := r.param("kid")
	switch err := a.RetireGuestKey(kid); {
	case errors.Is(err, actors.ErrGuestKeyCurrent):
		return errorf(fasthttp.StatusConflict, "guest_key_current", "kid",
			"%s is the current guest key, which signs new links: rotate first (POST /v1/admin/guest-keys/rotate), then retire it", kid)
	case errors.Is(err, actors.ErrGuestKeyNotFound):
		return errorf(fasthttp.StatusNotFound, "not_found", "kid", "no guest key %q (never made, or retired already)", kid)
	case err != nil:
		return err
	}
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}
