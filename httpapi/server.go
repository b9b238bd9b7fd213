package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/router"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// Engine is what the API needs from the engine kernel; *actors.Engine
// implements it. Reads like the headcount use View (the published,
// durable view) and never enter a wedding's mailbox.
type Engine interface {
	Do(ctx context.Context, weddingID string, by domain.Principal, cmd domain.Command) (actors.Result, error)
	// DoOnce is Do with an idempotency key kept with the command (nil:
	// none); see actors.Once.
	DoOnce(ctx context.Context, weddingID string, by domain.Principal, cmd domain.Command, once *actors.Once) (actors.Result, error)
	// Kept is the answer a wedding keeps for an idempotency key, or nil.
	Kept(ctx context.Context, weddingID, key string) (*domain.KeptAnswer, error)
	// WeddingBySlug is the id of the wedding a slug names.
	WeddingBySlug(slug string) (string, error)
	Query(ctx context.Context, weddingID string, by domain.Principal, q domain.Query) (any, error)
	View(ctx context.Context, weddingID string) (*domain.View, error)
	// ActiveView is the published view of an active wedding, nil for
	// one that is not in memory (View activates it).
	ActiveView(weddingID string) *domain.View
	Snapshot(ctx context.Context, weddingID string) (uint64, error)
	AuditPage(ctx context.Context, weddingID string, by domain.Principal, q actors.AuditQuery) (actors.AuditPage, error)
	Weddings() ([]string, error)
	Active() int
	Err() error
	Messaging
	// ReceiveWebhook stores a signed webhook body durably; see
	// actors.Engine.ReceiveWebhook.
	ReceiveWebhook(ctx context.Context, body []byte, isJSON bool) (uint64, error)
	// InboxList and ReplayInbox: the operators' view of the inbox.
	InboxList(after uint64, limit int, states ...actors.InboxState) ([]actors.InboxEntry, error)
	ReplayInbox(from time.Time) (int, error)
}

// Defaults for Config's zero values.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultBatchBodyBytes = 16 << 20
	DefaultRequestTimeout = 10 * time.Second
	DefaultReadTimeout    = 30 * time.Second
	DefaultWriteTimeout   = 30 * time.Second
	DefaultIdleTimeout    = 120 * time.Second
)

// Config tunes the server. Zero values mean the defaults above.
type Config struct {
	// RootTokenHash is the SHA-256 of the operator's token (HashToken).
	// The zero hash disables the root token.
	RootTokenHash [32]byte
	// MaxBodyBytes limits request bodies; BatchBodyBytes those of
	// units/batch.
	MaxBodyBytes, BatchBodyBytes int
	// RequestTimeout bounds each request's wait for the engine.
	RequestTimeout                         time.Duration
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Logger gets one line per request when LogRequests is set, and the
	// causes of 500s always.
	Logger      zerolog.Logger
	LogRequests bool
	// Registry receives the HTTP metrics and is served at /metrics; nil
	// means a new registry.
	Registry *prometheus.Registry
	// Version is reported by /healthz.
	Version string
	// WebhookAppSecret checks the signatures of WhatsApp webhooks;
	// WebhookVerifyToken answers Meta's subscription handshake. Empty:
	// every webhook is refused.
	WebhookAppSecret, WebhookVerifyToken string
	// WebhookBodyBytes limits webhook bodies (default 4 MiB).
	WebhookBodyBytes int
	// ImportBodyBytes limits contact files (default 32 MiB).
	ImportBodyBytes int
	// WebhookBodyBudgetBytes bounds the bytes of webhook bodies being read
	// or held at once, by every webhook request together (default 64 MiB,
	// and never less than WebhookBodyBytes). The webhook route is public:
	// its bodies are read before their signature can be checked, so
	// without a bound, connections × WebhookBodyBytes of unsigned bodies
	// could be held. A webhook whose body does not fit now gets 429 with
	// Retry-After (Meta retries), its body unread.
	WebhookBodyBudgetBytes int
	// PageCacheBytes bounds the guests' rendered pages kept in memory
	// (pagecache.go; default 64 MiB; negative: none kept).
	PageCacheBytes int
	// Sandbox, when set, serves the sandbox's /sandbox/ routes (sandbox
	// mode).
	Sandbox fasthttp.RequestHandler
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.BatchBodyBytes <= 0 {
		c.BatchBodyBytes = DefaultBatchBodyBytes
	}
	if c.WebhookBodyBytes <= 0 {
		c.WebhookBodyBytes = DefaultWebhookBodyBytes
	}
	if c.ImportBodyBytes <= 0 {
		c.ImportBodyBytes = DefaultImportBodyBytes
	}
	if c.WebhookBodyBudgetBytes <= 0 {
		c.WebhookBodyBudgetBytes = DefaultWebhookBodyBudgetBytes
	}
	// A body the route takes must fit in an empty budget, or it could
	// never be taken.
	c.WebhookBodyBudgetBytes = max(c.WebhookBodyBudgetBytes, c.WebhookBodyBytes)
	if c.PageCacheBytes == 0 {
		c.PageCacheBytes = DefaultPageCacheBytes
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	return c
}

// Server is the admin JSON API over fasthttp.
type Server struct {
	cfg    Config
	eng    Engine
	router *router.Router
	// probe has the routes of router, each handled by a function that
	// names its route: admit finds a request's route from its headers.
	probe   *router.Router
	probes  sync.Pool // of *fasthttp.RequestCtx, to hold the probe's {w}
	srv     *fasthttp.Server
	routes  []*route
	metrics *httpMetrics
	openapi openAPIDesc
	ready   atomic.Bool
	reqSeq  atomic.Uint64
	reqBase string
	// webhookBodies is the budget of webhook bodies being read or held
	// (Config.WebhookBodyBudgetBytes).
	webhookBodies byteBudget
	streams       streamHub // the headcount streams (stream.go)
	// passwordSlots bounds the website password checks at once (pages.go).
	passwordSlots chan struct{}
	qrs           qrCache   // the gifts' UPI QR codes, by link (pages.go)
	pages         pageCache // rendered guests' pages (pagecache.go)
	// now is the guests' pages' clock (links expire, CSRF days turn); nil
	// is time.Now. Tests set it (hooks_internal_test.go).
	now func() time.Time
}

// New builds the server over eng. It is not ready (readyz 503) until
// SetReady(true).
func New(eng Engine, cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, eng: eng, router: router.New(), probe: router.New(), passwordSlots: make(chan struct{}, passwordChecks),
		probes:  sync.Pool{New: func() any { return new(fasthttp.RequestCtx) }},
		reqBase: strconv.FormatInt(time.Now().UnixNano()%1e9, 36) + "-"}
	s.metrics = newHTTPMetrics(cfg.Registry, eng)
	s.webhookBodies.max = cfg.WebhookBodyBudgetBytes
	s.pages.budget = cfg.PageCacheBytes
	// Exact paths only: a redirect would answer an API client with an empty
	// 301 body instead of the error shape every client expects.
	s.router.RedirectTrailingSlash = false
	s.router.RedirectFixedPath = false
	s.router.HandleOPTIONS = false
	s.router.NotFound = func(ctx *fasthttp.RequestCtx) {
		refuse(ctx, errorf(fasthttp.StatusNotFound, "not_found", "", "no route %s %s; see /openapi.json", ctx.Method(), ctx.Path()))
		s.metrics.observeUnmatched(ctx)
	}
	s.router.MethodNotAllowed = func(ctx *fasthttp.RequestCtx) {
		// The router set Allow (RFC 9110 15.5.6); writeError starts the
		// answer afresh.
		allow := string(ctx.Response.Header.Peek("Allow"))
		refuse(ctx, errorf(fasthttp.StatusMethodNotAllowed, "method_not_allowed", "", "%s is not allowed on %s; see /openapi.json", ctx.Method(), ctx.Path()))
		ctx.Response.Header.Set("Allow", allow)
		s.metrics.observeUnmatched(ctx)
	}
	s.router.PanicHandler = func(ctx *fasthttp.RequestCtx, v any) {
		s.cfg.Logger.Error().Interface("panic", v).Str("route", string(ctx.Path())).Msg("handler panicked")
		writeError(ctx, errInternal)
	}
	s.register()
	maxBody := max(cfg.MaxBodyBytes, cfg.BatchBodyBytes, cfg.ImportBodyBytes, cfg.WebhookBodyBytes)
	s.srv = &fasthttp.Server{
		Handler:      s.handle,
		Name:         "parinaya",
		ReadTimeout:  cfg.ReadTimeout,
		WriteTimeout: cfg.WriteTimeout,
		IdleTimeout:  cfg.IdleTimeout,
		// NB: without streaming, fasthttp reserves a body's declared length
		// (up to MaxRequestBodySize, the same for every route) and reads it
		// before any handler runs: before the token and the route's own
		// limit are checked. Streamed, a body is read by serve, after
		// both, as it arrives; admit keeps fasthttp from reading any of a
		// body serve will refuse. MaxRequestBodySize then only caps
		// fasthttp's prefetch (at most 8 KiB).
		StreamRequestBody:  true,
		HeaderReceived:     s.admit,
		MaxRequestBodySize: maxBody,
		// The API takes JSON only: a multipart body would otherwise be
		// parsed (into memory and temporary files) before admit's verdict
		// is applied.
		DisablePreParseMultipartForm: true,
		ReadBufferSize:               readBufferBytes,
		NoDefaultServerHeader:        true,
		NoDefaultDate:                true,
		ReduceMemoryUsage:            false,
		CloseOnShutdown:              true,
		// fasthttp's own lines (connections it drops) go to our logger,
		// not to the process's global log.
		Logger: &s.cfg.Logger,
		// fasthttp's errors quote up to 4 KB of the raw request, bearer
		// token included: not in its log lines either.
		SecureErrorLogMessage: true,
		ErrorHandler:          unreadable,
	}
	return s
}

// unreadable answers a request fasthttp could not read (it closes the
// connection then). Its error quotes the request's own bytes, a bearer
// token among them: the answer says only what kind of failure it was.
func unreadable(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.As(err, &small):
		writeError(ctx, errorf(fasthttp.StatusRequestHeaderFieldsTooLarge, "headers_too_large", "",
			"the request line and headers are larger than the server reads (%d bytes); send fewer or shorter headers", readBufferBytes))
	case isTimeout(err):
		writeError(ctx, errRequestTimeout)
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		writeError(ctx, errorf(fasthttp.StatusRequestEntityTooLarge, "body_too_large", "", "the request body is larger than the server takes"))
	default:
		writeError(ctx, errorf(fasthttp.StatusBadRequest, "bad_request", "",
			"the HTTP request could not be read: check its request line, its headers (Host is required) and its body's framing"))
	}
	// The client may still be sending (a header block over the buffer, a
	// body): let it read this answer rather than a reset.
	lingerAfter(ctx)
}

// readBufferBytes is fasthttp's default read buffer, the most a request
// line and its headers may take.
const readBufferBytes = 4096

// Handler is the server's request handler (for tests and embedding).
func (s *Server) Handler() fasthttp.RequestHandler { return s.srv.Handler }

// Serve serves HTTP on ln until Shutdown. Its connections close lingering
// after a refused body (see lingerConn).
func (s *Server) Serve(ln net.Listener) error {
	return s.srv.Serve(lingerListener{Listener: ln, time: min(s.cfg.ReadTimeout, maxLinger),
		bytes: int64(max(s.cfg.MaxBodyBytes, s.cfg.BatchBodyBytes))})
}

// Shutdown stops accepting connections and waits (up to ctx) for the
// requests in flight to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	return s.srv.ShutdownWithContext(ctx)
}

// SetReady marks the engine ready (or not) for /readyz.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Routes lists the registered paths by method (for the OpenAPI coverage
// test and the docs). The map is a copy. HEAD, which every GET also
// answers, is not listed: it is the GET without its body.
func (s *Server) Routes() map[string][]string {
	out := map[string][]string{}
	for m, paths := range s.router.List() {
		if m != fasthttp.MethodHead {
			out[m] = slices.Clone(paths)
		}
	}
	return out
}

// authenticate finds who sends the request. weddingID is the wedding the
// route is about ("" for routes outside weddings). A valid token of another
// wedding gets 404 on a wedding's routes, as anything the token may not see; no valid token at
// all gets 401. The view it returns (nil for root) is the token's own
// wedding's, so a read can reuse it.
func (s *Server) authenticate(r *request, weddingID string) (domain.Principal, *domain.View, *apiError) {
	return s.authenticateToken(bearer(r.rc), weddingID, r.context)
}

// authenticateToken is authenticate for a token; ctx makes the context of
// a wedding's activation, if it needs one.
func (s *Server) authenticateToken(tok []byte, weddingID string, ctx func() context.Context) (domain.Principal, *domain.View, *apiError) {
	if len(tok) == 0 {
		return domain.Principal{}, nil, errUnauthorized
	}
	hash := hashBytes(tok)
	var zero [32]byte
	if s.cfg.RootTokenHash != zero && subtle.ConstantTimeCompare(hash[:], s.cfg.RootTokenHash[:]) == 1 {
		return domain.Root, nil, nil
	}
	tw := tokenWeddingBytes(tok)
	if tw == "" {
		return domain.Principal{}, nil, errUnauthorized
	}
	v, err := s.viewWith(tw, ctx)
	if err != nil {
		if errors.Is(err, actors.ErrWeddingNotFound) {
			return domain.Principal{}, nil, errUnauthorized
		}
		return domain.Principal{}, nil, toAPIError(err)
	}
	p, ok := v.Authenticate(hash)
	if !ok {
		return domain.Principal{}, nil, errUnauthorized
	}
	// Routes outside weddings ("") are the operator's: a valid wedding
	// token there is a known caller without the role (403, in serve).
	if weddingID != "" && weddingID != tw {
		return domain.Principal{}, nil, errNotFound
	}
	return p, v, nil
}

// view is the wedding's published view: straight from memory when the
// wedding is active, else through the engine (which activates it).
func (s *Server) view(r *request, weddingID string) (*domain.View, error) {
	return s.viewWith(weddingID, r.context)
}

func (s *Server) viewWith(weddingID string, ctx func() context.Context) (*domain.View, error) {
	if v := s.eng.ActiveView(weddingID); v != nil {
		return v, nil
	}
	return s.eng.View(ctx(), weddingID)
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(rc *fasthttp.RequestCtx) []byte { return bearerOf(&rc.Request.Header) }

func bearerOf(hdr *fasthttp.RequestHeader) []byte {
	h := hdr.Peek("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !equalFoldASCII(h[:len(prefix)], prefix) {
		return nil
	}
	return h[len(prefix):]
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c, d := b[i], s[i]
		if c|0x20 != d|0x20 {
			return false
		}
	}
	return true
}

// Request bodies. A body is read by serve, after the request's route is
// found and its token checked, bounded by the route's own limit, and as it
// arrives: memory follows the bytes a client sent, not the length it
// declared. Before that, admit (fasthttp's HeaderReceived, which runs on
// the headers alone) keeps fasthttp from reading any of a body that serve
// would refuse: no route, no valid token, or a declared length over the
// route's limit. Such a request is answered from its headers and its
// connection closed, its body never read into memory (see lingerConn).

// withheldHeader is set by admit on a request whose body it withholds, to
// the length the request declared (-1: chunked). A client that sends it
// itself only gets its own request refused.
const withheldHeader = "X-Parinaya-Withheld-Body"

// overBudgetHeader is set on a webhook request whose body does not fit in
// the webhook budget now (see handle): readBody answers it 429 without
// reading its body. A client that sends it itself only gets its own
// request refused.
const overBudgetHeader = "X-Parinaya-Over-Budget"

// bodyChunk is the most memory a body gets before its bytes arrive; it
// then grows by doubling with what arrives.
const bodyChunk = 64 << 10

// admit runs when a request's headers have arrived, before fasthttp reads
// its body. A request that serve will refuse before reading its body gets
// it withheld: fasthttp then reads none of it (nor asks for it with 100
// Continue), and closes the connection after the answer, so the unread
// body is never parsed as a next request. Requests without a body (the
// GETs) pass untouched.
//
// A webhook whose body does not fit in the webhook budget as it stands is
// withheld too, and answered 429: admit takes nothing from the budget (a
// request may yet end before its handler runs, and nothing would give it
// back); handle does, and has the last word.
func (s *Server) admit(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	n := h.ContentLength()
	if n == 0 || n == -2 {
		return fasthttp.RequestConfig{}
	}
	rt, w := s.lookup(h)
	read := s.mayRead(h, rt, w, n)
	if read && isWebhook(rt) && !s.webhookBodies.fits(webhookNeed(n, s.bodyLimit(rt))) {
		h.Set(overBudgetHeader, "1")
		read = false
	}
	if read {
		return fasthttp.RequestConfig{}
	}
	h.Set(withheldHeader, strconv.Itoa(n))
	h.SetContentLength(0)
	h.Del("Expect")
	h.SetConnectionClose()
	return fasthttp.RequestConfig{}
}

// mayRead says whether serve will read the body (of declared length n, -1
// for chunked) of the request with headers h, of route rt (nil: none) and
// wedding w. It refuses what serve refuses before reading: no route, a
// declared length over the route's limit, and (on non-public routes) not
// ready, no valid token for the route's wedding, or a wedding's token on
// the operator's routes.
func (s *Server) mayRead(h *fasthttp.RequestHeader, rt *route, w string, n int) bool {
	if rt == nil || n > s.bodyLimit(rt) {
		return false
	}
	if rt.access == public {
		return true
	}
	if !s.ready.Load() {
		return false
	}
	var cancel context.CancelFunc
	by, _, aerr := s.authenticateToken(bearerOf(h), w, func() context.Context {
		ctx, c := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
		cancel = c
		return ctx
	})
	if cancel != nil {
		cancel()
	}
	return aerr == nil && roleRefusal(rt, by) == nil
}

// probeRoute is the user value under which a probe handler names its route.
type probeRoute struct{}

// lookup finds the route of a request from its headers as the router will
// (the same paths in a router of the same kind), and its {w}.
func (s *Server) lookup(h *fasthttp.RequestHeader) (*route, string) {
	u := fasthttp.AcquireURI()
	defer fasthttp.ReleaseURI(u)
	if err := u.Parse(h.Host(), h.RequestURI()); err != nil {
		return nil, ""
	}
	path := string(u.PathOriginal())
	// No ctx for Lookup: it would copy and box every path parameter; only
	// {w} is wanted, and pathParam finds it in path.
	handle, _ := s.probe.Lookup(string(h.Method()), path, nil)
	if handle == nil {
		return nil, ""
	}
	c := s.probes.Get().(*fasthttp.RequestCtx)
	handle(c)
	rt, _ := c.UserValue(probeRoute{}).(*route)
	c.ResetUserValues()
	s.probes.Put(c)
	if rt == nil {
		return nil, ""
	}
	return rt, pathParam(rt.path, path, "{w}")
}

// pathParam is the segment of path that a route's pattern (which path
// matched) has as param ("{w}"), or "" if it has none.
func pathParam(pattern, path, param string) string {
	i := strings.Index(pattern, param)
	if i < 0 {
		return ""
	}
	for range strings.Count(pattern[:i], "/") {
		j := strings.IndexByte(path, '/')
		if j < 0 {
			return ""
		}
		path = path[j+1:]
	}
	if j := strings.IndexByte(path, '/'); j >= 0 {
		path = path[:j]
	}
	return path
}

// bodyLimit is the most bytes of body rt takes.
func (s *Server) bodyLimit(rt *route) int {
	if rt.bodyLimit > 0 {
		return rt.bodyLimit
	}
	return s.cfg.MaxBodyBytes
}

// readBody reads the request's body into the request, where handlers find
// it (PostBody), refusing one over limit. fasthttp streams bodies: until
// this has run, PostBody would read the whole stream without a bound.
func readBody(rc *fasthttp.RequestCtx, limit int) *apiError {
	h := &rc.Request.Header
	if h.Peek(overBudgetHeader) != nil {
		return errWebhookBodiesBusy
	}
	n := h.ContentLength()
	if n == 0 && h.ConnectionClose() {
		if v := h.Peek(withheldHeader); v != nil {
			if declared, err := strconv.Atoi(string(v)); err == nil && declared > limit {
				return bodyTooLarge(limit)
			}
			// admit withheld a body serve would read: the server became
			// ready, or a token valid, in between. Rare; the retry is read.
			return errNotReady
		}
	}
	stream := rc.RequestBodyStream()
	if stream == nil { // not streamed: a handler called without fasthttp.Server
		if len(rc.Request.Body()) > limit {
			return bodyTooLarge(limit)
		}
		return nil
	}
	if n > limit {
		return bodyTooLarge(limit)
	}
	body, err := readLimited(stream, n, limit)
	if err != nil {
		return bodyError(err, limit)
	}
	rc.Request.SetBodyRaw(body)
	return nil
}

// The webhook budget. POST /webhooks/whatsapp is public: it is
// authenticated by the signature over its body, so its body must be read
// before anything says whether it is Meta's. Each body is bounded
// (WebhookBodyBytes), but not how many are read at once: many connections
// each sending a body slowly would have the engine hold connections ×
// WebhookBodyBytes for bodies nobody signed. The budget bounds the sum:
// handle takes a webhook's share before its body is read (its declared
// length, or the route's limit for a chunked one, which may be read up to
// that) and gives it back once the request is answered; one that does not
// fit gets 429 overloaded and Retry-After (API.md), its body unread. Before handle runs,
// fasthttp has read at most 8 KiB of a body (its prefetch), which is
// bounded per connection as its headers are.

// errWebhookBodiesBusy answers a webhook whose body does not fit in the
// budget now. Meta retries it, as any answer but a 200.
var errWebhookBodiesBusy = &apiError{Status: fasthttp.StatusTooManyRequests, Code: "overloaded",
	Message: "the engine is reading as many webhook bodies as it takes at once; retry after the delay in Retry-After", RetryAfter: 1}

// handle is the server's handler: the router, inside the webhook budget.
func (s *Server) handle(rc *fasthttp.RequestCtx) {
	if need := s.webhookShare(rc); need > 0 {
		if s.webhookBodies.take(need) {
			defer s.webhookBodies.give(need)
		} else {
			// admit saw room, and other webhooks took it since.
			rc.Request.Header.Set(overBudgetHeader, "1")
		}
	}
	s.router.Handler(rc)
}

// webhookShare is what the request's body takes of the webhook budget: 0
// for another route, and for a webhook whose body is not read (none,
// withheld by admit, over the limit).
func (s *Server) webhookShare(rc *fasthttp.RequestCtx) int {
	n := rc.Request.Header.ContentLength()
	// As the router matches: the exact path, not normalized.
	if n == 0 || n == -2 || !rc.IsPost() || string(rc.Request.URI().PathOriginal()) != webhookPath {
		return 0
	}
	return webhookNeed(n, s.cfg.WebhookBodyBytes)
}

// webhookNeed is the share of a webhook body of declared length n (-1:
// chunked) under limit.
func webhookNeed(n, limit int) int {
	switch {
	case n == -1:
		return limit
	case n > limit:
		return 0 // refused unread (413)
	}
	return n
}

// isWebhook says whether rt is the webhook's POST route.
func isWebhook(rt *route) bool {
	return rt != nil && rt.method == fasthttp.MethodPost && rt.path == webhookPath
}

// byteBudget bounds the bytes a group of requests holds at once.
type byteBudget struct {
	max  int
	used atomic.Int64
}

// fits says whether n bytes fit now (and may not a moment later).
func (b *byteBudget) fits(n int) bool { return b.used.Load()+int64(n) <= int64(b.max) }

// take takes n bytes if they fit, and says whether it did.
func (b *byteBudget) take(n int) bool {
	for {
		used := b.used.Load()
		if used+int64(n) > int64(b.max) {
			return false
		}
		if b.used.CompareAndSwap(used, used+int64(n)) {
			return true
		}
	}
}

// give gives back n bytes taken.
func (b *byteBudget) give(n int) { b.used.Add(-int64(n)) }

// errBodyTooLarge is readLimited's refusal of a body over its limit.
var errBodyTooLarge = errors.New("httpapi: request body over its limit")

// readLimited reads a body of n bytes (-1: until EOF) from r, at most
// limit of them. Its buffer starts at bodyChunk at most and doubles as the
// bytes arrive, so a declared length reserves nothing by itself.
func readLimited(r io.Reader, n, limit int) ([]byte, error) {
	size := min(limit+1, bodyChunk)
	if n >= 0 {
		size = min(n, bodyChunk)
	}
	if size == 0 {
		return nil, nil
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if len(buf) == n {
				return buf, nil
			}
			if len(buf) > limit {
				return nil, errBodyTooLarge
			}
			next := min(2*cap(buf), limit+1)
			if n >= 0 {
				next = min(next, n)
			}
			buf = append(make([]byte, 0, next), buf...)
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		switch {
		case err == io.EOF && len(buf) > limit:
			return nil, errBodyTooLarge
		case err == io.EOF && n >= 0 && len(buf) < n:
			return nil, io.ErrUnexpectedEOF
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return nil, err
		}
	}
}

func bodyTooLarge(limit int) *apiError {
	return errorf(fasthttp.StatusRequestEntityTooLarge, "body_too_large", "", "the request body is larger than this route's limit of %d bytes", limit)
}

// bodyError is the answer to a body that could not be read.
func bodyError(err error, limit int) *apiError {
	switch {
	case errors.Is(err, errBodyTooLarge):
		return bodyTooLarge(limit)
	case isTimeout(err):
		return errRequestTimeout
	}
	return errorf(fasthttp.StatusBadRequest, "bad_request", "", "the request body could not be read: it ended before its declared length, or its chunked encoding is malformed")
}

var errRequestTimeout = &apiError{Status: fasthttp.StatusRequestTimeout, Code: "request_timeout",
	Message: "the request did not arrive in full within the server's read timeout; send it again"}

// isTimeout says whether err is a connection's read deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// refuse answers ae to a request whose body may be unread, closing the
// connection after the answer: reading a body that will not be used is
// what a client declaring a huge one wants.
func refuse(rc *fasthttp.RequestCtx, ae *apiError) {
	writeError(rc, ae)
	if unreadBody(rc) {
		rc.SetConnectionClose()
		lingerAfter(rc)
	}
}

// unreadBody says whether the request has a body not read into memory:
// withheld by admit, or streamed and not (fully) read by readBody.
func unreadBody(rc *fasthttp.RequestCtx) bool {
	h := &rc.Request.Header
	switch n := h.ContentLength(); {
	case n > 0 || n == -1:
		return rc.RequestBodyStream() != nil
	case n == 0:
		return h.ConnectionClose() && h.Peek(withheldHeader) != nil
	}
	return false
}

// maxLinger bounds a lingering close (see lingerConn).
const maxLinger = 2 * time.Second

// lingerListener's connections close lingering when asked (lingerAfter).
type lingerListener struct {
	net.Listener
	time  time.Duration
	bytes int64
}

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c, time: l.time, bytes: l.bytes}, nil
}

// lingerConn closes lingering once asked: it sends the end of its answer
// (FIN), then discards what the client still sends (at most bytes, for at
// most time) before it closes. A connection closed with unread bytes in
// its socket answers them with a reset, which can reach a client still
// sending its body before it reads the answer: it would see "connection
// reset" instead of the 401 or 413. The bytes discarded are never kept;
// the read goes through a small pooled buffer (io.Discard's).
type lingerConn struct {
	net.Conn
	time   time.Duration
	bytes  int64
	linger atomic.Bool
}

// lingerAfter makes the request's connection close lingering.
func lingerAfter(rc *fasthttp.RequestCtx) {
	if c, ok := rc.Conn().(*lingerConn); ok {
		c.linger.Store(true)
	}
}

func (c *lingerConn) Close() error {
	cw, ok := c.Conn.(interface{ CloseWrite() error })
	if !c.linger.Load() || !ok || cw.CloseWrite() != nil {
		return c.Conn.Close()
	}
	go func() {
		_ = c.Conn.SetReadDeadline(time.Now().Add(c.time))
		_, _ = io.CopyN(io.Discard, c.Conn, c.bytes)
		_ = c.Conn.Close()
	}()
	return nil
}
