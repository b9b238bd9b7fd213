package httpapi

import (
	"context"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// The messaging routes (API.md "Messaging (WhatsApp)"): campaigns, their
// messages, and the consent ledger.

// Messaging is what the messaging routes need of the engine beyond Engine.
type Messaging interface {
	// CampaignPlan is a campaign's summary with its send plan.
	CampaignPlan(ctx context.Context, weddingID string, by domain.Principal, id string) (domain.CampaignSummary, domain.Plan, error)
	// CampaignPlanOf is the send plan of a summary already read.
	CampaignPlanOf(s domain.CampaignSummary) domain.Plan
}

type templateIn struct {
	Name     string `json:"name"`
	Language string `json:"language"`
}

type audienceIn struct {
	UnitIDs []string `json:"unit_ids"`
	RSVP    string   `json:"rsvp"`
	All     bool     `json:"all"`
}

type campaignIn struct {
	Kind         string      `json:"kind"`
	EventIDs     []string    `json:"event_ids"`
	Audience     *audienceIn `json:"audience"`
	Template     *templateIn `json:"template"`
	PriorityTags []string    `json:"priority_tags"`
}

type skippedJSON struct {
	DoNotMessage int32 `json:"do_not_message"`
	NoConsent    int32 `json:"no_consent"`
	NoPhone      int32 `json:"no_phone"`
}

type campaignCreatedJSON struct {
	ID      string      `json:"id"`
	Total   int         `json:"total"`
	Skipped skippedJSON `json:"skipped"`
}

type waveJSON struct {
	At    jsonTime `json:"at"`
	Units int      `json:"units"`
}

type planJSON struct {
	Now            int        `json:"now"`
	WaitingForTier int        `json:"waiting_for_tier"`
	ETA            *jsonTime  `json:"eta"`
	Waves          []waveJSON `json:"waves"`
}

type campaignJSON struct {
	ID            string      `json:"id"`
	Kind          string      `json:"kind"`
	EventIDs      []string    `json:"event_ids"`
	Template      templateIn  `json:"template"`
	PriorityTags  []string    `json:"priority_tags"`
	State         string      `json:"state"`
	Reason        string      `json:"reason,omitempty"`
	Total         int         `json:"total"`
	Queued        int         `json:"queued"`
	Sent          int         `json:"sent"`
	Delivered     int         `json:"delivered"`
	Read          int         `json:"read"`
	Failed        int         `json:"failed"`
	InDoubt       int         `json:"in_doubt"`
	Replied       int         `json:"replied"`
	Skipped       skippedJSON `json:"skipped"`
	Plan          planJSON    `json:"plan"`
	CorrelationID string      `json:"correlation_id"`
	CreatedAt     jsonTime    `json:"created_at"`
	UpdatedAt     jsonTime    `json:"updated_at"`
}

func toSkipped(s domain.Skipped) skippedJSON {
	return skippedJSON{DoNotMessage: s.DoNotMessage, NoConsent: s.NoConsent, NoPhone: s.NoPhone}
}

func toCampaign(s domain.CampaignSummary, p domain.Plan) campaignJSON {
	n := s.Counts
	out := campaignJSON{ID: s.ID, Kind: s.Kind.String(), EventIDs: s.EventIDs,
		Template: templateIn{Name: s.Template.Name, Language: s.Template.Language}, PriorityTags: s.PriorityTags,
		State: s.State.String(), Reason: s.Reason, Total: n.Total, Queued: n.Queued, Sent: n.Sent,
		Delivered: n.Delivered, Read: n.Read, Failed: n.Failed, InDoubt: n.InDoubt, Replied: s.Replied,
		Skipped: toSkipped(s.Skipped), CorrelationID: s.RequestID, CreatedAt: jsonTime(s.CreatedAt), UpdatedAt: jsonTime(s.UpdatedAt),
		Plan: planJSON{Now: p.Now, WaitingForTier: p.WaitingForTier, Waves: make([]waveJSON, len(p.Waves))}}
	if out.PriorityTags == nil {
		out.PriorityTags = []string{}
	}
	for i, w := range p.Waves {
		out.Plan.Waves[i] = waveJSON{At: jsonTime(w.At), Units: w.Units}
	}
	if p.ETA != 0 {
		eta := jsonTime(p.ETA)
		out.Plan.ETA = &eta
	}
	return out
}

func (s *Server) createCampaign(r *request) error {
	var in campaignIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	kind, ok := domain.ParseCampaignKind(in.Kind)
	if !ok {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "kind", "kind must be invite or reminder, not %q", in.Kind)
	}
	if in.Template == nil {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "template", "template is required: {\"name\":\"wedding_invite\",\"language\":\"en\"}")
	}
	if in.Audience == nil {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "audience", `audience is required: {"all":true}, {"rsvp":"pending"} or {"unit_ids":[...]}`)
	}
	if in.Audience.RSVP != "" && in.Audience.RSVP != "pending" {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "audience.rsvp", `audience.rsvp can only be "pending", not %q`, in.Audience.RSVP)
	}
	cmd := &domain.CreateCampaign{Kind: kind, EventIDs: in.EventIDs,
		Audience:     domain.Audience{UnitIDs: in.Audience.UnitIDs, RSVPPending: in.Audience.RSVP == "pending", All: in.Audience.All},
		Template:     domain.TemplateRef{Name: in.Template.Name, Language: in.Template.Language},
		PriorityTags: in.PriorityTags, RequestID: r.id}
	return s.command(r, cmd, fasthttp.StatusAccepted, func(res actors.Result) any {
		c := res.Value.(*domain.Campaign)
		return campaignCreatedJSON{ID: c.ID, Total: len(c.Messages), Skipped: toSkipped(c.Skipped)}
	})
}

func (s *Server) listCampaigns(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListCampaigns{})
	if err != nil {
		return err
	}
	items := []campaignJSON{}
	for _, c := range v.([]domain.CampaignSummary) {
		// The plan of each, as GET of one gives it: the list is a
		// dashboard's view of every campaign.
		items = append(items, toCampaign(c, s.eng.CampaignPlanOf(c)))
	}
	writeJSON(r.rc, fasthttp.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) getCampaign(r *request) error {
	c, p, err := s.eng.CampaignPlan(r.context(), r.wedding, r.by, r.param("c"))
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toCampaign(c, p))
	return nil
}

func (s *Server) campaignAction(action domain.CampaignAction) func(*Server, *request) error {
	return func(s *Server, r *request) error {
		if len(r.rc.PostBody()) > 0 {
			var empty struct{}
			if err := decode(r.rc.PostBody(), &empty); err != nil {
				return err
			}
		}
		if _, err := s.do(r, &domain.SetCampaignState{ID: r.param("c"), Action: action}); err != nil {
			return err
		}
		return s.getCampaign(r)
	}
}

type messageErrorJSON struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

type statusAtJSON struct {
	Status string   `json:"status"`
	At     jsonTime `json:"at"`
}

type messageJSON struct {
	ID            string            `json:"id"`
	CampaignID    string            `json:"campaign_id"`
	UnitID        string            `json:"unit_id"`
	PersonID      string            `json:"person_id"`
	Phone         string            `json:"phone"`
	WAMID         string            `json:"wamid"`
	Status        string            `json:"status"`
	Error         *messageErrorJSON `json:"error"`
	Attempts      int32             `json:"attempts"`
	History       []statusAtJSON    `json:"history"`
	CorrelationID string            `json:"correlation_id"`
}

func (s *Server) listMessages(r *request) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	f := domain.MessageFilter{CampaignID: r.query("campaign"), UnitID: r.query("unit"), After: r.query("after"), Limit: limit}
	if v := r.query("status"); v != "" {
		st, ok := domain.ParseMessageStatus(v)
		if !ok {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "status", "status must be queued, sent, delivered, read, failed or in_doubt, not %q", v)
		}
		f.Status = &st
	}
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListMessages{Filter: f})
	if err != nil {
		return err
	}
	pg := v.(domain.MessagePage)
	items := make([]messageJSON, len(pg.Items))
	for i, m := range pg.Items {
		out := messageJSON{ID: m.ID, CampaignID: m.CampaignID, UnitID: m.UnitID, PersonID: m.PersonID, Phone: m.Phone,
			WAMID: m.WAMID, Status: m.Status.String(), Attempts: m.Attempts, CorrelationID: m.RequestID,
			History: make([]statusAtJSON, 0, len(m.History))}
		if m.Error != nil {
			out.Error = &messageErrorJSON{Code: m.Error.Code, Title: m.Error.Title}
		}
		for _, h := range m.History {
			// "sending" is an engine-internal step: the API's history
			// shows what the guest's message went through.
			if h.Status != domain.MessageSending {
				out.History = append(out.History, statusAtJSON{Status: h.Status.String(), At: jsonTime(h.At)})
			}
		}
		items[i] = out
	}
	writeJSON(r.rc, fasthttp.StatusOK, map[string]any{"items": items, "next": pg.Next})
	return nil
}

type consentIn struct {
	Status string `json:"status"`
	Source string `json:"source"`
}

type consentEntryJSON struct {
	PersonID string   `json:"person_id"`
	Status   string   `json:"status"`
	Source   string   `json:"source"`
	By       string   `json:"by"`
	At       jsonTime `json:"at"`
}

type consentJSON struct {
	PersonID string             `json:"person_id"`
	Phone    string             `json:"phone"`
	Status   string             `json:"status"`
	Entries  []consentEntryJSON `json:"entries"`
}

func toConsent(l domain.ConsentLedger) consentJSON {
	out := consentJSON{PersonID: l.PersonID, Phone: l.Phone, Status: l.Status.String(), Entries: make([]consentEntryJSON, len(l.Entries))}
	for i, e := range l.Entries {
		out.Entries[i] = consentEntryJSON{PersonID: e.PersonID, Status: e.Status.String(), Source: e.Source, By: e.By, At: jsonTime(e.At)}
	}
	return out
}

func (s *Server) putConsent(r *request) error {
	var in consentIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	st, ok := domain.ParseConsentStatus(in.Status)
	if !ok {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "status", "status must be opted_in or opted_out, not %q", in.Status)
	}
	res, err := s.do(r, &domain.RecordConsent{PersonID: r.param("p"), Status: st, Source: in.Source})
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toConsent(res.Value.(domain.ConsentLedger)))
	return nil
}

func (s *Server) getConsent(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.GetConsent{PersonID: r.param("p")})
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toConsent(v.(domain.ConsentLedger)))
	return nil
}

type attentionJSON struct {
	ID         string   `json:"id"`
	UnitID     string   `json:"unit_id"`
	PersonID   string   `json:"person_id"`
	Text       string   `json:"text"`
	ReceivedAt jsonTime `json:"received_at"`
	Reason     string   `json:"reason"`
	MessageID  string   `json:"message_id,omitempty"`
}

func (s *Server) listAttention(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListAttention{})
	if err != nil {
		return err
	}
	all := v.([]domain.AttentionItem)
	items := make([]attentionJSON, len(all))
	for i, it := range all {
		items[i] = attentionJSON{ID: it.ID, UnitID: it.UnitID, PersonID: it.PersonID, Text: it.Text,
			ReceivedAt: jsonTime(it.ReceivedAt), Reason: it.Reason, MessageID: it.MessageID}
	}
	writeJSON(r.rc, fasthttp.StatusOK, map[string]any{"items": items})
	return nil
}

type attentionRSVPIn struct {
	EventID   string `json:"event_id"`
	Status    string `json:"status"`
	Headcount *int32 `json:"headcount"`
}

type resolveIn struct {
	RSVPs   []attentionRSVPIn `json:"rsvps"`
	Dismiss bool              `json:"dismiss"`
}

func (s *Server) resolveAttention(r *request) error {
	var in resolveIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	cmd := &domain.ResolveAttention{ID: r.param("a"), Dismiss: in.Dismiss}
	for i, rv := range in.RSVPs {
		st, ok := domain.ParseRSVPStatus(rv.Status)
		if !ok {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "rsvps."+strconv.Itoa(i)+".status", "status must be yes, no, maybe or pending, not %q", rv.Status)
		}
		cmd.RSVPs = append(cmd.RSVPs, domain.AttentionRSVP{EventID: rv.EventID, Status: st, Headcount: rv.Headcount})
	}
	return s.command(r, cmd, fasthttp.StatusOK, func(res actors.Result) any {
		out := []rsvpJSON{}
		if rs, ok := res.Value.([]domain.RSVPResult); ok {
			for _, rr := range rs {
				out = append(out, toRSVP(rr.UnitID, rr.EventID, rr.Seats, rr.RSVP))
			}
		}
		return map[string]any{"resolved": r.param("a"), "rsvps": out}
	})
}
