package httpapi

import (
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// do runs cmd on the request's wedding as the request's principal; it
// returns once the command's changes are durable.
func (s *Server) do(r *request, cmd domain.Command) (actors.Result, error) {
	return s.eng.Do(r.context(), r.wedding, r.by, cmd)
}

// noContent runs cmd and answers 204.
func (s *Server) noContent(r *request, cmd domain.Command) error {
	if _, err := s.do(r, cmd); err != nil {
		return err
	}
	r.rc.SetStatusCode(fasthttp.StatusNoContent)
	return nil
}

// ---- weddings and access ----

func (s *Server) createWedding(r *request) error {
	var in weddingIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	if in.Timezone != "" {
		// The name's form first (the domain's rule: no "Local", no paths),
		// so that only zone names reach the tz database on disk.
		if !domain.ValidZoneName(in.Timezone) {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "timezone", "timezone must be a zone of the tz database like Asia/Kolkata or UTC, not %q", in.Timezone)
		}
		if _, err := time.LoadLocation(in.Timezone); err != nil {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "timezone", "timezone must be an IANA name like Asia/Kolkata, not %q", in.Timezone)
		}
	}
	cmd := &domain.CreateWedding{ID: newWeddingID(), Name: in.Name, Slug: in.Slug, Date: in.Date, Timezone: in.Timezone, Region: in.Region}
	render := func(res actors.Result) any { return toWedding(res.Value.(domain.Info), res.Seq) }
	res, err := s.doOnce(r, cmd.ID, cmd, fasthttp.StatusCreated, render)
	if err != nil {
		// A retry of a creation that succeeded finds its slug taken: by
		// the wedding it created, which kept the first answer.
		if s.replayCreate(r, in.Slug, err) {
			return nil
		}
		return err
	}
	r.wedding = cmd.ID
	if res.Kept != nil {
		writeKept(r.rc, res.Kept, res.Replayed)
		return nil
	}
	writeJSON(r.rc, fasthttp.StatusCreated, render(res))
	return nil
}

func (s *Server) listWeddings(r *request) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	ids, err := s.eng.Weddings() // sorted
	if err != nil {
		return err
	}
	after := r.query("after")
	i := sort.SearchStrings(ids, after)
	if i < len(ids) && ids[i] == after {
		i++
	}
	ids = ids[i:]
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	items := make([]map[string]string, len(ids))
	for i, id := range ids {
		items[i] = map[string]string{"id": id}
	}
	writeJSON(r.rc, fasthttp.StatusOK, page[map[string]string]{Items: items, Next: next})
	return nil
}

func (s *Server) getWedding(r *request) error {
	v, err := s.view(r, r.wedding)
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toWedding(v.Info(), v.Seq))
	return nil
}

// updateWedding changes the wedding's name or slug (owners). A slug
// another wedding holds is 409 duplicate_slug.
func (s *Server) updateWedding(r *request) error {
	var in weddingPatchIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	return s.command(r, &domain.UpdateWedding{Name: in.Name, Slug: in.Slug}, fasthttp.StatusOK, func(res actors.Result) any {
		return toWedding(res.Value.(domain.Info), res.Seq)
	})
}

func (s *Server) issueToken(r *request) error {
	var in tokenIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	role, ok := domain.ParseRole(in.Role)
	if !ok {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "role", "role must be owner, admin, side_admin or viewer, not %q", in.Role)
	}
	var side domain.Side
	switch {
	case role == domain.RoleSideAdmin:
		sd, ok := domain.ParseSide(in.Side)
		if !ok || sd == domain.SideBoth {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "side", "a side_admin token needs side bride or groom, not %q", in.Side)
		}
		side = sd
	case in.Side != "":
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "side", "side is only for side_admin tokens")
	}
	token, hash := NewToken(r.wedding)
	// The answer kept for a retry has no secret: tokens are stored only as
	// hashes, in the journal as anywhere. A retried issue that already
	// succeeded answers the token's id and role; revoke it and issue
	// another if its secret was lost.
	render := func(res actors.Result) any {
		t := res.Value.(domain.Token)
		return tokenJSON{ID: t.ID, Role: t.Role.String(), Side: sideOf(t.Role, t.Side), Label: t.Label, CreatedAt: jsonTime(t.CreatedAt)}
	}
	res, err := s.doOnce(r, r.wedding, &domain.IssueToken{Role: role, Side: side, Label: in.Label, Hash: hash}, fasthttp.StatusCreated, render)
	if err != nil {
		return err
	}
	r.rc.Response.Header.Set("Cache-Control", "no-store")
	if res.Replayed {
		writeKept(r.rc, res.Kept, true)
		return nil
	}
	out := render(res).(tokenJSON)
	out.Token = token
	writeJSON(r.rc, fasthttp.StatusCreated, out)
	return nil
}

func (s *Server) listTokens(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListTokens{})
	if err != nil {
		return err
	}
	toks := v.([]domain.Token)
	items := make([]tokenJSON, len(toks))
	for i, t := range toks {
		items[i] = tokenJSON{ID: t.ID, Role: t.Role.String(), Side: sideOf(t.Role, t.Side), Label: t.Label,
			CreatedAt: jsonTime(t.CreatedAt), Revoked: t.Revoked}
	}
	writeJSON(r.rc, fasthttp.StatusOK, page[tokenJSON]{Items: items})
	return nil
}

func (s *Server) revokeToken(r *request) error {
	return s.noContent(r, &domain.RevokeToken{ID: r.param("id")})
}

// ---- events ----

// eventFields reads an event's JSON. ends is set only for a time given
// (the Unix epoch included: absence is not a value); noEnd says ends_at
// was "", which clears the end (an absent or null ends_at leaves it).
func eventFields(in *eventIn) (name *string, starts, ends *domain.Instant, noEnd bool, vis *domain.Visibility, err error) {
	name = in.Name
	if in.StartsAt != nil {
		t, aerr := parseTime("starts_at", *in.StartsAt)
		if aerr != nil {
			return nil, nil, nil, false, nil, aerr
		}
		starts = &t
	}
	if in.EndsAt != nil {
		if *in.EndsAt == "" {
			noEnd = true
		} else {
			t, aerr := parseTime("ends_at", *in.EndsAt)
			if aerr != nil {
				return nil, nil, nil, false, nil, aerr
			}
			ends = &t
		}
	}
	if in.Visibility != nil {
		v, ok := domain.ParseVisibility(*in.Visibility)
		if !ok {
			return nil, nil, nil, false, nil, errorf(fasthttp.StatusBadRequest, "invalid_field", "visibility", "visibility must be public or invite_only, not %q", *in.Visibility)
		}
		vis = &v
	}
	return name, starts, ends, noEnd, vis, nil
}

func (s *Server) addEvent(r *request) error {
	var in eventIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	name, starts, ends, _, vis, err := eventFields(&in)
	if err != nil {
		return err
	}
	cmd := &domain.AddEvent{}
	if name != nil {
		cmd.Name = *name
	}
	if starts == nil {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "starts_at", "starts_at is required (an RFC 3339 time)")
	}
	cmd.StartsAt = *starts
	if ends != nil {
		cmd.EndsAt, cmd.HasEnd = *ends, true
	}
	if in.Venue != nil {
		cmd.Venue = *in.Venue
	}
	if vis != nil {
		cmd.Visibility = *vis
	}
	return s.command(r, cmd, fasthttp.StatusCreated, func(res actors.Result) any { return toEvent(res.Value.(domain.Event)) })
}

func (s *Server) listEvents(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListEvents{})
	if err != nil {
		return err
	}
	evs := v.([]domain.Event)
	items := make([]eventJSON, len(evs))
	for i, e := range evs {
		items[i] = toEvent(e)
	}
	writeJSON(r.rc, fasthttp.StatusOK, page[eventJSON]{Items: items})
	return nil
}

func (s *Server) updateEvent(r *request) error {
	var in eventIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	name, starts, ends, noEnd, vis, err := eventFields(&in)
	if err != nil {
		return err
	}
	res, err := s.do(r, &domain.UpdateEvent{ID: r.param("e"), Name: name,
		StartsAt: starts, EndsAt: ends, ClearEnd: noEnd, Venue: in.Venue, Visibility: vis})
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toEvent(res.Value.(domain.Event)))
	return nil
}

func (s *Server) deleteEvent(r *request) error {
	force := false
	if v := r.query("force"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "force", "force must be true or false, not %q", v)
		}
		force = b
	}
	return s.noContent(r, &domain.DeleteEvent{ID: r.param("e"), Force: force})
}

// ---- units ----

func (s *Server) addUnit(r *request) error {
	var in unitIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	u, aerr := unitInput(&in, "")
	if aerr != nil {
		return aerr
	}
	return s.command(r, &domain.AddUnit{Unit: u}, fasthttp.StatusCreated, func(res actors.Result) any {
		return toUnit(res.Value.(domain.Unit))
	})
}

func (s *Server) addUnits(r *request) error {
	// The role first: items rejected here never reach the domain, which
	// would otherwise be the one to refuse a viewer.
	if err := domain.AuthorizeGuestWrite(r.by); err != nil {
		return err
	}
	var in batchIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	if len(in.Units) == 0 {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "units", "units needs at least one unit")
	}
	if len(in.Units) > domain.MaxBatchUnits {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "units", "units holds %d units; at most %d per batch", len(in.Units), domain.MaxBatchUnits)
	}
	// Items whose JSON is already wrong get their error here; the others go
	// to the wedding in one command. idx maps the command's items back.
	results := make([]batchResult, len(in.Units))
	cmd := &domain.AddUnits{Units: make([]domain.UnitInput, 0, len(in.Units))}
	idx := make([]int, 0, len(in.Units))
	for i := range in.Units {
		results[i].Index = i
		u, aerr := unitInput(&in.Units[i], "units."+strconv.Itoa(i))
		if aerr != nil {
			results[i].Error = aerr
			continue
		}
		cmd.Units = append(cmd.Units, u)
		idx = append(idx, i)
	}
	if len(cmd.Units) == 0 {
		writeJSON(r.rc, fasthttp.StatusOK, map[string]any{"results": results})
		return nil
	}
	return s.command(r, cmd, fasthttp.StatusOK, func(res actors.Result) any {
		out := slices.Clone(results)
		for _, it := range res.Value.([]domain.BatchItem) {
			i := idx[it.Index]
			if it.Err != nil {
				// The domain names an item's fields by its index in the
				// command ("units.k.…"), which skips the items that
				// failed here: answer with the request's index.
				ae := toAPIError(it.Err)
				if ae.Field != "" {
					f := strings.TrimPrefix(ae.Field, "units."+strconv.Itoa(it.Index)+".")
					ae.Field = "units." + strconv.Itoa(i) + "." + f
				}
				out[i].Error = ae
				continue
			}
			out[i].ID = it.ID
		}
		return map[string]any{"results": out}
	})
}

func (s *Server) listUnits(r *request) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	f := domain.UnitFilter{Tag: r.query("tag"), Q: r.query("q"), EventID: r.query("event"), After: r.query("after"), Limit: limit}
	if f.Side, err = sideParam("side", r.query("side")); err != nil {
		return err
	}
	if f.Status, err = statusParam("rsvp", r.query("rsvp")); err != nil {
		return err
	}
	if f.Status != nil && f.EventID == "" {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "rsvp", "the rsvp filter needs an event filter too (?event=…&rsvp=…)")
	}
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListUnits{Filter: f})
	if err != nil {
		return err
	}
	pg := v.(domain.UnitPage)
	items := make([]unitJSON, len(pg.Units))
	for i, u := range pg.Units {
		items[i] = toUnit(u)
	}
	writeJSON(r.rc, fasthttp.StatusOK, page[unitJSON]{Items: items, Next: pg.Next})
	return nil
}

func (s *Server) getUnit(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.GetUnit{ID: r.param("u")})
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toUnit(v.(domain.Unit)))
	return nil
}

func (s *Server) updateUnit(r *request) error {
	var in unitIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	cmd := &domain.UpdateUnit{ID: r.param("u"), Name: in.Name, Tags: in.Tags}
	if in.Side != nil {
		sd, err := sideParam("side", *in.Side)
		if err != nil {
			return err
		}
		cmd.Side = sd
	}
	if in.Members != nil {
		ms := members(*in.Members)
		cmd.Members = &ms
	}
	res, err := s.do(r, cmd)
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toUnit(res.Value.(domain.Unit)))
	return nil
}

func (s *Server) deleteUnit(r *request) error {
	return s.noContent(r, &domain.DeleteUnit{ID: r.param("u")})
}

// ---- invitations and RSVPs ----

func (s *Server) invite(r *request) error {
	var in inviteIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	cmd := &domain.Invite{EventIDs: in.EventIDs, UnitIDs: in.UnitIDs, All: in.All, Tag: in.Tag, Seats: in.Seats}
	if in.Side != nil {
		sd, ok := domain.ParseSide(*in.Side)
		if !ok {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "side", "side must be bride, groom or both, not %q", *in.Side)
		}
		cmd.Side = &sd
	}
	return s.command(r, cmd, fasthttp.StatusOK, func(res actors.Result) any { return res.Value.(domain.InviteResult) })
}

func (s *Server) uninvite(r *request) error {
	var in uninviteIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	return s.command(r, &domain.Uninvite{EventIDs: in.EventIDs, UnitIDs: in.UnitIDs}, fasthttp.StatusOK,
		func(res actors.Result) any { return res.Value.(domain.UninviteResult) })
}

func (s *Server) setRSVP(r *request) error {
	var in rsvpIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	st, ok := domain.ParseRSVPStatus(in.Status)
	if !ok {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "status", "status must be yes, no, maybe or pending, not %q", in.Status)
	}
	res, err := s.do(r, &domain.SetRSVP{UnitID: r.param("u"), EventID: r.param("e"),
		Status: st, Headcount: in.Headcount, Note: in.Note, Source: domain.SourceAdmin})
	if err != nil {
		return err
	}
	rr := res.Value.(domain.RSVPResult)
	out := toRSVP(rr.UnitID, rr.EventID, rr.Seats, rr.RSVP)
	writeBody(r.rc, fasthttp.StatusOK, appendRSVP(make([]byte, 0, 256), &out))
	return nil
}

func (s *Server) listRSVPs(r *request) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	f := domain.RSVPFilter{EventID: r.query("event"), UnitID: r.query("unit"), After: r.query("after"), Limit: limit}
	if f.Status, err = statusParam("status", r.query("status")); err != nil {
		return err
	}
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListRSVPs{Filter: f})
	if err != nil {
		return err
	}
	pg := v.(domain.RSVPPage)
	b := append(make([]byte, 0, 64+200*len(pg.Rows)), `{"items":[`...)
	for i, row := range pg.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		item := toRSVP(row.UnitID, row.EventID, row.Seats, row.RSVP)
		item.Seq = 0
		b = appendRSVP(b, &item)
	}
	b = append(b, `],"next":`...)
	b = appendString(b, pg.Next)
	writeBody(r.rc, fasthttp.StatusOK, append(b, '}'))
	return nil
}

// ---- headcount: the hot read ----

// headcount answers from the published view (durable state, no mailbox),
// encoding by hand once per view and scope: this is the route a dashboard
// polls.
func (s *Server) headcount(r *request) error {
	v := r.view
	if v == nil { // root: its token names no wedding, so authenticate read no view
		var err error
		if v, err = s.view(r, r.wedding); err != nil {
			return err
		}
	}
	body := v.Memo(r.by, func(h domain.Headcount) []byte { return appendHeadcount(nil, v, h) })
	writeBody(r.rc, fasthttp.StatusOK, body) // copies body
	return nil
}

func appendHeadcount(buf []byte, v *domain.View, h domain.Headcount) []byte {
	buf = append(buf, `{"wedding_id":`...)
	buf = appendString(buf, v.WeddingID)
	buf = append(buf, ',')
	buf = appendInt(buf, "seq", int64(v.Seq))
	buf = append(buf, `,"as_of":`...)
	buf = appendTime(buf, v.AsOf)
	buf = append(buf, `,"events":[`...)
	for i := 0; i < h.Len(); i++ {
		e := h.Event(i)
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"event_id":`...)
		buf = appendString(buf, e.EventID)
		buf = append(buf, `,"name":`...)
		buf = appendString(buf, e.Name)
		buf = append(buf, ',')
		buf = appendCounts(buf, e.Counts)
		buf = append(buf, '}')
	}
	buf = append(buf, `],"totals":{`...)
	buf = appendCounts(buf, h.Totals())
	return append(buf, "}}"...)
}

func appendCounts(b []byte, c domain.Counts) []byte {
	b = appendInt(b, "invited_units", int64(c.InvitedUnits))
	b = append(b, ',')
	b = appendInt(b, "invited_seats", int64(c.InvitedSeats))
	b = append(b, ',')
	b = appendInt(b, "yes_units", int64(c.YesUnits))
	b = append(b, ',')
	b = appendInt(b, "yes_headcount", int64(c.YesHeadcount))
	b = append(b, ',')
	b = appendInt(b, "maybe_units", int64(c.MaybeUnits))
	b = append(b, ',')
	b = appendInt(b, "no_units", int64(c.NoUnits))
	b = append(b, ',')
	return appendInt(b, "pending_units", int64(c.PendingUnits))
}

// ---- operations ----

type snapshotIn struct {
	WeddingID string `json:"wedding_id"`
}

func (s *Server) createSnapshots(r *request) error {
	var in snapshotIn
	if body := r.rc.PostBody(); len(body) > 0 {
		if err := decode(body, &in); err != nil {
			return err
		}
	}
	ids := []string{in.WeddingID}
	if in.WeddingID == "" {
		var err error
		if ids, err = s.eng.Weddings(); err != nil {
			return err
		}
	}
	type item struct {
		WeddingID string `json:"wedding_id"`
		Seq       uint64 `json:"seq"`
	}
	items := make([]item, 0, len(ids))
	for _, id := range ids {
		seq, err := s.eng.Snapshot(r.context(), id)
		if err != nil {
			if errors.Is(err, actors.ErrWeddingNotFound) && in.WeddingID != "" {
				return errorf(fasthttp.StatusNotFound, "not_found", "wedding_id", "no wedding with id %q", in.WeddingID)
			}
			return err
		}
		items = append(items, item{WeddingID: id, Seq: seq})
	}
	writeJSON(r.rc, fasthttp.StatusOK, page[item]{Items: items})
	return nil
}

func (s *Server) healthz(r *request) error {
	writeJSON(r.rc, fasthttp.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
	return nil
}

func (s *Server) readyz(r *request) error {
	if !s.ready.Load() {
		return errNotReady
	}
	if err := s.eng.Err(); err != nil {
		return errNotReady
	}
	writeJSON(r.rc, fasthttp.StatusOK, map[string]string{"status": "ready"})
	return nil
}
