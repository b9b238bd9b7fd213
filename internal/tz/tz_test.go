package tz

import (
	"testing"
	"time"
)

func TestLocation(t *testing.T) {
	at := time.Date(2026, 12, 11, 12, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		want string // at's clock in the zone
	}{
		{"Asia/Kolkata", "18:00"},
		{"America/New_York", "07:30"},
		{"", "12:30"},
		{"Mars/Olympus", "12:30"},
		{"Local", at.In(time.Local).Format("15:04")},
	}
	for _, tt := range tests {
		for range 2 { // the second from the cache
			if got := at.In(Location(tt.name)).Format("15:04"); got != tt.want {
				t.Errorf("%q: %s, want %s", tt.name, got, tt.want)
			}
		}
	}
	first, again := Location("Asia/Kolkata"), Location("Asia/Kolkata")
	if first != again {
		t.Error("a zone is loaded again")
	}
}

func BenchmarkLocation(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Location("Asia/Kolkata")
	}
}
