package httpapi_test

import (
	"errors"
	"testing"
	"time"

	"github.com/parinayaos/engine/httpapi"
)

// keyItems is GET /v1/admin/guest-keys: kid → the item, and the kids in
// order.
func keyItems(t *testing.T, s *testServer) (map[string]map[string]any, []string) {
	t.Helper()
	a := s.must(200, "GET", "/v1/admin/guest-keys", s.root, nil)
	byKID := map[string]map[string]any{}
	var order []string
	for _, x := range a.items() {
		it := obj(x)
		for k := range it {
			if k != "kid" && k != "current" && k != "created_at" {
				t.Fatalf("a guest key item has %q: %s", k, a.raw)
			}
		}
		kid, _ := it["kid"].(string)
		byKID[kid] = it
		order = append(order, kid)
	}
	return byKID, order
}

// TestHTTP_GuestKeys: the operator lists, rotates and retires the keys
// that sign guests' links; a retired key's links stop working at once.
func TestHTTP_GuestKeys(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newAuthFixture(s, "keys")
	items, order := keyItems(t, s)
	if len(order) != 1 || order[0] != "g1" || items["g1"]["current"] != true || items["g1"]["created_at"] != nil {
		t.Fatalf("keys of a new engine: %v", items)
	}
	linkOf := func() string {
		t.Helper()
		return tokenOf(s.must(201, "POST", "/v1/weddings/"+f.ids.w+"/units/"+f.brideUnit+"/link", f.owner, nil).str("url"))
	}
	kidOf := func(tok string) (string, bool) {
		t.Helper()
		got, err := s.srv.GuestLink(t.Context(), "keys", tok, time.Now())
		if err != nil && !errors.Is(err, httpapi.ErrGuestToken) {
			t.Fatal(err)
		}
		return got.KID, err == nil
	}
	first := linkOf()
	before := time.Now().Add(-time.Second)
	k := s.must(200, "POST", "/v1/admin/guest-keys/rotate", s.root, nil)
	at, err := time.Parse(time.RFC3339, k.str("created_at"))
	if k.str("kid") != "g2" || k.body["current"] != true || err != nil || at.Before(before) || at.After(time.Now()) {
		t.Fatalf("rotate: %s", k.raw)
	}
	items, order = keyItems(t, s)
	if len(order) != 2 || order[0] != "g2" || order[1] != "g1" || items["g2"]["current"] != true || items["g1"]["current"] != false {
		t.Fatalf("keys after a rotation: %v", order)
	}
	second := linkOf()
	if kid, ok := kidOf(first); !ok || kid != "g1" {
		t.Fatalf("the first link after a rotation: %q %t", kid, ok)
	}
	if kid, ok := kidOf(second); !ok || kid != "g2" {
		t.Fatalf("a link after a rotation: %q %t", kid, ok)
	}

	e := wantError(t, s.call("DELETE", "/v1/admin/guest-keys/g2", s.root, nil), 409, "guest_key_current")
	if e["field"] != "kid" {
		t.Errorf("field %v", e["field"])
	}
	wantError(t, s.call("DELETE", "/v1/admin/guest-keys/g9", s.root, nil), 404, "not_found")
	wantError(t, s.call("DELETE", "/v1/admin/guest-keys/rotate", s.root, nil), 404, "not_found")
	wantError(t, s.call("DELETE", "/v1/admin/guest-keys/g1", f.owner, nil), 403, "forbidden")
	s.must(204, "DELETE", "/v1/admin/guest-keys/g1", s.root, nil)
	if _, ok := kidOf(first); ok {
		t.Fatal("a link of a retired key still works")
	}
	if _, ok := kidOf(second); !ok {
		t.Fatal("a link of the current key stopped working")
	}
	wantError(t, s.call("DELETE", "/v1/admin/guest-keys/g1", s.root, nil), 404, "not_found")
	if k := s.must(200, "POST", "/v1/admin/guest-keys/rotate", s.root, nil); k.str("kid") != "g3" {
		t.Fatalf("the rotation after a retirement: %s (kids are never reused)", k.raw)
	}
	if _, order = keyItems(t, s); len(order) != 2 || order[0] != "g3" || order[1] != "g2" {
		t.Fatalf("keys: %v", order)
	}
}

// TestHTTP_GuestKeysSurviveRestart: the key list and the keys are the
// data directory's: a restarted engine verifies the links it made.
func TestHTTP_GuestKeysSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	s := newTestServerWith(t, httpapi.Config{}, serverOptions{dir: dir})
	w, owner := s.newWedding("keys-restart")
	u := s.unit(w, owner, unitBody("Sharma", "bride", nil, phone(1)))
	old := tokenOf(s.must(201, "POST", "/v1/weddings/"+w+"/units/"+u+"/link", owner, nil).str("url"))
	s.must(200, "POST", "/v1/admin/guest-keys/rotate", s.root, nil)
	s.must(200, "POST", "/v1/admin/guest-keys/rotate", s.root, nil)
	s.must(204, "DELETE", "/v1/admin/guest-keys/g2", s.root, nil)
	fresh := tokenOf(s.must(201, "POST", "/v1/weddings/"+w+"/units/"+u+"/link", owner, nil).str("url"))
	root := s.root
	s.stop()

	s = newTestServerWith(t, httpapi.Config{}, serverOptions{dir: dir, root: root})
	if _, order := keyItems(t, s); len(order) != 2 || order[0] != "g3" || order[1] != "g1" {
		t.Fatalf("keys after a restart: %v", order)
	}
	for _, tok := range []string{old, fresh} {
		if _, err := s.srv.GuestLink(t.Context(), "keys-restart", tok, time.Now()); err != nil {
			t.Fatalf("a link after a restart: %v", err)
		}
	}
	if k := s.must(200, "POST", "/v1/admin/guest-keys/rotate", s.root, nil); k.str("kid") != "g4" {
		t.Fatalf("rotation after a restart: %s", k.raw)
	}
}
