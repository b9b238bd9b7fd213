package storage_test

import (
	"testing"
	"time"

	"github.com/parinayaos/engine/storage"
)

// The WAL waits between fsyncs only while commits arrive in a burst: a
// lone commit (or a few) is synced at once, so one writer pays one fsync a
// commit and not the wait.
func TestWALPacer(t *testing.T) {
	p := storage.NewWALPacer(250 * time.Microsecond)
	tests := []struct {
		name    string
		commits int
		want    time.Duration
	}{
		{"nothing since the last fsync", 0, 0},
		{"a lone commit", 1, 0},
		{"a few writers", storage.WALPacerBurst - 1, 0},
		{"a burst", storage.WALPacerBurst, 250 * time.Microsecond},
		{"a lone commit after the burst", 1, 0},
		{"a large burst", 10 * storage.WALPacerBurst, 250 * time.Microsecond},
	}
	for _, tt := range tests {
		for range tt.commits {
			p.Commit()
		}
		if got := p.MinSyncInterval(); got != tt.want {
			t.Errorf("%s (%d commits): wait %v, want %v", tt.name, tt.commits, got, tt.want)
		}
	}
	var none *storage.WALPacer
	none.Commit() // a database without pacing: harmless
}
