package storage_test

import (
	"strconv"
	"testing"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

// BenchmarkAppend measures durable commits on the real file system: every
// Append is one Sync commit (an fsync of Pebble's WAL), so this is the cost
// an acknowledged command pays.
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1, 64} {
		b.Run("Sync/batch="+strconv.Itoa(size), func(b *testing.B) {
			db := openDB(b)
			changes := synthetic(1, uint64(size))
			var seq uint64
			b.ReportAllocs()
			for b.Loop() {
				for i := range changes {
					seq++
					changes[i].Seq = seq
				}
				if err := db.Append("w-bench", changes); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}

func BenchmarkDecodeChange(b *testing.B) {
	cases := []struct {
		name string
		c    domain.Change
	}{
		{"rsvp", synthetic(42, 42)[0]},
		{"units_saved", fullChanges()[5]},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			rec, err := storage.AppendChange(nil, &tc.c)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := storage.DecodeChange(rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendChange(b *testing.B) {
	c := synthetic(42, 42)[0]
	buf, err := storage.AppendChange(nil, &c)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = storage.AppendChange(buf[:0], &c); err != nil {
			b.Fatal(err)
		}
	}
}
