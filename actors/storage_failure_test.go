package actors_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

// A failed WAL fsync: the caller gets an error, no view ever shows the lost
// change (Pebble holds it in memory, but it is not on disk), and from then
// on every wedding refuses writes at once instead of hanging. The engine
// reports the failure (readiness) until it is restarted.
func TestStorageFailureWALSync(t *testing.T) {
	mem := vfs.NewCrashableMem()
	var armed atomic.Bool
	fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if armed.Load() && strings.HasSuffix(op.Path, ".log") &&
			(op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData || op.Kind == errorfs.OpFileSyncTo) {
			return errorfs.ErrInjected
		}
		return nil
	}))
	db, err := storage.Open("db", storage.Options{FS: fs, WALMinSyncInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(db, actors.Config{IdleTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs, units := seedWedding(t, e, "w1", 5, 1)
	evs2, units2 := seedWedding(t, e, "w2", 2, 1)
	before, _ := e.View(context.Background(), "w1")

	armed.Store(true)
	if _, err := e.Do(context.Background(), "w1", owner, &domain.SetRSVP{UnitID: units[0], EventID: evs[0], Status: domain.Yes}); err == nil {
		t.Fatal("a command whose fsync failed was acknowledged")
	}
	if !errors.Is(e.Err(), storage.ErrFailed) {
		t.Fatalf("engine error = %v, want storage.ErrFailed", e.Err())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 0; i < 200; i++ {
		_, err := e.Do(ctx, "w1", owner, &domain.SetRSVP{UnitID: units[1+i%4], EventID: evs[0], Status: domain.No})
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("write %d after the failure: err = %v, want a prompt refusal", i, err)
		}
	}
	if _, err := e.Do(ctx, "w2", owner, &domain.SetRSVP{UnitID: units2[0], EventID: evs2[0], Status: domain.Yes}); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("other wedding after the failure: err = %v, want a prompt refusal", err)
	}
	v, _ := e.View(context.Background(), "w1")
	crashed := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0})
	db2, err := storage.Open("db", storage.Options{FS: crashed})
	if err != nil {
		t.Fatal(err)
	}
	last, _ := db2.LastSeq("w1")
	db2.Close()
	if v.Seq != before.Seq || v.Seq > last || v.All().Event(0).YesUnits != 0 {
		t.Fatalf("view seq %d (yes=%d) after the failure; before %d, durable %d", v.Seq, v.All().Event(0).YesUnits, before.Seq, last)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatalf("close after a storage failure: %v", err)
	}
}

// The database going away under a running wedding (Pebble panics on a
// closed DB) fails the caller promptly and leaks no admission slot: Close
// still completes.
func TestStorageFailureClosedDB(t *testing.T) {
	db, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(db, actors.Config{IdleTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs, units := seedWedding(t, e, "w1", 3, 1)
	db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.Do(ctx, "w1", owner, &domain.SetRSVP{UnitID: units[0], EventID: evs[0], Status: domain.Yes}); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("write on a closed database: err = %v, want a prompt error", err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// Close waits for a wedding that is being passivated: its final snapshot
// is on disk when Close returns.
func TestCloseWaitsForPassivation(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(db, actors.Config{IdleTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs, units := seedWedding(t, e, "w1", 1000, 8)
	last := do(t, e, "w1", owner, &domain.SetRSVP{UnitID: units[0], EventID: evs[0], Status: domain.Yes})
	passivated := make(chan struct{})
	go func() { _, _ = e.Passivate(context.Background(), "w1"); close(passivated) }()
	for e.Active() != 0 {
		time.Sleep(10 * time.Microsecond)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seqs, err := db.SnapshotSeqs("w1")
	if err != nil || len(seqs) == 0 || seqs[0] != last.Seq {
		t.Fatalf("snapshots %v (%v) right after Close, want one at %d", seqs, err, last.Seq)
	}
	db.Close()
	<-passivated
}
