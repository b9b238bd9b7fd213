package httpapi

import (
	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/domain"
)

// JSON shapes of API.md. Requests decode into *In types strictly; answers
// are built from domain values by the *JSON functions.

type weddingJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Slug      string   `json:"slug"`
	Date      string   `json:"date"`
	Timezone  string   `json:"timezone"`
	Region    string   `json:"region"`
	CreatedAt jsonTime `json:"created_at"`
	Seq       uint64   `json:"seq,omitempty"`
}

func toWedding(i domain.Info, seq uint64) weddingJSON {
	return weddingJSON{ID: i.ID, Name: i.Name, Slug: i.Slug, Date: i.Date, Timezone: i.Timezone,
		Region: i.Region, CreatedAt: jsonTime(i.CreatedAt), Seq: seq}
}

type weddingIn struct {
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Date     string `json:"date"`
	Timezone string `json:"timezone"`
	Region   string `json:"region"`
}

// weddingPatchIn is PATCH /v1/weddings/{w}: the fields to change.
type weddingPatchIn struct {
	Name *string `json:"name"`
	Slug *string `json:"slug"`
}

type tokenIn struct {
	Role  string `json:"role"`
	Side  string `json:"side"`
	Label string `json:"label"`
}

type tokenJSON struct {
	ID        string   `json:"id"`
	Token     string   `json:"token,omitempty"`
	Role      string   `json:"role"`
	Side      string   `json:"side,omitempty"`
	Label     string   `json:"label,omitempty"`
	CreatedAt jsonTime `json:"created_at"`
	Revoked   bool     `json:"revoked,omitempty"`
}

type eventJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	StartsAt   jsonTime `json:"starts_at"`
	EndsAt     jsonTime `json:"ends_at"`
	Venue      string   `json:"venue"`
	Visibility string   `json:"visibility"`
}

func toEvent(e domain.Event) eventJSON {
	out := eventJSON{ID: e.ID, Name: e.Name, StartsAt: jsonTime(e.StartsAt),
		Venue: e.Venue, Visibility: e.Visibility.String()}
	if e.HasEnd() { // otherwise null
		out.EndsAt = jsonTime(e.EndsAt)
	}
	return out
}

type eventIn struct {
	Name       *string `json:"name"`
	StartsAt   *string `json:"starts_at"`
	EndsAt     *string `json:"ends_at"`
	Venue      *string `json:"venue"`
	Visibility *string `json:"visibility"`
}

type memberJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Primary bool   `json:"primary"`
	// Sources: the imports that created or updated the person.
	Sources []sourceJSON `json:"sources,omitempty"`
}

type sourceJSON struct {
	ImportID string `json:"import_id"`
	File     string `json:"file"`
	Row      int32  `json:"row"`
}

type invitationJSON struct {
	EventID   string `json:"event_id"`
	Seats     int32  `json:"seats"`
	Status    string `json:"status"`
	Headcount int32  `json:"headcount"`
}

type unitJSON struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Side        string           `json:"side"`
	Tags        []string         `json:"tags"`
	Members     []memberJSON     `json:"members"`
	Invitations []invitationJSON `json:"invitations"`
	CreatedAt   jsonTime         `json:"created_at"`
	UpdatedAt   jsonTime         `json:"updated_at"`
}

func toUnit(u domain.Unit) unitJSON {
	out := unitJSON{ID: u.ID, Name: u.Name, Side: u.Side.String(), Tags: u.Tags,
		Members: make([]memberJSON, len(u.Members)), Invitations: make([]invitationJSON, len(u.Invitations)),
		CreatedAt: jsonTime(u.CreatedAt), UpdatedAt: jsonTime(u.UpdatedAt)}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	for i, m := range u.Members {
		out.Members[i] = memberJSON{ID: m.ID, Name: m.Name, Phone: m.Phone, Email: m.Email, Primary: m.Primary}
		for _, src := range m.Sources {
			out.Members[i].Sources = append(out.Members[i].Sources, sourceJSON{ImportID: src.ImportID, File: src.Source, Row: src.Line})
		}
	}
	for i, inv := range u.Invitations {
		out.Invitations[i] = invitationJSON{EventID: inv.EventID, Seats: inv.Seats,
			Status: inv.RSVP.Status.String(), Headcount: inv.RSVP.Headcount}
	}
	return out
}

type memberIn struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Primary bool   `json:"primary"`
}

type unitIn struct {
	Name    *string     `json:"name"`
	Side    *string     `json:"side"`
	Tags    *[]string   `json:"tags"`
	Members *[]memberIn `json:"members"`
}

func members(in []memberIn) []domain.MemberInput {
	out := make([]domain.MemberInput, len(in))
	for i, m := range in {
		out[i] = domain.MemberInput{ID: m.ID, Name: m.Name, Phone: m.Phone, Email: m.Email, Primary: m.Primary}
	}
	return out
}

// unitInput is a new unit from its JSON; field is the JSON path prefix for
// errors ("" or "units.3").
func unitInput(in *unitIn, field string) (domain.UnitInput, *apiError) {
	var u domain.UnitInput
	if in.Name != nil {
		u.Name = *in.Name
	}
	if in.Side != nil {
		s, ok := domain.ParseSide(*in.Side)
		if !ok {
			return u, errorf(fasthttp.StatusBadRequest, "invalid_field", join(field, "side"), "side must be bride, groom or both, not %q", *in.Side)
		}
		u.Side = s
	} else {
		// Absent (or null) is not "both": the domain picks the default,
		// which for a side admin is its own side.
		u.SideOmitted = true
	}
	if in.Tags != nil {
		u.Tags = *in.Tags
	}
	if in.Members != nil {
		u.Members = members(*in.Members)
	}
	return u, nil
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

type rsvpJSON struct {
	UnitID     string   `json:"unit_id"`
	EventID    string   `json:"event_id"`
	Status     string   `json:"status"`
	Headcount  int32    `json:"headcount"`
	Seats      int32    `json:"seats"`
	Source     string   `json:"source"`
	AnsweredAt jsonTime `json:"answered_at"`
	Note       string   `json:"note"`
	Seq        uint64   `json:"seq,omitempty"`
}

func toRSVP(unitID, eventID string, seats int32, r domain.RSVP) rsvpJSON {
	return rsvpJSON{UnitID: unitID, EventID: eventID, Status: r.Status.String(), Headcount: r.Headcount,
		Seats: seats, Source: r.Source.String(), AnsweredAt: jsonTime(r.AnsweredAt), Note: r.Note, Seq: r.Seq}
}

// appendRSVP appends r as encoding/json writes it (the field order and
// omitempty of rsvpJSON's tags), by hand: an RSVP is the answer of the
// hottest write, and reflection was a fifth of its handler's time.
// TestAppendRSVPMatchesJSON keeps the two equal.
func appendRSVP(b []byte, r *rsvpJSON) []byte {
	b = append(b, `{"unit_id":`...)
	b = appendString(b, r.UnitID)
	b = append(b, `,"event_id":`...)
	b = appendString(b, r.EventID)
	b = append(b, `,"status":`...)
	b = appendString(b, r.Status)
	b = append(b, ',')
	b = appendInt(b, "headcount", int64(r.Headcount))
	b = append(b, ',')
	b = appendInt(b, "seats", int64(r.Seats))
	b = append(b, `,"source":`...)
	b = appendString(b, r.Source)
	b = append(b, `,"answered_at":`...)
	b = appendTime(b, domain.Instant(r.AnsweredAt))
	b = append(b, `,"note":`...)
	b = appendString(b, r.Note)
	if r.Seq != 0 {
		b = append(b, ',')
		b = appendInt(b, "seq", int64(r.Seq))
	}
	return append(b, '}')
}

type rsvpIn struct {
	Status    string `json:"status"`
	Headcount *int32 `json:"headcount"`
	Note      string `json:"note"`
}

type inviteIn struct {
	EventIDs []string `json:"event_ids"`
	UnitIDs  []string `json:"unit_ids"`
	All      bool     `json:"all"`
	Side     *string  `json:"side"`
	Tag      string   `json:"tag"`
	Seats    int32    `json:"seats"`
}

type uninviteIn struct {
	EventIDs []string `json:"event_ids"`
	UnitIDs  []string `json:"unit_ids"`
}

type batchIn struct {
	Units []unitIn `json:"units"`
}

type batchResult struct {
	Index int       `json:"index"`
	ID    string    `json:"id,omitempty"`
	Error *apiError `json:"error,omitempty"`
}

type page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

type auditJSON struct {
	Seq    uint64   `json:"seq"`
	At     jsonTime `json:"at"`
	By     string   `json:"by"`
	Kind   string   `json:"kind"`
	Detail any      `json:"detail"`
}

// auditListMax is how many items of a large change (units saved,
// invitations granted or removed) the audit trail shows; past it, the
// change is summarised: its count, the first auditListMax items, and per
// event counts for invitations. A re-invite of 1,000 households to 10
// events is one change of 10,000 grants: listed whole, 200 of them made a
// 92 MB page.
const auditListMax = 20

type auditUnits struct {
	Count     int        `json:"count"`
	Units     []unitJSON `json:"units"`
	Truncated bool       `json:"truncated,omitempty"`
}

type auditGrant struct {
	UnitID  string `json:"unit_id"`
	EventID string `json:"event_id"`
	Seats   int32  `json:"seats,omitempty"`
}

type auditEventCount struct {
	EventID string `json:"event_id"`
	Units   int    `json:"units"`
}

type auditGrants struct {
	Count       int               `json:"count"`
	Invitations []auditGrant      `json:"invitations,omitempty"`
	Removed     []auditGrant      `json:"removed,omitempty"`
	Events      []auditEventCount `json:"events,omitempty"`
	Truncated   bool              `json:"truncated,omitempty"`
}

type auditRSVP struct {
	UnitID     string   `json:"unit_id"`
	EventID    string   `json:"event_id"`
	Status     string   `json:"status"`
	Headcount  int32    `json:"headcount"`
	Source     string   `json:"source"`
	AnsweredAt jsonTime `json:"answered_at"`
	Note       string   `json:"note"`
}

// summariseGrants lists the first auditListMax pairs of a change and, when
// it holds more, how many units each event got.
func summariseGrants(n int, pair func(i int) auditGrant) auditGrants {
	out := auditGrants{Count: n}
	list := make([]auditGrant, min(n, auditListMax))
	for i := range list {
		list[i] = pair(i)
	}
	out.Invitations = list
	if n > auditListMax {
		out.Truncated = true
		idx := map[string]int{}
		for i := range n {
			e := pair(i).EventID
			j, ok := idx[e]
			if !ok {
				j = len(out.Events)
				idx[e] = j
				out.Events = append(out.Events, auditEventCount{EventID: e})
			}
			out.Events[j].Units++
		}
	}
	return out
}

// toAudit describes one journaled change for people: ids and the fields
// that changed, never token hashes or kept answers, and large changes
// summarised (auditListMax).
func toAudit(c *domain.Change) auditJSON {
	a := auditJSON{Seq: c.Seq, At: jsonTime(c.At), By: c.By, Kind: c.Kind()}
	switch {
	case c.WeddingCreated != nil:
		a.Detail = toWedding(c.WeddingCreated.Info, 0)
	case c.WeddingUpdated != nil:
		a.Detail = toWedding(c.WeddingUpdated.Info, 0)
	case c.TokenIssued != nil:
		t := c.TokenIssued
		a.Detail = tokenJSON{ID: t.ID, Role: t.Role.String(), Side: sideOf(t.Role, t.Side), Label: t.Label, CreatedAt: jsonTime(t.CreatedAt)}
	case c.TokenRevoked != nil:
		a.Detail = map[string]string{"token_id": c.TokenRevoked.ID}
	case c.EventSaved != nil:
		a.Detail = toEvent(*c.EventSaved)
	case c.EventDeleted != nil:
		a.Detail = map[string]string{"event_id": c.EventDeleted.ID}
	case c.UnitsSaved != nil:
		all := c.UnitsSaved.Units
		d := auditUnits{Count: len(all), Units: make([]unitJSON, min(len(all), auditListMax)), Truncated: len(all) > auditListMax}
		for i := range d.Units {
			d.Units[i] = toUnit(all[i])
			d.Units[i].Invitations = nil
		}
		a.Detail = d
	case c.UnitDeleted != nil:
		a.Detail = map[string]string{"unit_id": c.UnitDeleted.ID}
	case c.Invited != nil:
		g := c.Invited.Grants
		a.Detail = summariseGrants(len(g), func(i int) auditGrant {
			return auditGrant{UnitID: g[i].UnitID, EventID: g[i].EventID, Seats: g[i].Seats}
		})
	case c.Uninvited != nil:
		p := c.Uninvited.Pairs
		d := summariseGrants(len(p), func(i int) auditGrant { return auditGrant{UnitID: p[i].UnitID, EventID: p[i].EventID} })
		d.Removed, d.Invitations = d.Invitations, nil
		a.Detail = d
	case c.RSVPRecorded != nil:
		r := c.RSVPRecorded
		a.Detail = auditRSVP{UnitID: r.UnitID, EventID: r.EventID, Status: r.Status.String(),
			Headcount: r.Headcount, Source: r.Source.String(), AnsweredAt: jsonTime(r.AnsweredAt), Note: r.Note}
	case c.ConsentRecorded != nil:
		e := c.ConsentRecorded.Entry
		a.Detail = map[string]string{"person_id": e.PersonID, "status": e.Status.String(), "source": e.Source}
	case c.CampaignCreated != nil:
		cp := &c.CampaignCreated.Campaign
		a.Detail = auditCampaign{CampaignID: cp.ID, Kind: cp.Kind.String(), EventIDs: cp.EventIDs,
			Template: templateIn{Name: cp.Template.Name, Language: cp.Template.Language},
			State:    cp.State.String(), Total: len(cp.Messages), Skipped: toSkipped(cp.Skipped)}
	case c.AttentionAdded != nil:
		it := c.AttentionAdded.Item
		a.Detail = map[string]string{"attention_id": it.ID, "unit_id": it.UnitID, "reason": it.Reason}
	case c.AttentionResolved != nil:
		d := map[string]any{"attention_id": c.AttentionResolved.ID, "dismissed": c.AttentionResolved.Dismissed}
		a.Detail = d
	case c.WebsiteSaved != nil:
		ws := c.WebsiteSaved.Website
		a.Detail = map[string]any{"title": ws.Title, "privacy": ws.Privacy.String(), "password_set": ws.Password != nil}
	case c.WebsitePublished != nil:
		a.Detail = map[string]any{"version": c.WebsitePublished.Version}
	case c.GuestLinkIssued != nil:
		// The link's id and unit, never its token.
		a.Detail = map[string]any{"link_id": c.GuestLinkIssued.ID, "unit_id": c.GuestLinkIssued.UnitID,
			"expires_at": jsonTime(c.GuestLinkIssued.ExpiresAt)}
	case c.GuestLinksRevoked != nil:
		a.Detail = map[string]string{"unit_id": c.GuestLinksRevoked.UnitID}
	case c.ImportRecorded != nil:
		im := c.ImportRecorded.Import
		d := map[string]any{"import_id": im.ID, "name": im.Source, "format": im.Format, "rows": im.Rows, "created": im.Created,
			"updated": im.Updated, "unchanged": im.Unchanged, "invalid": im.Invalid, "suggestions": im.Suggestions}
		a.Detail = d
	case c.MergeResolved != nil:
		a.Detail = map[string]string{"suggestion_id": c.MergeResolved.ID, "state": c.MergeResolved.State.String()}
	case c.PeopleMerged != nil:
		a.Detail = map[string]any{"kept_person_id": c.PeopleMerged.Keep, "merged_person_id": c.PeopleMerged.Drop,
			"households_merged": c.PeopleMerged.Units}
	case c.CampaignStateSet != nil:
		a.Detail = map[string]string{"campaign_id": c.CampaignStateSet.ID, "state": c.CampaignStateSet.State.String(),
			"reason": c.CampaignStateSet.Reason}
	case c.MessagesUpdated != nil:
		u := c.MessagesUpdated
		d := auditMessages{CampaignID: u.CampaignID, Count: len(u.Updates), Truncated: len(u.Updates) > auditListMax}
		cp := domain.Campaign{ID: u.CampaignID}
		for _, m := range u.Updates[:min(len(u.Updates), auditListMax)] {
			am := auditMessage{MessageID: cp.MessageID(int(m.Index)), Status: m.Status.String(), WAMID: m.WAMID}
			if m.Status == domain.MessageSending {
				am.Status = "sending"
			}
			if m.Error != nil {
				am.Error = &messageErrorJSON{Code: m.Error.Code, Title: m.Error.Title}
			}
			d.Messages = append(d.Messages, am)
		}
		a.Detail = d
	}
	return a
}

type auditCampaign struct {
	CampaignID string      `json:"campaign_id"`
	Kind       string      `json:"kind"`
	EventIDs   []string    `json:"event_ids"`
	Template   templateIn  `json:"template"`
	State      string      `json:"state"`
	Total      int         `json:"total"`
	Skipped    skippedJSON `json:"skipped"`
}

type auditMessage struct {
	MessageID string            `json:"message_id"`
	Status    string            `json:"status"`
	WAMID     string            `json:"wamid,omitempty"`
	Error     *messageErrorJSON `json:"error,omitempty"`
}

type auditMessages struct {
	CampaignID string         `json:"campaign_id"`
	Count      int            `json:"count"`
	Messages   []auditMessage `json:"messages"`
	Truncated  bool           `json:"truncated,omitempty"`
}

func sideOf(r domain.Role, s domain.Side) string {
	if r != domain.RoleSideAdmin {
		return ""
	}
	return s.String()
}
