package domain_test

import (
	"strconv"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// BenchmarkExecuteRSVP measures deciding and applying one RSVP (the hot
// write path) in a wedding of 1,000 units invited to 10 events. Every
// iteration records a change: answers alternate yes/no with rising times.
//
//	go test -run='^$' -bench=BenchmarkExecuteRSVP -benchmem -count=10 ./domain
func BenchmarkExecuteRSVP(b *testing.B) {
	const nUnits, nEvents = 1000, 10
	b.Run("units="+strconv.Itoa(nUnits)+"/events="+strconv.Itoa(nEvents), func(b *testing.B) {
		f := newFixture(b)
		events := make([]string, nEvents)
		for i := range events {
			events[i] = f.addEvent("event "+strconv.Itoa(i), t0+domain.Instant(i+1)*day)
		}
		batch := make([]domain.UnitInput, nUnits)
		for i := range batch {
			batch[i] = domain.UnitInput{Side: domain.Side(i % 3), Members: []domain.MemberInput{
				{Name: "guest " + strconv.Itoa(i), Phone: phone(i)},
				{Name: "plus one " + strconv.Itoa(i)},
			}}
		}
		res := f.must(admin, &domain.AddUnits{Units: batch}).([]domain.BatchItem)
		units := make([]string, len(res))
		for i, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			units[i] = r.ID
		}
		f.must(admin, &domain.Invite{EventIDs: events, All: true})

		now := f.now
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			now++
			cmd := domain.SetRSVP{
				UnitID:     units[i%nUnits],
				EventID:    events[(i/nUnits)%nEvents],
				Status:     domain.Yes + domain.RSVPStatus(i&1),
				Source:     domain.SourceWhatsApp,
				AnsweredAt: now,
			}
			changes, _, err := f.w.Execute(&cmd, domain.Meta{By: domain.Root, Now: now})
			if err != nil || len(changes) != 1 {
				b.Fatalf("iteration %d: %d changes, %v", i, len(changes), err)
			}
			i++
		}
	})
}

// BenchmarkListUnits measures a search of the guest list (?q=) in a
// wedding of 1,000 units of two members, one with a phone: by name, by a
// phone's digits, and by a phone written as people write it.
//
//	go test -run='^$' -bench=BenchmarkListUnits -benchmem -count=10 ./domain
func BenchmarkListUnits(b *testing.B) {
	f := newFixture(b)
	batch := make([]domain.UnitInput, 1000)
	for i := range batch {
		batch[i] = domain.UnitInput{Side: domain.Side(i % 3), Members: []domain.MemberInput{
			{Name: "guest " + strconv.Itoa(i), Phone: phone(i)},
			{Name: "plus one " + strconv.Itoa(i)},
		}}
	}
	f.must(admin, &domain.AddUnits{Units: batch})
	for _, q := range []string{"", "guest 512", "9876500512", "098765 00512", "+91 98765 00512", "00512"} {
		b.Run("q="+q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (domain.ListUnits{Filter: domain.UnitFilter{Q: q, Limit: 100}}).Run(f.w, admin); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkImport3000 measures what a 3,000-row import costs: reading the
// rows and their phones (PrepareImport, before the wedding, on every
// core), and the command itself (ImportContacts decided and applied), which
// is how long the import holds the wedding, into a wedding of 1,000 units.
//
//	go test -run='^$' -bench=BenchmarkImport3000 -benchmem ./domain
func BenchmarkImport3000(b *testing.B) {
	rows := make([]domain.ImportRow, 3000)
	for i := range rows {
		rows[i] = domain.ImportRow{Line: i + 2, Name: "Guest " + strconv.Itoa(i), Phones: []string{phone(20000 + i)},
			Household: "Family " + strconv.Itoa(i/3), Side: []string{"bride", "groom", ""}[i%3]}
	}
	wedding := func(b *testing.B) *fixture {
		f := newFixture(b)
		batch := make([]domain.UnitInput, 1000)
		for i := range batch {
			batch[i] = domain.UnitInput{Name: "Household " + strconv.Itoa(i), Side: domain.Side(i % 3), Members: []domain.MemberInput{
				{Name: "guest " + strconv.Itoa(i), Phone: phone(i)}, {Name: "plus one " + strconv.Itoa(i)}}}
		}
		f.must(admin, &domain.AddUnits{Units: batch})
		return f
	}
	b.Run("prepare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			domain.PrepareImport(rows, "IN")
		}
	})
	b.Run("command", func(b *testing.B) {
		prepared := domain.PrepareImport(rows, "IN")
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			f := wedding(b)
			b.StartTimer()
			res := f.must(admin, &domain.ImportContacts{Source: "bench.csv", Format: "csv", Rows: prepared}).(domain.ImportResult)
			if res.Record.Created != 3000 {
				b.Fatalf("%+v", res.Record)
			}
		}
	})
}
