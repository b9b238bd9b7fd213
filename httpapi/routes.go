package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/domain"
)

// access says who may call a route.
type access uint8

const (
	public   access = iota // no token (health, metrics, the API description)
	rootOnly               // the operator's token
	member                 // a token of the route's {w} wedding, or root
)

// route is one registered route. The table drives registration, the
// per-route metrics and log labels, and the OpenAPI coverage test.
type route struct {
	method, path string
	access       access
	// bodyLimit overrides Config.MaxBodyBytes (units/batch).
	bodyLimit int
	handle    func(s *Server, r *request) error
}

// request is one API call being served.
type request struct {
	rc      *fasthttp.RequestCtx
	ctx     context.Context // made by context(), on first use
	cancel  context.CancelFunc
	timeout time.Duration
	by      domain.Principal
	view    *domain.View // the token's own wedding view; nil for root
	wedding string       // {w}, or ""
	id      string       // the request id (X-Request-Id): the correlation id of what it starts
}

// context bounds the request's wait for the engine by the request timeout.
// It is made on first use: reads served from a published view never need
// one, and a context with a deadline costs a timer.
func (r *request) context() context.Context {
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithTimeout(context.Background(), r.timeout)
	}
	return r.ctx
}

func (r *request) cancelContext() {
	if r.cancel != nil {
		r.cancel()
	}
}

func (r *request) param(name string) string {
	v, _ := r.rc.UserValue(name).(string)
	return v
}

func (r *request) query(name string) string { return string(r.rc.QueryArgs().Peek(name)) }

func (s *Server) table() []*route {
	batch := s.cfg.BatchBodyBytes
	routes := []*route{
		{method: "GET", path: "/healthz", access: public, handle: (*Server).healthz},
		{method: "GET", path: "/readyz", access: public, handle: (*Server).readyz},
		{method: "GET", path: "/metrics", access: public, handle: (*Server).metricsPage},
		{method: "GET", path: "/openapi.json", access: public, handle: (*Server).openAPI},

		{method: "POST", path: "/v1/weddings", access: rootOnly, handle: (*Server).createWedding},
		{method: "GET", path: "/v1/weddings", access: rootOnly, handle: (*Server).listWeddings},
		{method: "POST", path: "/v1/admin/snapshots", access: rootOnly, handle: (*Server).createSnapshots},
		{method: "GET", path: "/v1/admin/inbox", access: rootOnly, handle: (*Server).listInbox},
		{method: "GET", path: "/v1/admin/guest-keys", access: rootOnly, handle: (*Server).listGuestKeys},
		{method: "POST", path: "/v1/admin/guest-keys/rotate", access: rootOnly, handle: (*Server).rotateGuestKey},
		{method: "DELETE", path: "/v1/admin/guest-keys/{kid}", access: rootOnly, handle: (*Server).retireGuestKey},
		{method: "POST", path: "/v1/admin/inbox/replay", access: rootOnly, handle: (*Server).replayInbox},
		{method: "GET", path: "/v1/weddings/{w}", access: member, handle: (*Server).getWedding},
		{method: "PATCH", path: "/v1/weddings/{w}", access: member, handle: (*Server).updateWedding},
		{method: "POST", path: "/v1/weddings/{w}/tokens", access: member, handle: (*Server).issueToken},
		{method: "GET", path: "/v1/weddings/{w}/tokens", access: member, handle: (*Server).listTokens},
		{method: "DELETE", path: "/v1/weddings/{w}/tokens/{id}", access: member, handle: (*Server).revokeToken},

		{method: "POST", path: "/v1/weddings/{w}/events", access: member, handle: (*Server).addEvent},
		{method: "GET", path: "/v1/weddings/{w}/events", access: member, handle: (*Server).listEvents},
		{method: "PATCH", path: "/v1/weddings/{w}/events/{e}", access: member, handle: (*Server).updateEvent},
		{method: "DELETE", path: "/v1/weddings/{w}/events/{e}", access: member, handle: (*Server).deleteEvent},

		{method: "POST", path: "/v1/weddings/{w}/units", access: member, handle: (*Server).addUnit},
		{method: "POST", path: "/v1/weddings/{w}/units/batch", access: member, bodyLimit: batch, handle: (*Server).addUnits},
		{method: "GET", path: "/v1/weddings/{w}/units", access: member, handle: (*Server).listUnits},
		{method: "GET", path: "/v1/weddings/{w}/units/{u}", access: member, handle: (*Server).getUnit},
		{method: "PATCH", path: "/v1/weddings/{w}/units/{u}", access: member, handle: (*Server).updateUnit},
		{method: "DELETE", path: "/v1/weddings/{w}/units/{u}", access: member, handle: (*Server).deleteUnit},

		{method: "POST", path: "/v1/weddings/{w}/invitations", access: member, handle: (*Server).invite},
		{method: "POST", path: "/v1/weddings/{w}/invitations/remove", access: member, handle: (*Server).uninvite},
		{method: "PUT", path: "/v1/weddings/{w}/rsvps/{u}/{e}", access: member, handle: (*Server).setRSVP},
		{method: "GET", path: "/v1/weddings/{w}/rsvps", access: member, handle: (*Server).listRSVPs},

		{method: "POST", path: "/v1/weddings/{w}/campaigns", access: member, handle: (*Server).createCampaign},
		{method: "GET", path: "/v1/weddings/{w}/campaigns", access: member, handle: (*Server).listCampaigns},
		{method: "GET", path: "/v1/weddings/{w}/campaigns/{c}", access: member, handle: (*Server).getCampaign},
		{method: "POST", path: "/v1/weddings/{w}/campaigns/{c}/pause", access: member, handle: s.campaignAction(domain.PauseCampaign)},
		{method: "POST", path: "/v1/weddings/{w}/campaigns/{c}/resume", access: member, handle: s.campaignAction(domain.ResumeCampaign)},
		{method: "POST", path: "/v1/weddings/{w}/campaigns/{c}/cancel", access: member, handle: s.campaignAction(domain.CancelCampaign)},
		{method: "GET", path: "/v1/weddings/{w}/messages", access: member, handle: (*Server).listMessages},
		{method: "PUT", path: "/v1/weddings/{w}/people/{p}/consent", access: member, handle: (*Server).putConsent},
		{method: "GET", path: "/v1/weddings/{w}/people/{p}/consent", access: member, handle: (*Server).getConsent},

		{method: "GET", path: "/v1/weddings/{w}/export.csv", access: member, handle: (*Server).exportCSV},
		{method: "POST", path: "/v1/weddings/{w}/imports", access: member, bodyLimit: s.cfg.ImportBodyBytes, handle: (*Server).importContacts},
		{method: "GET", path: "/v1/weddings/{w}/imports", access: member, handle: (*Server).listImports},
		{method: "GET", path: "/v1/weddings/{w}/merge-suggestions", access: member, handle: (*Server).listMergeSuggestions},
		{method: "POST", path: "/v1/weddings/{w}/merge-suggestions/{m}/accept", access: member, handle: (*Server).acceptMerge},
		{method: "POST", path: "/v1/weddings/{w}/merge-suggestions/{m}/dismiss", access: member, handle: (*Server).dismissMerge},
		{method: "GET", path: "/v1/weddings/{w}/attention", access: member, handle: (*Server).listAttention},
		{method: "POST", path: "/v1/weddings/{w}/attention/{a}/resolve", access: member, handle: (*Server).resolveAttention},

		{method: "PUT", path: "/v1/weddings/{w}/website", access: member, handle: (*Server).putWebsite},
		{method: "GET", path: "/v1/weddings/{w}/website", access: member, handle: (*Server).getWebsite},
		{method: "POST", path: "/v1/weddings/{w}/website/publish", access: member, handle: (*Server).publishWebsite},
		{method: "POST", path: "/v1/weddings/{w}/units/{u}/link", access: member, handle: (*Server).issueGuestLink},
		{method: "DELETE", path: "/v1/weddings/{w}/units/{u}/link", access: member, handle: (*Server).revokeGuestLinks},
		{method: "GET", path: "/v1/weddings/{w}/units/{u}/links", access: member, handle: (*Server).listGuestLinks},

		{method: "GET", path: "/v1/weddings/{w}/headcount", access: member, handle: (*Server).headcount},
		{method: "GET", path: "/v1/weddings/{w}/headcount/stream", access: member, handle: (*Server).headcountStream},
		{method: "GET", path: "/v1/weddings/{w}/audit", access: member, handle: (*Server).audit},

		// The guests' own pages (HTML; pages.go): the token in the path is
		// the guest's access, checked by the handler.
		{method: "GET", path: "/w/{slug}", access: public, handle: (*Server).sitePage},
		{method: "POST", path: "/w/{slug}", access: public, handle: (*Server).sitePassword},
		{method: "GET", path: "/w/{slug}/g/{token}", access: public, handle: (*Server).guestPage},
		{method: "POST", path: "/w/{slug}/g/{token}/rsvp", access: public, handle: (*Server).guestRSVP},
		{method: "GET", path: "/admin/{w}", access: public, handle: (*Server).dashboard},
		{method: "GET", path: "/admin/static/dashboard.js", access: public, handle: (*Server).dashboardScript},

		{method: "GET", path: "/webhooks/whatsapp", access: public, handle: (*Server).verifyWebhook},
		{method: "POST", path: "/webhooks/whatsapp", access: public, bodyLimit: s.cfg.WebhookBodyBytes, handle: (*Server).receiveWebhook},
	}
	if s.cfg.Sandbox != nil {
		routes = append(routes,
			&route{method: "GET", path: "/sandbox/messages", access: public, handle: (*Server).sandbox},
			&route{method: "GET", path: "/sandbox/stats", access: public, handle: (*Server).sandbox},
			&route{method: "POST", path: "/sandbox/reply", access: public, handle: (*Server).sandbox},
			&route{method: "GET", path: "/sandbox/chat/{phone}", access: public, handle: (*Server).sandbox},
			&route{method: "POST", path: "/sandbox/chat/{phone}", access: public, handle: (*Server).sandbox})
	}
	return routes
}

// register routes the table. Every GET also answers HEAD (RFC 9110 9.3.2):
// the same handler, under its own method in the metrics and logs; fasthttp
// drops a HEAD answer's body and keeps its headers, Content-Length too.
func (s *Server) register() {
	s.routes = s.table()
	handle := func(rt *route) {
		s.router.Handle(rt.method, rt.path, s.wrap(rt))
		s.probe.Handle(rt.method, rt.path, func(c *fasthttp.RequestCtx) { c.SetUserValue(probeRoute{}, rt) })
	}
	for _, rt := range s.routes {
		handle(rt)
		if rt.method == fasthttp.MethodGet {
			head := *rt
			head.method = fasthttp.MethodHead
			handle(&head)
		}
	}
}

// wrap runs the parts every route shares: request id, body limit, auth,
// the request timeout, metrics and the request's log line.
func (s *Server) wrap(rt *route) fasthttp.RequestHandler {
	limit := s.bodyLimit(rt)
	obs := s.metrics.route(rt.method, rt.path)
	return func(rc *fasthttp.RequestCtx) {
		start := time.Now()
		reqID := s.requestID(rc)
		r := &request{rc: rc, id: reqID}
		if w, ok := rc.UserValue("w").(string); ok {
			r.wedding = w
		}
		s.serve(rt, r, limit)
		status := rc.Response.StatusCode()
		elapsed := time.Since(start)
		obs.observe(status, elapsed)
		if s.cfg.LogRequests || status >= 500 {
			ev := s.cfg.Logger.Info()
			if status >= 500 {
				ev = s.cfg.Logger.Error()
			}
			ev.Str("request_id", reqID).Str("method", rt.method).Str("route", rt.path).
				Str("wedding_id", r.wedding).Str("token_id", r.by.TokenID).Int("status", status).
				Dur("duration", elapsed).Msg("request")
		}
	}
}

// serve checks readiness and the token, then reads the body (see
// readBody): a request refused before gets its body unread.
func (s *Server) serve(rt *route, r *request, limit int) {
	rc := r.rc
	if rt.access != public && !s.ready.Load() {
		refuse(rc, errNotReady)
		return
	}
	r.timeout = s.cfg.RequestTimeout
	defer r.cancelContext()
	if rt.access != public {
		by, view, aerr := s.authenticate(r, r.wedding)
		if aerr != nil {
			refuse(rc, aerr)
			return
		}
		if aerr := roleRefusal(rt, by); aerr != nil {
			refuse(rc, aerr)
			return
		}
		r.by, r.view = by, view
	}
	if aerr := readBody(rc, limit); aerr != nil {
		refuse(rc, aerr)
		return
	}
	// An Idempotency-Key is the handler's to keep with its command (see
	// once.go): the wedding holds the answer, not this layer.
	if err := rt.handle(s, r); err != nil {
		ae := toAPIError(err)
		if ae == errInternal {
			s.cfg.Logger.Error().Err(err).Str("route", rt.path).Str("wedding_id", r.wedding).Msg("internal error")
		}
		writeError(rc, ae)
	}
}

// roleRefusal is what a route refuses a caller for its role alone, before
// reading its body: the operator's routes to wedding tokens, and any write
// to a viewer (viewers read only: API.md), whatever the body says.
func roleRefusal(rt *route, by domain.Principal) *apiError {
	switch {
	case rt.access == rootOnly && by.Role != domain.RoleRoot:
		return errorf(fasthttp.StatusForbidden, "forbidden", "", "only the operator's root token may do this")
	case rt.method != fasthttp.MethodGet && by.Role == domain.RoleViewer:
		return errorf(fasthttp.StatusForbidden, "forbidden", "", "a viewer token reads only")
	}
	return nil
}

// requestID is the client's X-Request-Id when it is sane, else a new one;
// it is echoed in the answer.
func (s *Server) requestID(rc *fasthttp.RequestCtx) string {
	if id := rc.Request.Header.Peek("X-Request-Id"); len(id) > 0 && len(id) <= 64 && printable(id) {
		rc.Response.Header.SetBytesV("X-Request-Id", id)
		return string(id)
	}
	id := s.reqBase + strconv.FormatUint(s.reqSeq.Add(1), 36)
	rc.Response.Header.Set("X-Request-Id", id)
	return id
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newWeddingID is a fresh, unguessable wedding id ("w" + 16 characters).
func newWeddingID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "w" + idEncoding.EncodeToString(b[:])
}

// limitParam reads ?limit= (default 100, 1..1000).
func limitParam(r *request) (int, error) {
	v := r.query("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, errorf(fasthttp.StatusBadRequest, "invalid_field", "limit", "limit must be a whole number from 1 to 1000, not %q", v)
	}
	return n, nil
}

func sideParam(field, v string) (*domain.Side, error) {
	if v == "" {
		return nil, nil
	}
	sd, ok := domain.ParseSide(v)
	if !ok {
		return nil, errorf(fasthttp.StatusBadRequest, "invalid_field", field, "%s must be bride, groom or both, not %q", field, v)
	}
	return &sd, nil
}

func statusParam(field, v string) (*domain.RSVPStatus, error) {
	if v == "" {
		return nil, nil
	}
	st, ok := domain.ParseRSVPStatus(v)
	if !ok {
		return nil, errorf(fasthttp.StatusBadRequest, "invalid_field", field, "%s must be yes, no, maybe or pending, not %q", field, v)
	}
	return &st, nil
}
