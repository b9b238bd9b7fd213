package load

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/storage"
)

// RawRecordBytes is the size of a raw-ceiling record: about one journal
// entry of an RSVP change.
const RawRecordBytes = 110

// quietPebble drops Pebble's informational lines (they would break the
// progress bar) and keeps its errors.
type quietPebble struct{}

func (quietPebble) Infof(string, ...any)              {}
func (quietPebble) Errorf(format string, args ...any) {}
func (quietPebble) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// RawPebble is the durable-write ceiling of this machine: writers
// goroutines each commit one record of recordBytes per pebble.Sync batch,
// closed loop, into a fresh Pebble in dir (empty or missing) with the
// engine's WAL sync pacing (a storage.WALPacer waiting
// storage.DefaultWALMinSyncInterval between fsyncs under a burst, told of
// each commit as the engine's storage tells it), for d or until ctx ends.
// Concurrent commits share fsyncs (group commit), as the engine's do. Its latency is per commit; its Count, records committed.
// It is what the actors package's benchmarks call the raw baseline.
func RawPebble(ctx context.Context, dir string, writers int, d time.Duration, recordBytes int) (Result, error) {
	return rawPebble(ctx, dir, writers, d, recordBytes, nil)
}

// rawPebble is RawPebble with each commit counted on p (when not nil).
func rawPebble(ctx context.Context, dir string, writers int, d time.Duration, recordBytes int, p *Progress) (Result, error) {
	return rawPebblePlan(ctx, dir, writers, pointPlan{dur: d, maxDur: d}, recordBytes, p)
}

// rawPebblePlan is rawPebble measured as plan says (a curve point's
// baseline: a warm-up first, a minimum of commits).
func rawPebblePlan(ctx context.Context, dir string, writers int, plan pointPlan, recordBytes int, p *Progress) (Result, error) {
	pacer := storage.NewWALPacer(storage.DefaultWALMinSyncInterval)
	db, err := pebble.Open(dir, &pebble.Options{
		Logger:             quietPebble{},
		WALMinSyncInterval: pacer.MinSyncInterval,
	})
	if err != nil {
		return Result{}, fmt.Errorf("load: raw pebble: %w", err)
	}
	val := make([]byte, recordBytes)
	res := measure(ctx, writers, plan, p, func(w int) func() (bool, error) {
		key := make([]byte, 12)
		binary.BigEndian.PutUint32(key, uint32(w))
		var i uint64
		return func() (bool, error) {
			i++
			binary.BigEndian.PutUint64(key[4:], i)
			b := db.NewBatch()
			defer b.Close()
			if err := b.Set(key, val, nil); err != nil {
				return false, err
			}
			pacer.Commit()
			return true, b.Commit(pebble.Sync)
		}
	})
	if err := db.Close(); err != nil {
		return res, fmt.Errorf("load: raw pebble: %w", err)
	}
	return res, nil
}
