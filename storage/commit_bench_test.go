package storage_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/storage"
)

// quietLogger keeps Pebble's informational lines out of benchmark output.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)           {}
func (quietLogger) Errorf(format string, a ...any) { pebble.DefaultLogger.Errorf(format, a...) }
func (quietLogger) Fatalf(format string, a ...any) { pebble.DefaultLogger.Fatalf(format, a...) }

// BenchmarkLoneCommit is one writer committing one change at a time (an
// admin answering RSVPs from a phone), against the floor under it: a raw
// write of the same bytes plus fdatasync of a file in the same directory,
// in alternating rounds of the same run. ratio_vs_fdatasync is the
// commit's latency over the raw one's (issue 10: ≤ 1.3).
//
//	go test ./storage -run '^$' -bench LoneCommit -count 5
func BenchmarkLoneCommit(b *testing.B) {
	dir := b.TempDir()
	db, err := storage.Open(filepath.Join(dir, "db"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	// The raw file is written ahead and synced once, as Pebble preallocates
	// and recycles its WAL files: an fdatasync then writes the data, not
	// the file's growing size.
	f, err := os.OpenFile(filepath.Join(dir, "raw"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const rawSize = 4 << 20
	if _, err := f.Write(make([]byte, rawSize)); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	changes := synthetic(1, 1)
	rec, err := storage.AppendChange(nil, &changes[0])
	if err != nil {
		b.Fatal(err)
	}
	// What Pebble's WAL writes for it: the batch header and key around the
	// record, and the WAL's own 7-byte record header.
	raw := make([]byte, len(rec)+12+20+7)
	var seq uint64
	commit := func() {
		seq++
		changes[0].Seq = seq
		if err := db.Append("w-lone", changes); err != nil {
			b.Fatal(err)
		}
	}
	var off int64
	fdatasync := func() {
		if off+int64(len(raw)) > rawSize {
			off = 0
		}
		if _, err := f.WriteAt(raw, off); err != nil {
			b.Fatal(err)
		}
		off += int64(len(raw))
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
	}
	// Pebble alone, one Sync batch of the same bytes: what of the gap is
	// Pebble's commit pipeline rather than ours.
	pdb, err := pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	defer pdb.Close()
	var pebbleN uint64
	pebbleCommit := func() {
		pebbleN++
		key := fmt.Appendf(nil, "k%016d", pebbleN)
		if err := pdb.Set(key, rec, pebble.Sync); err != nil {
			b.Fatal(err)
		}
	}
	// A running engine's WAL is a recycled file (Pebble reuses the WAL of
	// each flushed memtable): its commits overwrite blocks the file already
	// has, as the raw side does, instead of growing a new file, whose every
	// fdatasync must also make its size durable (~60 µs more here). Fill
	// the engine's and Pebble's memtables past a flush twice first.
	recycleWAL(b, db.Pebble())
	recycleWAL(b, pdb)
	// Rounds alternate so that all sides see the same disk and machine.
	const round = 50
	var engine, floor, bare time.Duration
	var n int
	b.ReportAllocs()
	for b.Loop() {
		if n%round == 0 {
			start := time.Now()
			for range round {
				fdatasync()
			}
			floor += time.Since(start)
			start = time.Now()
			for range round {
				pebbleCommit()
			}
			bare += time.Since(start)
		}
		start := time.Now()
		commit()
		engine += time.Since(start)
		n++
	}
	rounds := (n + round - 1) / round
	perCommit := float64(engine.Nanoseconds()) / float64(n)
	perSync := float64(floor.Nanoseconds()) / float64(rounds*round)
	b.ReportMetric(float64(bare.Nanoseconds())/float64(rounds*round)/1e3, "pebble_us")
	b.ReportMetric(perCommit/1e3, "commit_us")
	b.ReportMetric(perSync/1e3, "fdatasync_us")
	b.ReportMetric(perCommit/perSync, "ratio_vs_fdatasync")
}

// recycleWAL writes db past two memtable flushes (with keys of its own)
// and waits for them, so that its WAL is a recycled file.
func recycleWAL(b *testing.B, db *pebble.DB) {
	b.Helper()
	val := make([]byte, 1<<20)
	for i := 0; i < 80; i++ { // 80 MiB: the engine's memtables are 32 MiB
		if err := db.Set(fmt.Appendf(nil, "\xffwarm%04d", i), val, pebble.NoSync); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Flush(); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 80; i++ {
		if err := db.Delete(fmt.Appendf(nil, "\xffwarm%04d", i), pebble.NoSync); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Flush(); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		m := db.Metrics()
		if m.Compact.NumInProgress == 0 && m.Flush.NumInProgress == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("pebble still compacting after 30 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// BenchmarkGroupCommit is many writers (weddings) each committing one
// change at a time: how the WAL's pacing shares fsyncs as concurrency
// grows (commits/s must not fall as writers are added).
//
//	go test ./storage -run '^$' -bench GroupCommit -benchtime 3s
func BenchmarkGroupCommit(b *testing.B) {
	for _, writers := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db := openDB(b)
			var next atomic.Int64
			var wg sync.WaitGroup
			start := time.Now()
			b.ResetTimer()
			for w := range writers {
				wg.Go(func() {
					changes := synthetic(1, 1)
					id := fmt.Sprint("w-", w)
					for seq := uint64(1); next.Add(1) <= int64(b.N); seq++ {
						changes[0].Seq = seq
						if err := db.Append(id, changes); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
		})
	}
}
