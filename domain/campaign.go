package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A campaign sends one WhatsApp template message to each unit of an
// audience (an invitation, or a reminder), through the unit's primary
// contact. Creating it is one change that holds the campaign and its whole
// outbox; each send is then two changes, one before the call to Meta
// (MessageSending) and one with its outcome, so that a crash between them
// leaves the message in doubt rather than sent twice.

// CampaignKind says what a campaign sends.
type CampaignKind uint8

// NB: persisted; must not change.
const (
	CampaignInvite   CampaignKind = 0
	CampaignReminder CampaignKind = 1
)

func (k CampaignKind) String() string {
	if k == CampaignReminder {
		return "reminder"
	}
	return "invite"
}

// ParseCampaignKind reads "invite" or "reminder".
func ParseCampaignKind(v string) (CampaignKind, bool) {
	switch v {
	case "invite":
		return CampaignInvite, true
	case "reminder":
		return CampaignReminder, true
	}
	return 0, false
}

// CampaignState is where a campaign is in its life.
type CampaignState uint8

// NB: persisted; must not change.
const (
	CampaignRunning   CampaignState = 0
	CampaignPaused    CampaignState = 1
	CampaignDone      CampaignState = 2
	CampaignCancelled CampaignState = 3
	CampaignPlanned   CampaignState = 4
)

func (s CampaignState) String() string {
	switch s {
	case CampaignRunning:
		return "running"
	case CampaignPaused:
		return "paused"
	case CampaignDone:
		return "done"
	case CampaignCancelled:
		return "cancelled"
	case CampaignPlanned:
		return "planned"
	}
	return "unknown"
}

// Active reports whether the campaign may still send.
func (s CampaignState) Active() bool {
	return s == CampaignRunning || s == CampaignPaused || s == CampaignPlanned
}

// MessageStatus is where one outbound message is.
type MessageStatus uint8

// NB: persisted; must not change.
const (
	MessageQueued MessageStatus = 0
	// MessageSending: recorded durably just before the call to Meta. Found
	// at recovery, it means the call's outcome is unknown: in doubt.
	MessageSending   MessageStatus = 1
	MessageSent      MessageStatus = 2
	MessageDelivered MessageStatus = 3
	MessageRead      MessageStatus = 4
	MessageFailed    MessageStatus = 5
	MessageInDoubt   MessageStatus = 6
	// MessageOther is a status Meta sent that the engine does not rank
	// ("played", say): kept in a message's history only, by its name.
	MessageOther MessageStatus = 7
)

// String is the status as the API names it. A message being sent is still
// "queued" to the API: it is not sent until Meta has accepted it.
func (s MessageStatus) String() string {
	switch s {
	case MessageQueued, MessageSending:
		return "queued"
	case MessageSent:
		return "sent"
	case MessageDelivered:
		return "delivered"
	case MessageRead:
		return "read"
	case MessageFailed:
		return "failed"
	case MessageInDoubt:
		return "in_doubt"
	case MessageOther:
		return "other"
	}
	return "unknown"
}

// ParseMessageStatus reads a status as the API names it.
func ParseMessageStatus(v string) (MessageStatus, bool) {
	for s := MessageQueued; s <= MessageInDoubt; s++ {
		if s != MessageSending && s.String() == v {
			return s, true
		}
	}
	return 0, false
}

// pending reports whether the message still waits for its send.
func (s MessageStatus) pending() bool { return s == MessageQueued || s == MessageSending }

// TemplateRef names a registered WhatsApp template.
type TemplateRef struct {
	Name     string `msgpack:"n"`
	Language string `msgpack:"l"`
}

// Skipped counts the units of an audience that get no message, by why.
type Skipped struct {
	DoNotMessage int32 `msgpack:"dn,omitempty"`
	NoConsent    int32 `msgpack:"nc,omitempty"`
	NoPhone      int32 `msgpack:"np,omitempty"`
}

// MessageError is why a message failed: Meta's error code (or one of the
// engine's own, such as "opted_out") and its title.
type MessageError struct {
	Code  string `msgpack:"c"`
	Title string `msgpack:"t,omitempty"`
}

// StatusAt is one step of a message's history.
type StatusAt struct {
	Status MessageStatus `msgpack:"s"`
	At     Instant       `msgpack:"at"`
	// Name is the status as Meta named it, for MessageOther.
	Name string `msgpack:"n,omitempty"`
}

// Message is one outbound message of a campaign, to one unit's primary
// contact. Its id is the campaign's and its index ("c5k.12").
type Message struct {
	UnitID   string        `msgpack:"u"`
	PersonID string        `msgpack:"p"`
	Phone    string        `msgpack:"ph"`
	Status   MessageStatus `msgpack:"s,omitempty"`
	WAMID    string        `msgpack:"w,omitempty"`
	Error    *MessageError `msgpack:"er,omitempty"`
	Attempts int32         `msgpack:"a,omitempty"`
	// NotBefore is when a retried message may go again.
	NotBefore Instant    `msgpack:"nb,omitempty"`
	History   []StatusAt `msgpack:"h,omitempty"`
}

// Campaign is one send campaign and its outbox.
type Campaign struct {
	ID           string        `msgpack:"id"`
	Kind         CampaignKind  `msgpack:"k,omitempty"`
	EventIDs     []string      `msgpack:"ev"`
	Template     TemplateRef   `msgpack:"tp"`
	PriorityTags []string      `msgpack:"pt,omitempty"`
	State        CampaignState `msgpack:"st,omitempty"`
	// Reason says why the engine paused the campaign (an account-level
	// error from Meta, say); empty when an admin did.
	Reason  string  `msgpack:"rs,omitempty"`
	Skipped Skipped `msgpack:"sk"`
	// Scoped is set on a side admin's campaign, Scope its side: side
	// admins see only their own side's campaigns (visibleTo).
	Scope     Side    `msgpack:"sc,omitempty"`
	Scoped    bool    `msgpack:"sco,omitempty"`
	By        string  `msgpack:"b,omitempty"`
	RequestID string  `msgpack:"rq,omitempty"`
	CreatedAt Instant `msgpack:"ca"`
	UpdatedAt Instant `msgpack:"ua"`
	// Messages is the outbox, in sending order (priority tags first).
	Messages []Message `msgpack:"m"`
}

// MessageID is the id of the campaign's i-th message.
func (c *Campaign) MessageID(i int) string { return c.ID + "." + strconv.FormatInt(int64(i), 36) }

// ParseMessageID splits a message id into its campaign's id and index.
func ParseMessageID(id string) (campaignID string, index int, ok bool) {
	i := strings.LastIndexByte(id, '.')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(id[i+1:], 36, 32)
	if err != nil || n < 0 {
		return "", 0, false
	}
	return id[:i], int(n), true
}

// CampaignCounts is each message counted once, under its current status.
type CampaignCounts struct {
	Total, Queued, Sent, Delivered, Read, Failed, InDoubt int
}

// Counts counts the campaign's messages by status.
func (c *Campaign) Counts() CampaignCounts {
	n := CampaignCounts{Total: len(c.Messages)}
	for i := range c.Messages {
		switch c.Messages[i].Status {
		case MessageQueued, MessageSending:
			n.Queued++
		case MessageSent:
			n.Sent++
		case MessageDelivered:
			n.Delivered++
		case MessageRead:
			n.Read++
		case MessageFailed:
			n.Failed++
		case MessageInDoubt:
			n.InDoubt++
		}
	}
	return n
}

// visibleTo reports whether p may see the campaign. A side admin sees only
// its own side's campaigns: one to every side would tell it the other
// side's numbers.
func (c *Campaign) visibleTo(p Principal) bool {
	return p.Role != RoleSideAdmin || c.Scoped && p.Side == c.Scope
}

// Campaign returns the campaign with id, or nil.
func (w *Wedding) Campaign(id string) *Campaign {
	for _, c := range w.Campaigns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// ActiveCampaigns are the ids of the campaigns that may still send.
func (w *Wedding) ActiveCampaigns() []string {
	var ids []string
	for _, c := range w.Campaigns {
		if c.State.Active() {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// Limits of campaigns.
const (
	// MaxCampaigns bounds a wedding's campaigns (each holds an outbox).
	MaxCampaigns   = 200
	maxTemplateLen = 512
)

// Audience is who a campaign is for: exactly one of UnitIDs, RSVPPending,
// All; always limited to units invited to at least one of its events.
type Audience struct {
	UnitIDs     []string
	RSVPPending bool
	All         bool
}

// CreateCampaign resolves an audience to its units' primary contacts,
// passes each through the compliance gate, and records the campaign with
// one queued message per unit that may be messaged, in one change.
type CreateCampaign struct {
	Kind         CampaignKind
	EventIDs     []string
	Audience     Audience
	Template     TemplateRef
	PriorityTags []string
	// RequestID is the admin's request, carried as the campaign's
	// correlation id.
	RequestID string
}

func (c *CreateCampaign) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleSideAdmin, "send messages"); err != nil {
		return nil, nil, err
	}
	if c.Kind > CampaignReminder {
		return nil, nil, invalid("kind", "kind must be invite or reminder")
	}
	if len(c.EventIDs) == 0 {
		return nil, nil, invalid("event_ids", "event_ids must name at least one event")
	}
	events := dedupe(c.EventIDs)
	if err := w.checkEvents(events); err != nil {
		return nil, nil, err
	}
	if err := checkText("template.name", c.Template.Name, maxTemplateLen, true); err != nil {
		return nil, nil, err
	}
	if err := checkText("template.language", c.Template.Language, 16, true); err != nil {
		return nil, nil, err
	}
	n := 0
	if len(c.Audience.UnitIDs) > 0 {
		n++
	}
	if c.Audience.RSVPPending {
		n++
	}
	if c.Audience.All {
		n++
	}
	if n != 1 {
		return nil, nil, invalid("audience", "audience must be exactly one of unit_ids, rsvp \"pending\" or all")
	}
	if len(c.PriorityTags) > MaxTags {
		return nil, nil, invalid("priority_tags", "at most %d priority tags", MaxTags)
	}
	for i, t := range c.PriorityTags {
		if err := checkText("priority_tags["+strconv.Itoa(i)+"]", t, MaxTagLen, true); err != nil {
			return nil, nil, err
		}
	}
	if len(w.Campaigns) >= MaxCampaigns {
		return nil, nil, conflict("too_many_campaigns", "", "", "this wedding already has %d campaigns", MaxCampaigns)
	}

	var units []*Unit
	if len(c.Audience.UnitIDs) > 0 {
		sel, err := w.selectUnits(m.By, c.Audience.UnitIDs, false, nil, "")
		if err != nil {
			return nil, nil, err
		}
		units = sel
	} else {
		for _, u := range w.Units {
			if m.By.SeesSide(u.Side) {
				units = append(units, u)
			}
		}
		sortUnits(units)
	}
	var wanted []*Unit
	for _, u := range units {
		invited, pending := false, false
		for _, e := range events {
			if inv := u.Invitation(e); inv != nil {
				invited = true
				pending = pending || inv.RSVP.Status == Pending
			}
		}
		if invited && (!c.Audience.RSVPPending || pending) {
			wanted = append(wanted, u)
		}
	}
	// Priority tags first, in their order; the rest keep their order.
	rank := func(u *Unit) int {
		for i, t := range c.PriorityTags {
			if u.HasTag(t) {
				return i
			}
		}
		return len(c.PriorityTags)
	}
	slices.SortStableFunc(wanted, func(a, b *Unit) int { return rank(a) - rank(b) })

	camp := &Campaign{ID: w.newID("c", 0), Kind: c.Kind, EventIDs: events, Template: c.Template,
		PriorityTags: slices.Clone(c.PriorityTags), By: m.By.TokenID, RequestID: c.RequestID,
		CreatedAt: m.Now, UpdatedAt: m.Now}
	if m.By.Role == RoleSideAdmin {
		camp.Scoped, camp.Scope = true, m.By.Side
	}
	for _, u := range wanted {
		per := primaryOf(u)
		switch {
		case per == nil || per.Phone == "":
			camp.Skipped.NoPhone++
			continue
		case w.ConsentOf(per.Phone) == OptedOut:
			camp.Skipped.DoNotMessage++
			continue
		case w.ConsentOf(per.Phone) != OptedIn:
			camp.Skipped.NoConsent++
			continue
		}
		camp.Messages = append(camp.Messages, Message{UnitID: u.ID, PersonID: per.ID, Phone: per.Phone,
			History: []StatusAt{{Status: MessageQueued, At: m.Now}}})
	}
	if len(camp.Messages) == 0 {
		camp.State = CampaignDone
	}
	return []Change{{CampaignCreated: &CampaignCreated{Campaign: *camp}}}, camp, nil
}

// primaryOf is the unit's primary contact: the member marked primary, or
// else the first with a phone.
func primaryOf(u *Unit) *Person {
	for i := range u.Members {
		if u.Members[i].Primary {
			return &u.Members[i]
		}
	}
	for i := range u.Members {
		if u.Members[i].Phone != "" {
			return &u.Members[i]
		}
	}
	return nil
}

// CampaignCreated records a campaign with its outbox.
type CampaignCreated struct {
	Campaign Campaign `msgpack:"c"`
}

// CampaignStateSet moves a campaign to another state.
type CampaignStateSet struct {
	ID     string        `msgpack:"id"`
	State  CampaignState `msgpack:"s"`
	Reason string        `msgpack:"r,omitempty"`
}

// MessageUpdate is a new state of one message of a campaign.
type MessageUpdate struct {
	Index     int32         `msgpack:"i"`
	Status    MessageStatus `msgpack:"s"`
	WAMID     string        `msgpack:"w,omitempty"`
	Error     *MessageError `msgpack:"er,omitempty"`
	Attempts  int32         `msgpack:"a,omitempty"`
	NotBefore Instant       `msgpack:"nb,omitempty"`
	// Phone is set when the message begins sending: storage keeps it for
	// the messaging tier's rolling window (unique recipients per 24 h).
	Phone string `msgpack:"ph,omitempty"`
	// HistoryOnly: the update is a step of the message's history (at At,
	// named Name for MessageOther) and changes nothing else: a status that
	// arrived late, or one the engine does not rank.
	HistoryOnly bool    `msgpack:"ho,omitempty"`
	At          Instant `msgpack:"at,omitempty"` // the step's time; 0: the change's
	Name        string  `msgpack:"n,omitempty"`
}

// MessagesUpdated changes messages of one campaign; each update also
// appends to its message's history (at the change's time) when the status
// changes.
type MessagesUpdated struct {
	CampaignID string          `msgpack:"c"`
	Updates    []MessageUpdate `msgpack:"u"`
}

func (w *Wedding) applyCampaignCreated(cc *CampaignCreated) error {
	if w.Campaign(cc.Campaign.ID) != nil {
		return fmt.Errorf("campaign %q exists", cc.Campaign.ID)
	}
	c := cc.Campaign
	w.Campaigns = append(w.Campaigns, &c)
	return nil
}

func (w *Wedding) applyCampaignState(s *CampaignStateSet, at Instant) error {
	c := w.Campaign(s.ID)
	if c == nil || s.State > CampaignPlanned {
		return fmt.Errorf("state %d for campaign %q", s.State, s.ID)
	}
	c.State, c.Reason, c.UpdatedAt = s.State, s.Reason, at
	return nil
}

func (w *Wedding) applyMessagesUpdated(u *MessagesUpdated, at Instant) error {
	c := w.Campaign(u.CampaignID)
	if c == nil {
		return fmt.Errorf("messages of unknown campaign %q", u.CampaignID)
	}
	for _, up := range u.Updates {
		if up.Index < 0 || int(up.Index) >= len(c.Messages) || up.Status > MessageOther ||
			up.Status == MessageOther && !up.HistoryOnly {
			return fmt.Errorf("update of message %d of campaign %q", up.Index, u.CampaignID)
		}
	}
	for _, up := range u.Updates {
		msg := &c.Messages[up.Index]
		stepAt := at
		if up.At != 0 {
			stepAt = up.At
		}
		if up.HistoryOnly {
			msg.History = append(msg.History, StatusAt{Status: up.Status, At: stepAt, Name: up.Name})
			continue
		}
		if msg.Status != up.Status {
			msg.History = append(msg.History, StatusAt{Status: up.Status, At: stepAt})
		}
		msg.Status, msg.Error, msg.Attempts, msg.NotBefore = up.Status, up.Error, up.Attempts, up.NotBefore
		if up.WAMID != "" && up.WAMID != msg.WAMID {
			if msg.WAMID != "" && w.wamids[msg.WAMID] == (msgRef{c, int(up.Index)}) {
				delete(w.wamids, msg.WAMID)
			}
			msg.WAMID = up.WAMID
			w.indexWAMID(c, int(up.Index))
		}
	}
	c.UpdatedAt = at
	return nil
}
