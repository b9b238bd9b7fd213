package domain

// Change is one journaled fact about a wedding: what a command decided, with
// its sequence number, time and author. Exactly one of the payload pointers
// is set. Changes are plain data so they can be encoded (storage), shipped
// (another node) and replayed (recovery).
//
// NB: persisted (msgpack field names); add fields, never rename or reuse.
type Change struct {
	Seq uint64  `msgpack:"q"`
	At  Instant `msgpack:"t"`
	By  string  `msgpack:"b,omitempty"` // token id of the author; "root" for the operator

	WeddingCreated *WeddingCreated `msgpack:"wc,omitempty"`
	TokenIssued    *Token          `msgpack:"ti,omitempty"`
	TokenRevoked   *TokenRevoked   `msgpack:"tr,omitempty"`
	EventSaved     *Event          `msgpack:"es,omitempty"`
	EventDeleted   *EventDeleted   `msgpack:"ed,omitempty"`
	UnitsSaved     *UnitsSaved     `msgpack:"us,omitempty"`
	UnitDeleted    *UnitDeleted    `msgpack:"ud,omitempty"`
	Invited        *Invited        `msgpack:"in,omitempty"`
	Uninvited      *Uninvited      `msgpack:"un,omitempty"`
	RSVPRecorded   *RSVPRecorded   `msgpack:"rr,omitempty"`
	WeddingUpdated *WeddingUpdated `msgpack:"wu,omitempty"`

	ConsentRecorded  *ConsentRecorded  `msgpack:"cr,omitempty"`
	CampaignCreated  *CampaignCreated  `msgpack:"cc,omitempty"`
	CampaignStateSet *CampaignStateSet `msgpack:"cs,omitempty"`
	MessagesUpdated  *MessagesUpdated  `msgpack:"mu,omitempty"`

	AttentionAdded    *AttentionAdded    `msgpack:"aa,omitempty"`
	AttentionResolved *AttentionResolved `msgpack:"ar,omitempty"`

	ImportRecorded *ImportRecorded `msgpack:"ir,omitempty"`
	MergeResolved  *MergeResolved  `msgpack:"mr,omitempty"`
	PeopleMerged   *PeopleMerged   `msgpack:"pm,omitempty"`

	WebsiteSaved      *WebsiteSaved      `msgpack:"ws,omitempty"`
	WebsitePublished  *WebsitePublished  `msgpack:"wp,omitempty"`
	GuestLinkIssued   *GuestLink         `msgpack:"gi,omitempty"`
	GuestLinksRevoked *GuestLinksRevoked `msgpack:"gr,omitempty"`

	// Kept, beside the payload, is the answer of the command whose last
	// change this is, when the command carried an idempotency key.
	Kept *KeptAnswer `msgpack:"ka,omitempty"`
}

// Kind names the change's payload, for the audit trail and logs.
func (c *Change) Kind() string {
	switch {
	case c.WeddingCreated != nil:
		return "wedding_created"
	case c.TokenIssued != nil:
		return "token_issued"
	case c.TokenRevoked != nil:
		return "token_revoked"
	case c.EventSaved != nil:
		return "event_saved"
	case c.EventDeleted != nil:
		return "event_deleted"
	case c.UnitsSaved != nil:
		return "units_saved"
	case c.UnitDeleted != nil:
		return "unit_deleted"
	case c.Invited != nil:
		return "invited"
	case c.Uninvited != nil:
		return "uninvited"
	case c.RSVPRecorded != nil:
		return "rsvp_recorded"
	case c.WeddingUpdated != nil:
		return "wedding_updated"
	case c.ConsentRecorded != nil:
		return "consent_recorded"
	case c.CampaignCreated != nil:
		return "campaign_created"
	case c.CampaignStateSet != nil:
		return "campaign_state_set"
	case c.MessagesUpdated != nil:
		return "messages_updated"
	case c.AttentionAdded != nil:
		return "attention_added"
	case c.AttentionResolved != nil:
		return "attention_resolved"
	case c.ImportRecorded != nil:
		return "import_recorded"
	case c.MergeResolved != nil:
		return "merge_resolved"
	case c.PeopleMerged != nil:
		return "people_merged"
	case c.WebsiteSaved != nil:
		return "website_saved"
	case c.WebsitePublished != nil:
		return "website_published"
	case c.GuestLinkIssued != nil:
		return "guest_link_issued"
	case c.GuestLinksRevoked != nil:
		return "guest_links_revoked"
	}
	return "unknown"
}

// WeddingCreated starts a wedding's journal.
type WeddingCreated struct {
	Info Info `msgpack:"i"`
}

// WeddingUpdated replaces the wedding's description (name, slug). PrevSlug
// is the slug it had, so that storage can free it in the same commit.
type WeddingUpdated struct {
	Info     Info   `msgpack:"i"`
	PrevSlug string `msgpack:"ps,omitempty"`
}

// TokenRevoked ends a token.
type TokenRevoked struct {
	ID string `msgpack:"id"`
}

// EventDeleted removes an event and every invitation to it.
type EventDeleted struct {
	ID string `msgpack:"id"`
}

// UnitsSaved creates or replaces units (name, side, tags, members). A saved
// unit keeps its invitations; the Invitations field here is ignored.
type UnitsSaved struct {
	Units []Unit `msgpack:"u"`
}

// UnitDeleted removes a unit and its invitations.
type UnitDeleted struct {
	ID string `msgpack:"id"`
}

// Grant is one unit's seats at one event.
type Grant struct {
	UnitID  string `msgpack:"u"`
	EventID string `msgpack:"e"`
	Seats   int32  `msgpack:"s"`
}

// Invited creates invitations (RSVP pending) or updates their seats.
type Invited struct {
	Grants []Grant `msgpack:"g"`
}

// Pair names one invitation.
type Pair struct {
	UnitID  string `msgpack:"u"`
	EventID string `msgpack:"e"`
}

// Uninvited removes invitations (and their RSVPs).
type Uninvited struct {
	Pairs []Pair `msgpack:"p"`
}

// RSVPRecorded sets a unit's answer for an event.
type RSVPRecorded struct {
	UnitID     string     `msgpack:"u"`
	EventID    string     `msgpack:"e"`
	Status     RSVPStatus `msgpack:"s"`
	Headcount  int32      `msgpack:"h"`
	Source     Source     `msgpack:"src"`
	AnsweredAt Instant    `msgpack:"at"`
	Note       string     `msgpack:"n,omitempty"`
}
