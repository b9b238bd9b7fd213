package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/parinayaos/engine/domain"
)

// Guest tokens name one guest link: one unit of one wedding, until an
// expiry. A guest's page address carries one (/w/{slug}/g/{token}). The
// token is base64url (no padding) of
//
//	+---------+-----+------+-----+---------+-----+------+-----+------+--------------+---------+
//	| version | len | kid  | len | wedding | len | unit | len | link | expiry       | MAC     |
//	| 1 byte  |  1  | ...  |  1  | ...     |  1  | ...  |  1  | ...  | 8, unix s BE | 16      |
//	+---------+-----+------+-----+---------+-----+------+-----+------+--------------+---------+
//
// where MAC is HMAC-SHA256, under the key of kid, of guestTokenContext
// and every byte before it, truncated to 128 bits. Each id is 1 to
// maxGuestTokenID bytes.
//
// NB: persisted (in links guests hold); must not change. A new layout
// takes a new version byte.
const (
	guestTokenV1      byte = 1
	guestTokenMACLen       = 16
	maxGuestTokenID        = 64
	guestTokenContext      = "parinaya guest token\x00"
	// maxGuestTokenLen bounds a token's text: a longer one is refused
	// before it is decoded.
	maxGuestTokenLen = (1 + 4*(1+maxGuestTokenID) + 8 + guestTokenMACLen) * 4 / 3
)

// ErrGuestToken is the answer to any guest token that does not stand: not
// a token, a bad MAC, an unknown or retired key id, expired, or its link
// revoked or its unit gone. Callers show the same page for every reason.
var ErrGuestToken = errors.New("httpapi: invalid guest token")

// GuestKeys holds the keys that sign guest tokens; *actors.Engine
// implements it.
type GuestKeys interface {
	// CurrentGuestKID is the key id new tokens are signed with.
	CurrentGuestKID() string
	// GuestKey is the key of a kid still accepted (the current one or a
	// previous one), false for any other.
	GuestKey(kid string) ([]byte, bool)
}

// GuestToken is what a guest token says.
type GuestToken struct {
	KID       string
	WeddingID string
	UnitID    string
	LinkID    string
	// Expires is the link's expiry, to the second.
	Expires time.Time
}

// SignGuestToken makes the token for t, signed with the current key.
func SignGuestToken(keys GuestKeys, t GuestToken) (string, error) {
	kid := keys.CurrentGuestKID()
	key, ok := keys.GuestKey(kid)
	if !ok {
		return "", errors.New("httpapi: no guest token key")
	}
	b := make([]byte, 0, 1+4*(1+maxGuestTokenID)+8+guestTokenMACLen)
	b = append(b, guestTokenV1)
	for _, id := range []string{kid, t.WeddingID, t.UnitID, t.LinkID} {
		if len(id) == 0 || len(id) > maxGuestTokenID {
			return "", errors.New("httpapi: guest token id of bad length")
		}
		b = append(b, byte(len(id)))
		b = append(b, id...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(t.Expires.Unix()))
	b = append(b, guestMAC(key, b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func guestMAC(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(guestTokenContext))
	m.Write(msg)
	return m.Sum(nil)[:guestTokenMACLen]
}

// ParseGuestToken checks a token's form, its MAC (in constant time) and
// its expiry at now, and returns what it says. It does not check the
// link: see Server.GuestLink. Returns ErrGuestToken.
func ParseGuestToken(keys GuestKeys, token string, now time.Time) (GuestToken, error) {
	if len(token) > maxGuestTokenLen {
		return GuestToken{}, ErrGuestToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token) // one token, one string
	if err != nil || len(b) < 1+4*2+8+guestTokenMACLen || b[0] != guestTokenV1 {
		return GuestToken{}, ErrGuestToken
	}
	body, mac := b[:len(b)-guestTokenMACLen], b[len(b)-guestTokenMACLen:]
	var ids [4]string
	rest := body[1:]
	for i := range ids {
		if len(rest) < 1 {
			return GuestToken{}, ErrGuestToken
		}
		n := int(rest[0])
		if n == 0 || n > maxGuestTokenID || len(rest) < 1+n {
			return GuestToken{}, ErrGuestToken
		}
		ids[i], rest = string(rest[1:1+n]), rest[1+n:]
	}
	if len(rest) != 8 {
		return GuestToken{}, ErrGuestToken
	}
	key, ok := keys.GuestKey(ids[0])
	if !ok || !hmac.Equal(guestMAC(key, body), mac) {
		return GuestToken{}, ErrGuestToken
	}
	exp := int64(binary.BigEndian.Uint64(rest))
	if exp <= now.Unix() {
		return GuestToken{}, ErrGuestToken
	}
	return GuestToken{KID: ids[0], WeddingID: ids[1], UnitID: ids[2], LinkID: ids[3], Expires: time.Unix(exp, 0).UTC()}, nil
}

// GuestLink checks a guest page's slug and token at now: the token stands
// (ParseGuestToken), names the wedding the slug names, and its link is
// kept in that wedding (not revoked, not expired, its unit there). It
// returns the token's claims; a page then reads the unit as root
// (domain.GetUnit{ID: t.UnitID}) and the rest from the wedding's view.
// Returns ErrGuestToken for every way a token fails, or the engine's
// error when the wedding cannot be reached.
func (s *Server) GuestLink(ctx context.Context, slug, token string, now time.Time) (GuestToken, error) {
	t, _, err := s.guestLink(func() context.Context { return ctx }, slug, token, now)
	return t, err
}

// guestLink is GuestLink, with the view the link was found in. The link
// is checked in the wedding's published view, without asking its actor.
func (s *Server) guestLink(ctx func() context.Context, slug, token string, now time.Time) (GuestToken, *domain.View, error) {
	keys, ok := s.eng.(GuestKeys)
	if !ok {
		return GuestToken{}, nil, ErrGuestToken
	}
	t, err := ParseGuestToken(keys, token, now)
	if err != nil {
		return GuestToken{}, nil, err
	}
	v, err := s.viewWith(t.WeddingID, ctx)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return GuestToken{}, nil, ErrGuestToken
	case err != nil:
		return GuestToken{}, nil, err
	}
	// The slug must be the wedding's own (slugs are unique): read from
	// the view, not the slug index, so a page costs no storage read.
	pg := v.Pages()
	if pg.Info().Slug != slug {
		return GuestToken{}, nil, ErrGuestToken
	}
	if _, ok := pg.Link(t.LinkID, t.UnitID, domain.At(now)); !ok {
		return GuestToken{}, nil, ErrGuestToken
	}
	return t, v, nil
}
