package domain

import "slices"

// The outbox's commands: the engine's campaign workers take a message for
// sending (BeginSend, journaled before the call to Meta), record what the
// call came to (RecordSend), and at recovery mark what was being sent as
// in doubt (RecoverSends). Admins pause, resume and cancel campaigns.

// BeginSend takes a campaign's queued message for sending: the compliance
// gate is asked again (an opt-out recorded since the campaign was created
// stops the message), and the message becomes "sending" before anything
// leaves the engine. Only the engine (root) runs it.
type BeginSend struct {
	CampaignID string
	Index      int
}

// SendJob is what a worker needs to send one message, or why it must not.
type SendJob struct {
	// Skip: nothing to send (the campaign is not running, the message is
	// no longer queued, or the gate stopped it); Reason says which.
	Skip   bool
	Reason string

	CampaignID  string
	MessageID   string
	Index       int
	UnitID      string
	PersonID    string
	Phone       string
	GuestName   string
	WeddingName string
	Timezone    string
	Kind        CampaignKind
	Template    TemplateRef
	// Events are the campaign's events the unit is invited to, in time
	// order.
	Events    []Event
	Attempt   int32
	RequestID string
}

// sendTarget is the campaign and message an engine send command names.
func (w *Wedding) sendTarget(m Meta, campaignID string, index int) (*Campaign, *Message, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine sends messages")
	}
	camp := w.Campaign(campaignID)
	if camp == nil {
		return nil, nil, notFound("campaign_id", "campaign", campaignID)
	}
	if index < 0 || index >= len(camp.Messages) {
		return nil, nil, notFound("index", "message", camp.MessageID(index))
	}
	return camp, &camp.Messages[index], nil
}

func (c *BeginSend) decide(w *Wedding, m Meta) ([]Change, any, error) {
	camp, msg, err := w.sendTarget(m, c.CampaignID, c.Index)
	if err != nil {
		return nil, nil, err
	}
	job := SendJob{CampaignID: camp.ID, MessageID: camp.MessageID(c.Index), Index: c.Index}
	switch {
	case camp.State != CampaignRunning:
		job.Skip, job.Reason = true, "campaign "+camp.State.String()
		return nil, job, nil
	case msg.Status != MessageQueued:
		job.Skip, job.Reason = true, "message "+msg.Status.String()
		return nil, job, nil
	}
	fail := func(code, title string) ([]Change, any, error) {
		job.Skip, job.Reason = true, code
		up := MessageUpdate{Index: int32(c.Index), Status: MessageFailed, Attempts: msg.Attempts,
			Error: &MessageError{Code: code, Title: title}}
		ch := []Change{{MessagesUpdated: &MessagesUpdated{CampaignID: camp.ID, Updates: []MessageUpdate{up}}}}
		return append(ch, w.doneIfFinished(camp, c.Index)...), job, nil
	}
	u := w.Units[msg.UnitID]
	if u == nil {
		return fail("unit_deleted", "the household was deleted before the send")
	}
	var per *Person
	for i := range u.Members {
		if u.Members[i].ID == msg.PersonID {
			per = &u.Members[i]
		}
	}
	if per == nil || per.Phone != msg.Phone {
		return fail("contact_changed", "the contact or their phone changed before the send")
	}
	switch w.ConsentOf(msg.Phone) {
	case OptedOut:
		return fail("opted_out", "the guest opted out before the send")
	case OptedIn:
	default:
		return fail("no_consent", "the guest's consent was withdrawn before the send")
	}
	for _, id := range camp.EventIDs {
		if e := w.Event(id); e != nil && u.Invitation(id) != nil {
			job.Events = append(job.Events, *e)
		}
	}
	if len(job.Events) == 0 {
		return fail("not_invited", "the household is no longer invited to any of the campaign's events")
	}
	job.UnitID, job.PersonID, job.Phone, job.GuestName = u.ID, per.ID, per.Phone, per.Name
	job.WeddingName, job.Timezone = w.Info.Name, w.Info.Timezone
	job.Kind, job.Template, job.RequestID = camp.Kind, camp.Template, camp.RequestID
	job.Attempt = msg.Attempts + 1
	up := MessageUpdate{Index: int32(c.Index), Status: MessageSending, Attempts: job.Attempt, Error: msg.Error, Phone: msg.Phone}
	return []Change{{MessagesUpdated: &MessagesUpdated{CampaignID: camp.ID, Updates: []MessageUpdate{up}}}}, job, nil
}

// doneIfFinished is the change that ends a running campaign whose last
// pending message is index (about to leave the pending states).
func (w *Wedding) doneIfFinished(camp *Campaign, index int) []Change {
	if camp.State != CampaignRunning {
		return nil
	}
	for i := range camp.Messages {
		if i != index && camp.Messages[i].Status.pending() {
			return nil
		}
	}
	return []Change{{CampaignStateSet: &CampaignStateSet{ID: camp.ID, State: CampaignDone}}}
}

// SendOutcome is what one send came to, as the engine's policy reads
// Meta's answer.
type SendOutcome struct {
	// WAMID: Meta accepted the message.
	WAMID string
	// InDoubt: no answer came though the request may have reached Meta;
	// the message is not sent again.
	InDoubt bool
	// Retry: not accepted, to be tried again from NotBefore.
	Retry     bool
	NotBefore Instant
	// Code and Title: Meta's error (with Retry, the last one; otherwise
	// the message failed).
	Code  string
	Title string
	// Pause stops the campaign (the account cannot send: Meta's account
	// level errors, a template Meta refuses); Reason says why to the admin.
	Pause  bool
	Reason string
}

// RecordSend records the outcome of a message's send. A message no longer
// "sending" (recovery marked it in doubt meanwhile) is left as it is.
type RecordSend struct {
	CampaignID string
	Index      int
	Outcome    SendOutcome
}

func (c *RecordSend) decide(w *Wedding, m Meta) ([]Change, any, error) {
	camp, msg, err := w.sendTarget(m, c.CampaignID, c.Index)
	if err != nil {
		return nil, nil, err
	}
	if msg.Status != MessageSending {
		return nil, msg.Status, nil
	}
	o := c.Outcome
	up := MessageUpdate{Index: int32(c.Index), Attempts: msg.Attempts}
	switch {
	case o.WAMID != "":
		up.Status, up.WAMID = MessageSent, o.WAMID
	case o.InDoubt:
		up.Status = MessageInDoubt
	case o.Retry:
		up.Status, up.NotBefore = MessageQueued, o.NotBefore
		up.Error = &MessageError{Code: o.Code, Title: o.Title}
	default:
		up.Status = MessageFailed
		up.Error = &MessageError{Code: o.Code, Title: o.Title}
	}
	changes := []Change{{MessagesUpdated: &MessagesUpdated{CampaignID: camp.ID, Updates: []MessageUpdate{up}}}}
	switch {
	case o.Pause && camp.State == CampaignRunning:
		changes = append(changes, Change{CampaignStateSet: &CampaignStateSet{ID: camp.ID, State: CampaignPaused, Reason: o.Reason}})
	case !up.Status.pending():
		changes = append(changes, w.doneIfFinished(camp, c.Index)...)
	}
	return changes, up.Status, nil
}

// RecoverSends marks every message found "sending" as in doubt: run when a
// wedding is loaded, before its campaigns resume, since a send that was in
// flight at a crash may or may not have reached Meta. Only the engine runs
// it.
type RecoverSends struct{}

func (RecoverSends) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine recovers sends")
	}
	var changes []Change
	n := 0
	for _, camp := range w.Campaigns {
		var ups []MessageUpdate
		for i := range camp.Messages {
			if msg := &camp.Messages[i]; msg.Status == MessageSending {
				ups = append(ups, MessageUpdate{Index: int32(i), Status: MessageInDoubt, Attempts: msg.Attempts, Error: msg.Error})
			}
		}
		if len(ups) == 0 {
			continue
		}
		n += len(ups)
		changes = append(changes, Change{MessagesUpdated: &MessagesUpdated{CampaignID: camp.ID, Updates: ups}})
		if camp.State == CampaignRunning {
			pending := false
			for i := range camp.Messages {
				pending = pending || camp.Messages[i].Status == MessageQueued
			}
			if !pending {
				changes = append(changes, Change{CampaignStateSet: &CampaignStateSet{ID: camp.ID, State: CampaignDone}})
			}
		}
	}
	return changes, n, nil
}

// CampaignAction is what an admin does to a campaign.
type CampaignAction uint8

const (
	PauseCampaign CampaignAction = iota + 1
	ResumeCampaign
	CancelCampaign
)

// SetCampaignState pauses, resumes or cancels a campaign.
type SetCampaignState struct {
	ID     string
	Action CampaignAction
}

func (c *SetCampaignState) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleSideAdmin, "manage campaigns"); err != nil {
		return nil, nil, err
	}
	camp := w.Campaign(c.ID)
	if camp == nil || !camp.visibleTo(m.By) {
		return nil, nil, notFound("campaign_id", "campaign", c.ID)
	}
	var next CampaignState
	switch c.Action {
	case PauseCampaign:
		if camp.State == CampaignPaused {
			return nil, summarize(camp), nil
		}
		if camp.State != CampaignRunning && camp.State != CampaignPlanned {
			return nil, nil, campaignState(camp, "paused")
		}
		next = CampaignPaused
	case ResumeCampaign:
		if camp.State == CampaignRunning {
			return nil, summarize(camp), nil
		}
		if camp.State != CampaignPaused {
			return nil, nil, campaignState(camp, "resumed")
		}
		next = CampaignRunning
		if !slices.ContainsFunc(camp.Messages, func(m Message) bool { return m.Status.pending() }) {
			next = CampaignDone
		}
	case CancelCampaign:
		if camp.State == CampaignCancelled {
			return nil, summarize(camp), nil
		}
		if !camp.State.Active() {
			return nil, nil, campaignState(camp, "cancelled")
		}
		next = CampaignCancelled
	default:
		return nil, nil, invalid("action", "unknown action")
	}
	after := *camp
	after.State, after.Reason, after.UpdatedAt = next, "", m.Now
	return []Change{{CampaignStateSet: &CampaignStateSet{ID: camp.ID, State: next}}}, summarize(&after), nil
}

func campaignState(c *Campaign, verb string) error {
	return conflict("campaign_state", "", "", "campaign %s is %s and cannot be %s", c.ID, c.State, verb)
}
