package actors_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/storage"
)

// kids is the engine's guest key ids, current first.
func kids(t *testing.T, e *actors.Engine) []string {
	t.Helper()
	ks, err := e.GuestKeys()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, k := range ks {
		if k.Current != (i == 0) {
			t.Fatalf("keys %+v: only the first is current", ks)
		}
		out = append(out, k.KID)
	}
	return out
}

func sameKids(t *testing.T, e *actors.Engine, want ...string) {
	t.Helper()
	got := kids(t, e)
	if len(got) != len(want) {
		t.Fatalf("kids %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("kids %v, want %v", got, want)
		}
	}
	if e.CurrentGuestKID() != want[0] {
		t.Fatalf("current kid %q, want %q", e.CurrentGuestKID(), want[0])
	}
}

func closeEngine(t *testing.T, e *actors.Engine, db interface{ Close() error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestGuestKeys_RotateRetireRestart: a new data directory has g1; a
// rotation makes g2 current and keeps g1's key; the current kid cannot be
// retired; a retired kid's key is gone at once and after a restart; kids
// are never reused.
func TestGuestKeys_RotateRetireRestart(t *testing.T) {
	dir := t.TempDir()
	e, db := openUnmanaged(t, dir, actors.Config{})
	sameKids(t, e, "g1")
	g1, ok := e.GuestKey("g1")
	if !ok || len(g1) != 32 {
		t.Fatalf("g1 key %x, %t", g1, ok)
	}
	if _, ok := e.GuestKey("g2"); ok {
		t.Fatal("an unlisted kid has a key")
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	k, err := e.RotateGuestKey(now)
	if err != nil || k.KID != "g2" || !k.Current || !k.CreatedAt.Equal(now) {
		t.Fatalf("rotate = %+v, %v", k, err)
	}
	sameKids(t, e, "g2", "g1")
	g2, ok := e.GuestKey("g2")
	if !ok || bytes.Equal(g2, g1) {
		t.Fatal("g2 has no key of its own")
	}
	if k, ok := e.GuestKey("g1"); !ok || !bytes.Equal(k, g1) {
		t.Fatal("g1's key changed with the rotation")
	}
	if err := e.RetireGuestKey("g2"); !errors.Is(err, actors.ErrGuestKeyCurrent) {
		t.Fatalf("retire the current kid: %v", err)
	}
	if err := e.RetireGuestKey("g9"); !errors.Is(err, actors.ErrGuestKeyNotFound) {
		t.Fatalf("retire an unknown kid: %v", err)
	}
	// A restart keeps the list and the keys.
	closeEngine(t, e, db)
	e, db = openUnmanaged(t, dir, actors.Config{})
	sameKids(t, e, "g2", "g1")
	if k, ok := e.GuestKey("g1"); !ok || !bytes.Equal(k, g1) {
		t.Fatal("g1's key changed with a restart")
	}
	if k, ok := e.GuestKey("g2"); !ok || !bytes.Equal(k, g2) {
		t.Fatal("g2's key changed with a restart")
	}
	if err := e.RetireGuestKey("g1"); err != nil {
		t.Fatal(err)
	}
	sameKids(t, e, "g2")
	if _, ok := e.GuestKey("g1"); ok {
		t.Fatal("a retired kid still verifies")
	}
	if err := e.RetireGuestKey("g1"); !errors.Is(err, actors.ErrGuestKeyNotFound) {
		t.Fatalf("retire g1 twice: %v", err)
	}
	if k, err := e.RotateGuestKey(now.Add(time.Hour)); err != nil || k.KID != "g3" {
		t.Fatalf("rotate after a retire = %+v, %v; want g3 (never a reused kid)", k, err)
	}
	closeEngine(t, e, db)
	e, _ = openEngine(t, dir, actors.Config{})
	sameKids(t, e, "g3", "g2")
	if _, ok := e.GuestKey("g1"); ok {
		t.Fatal("a retired kid verifies after a restart")
	}
	ks, _ := e.GuestKeys()
	if !ks[0].CreatedAt.Equal(now.Add(time.Hour)) || !ks[1].CreatedAt.Equal(now) {
		t.Fatalf("created_at after a restart: %+v", ks)
	}
}

// TestGuestKeys_Legacy: a data directory from before the list, where g1's
// key was made on first use, keeps that key: its links keep working.
func TestGuestKeys_Legacy(t *testing.T) {
	dir := t.TempDir()
	e, db := openUnmanaged(t, dir, actors.Config{})
	old, err := db.Secret("guest/g1") // as the engine made it before the list
	if err != nil {
		t.Fatal(err)
	}
	closeEngine(t, e, db)
	e, _ = openEngine(t, dir, actors.Config{})
	sameKids(t, e, "g1")
	if k, ok := e.GuestKey("g1"); !ok || !bytes.Equal(k, old) {
		t.Fatal("the legacy kid's key changed")
	}
	if ks, _ := e.GuestKeys(); !ks[0].CreatedAt.IsZero() {
		t.Fatalf("the legacy kid has a created_at: %+v", ks)
	}
	if k, err := e.RotateGuestKey(time.Now()); err != nil || k.KID != "g2" {
		t.Fatalf("rotate = %+v, %v", k, err)
	}
	if k, ok := e.GuestKey("g1"); !ok || !bytes.Equal(k, old) {
		t.Fatal("the legacy kid's key changed with a rotation")
	}
}

// TestGuestKeys_Concurrent: readers never see a torn list while the
// operator rotates and retires (run with -race); every rotation lands.
func TestGuestKeys_Concurrent(t *testing.T) {
	e, _ := openEngine(t, t.TempDir(), actors.Config{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				kid := e.CurrentGuestKID()
				// The current kid may be retired only after a newer
				// one is current; a reader may race that, but never
				// sees a kid without a key while it is listed.
				if ks, err := e.GuestKeys(); err != nil || len(ks) == 0 || !ks[0].Current {
					t.Errorf("keys %+v, %v", ks, err)
					return
				}
				_, _ = e.GuestKey(kid)
			}
		})
	}
	var rot sync.WaitGroup
	for range 4 {
		rot.Go(func() {
			for range 5 {
				if _, err := e.RotateGuestKey(time.Now()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	rot.Wait()
	close(stop)
	wg.Wait()
	got := kids(t, e)
	if len(got) != 21 || got[0] != "g21" || got[20] != "g1" {
		t.Fatalf("after 20 rotations: %v", got)
	}
	seen := map[string]bool{}
	for _, k := range got {
		if seen[k] {
			t.Fatalf("kid %s twice: %v", k, got)
		}
		seen[k] = true
		if _, ok := e.GuestKey(k); !ok {
			t.Fatalf("listed kid %s has no key", k)
		}
	}
}

// TestGuestKeys_ListedKeyMissing: a listed kid whose key is gone from
// storage is an error (ErrCorrupt), never a new random key that would end
// its links without a word; and the failure is kept for a while rather
// than read again on every guest page.
func TestGuestKeys_ListedKeyMissing(t *testing.T) {
	dir := t.TempDir()
	e, db := openUnmanaged(t, dir, actors.Config{})
	if _, err := e.RotateGuestKey(time.Now()); err != nil {
		t.Fatal(err)
	}
	list, err := db.GuestKeyList()
	if err != nil || list == nil {
		t.Fatalf("list %q, %v", list, err)
	}
	if err := db.SetGuestKeyList(list, nil, []string{"guest/g1"}); err != nil {
		t.Fatal(err)
	}
	closeEngine(t, e, db)

	e, db = openUnmanaged(t, dir, actors.Config{})
	defer closeEngine(t, e, db)
	if _, err := e.GuestKeys(); !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("GuestKeys with g1's key missing: %v, want ErrCorrupt", err)
	}
	for _, kid := range []string{"g1", "g2"} {
		if _, ok := e.GuestKey(kid); ok {
			t.Errorf("%s verifies with a listed key missing", kid)
		}
	}
	if _, ok, err := db.SecretIfMade("guest/g1"); ok || err != nil {
		t.Errorf("g1's key was made anew (%t, %v)", ok, err)
	}
}
