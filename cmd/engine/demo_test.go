package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
)

func openTestEngine(t *testing.T, dir string) *actors.Engine {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := actors.New(db, actors.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := eng.Close(ctx); err != nil {
			t.Errorf("close engine: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("close db: %v", err)
		}
	})
	return eng
}

func allUnits(t *testing.T, eng *actors.Engine) []domain.Unit {
	t.Helper()
	var units []domain.Unit
	after := ""
	for {
		v, err := eng.Query(context.Background(), demoID, domain.Root, domain.ListUnits{Filter: domain.UnitFilter{After: after, Limit: 300}})
		if err != nil {
			t.Fatal(err)
		}
		page := v.(domain.UnitPage)
		units = append(units, page.Units...)
		if page.Next == "" {
			return units
		}
		after = page.Next
	}
}

func TestDemoSeed(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, t.TempDir())
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	start := time.Now()
	d, err := seedDemo(ctx, eng, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %v: %+v", time.Since(start).Round(time.Millisecond), DemoWedding{ID: d.ID, Units: d.Units,
		People: d.People, Events: d.Events, Invitations: d.Invitations, Answered: d.Answered})

	if d.ID != "demo" || d.Units != 1000 || d.Events != 10 {
		t.Fatalf("demo = %+v, want 1000 units and 10 events", d)
	}
	if d.People < 2700 || d.People > 3300 {
		t.Errorf("people = %d, want about 3000", d.People)
	}

	// The wedding.
	v, err := eng.Query(ctx, demoID, domain.Root, domain.GetWedding{})
	if err != nil {
		t.Fatal(err)
	}
	info := v.(domain.Info)
	if info.Name != "Asha & Rohan" || info.Slug != "asha-rohan" || info.Timezone != "Asia/Kolkata" ||
		info.Region != "IN" || info.Date != "2026-12-11" {
		t.Errorf("wedding info = %+v", info)
	}

	// Events: ten, two invite-only, around the wedding date.
	v, err = eng.Query(ctx, demoID, domain.Root, domain.ListEvents{})
	if err != nil {
		t.Fatal(err)
	}
	events := v.([]domain.Event)
	inviteOnly := map[string]bool{}
	for _, e := range events {
		if e.Visibility == domain.InviteOnly {
			inviteOnly[e.ID] = true
		}
		if at := e.StartsAt.Time(); at.Before(now.AddDate(0, 0, 15)) || at.After(now.AddDate(0, 0, 25)) {
			t.Errorf("event %s at %v, not around the wedding", e.Name, at)
		}
	}
	if len(events) != 10 || len(inviteOnly) != 2 {
		t.Errorf("%d events, %d invite-only; want 10 and 2", len(events), len(inviteOnly))
	}

	// Units: counts agree with the report; phones valid and distinct; one
	// primary each (with a phone); sides and tags spread.
	units := allUnits(t, eng)
	people, invitations, answered := 0, 0, 0
	phones := map[string]bool{}
	sides := map[domain.Side]int{}
	tags := map[string]int{}
	sizes := map[int]int{}
	status := map[domain.RSVPStatus]int{}
	for _, u := range units {
		people += len(u.Members)
		sizes[len(u.Members)]++
		sides[u.Side]++
		for _, tg := range u.Tags {
			tags[tg]++
		}
		primaries := 0
		for _, m := range u.Members {
			if m.Primary {
				primaries++
				if m.Phone == "" {
					t.Errorf("unit %s: primary %s has no phone", u.ID, m.Name)
				}
			}
			if m.Phone == "" {
				continue
			}
			if e164, err := domain.NormalizePhone(m.Phone, "IN", ""); err != nil || e164 != m.Phone ||
				!strings.HasPrefix(m.Phone, "+91") || len(m.Phone) != 13 || !strings.ContainsAny(m.Phone[3:4], "6789") {
				t.Errorf("unit %s: phone %q is not an Indian mobile in E.164", u.ID, m.Phone)
			}
			if phones[m.Phone] {
				t.Errorf("phone %s given twice", m.Phone)
			}
			phones[m.Phone] = true
		}
		if primaries != 1 {
			t.Errorf("unit %s has %d primaries", u.ID, primaries)
		}
		for _, inv := range u.Invitations {
			invitations++
			status[inv.RSVP.Status]++
			if inv.RSVP.Status != domain.Pending {
				answered++
				if inv.RSVP.AnsweredAt.Time().After(now) {
					t.Errorf("answer at %v, after now", inv.RSVP.AnsweredAt.Time())
				}
			}
			if inviteOnly[inv.EventID] && !u.HasTag("family") && !u.HasTag("friends") && !u.HasTag("vip") {
				t.Errorf("unit %s (%v) invited to an invite-only event", u.ID, u.Tags)
			}
		}
	}
	if len(units) != d.Units || people != d.People || invitations != d.Invitations || answered != d.Answered {
		t.Errorf("reported %+v; stored %d units, %d people, %d invitations, %d answered",
			d, len(units), people, invitations, answered)
	}
	if len(sizes) != 6 || sides[domain.SideBride] < 300 || sides[domain.SideGroom] < 300 || sides[domain.SideBoth] < 30 ||
		tags["family"] < 200 || tags["friends"] < 200 || tags["work"] < 50 || tags["vip"] < 20 {
		t.Errorf("spread: sizes %v sides %v tags %v", sizes, sides, tags)
	}
	if share := float64(answered) / float64(invitations); share < 0.5 || share > 0.7 {
		t.Errorf("%.2f of invitations answered, want about 0.6", share)
	}
	if status[domain.Yes] <= status[domain.No] || status[domain.No] == 0 || status[domain.Maybe] == 0 {
		t.Errorf("statuses %v", status)
	}

	// The view: numbers and the owner token.
	view, err := eng.View(ctx, demoID)
	if err != nil {
		t.Fatal(err)
	}
	tot := view.All().Totals()
	if tot.YesHeadcount == 0 || tot.InvitedUnits != 1000 {
		t.Errorf("headcount totals %+v", tot)
	}
	if p, ok := view.Authenticate(httpapi.HashToken(d.OwnerToken)); !ok || p.Role != domain.RoleOwner {
		t.Errorf("owner token does not authenticate as owner: %+v %v", p, ok)
	}
	if !strings.HasPrefix(d.OwnerToken, "demo.") {
		t.Errorf("owner token %q lacks the wedding prefix", d.OwnerToken)
	}

	// An admin's answer given now wins over the seeded ones.
	u := units[0]
	hc := int32(1)
	r, err := eng.Do(ctx, demoID, domain.Root, &domain.SetRSVP{UnitID: u.ID, EventID: u.Invitations[0].EventID,
		Status: domain.Yes, Headcount: &hc, Source: domain.SourceAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if res := r.Value.(domain.RSVPResult); res.Stale || res.RSVP.Headcount != 1 {
		t.Errorf("an admin's answer now lost to the seed: %+v", res)
	}

	// Seeding again adds nothing but a new owner token.
	d2, err := seedDemo(ctx, eng, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if d2.Units != d.Units || d2.People != d.People || d2.Events != d.Events || d2.Invitations != d.Invitations {
		t.Errorf("second seed changed the wedding: %+v then %+v", d, d2)
	}
	if d2.OwnerToken == d.OwnerToken || d2.OwnerToken == "" {
		t.Errorf("second seed did not issue a fresh token")
	}
	// Only the newest demo token works: the one an earlier start printed
	// is revoked.
	view, _ = eng.View(ctx, demoID)
	if _, ok := view.Authenticate(httpapi.HashToken(d2.OwnerToken)); !ok {
		t.Errorf("the new demo token does not authenticate")
	}
	if _, ok := view.Authenticate(httpapi.HashToken(d.OwnerToken)); ok {
		t.Errorf("the earlier demo token still authenticates")
	}
}

// The demo's slug is unique like any other: when another wedding holds
// asha-rohan the demo takes the next free one.
func TestDemoSlugTaken(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, t.TempDir())
	for _, id := range []string{"wa", "wb"} {
		slug := map[string]string{"wa": "asha-rohan", "wb": "asha-rohan-2"}[id]
		if _, err := eng.Do(ctx, id, domain.Root, &domain.CreateWedding{ID: id, Name: "Tour", Slug: slug, Date: "2026-12-12"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := seedDemo(ctx, eng, time.Now()); err != nil {
		t.Fatal(err)
	}
	if id, err := eng.WeddingBySlug("asha-rohan-3"); err != nil || id != demoID {
		t.Errorf("asha-rohan-3 names %q, %v; want the demo", id, err)
	}
}

func TestDemoHouseholdsDeterministic(t *testing.T) {
	a := demoHouseholds(rand.New(rand.NewPCG(demoSeed, demoSeed>>1)), 200)
	b := demoHouseholds(rand.New(rand.NewPCG(demoSeed, demoSeed>>1)), 200)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different households")
	}
	formats := map[string]bool{}
	for _, u := range a {
		for _, m := range u.Members {
			switch p := m.Phone; {
			case p == "":
			case strings.HasPrefix(p, "+91 "):
				formats["+91 "] = true
			case strings.HasPrefix(p, "+91-"):
				formats["+91-"] = true
			case strings.Contains(p, " "):
				formats["split"] = true
			default:
				formats["plain"] = true
			}
		}
	}
	if len(formats) != 4 {
		t.Errorf("phone formats used: %v", formats)
	}
}

func TestDemoPrint(t *testing.T) {
	d := DemoWedding{ID: "demo", OwnerToken: "demo.SECRET", Units: 1000, People: 2950, Events: 10, Invitations: 8500, Answered: 5100}
	for _, tt := range []struct{ base, want string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/weddings/demo/headcount"},
		{"http://[::]:9000", "http://127.0.0.1:9000/v1/weddings/demo/headcount"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/v1/weddings/demo/headcount"},
		{":8080", "http://127.0.0.1:8080/v1/weddings/demo/headcount"},
		{"https://demo.example.com/", "https://demo.example.com/v1/weddings/demo/headcount"},
	} {
		var b bytes.Buffer
		printDemo(&b, d, tt.base)
		out := b.String()
		for _, want := range []string{tt.want, "demo.SECRET", "1000 guest units", "/v1/weddings/demo/units",
			"/v1/weddings/demo/events", "-X PUT", "/v1/weddings/demo/rsvps/UNIT_ID/EVENT_ID", "/v1/weddings/demo/audit"} {
			if !strings.Contains(out, want) {
				t.Errorf("base %s: output lacks %q:\n%s", tt.base, want, out)
			}
		}
	}
}

// TestDemoPages: the demo publishes its website once, prints a working
// link to one household's page (a fresh one each start, the earlier one
// revoked) and, in sandbox mode, sends that household its invitation once.
func TestDemoPages(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, t.TempDir())
	now := time.Now()
	if _, err := seedDemo(ctx, eng, now); err != nil {
		t.Fatal(err)
	}
	p1, err := seedDemoPages(ctx, eng, now, true)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Site != "/w/asha-rohan" || p1.Dashboard != "/admin/demo" || p1.Household == "" ||
		!strings.HasPrefix(p1.GuestPage, "/w/asha-rohan/g/") || !strings.HasPrefix(p1.Chat, "/sandbox/chat/+91") {
		t.Fatalf("pages: %+v", p1)
	}
	srv := httpapi.New(eng, httpapi.Config{})
	link := func(p DemoPages) error {
		_, err := srv.GuestLink(ctx, "asha-rohan", strings.TrimPrefix(p.GuestPage, "/w/asha-rohan/g/"), time.Now())
		return err
	}
	if err := link(p1); err != nil {
		t.Fatalf("the printed link does not stand: %v", err)
	}
	camps, err := query[[]domain.CampaignSummary](ctx, eng, domain.ListCampaigns{})
	if err != nil || len(camps) != 1 {
		t.Fatalf("campaigns after the first start: %v, %v", camps, err)
	}

	// A second start: the same website, a new link (the first revoked), no
	// second invitation.
	p2, err := seedDemoPages(ctx, eng, now.Add(time.Minute), true)
	if err != nil {
		t.Fatal(err)
	}
	if p2.GuestPage == p1.GuestPage || link(p2) != nil {
		t.Errorf("the second start's link: %q (first %q), %v", p2.GuestPage, p1.GuestPage, link(p2))
	}
	if err := link(p1); err == nil {
		t.Errorf("the first start's link still stands")
	}
	site, err := eng.Query(ctx, demoID, domain.Root, domain.GetWebsite{})
	if ws, _ := site.(*domain.Website); err != nil || ws == nil || ws.Version != 1 {
		t.Errorf("website after two starts: %+v, %v", site, err)
	}
	if camps, _ := query[[]domain.CampaignSummary](ctx, eng, domain.ListCampaigns{}); len(camps) != 1 {
		t.Errorf("%d campaigns after two starts, want 1", len(camps))
	}

	var b bytes.Buffer
	printDemo(&b, DemoWedding{ID: "demo", OwnerToken: "demo.X", Pages: p2}, "http://127.0.0.1:8080")
	for _, want := range []string{"http://127.0.0.1:8080/w/asha-rohan\n", "http://127.0.0.1:8080" + p2.GuestPage,
		"http://127.0.0.1:8080/admin/demo", "http://127.0.0.1:8080" + p2.Chat, p2.Household} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, b.String())
		}
	}
}
