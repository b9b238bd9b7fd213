package load_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parinayaos/engine/bench/load"
)

type unitJSON struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Side    string   `json:"side"`
	Tags    []string `json:"tags"`
	Members []struct {
		Phone   string `json:"phone"`
		Primary bool   `json:"primary"`
	} `json:"members"`
	Invitations []struct {
		EventID   string `json:"event_id"`
		Seats     int    `json:"seats"`
		Status    string `json:"status"`
		Headcount int    `json:"headcount"`
	} `json:"invitations"`
}

type counts struct {
	InvitedUnits int `json:"invited_units"`
	InvitedSeats int `json:"invited_seats"`
	YesUnits     int `json:"yes_units"`
	YesHeadcount int `json:"yes_headcount"`
	MaybeUnits   int `json:"maybe_units"`
	NoUnits      int `json:"no_units"`
	PendingUnits int `json:"pending_units"`
}

type headcountJSON struct {
	Events []struct {
		EventID string `json:"event_id"`
		counts
	} `json:"events"`
	Totals counts `json:"totals"`
}

// list reads every page of a list route.
func list[T any](t *testing.T, c *load.Client, path, token string) []T {
	t.Helper()
	var all []T
	after := ""
	for {
		var page struct {
			Items []T    `json:"items"`
			Next  string `json:"next"`
		}
		if err := c.JSON("GET", path+"?limit=1000&after="+after, token, nil, &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if page.Next == "" || len(page.Items) == 0 {
			return all
		}
		after = page.Next
	}
}

// expectedHeadcount is the headcount computed from what the tool sent.
func expectedHeadcount(w *load.Wedding) (map[string]counts, counts) {
	per := map[string]counts{}
	var tot counts
	for _, u := range w.Units {
		for _, e := range u.Events {
			c := per[w.EventIDs[e]]
			c.InvitedUnits++
			c.InvitedSeats += len(u.Phones)
			switch a, ok := u.Answers[e]; {
			case !ok:
				c.PendingUnits++
			case a.Status == "yes":
				c.YesUnits++
				c.YesHeadcount += a.Headcount
			case a.Status == "no":
				c.NoUnits++
			case a.Status == "maybe":
				c.MaybeUnits++
			}
			per[w.EventIDs[e]] = c
		}
		if len(u.Events) > 0 {
			tot.InvitedUnits++
		}
	}
	for _, c := range per {
		tot.InvitedSeats += c.InvitedSeats
		tot.YesUnits += c.YesUnits
		tot.YesHeadcount += c.YesHeadcount
		tot.MaybeUnits += c.MaybeUnits
		tot.NoUnits += c.NoUnits
		tot.PendingUnits += c.PendingUnits
	}
	return per, tot
}

// Two small weddings provisioned side by side: through the API, the engine
// holds exactly what the tool says it sent.
func TestProvision_EngineHoldsWhatWasProvisioned(t *testing.T) {
	eng, err := load.Start(t.TempDir(), load.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	c, err := load.NewClient(eng.URL, 8)
	if err != nil {
		t.Fatal(err)
	}
	var ws []*load.Wedding
	for i := range 2 {
		w, err := load.Provision(c, eng.RootToken, load.WeddingSpec{Units: 60 + 20*i, Seed: uint64(10 + i), Answered: 0.4, PhonePrefix: i})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	phones := map[string]string{} // across weddings
	for wi, w := range ws {
		t.Run(fmt.Sprint("wedding", wi), func(t *testing.T) {
			base := "/v1/weddings/" + w.ID
			if len(w.Units) != 60+20*wi || len(w.UnitIDs) != len(w.Units) {
				t.Fatalf("the tool says %d units (%d ids); asked for %d", len(w.Units), len(w.UnitIDs), 60+20*wi)
			}

			// Events and their visibility: 10, the 3rd and the last invite-only.
			events := list[struct {
				ID, Visibility string
			}](t, c, base+"/events", w.OwnerToken)
			if len(events) != 10 || len(w.EventIDs) != 10 {
				t.Fatalf("%d events in the engine, %d in the tool; want 10", len(events), len(w.EventIDs))
			}
			inviteOnly := 0
			for i, e := range events {
				if e.ID != w.EventIDs[i] {
					t.Errorf("event %d: engine %s, tool %s", i, e.ID, w.EventIDs[i])
				}
				want := "public"
				if w.InviteOnly[i] {
					want = "invite_only"
					inviteOnly++
				}
				if e.Visibility != want {
					t.Errorf("event %d: visibility %s; want %s", i, e.Visibility, want)
				}
			}
			if inviteOnly != 2 || !w.InviteOnly[2] || !w.InviteOnly[9] {
				t.Errorf("invite-only events: %v; want the 3rd and the last", w.InviteOnly)
			}

			// Units: names, sides, tags, members and phones, invitations and answers.
			units := list[unitJSON](t, c, base+"/units", w.OwnerToken)
			if len(units) != len(w.Units) {
				t.Fatalf("%d units in the engine; the tool made %d", len(units), len(w.Units))
			}
			byID := map[string]unitJSON{}
			for _, u := range units {
				byID[u.ID] = u
			}
			people, invitations, answered := 0, 0, 0
			for i, p := range w.Units {
				u, ok := byID[w.UnitIDs[i]]
				if !ok {
					t.Fatalf("unit %d (%s) is not in the engine", i, w.UnitIDs[i])
				}
				if u.Name != p.Name || u.Side != p.Side || !slices.Equal(u.Tags, p.Tags) {
					t.Errorf("unit %d: engine %q %s %v; tool %q %s %v", i, u.Name, u.Side, u.Tags, p.Name, p.Side, p.Tags)
				}
				if len(u.Members) != len(p.Phones) {
					t.Fatalf("unit %d: %d members; the tool sent %d", i, len(u.Members), len(p.Phones))
				}
				for m, mem := range u.Members {
					if mem.Phone != p.Phones[m] || mem.Primary != (m == 0) {
						t.Errorf("unit %d member %d: %s primary=%v; tool %s", i, m, mem.Phone, mem.Primary, p.Phones[m])
					}
					if other, dup := phones[mem.Phone]; dup {
						t.Errorf("phone %s in %s and %s", mem.Phone, other, w.ID)
					}
					phones[mem.Phone] = w.ID
				}
				people += len(u.Members)
				var got []string
				for _, inv := range u.Invitations {
					got = append(got, inv.EventID)
					e := slices.Index(w.EventIDs, inv.EventID)
					if inv.Seats != len(p.Phones) {
						t.Errorf("unit %d event %d: %d seats; want %d (its members)", i, e, inv.Seats, len(p.Phones))
					}
					want, ok := p.Answers[e]
					switch {
					case !ok && (inv.Status != "pending" || inv.Headcount != 0):
						t.Errorf("unit %d event %d: %s/%d; the tool sent no RSVP", i, e, inv.Status, inv.Headcount)
					case ok && (inv.Status != want.Status || inv.Headcount != want.Headcount):
						t.Errorf("unit %d event %d: %s/%d; the tool sent %s/%d", i, e, inv.Status, inv.Headcount, want.Status, want.Headcount)
					case ok:
						answered++
					}
				}
				var want []string
				for _, e := range p.Events {
					want = append(want, w.EventIDs[e])
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("unit %d (%s %v): invited to %v; the tool invited it to %v", i, p.Side, p.Tags, got, want)
				}
				invitations += len(u.Invitations)
			}
			if people != w.People || invitations != w.Invitations() || answered != w.RSVPs {
				t.Errorf("engine: %d people, %d invitations, %d answered; tool: %d, %d, %d",
					people, invitations, answered, w.People, w.Invitations(), w.RSVPs)
			}
			if w.RSVPs == 0 || w.RSVPs == w.Invitations() {
				t.Errorf("%d of %d invitations answered; want some", w.RSVPs, w.Invitations())
			}

			// RSVPs as listed: one row per invitation, answered ones as sent.
			rsvps := list[struct {
				UnitID, EventID, Status string
				Headcount               int
			}](t, c, base+"/rsvps", w.OwnerToken)
			nonPending := 0
			for _, r := range rsvps {
				if r.Status != "pending" {
					nonPending++
				}
			}
			if len(rsvps) != w.Invitations() || nonPending != w.RSVPs {
				t.Errorf("rsvps: %d rows, %d answered; tool: %d invitations, %d RSVPs", len(rsvps), nonPending, w.Invitations(), w.RSVPs)
			}

			// The headcount equals the one computed from what the tool sent.
			var hc headcountJSON
			if err := c.JSON("GET", base+"/headcount", w.OwnerToken, nil, &hc); err != nil {
				t.Fatal(err)
			}
			per, tot := expectedHeadcount(w)
			if hc.Totals != tot {
				t.Errorf("headcount totals %+v; from the tool's plan %+v", hc.Totals, tot)
			}
			if len(hc.Events) != 10 {
				t.Fatalf("headcount of %d events", len(hc.Events))
			}
			for _, e := range hc.Events {
				if e.counts != per[e.EventID] {
					t.Errorf("event %s: %+v; from the plan %+v", e.EventID, e.counts, per[e.EventID])
				}
			}
			if s := w.Summary(); s.Units != len(units) || s.Events != 10 || s.Invitations != invitations || s.RSVPs != answered || s.People != people {
				t.Errorf("summary %+v", s)
			}
		})
	}
}
