package storage_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/storage"
)

// The inbox keeps every body appended, in id order, across a reopen; the
// watermark never passes an append still being written.
func TestInbox_AppendReopenRead(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	ids := make([]uint64, 50)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := db.AppendInbox([]byte(fmt.Sprintf(`{"n":%d}`, i)), storage.InboxReceived, "", at)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	if _, err := db.AppendInbox([]byte("not json"), storage.InboxUnprocessable, "not JSON", at); err != nil {
		t.Fatal(err)
	}
	mark, err := db.InboxWatermark()
	if err != nil || mark != 51 {
		t.Fatalf("watermark %d, %v; want 51", mark, err)
	}
	if err := db.SetInboxState(ids[0], storage.InboxProcessed, ""); err != nil {
		t.Fatal(err)
	}
	mustClose(t, db)

	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	all, err := db.InboxAfter(0, 51, 100)
	if err != nil || len(all) != 51 {
		t.Fatalf("%d entries, %v", len(all), err)
	}
	for i, e := range all {
		if e.ID != uint64(i+1) || !e.At.Equal(at) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if last := all[50]; last.State != storage.InboxUnprocessable || last.Why != "not JSON" || string(last.Body) != "not json" {
		t.Fatalf("the unprocessable entry: %+v", last)
	}
	received, _ := db.InboxAfter(0, 51, 100, storage.InboxReceived)
	if len(received) != 49 {
		t.Fatalf("%d still received, want 49", len(received))
	}
	// Ids go on after a reopen.
	id, err := db.AppendInbox([]byte("{}"), storage.InboxReceived, "", at)
	if err != nil || id != 52 {
		t.Fatalf("the next id after a reopen: %d, %v", id, err)
	}
	if got, _ := db.InboxAfter(51, 51, 10); len(got) != 0 {
		t.Fatalf("read past the bound: %v", got)
	}
}

// A secret is made once and is the same after a reopen.
func TestSecret(t *testing.T) {
	dir := t.TempDir()
	db := openAt(t, dir, nil)
	a, err := db.Secret("payload")
	if err != nil || len(a) != 32 {
		t.Fatalf("%x %v", a, err)
	}
	b, _ := db.Secret("other")
	if string(a) == string(b) {
		t.Fatalf("two secrets alike")
	}
	mustClose(t, db)
	db = openAt(t, dir, nil)
	defer mustClose(t, db)
	if c, err := db.Secret("payload"); err != nil || string(c) != string(a) {
		t.Fatalf("after a reopen: %x %v", c, err)
	}
}
