package actors

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/storage"
)

// The inbox's retention prunes processed bodies older than it, and nothing
// else: not recent ones, not those still waiting, not those kept for
// operators (unroutable, unprocessable); a negative retention prunes
// nothing.
func TestInboxRetention(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	type entry struct {
		state storage.InboxState
		age   time.Duration
	}
	entries := []entry{
		{storage.InboxProcessed, 45 * day},     // 1
		{storage.InboxReceived, 40 * day},      // 2: not applied yet
		{storage.InboxUnroutable, 40 * day},    // 3: for operators
		{storage.InboxUnprocessable, 40 * day}, // 4: for operators
		{storage.InboxProcessed, 31 * day},     // 5
		{storage.InboxProcessed, 29 * day},     // 6: recent
		{storage.InboxProcessed, 2 * day},      // 7
		{storage.InboxProcessed, 0},            // 8
	}
	tests := []struct {
		name      string
		retention time.Duration
		chunk     int
		want      []uint64 // the ids left
	}{
		{"default of 30 days", 0, inboxPruneChunk, []uint64{2, 3, 4, 6, 7, 8}},
		{"in chunks", 0, 1, []uint64{2, 3, 4, 6, 7, 8}},
		{"a day", day, 1, []uint64{2, 3, 4, 8}},
		{"negative: never", -1, inboxPruneChunk, []uint64{1, 2, 3, 4, 5, 6, 7, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := storage.Open(t.TempDir(), storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, en := range entries {
				// Stored as received, then moved on as the processor does.
				id, err := db.AppendInbox([]byte(`{}`), storage.InboxReceived, "", now.Add(-en.age))
				if err != nil {
					t.Fatal(err)
				}
				if en.state != storage.InboxReceived {
					if err := db.SetInboxState(id, en.state, "why"); err != nil {
						t.Fatal(err)
					}
				}
			}
			// The processor is not started: nothing moves but the prune.
			var logged bytes.Buffer
			e := &Engine{cfg: Config{InboxRetention: tt.retention}.withDefaults(), db: db, log: zerolog.New(&logged)}
			n, err := e.pruneInboxChunked(now, tt.chunk)
			if err != nil {
				t.Fatal(err)
			}
			if said := strings.Contains(logged.String(), `"level":"info","pruned":`); said != (n > 0) {
				t.Errorf("pruned %d, logged %q", n, logged.String())
			}
			left, err := db.InboxAfter(0, 1<<62, 100)
			if err != nil {
				t.Fatal(err)
			}
			var ids []uint64
			for _, en := range left {
				ids = append(ids, en.ID)
				if en.State != entries[en.ID-1].state {
					t.Errorf("entry %d is %s, was %s", en.ID, en.State, entries[en.ID-1].state)
				}
			}
			if !slices.Equal(ids, tt.want) || n != len(entries)-len(tt.want) {
				t.Fatalf("pruned %d, left %v; want %v", n, ids, tt.want)
			}
			// Pruning again finds nothing more.
			if n, err := e.pruneInbox(now); n != 0 || err != nil {
				t.Fatalf("a second prune: %d, %v", n, err)
			}
		})
	}
}

// A closing engine stops pruning between chunks.
func TestInboxRetention_StopsWhenClosing(t *testing.T) {
	db, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for range 3 {
		id, err := db.AppendInbox([]byte(`{}`), storage.InboxReceived, "", now.Add(-100*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetInboxState(id, storage.InboxProcessed, ""); err != nil {
			t.Fatal(err)
		}
	}
	e := &Engine{cfg: Config{}.withDefaults(), db: db, log: testLogger(t)}
	e.closed.Store(true)
	if n, err := e.pruneInboxChunked(now, 1); n != 0 || err != nil {
		t.Fatalf("pruned %d, %v while closing", n, err)
	}
}
