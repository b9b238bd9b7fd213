package load

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
}

// Wedding is a provisioned wedding.
type Wedding struct {
	ID         string
	OwnerToken string
	EventIDs   []string
	UnitIDs    []string
	People     int
	RSVPs      int
}

var eventNames = []string{"Haldi", "Mehendi", "Family puja", "Sangeet", "Baraat", "Wedding", "Vidaai", "Reception", "Brunch", "Farewell lunch"}

// HouseholdSize draws a household of 1..6 people, mostly 2–4.
func householdSize(r *rand.Rand) int {
	return []int{1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 6}[r.IntN(11)]
}

// Phone is a valid Indian mobile number, distinct for distinct
// (prefix, unit, member) with unit < 100,000 and member < 10.
func Phone(prefix, unit, member int) string {
	return fmt.Sprintf("+919%02d%06d%d", prefix%100, unit%1_000_000, member%10)
}

// UnitsJSON builds the units/batch body for units [from, to).
func UnitsJSON(r *rand.Rand, prefix, from, to int) ([]byte, int) {
	type member struct {
		Name    string `json:"name"`
		Phone   string `json:"phone"`
		Primary bool   `json:"primary"`
	}
	type unit struct {
		Name    string   `json:"name"`
		Side    string   `json:"side"`
		Tags    []string `json:"tags"`
		Members []member `json:"members"`
	}
	sides := []string{"bride", "groom", "both"}
	tags := [][]string{{"family"}, {"friends"}, {"work"}, {"family", "vip"}, nil}
	units := make([]unit, 0, to-from)
	people := 0
	for i := from; i < to; i++ {
		n := householdSize(r)
		u := unit{Name: fmt.Sprintf("Family %d", i), Side: sides[r.IntN(3)], Tags: tags[r.IntN(len(tags))]}
		for m := 0; m < n; m++ {
			u.Members = append(u.Members, member{Name: fmt.Sprintf("Guest %d-%d", i, m), Phone: Phone(prefix, i, m), Primary: m == 0})
		}
		people += n
		units = append(units, u)
	}
	b, _ := json.Marshal(map[string]any{"units": units})
	return b, people
}

// Provision creates a wedding through the API as the operator (root): its
// owner token, events, units in batches of 1000, invitations (public
// events: everyone; invite-only: tag family) and RSVPs.
func Provision(c *Client, rootToken string, spec WeddingSpec) (*Wedding, error) {
	if spec.Units <= 0 {
		spec.Units = 1000
	}
	if spec.Events <= 0 {
		spec.Events = 10
	}
	r := rand.New(rand.NewPCG(spec.Seed, 7))
	var w struct {
		ID string `json:"id"`
	}
	if err := c.JSON("POST", "/v1/weddings", rootToken, map[string]string{"name": "Load test", "slug": fmt.Sprintf("load-%d", spec.Seed),
		"date": "2027-01-20", "timezone": "Asia/Kolkata", "region": "IN"}, &w); err != nil {
		return nil, err
	}
	out := &Wedding{ID: w.ID}
	base := "/v1/weddings/" + w.ID
	var tok struct {
		Token string `json:"token"`
	}
	if err := c.JSON("POST", base+"/tokens", rootToken, map[string]string{"role": "owner", "label": "load"}, &tok); err != nil {
		return nil, err
	}
	out.OwnerToken = tok.Token
	start := time.Date(2027, 1, 17, 10, 0, 0, 0, time.UTC)
	var inviteOnly []string
	for i := 0; i < spec.Events; i++ {
		vis := "public"
		if spec.Events >= 4 && (i == 2 || i == spec.Events-1) {
			vis = "invite_only"
		}
		var ev struct {
			ID string `json:"id"`
		}
		if err := c.JSON("POST", base+"/events", out.OwnerToken, map[string]string{"name": eventNames[i%len(eventNames)],
			"starts_at": start.Add(time.Duration(i) * 8 * time.Hour).Format(time.RFC3339), "visibility": vis}, &ev); err != nil {
			return nil, err
		}
		out.EventIDs = append(out.EventIDs, ev.ID)
		if vis == "invite_only" {
			inviteOnly = append(inviteOnly, ev.ID)
		}
	}
	for from := 0; from < spec.Units; from += 1000 {
		to := min(from+1000, spec.Units)
		body, people := UnitsJSON(r, spec.PhonePrefix, from, to)
		var res struct {
			Results []struct {
				ID    string          `json:"id"`
				Error json.RawMessage `json:"error"`
			} `json:"results"`
		}
		status, ans, err := c.Do("POST", base+"/units/batch", out.OwnerToken, body)
		if err != nil || status != 200 {
			return nil, fmt.Errorf("units/batch: status %d, %v: %.300s", status, err, ans)
		}
		if err := json.Unmarshal(ans, &res); err != nil {
			return nil, err
		}
		for i, it := range res.Results {
			if it.ID == "" {
				return nil, fmt.Errorf("units/batch item %d: %s", from+i, it.Error)
			}
			out.UnitIDs = append(out.UnitIDs, it.ID)
		}
		out.People += people
	}
	var public []string
	for _, id := range out.EventIDs {
		if !contains(inviteOnly, id) {
			public = append(public, id)
		}
	}
	if len(public) > 0 {
		if err := c.JSON("POST", base+"/invitations", out.OwnerToken, map[string]any{"event_ids": public, "all": true}, nil); err != nil {
			return nil, err
		}
	}
	if len(inviteOnly) > 0 {
		if err := c.JSON("POST", base+"/invitations", out.OwnerToken, map[string]any{"event_ids": inviteOnly, "tag": "family"}, nil); err != nil {
			return nil, err
		}
	}
	statuses := []string{"yes", "yes", "yes", "no", "maybe"}
	for _, u := range out.UnitIDs {
		for _, e := range public {
			if r.Float64() >= spec.Answered {
				continue
			}
			if err := c.JSON("PUT", base+"/rsvps/"+u+"/"+e, out.OwnerToken, map[string]string{"status": statuses[r.IntN(len(statuses))]}, nil); err != nil {
				return nil, err
			}
			out.RSVPs++
		}
	}
	return out, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
