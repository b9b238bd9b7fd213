package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parinayaos/engine/storage"
)

func TestUsers_RememberAndFind(t *testing.T) {
	db := openDB(t)
	if _, err := db.UserPhone("US.123"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown user: %v, want ErrNotFound", err)
	}
	if err := db.RememberUser("US.123", "+919812345678"); err != nil {
		t.Fatal(err)
	}
	if err := db.RememberUser("US.123", "+919800000001"); err != nil { // a new number
		t.Fatal(err)
	}
	got, err := db.UserPhone("US.123")
	if err != nil || got != "+919800000001" {
		t.Fatalf("UserPhone = %q, %v; want the newest phone", got, err)
	}
	long := strings.Repeat("x", 300)
	if err := db.RememberUser(long, "+919812345678"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UserPhone(long); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("an over-long id was kept: %v", err)
	}
}
