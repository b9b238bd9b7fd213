package actors_test

// Benchmarks of the engine kernel. Names are fixed so figures can be
// compared over time (benchstat). Run:
//
//	go test ./actors -run '^$' -bench . -count 5 | tee new.txt
//
// (BenchmarkDurableCommands and BenchmarkSingleWeddingBurst need b.N in the
// tens of thousands to reach a steady state: the default -benchtime=1s
// gets there; with -benchtime Nx use N ≥ 20000x.)
//
// The durable-command benchmarks measure, in the same run, a raw Pebble
// baseline (the same number of records written by the same number of
// goroutines with Sync batches and no actors) and report ratio_vs_raw.

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

// quietPebble drops Pebble's informational log lines, which would break
// the benchmark output lines benchstat reads.
type quietPebble struct{}

func (quietPebble) Infof(string, ...any)              {}
func (quietPebble) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (quietPebble) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

const benchCallers = 256

var sinkCount int32

// BenchmarkHeadcountRead reads the published headcount view of a
// 1000-guest, 10-event wedding: the hot read. Target: < 1 µs/op, 0 allocs.
func BenchmarkHeadcountRead(b *testing.B) {
	e, _ := openEngine(b, b.TempDir(), actors.Config{})
	seedWedding(b, e, "w1", 1000, 10)
	ctx := context.Background()
	if _, err := e.View(ctx, "w1"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v, err := e.View(ctx, "w1")
		if err != nil {
			b.Fatal(err)
		}
		sinkCount += v.HeadcountFor(owner).Totals().YesHeadcount
	}
}

// openRaw opens a fresh Pebble for the raw baseline, with the same WAL
// sync pacing as the engine's storage, so the ratio measures the engine,
// not a Pebble setting.
func openRaw(b *testing.B) *rawDB {
	b.Helper()
	pacer := storage.NewWALPacer(storage.DefaultWALMinSyncInterval)
	db, err := pebble.Open(b.TempDir(), &pebble.Options{
		Logger:             quietPebble{},
		WALMinSyncInterval: pacer.MinSyncInterval,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return &rawDB{DB: db, pacer: pacer}
}

// rawDB is the raw baseline's Pebble and the WAL pacer its commits report
// to, as the engine's storage does.
type rawDB struct {
	*pebble.DB
	pacer *storage.WALPacer
}

// rawOn writes n records of recordBytes (keys from offset on) with writers
// goroutines, each record its own pebble.Sync batch, and returns the time
// it took.
func rawOn(b *testing.B, db *rawDB, offset, n, writers, recordBytes int) time.Duration {
	val := make([]byte, recordBytes)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := make([]byte, 12)
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				binary.BigEndian.PutUint32(key, uint32(w))
				binary.BigEndian.PutUint64(key[4:], uint64(offset)+uint64(i))
				batch := db.NewBatch()
				_ = batch.Set(key, val, nil)
				db.pacer.Commit()
				if err := batch.Commit(pebble.Sync); err != nil {
					b.Error(err)
				}
				batch.Close()
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// settle waits until neither database has a flush or compaction running,
// so that one side's background work, started by its own writes, does not
// run during (and get charged to) the other side's timed round.
func settle(b *testing.B, dbs ...*pebble.DB) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, db := range dbs {
		for {
			m := db.Metrics()
			if m.Compact.NumInProgress == 0 && m.Flush.NumInProgress == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("pebble still compacting after 30 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// runRSVPs sends n RSVP commands from benchCallers goroutines, spread over
// the given weddings, and returns the time it took.
func runRSVPs(b testing.TB, e *actors.Engine, weddings []string, evs, units [][]string, n int) time.Duration {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	ctx := context.Background()
	start := time.Now()
	for c := 0; c < benchCallers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				wi := (c + i) % len(weddings)
				cmd := &domain.SetRSVP{UnitID: units[wi][i%len(units[wi])], EventID: evs[wi][i%len(evs[wi])],
					Status: domain.RSVPStatus(1 + i%3)}
				if _, err := e.Do(ctx, weddings[wi], owner, cmd); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

func benchDurable(b *testing.B, nWeddings int) {
	// The engine process's GC setting (see DefaultGCPercent); the raw
	// baseline runs in the same process under the same setting.
	defer debug.SetGCPercent(debug.SetGCPercent(actors.DefaultGCPercent))
	e, db := openEngine(b, b.TempDir(), actors.Config{})
	weddings, evs, units := seedWeddings(b, e, nWeddings, 200, 4)
	raw := openRaw(b)
	// Warm up both: every wedding active, both WALs in steady state.
	runRSVPs(b, e, weddings, evs, units, 2*benchCallers)
	rawOn(b, raw, 0, 2*benchCallers, benchCallers, 110)
	// The engine and the baseline take turns in rounds, so a change in the
	// disk's fsync latency (this machine is shared) hits both alike.
	const rounds = 4
	n := b.N
	b.ReportAllocs()
	b.ResetTimer()
	var engineTime, rawTime time.Duration
	done := 0
	for r := 0; r < rounds; r++ {
		k := (n - done) / (rounds - r)
		settle(b, db.Pebble(), raw.DB)
		b.StartTimer()
		engineTime += runRSVPs(b, e, weddings, evs, units, k)
		b.StopTimer()
		settle(b, db.Pebble(), raw.DB)
		rawTime += rawOn(b, raw, 2*benchCallers+done, k, benchCallers, 110)
		done += k
	}
	cmds := float64(n) / engineTime.Seconds()
	rawRate := float64(n) / rawTime.Seconds()
	b.ReportMetric(cmds, "cmds/s")
	b.ReportMetric(rawRate, "raw_records/s")
	b.ReportMetric(cmds/rawRate, "ratio_vs_raw")
}

// BenchmarkDurableCommands: 256 callers, RSVP commands to 100 weddings,
// real fsync. Target: ratio_vs_raw ≥ 0.5.
func BenchmarkDurableCommands(b *testing.B) { benchDurable(b, 100) }

// BenchmarkSingleWeddingBurst: the same 256 callers, all on one wedding:
// what pipelining within a wedding buys. Target: ratio_vs_raw ≥ 0.5.
func BenchmarkSingleWeddingBurst(b *testing.B) { benchDurable(b, 1) }

// BenchmarkRecovery1000Guests activates a 1000-guest wedding with 50,000
// journaled changes from its snapshot plus a 5,000-change tail. Target:
// < 50 ms/op. Also reports the in-memory size of the wedding
// (bytes/wedding; target ≤ 2 MiB).
func BenchmarkRecovery1000Guests(b *testing.B) {
	e, db := openEngine(b, b.TempDir(), actors.Config{SnapshotEvery: 1 << 40, IdleTimeout: -1})
	evs, units := seedWedding(b, e, "w1", 1000, 10)
	ctx := context.Background()
	fill := func(upTo uint64) {
		v, _ := e.View(ctx, "w1")
		runRSVPs(b, e, []string{"w1"}, [][]string{evs}, [][]string{units}, int(upTo-v.Seq))
	}
	fill(45_000)
	snapSeq, err := e.Snapshot(ctx, "w1")
	if err != nil {
		b.Fatal(err)
	}
	fill(50_000)
	v, _ := e.View(ctx, "w1")
	if v.Seq != 50_000 || snapSeq != 45_000 {
		b.Fatalf("setup: seq %d snapshot %d, want 50000 and 45000", v.Seq, snapSeq)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var w *domain.Wedding
	for b.Loop() {
		var from uint64
		w, from, _, err = actors.Recover(db, "w1")
		if err != nil || w.Seq != 50_000 || from != 45_000 {
			b.Fatalf("recovered seq %d from snapshot %d: %v", w.Seq, from, err)
		}
	}
	b.StopTimer()
	// In-memory size: heap held by one recovered wedding.
	w = nil
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	w, _, _, err = actors.Recover(db, "w1")
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc), "bytes/wedding")
	runtime.KeepAlive(w)
}
