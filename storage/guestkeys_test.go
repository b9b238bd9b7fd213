package storage_test

import (
	"bytes"
	"testing"
)

// TestGuestKeyList: the list and the secrets it names are stored together
// and survive a reopen; a dropped secret is gone (made anew on a later
// Secret call, never the old bytes).
func TestGuestKeyList(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	if l, err := db.GuestKeyList(); err != nil || l != nil {
		t.Fatalf("a new database's list: %q, %v", l, err)
	}
	g1, err := db.Secret("guest/g1")
	if err != nil {
		t.Fatal(err)
	}
	g2 := bytes.Repeat([]byte{7}, 32)
	if err := db.SetGuestKeyList([]byte("v1"), map[string][]byte{"guest/g2": g2}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SetGuestKeyList([]byte("bad"), map[string][]byte{"guest/g3": {1, 2}}, nil); err == nil {
		t.Fatal("a secret of 2 bytes was stored")
	}
	mustClose(t, db)
	db = openAt(t, dir, nil)
	if l, err := db.GuestKeyList(); err != nil || string(l) != "v1" {
		t.Fatalf("list after a reopen: %q, %v", l, err)
	}
	if k, err := db.Secret("guest/g2"); err != nil || !bytes.Equal(k, g2) {
		t.Fatalf("g2 after a reopen: %x, %v", k, err)
	}
	if err := db.SetGuestKeyList([]byte("v2"), nil, []string{"guest/g1"}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, db)
	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	if l, _ := db.GuestKeyList(); string(l) != "v2" {
		t.Fatalf("list: %q", l)
	}
	if k, err := db.Secret("guest/g1"); err != nil || bytes.Equal(k, g1) {
		t.Fatalf("a dropped secret came back: %v", err)
	}
}
