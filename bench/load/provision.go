package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// WeddingSpec describes a wedding to provision.
type WeddingSpec struct {
	Units  int    // guest units (households); default 1000
	Events int    // default 10; with 4 or more, the 3rd and the last are invite-only
	Seed   uint64 // for household sizes, sides, tags and RSVPs
	// Answered is the share of invitations with an RSVP (0..1).
	Answered float64
	// PhonePrefix makes phones distinct across weddings: 0..99.
	PhonePrefix int
	// Slug is the wedding's slug; default "load-<seed>-<time>", so repeated
	// runs against one engine do not collide.
	Slug string
	// Consent records an opt-in (PUT people/{p}/consent) for each unit's
	// primary contact, the only member a campaign messages, so that a
	// campaign reaches every invited unit.
	Consent bool
	// Workers send the RSVPs and consents concurrently (the engine commits
	// concurrent writes together); default 8.
	Workers int
	// Progress, when set, gets a progress bar labelled Label.
	Progress io.Writer
	Label    string
}

// Wedding is a provisioned wedding: its ids and tokens, and everything the
// tool sent, so that scenarios pick valid targets and tests can check
// that the engine holds exactly this.
type Wedding struct {
	ID          string
	OwnerToken  string
	PhonePrefix int // its phones are Phone(PhonePrefix, unit, member)
	EventIDs    []string
	InviteOnly  []bool     // per event
	UnitIDs     []string   // per unit, in Units order
	Units       []UnitPlan // what was sent for each unit
	// Pairs are the invitations (unit × event), the targets of RSVP writes.
	Pairs  []Pair
	People int
	RSVPs  int // invitations with an RSVP sent
	// Primaries are the person ids of the units' primary contacts, in
	// Units order, when spec.Consent recorded their opt-in; else nil.
	Primaries []string
}

// UnitPlan is one guest unit as the tool sent it.
type UnitPlan struct {
	Name   string
	Side   string
	Tags   []string
	Phones []string // members' phones in order; the first is the primary
	// Events are the indexes (into Wedding.EventIDs) of the events the unit
	// is invited to, ascending; Answers the RSVPs sent, by event index.
	Events  []int
	Answers map[int]Answer
}

// Answer is an RSVP as the engine should hold it.
type Answer struct {
	Status    string // yes, no or maybe
	Headcount int    // for yes: the explicit headcount, or all seats
}

// Pair is one invitation: indexes into Wedding.Units and Wedding.EventIDs.
type Pair struct{ Unit, Event int }

// Invitations is the number of unit × event invitations.
func (w *Wedding) Invitations() int { return len(w.Pairs) }

// Summary is the wedding as the report lists it.
func (w *Wedding) Summary() ProvisionedWedding {
	return ProvisionedWedding{ID: w.ID, Units: len(w.UnitIDs), People: w.People, Events: len(w.EventIDs),
		Invitations: len(w.Pairs), RSVPs: w.RSVPs}
}

var eventNames = []string{"Haldi", "Mehendi", "Family puja", "Sangeet", "Baraat", "Wedding", "Vidaai", "Reception", "Brunch", "Farewell lunch"}

// HouseholdSize draws a household of 1..6 people, mostly 2–4.
func householdSize(r *rand.Rand) int {
	return []int{1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 6}[r.IntN(11)]
}

// Phone is a valid Indian mobile number, distinct for distinct
// (prefix, unit, member) with unit < 1,000,000 and member < 10.
func Phone(prefix, unit, member int) string {
	return fmt.Sprintf("+919%02d%06d%d", prefix%100, unit%1_000_000, member%10)
}

var (
	unitSides = []string{"bride", "groom", "both"}
	unitTags  = [][]string{{"family"}, {"friends"}, {"work"}, {"family", "vip"}, nil}
)

// planUnits draws units [from, to): name, side, tags and 1..6 members.
func planUnits(r *rand.Rand, prefix, from, to int) []UnitPlan {
	units := make([]UnitPlan, 0, to-from)
	for i := from; i < to; i++ {
		u := UnitPlan{Name: fmt.Sprintf("Family %d", i), Side: unitSides[r.IntN(3)], Tags: unitTags[r.IntN(len(unitTags))]}
		for m := range householdSize(r) {
			u.Phones = append(u.Phones, Phone(prefix, i, m))
		}
		units = append(units, u)
	}
	return units
}

type memberIn struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Primary bool   `json:"primary"`
}

type unitIn struct {
	Name    string     `json:"name"`
	Side    string     `json:"side"`
	Tags    []string   `json:"tags"`
	Members []memberIn `json:"members"`
}

func (u *UnitPlan) json(i int) unitIn {
	in := unitIn{Name: u.Name, Side: u.Side, Tags: u.Tags}
	for m, p := range u.Phones {
		in.Members = append(in.Members, memberIn{Name: fmt.Sprintf("Guest %d-%d", i, m), Phone: p, Primary: m == 0})
	}
	return in
}

func unitsBody(units []UnitPlan, from int) []byte {
	in := make([]unitIn, len(units))
	for i := range units {
		in[i] = units[i].json(from + i)
	}
	b, _ := json.Marshal(map[string]any{"units": in})
	return b
}

// UnitsJSON builds the units/batch body for units [from, to) and says how
// many people it holds.
func UnitsJSON(r *rand.Rand, prefix, from, to int) ([]byte, int) {
	units := planUnits(r, prefix, from, to)
	people := 0
	for _, u := range units {
		people += len(u.Phones)
	}
	return unitsBody(units, from), people
}

func (u *UnitPlan) hasTag(tag string) bool {
	for _, t := range u.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// audience is who is invited to an event, and how the tool asks for it:
// by a selector the API offers (all, tag, side) or by a list of units.
type audience struct {
	all   bool
	tag   string
	sides []string // each exactly, one request each
	// pick, for a list of unit ids: whether a unit is invited.
	pick func(u *UnitPlan) bool
}

func (a audience) has(u *UnitPlan) bool {
	switch {
	case a.all:
		return true
	case a.tag != "":
		return u.hasTag(a.tag)
	case a.sides != nil:
		for _, s := range a.sides {
			if u.Side == s {
				return true
			}
		}
		return false
	}
	return a.pick(u)
}

// eventAudience is the invitation pattern of event i of n: the invite-only
// family puja (tag family) and farewell lunch (tag vip); the wedding and
// reception for everyone; haldi, mehendi and brunch for family and
// friends; the sangeet for all but work colleagues; the baraat for the
// groom's side and the vidaai for the bride's, each with the shared
// guests.
func eventAudience(i, n int) audience {
	if inviteOnly(i, n) {
		if i == 2 {
			return audience{tag: "family"}
		}
		return audience{tag: "vip"}
	}
	switch i % 10 {
	case 0, 1, 2, 8:
		return audience{pick: func(u *UnitPlan) bool { return u.hasTag("family") || u.hasTag("friends") }}
	case 3:
		return audience{pick: func(u *UnitPlan) bool { return !u.hasTag("work") }}
	case 4:
		return audience{sides: []string{"groom", "both"}}
	case 6:
		return audience{sides: []string{"bride", "both"}}
	}
	return audience{all: true}
}

func inviteOnly(i, n int) bool { return n >= 4 && (i == 2 || i == n-1) }

// Provision creates a wedding through the API as the operator (root): an
// owner token, events, units in batches of 1000, invitations
// (eventAudience) and RSVPs for a share spec.Answered of them, sent by
// spec.Workers concurrent writers. It checks the engine's counts of
// invitations as it goes.
func Provision(c *Client, rootToken string, spec WeddingSpec) (*Wedding, error) {
	return ProvisionContext(context.Background(), c, rootToken, spec)
}

// ProvisionContext is Provision, stopping early when ctx ends.
func ProvisionContext(ctx context.Context, c *Client, rootToken string, spec WeddingSpec) (*Wedding, error) {
	if spec.Units <= 0 {
		spec.Units = 1000
	}
	if spec.Events <= 0 {
		spec.Events = 10
	}
	if spec.Workers <= 0 {
		spec.Workers = 8
	}
	if spec.Slug == "" {
		spec.Slug = "load-" + strconv.FormatUint(spec.Seed, 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	}
	if spec.Label == "" {
		spec.Label = "provision"
	}
	r := rand.New(rand.NewPCG(spec.Seed, 7))

	// The plan: units, invitations, answers; all drawn before sending.
	w := &Wedding{PhonePrefix: spec.PhonePrefix, Units: planUnits(r, spec.PhonePrefix, 0, spec.Units)}
	auds := make([]audience, spec.Events)
	for e := range auds {
		auds[e] = eventAudience(e, spec.Events)
		w.InviteOnly = append(w.InviteOnly, inviteOnly(e, spec.Events))
	}
	for i := range w.Units {
		u := &w.Units[i]
		w.People += len(u.Phones)
		for e, a := range auds {
			if a.has(u) {
				u.Events = append(u.Events, e)
				w.Pairs = append(w.Pairs, Pair{Unit: i, Event: e})
			}
		}
	}
	type rsvp struct {
		pair Pair
		body []byte
	}
	var rsvps []rsvp
	for _, p := range w.Pairs {
		if r.Float64() >= spec.Answered {
			continue
		}
		u := &w.Units[p.Unit]
		a := Answer{Status: []string{"yes", "yes", "yes", "no", "maybe"}[r.IntN(5)]}
		body := `{"status":"` + a.Status + `"}`
		if a.Status == "yes" {
			a.Headcount = len(u.Phones)
			if r.IntN(4) == 0 { // a quarter say how many come
				a.Headcount = 1 + r.IntN(len(u.Phones))
				body = `{"status":"yes","headcount":` + strconv.Itoa(a.Headcount) + `}`
			}
		}
		if u.Answers == nil {
			u.Answers = map[int]Answer{}
		}
		u.Answers[p.Event] = a
		rsvps = append(rsvps, rsvp{p, []byte(body)})
	}
	w.RSVPs = len(rsvps)

	var prog *Progress
	if spec.Progress != nil {
		total := spec.Units + len(rsvps)
		if spec.Consent {
			total += spec.Units
		}
		prog = NewProgress(spec.Progress, spec.Label, int64(total))
		defer prog.Done()
	}

	var created struct {
		ID string `json:"id"`
	}
	if err := c.JSON("POST", "/v1/weddings", rootToken, map[string]string{"name": "Load test " + spec.Slug, "slug": spec.Slug,
		"date": "2027-01-20", "timezone": "Asia/Kolkata", "region": "IN"}, &created); err != nil {
		return nil, err
	}
	w.ID = created.ID
	base := "/v1/weddings/" + w.ID
	var tok struct {
		Token string `json:"token"`
	}
	if err := c.JSON("POST", base+"/tokens", rootToken, map[string]string{"role": "owner", "label": "load"}, &tok); err != nil {
		return nil, err
	}
	w.OwnerToken = tok.Token
	start := time.Date(2027, 1, 17, 4, 30, 0, 0, time.UTC) // 10:00 IST
	for i := 0; i < spec.Events; i++ {
		vis := "public"
		if w.InviteOnly[i] {
			vis = "invite_only"
		}
		var ev struct {
			ID string `json:"id"`
		}
		if err := c.JSON("POST", base+"/events", w.OwnerToken, map[string]string{"name": eventNames[i%len(eventNames)],
			"starts_at": start.Add(time.Duration(i) * 8 * time.Hour).Format(time.RFC3339), "visibility": vis}, &ev); err != nil {
			return nil, err
		}
		w.EventIDs = append(w.EventIDs, ev.ID)
	}

	for from := 0; from < spec.Units; from += 1000 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		to := min(from+1000, spec.Units)
		var res struct {
			Results []struct {
				ID    string          `json:"id"`
				Error json.RawMessage `json:"error"`
			} `json:"results"`
		}
		if err := c.JSON("POST", base+"/units/batch", w.OwnerToken, json.RawMessage(unitsBody(w.Units[from:to], from)), &res); err != nil {
			return nil, err
		}
		if len(res.Results) != to-from {
			return nil, fmt.Errorf("units/batch: %d results for %d units", len(res.Results), to-from)
		}
		for i, it := range res.Results {
			if it.ID == "" {
				return nil, fmt.Errorf("units/batch item %d: %s", from+i, it.Error)
			}
			w.UnitIDs = append(w.UnitIDs, it.ID)
		}
		if prog != nil {
			prog.Add(int64(to - from))
		}
	}

	if err := w.invite(c, auds); err != nil {
		return nil, err
	}
	if spec.Consent {
		if err := w.consent(ctx, c, spec.Workers, prog); err != nil {
			return nil, err
		}
	}

	// RSVPs, from spec.Workers writers.
	jobs := make(chan rsvp)
	errc := make(chan error, spec.Workers)
	var wg sync.WaitGroup
	for range spec.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				path := base + "/rsvps/" + w.UnitIDs[j.pair.Unit] + "/" + w.EventIDs[j.pair.Event]
				status, ans, err := c.Do("PUT", path, w.OwnerToken, j.body)
				if err == nil && status != 200 {
					err = fmt.Errorf("status %d: %.300s", status, ans)
				}
				if err != nil {
					errc <- fmt.Errorf("PUT %s: %w", path, err)
					return
				}
				if prog != nil {
					prog.Add(1)
				}
			}
		}()
	}
	var err error
send:
	for _, j := range rsvps {
		select {
		case jobs <- j:
		case err = <-errc:
			break send
		case <-ctx.Done():
			err = ctx.Err()
			break send
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

// invite sends the invitations of the plan, events with the same
// audience together, and checks the engine's count of new invitations.
func (w *Wedding) invite(c *Client, auds []audience) error {
	base := "/v1/weddings/" + w.ID
	type call struct {
		body   map[string]any
		events []int
	}
	var calls []call
	add := func(key string, val any, e int) {
		for i := range calls {
			if calls[i].body[key] != nil && fmt.Sprint(calls[i].body[key]) == fmt.Sprint(val) {
				calls[i].events = append(calls[i].events, e)
				return
			}
		}
		calls = append(calls, call{body: map[string]any{key: val}, events: []int{e}})
	}
	for e, a := range auds {
		switch {
		case a.all:
			add("all", true, e)
		case a.tag != "":
			add("tag", a.tag, e)
		case a.sides != nil:
			for _, s := range a.sides {
				add("side", s, e)
			}
		default:
			ids := []string{}
			for i := range w.Units {
				if a.pick(&w.Units[i]) {
					ids = append(ids, w.UnitIDs[i])
				}
			}
			if len(ids) > 0 {
				add("unit_ids", ids, e)
			}
		}
	}
	invited := 0
	for _, cl := range calls {
		ids := make([]string, len(cl.events))
		for i, e := range cl.events {
			ids[i] = w.EventIDs[e]
		}
		cl.body["event_ids"] = ids
		var res struct {
			Invited int `json:"invited"`
			Already int `json:"already"`
		}
		if err := c.JSON("POST", base+"/invitations", w.OwnerToken, cl.body, &res); err != nil {
			return err
		}
		if res.Already != 0 {
			return fmt.Errorf("invitations %v: %d already invited; the plan invites each unit once", cl.body, res.Already)
		}
		invited += res.Invited
	}
	if invited != len(w.Pairs) {
		return fmt.Errorf("invitations: the engine made %d, the plan has %d", invited, len(w.Pairs))
	}
	return nil
}

// consent records an opt-in for each unit's primary contact, from workers
// concurrent writers, and keeps their person ids in w.Primaries.
func (w *Wedding) consent(ctx context.Context, c *Client, workers int, prog *Progress) error {
	base := "/v1/weddings/" + w.ID
	primary := make(map[string]string, len(w.UnitIDs)) // unit id → primary person id
	for after := ""; ; {
		var pg struct {
			Items []struct {
				ID      string `json:"id"`
				Members []struct {
					ID      string `json:"id"`
					Primary bool   `json:"primary"`
				} `json:"members"`
			} `json:"items"`
			Next string `json:"next"`
		}
		if err := c.JSON("GET", base+"/units?limit=1000&after="+url.QueryEscape(after), w.OwnerToken, nil, &pg); err != nil {
			return err
		}
		for _, u := range pg.Items {
			for _, m := range u.Members {
				if m.Primary {
					primary[u.ID] = m.ID
				}
			}
		}
		if after = pg.Next; after == "" || len(pg.Items) == 0 {
			break
		}
	}
	w.Primaries = make([]string, len(w.UnitIDs))
	for i, id := range w.UnitIDs {
		if w.Primaries[i] = primary[id]; w.Primaries[i] == "" {
			return fmt.Errorf("consent: unit %s has no primary contact", id)
		}
	}
	body := []byte(`{"status":"opted_in","source":"load test: asked at the RSVP desk"}`)
	return parallel(ctx, workers, len(w.Primaries), func(i int) error {
		path := base + "/people/" + w.Primaries[i] + "/consent"
		if status, ans, err := c.Do("PUT", path, w.OwnerToken, body); err != nil || status != 200 {
			if err == nil {
				err = fmt.Errorf("status %d: %.300s", status, ans)
			}
			return fmt.Errorf("PUT %s: %w", path, err)
		}
		if prog != nil {
			prog.Add(1)
		}
		return nil
	})
}

// parallel calls fn(0) … fn(n-1) from workers goroutines and returns the
// first error (the rest are then not started), or ctx's.
func parallel(ctx context.Context, workers, n int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := fn(i); err != nil {
					cancel(err)
				}
			}
		}()
	}
send:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break send
		}
	}
	close(jobs)
	wg.Wait()
	return context.Cause(ctx)
}

// ErrNoInvitations: a scenario needs invitations to answer and the
// provisioned weddings have none.
var ErrNoInvitations = errors.New("load: the provisioned weddings have no invitations")
