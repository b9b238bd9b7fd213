package httpapi

import (
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// httpMetrics are the API's Prometheus series. The engine's own (commits,
// commands, snapshots) are registered by the actors package on the same
// registry.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handler  fasthttp.RequestHandler
	// unmatched counts the router's 404 and 405 answers, by method.
	unmatched map[string]*routeMetrics
	// pageHit, pageKept and pageRender count the guests' pages served
	// from the cache as they were, served from the cache after reading
	// the household again, and rendered (pagecache.go).
	pageHit, pageKept, pageRender prometheus.Counter
}

// unmatchedRoute is the route label of requests no route matched. Their
// own path, and a method outside unmatchedMethods ("other"), would give
// the series as many labels as clients care to send.
const unmatchedRoute = "unmatched"

var unmatchedMethods = []string{fasthttp.MethodGet, fasthttp.MethodHead, fasthttp.MethodPost, fasthttp.MethodPut,
	fasthttp.MethodPatch, fasthttp.MethodDelete, fasthttp.MethodOptions, fasthttp.MethodConnect, fasthttp.MethodTrace, "other"}

func newHTTPMetrics(reg *prometheus.Registry, eng Engine) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parinaya_http_requests_total",
			Help: "HTTP requests answered, by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parinaya_http_request_duration_seconds",
			Help:    "Time from the request's arrival to its answer, by route, method and status.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
	}
	pages := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parinaya_page_cache_total",
		Help: "Guests' pages served: hit (cached, the wedding unchanged), kept (cached, the household read again and unchanged), render.",
	}, []string{"outcome"})
	m.pageHit, m.pageKept, m.pageRender = pages.WithLabelValues("hit"), pages.WithLabelValues("kept"), pages.WithLabelValues("render")
	reg.MustRegister(m.requests, m.latency, pages)
	m.unmatched = make(map[string]*routeMetrics, len(unmatchedMethods))
	for _, method := range unmatchedMethods {
		m.unmatched[method] = m.route(method, unmatchedRoute)
	}
	// Process and Go runtime series, unless the caller registered them.
	// Beside the default series: the live heap after the last collection and
	// the next collection's goal, the figures that say how much memory the
	// weddings in memory really hold (heap in use also counts garbage, a
	// lot of it at the engine's GOGC).
	_ = reg.Register(collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
		collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/(live|goal):bytes$`)})))
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return m
}

// routeMetrics caches one route's series per status, so the hot path does
// no label hashing.
type routeMetrics struct {
	m             *httpMetrics
	route, method string
	mu            sync.RWMutex
	byStatus      map[int]routeSeries
}

type routeSeries struct {
	count prometheus.Counter
	dur   prometheus.Observer
}

func (m *httpMetrics) route(method, path string) *routeMetrics {
	return &routeMetrics{m: m, route: path, method: method, byStatus: map[int]routeSeries{}}
}

func (r *routeMetrics) observe(status int, d time.Duration) {
	r.mu.RLock()
	s, ok := r.byStatus[status]
	r.mu.RUnlock()
	if !ok {
		code := strconv.Itoa(status)
		s = routeSeries{count: r.m.requests.WithLabelValues(r.route, r.method, code),
			dur: r.m.latency.WithLabelValues(r.route, r.method, code)}
		r.mu.Lock()
		r.byStatus[status] = s
		r.mu.Unlock()
	}
	s.count.Inc()
	s.dur.Observe(d.Seconds())
}

// observeUnmatched counts an answer of the router's own (404, 405), timed
// from the request's arrival.
func (m *httpMetrics) observeUnmatched(ctx *fasthttp.RequestCtx) {
	r, ok := m.unmatched[string(ctx.Method())]
	if !ok {
		r = m.unmatched["other"]
	}
	r.observe(ctx.Response.StatusCode(), time.Since(ctx.Time()))
}

func (s *Server) metricsPage(r *request) error {
	s.metrics.handler(r.rc)
	return nil
}
