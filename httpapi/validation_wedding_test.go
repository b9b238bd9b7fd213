package httpapi_test

import (
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_WeddingZoneAndDate: POST /v1/weddings takes a tz database zone
// name (UTC included) and a date in the years 2000 to 2100; "Local" (the
// server's own zone), the database's helper files and year 0 are 400s.
func TestHTTP_WeddingZoneAndDate(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	tests := []struct {
		name, tz, date string
		field          string // "" for 201
	}{
		{"UTC", "UTC", "2026-12-12", ""},
		{"India", "Asia/Kolkata", "2026-12-12", ""},
		{"Local", "Local", "2026-12-12", "timezone"},
		{"localtime", "localtime", "2026-12-12", "timezone"},
		{"posix tree", "posix/Asia/Kolkata", "2026-12-12", "timezone"},
		{"lower case", "asia/kolkata", "2026-12-12", "timezone"},
		{"not a zone", "Asia/Atlantis", "2026-12-12", "timezone"},
		{"year zero", "UTC", "0000-01-01", "date"},
		{"year 2101", "UTC", "2101-06-01", "date"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			body := map[string]any{"name": "x", "slug": "w" + string(rune('a'+i)), "date": tt.date, "timezone": tt.tz}
			a := s.call("POST", "/v1/weddings", s.root, body)
			if tt.field == "" {
				if a.status != 201 || a.str("timezone") != tt.tz {
					t.Fatalf("status %d: %s", a.status, a.raw)
				}
				return
			}
			if e := wantError(t, a, 400, "invalid_field"); e["field"] != tt.field {
				t.Errorf("field %v, want %s", e["field"], tt.field)
			}
		})
	}
}
