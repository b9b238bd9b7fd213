package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/httpapi"
)

// The demo wedding that `engine serve --demo` seeds.
const (
	demoID        = "demo"
	demoUnits     = 1000
	demoSeed      = 20261212 // fixed: every data directory gets the same guests
	demoWorkers   = 64       // concurrent RSVP writers: they share commits
	demoOwnerNote = "demo owner"
	demoSlug      = "asha-rohan" // or asha-rohan-2, … when another wedding holds it
)

// DemoWedding is what seedDemo made (or found): the wedding's id, a fresh
// owner token, and its size as stored.
type DemoWedding struct {
	ID          string
	OwnerToken  string
	Units       int
	People      int
	Events      int
	Invitations int // unit × event pairs
	Answered    int // invitations whose RSVP is not pending
	// Pages are the demo's website, a household's page and the
	// simulator's conversation (seedDemoPages); zero when not made.
	Pages DemoPages
}

// ist is India Standard Time (no daylight saving), the demo wedding's zone.
var ist = time.FixedZone("IST", 5*3600+1800)

// demoEvent is one function of the demo wedding: day relative to the
// wedding date, start and length, and for invite-only events the tags of
// the units invited.
type demoEvent struct {
	name          string
	day           int
	hour, minute  int
	hours         int
	venue         string
	inviteTags    []string // non-empty: invite_only, for units with one of these tags
	answeredShare float64  // how many invited units have answered, about
}

var demoEvents = []demoEvent{
	{"Ganesh Puja", -3, 10, 0, 2, "Joshi residence, Shivaji Park", []string{"family"}, 0.75},
	{"Mehendi", -2, 15, 0, 5, "Banyan Courtyard, Juhu", nil, 0.65},
	{"Cocktail Night", -2, 21, 0, 4, "Skyline Terrace, Lower Parel", []string{"friends", "vip"}, 0.65},
	{"Haldi", -1, 9, 30, 3, "Banyan Courtyard, Juhu", nil, 0.6},
	{"Sangeet", -1, 19, 0, 5, "Grand Ballroom, Sea Rock Hotel", nil, 0.65},
	{"Baraat", 0, 16, 0, 2, "Sea Rock Hotel forecourt", nil, 0.6},
	{"Wedding Ceremony", 0, 18, 30, 4, "Lotus Lawns, Sea Rock Hotel", nil, 0.7},
	{"Vidaai", 1, 6, 0, 1, "Lotus Lawns, Sea Rock Hotel", nil, 0.5},
	{"Reception", 1, 19, 30, 4, "Grand Ballroom, Sea Rock Hotel", nil, 0.65},
	{"Farewell Brunch", 2, 11, 0, 3, "Poolside, Sea Rock Hotel", nil, 0.5},
}

// seedDemo creates the demo wedding "demo" (Asha & Rohan, about three weeks
// after now): 10 events, two of them invite-only, 1,000 households of
// about 3,000 people, invitations and RSVPs (about 60% answered). A demo
// wedding that exists already is left as it is. Either way it then issues a
// fresh owner token, revoking the one an earlier start printed, and returns
// it with the wedding's size.
//
// The guests are the same every time (a fixed seed). RSVPs are recorded as
// answered in the days before now, so an admin's answer given later wins.
func seedDemo(ctx context.Context, eng *actors.Engine, now time.Time) (demo DemoWedding, err error) {
	demo.ID = demoID
	_, err = eng.Query(ctx, demoID, domain.Root, domain.GetWedding{})
	switch {
	case errors.Is(err, actors.ErrWeddingNotFound):
		date := now.In(ist).AddDate(0, 0, 21)
		// Slugs are unique across the engine: the demo takes the first of
		// its slugs no other wedding holds (the tour in the README
		// creates an asha-rohan of its own).
		for i := 1; ; i++ {
			slug := demoSlug
			if i > 1 {
				slug = fmt.Sprintf("%s-%d", demoSlug, i)
			}
			_, err := eng.Do(ctx, demoID, domain.Root, &domain.CreateWedding{ID: demoID, Name: "Asha & Rohan",
				Slug: slug, Date: date.Format("2006-01-02"), Timezone: "Asia/Kolkata", Region: "IN"})
			var de *domain.Error
			if errors.As(err, &de) && de.Code == "duplicate_slug" && i < 100 {
				continue
			}
			if err != nil {
				return demo, fmt.Errorf("create wedding: %w", err)
			}
			break
		}
	case err != nil:
		return demo, fmt.Errorf("look up wedding %s: %w", demoID, err)
	}
	// Seed unless guests are there: a wedding created by an earlier start
	// that stopped half-way is completed.
	page, err := query[domain.UnitPage](ctx, eng, domain.ListUnits{Filter: domain.UnitFilter{Limit: 1}})
	if err != nil {
		return demo, err
	}
	if len(page.Units) == 0 {
		if err := seedDemoGuests(ctx, eng, now); err != nil {
			return demo, err
		}
	}

	// One demo owner token at a time: the ones earlier starts printed stop
	// working.
	toks, err := query[[]domain.Token](ctx, eng, domain.ListTokens{})
	if err != nil {
		return demo, err
	}
	for _, t := range toks {
		if t.Label == demoOwnerNote && !t.Revoked {
			if _, err := eng.Do(ctx, demoID, domain.Root, &domain.RevokeToken{ID: t.ID}); err != nil {
				return demo, fmt.Errorf("revoke the earlier demo token: %w", err)
			}
		}
	}
	token, hash := httpapi.NewToken(demoID)
	if _, err := eng.Do(ctx, demoID, domain.Root, &domain.IssueToken{Role: domain.RoleOwner, Hash: hash, Label: demoOwnerNote}); err != nil {
		return demo, fmt.Errorf("issue owner token: %w", err)
	}
	demo.OwnerToken = token
	return demo, demoCounts(ctx, eng, &demo)
}

// seedDemoGuests adds the events (if none), the guests, invitations and
// RSVPs to the demo wedding.
func seedDemoGuests(ctx context.Context, eng *actors.Engine, now time.Time) error {
	info, err := query[domain.Info](ctx, eng, domain.GetWedding{})
	if err != nil {
		return err
	}
	day, err := time.ParseInLocation("2006-01-02", info.Date, ist)
	if err != nil {
		return fmt.Errorf("wedding date %q: %w", info.Date, err)
	}
	events, err := query[[]domain.Event](ctx, eng, domain.ListEvents{})
	if err != nil {
		return err
	}
	if len(events) == 0 {
		for _, de := range demoEvents {
			start := day.AddDate(0, 0, de.day).Add(time.Duration(de.hour)*time.Hour + time.Duration(de.minute)*time.Minute)
			vis := domain.Public
			if len(de.inviteTags) > 0 {
				vis = domain.InviteOnly
			}
			r, err := eng.Do(ctx, demoID, domain.Root, &domain.AddEvent{Name: de.name, StartsAt: domain.At(start),
				EndsAt: domain.At(start.Add(time.Duration(de.hours) * time.Hour)), Venue: de.venue, Visibility: vis})
			if err != nil {
				return fmt.Errorf("add event %s: %w", de.name, err)
			}
			events = append(events, r.Value.(domain.Event))
		}
	}
	rng := rand.New(rand.NewPCG(demoSeed, demoSeed>>1))
	units := demoHouseholds(rng, demoUnits)
	var unitIDs []string
	for len(units) > 0 {
		n := min(len(units), domain.MaxBatchUnits)
		r, err := eng.Do(ctx, demoID, domain.Root, &domain.AddUnits{Units: units[:n]})
		if err != nil {
			return fmt.Errorf("add guests: %w", err)
		}
		for _, it := range r.Value.([]domain.BatchItem) {
			if it.Err != nil {
				return fmt.Errorf("add guest unit %d: %w", len(unitIDs)+it.Index, it.Err)
			}
			unitIDs = append(unitIDs, it.ID)
		}
		units = units[n:]
	}

	// Invitations: public events to everyone; invite-only ones to the
	// units with their tags.
	byName := map[string]demoEvent{}
	for _, de := range demoEvents {
		byName[de.name] = de
	}
	for _, ev := range events {
		var tags []string
		if ev.Visibility == domain.InviteOnly {
			tags = byName[ev.Name].inviteTags
			if len(tags) == 0 {
				continue
			}
		}
		if len(tags) == 0 {
			if _, err := eng.Do(ctx, demoID, domain.Root, &domain.Invite{EventIDs: []string{ev.ID}, All: true}); err != nil {
				return fmt.Errorf("invite to %s: %w", ev.Name, err)
			}
		}
		for _, tag := range tags {
			if _, err := eng.Do(ctx, demoID, domain.Root, &domain.Invite{EventIDs: []string{ev.ID}, Tag: tag}); err != nil {
				return fmt.Errorf("invite %s to %s: %w", tag, ev.Name, err)
			}
		}
	}
	if err := seedDemoConsent(ctx, eng, rng); err != nil {
		return err
	}
	return seedDemoRSVPs(ctx, eng, rng, events, byName, now)
}

// seedDemoConsent records what the families collected with their RSVP
// cards: most households' contacts agreed to WhatsApp messages, a few said
// no, and some were never asked (a campaign skips those as no_consent).
func seedDemoConsent(ctx context.Context, eng *actors.Engine, rng *rand.Rand) error {
	v, err := eng.Query(ctx, demoID, domain.Root, domain.ListUnits{Filter: domain.UnitFilter{Limit: domain.MaxUnits}})
	if err != nil {
		return fmt.Errorf("list guests: %w", err)
	}
	var cmds []*domain.RecordConsent
	for _, u := range v.(domain.UnitPage).Units {
		for _, p := range u.Members {
			if !p.Primary || p.Phone == "" {
				continue
			}
			switch x := rng.Float64(); {
			case x < 0.90:
				cmds = append(cmds, &domain.RecordConsent{PersonID: p.ID, Status: domain.OptedIn, Source: "RSVP card at the roka"})
			case x < 0.93:
				cmds = append(cmds, &domain.RecordConsent{PersonID: p.ID, Status: domain.OptedOut, Source: "asked for phone calls only"})
			}
		}
	}
	return doConcurrently(ctx, eng, cmds)
}

// seedDemoRSVPs answers about 60% of the invitations. Households differ:
// some answer everything, some little, and most who come, come all.
func seedDemoRSVPs(ctx context.Context, eng *actors.Engine, rng *rand.Rand, events []domain.Event, byName map[string]demoEvent, now time.Time) error {
	eventShare := map[string]float64{}
	for _, ev := range events {
		if de, ok := byName[ev.Name]; ok {
			eventShare[ev.ID] = de.answeredShare
		} else {
			eventShare[ev.ID] = 0.6
		}
	}
	var cmds []*domain.SetRSVP
	err := eachDemoUnit(ctx, eng, func(u *domain.Unit) {
		// Responsiveness of the household, averaging 1 across units.
		resp := []float64{1.4, 1.4, 1.0, 0.2}[rng.IntN(4)]
		declines := rng.Float64() < 0.12 // a household that mostly cannot come
		for _, inv := range u.Invitations {
			if rng.Float64() >= eventShare[inv.EventID]*resp {
				continue // pending
			}
			c := &domain.SetRSVP{UnitID: u.ID, EventID: inv.EventID, Source: domain.SourceWeb,
				// In the last ten days, and never after now: a later
				// answer (an admin's, now) must win.
				AnsweredAt: domain.At(now.Add(-time.Minute - time.Duration(rng.Int64N(int64(10*24*time.Hour)))))}
			if rng.IntN(4) == 0 {
				c.Source = domain.SourceAdmin
			}
			p := rng.Float64()
			switch {
			case declines && p < 0.7, !declines && p < 0.12:
				c.Status = domain.No
			case p > 0.9:
				c.Status = domain.Maybe
			default:
				c.Status = domain.Yes
				if inv.Seats > 1 && rng.IntN(4) == 0 {
					hc := 1 + rng.Int32N(inv.Seats-1) // some of the household
					c.Headcount = &hc
				}
			}
			cmds = append(cmds, c)
		}
	})
	if err != nil {
		return err
	}
	return doConcurrently(ctx, eng, cmds)
}

// doConcurrently runs the commands with demoWorkers callers, so that the
// wedding's actor gathers them into shared commits (one fsync for many).
func doConcurrently[C domain.Command](ctx context.Context, eng *actors.Engine, cmds []C) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan C)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range demoWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				if _, err := eng.Do(ctx, demoID, domain.Root, c); err != nil {
					once.Do(func() {
						firstErr = fmt.Errorf("%T: %w", c, err)
						cancel()
					})
				}
			}
		}()
	}
feed:
	for _, c := range cmds {
		select {
		case next <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// demoCounts fills in the wedding's size as stored.
func demoCounts(ctx context.Context, eng *actors.Engine, d *DemoWedding) error {
	events, err := query[[]domain.Event](ctx, eng, domain.ListEvents{})
	if err != nil {
		return err
	}
	d.Events = len(events)
	d.Units, d.People, d.Invitations, d.Answered = 0, 0, 0, 0
	return eachDemoUnit(ctx, eng, func(u *domain.Unit) {
		d.Units++
		d.People += len(u.Members)
		d.Invitations += len(u.Invitations)
		for _, inv := range u.Invitations {
			if inv.RSVP.Status != domain.Pending {
				d.Answered++
			}
		}
	})
}

// eachDemoUnit calls fn for every unit of the demo wedding, a page at a
// time.
func eachDemoUnit(ctx context.Context, eng *actors.Engine, fn func(u *domain.Unit)) error {
	after := ""
	for {
		page, err := query[domain.UnitPage](ctx, eng, domain.ListUnits{Filter: domain.UnitFilter{After: after, Limit: 1000}})
		if err != nil {
			return err
		}
		for i := range page.Units {
			fn(&page.Units[i])
		}
		if page.Next == "" {
			return nil
		}
		after = page.Next
	}
}

// query runs q on the demo wedding as root and returns its typed result.
func query[T any](ctx context.Context, eng *actors.Engine, q domain.Query) (T, error) {
	var zero T
	v, err := eng.Query(ctx, demoID, domain.Root, q)
	if err != nil {
		return zero, fmt.Errorf("query %T: %w", q, err)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("query %T: got %T", q, v)
	}
	return t, nil
}

// ---- households ----

var (
	demoSurnames = []string{"Sharma", "Verma", "Gupta", "Agarwal", "Iyer", "Menon", "Nair", "Reddy", "Rao",
		"Patel", "Shah", "Desai", "Mehta", "Joshi", "Kulkarni", "Deshpande", "Banerjee", "Chatterjee",
		"Mukherjee", "Das", "Singh", "Kaur", "Gill", "Malhotra", "Kapoor", "Khanna", "Chopra", "Bhatia",
		"Pillai", "Krishnan", "Subramanian", "Naidu", "Hegde", "Shetty", "Kamath", "Pandey", "Mishra",
		"Tiwari", "Srivastava", "Saxena", "Chauhan", "Rathore", "Bose", "Sen", "Ghosh", "Dutta", "Khan",
		"Siddiqui", "Fernandes", "D'Souza"}
	demoMen = []string{"Aarav", "Vivaan", "Aditya", "Arjun", "Rahul", "Rohit", "Amit", "Suresh", "Ramesh",
		"Vikram", "Karan", "Nikhil", "Sanjay", "Rajesh", "Anil", "Manoj", "Deepak", "Vijay", "Harish",
		"Prakash", "Siddharth", "Kunal", "Varun", "Gaurav", "Abhishek", "Ankit", "Mohit", "Pranav",
		"Ishaan", "Kabir", "Dev", "Yash", "Farhan", "Imran", "Joseph", "Venkat", "Srinivas", "Gopal"}
	demoWomen = []string{"Priya", "Ananya", "Diya", "Aditi", "Kavya", "Neha", "Pooja", "Sneha", "Anjali",
		"Meera", "Lakshmi", "Sunita", "Rekha", "Geeta", "Shalini", "Radhika", "Nisha", "Swati", "Ritu",
		"Divya", "Shreya", "Isha", "Tanvi", "Riya", "Sanya", "Aisha", "Fatima", "Maria", "Padma",
		"Savitri", "Usha", "Lata", "Kiran", "Deepa", "Asmita", "Gauri", "Mansi", "Nandini"}
	demoKids = []string{"Aarush", "Reyansh", "Myra", "Kiara", "Anvi", "Advik", "Zara", "Vihaan", "Saanvi",
		"Aadhya", "Atharv", "Navya", "Shaurya", "Pari", "Ayaan", "Ira", "Rudra", "Tara", "Om", "Siya"}
	demoElders = []string{"Kamala", "Shanti", "Parvati", "Saroj", "Bimla", "Hari", "Mohan", "Shankar",
		"Govind", "Narayan"}
)

// household sizes 1..6, weights in percent (mean 2.95 people).
var demoSizeWeights = []int{15, 30, 20, 20, 10, 5}

// demoHouseholds makes n households, deterministic for rng's seed: each
// with one primary contact (who always has a phone), sides bride/groom/
// both, a relation tag (family, friends, work) and sometimes vip or
// out-of-town, and distinct, valid Indian mobile numbers.
func demoHouseholds(rng *rand.Rand, n int) []domain.UnitInput {
	phones := map[string]bool{}
	phone := func() string {
		for {
			// Indian mobiles: 10 digits starting with 6-9.
			digits := fmt.Sprintf("%d%09d", 6+rng.IntN(4), rng.IntN(1_000_000_000))
			e164, err := domain.NormalizePhone(digits, "IN", "")
			if err != nil || phones[e164] {
				continue
			}
			phones[e164] = true
			switch rng.IntN(4) {
			case 0:
				return "+91 " + digits
			case 1:
				return digits[:5] + " " + digits[5:]
			case 2:
				return "+91-" + digits[:5] + "-" + digits[5:]
			}
			return digits
		}
	}
	pick := func(names []string) string { return names[rng.IntN(len(names))] }
	out := make([]domain.UnitInput, 0, n)
	for range n {
		size := 1
		for r, acc := rng.IntN(100), 0; ; size++ {
			acc += demoSizeWeights[size-1]
			if r < acc || size == len(demoSizeWeights) {
				break
			}
		}
		surname := pick(demoSurnames)
		var u domain.UnitInput
		switch s := rng.IntN(100); {
		case s < 45:
			u.Side = domain.SideBride
		case s < 90:
			u.Side = domain.SideGroom
		default:
			u.Side = domain.SideBoth
		}
		switch t := rng.IntN(100); {
		case t < 35:
			u.Tags = []string{"family"}
		case t < 80:
			u.Tags = []string{"friends"}
		default:
			u.Tags = []string{"work"}
		}
		if rng.IntN(100) < 6 {
			u.Tags = append(u.Tags, "vip")
		}
		if rng.IntN(100) < 20 {
			u.Tags = append(u.Tags, "out-of-town")
		}

		// The primary adult, maybe a spouse, then children and elders.
		first, second := demoMen, demoWomen
		if rng.IntN(2) == 0 {
			first, second = demoWomen, demoMen
		}
		primary := pick(first)
		u.Members = append(u.Members, domain.MemberInput{Name: primary + " " + surname, Phone: phone(), Primary: true})
		if rng.IntN(5) == 0 {
			u.Members[0].Email = strings.ToLower(primary+"."+strings.ReplaceAll(surname, "'", "")) + "@example.com"
		}
		if size >= 2 {
			m := domain.MemberInput{Name: pick(second) + " " + surname}
			if rng.IntN(100) < 85 {
				m.Phone = phone()
			}
			u.Members = append(u.Members, m)
		}
		for i := 2; i < size; i++ {
			m := domain.MemberInput{Name: pick(demoKids) + " " + surname}
			if i == 5 || (i >= 3 && rng.IntN(3) == 0) {
				m.Name = pick(demoElders) + " " + surname
			}
			if rng.IntN(100) < 35 {
				m.Phone = phone()
			}
			u.Members = append(u.Members, m)
		}
		switch {
		case size == 1:
			u.Name = u.Members[0].Name
		case size == 2:
			u.Name = primary + " & " + u.Members[1].Name
		default:
			u.Name = primary + " " + surname + " & family"
		}
		out = append(out, u)
	}
	return out
}

// ---- printing ----

// printDemo tells the operator how to use the demo wedding: its owner token
// (shown only here) and example requests against baseURL, the API's
// address ("http://127.0.0.1:8080", or a bare listen address).
func printDemo(w io.Writer, d DemoWedding, baseURL string) {
	base := demoBaseURL(baseURL)
	wb := base + "/v1/weddings/" + d.ID
	fmt.Fprintf(w, `
Demo wedding %q (Asha & Rohan): %d guest units, %d people, %d events, %d invitations, %d answered.

Owner token (shown once, keep it):
  %s

Try:
  export TOKEN='%s'
  curl -s -H "Authorization: Bearer $TOKEN" %s/headcount
  curl -s -H "Authorization: Bearer $TOKEN" %s/events
  curl -s -H "Authorization: Bearer $TOKEN" '%s/units?limit=5'
  curl -s -H "Authorization: Bearer $TOKEN" '%s/units?tag=vip&side=bride'
  curl -s -H "Authorization: Bearer $TOKEN" '%s/rsvps?status=pending&limit=5'
  # answer for a household: a unit id from /units, an event id from /events
  curl -s -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
       -d '{"status":"yes","headcount":2}' %s/rsvps/UNIT_ID/EVENT_ID
  curl -s -H "Authorization: Bearer $TOKEN" '%s/audit?limit=5'

`, d.ID, d.Units, d.People, d.Events, d.Invitations, d.Answered,
		d.OwnerToken, d.OwnerToken, wb, wb, wb, wb, wb, wb, wb)
	if p := d.Pages; p.Site != "" {
		fmt.Fprintf(w, `Open in a browser:
  the wedding website:      %s%s
  %s's own page (their functions, an RSVP form, gifts):
                            %s%s
  the admins' dashboard:    %s%s   (paste the owner token above once)
`, base, p.Site, p.Household, base, p.GuestPage, base, p.Dashboard)
		if p.Chat != "" {
			fmt.Fprintf(w, `  WhatsApp, as %s sees it (sandbox): their invitation; tap "Yes" and watch the dashboard:
                            %s%s
`, p.Household, base, p.Chat)
		}
		fmt.Fprintln(w)
	}
}

// demoBaseURL turns a listen address into a URL a local curl can reach: a
// missing scheme becomes http, and an unspecified host (":8080",
// "0.0.0.0", "[::]") becomes the loopback address.
func demoBaseURL(s string) string {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return strings.TrimRight(s, "/")
	}
	if host, port, err := net.SplitHostPort(u.Host); err == nil {
		// Go's wildcard listeners take IPv4 too, so 127.0.0.1 reaches them.
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			u.Host = net.JoinHostPort("127.0.0.1", port)
		}
	}
	return strings.TrimRight(u.String(), "/")
}
