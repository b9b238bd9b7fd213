package domain

import (
	"strings"
	"unicode/utf8"
)

// Status webhooks (API.md "WhatsApp webhook"): Meta reports what became of
// each message the engine sent. Statuses only move forward whatever order
// they arrive in: sent < delivered < read; failed replaces a message not
// yet delivered (queued, sending, sent, in doubt), never a delivered or
// read one (then it is only history). A status Meta sends that the engine
// does not rank ("played") is history only. A status proves Meta took the
// message: one for a message still "sending" (the send's answer not yet
// recorded) or in doubt (a crash hid the answer) settles it as sent, with
// its wamid.

// msgRef is where a message is: its campaign and index.
type msgRef struct {
	c *Campaign
	i int
}

func (w *Wedding) indexWAMID(c *Campaign, i int) {
	if wamid := c.Messages[i].WAMID; wamid != "" {
		if w.wamids == nil {
			w.wamids = map[string]msgRef{}
		}
		w.wamids[wamid] = msgRef{c, i}
	}
}

// MessageByWAMID finds the message Meta knows by wamid.
func (w *Wedding) MessageByWAMID(wamid string) (campaignID string, index int, ok bool) {
	r, ok := w.wamids[wamid]
	if !ok {
		return "", 0, false
	}
	return r.c.ID, r.i, true
}

// statusRank orders the statuses that move a message forward; 0 is before
// any of them.
func statusRank(s MessageStatus) int {
	switch s {
	case MessageSent:
		return 1
	case MessageDelivered:
		return 2
	case MessageRead:
		return 3
	}
	return 0
}

// ParseMetaStatus reads a status as Meta names it: sent, delivered, read,
// failed, or any other (MessageOther).
func ParseMetaStatus(v string) MessageStatus {
	switch strings.ToLower(v) {
	case "sent":
		return MessageSent
	case "delivered":
		return MessageDelivered
	case "read":
		return MessageRead
	case "failed":
		return MessageFailed
	}
	return MessageOther
}

// RecordStatus applies one status of a message the engine sent. The
// message is named by MessageID (the engine's id, which Meta echoes as
// biz_opaque_callback_data) or, without it, by WAMID. Only the engine
// (root) runs it. A repeated or older status changes nothing.
type RecordStatus struct {
	MessageID string
	WAMID     string
	Status    string // as Meta sends it
	At        Instant
	Error     *MessageError
}

// StatusResult says what a status did.
type StatusResult struct {
	CampaignID string
	Index      int
	// Applied: the message's status moved (or its history grew).
	Applied bool
}

func (c *RecordStatus) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if m.By.Role != RoleRoot {
		return nil, nil, forbidden("only the engine records WhatsApp statuses")
	}
	var camp *Campaign
	index := -1
	if c.MessageID != "" {
		if cid, i, ok := ParseMessageID(c.MessageID); ok {
			if cp := w.Campaign(cid); cp != nil && i < len(cp.Messages) {
				camp, index = cp, i
			}
		}
	}
	if camp == nil && c.WAMID != "" {
		if r, ok := w.wamids[c.WAMID]; ok {
			camp, index = r.c, r.i
		}
	}
	if camp == nil {
		return nil, nil, notFound("message_id", "message", c.MessageID+c.WAMID)
	}
	msg := &camp.Messages[index]
	if c.WAMID != "" && msg.WAMID != "" && msg.WAMID != c.WAMID {
		// The callback data names a message Meta knows by another wamid: a
		// forged or foreign status.
		return nil, nil, notFound("wamid", "message", c.WAMID)
	}
	if c.WAMID != "" && msg.WAMID == "" {
		if r, ok := w.wamids[c.WAMID]; ok && (r.c != camp || r.i != index) {
			// Meta's ids are unique: a wamid another message has is not
			// this one's.
			return nil, nil, notFound("wamid", "message", c.WAMID)
		}
	}
	res := StatusResult{CampaignID: camp.ID, Index: index}
	at := c.At
	if at == 0 {
		at = m.Now
	}
	next := ParseMetaStatus(c.Status)
	up := MessageUpdate{Index: int32(index), Status: msg.Status, Attempts: msg.Attempts, NotBefore: msg.NotBefore,
		Error: msg.Error, WAMID: c.WAMID, At: at}
	switch {
	case next == MessageOther:
		name := truncate(c.Status, 32)
		if msg.inHistory(MessageOther, name, at) {
			return nil, res, nil // a repeat
		}
		up = MessageUpdate{Index: int32(index), Status: MessageOther, HistoryOnly: true, At: at, Name: name}
	case next == MessageFailed:
		if statusRank(msg.Status) >= 2 || msg.Status == MessageFailed && msg.Error != nil && c.Error != nil && *msg.Error == *c.Error {
			if msg.Status == MessageFailed || msg.inHistory(MessageFailed, "", at) {
				return nil, res, nil // a repeat
			}
			up = MessageUpdate{Index: int32(index), Status: MessageFailed, HistoryOnly: true, At: at}
		} else {
			up.Status, up.Error, up.NotBefore = MessageFailed, c.Error, 0
			if up.Error == nil {
				up.Error = &MessageError{Code: "failed", Title: "WhatsApp reported the message failed"}
			}
		}
	case statusRank(next) > statusRank(msg.Status) && msg.Status != MessageFailed:
		up.Status, up.Error, up.NotBefore = next, nil, 0
	case msg.Status == MessageFailed && statusRank(next) > 0 && msg.WAMID == "":
		// Failed without ever being accepted, yet Meta reports it: it did
		// go (a send answered with an error that Meta then delivered).
		up.Status, up.Error = next, nil
	case msg.Status == MessageFailed && statusRank(next) >= 2:
		// Delivered or read after a failure (another of the guest's
		// devices, WHATSAPP.md §4): in Meta's order the failure came
		// after and is history only, so the message is delivered, in
		// whatever order the two arrive.
		up.Status, up.Error, up.NotBefore = next, nil, 0
	default:
		return nil, res, nil // older, or a repeat: changes nothing
	}
	res.Applied = true
	changes := []Change{{MessagesUpdated: &MessagesUpdated{CampaignID: camp.ID, Updates: []MessageUpdate{up}}}}
	if !up.HistoryOnly && !up.Status.pending() && msg.Status.pending() {
		changes = append(changes, w.doneIfFinished(camp, index)...)
	}
	return changes, res, nil
}

// inHistory reports whether the message's history has status (named
// name, for MessageOther) at at: a redelivered history-only status.
func (m *Message) inHistory(status MessageStatus, name string, at Instant) bool {
	for _, h := range m.History {
		if h.Status == status && h.At == at && h.Name == name {
			return true
		}
	}
	return false
}

// leftAt is when the message left: the earliest step of its history Meta
// ranks (sent, delivered, read: a delivered or read status can come
// before the sent one, or alone); 0 if none.
func (m *Message) leftAt() Instant {
	var at Instant
	for _, h := range m.History {
		if statusRank(h.Status) > 0 && (at == 0 || h.At < at) {
			at = h.At
		}
	}
	return at
}

// truncate cuts s to at most n bytes, at a rune boundary (guests' text is
// often Devanagari: a cut mid-rune would store invalid UTF-8).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// FindMessageByWAMID is the engine's id of the message Meta knows by a
// wamid, or "". Only the engine asks.
type FindMessageByWAMID struct{ WAMID string }

// Run implements Query.
func (q FindMessageByWAMID) Run(w *Wedding, p Principal) (any, error) {
	if p.Role != RoleRoot {
		return nil, forbidden("only the engine looks messages up by wamid")
	}
	if r, ok := w.wamids[q.WAMID]; ok {
		return r.c.MessageID(r.i), nil
	}
	return "", nil
}
