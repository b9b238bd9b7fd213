package storage_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/parinayaos/engine/storage"
)

var crashSeed = flag.Uint64("crash-seed", 0, "seed of the crash clones' random choices (0: from the clock)")

// crashConfigs are the crash clones every crash test takes: exactly the
// synced data, and synced data plus a random half of the rest (seeded, and
// logged so a failure can be replayed).
func crashConfigs(t *testing.T) []struct {
	name string
	cfg  func() vfs.CrashCloneCfg
} {
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("crash clone seed %d (replay with -crash-seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed>>32))
	return []struct {
		name string
		cfg  func() vfs.CrashCloneCfg
	}{
		{"synced only", func() vfs.CrashCloneCfg { return vfs.CrashCloneCfg{UnsyncedDataPercent: 0} }},
		{"half of unsynced", func() vfs.CrashCloneCfg {
			return vfs.CrashCloneCfg{UnsyncedDataPercent: 50, RNG: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))}
		}},
	}
}

// checkRecovered asserts that wedding's journal in db is gap-free from 1,
// agrees with its LastSeq, holds at least acked changes and at most sent
// ones, and that each change is the one appended under its sequence.
func checkRecovered(t *testing.T, db *storage.DB, wedding string, acked, sent uint64) {
	t.Helper()
	last, err := db.LastSeq(wedding)
	if errors.Is(err, storage.ErrNotFound) && acked == 0 {
		last, err = 0, nil
	}
	if err != nil {
		t.Fatalf("%s: LastSeq: %v", wedding, err)
	}
	if last < acked || last > sent {
		t.Errorf("%s: LastSeq = %d after the crash; %d were acknowledged, %d sent", wedding, last, acked, sent)
	}
	got, err := replayAll(t, db, wedding, 1)
	if err != nil {
		t.Fatalf("%s: Replay after the crash: %v", wedding, err)
	}
	if uint64(len(got)) != last {
		t.Errorf("%s: journal holds %d changes, LastSeq says %d", wedding, len(got), last)
	}
	if last > 0 {
		if d := sameChanges(got, synthetic(1, uint64(len(got)))); d != "" {
			t.Errorf("%s: %s", wedding, d)
		}
	}
}

// Every acknowledged Append survives a crash taken right after it: at
// several points of a run, clone the file system as a crash would leave it,
// then open each clone and find exactly what had been acknowledged.
func TestCrashKeepsAckedAppends(t *testing.T) {
	for _, cc := range crashConfigs(t) {
		t.Run(cc.name, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			db := openAt(t, "db", fs)
			weddings := []string{"w-a", "w-b", "w-c"}
			acked := map[string]uint64{}
			type crash struct {
				fs    *vfs.MemFS
				acked map[string]uint64
			}
			var crashes []crash
			sizes := []int{1, 3, 1, 7, 2, 64, 1}
			for round := range 60 {
				for i, w := range weddings {
					n := uint64(sizes[(round+i)%len(sizes)])
					if err := db.Append(w, synthetic(acked[w]+1, acked[w]+n)); err != nil {
						t.Fatalf("append %s: %v", w, err)
					}
					acked[w] += n
				}
				if round%15 == 0 || round == 59 {
					snap := map[string]uint64{}
					for w, n := range acked {
						snap[w] = n
					}
					crashes = append(crashes, crash{fs.CrashClone(cc.cfg()), snap})
				}
			}
			mustClose(t, db)
			for i, c := range crashes {
				db := openAt(t, "db", c.fs)
				for _, w := range weddings {
					// Nothing was in flight: the clone holds exactly what
					// had been acknowledged.
					checkRecovered(t, db, w, c.acked[w], c.acked[w])
				}
				// The recovered database takes new appends.
				w := weddings[i%len(weddings)]
				if err := db.Append(w, synthetic(c.acked[w]+1, c.acked[w]+1)); err != nil {
					t.Errorf("append after recovery: %v", err)
				}
				mustClose(t, db)
			}
		})
	}
}

// Weddings append concurrently while the crash is taken: whatever was
// acknowledged before the crash is there, in-flight commits are all there
// or not at all, and journals stay gap-free.
func TestCrashDuringConcurrentAppends(t *testing.T) {
	for _, cc := range crashConfigs(t) {
		t.Run(cc.name, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			db := openAt(t, "db", fs)
			const writers = 4
			crashed, ackedAtCrash, sent := crashWhileWriting(t, fs, db, writers, cc.cfg(),
				func(i int, stop <-chan struct{}, acked, sent *atomic.Uint64, warmed func()) {
					w := fmt.Sprintf("w-%d", i)
					var next uint64 = 1
					for k := 0; ; k++ {
						select {
						case <-stop:
							return
						default:
						}
						n := uint64(1 + (k*7+i)%9)
						sent.Store(next + n - 1)
						if err := db.Append(w, synthetic(next, next+n-1)); err != nil {
							t.Errorf("append %s: %v", w, err)
							return
						}
						next += n
						acked.Store(next - 1)
						if next > 100 {
							warmed()
						}
					}
				})

			db = openAt(t, "db", crashed)
			defer mustClose(t, db)
			for i := range writers {
				w := fmt.Sprintf("w-%d", i)
				checkRecovered(t, db, w, ackedAtCrash[i], sent[i])
				last, _ := db.LastSeq(w)
				t.Logf("%s: %d acknowledged before the crash, %d recovered", w, ackedAtCrash[i], last)
			}
		})
	}
}

// A batch's snapshot is durable with its journal records, as one commit.
func TestCrashBatchWithSnapshot(t *testing.T) {
	for _, cc := range crashConfigs(t) {
		t.Run(cc.name, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			db := openAt(t, "db", fs)
			if err := db.Append("w1", synthetic(1, 9)); err != nil {
				t.Fatal(err)
			}
			b := db.NewBatch("w1")
			c := synthetic(10, 10)[0]
			if err := b.Add(&c); err != nil {
				t.Fatal(err)
			}
			if err := b.PutSnapshot(10, []byte("state at 10")); err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			b.Close()
			crashed := fs.CrashClone(cc.cfg())
			mustClose(t, db)

			db = openAt(t, "db", crashed)
			defer mustClose(t, db)
			checkRecovered(t, db, "w1", 10, 10)
			if got, err := db.Snapshot("w1", 10); err != nil || string(got) != "state at 10" {
				t.Errorf("Snapshot(10) after crash = %q, %v", got, err)
			}
		})
	}
}

// TestBatchStartOrder checks the promise Batch.Start relies on (see its
// doc): batches started one after another from one goroutine reach the WAL
// in that order and are synced in order, so after a crash a wedding's
// journal is always a gap-free prefix of what was started, however many
// commits were in flight, and contains every batch whose Wait returned.
func TestBatchStartOrder(t *testing.T) {
	for _, cc := range crashConfigs(t) {
		t.Run(cc.name, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			db := openAt(t, "db", fs)

			// One goroutine, many batches in flight, none waited for when
			// the crash is taken.
			var inflight []*storage.Batch
			var next uint64 = 1
			for k := range 40 {
				b := db.NewBatch("w-solo")
				for _, c := range synthetic(next, next+uint64(k%5)) {
					if err := b.Add(&c); err != nil {
						t.Fatal(err)
					}
				}
				next += uint64(k%5) + 1
				if err := b.Start(); err != nil {
					t.Fatal(err)
				}
				inflight = append(inflight, b)
			}
			soloCrash := fs.CrashClone(cc.cfg())
			soloSent := next - 1
			for _, b := range inflight {
				if err := b.Wait(); err != nil {
					t.Fatal(err)
				}
				if err := b.Close(); err != nil {
					t.Fatal(err)
				}
			}

			// Several weddings, each pipelining up to depth commits, the
			// crash taken while they run.
			const writers, depth = 4, 4
			crashed, ackedAtCrash, sent := crashWhileWriting(t, fs, db, writers, cc.cfg(),
				func(i int, stop <-chan struct{}, acked, sent *atomic.Uint64, warmed func()) {
					w := fmt.Sprintf("w-%d", i)
					var queue []*storage.Batch
					var lasts []uint64
					wait := func() bool {
						b := queue[0]
						err := b.Wait()
						b.Close()
						queue, lasts = queue[1:], lasts[1:]
						if err != nil {
							t.Errorf("%s: wait: %v", w, err)
							return false
						}
						return true
					}
					defer func() {
						for len(queue) > 0 {
							last := lasts[0]
							if !wait() {
								break
							}
							acked.Store(last)
						}
					}()
					var next uint64 = 1
					for k := 0; ; k++ {
						select {
						case <-stop:
							return
						default:
						}
						n := uint64(1 + (k+i)%6)
						b := db.NewBatch(w)
						for _, c := range synthetic(next, next+n-1) {
							if err := b.Add(&c); err != nil {
								t.Errorf("%s: add: %v", w, err)
								return
							}
						}
						sent.Store(next + n - 1)
						if err := b.Start(); err != nil {
							t.Errorf("%s: start: %v", w, err)
							b.Close()
							return
						}
						queue, lasts = append(queue, b), append(lasts, next+n-1)
						next += n
						if len(queue) == depth {
							last := lasts[0]
							if !wait() {
								return
							}
							acked.Store(last)
						}
						if acked.Load() > 100 {
							warmed()
						}
					}
				})

			solo := openAt(t, "db", soloCrash)
			checkRecovered(t, solo, "w-solo", 0, soloSent)
			last, _ := solo.LastSeq("w-solo")
			t.Logf("w-solo: %d started, %d recovered", soloSent, last)
			mustClose(t, solo)

			db = openAt(t, "db", crashed)
			defer mustClose(t, db)
			for i := range writers {
				checkRecovered(t, db, fmt.Sprintf("w-%d", i), ackedAtCrash[i], sent[i])
			}
		})
	}
}

// crashWhileWriting runs write for each of n writers on db until every one
// has called warmed (or returned), takes a crash clone of fs, then stops the
// writers (closing stop), waits for them and closes db. It returns the
// clone, what each writer had acknowledged when the clone was taken, and
// what each had sent by the end (an upper bound of what can be recovered).
func crashWhileWriting(t *testing.T, fs *vfs.MemFS, db *storage.DB, n int, cfg vfs.CrashCloneCfg,
	write func(i int, stop <-chan struct{}, acked, sent *atomic.Uint64, warmed func())) (*vfs.MemFS, []uint64, []uint64) {
	t.Helper()
	acked := make([]atomic.Uint64, n)
	sent := make([]atomic.Uint64, n)
	var warm, done sync.WaitGroup
	stop := make(chan struct{})
	warm.Add(n)
	for i := range n {
		var once sync.Once
		warmed := func() { once.Do(warm.Done) }
		done.Go(func() {
			defer warmed()
			write(i, stop, &acked[i], &sent[i], warmed)
		})
	}
	warm.Wait()
	ackedAtCrash := make([]uint64, n)
	for i := range n {
		ackedAtCrash[i] = acked[i].Load()
	}
	crashed := fs.CrashClone(cfg)
	close(stop)
	done.Wait()
	mustClose(t, db)
	sentAtEnd := make([]uint64, n)
	for i := range n {
		sentAtEnd[i] = sent[i].Load()
	}
	return crashed, ackedAtCrash, sentAtEnd
}
