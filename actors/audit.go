package actors

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

// MaxAuditPage bounds one audit page; MaxAuditBytes bounds the encoded
// changes it holds (a page ends early rather than hold more), so one call
// costs bounded memory whatever the wedding's changes hold.
// MaxAuditScanBytes bounds the records one call reads, matching or not:
// once for the page (a rare filter gets a short page and a cursor) and
// once to find what the page's changes replaced (what it cannot reach is
// left unknown).
const (
	MaxAuditPage      = 1000
	MaxAuditBytes     = 4 << 20
	MaxAuditScanBytes = 32 << 20
)

// AuditPriorUnits is how many of a units_saved change's units get their
// earlier version looked up (the audit shows that many; see httpapi).
const AuditPriorUnits = 20

// AuditQuery selects a page of a wedding's audit trail. Zero filters
// select every change.
type AuditQuery struct {
	// Before is the cursor: changes with seq < Before (0: from the newest).
	Before uint64
	// Limit: at most this many changes (<= 0 or past MaxAuditPage:
	// MaxAuditPage).
	Limit int
	// Unit: changes concerning this unit (storage.UnitRefs): saved or
	// deleted, its invitations and RSVPs, its people's consent, messages
	// to it, its attention items, imports' and merges' suggestions about
	// it. People, messages and items count for the unit they belong to
	// now.
	Unit string
	// By: changes made with this token id ("root": the operator, and the
	// engine itself for guests' answers).
	By string
	// Kind: changes of this kind (storage.AuditKinds).
	Kind string
	// From, To: changes made at From or later, and before To (zero:
	// unbounded).
	From, To time.Time
	// Priors asks for what each change replaced (AuditEntry.Before).
	Priors bool
}

// AuditEntry is one change of the audit trail.
type AuditEntry struct {
	Change domain.Change
	// Before holds, when the query asked for priors, what the change
	// replaced: one entry per storage.PriorSubjects(&Change,
	// AuditPriorUnits), in that order.
	Before []AuditBefore
}

// AuditBefore is what a change replaced of one subject (a unit, an
// event, an RSVP, ...): see storage.AuditPrior.
type AuditBefore struct {
	Subject storage.AuditSubject
	storage.AuditPrior
}

// AuditPage is one page of the audit trail.
type AuditPage struct {
	// Entries, newest first.
	Entries []AuditEntry
	// Next is the cursor (AuditQuery.Before) of the next page; 0 when
	// nothing older is kept.
	Next uint64
}

// AuditPage returns a page of a wedding's audit trail: who changed what,
// when, and (Priors) what was there before, over the wedding's whole life
// (snapshots and journal truncation cut nothing: see storage.DB.Audit).
// Only durable changes are shown. Side admins may not read it (it shows
// every side): domain.ErrForbidden. An unknown kind is a *domain.Error
// (invalid_field, field "kind"); an unknown wedding ErrWeddingNotFound.
func (e *Engine) AuditPage(ctx context.Context, weddingID string, by domain.Principal, q AuditQuery) (AuditPage, error) {
	if err := domain.AuthorizeAudit(by); err != nil {
		return AuditPage{}, err
	}
	if q.Kind != "" && !slices.Contains(storage.AuditKinds(), q.Kind) {
		return AuditPage{}, &domain.Error{Kind: domain.KindInvalid, Code: "invalid_field", Field: "kind",
			Message: fmt.Sprintf("kind must be one of %s, not %q", strings.Join(storage.AuditKinds(), ", "), q.Kind)}
	}
	v, err := e.View(ctx, weddingID) // the wedding exists and is durable up to v.Seq
	if err != nil {
		return AuditPage{}, err
	}
	sq := storage.AuditQuery{
		Before:       q.Before,
		Limit:        q.Limit,
		MaxBytes:     MaxAuditBytes,
		MaxScanBytes: MaxAuditScanBytes,
		By:           q.By,
		Kind:         q.Kind,
		From:         domain.At(q.From),
		To:           domain.At(q.To),
	}
	if sq.Limit <= 0 || sq.Limit > MaxAuditPage {
		sq.Limit = MaxAuditPage
	}
	if sq.Before == 0 || sq.Before > v.Seq+1 {
		sq.Before = v.Seq + 1
	}
	if q.Unit != "" {
		res, err := e.Query(ctx, weddingID, by, unitRefsQuery{unit: q.Unit})
		if err != nil {
			return AuditPage{}, err
		}
		sq.Unit = res.(*storage.UnitRefs)
	}
	page, err := e.db.Audit(weddingID, sq)
	if err != nil {
		return AuditPage{}, err
	}
	out := AuditPage{Entries: make([]AuditEntry, len(page.Changes)), Next: page.Next}
	var reqs []storage.PriorRequest
	var owner []int
	for i := range page.Changes {
		out.Entries[i].Change = page.Changes[i]
		if !q.Priors {
			continue
		}
		for _, s := range storage.PriorSubjects(&page.Changes[i], AuditPriorUnits) {
			reqs = append(reqs, storage.PriorRequest{Seq: page.Changes[i].Seq, Subject: s})
			owner = append(owner, i)
		}
	}
	if len(reqs) > 0 {
		priors, err := e.db.AuditPriors(weddingID, reqs, MaxAuditScanBytes)
		if err != nil {
			return AuditPage{}, err
		}
		for k, p := range priors {
			en := &out.Entries[owner[k]]
			en.Before = append(en.Before, AuditBefore{Subject: reqs[k].Subject, AuditPrior: p})
		}
	}
	return out, nil
}

// unitRefsQuery reads, in the wedding's actor, what the unit filter needs
// of the wedding's current state (see storage.UnitRefs). A unit that no
// longer exists still has its history: it matches by its id alone.
type unitRefsQuery struct{ unit string }

// Run implements domain.Query.
func (q unitRefsQuery) Run(w *domain.Wedding, _ domain.Principal) (any, error) {
	r := &storage.UnitRefs{Unit: q.unit, People: map[string]bool{}, Phones: map[string]bool{},
		Messages: map[string]map[int32]bool{}, Attention: map[string]bool{}, Suggestions: map[string]bool{}}
	if u := w.Units[q.unit]; u != nil {
		for _, p := range u.Members {
			r.People[p.ID] = true
			if p.Phone != "" {
				r.Phones[p.Phone] = true
			}
		}
	}
	for _, c := range w.Campaigns {
		for i := range c.Messages {
			if c.Messages[i].UnitID == q.unit {
				if r.Messages[c.ID] == nil {
					r.Messages[c.ID] = map[int32]bool{}
				}
				r.Messages[c.ID][int32(i)] = true
			}
		}
	}
	for i := range w.Attention {
		if w.Attention[i].UnitID == q.unit {
			r.Attention[w.Attention[i].ID] = true
		}
	}
	for i := range w.Suggestions {
		if s := &w.Suggestions[i]; s.Existing.UnitID == q.unit || s.Incoming.UnitID == q.unit {
			r.Suggestions[s.ID] = true
		}
	}
	return r, nil
}
