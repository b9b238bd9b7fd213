package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"slices"
	"strconv"
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
	Audit(ctx context.Context, weddingID string, by domain.Principal, before uint64, limit int) ([]domain.Change, error)
	Weddings() ([]string, error)
	Active() int
	Err() error
}

// Defaults for Config's zero values.
const (
	DefaultMaxBodyBytes        = 1 << 20
	DefaultBatchBodyBytes      = 16 << 20
	DefaultRequestTimeout      = 10 * time.Second
	DefaultReadTimeout         = 30 * time.Second
	DefaultWriteTimeout        = 30 * time.Second
	DefaultIdleTimeout         = 120 * time.Second
	DefaultIdempotencyTTL      = 24 * time.Hour
	DefaultIdempotencyMaxKeys  = 100_000
	DefaultIdempotencyMaxBytes = 64 << 20
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
	// IdempotencyTTL is how long an Idempotency-Key is remembered;
	// IdempotencyMaxKeys bounds how many are (the oldest go first).
	IdempotencyTTL     time.Duration
	IdempotencyMaxKeys int
	// IdempotencyMaxBytes bounds the memory of the answers remembered
	// (the oldest go first; the newest is always kept).
	IdempotencyMaxBytes int64
	// Logger gets one line per request when LogRequests is set, and the
	// causes of 500s always.
	Logger      zerolog.Logger
	LogRequests bool
	// Registry receives the HTTP metrics and is served at /metrics; nil
	// means a new registry.
	Registry *prometheus.Registry
	// Version is reported by /healthz.
	Version string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.BatchBodyBytes <= 0 {
		c.BatchBodyBytes = DefaultBatchBodyBytes
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
	if c.IdempotencyTTL <= 0 {
		c.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if c.IdempotencyMaxKeys <= 0 {
		c.IdempotencyMaxKeys = DefaultIdempotencyMaxKeys
	}
	if c.IdempotencyMaxBytes <= 0 {
		c.IdempotencyMaxBytes = DefaultIdempotencyMaxBytes
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Server is the admin JSON API over fasthttp.
type Server struct {
	cfg     Config
	eng     Engine
	router  *router.Router
	srv     *fasthttp.Server
	routes  []*route
	metrics *httpMetrics
	idem    *idempotency
	openapi openAPIDesc
	ready   atomic.Bool
	reqSeq  atomic.Uint64
	reqBase string
}

// New builds the server over eng. It is not ready (readyz 503) until
// SetReady(true).
func New(eng Engine, cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, eng: eng, router: router.New(),
		idem:    newIdempotency(cfg.IdempotencyTTL, cfg.IdempotencyMaxKeys, cfg.IdempotencyMaxBytes, cfg.Now),
		reqBase: strconv.FormatInt(time.Now().UnixNano()%1e9, 36) + "-"}
	s.metrics = newHTTPMetrics(cfg.Registry, eng)
	// Exact paths only: a redirect would answer an API client with an empty
	// 301 body instead of the error shape every client expects.
	s.router.RedirectTrailingSlash = false
	s.router.RedirectFixedPath = false
	s.router.HandleOPTIONS = false
	s.router.NotFound = func(ctx *fasthttp.RequestCtx) {
		writeError(ctx, errorf(fasthttp.StatusNotFound, "not_found", "", "no route %s %s; see /openapi.json", ctx.Method(), ctx.Path()))
	}
	s.router.MethodNotAllowed = func(ctx *fasthttp.RequestCtx) {
		writeError(ctx, errorf(fasthttp.StatusMethodNotAllowed, "method_not_allowed", "", "%s is not allowed on %s; see /openapi.json", ctx.Method(), ctx.Path()))
	}
	s.router.PanicHandler = func(ctx *fasthttp.RequestCtx, v any) {
		s.cfg.Logger.Error().Interface("panic", v).Str("route", string(ctx.Path())).Msg("handler panicked")
		writeError(ctx, errInternal)
	}
	s.register()
	maxBody := max(cfg.MaxBodyBytes, cfg.BatchBodyBytes)
	s.srv = &fasthttp.Server{
		Handler:               s.router.Handler,
		Name:                  "parinaya",
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		MaxRequestBodySize:    maxBody,
		NoDefaultServerHeader: true,
		NoDefaultDate:         true,
		ReduceMemoryUsage:     false,
		CloseOnShutdown:       true,
		// fasthttp's own lines (connections it drops) go to our logger,
		// not to the process's global log.
		Logger: &s.cfg.Logger,
		ErrorHandler: func(ctx *fasthttp.RequestCtx, err error) {
			if errors.Is(err, fasthttp.ErrBodyTooLarge) {
				writeError(ctx, errorf(fasthttp.StatusRequestEntityTooLarge, "body_too_large", "", "the request body is larger than %d bytes", maxBody))
				return
			}
			writeError(ctx, errorf(fasthttp.StatusBadRequest, "bad_request", "", "the HTTP request could not be parsed: %v", err))
		},
	}
	return s
}

// Handler is the server's request handler (for tests and embedding).
func (s *Server) Handler() fasthttp.RequestHandler { return s.srv.Handler }

// Serve serves HTTP on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Shutdown stops accepting connections and waits (up to ctx) for the
// requests in flight to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	return s.srv.ShutdownWithContext(ctx)
}

// SetReady marks the engine ready (or not) for /readyz.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Routes lists the registered paths by method (for the OpenAPI coverage
// test and the docs). The map is a copy.
func (s *Server) Routes() map[string][]string {
	out := map[string][]string{}
	for m, paths := range s.router.List() {
		out[m] = slices.Clone(paths)
	}
	return out
}

// authenticate finds who sends the request. weddingID is the wedding the
// route is about ("" for routes outside weddings). A valid token of another
// wedding gets 404 on a wedding's routes, as anything the token may not see; no valid token at
// all gets 401. The view it returns (nil for root) is the token's own
// wedding's, so a read can reuse it.
func (s *Server) authenticate(r *request, weddingID string) (domain.Principal, *domain.View, *apiError) {
	tok := bearer(r.rc)
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
	v, err := s.view(r, tw)
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
	if v := s.eng.ActiveView(weddingID); v != nil {
		return v, nil
	}
	return s.eng.View(r.context(), weddingID)
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(rc *fasthttp.RequestCtx) []byte {
	h := rc.Request.Header.Peek("Authorization")
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
