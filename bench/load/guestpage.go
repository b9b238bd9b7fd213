package load

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/valyala/fasthttp"
)

// The guest-page scenario (issue 14): the guests' own pages and the
// admins' live dashboards.
//
//  1. A 1,000-household wedding (the run's first when it is that big, else
//     one provisioned for it, as export does; with --quick the run's
//     own), its website set and published, a guest link issued for 200
//     households (20 with --quick) spread over the list.
//  2. Every link's page read once and checked: 200, text/html, the
//     household's name (whole). Their sizes are bytes/page; the time of
//     each is "guest-page/first-view" (a page no one asked for yet).
//  3. "guest-page": a load curve at 16 and 64 connections (its own
//     points, not --curve): closed loop GET /w/{slug}/g/{token} over the
//     links, each answer checked as in 2, beside a bare fasthttp handler
//     answering every GET with the bytes and headers of one of those pages
//     (the one nearest the mean size), measured just before it at the
//     same connections with the same client: the ceiling, so that the
//     ratio reads what rendering costs over writing the bytes.
//  4. "guest-page/dashboards": 100 SSE clients (10 with --quick) on GET
//     /v1/weddings/{w}/headcount/stream with the owner token, each reading
//     every event; then 200 RSVP overrides (20), one at a time every
//     dashboardPace, each flipping an invitation between yes and no so
//     that every write moves the headcount. A write's answer carries its
//     change's seq; a dashboard has the write when it reads an event whose
//     seq is at least that (the stream may send one event for several
//     changes: the write is then delivered by the later event, and counted
//     as coalesced). Latency: that event's arrival minus the write's 200,
//     for every write × dashboard; an event read before the 200 counts 0.
//     Each write no dashboard got within dashboardDeliverLimit of the last
//     200 is an error; so is a dashboard whose last event is not what GET
//     …/headcount then answers.
//     "guest-page/dashboards/writes": those writes, from request to 200.

// The sizes of the scenario, full and --quick.
const (
	guestPageUnits           = 1000
	guestPageLinks           = 200
	guestPageQuickLinks      = 20
	guestPageDashboards      = 100
	guestPageQuickDashboards = 10
	guestPageWrites          = 200
	guestPageQuickWrites     = 20
	// guestPagePairs is how many invitations the writes take turns on.
	guestPagePairs = 20
	// dashboardPace is the interval between the writes' starts: at most
	// one write in flight, ~40 a second.
	dashboardPace = 25 * time.Millisecond
	// dashboardConnectLimit bounds the wait for every dashboard's first
	// event; dashboardDeliverLimit the wait, after the last write's 200,
	// for every dashboard to have it.
	dashboardConnectLimit = 10 * time.Second
	dashboardDeliverLimit = 5 * time.Second
	// guestPageDashboardP99 is issue 14's target for an RSVP's 200 to every
	// open dashboard showing it.
	guestPageDashboardP99 = 50.0
)

// guestPageConns are the curve's points.
var guestPageConns = []int{16, 64}

// guestLink is one household's page and what its answer must hold.
type guestLink struct {
	path   string // /w/{slug}/g/{token}
	unit   string
	name   string
	marker []byte // the household's name as HTML shows it
}

// guestPageSite is the website the scenario sets: every block of the page
// filled in (the WhatsApp button, the gifts with their UPI QR code and a
// registry link), as a couple would.
var guestPageSite = map[string]any{
	"title": "Asha weds Rohan", "couple": "Asha & Rohan", "privacy": "public",
	"story":           "We met at a friend's wedding in Pune, and argued about the food for an hour.",
	"whatsapp_number": "98765 43210",
	"gifts": map[string]any{"upi_id": "asha.rohan@okaxis", "payee": "Asha Rao", "note": "Your blessings are enough; if you insist:",
		"registry_links": []any{map[string]any{"title": "Our home registry", "url": "https://registry.example/asha-rohan"}}},
}

// runGuestPage runs the scenario; see the top of this file.
func runGuestPage(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	units, nLinks, nDash, nWrites := guestPageUnits, guestPageLinks, guestPageDashboards, guestPageWrites
	if env.cfg.Quick {
		units, nLinks, nDash, nWrites = 1, guestPageQuickLinks, guestPageQuickDashboards, guestPageQuickWrites
	}
	w, err := env.weddingWith(ctx, units)
	if err != nil {
		return nil, err
	}
	setup, err := env.client(8)
	if err != nil {
		return nil, err
	}
	links, err := guestLinks(ctx, setup, w, nLinks)
	if err != nil {
		return nil, err
	}
	sizes, ceilingPage, first, err := checkGuestPages(setup, links)
	if err != nil {
		return nil, err
	}

	fixed, err := startFixedPage(ceilingPage)
	if err != nil {
		return nil, err
	}
	defer fixed.Close()
	spec := curveSpec{
		name:   "guest-page",
		engine: fmt.Sprintf("GET /w/{slug}/g/{token}: the own pages of %d households, each worker going round the links, every answer checked", len(links)),
		baseline: fmt.Sprintf("a bare fasthttp handler answering every GET with the bytes and headers of one of those pages (%s bytes), "+
			"same client, as many connections", fmtInt(int64(len(ceilingPage.body)))),
		points: guestPageConns,
		newEngineOp: func(env *Env, c *Client, worker int) func() (bool, error) {
			return guestPageOp(c, links, env.rand(worker).IntN(len(links)))
		},
		start: func(env *Env) (baselineFunc, func(), string, error) {
			return func(ctx context.Context, conns int, plan pointPlan, p *Progress) (Result, error) {
				c, err := NewClient(fixed.URL, conns)
				if err != nil {
					return Result{}, err
				}
				env.clients = append(env.clients, c)
				return measure(ctx, conns, plan, p, func(int) func() (bool, error) { return fixedPageOp(c, len(ceilingPage.body)) }), nil
			}, nil, "", nil
		},
	}
	if !env.Local {
		spec.start = func(*Env) (baselineFunc, func(), string, error) {
			return nil, nil, "the engine runs elsewhere: no ceiling (it would measure this machine, not the engine's)", nil
		}
	}
	out, err := runCurve(ctx, env, spec)
	if err != nil {
		return nil, err
	}
	lo, hi, mean := slices.Min(sizes), slices.Max(sizes), 0
	for _, n := range sizes {
		mean += n
	}
	mean /= len(sizes)
	out[0].Note = fmt.Sprintf("%d households' pages of a %s-household wedding: %s bytes/page on average (%s–%s), "+
		"checked before the load (200, text/html, the household's name); the ceiling serves %s's page, %s bytes",
		len(links), fmtInt(int64(len(w.UnitIDs))), fmtInt(int64(mean)), fmtInt(int64(lo)), fmtInt(int64(hi)),
		ceilingPage.name, fmtInt(int64(len(ceilingPage.body))))
	fv := env.result("guest-page/first-view", "closed", 1, 0, first)
	fv.Description = "Each household's page read for the first time (the check before the load), one at a time on one " +
		"connection, the website just published: what a guest waits for a page no one has asked for yet. Reported, not judged."
	out = append(out, fv)
	if ctx.Err() != nil {
		return out, nil
	}

	env.settle(ctx)
	dash, err := runDashboards(ctx, env, setup, w, nDash, nWrites)
	if err != nil {
		return nil, err
	}
	return append(out, dash...), nil
}

// guestLinks sets and publishes the wedding's website and issues a link
// for n households spread over its list, with their current names.
func guestLinks(ctx context.Context, c *Client, w *Wedding, n int) ([]guestLink, error) {
	base := "/v1/weddings/" + w.ID
	if err := c.JSON("PUT", base+"/website", w.OwnerToken, guestPageSite, nil); err != nil {
		return nil, err
	}
	if err := c.JSON("POST", base+"/website/publish", w.OwnerToken, nil, nil); err != nil {
		return nil, err
	}
	// The names as the engine holds them now (admin-mix renames units).
	names := make(map[string]string, len(w.UnitIDs))
	for after := ""; ; {
		var pg struct {
			Items []struct{ ID, Name string } `json:"items"`
			Next  string                      `json:"next"`
		}
		if err := c.JSON("GET", base+"/units?limit=1000&after="+url.QueryEscape(after), w.OwnerToken, nil, &pg); err != nil {
			return nil, err
		}
		for _, u := range pg.Items {
			names[u.ID] = u.Name
		}
		if after = pg.Next; after == "" || len(pg.Items) == 0 {
			break
		}
	}
	n = min(n, len(w.UnitIDs))
	links := make([]guestLink, n)
	err := parallel(ctx, 8, n, func(i int) error {
		id := w.UnitIDs[i*len(w.UnitIDs)/n]
		var l struct {
			URL string `json:"url"`
		}
		if err := c.JSON("POST", base+"/units/"+id+"/link", w.OwnerToken, nil, &l); err != nil {
			return err
		}
		if !strings.HasPrefix(l.URL, "/w/") || !strings.Contains(l.URL, "/g/") {
			return fmt.Errorf("load: POST %s/units/%s/link: url %q; want /w/{slug}/g/{token}", base, id, l.URL)
		}
		name, ok := names[id]
		if !ok {
			return fmt.Errorf("load: unit %s is not in the wedding's list", id)
		}
		links[i] = guestLink{path: l.URL, unit: id, name: name, marker: pageMarker(name)}
		return nil
	})
	return links, err
}

// pageMarker is how a household's name shows on its page: HTML-escaped.
func pageMarker(name string) []byte {
	return []byte(template.HTMLEscapeString(name))
}

// hasWhole reports whether b holds name as a whole: not within a longer
// word or number (Family 1 is not on Family 12's page).
func hasWhole(b, name []byte) bool {
	alnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	for off := 0; ; {
		i := bytes.Index(b[off:], name)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(name)
		if (i == 0 || !alnum(b[i-1])) && (end == len(b) || !alnum(b[end])) {
			return true
		}
		off = i + 1
	}
}

// checkPage says what is wrong with an answer to a guest page, or nil.
func checkPage(status int, contentType, body, marker []byte) error {
	switch {
	case status != fasthttp.StatusOK:
		return AnswerError(status, body)
	case !bytes.HasPrefix(contentType, []byte("text/html")):
		return &StatusError{Status: status, Code: "not_html"}
	case !hasWhole(body, marker):
		return &StatusError{Status: status, Code: "not_the_household_page"}
	}
	return nil
}

// fixedPage is one page as the engine answered it, for the ceiling.
type fixedPage struct {
	name    string
	body    []byte
	headers [][2]string // Content-Type and the rest, as answered
}

// checkGuestPages reads every link's page once, one at a time, and checks
// it; it returns their sizes, the page nearest their mean size with its
// headers, and the time of each read (each page's first view).
func checkGuestPages(c *Client, links []guestLink) ([]int, fixedPage, Result, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	sizes := make([]int, len(links))
	pages := make([]fixedPage, len(links))
	sum := 0
	t := newTally()
	// A connection open first: the first view measures no dial.
	if _, _, err := c.Do("GET", "/healthz", "", nil); err != nil {
		return nil, fixedPage{}, Result{}, err
	}
	start := time.Now()
	for i, l := range links {
		req.Reset()
		req.SetRequestURI(c.base + l.path)
		t0 := time.Now()
		if err := c.hc.Do(req, resp); err != nil {
			return nil, fixedPage{}, Result{}, fmt.Errorf("load: GET %s: %w", l.path, err)
		}
		if err := checkPage(resp.StatusCode(), resp.Header.ContentType(), resp.Body(), l.marker); err != nil {
			return nil, fixedPage{}, Result{}, fmt.Errorf("load: the page of %s (%s): %w", l.name, l.path, err)
		}
		t.count++
		recordLatency(t.lat, time.Since(t0))
		p := fixedPage{name: l.name, body: append([]byte(nil), resp.Body()...)}
		for k, v := range resp.Header.All() {
			switch strings.ToLower(string(k)) {
			case "content-length", "date", "server", "connection", "transfer-encoding":
				continue
			}
			p.headers = append(p.headers, [2]string{string(k), string(v)})
		}
		pages[i], sizes[i] = p, len(p.body)
		sum += len(p.body)
	}
	mean := sum / len(links)
	best := 0
	for i := range pages {
		if abs(sizes[i]-mean) < abs(sizes[best]-mean) {
			best = i
		}
	}
	return sizes, pages[best], mergeCounters([]*tally{t}, time.Since(start), false), nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// startFixedPage serves p's bytes and headers to every request on a free
// loopback port: no engine, no routing.
func startFixedPage(p fixedPage) (*FixedBody, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		for _, h := range p.headers {
			ctx.Response.Header.Set(h[0], h[1])
		}
		ctx.SetBody(p.body)
	}, NoDefaultServerHeader: true, NoDefaultDate: true}
	go func() { _ = srv.Serve(ln) }()
	return &FixedBody{URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// guestPageOp GETs the links' pages in turn from start, each checked.
func guestPageOp(c *Client, links []guestLink, start int) func() (bool, error) {
	reqs := make([]*fasthttp.Request, len(links))
	for i, l := range links {
		reqs[i] = c.Request(l.path, "")
	}
	resp := fasthttp.AcquireResponse()
	k := start
	return func() (bool, error) {
		k = (k + 1) % len(links)
		st, err := c.Get(reqs[k], resp)
		if err != nil {
			return false, err
		}
		if err := checkPage(st, resp.Header.ContentType(), resp.Body(), links[k].marker); err != nil {
			return false, err
		}
		return true, nil
	}
}

// fixedPageOp GETs the ceiling's page: a 200 of size bytes.
func fixedPageOp(c *Client, size int) func() (bool, error) {
	req, resp := c.Request("/", ""), fasthttp.AcquireResponse()
	return func() (bool, error) {
		st, err := c.Get(req, resp)
		if err != nil {
			return false, err
		}
		if st != fasthttp.StatusOK || len(resp.Body()) != size {
			return false, &StatusError{Status: st, Code: "not_the_page"}
		}
		return true, nil
	}
}

// ---- live dashboards ----

// sseEvent is one event a dashboard read: its headcount's seq and when
// its data line arrived.
type sseEvent struct {
	seq uint64
	at  time.Time
}

// dashboard is one SSE client of the headcount stream.
type dashboard struct {
	events []sseEvent // written by its reader until it ends; read after
	last   []byte     // the last event's data
	maxSeq atomic.Uint64
	ended  atomic.Bool // its reader has returned
	err    error       // why its stream ended early; read after it did
}

// seqOf reads the first "seq": number of a JSON object (a headcount's or
// an RSVP's; no string of theirs can hold `"seq":` unescaped).
func seqOf(b []byte) (uint64, bool) {
	i := bytes.Index(b, []byte(`"seq":`))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(`"seq":`):]
	j := 0
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	n, err := strconv.ParseUint(string(b[:j]), 10, 64)
	return n, err == nil
}

// readSSE reads an event stream, calling onEvent with each event's data
// and the time its data line arrived (data of one line, as the engine
// sends it), until r ends.
func readSSE(r io.Reader, onEvent func(data []byte, at time.Time) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		at := time.Now()
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return errors.New("an event line longer than 64 KiB")
			}
			return err
		}
		if data, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			data = bytes.TrimPrefix(bytes.TrimRight(data, "\r\n"), []byte(" "))
			if err := onEvent(data, at); err != nil {
				return err
			}
		}
	}
}

// follow opens d's stream and reads it until ctx ends; ready gets nil
// after its first event, or the error that prevented one.
func (d *dashboard) follow(ctx context.Context, hc *http.Client, streamURL, token string, ready chan<- error) {
	defer d.ended.Store(true)
	first := true
	signal := func(err error) {
		if first {
			first = false
			ready <- err
		}
	}
	req, err := http.NewRequestWithContext(ctx, "GET", streamURL, nil)
	if err != nil {
		signal(err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		d.err = err
		signal(err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		d.err = AnswerError(resp.StatusCode, body)
		signal(d.err)
		return
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		d.err = &StatusError{Status: resp.StatusCode, Code: "not_an_event_stream"}
		signal(d.err)
		return
	}
	err = readSSE(resp.Body, func(data []byte, at time.Time) error {
		seq, ok := seqOf(data)
		if !ok {
			return &StatusError{Status: 200, Code: "event_without_seq"}
		}
		d.events = append(d.events, sseEvent{seq: seq, at: at})
		d.last = append(d.last[:0], data...)
		d.maxSeq.Store(max(d.maxSeq.Load(), seq))
		signal(nil)
		return nil
	})
	if ctx.Err() == nil { // the stream ended before the scenario did
		if errors.Is(err, io.EOF) {
			err = &StatusError{Status: 200, Code: "stream_ended"}
		}
		d.err = err
	}
	signal(err)
}

// dashboardWrite is one timed RSVP write.
type dashboardWrite struct {
	seq uint64
	at  time.Time // its 200 arrived
}

// flipPair is an invitation the writes flip, with its status now.
type flipPair struct {
	path, status string
}

// flipPairs picks n invitations of w spread over its list and reads each
// one's status.
func flipPairs(c *Client, w *Wedding, r *rand.Rand, n int) ([]*flipPair, error) {
	if len(w.Pairs) == 0 {
		return nil, ErrNoInvitations
	}
	n = min(n, len(w.Pairs))
	var out []*flipPair
	for _, i := range r.Perm(len(w.Pairs))[:n] {
		p := w.Pairs[i]
		u, e := w.UnitIDs[p.Unit], w.EventIDs[p.Event]
		var pg struct {
			Items []struct{ Status string } `json:"items"`
		}
		if err := c.JSON("GET", "/v1/weddings/"+w.ID+"/rsvps?unit="+u+"&event="+e, w.OwnerToken, nil, &pg); err != nil {
			return nil, err
		}
		if len(pg.Items) != 1 {
			return nil, fmt.Errorf("load: %d RSVPs of unit %s at event %s; want 1", len(pg.Items), u, e)
		}
		out = append(out, &flipPair{path: "/v1/weddings/" + w.ID + "/rsvps/" + u + "/" + e, status: pg.Items[0].Status})
	}
	return out, nil
}

var (
	flipYes = []byte(`{"status":"yes","note":"guest-page bench"}`)
	flipNo  = []byte(`{"status":"no","note":"guest-page bench"}`)
)

// runDashboards is the scenario's part 4; see the top of this file.
func runDashboards(ctx context.Context, env *Env, c *Client, w *Wedding, nDash, nWrites int) ([]ScenarioResult, error) {
	pairs, err := flipPairs(c, w, env.rand(1400), guestPagePairs)
	if err != nil {
		return nil, err
	}
	streamURL := env.URL + "/v1/weddings/" + w.ID + "/headcount/stream"
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true, DisableKeepAlives: true,
		ResponseHeaderTimeout: dashboardConnectLimit, MaxConnsPerHost: 0}}
	defer hc.CloseIdleConnections()

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	dashes := make([]*dashboard, nDash)
	ready := make(chan error, nDash)
	var wg sync.WaitGroup
	for i := range dashes {
		d := &dashboard{events: make([]sseEvent, 0, nWrites+8)}
		dashes[i] = d
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.follow(sctx, hc, streamURL, w.OwnerToken, ready)
		}()
	}
	// Every dashboard has its first event before the first write.
	dt := newTally()
	p := NewProgress(env.progress, fmt.Sprintf("guest-page: %d dashboards on the headcount stream", nDash), int64(nDash))
	timeout := time.After(dashboardConnectLimit)
	opened, answered := 0, 0
wait:
	for answered < nDash {
		select {
		case err := <-ready:
			answered++
			if err != nil {
				dt.errs++
				dt.codes["stream: "+ErrorCode(err)]++
			} else {
				opened++
			}
			p.Add(1)
		case <-timeout:
			dt.errs += int64(nDash - answered)
			dt.codes["stream: no_first_event"] += int64(nDash - answered)
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	p.Done()

	// The writes, one at a time, each flipping its invitation.
	wt := newTally()
	var writes []dashboardWrite
	wp := NewProgress(env.progress, fmt.Sprintf("guest-page: %d RSVP writes, one every %s, to %d dashboards", nWrites, dashboardPace, nDash), int64(nWrites))
	start := time.Now()
	for i := 0; i < nWrites && ctx.Err() == nil; i++ {
		if d := time.Until(start.Add(time.Duration(i) * dashboardPace)); d > 0 {
			time.Sleep(d)
		}
		fp := pairs[i%len(pairs)]
		body, next := flipYes, "yes"
		if fp.status == "yes" {
			body, next = flipNo, "no"
		}
		t0 := time.Now()
		ans, err := do(c, "PUT", fp.path, w.OwnerToken, body, 200)
		t200 := time.Now()
		wp.Add(1)
		if err != nil {
			wt.fail(err)
			continue
		}
		seq, ok := seqOf(ans)
		if !ok || len(writes) > 0 && seq <= writes[len(writes)-1].seq {
			wt.fail(&StatusError{Status: 200, Code: "answer_without_new_seq"})
			continue
		}
		fp.status = next
		wt.count++
		recordLatency(wt.lat, t200.Sub(t0))
		writes = append(writes, dashboardWrite{seq: seq, at: t200})
	}
	wp.Done()
	writesElapsed := time.Since(start)

	// Until every open dashboard has the last write, or the limit.
	if len(writes) > 0 {
		lastSeq := writes[len(writes)-1].seq
		deadline := time.Now().Add(dashboardDeliverLimit)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			all := true
			for _, d := range dashes {
				if !d.ended.Load() && d.maxSeq.Load() < lastSeq {
					all = false
					break
				}
			}
			if all {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	// What the dashboards should show last: the headcount now.
	_, now, herr := c.Do("GET", "/v1/weddings/"+w.ID+"/headcount", w.OwnerToken, nil)
	stop()
	wg.Wait()
	if herr != nil {
		return nil, herr
	}

	var dl delivered
	for _, d := range dashes {
		if len(d.events) == 0 {
			continue // counted when it did not open
		}
		if d.err != nil { // opened, then ended early: its missed writes count too
			dt.errs++
			dt.codes["stream: "+ErrorCode(d.err)]++
		}
		dl.events += int64(len(d.events) - 1)
		dl.match(d.events, writes, dt)
		if !bytes.Equal(headcountPart(d.last), headcountPart(now)) {
			dt.fail(&StatusError{Status: 200, Code: "last_event_not_the_headcount"})
		}
	}

	rate := float64(time.Second) / float64(dashboardPace)
	ds := env.result("guest-page/dashboards", "paced", nDash, rate, mergeCounters([]*tally{dt}, writesElapsed, false))
	ds.Description = fmt.Sprintf("%d SSE clients on GET /v1/weddings/{w}/headcount/stream (owner token) while RSVP overrides are "+
		"written one at a time, one every %s, each flipping an invitation between yes and no: for every write × dashboard, "+
		"from the write's 200 to the dashboard reading the first event whose seq is at least the write's (the write's answer "+
		"carries its seq). Throughput: deliveries (write × dashboard) per second.", nDash, dashboardPace)
	ds.Note = fmt.Sprintf("%d writes × %d dashboards (%d opened); %s events read after the first (%s pairs delivered by an event "+
		"that also carried a later write: coalesced); %s pairs read before the write's 200 arrived (by up to %s), counted 0 ms",
		len(writes), nDash, opened, fmtInt(dl.events), fmtInt(dl.coalesced), fmtInt(dl.early), fmtMs(float64(dl.lead.Microseconds())/1000))
	ws := env.result("guest-page/dashboards/writes", "paced", 1, rate, mergeCounters([]*tally{wt}, writesElapsed, false))
	ws.Description = fmt.Sprintf("The RSVP overrides (PUT /v1/weddings/{w}/rsvps/{u}/{e}) guest-page/dashboards times, one at a time, "+
		"one every %s, on %d invitations in turn: from request to 200.", dashboardPace, len(pairs))
	return []ScenarioResult{ds, ws}, nil
}

// delivered counts what the dashboards' events did for the writes.
type delivered struct {
	events    int64         // events read after each dashboard's first
	coalesced int64         // pairs delivered by an event of a later write's seq
	early     int64         // pairs read before the write's 200 arrived
	lead      time.Duration // the most any was early by
}

// match finds, for each write, the first of a dashboard's events (in
// order of seq) whose seq is at least the write's, and records the time
// from the write's 200 to its arrival on t (0 when it came first); a
// write with no such event fails as not_delivered.
func (dl *delivered) match(events []sseEvent, writes []dashboardWrite, t *tally) {
	for _, wr := range writes {
		k, _ := slices.BinarySearchFunc(events, wr.seq, func(e sseEvent, s uint64) int { return cmp.Compare(e.seq, s) })
		if k == len(events) {
			t.fail(&StatusError{Status: 200, Code: "not_delivered"})
			continue
		}
		ev := events[k]
		if ev.seq > wr.seq {
			dl.coalesced++
		}
		lat := ev.at.Sub(wr.at)
		if lat < 0 {
			dl.early++
			dl.lead = max(dl.lead, -lat)
			lat = 0
		}
		t.count++
		recordLatency(t.lat, lat)
	}
}

// headcountPart is an encoded headcount from its events on: what a
// dashboard shows, without its seq and as_of (as the stream compares).
func headcountPart(b []byte) []byte {
	if i := bytes.Index(b, []byte(`,"events":[`)); i >= 0 {
		return b[i:]
	}
	return b
}
