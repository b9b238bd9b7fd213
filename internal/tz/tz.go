// Package tz finds a wedding's time zone by name, reading the zone
// database once per name: time.LoadLocation reads and parses it on every
// call, and pages and messages name a wedding's events in its zone each
// time they are made. Safe for concurrent use.
package tz

import (
	"sync"
	"time"
)

// maxZones bounds the zones remembered: names come from weddings'
// validated settings, but the cache must not grow with whatever a caller
// passes. Past it, lookups still work, uncached.
const maxZones = 1024

var zones sync.Map // name → *time.Location; count in n
var (
	mu sync.Mutex
	n  int
)

// Location is the zone named name, or UTC when name is "" or no zone of
// the database.
func Location(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.UTC
	}
	mu.Lock()
	if n < maxZones {
		if _, loaded := zones.LoadOrStore(name, l); !loaded {
			n++
		}
	}
	mu.Unlock()
	return l
}
