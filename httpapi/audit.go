package httpapi

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// maxAuditAnswer bounds an audit page's size in bytes.
const maxAuditAnswer = 1 << 20

// auditItem is one change of the audit trail: toAudit's description and,
// where the change replaced something and the trail can tell what,
// before: null when there was nothing (an event created), absent when the
// change replaces nothing worth showing or the trail cannot tell.
type auditItem struct {
	auditJSON
	Before json.RawMessage `json:"before,omitempty"`
}

// audit answers GET /v1/weddings/{w}/audit: the wedding's whole history,
// newest first, with the filters unit, by, kind, from and to.
func (s *Server) audit(r *request) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	var before uint64
	if v := r.query("before"); v != "" {
		if before, err = strconv.ParseUint(v, 10, 64); err != nil {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "before", "before must be a sequence number (the next cursor), not %q", v)
		}
	}
	if a := r.query("after"); a != "" && before == 0 {
		if before, err = strconv.ParseUint(a, 10, 64); err != nil {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "after", "after must be the next cursor of the previous page, not %q", a)
		}
	}
	q := actors.AuditQuery{Before: before, Limit: limit, Unit: r.query("unit"), By: r.query("by"), Kind: r.query("kind"), Priors: true}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := r.query(f.name); v != "" {
			at, aerr := parseTime(f.name, v)
			if aerr != nil {
				return aerr
			}
			*f.dst = at.Time()
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "to", "to must be later than from (the range is from ≤ at < to)")
	}

	page, err := s.eng.AuditPage(r.context(), r.wedding, r.by, q)
	if err != nil {
		return err
	}

	// The page is encoded item by item and ends once it holds
	// maxAuditAnswer bytes (always one item at least): with large changes
	// summarised (toAudit), an answer's size and memory stay bounded
	// whatever the wedding's history holds.
	buf := append(make([]byte, 0, 4096), `{"items":[`...)
	n := 0
	for i := range page.Entries {
		en := &page.Entries[i]
		item, err := json.Marshal(auditItem{auditJSON: toAudit(&en.Change), Before: auditBefore(en)})
		if err != nil {
			return err
		}
		if n > 0 && len(buf)+len(item) > maxAuditAnswer {
			break
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, item...)
		n++
	}
	// next: where the following page starts. A filtered page may be short,
	// even empty, and still have one: each call reads a bounded part of
	// the trail (actors.MaxAuditScanBytes).
	next := ""
	switch {
	case n < len(page.Entries):
		next = strconv.FormatUint(page.Entries[n-1].Change.Seq, 10)
	case page.Next != 0:
		next = strconv.FormatUint(page.Next, 10)
	}
	buf = append(buf, `],"next":`...)
	buf = appendString(buf, next)
	buf = append(buf, '}')
	writeBody(r.rc, fasthttp.StatusOK, buf)
	return nil
}

// auditBefore describes what an entry's change replaced (see auditItem),
// or nil.
func auditBefore(en *actors.AuditEntry) json.RawMessage {
	if len(en.Before) == 0 {
		return nil
	}
	var v any
	if en.Change.UnitsSaved != nil {
		// Per unit id: the unit as it was, null for one the change created;
		// units whose earlier version the trail cannot tell are left out.
		units := map[string]any{}
		for i := range en.Before {
			if b := &en.Before[i]; b.Known {
				units[b.Subject.ID] = priorValue(b)
			}
		}
		if len(units) == 0 {
			return nil
		}
		v = map[string]any{"units": units}
	} else {
		b := &en.Before[0]
		if !b.Known {
			return nil
		}
		v = priorValue(b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return out
}

// rsvpBefore is an answer as it was; a pending one has only its status.
type rsvpBefore struct {
	Status     string    `json:"status"`
	Headcount  int32     `json:"headcount"`
	Source     string    `json:"source,omitempty"`
	AnsweredAt *jsonTime `json:"answered_at,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// priorValue is the JSON of a known prior (nil: there was nothing).
func priorValue(p *actors.AuditBefore) any {
	switch {
	case p.Unit != nil:
		u := toUnit(*p.Unit)
		u.Invitations = nil
		return u
	case p.Event != nil:
		return toEvent(*p.Event)
	case p.RSVP != nil:
		r := p.RSVP
		out := rsvpBefore{Status: r.Status.String(), Headcount: r.Headcount, Note: r.Note}
		if r.Status != domain.Pending || r.AnsweredAt != 0 {
			at := jsonTime(r.AnsweredAt)
			out.Source, out.AnsweredAt = r.Source.String(), &at
		}
		return out
	case p.Wedding != nil:
		return toWedding(*p.Wedding, 0)
	case p.Consent != nil:
		return map[string]any{"status": p.Consent.Status.String(), "source": p.Consent.Source, "by": p.Consent.By, "at": jsonTime(p.Consent.At)}
	case p.Token != nil:
		t := p.Token
		return tokenJSON{ID: t.ID, Role: t.Role.String(), Side: sideOf(t.Role, t.Side), Label: t.Label, CreatedAt: jsonTime(t.CreatedAt)}
	case p.Campaign != nil:
		return map[string]string{"state": p.Campaign.String()}
	case p.Attention != nil:
		it := p.Attention
		return map[string]string{"attention_id": it.ID, "unit_id": it.UnitID, "reason": it.Reason}
	}
	return nil
}
