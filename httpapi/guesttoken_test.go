package httpapi_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/httpapi"
)

// keyring is a GuestKeys with keys held in memory: the current kid first,
// then the previous ones still accepted.
type keyring struct {
	kids []string
	keys map[string][]byte
}

func newKeyring(kids ...string) *keyring {
	k := &keyring{kids: kids, keys: map[string][]byte{}}
	for _, kid := range kids {
		k.keys[kid] = []byte(strings.Repeat(kid, 32)[:32]) // one key per kid
	}
	return k
}

func (k *keyring) CurrentGuestKID() string { return k.kids[0] }

func (k *keyring) GuestKey(kid string) ([]byte, bool) {
	for _, id := range k.kids {
		if id == kid {
			return k.keys[kid], true
		}
	}
	return nil, false
}

func TestGuestToken_RoundTrip(t *testing.T) {
	keys := newKeyring("g2", "g1")
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	want := httpapi.GuestToken{KID: "g2", WeddingID: "w01JABCDEF", UnitID: "u5", LinkID: "glz", Expires: now.Add(24 * time.Hour)}
	tok, err := httpapi.SignGuestToken(keys, want)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(tok, "+/=") {
		t.Fatalf("token %q is not unpadded base64url", tok)
	}
	got, err := httpapi.ParseGuestToken(keys, tok, now)
	if err != nil || got != want {
		t.Fatalf("ParseGuestToken = %+v, %v; want %+v", got, err, want)
	}
}

func TestGuestToken_Refused(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	old := newKeyring("g1")
	rotated := newKeyring("g2", "g1") // g1 still verifies
	retired := newKeyring("g2")       // g1 retired
	claims := httpapi.GuestToken{WeddingID: "w1", UnitID: "u5", LinkID: "gl7", Expires: now.Add(time.Hour)}
	tok, err := httpapi.SignGuestToken(old, claims)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := httpapi.ParseGuestToken(rotated, tok, now); err != nil {
		t.Fatalf("a token of the previous kid after rotation: %v", err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	// Another unit's token, made by hand with the right layout but the
	// MAC of the original: a forgery.
	swapped := strings.Replace(string(raw), "\x02u5", "\x02u6", 1)
	otherKey := newKeyring("g1")
	otherKey.keys["g1"] = []byte(strings.Repeat("z", 32))
	forged, _ := httpapi.SignGuestToken(otherKey, claims)
	// The same bytes spelt another way (the last character's unused
	// bits set): one token, one string, or a cached page would carry
	// whichever spelling came first.
	respelt := ""
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		s := tok[:len(tok)-1] + string(c)
		if b, err := base64.RawURLEncoding.DecodeString(s); s != tok && err == nil && string(b) == string(raw) {
			respelt = s
		}
	}
	if respelt == "" && len(raw)%3 != 0 {
		t.Fatal("no other spelling of the token found")
	}
	tests := []struct {
		name  string
		keys  httpapi.GuestKeys
		token string
		now   time.Time
	}{
		{"expired", old, tok, now.Add(time.Hour)},
		{"respelt", old, respelt, now},
		{"long expired", old, tok, now.Add(400 * 24 * time.Hour)},
		{"retired kid", retired, tok, now},
		{"signed with another key", old, forged, now},
		{"unit swapped", old, base64.RawURLEncoding.EncodeToString([]byte(swapped)), now},
		{"version flipped", old, flip(0), now},
		{"wedding byte flipped", old, flip(6), now},
		{"expiry flipped", old, flip(len(raw) - 17), now},
		{"mac flipped", old, flip(len(raw) - 1), now},
		{"truncated", old, tok[:len(tok)-2], now},
		{"extended", old, tok + "AA", now},
		{"not base64", old, tok[:10] + "!" + tok[11:], now},
		{"padded", old, tok + "=", now},
		{"empty", old, "", now},
		{"huge", old, strings.Repeat("A", 4096), now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := httpapi.ParseGuestToken(tt.keys, tt.token, tt.now); !errors.Is(err, httpapi.ErrGuestToken) {
				t.Fatalf("ParseGuestToken = %+v, %v; want ErrGuestToken", got, err)
			}
		})
	}
	for _, bad := range []httpapi.GuestToken{
		{WeddingID: "", UnitID: "u", LinkID: "l"},
		{WeddingID: strings.Repeat("w", 65), UnitID: "u", LinkID: "l"},
	} {
		if _, err := httpapi.SignGuestToken(old, bad); err == nil {
			t.Errorf("SignGuestToken(%+v) made a token", bad)
		}
	}
}

// FuzzParseGuestToken: any text is refused or parsed without a panic,
// and only a token signed with the key parses.
func FuzzParseGuestToken(f *testing.F) {
	keys := newKeyring("g1")
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tok, _ := httpapi.SignGuestToken(keys, httpapi.GuestToken{WeddingID: "w1", UnitID: "u5", LinkID: "gl7", Expires: now.Add(time.Hour)})
	f.Add(tok)
	f.Add("")
	f.Add("AQJnMQJ3MQJ1NQNnbDc")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := httpapi.ParseGuestToken(keys, s, now)
		if err == nil && s != tok {
			t.Fatalf("%q parsed as %+v", s, got)
		}
	})
}
