package domain

import (
	"slices"
	"time"
)

// CampaignSummary is a campaign without its outbox: what the API shows.
type CampaignSummary struct {
	ID           string
	Kind         CampaignKind
	EventIDs     []string
	Template     TemplateRef
	PriorityTags []string
	State        CampaignState
	Reason       string
	Skipped      Skipped
	Counts       CampaignCounts
	// Replied counts units that answered on WhatsApp after their message
	// was sent.
	Replied   int
	RequestID string
	CreatedAt Instant
	UpdatedAt Instant
}

func summarize(c *Campaign) CampaignSummary {
	return CampaignSummary{ID: c.ID, Kind: c.Kind, EventIDs: slices.Clone(c.EventIDs), Template: c.Template,
		PriorityTags: slices.Clone(c.PriorityTags), State: c.State, Reason: c.Reason, Skipped: c.Skipped,
		Counts: c.Counts(), RequestID: c.RequestID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func (w *Wedding) summary(c *Campaign) CampaignSummary {
	s := summarize(c)
	for i := range c.Messages {
		if w.replied(c, &c.Messages[i]) {
			s.Replied++
		}
	}
	return s
}

// replied reports whether the message's unit answered one of the
// campaign's events on WhatsApp after the message was sent.
func (w *Wedding) replied(c *Campaign, msg *Message) bool {
	sentAt := msg.leftAt()
	u := w.Units[msg.UnitID]
	if sentAt == 0 || u == nil {
		return false
	}
	// WhatsApp timestamps are whole seconds: an answer in the second the
	// message left counts.
	since := sentAt - sentAt%Instant(time.Second)
	for _, e := range c.EventIDs {
		if inv := u.Invitation(e); inv != nil && inv.RSVP.Source == SourceWhatsApp && inv.RSVP.AnsweredAt >= since {
			return true
		}
	}
	return false
}

// ListCampaigns lists the campaigns a token may see, newest first.
type ListCampaigns struct{}

// Run implements Query.
func (ListCampaigns) Run(w *Wedding, p Principal) (any, error) {
	out := []CampaignSummary{}
	for i := len(w.Campaigns) - 1; i >= 0; i-- {
		if c := w.Campaigns[i]; c.visibleTo(p) {
			out = append(out, w.summary(c))
		}
	}
	return out, nil
}

// GetCampaign is one campaign's summary.
type GetCampaign struct{ ID string }

// Run implements Query.
func (q GetCampaign) Run(w *Wedding, p Principal) (any, error) {
	c := w.Campaign(q.ID)
	if c == nil || !c.visibleTo(p) {
		return nil, notFound("campaign_id", "campaign", q.ID)
	}
	return w.summary(c), nil
}

// MessageRow is one message as the API lists it.
type MessageRow struct {
	ID         string
	CampaignID string
	RequestID  string
	Message
}

// MessageFilter selects messages; empty fields select everything.
type MessageFilter struct {
	CampaignID string
	UnitID     string
	Status     *MessageStatus
	After      string // a message id: the page starts after it
	Limit      int
}

// MessagePage is a page of messages, in campaign then sending order.
type MessagePage struct {
	Items []MessageRow
	Next  string
}

// ListMessages lists messages of the campaigns a token may see, of units it
// may see.
type ListMessages struct{ Filter MessageFilter }

// Run implements Query.
func (q ListMessages) Run(w *Wedding, p Principal) (any, error) {
	f := q.Filter
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	page := MessagePage{Items: []MessageRow{}}
	started := f.After == ""
	afterCamp, afterIdx, ok := ParseMessageID(f.After)
	if !started && !ok {
		return nil, invalid("after", "after is not a message id of this list")
	}
	for _, c := range w.Campaigns {
		if f.CampaignID != "" && c.ID != f.CampaignID || !c.visibleTo(p) {
			continue
		}
		from := 0
		if !started {
			if c.ID != afterCamp {
				continue
			}
			started, from = true, afterIdx+1
		}
		for i := from; i < len(c.Messages); i++ {
			m := &c.Messages[i]
			if f.UnitID != "" && m.UnitID != f.UnitID {
				continue
			}
			if f.Status != nil && m.Status.String() != f.Status.String() {
				continue
			}
			if u := w.Units[m.UnitID]; u != nil && !p.SeesSide(u.Side) {
				continue
			}
			if len(page.Items) == limit {
				page.Next = page.Items[limit-1].ID
				return page, nil
			}
			row := MessageRow{ID: c.MessageID(i), CampaignID: c.ID, RequestID: c.RequestID, Message: *m}
			row.History = slices.Clone(m.History)
			page.Items = append(page.Items, row)
		}
	}
	return page, nil
}

// CampaignWork is what a campaign's worker walks: its state and its queued
// messages in sending order, with when each may go. Only the engine asks.
type CampaignWork struct{ ID string }

// WorkItem is one queued message of a campaign.
type WorkItem struct {
	Index     int
	Phone     string
	NotBefore Instant
}

// Work is a campaign's state and queued messages.
type Work struct {
	State CampaignState
	Items []WorkItem
}

// Run implements Query.
func (q CampaignWork) Run(w *Wedding, p Principal) (any, error) {
	if p.Role != RoleRoot {
		return nil, forbidden("only the engine walks campaigns")
	}
	c := w.Campaign(q.ID)
	if c == nil {
		return nil, notFound("campaign_id", "campaign", q.ID)
	}
	out := Work{State: c.State}
	for i := range c.Messages {
		if m := &c.Messages[i]; m.Status == MessageQueued {
			out.Items = append(out.Items, WorkItem{Index: i, Phone: m.Phone, NotBefore: m.NotBefore})
		}
	}
	return out, nil
}
