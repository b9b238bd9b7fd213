package domain_test

import (
	"testing"

	"github.com/parinayaos/engine/domain"
)

// TestWedding_CreateWeddingZoneAndDate: a wedding's timezone is a zone of
// the tz database by its name (never "Local" or "localtime", the server's
// own zone, nor the database's helper files), and its date a day in the
// years 2000 to 2100.
func TestWedding_CreateWeddingZoneAndDate(t *testing.T) {
	tests := []struct {
		name, tz, date string
		field          string // "" for success
	}{
		{name: "India", tz: "Asia/Kolkata", date: "2026-02-14"},
		{name: "UTC", tz: "UTC", date: "2026-02-14"},
		{name: "three levels", tz: "America/Argentina/Buenos_Aires", date: "2026-02-14"},
		{name: "Etc offset", tz: "Etc/GMT-14", date: "2026-02-14"},
		{name: "default zone", tz: "", date: "2026-02-14"},
		{name: "first day", tz: "UTC", date: "2000-01-01"},
		{name: "last day", tz: "UTC", date: "2100-12-31"},
		{name: "Local", tz: "Local", date: "2026-02-14", field: "timezone"},
		{name: "localtime", tz: "localtime", date: "2026-02-14", field: "timezone"},
		{name: "posixrules", tz: "posixrules", date: "2026-02-14", field: "timezone"},
		{name: "posix tree", tz: "posix/Asia/Kolkata", date: "2026-02-14", field: "timezone"},
		{name: "Factory", tz: "Factory", date: "2026-02-14", field: "timezone"},
		{name: "a path", tz: "../etc/passwd", date: "2026-02-14", field: "timezone"},
		{name: "absolute path", tz: "/etc/localtime", date: "2026-02-14", field: "timezone"},
		{name: "year zero", tz: "UTC", date: "0000-01-01", field: "date"},
		{name: "1999", tz: "UTC", date: "1999-12-31", field: "date"},
		{name: "2101", tz: "UTC", date: "2101-01-01", field: "date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := domain.New()
			_, out, err := w.Execute(&domain.CreateWedding{ID: "w1", Name: "Asha & Rohan", Slug: "asha-rohan",
				Date: tt.date, Timezone: tt.tz}, domain.Meta{By: domain.Root, Now: t0})
			if tt.field != "" {
				checkErr(t, err, domain.ErrInvalid, "invalid_field", tt.field)
				if w.Created() {
					t.Fatal("a refused wedding was created")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.tz
			if want == "" {
				want = "Asia/Kolkata"
			}
			if info := out.(domain.Info); info.Timezone != want || info.Date != tt.date {
				t.Fatalf("info %+v", info)
			}
		})
	}
}
