package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
)

// A data directory open to other users (made by hand with 0755) is closed
// to them before the engine writes guests' phone numbers into it; a new one
// is made 0700.
func TestSecureDataDir(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "new", "data")
	for _, dir := range []string{open, fresh} {
		if err := secureDataDir(dir, zerolog.Nop()); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := st.Mode().Perm(); perm != 0o700 {
			t.Errorf("%s: mode %#o, want 0700", dir, perm)
		}
	}
}
