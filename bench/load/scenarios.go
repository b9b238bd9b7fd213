package load

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Scenario is one workload of the load tester. Adding one is adding an
// entry to Scenarios: a name, a sentence on what it does and why, its
// targets, and Run.
type Scenario struct {
	Name        string
	Description string
	Targets     []Target
	// Needs are scenarios that must run in the same run (the ceilings a
	// ratio is taken against): selecting this one selects them. They run
	// in registry order, so list a ceiling before what it bounds.
	Needs []string
	// Skipped, when set, says why the scenario does not run yet ("not
	// built yet (…)"); it is listed in the report with its targets, not
	// judged.
	Skipped string
	// Run measures. Its first result carries the scenario's name; a
	// scenario may report more (e.g. "headcount-under-writes/writes").
	// When ctx ends early Run returns what it measured so far.
	Run func(ctx context.Context, env *Env) ([]ScenarioResult, error)
}

// Target is a service level a scenario is judged against.
type Target struct {
	Name   string
	Source string // "product plan", "issue 3", "this tool"
	// Result is the ScenarioResult it reads; default the scenario's name.
	Result string
	// Metric is one of p50_ms, p95_ms, p99_ms, p999_ms, max_ms, mean_ms,
	// throughput, errors, error_pct, success_pct, or ceiling_ratio (the
	// throughput over that of the result's Ceiling; at a curve point, over
	// that of the point's baseline); or, for a curve, min_throughput_step
	// (the smallest ratio of a point's throughput to that of the point
	// before it: ≥ 1 when throughput never falls as concurrency rises).
	Metric string
	// Conns, for a curve, is the point (connections) Metric is read at;
	// 0: the result itself (for a curve: its totals, errors only).
	Conns int
	Op    string // "<", "<=", ">", ">="
	Want  float64
	Unit  string
}

// Timing says whether the target is about speed, which a quick run does
// not judge (errors it does).
func (t Target) Timing() bool {
	switch t.Metric {
	case "errors", "error_pct", "success_pct":
		return false
	}
	return true
}

// Scenarios is the registry, in the order they run: reads first (each
// ceiling just before what it bounds), then writes, the bulk invites last
// (millions of journal changes, whose compaction would slow what follows).
var Scenarios = []*Scenario{
	{
		Name: "ceiling-http",
		Description: "Closed loop GET of a fasthttp handler answering a fixed 300-byte JSON body, at --conns connections: " +
			"the HTTP ceiling of this machine (with the load generator on the same cores), which headcount-max is a ratio of.",
		Run: runCeilingHTTP,
	},
	{
		Name: "headcount-max",
		Description: "Closed loop GET /v1/weddings/{w}/headcount at --conns keep-alive connections, weddings picked with skew: " +
			"the hot read's maximum throughput, as a ratio of ceiling-http.",
		Needs: []string{"ceiling-http"},
		Targets: []Target{
			{Name: "headcount throughput vs fixed-body ceiling", Source: "issue 3", Metric: "ceiling_ratio", Op: ">=", Want: 0.7},
		},
		Run: runHeadcountMax,
	},
	{
		Name: "headcount-curve",
		Description: "The load curve of headcount reads: closed loop GET /v1/weddings/{w}/headcount at each of --curve connections " +
			"(default 1, 4, 16, 64), each point beside the fixed-body fasthttp handler of ceiling-http at as many connections, measured " +
			"just before it in the same run: throughput, p50, p99 and max of both, and their ratio. Each side of a point: a warm-up of a " +
			"fifth of --point-duration, then --point-duration measured (longer, up to 3 times, until 5,000 requests; not in a quick run).",
		Targets: []Target{
			{Name: "headcount curve: no errors", Source: "this tool", Metric: "errors", Op: "<=", Want: 0},
		},
		Run: func(ctx context.Context, env *Env) ([]ScenarioResult, error) {
			return runCurve(ctx, env, headcountCurve)
		},
	},
	{
		Name: "headcount-open",
		Description: "Open loop GET headcount at --rate requests/s (latency from each request's intended start: no coordinated omission). " +
			"The 2 ms p99 is judged here: a closed loop at 64 connections cannot meet it on a 2-core machine even for the fixed-body " +
			"ceiling (64 requests in flight at ~80 k/s queue ~0.8 ms each, and the tail is scheduling).",
		Targets: []Target{
			{Name: "headcount p99 at --rate", Source: "issue 3", Metric: "p99_ms", Op: "<", Want: 2, Unit: "ms"},
		},
		Run: runHeadcountOpen,
	},
	{
		Name: "headcount-under-writes",
		Description: "Open loop headcount reads at --rate while closed-loop writers (durable PUT rsvps, --conns/4 of them) run at full speed: " +
			"reads are reported as headcount-under-writes, the writes as headcount-under-writes/writes.",
		Targets: []Target{
			{Name: "headcount p99 under writes", Source: "this tool", Metric: "p99_ms", Op: "<", Want: underWritesP99, Unit: "ms"},
			{Name: "RSVP writes beside the reads: no errors", Source: "this tool", Result: "headcount-under-writes/writes", Metric: "errors", Op: "<=", Want: 0},
		},
		Run: runHeadcountUnderWrites,
	},
	{
		Name: "admin-mix",
		Description: "Closed loop admin traffic at --conns: list units 25%, get a unit 25%, RSVP overrides 25%, edit a unit 8%, " +
			"add a unit 5%, delete one added 2%, uninvite + re-invite 5%, list RSVPs 5%. Each worker writes only its own units, " +
			"so no error is expected; ops lists each kind.",
		Targets: []Target{
			{Name: "admin mix: no errors", Source: "this tool", Metric: "errors", Op: "<=", Want: 0},
		},
		Run: runAdminMix,
	},
	{
		Name:        "units-batch-1000",
		Description: "POST /v1/weddings/{w}/units/batch of 1,000 new units (~3,400 people, valid Indian mobiles), one admin, into fresh weddings (5 batches each).",
		Targets: []Target{
			{Name: "units/batch of 1,000 units p95", Source: "issue 3", Metric: "p95_ms", Op: "<", Want: 100, Unit: "ms"},
		},
		Run: runUnitsBatch,
	},
	{
		Name: "ceiling-pebble",
		Description: "Raw Pebble group commit: --conns goroutines each committing one 110-byte record per pebble.Sync batch into a fresh " +
			"Pebble in a temporary directory, with the engine's WAL sync pacing. Always runs when selected: it measures the disk of the " +
			"machine the tool runs on, the ceiling of durable writes when the engine runs there too (durable-rsvp measures it again " +
			"at each point of its curve).",
		Run: runCeilingPebble,
	},
	{
		Name: "durable-rsvp",
		Description: "The load curve of durable writes: closed loop PUT /v1/weddings/{w}/rsvps/{u}/{e} across all provisioned weddings " +
			"(skewed), each fsynced before its 200, at each of --curve connections (default 1, 4, 16, 64), each point beside raw Pebble " +
			"group commit (ceiling-pebble's code, a fresh Pebble) with as many writers, measured just before it in the same run: " +
			"throughput, p50, p99 and max of both, and their ratio. Each side of a point: a warm-up of a fifth of --point-duration, " +
			"then --point-duration measured (longer, up to 3 times, until 5,000 requests; not in a quick run). min_throughput_step is " +
			"the smallest ratio of a point's throughput to that of the point before it. With an engine on another machine, no baseline.",
		Targets: []Target{
			{Name: "durable-rsvp at 1 connection: p50", Source: "issue 10", Metric: "p50_ms", Conns: 1, Op: "<", Want: 0.6, Unit: "ms"},
			{Name: "durable-rsvp at 1 connection: p99", Source: "issue 10", Metric: "p99_ms", Conns: 1, Op: "<", Want: 2, Unit: "ms"},
			{Name: "durable RSVP throughput never lower at a higher concurrency than at the one before", Source: "issue 10",
				Metric: "min_throughput_step", Op: ">=", Want: 1},
			{Name: "durable RSVPs at 64 connections vs raw Pebble at 64", Source: "issue 10", Metric: "ceiling_ratio", Conns: 64, Op: ">=", Want: 0.5},
			{Name: "durable RSVP curve: no errors", Source: "this tool", Metric: "errors", Op: "<=", Want: 0},
		},
		Run: func(ctx context.Context, env *Env) ([]ScenarioResult, error) {
			return runCurve(ctx, env, durableRSVPCurve)
		},
	},
	{
		Name:        "bulk-invite-200",
		Description: "POST /v1/weddings/{w}/invitations of 200 units to one event, one admin, repeated (each time uninvited first, untimed).",
		Targets: []Target{
			{Name: "bulk invite of 200 units", Source: "product plan", Metric: "p95_ms", Op: "<", Want: 10_000, Unit: "ms"},
			{Name: "bulk invite of 200 units p95", Source: "this tool", Metric: "p95_ms", Op: "<", Want: bulkInviteP95, Unit: "ms"},
		},
		Run: func(ctx context.Context, env *Env) ([]ScenarioResult, error) { return runBulkInvite(ctx, env, 200) },
	},
	{
		Name:        "bulk-invite-1000",
		Description: "The same with 1,000 units (a wedding of 1,000 units is provisioned for it when the run's are smaller).",
		Targets: []Target{
			{Name: "bulk invite of 1,000 units p95", Source: "this tool", Metric: "p95_ms", Op: "<", Want: bulkInviteP95, Unit: "ms"},
		},
		Run: func(ctx context.Context, env *Env) ([]ScenarioResult, error) { return runBulkInvite(ctx, env, 1000) },
	},
	{
		Name: "import-3000",
		Description: "POST /v1/weddings/{w}/imports of a 3,000-row contact CSV (1,000 with --quick) made by the shared generator " +
			"(phones written as people write them, households of 1–6), into a fresh wedding each time, one connection: from the " +
			"request to its answer (the file read, every phone normalized, one command, durable). /beside: one admin writing RSVPs " +
			"to the same wedding during each import, each write from request to answer: how long an import holds the wedding.",
		Targets: []Target{
			{Name: "import of a 3,000-row CSV p95", Source: "issue 13", Metric: "p95_ms", Op: "<", Want: 300, Unit: "ms"},
			{Name: "imports: every row created, no errors", Source: "this tool", Metric: "errors", Op: "<=", Want: 0},
			{Name: "RSVP writes beside an import: no errors", Source: "this tool", Result: "import-3000/beside", Metric: "errors", Op: "<=", Want: 0},
		},
		Run: runImport,
	},
	{
		Name: "export",
		Description: "GET /v1/weddings/{w}/export.csv (the guest sheet: a row per person, ~3,400, with each event's status and " +
			"headcount) of a 1,000-household wedding (provisioned for it when the run's are smaller), one connection, closed loop, " +
			"the wedding quiet (after a first read checks both kinds of sheet against what was provisioned). /event: the caterer's " +
			"sheets, /after-change: the first export after each RSVP (reported), /16: the guest sheet at 16 connections, " +
			"/under-writes: at 16 connections beside 4 RSVP writers (reported).",
		Targets: []Target{
			{Name: "export of a 1,000-household wedding at 1 connection p95", Source: "issue 13", Metric: "p95_ms", Op: "<", Want: 5, Unit: "ms"},
			{Name: "exports of a 1,000-household wedding per second at 16 connections", Source: "issue 13", Result: "export/16",
				Metric: "throughput", Op: ">=", Want: 1000, Unit: "exports/s"},
			{Name: "export of 1,000 guests", Source: "product plan", Metric: "p95_ms", Op: "<", Want: 10_000, Unit: "ms"},
			{Name: "exports: no errors", Source: "this tool", Metric: "errors", Op: "<=", Want: 0},
			{Name: "caterer's sheets: no errors", Source: "this tool", Result: "export/event", Metric: "errors", Op: "<=", Want: 0},
			{Name: "first exports after a change: no errors", Source: "this tool", Result: "export/after-change", Metric: "errors", Op: "<=", Want: 0},
			{Name: "exports at 16 connections: no errors", Source: "this tool", Result: "export/16", Metric: "errors", Op: "<=", Want: 0},
			{Name: "exports beside RSVP writes: no errors", Source: "this tool", Result: "export/under-writes", Metric: "errors", Op: "<=", Want: 0},
			{Name: "RSVP writes beside the exports: no errors", Source: "this tool", Result: "export/under-writes/writes", Metric: "errors", Op: "<=", Want: 0},
		},
		Run: runExport,
	},
	{
		Name: "guest-page",
		Description: "Guests' own pages and live dashboards (issue 14), on a 1,000-household wedding (provisioned for it when the " +
			"run's are smaller; the run's own with --quick) whose website is set and published, with a guest link for 200 " +
			"households (20 with --quick). This result: a load curve at 16 and 64 connections (not --curve): closed loop GET " +
			"/w/{slug}/g/{token} over the links, every answer checked (200, text/html, the household's name), each point beside a " +
			"bare fasthttp handler answering the bytes and headers of one of those pages, measured just before it with the same " +
			"client: the ceiling. /first-view: each page's first read, one at a time (reported). " +
			"/dashboards: 100 SSE clients (10) on the headcount stream while 200 RSVP overrides (20), one " +
			"every 25 ms, each move the headcount: from each write's 200 to each dashboard reading an event with its seq; a write " +
			"a dashboard never got is an error. /dashboards/writes: those writes.",
		Targets: []Target{
			{Name: "guest pages at 16 connections vs the same bytes from a bare fasthttp handler", Source: "issue 14",
				Metric: "ceiling_ratio", Conns: 16, Op: ">=", Want: 0.5},
			{Name: "guest pages at 64 connections vs the same bytes from a bare fasthttp handler", Source: "issue 14",
				Metric: "ceiling_ratio", Conns: 64, Op: ">=", Want: 0.5},
			{Name: "guest pages: every answer a 200 with the household's page", Source: "this tool", Metric: "errors", Op: "<=", Want: 0},
			{Name: "RSVP's 200 to every open dashboard p99", Source: "issue 14", Result: "guest-page/dashboards",
				Metric: "p99_ms", Op: "<", Want: guestPageDashboardP99, Unit: "ms"},
			{Name: "every dashboard got every change", Source: "issue 14", Result: "guest-page/dashboards", Metric: "errors", Op: "<=", Want: 0},
			{Name: "RSVP writes beside the dashboards: no errors", Source: "this tool", Result: "guest-page/dashboards/writes",
				Metric: "errors", Op: "<=", Want: 0},
		},
		Run: runGuestPage,
	},
	{
		Name: "whatsapp-campaign",
		Description: "Invite campaigns through the WhatsApp sandbox, on engines this tool starts in-process (one per rate, weddings " +
			"of their own, every primary contact opted in); not run against --url. Pacing (this result): a campaign to 1,000 " +
			"recipients (200 with --quick), the engine and the sandbox at 80 msg/s: latency from the 202 to each send accepted " +
			"by the sandbox, whose max is the campaign's duration; /busiest-second: the most sends accepted within any one " +
			"second. /throughput: campaigns to 1,000 recipients on each of 3 weddings at once, at 1,000 msg/s with status " +
			"webhooks. /create: POST campaigns for 1,000 units to its 202, 20 times (5 with --quick), each cancelled right after.",
		Targets: []Target{
			{Name: "campaign at 80 msg/s: sends accepted in the busiest one-second window", Source: "issue 11",
				Result: "whatsapp-campaign/busiest-second", Metric: "throughput", Op: "<=", Want: campaignPacingMPS, Unit: "msg/s"},
			{Name: "campaign of 1,000 at 80 msg/s: 202 to last send accepted, within 5% of the ideal 12.5 s", Source: "issue 11",
				Metric: "max_ms", Op: "<=", Want: campaignIdealMs * campaignWindowSlack, Unit: "ms"},
			{Name: "campaign at 80 msg/s: every recipient accepted exactly once", Source: "this tool", Metric: "errors", Op: "<=", Want: 0},
			{Name: "campaigns at 1,000 msg/s with status webhooks: sends accepted per second, first 202 to last accepted",
				Source: "issue 11", Result: "whatsapp-campaign/throughput", Metric: "throughput", Op: ">=", Want: 900, Unit: "msg/s"},
			{Name: "campaigns at 1,000 msg/s: every recipient accepted exactly once", Source: "this tool",
				Result: "whatsapp-campaign/throughput", Metric: "errors", Op: "<=", Want: 0},
			{Name: "campaign creation for 1,000 units p95", Source: "issue 11", Result: "whatsapp-campaign/create",
				Metric: "p95_ms", Op: "<", Want: 50, Unit: "ms"},
			{Name: "invites queued (campaign created, its 202)", Source: "product plan", Result: "whatsapp-campaign/create",
				Metric: "p95_ms", Op: "<", Want: 1500, Unit: "ms"},
		},
		Run: runWhatsAppCampaign,
	},
	{
		Name: "webhook-burst",
		Description: "Bursts of signed WhatsApp webhooks with duplicates and reordering, on an engine this tool starts in-process " +
			"(its sandbox posting none); not run against --url. Campaigns to 3 weddings of 1,000 opted-in households (1 of 200 with " +
			"--quick) are sent, then 10,000 statuses (1,000) for their messages, duplicated and shuffled, and 1,000 quick-reply taps " +
			"(100) with the engine's payloads, one per signed body, are POSTed closed loop at --conns: bodies accepted (200) per " +
			"second and POST latency; /raw-pebble: raw group commit of records of the mean body size, the ratio's ceiling; " +
			"/headcount: 100 taps (20) held back, each from its 200 to the headcount moving. Every status and tap is checked " +
			"applied once: each miss or double is an error of this result.",
		Targets: []Target{
			{Name: "signed webhooks accepted, durable", Source: "issue 12", Metric: "throughput", Op: ">=", Want: 20_000, Unit: "webhooks/s"},
			{Name: "reply webhook's 200 to headcount p99", Source: "issue 12", Result: "webhook-burst/headcount", Metric: "p99_ms", Op: "<", Want: 10, Unit: "ms"},
			{Name: "every status and reply applied, none twice", Source: "issue 12", Metric: "errors", Op: "<=", Want: 0},
			{Name: "RSVP webhook to dashboard", Source: "product plan", Result: "webhook-burst/headcount", Metric: "p95_ms", Op: "<", Want: 5000, Unit: "ms"},
			{Name: "webhook processing success", Source: "product plan", Metric: "success_pct", Op: ">", Want: 99.9, Unit: "%"},
		},
		Run: runWebhookBurst,
	},
}

// This tool's own targets, where no issue set one.
const (
	// underWritesP99: headcount reads while writers keep both cores busy.
	underWritesP99 = 5.0
	// bulkInviteP95: a bulk invite is one command, like a units batch
	// (issue 3: 1,000 units in under 100 ms), and far cheaper.
	bulkInviteP95 = 100.0
)

// Lookup finds a scenario by name.
func Lookup(name string) *Scenario {
	for _, s := range Scenarios {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ---- operations ----

// GetOp is a GET of path for a closed or open loop: fast, with a reused
// request and response, the answer's status checked (want) and its error
// code kept. Each worker needs its own.
func (c *Client) GetOp(path, token string, want int) func() (bool, error) {
	req, resp := c.Request(path, token), fasthttp.AcquireResponse()
	return func() (bool, error) {
		st, err := c.Get(req, resp)
		if err != nil {
			return false, err
		}
		if st != want {
			return false, AnswerError(st, resp.Body())
		}
		return true, nil
	}
}

// do sends a request and wants the status; the answer is returned.
func do(c *Client, method, path, token string, body []byte, want int) ([]byte, error) {
	st, ans, err := c.Do(method, path, token, body)
	if err != nil {
		return nil, err
	}
	if st != want {
		return ans, AnswerError(st, ans)
	}
	return ans, nil
}

// headcountOp reads the headcount of a wedding picked with the run's skew.
func (env *Env) headcountOp(c *Client, worker int) func() (bool, error) {
	r := env.rand(worker)
	ops := make([]func() (bool, error), len(env.Weddings))
	for i, w := range env.Weddings {
		ops[i] = c.GetOp("/v1/weddings/"+w.ID+"/headcount", w.OwnerToken, 200)
	}
	return func() (bool, error) { return ops[env.pick(r)]() }
}

var rsvpBodies = [][]byte{[]byte(`{"status":"yes"}`), []byte(`{"status":"no"}`), []byte(`{"status":"maybe"}`), []byte(`{"status":"yes","note":"coming by train"}`)}

// rsvpOp overrides the RSVP of a random invitation of a wedding picked
// with the run's skew.
func (env *Env) rsvpOp(c *Client, worker int) func() (bool, error) {
	r := env.rand(worker)
	return func() (bool, error) {
		w := env.Weddings[env.pick(r)]
		if len(w.Pairs) == 0 {
			return false, ErrNoInvitations
		}
		p := w.Pairs[r.IntN(len(w.Pairs))]
		_, err := do(c, "PUT", "/v1/weddings/"+w.ID+"/rsvps/"+w.UnitIDs[p.Unit]+"/"+w.EventIDs[p.Event], w.OwnerToken,
			rsvpBodies[r.IntN(len(rsvpBodies))], 200)
		return err == nil, err
	}
}

// ---- scenarios ----

func runCeilingHTTP(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	fixed, err := StartFixedBody(FixedJSON300)
	if err != nil {
		return nil, err
	}
	defer fixed.Close()
	c, err := NewClient(fixed.URL, env.Conns)
	if err != nil {
		return nil, err
	}
	newOp := func(int) func() (bool, error) { return c.GetOp("/", "", 200) }
	env.warm(newOp)
	res := env.closed(ctx, "ceiling-http", env.Conns, newOp)
	return []ScenarioResult{env.result("ceiling-http", "closed", env.Conns, 0, res)}, nil
}

func runHeadcountMax(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	c, err := env.client(env.Conns)
	if err != nil {
		return nil, err
	}
	newOp := func(w int) func() (bool, error) { return env.headcountOp(c, w) }
	env.warm(newOp)
	sr := env.result("headcount-max", "closed", env.Conns, 0, env.closed(ctx, "headcount-max", env.Conns, newOp))
	sr.Ceiling = "ceiling-http"
	return []ScenarioResult{sr}, nil
}

func runHeadcountOpen(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	c, err := env.client(env.Conns)
	if err != nil {
		return nil, err
	}
	newOp := func(w int) func() (bool, error) { return env.headcountOp(c, w) }
	env.warm(newOp)
	res := env.open(ctx, "headcount-open", newOp)
	return []ScenarioResult{env.result("headcount-open", "open", env.Conns, env.Rate, res)}, nil
}

func runHeadcountUnderWrites(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	reads, err := env.client(env.Conns)
	if err != nil {
		return nil, err
	}
	writers := max(env.Conns/4, 1)
	writes, err := env.client(writers)
	if err != nil {
		return nil, err
	}
	readOp := func(w int) func() (bool, error) { return env.headcountOp(reads, w) }
	env.warm(readOp)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan Result)
	go func() {
		done <- Closed(wctx, writers, 0, func(w int) func() (bool, error) { return env.rsvpOp(writes, 1000+w) })
	}()
	rres := env.open(ctx, "headcount-under-writes", readOp)
	stop()
	wres := <-done
	rs := env.result("headcount-under-writes", "open", env.Conns, env.Rate, rres)
	rs.Note = fmt.Sprintf("beside %d closed-loop RSVP writers: %s writes/s", writers, strconv.FormatFloat(wres.Throughput(), 'f', 0, 64))
	ws := env.result("headcount-under-writes/writes", "closed", writers, 0, wres)
	ws.Description = "The durable RSVP writes (PUT rsvps) that ran beside headcount-under-writes' reads, closed loop."
	return []ScenarioResult{rs, ws}, nil
}

func runCeilingPebble(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	dir, err := os.MkdirTemp("", "parinaya-bench-pebble-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := NewProgress(env.progress, env.label("ceiling-pebble"), 0)
	res, err := rawPebble(ctx, dir, env.Conns, env.Duration, RawRecordBytes, p)
	p.Done()
	if err != nil {
		return nil, err
	}
	sr := env.result("ceiling-pebble", "closed", env.Conns, 0, res)
	sr.Note = "records/s of this machine's disk, not of the engine"
	return []ScenarioResult{sr}, nil
}

func runBulkInvite(ctx context.Context, env *Env, n int) ([]ScenarioResult, error) {
	name := "bulk-invite-" + strconv.Itoa(n)
	w, err := env.weddingWith(ctx, n)
	if err != nil {
		return nil, err
	}
	c, err := env.client(1)
	if err != nil {
		return nil, err
	}
	ev := w.EventIDs[min(2, len(w.EventIDs)-1)] // the invite-only family puja
	base := "/v1/weddings/" + w.ID
	ids := w.UnitIDs[:n]
	remove, _ := json.Marshal(map[string]any{"event_ids": []string{ev}, "unit_ids": ids})
	invite := remove // the same body, to the other route
	res := env.repeat(ctx, name, 3, func() (time.Duration, error) {
		if _, err := do(c, "POST", base+"/invitations/remove", w.OwnerToken, remove, 200); err != nil {
			return 0, err
		}
		t0 := time.Now()
		ans, err := do(c, "POST", base+"/invitations", w.OwnerToken, invite, 200)
		d := time.Since(t0)
		if err != nil {
			return 0, err
		}
		var got struct{ Invited int }
		if json.Unmarshal(ans, &got) != nil || got.Invited != n {
			return 0, &StatusError{Status: 200, Code: "unexpected_count"}
		}
		return d, nil
	})
	return []ScenarioResult{env.result(name, "closed", 1, 0, res)}, nil
}

func runUnitsBatch(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	c, err := env.client(1)
	if err != nil {
		return nil, err
	}
	r := env.rand(-1)
	var (
		path, token string
		k, fresh    int
	)
	res := env.repeat(ctx, "units-batch-1000", 3, func() (time.Duration, error) {
		if k%5 == 0 {
			id, tok, err := env.emptyWedding(c)
			if err != nil {
				return 0, err
			}
			path, token = "/v1/weddings/"+id+"/units/batch", tok
			fresh++
		}
		body, _ := UnitsJSON(r, 0, (k%5)*1000, (k%5+1)*1000)
		k++
		t0 := time.Now()
		ans, err := do(c, "POST", path, token, body, 200)
		d := time.Since(t0)
		if err != nil {
			return 0, err
		}
		var got struct {
			Results []struct{ ID string } `json:"results"`
		}
		if json.Unmarshal(ans, &got) != nil || len(got.Results) != 1000 {
			return 0, &StatusError{Status: 200, Code: "unexpected_answer"}
		}
		for _, it := range got.Results {
			if it.ID == "" {
				return 0, &StatusError{Status: 200, Code: "item_rejected"}
			}
		}
		return d, nil
	})
	sr := env.result("units-batch-1000", "closed", 1, 0, res)
	sr.Note = fmt.Sprintf("%d fresh weddings created (up to 5 batches each)", fresh)
	return []ScenarioResult{sr}, nil
}

// ---- admin mix ----

type adminOp struct {
	name   string
	weight int
}

var adminOps = []adminOp{
	{"list-units", 25}, {"get-unit", 25}, {"put-rsvp", 25}, {"patch-unit", 8}, {"add-unit", 5},
	{"delete-unit", 2}, {"reinvite", 5}, {"list-rsvps", 5},
}

// adminWorker is one admin: it reads anything and writes only the units
// whose index ≡ worker (mod workers), so workers never race on a unit.
type adminWorker struct {
	env     *Env
	c       *Client
	r       *rand.Rand
	id, n   int
	tallies map[string]*tally
	added   map[*Wedding][]string // units this worker added, to delete
}

func (a *adminWorker) mine(w *Wedding) (int, bool) {
	if len(w.Units) <= a.id {
		return 0, false
	}
	k := (len(w.Units) - a.id + a.n - 1) / a.n // how many indexes ≡ id
	return a.id + a.n*a.r.IntN(k), true
}

func (a *adminWorker) minePair(w *Wedding) (Pair, bool) {
	for range 8 {
		u, ok := a.mine(w)
		if !ok {
			return Pair{}, false
		}
		if evs := w.Units[u].Events; len(evs) > 0 {
			return Pair{Unit: u, Event: evs[a.r.IntN(len(evs))]}, true
		}
	}
	return Pair{}, false
}

var addedUnits atomic.Int64

func (a *adminWorker) op() (bool, error) {
	x := a.r.IntN(100)
	kind := adminOps[len(adminOps)-1].name
	for _, o := range adminOps {
		if x < o.weight {
			kind = o.name
			break
		}
		x -= o.weight
	}
	w := a.env.Weddings[a.env.pick(a.r)]
	// A write with nothing of this worker's to write (no unit added yet
	// to delete, fewer units than workers) reads a unit instead.
	if _, ok := a.mine(w); !ok || kind == "delete-unit" && len(a.added[w]) == 0 {
		kind = "get-unit"
	}
	base := "/v1/weddings/" + w.ID
	tok := w.OwnerToken
	timed := func(kind, method, path string, body []byte, want int) ([]byte, error) {
		t := a.tallies[kind]
		if t == nil {
			t = newTally()
			a.tallies[kind] = t
		}
		t0 := time.Now()
		ans, err := do(a.c, method, path, tok, body, want)
		if err != nil {
			t.fail(err)
			return ans, err
		}
		t.count++
		recordLatency(t.lat, time.Since(t0))
		return ans, nil
	}
	var err error
	switch kind {
	case "list-units":
		q := []string{"", "&side=bride", "&tag=family", "&q=Family%201"}[a.r.IntN(4)]
		if len(w.EventIDs) > 0 && a.r.IntN(4) == 0 {
			q = "&event=" + w.EventIDs[a.r.IntN(len(w.EventIDs))] + "&rsvp=yes"
		}
		_, err = timed(kind, "GET", base+"/units?limit=100"+q, nil, 200)
	case "get-unit":
		_, err = timed(kind, "GET", base+"/units/"+w.UnitIDs[a.r.IntN(len(w.UnitIDs))], nil, 200)
	case "list-rsvps":
		q := ""
		if len(w.EventIDs) > 0 {
			q = "&event=" + w.EventIDs[a.r.IntN(len(w.EventIDs))]
		}
		_, err = timed(kind, "GET", base+"/rsvps?limit=100"+q, nil, 200)
	case "patch-unit":
		u, _ := a.mine(w)
		body := fmt.Appendf(nil, `{"name":"Family %d (edited %d)"}`, u, a.r.IntN(1000))
		_, err = timed(kind, "PATCH", base+"/units/"+w.UnitIDs[u], body, 200)
	case "add-unit":
		n := int(addedUnits.Add(1))
		body := fmt.Appendf(nil, `{"name":"Late addition %d","side":"both","tags":["late"],"members":[{"name":"Guest %d","phone":%q,"primary":true}]}`,
			n, n, Phone(w.PhonePrefix, 500_000+n, 0))
		var ans []byte
		if ans, err = timed(kind, "POST", base+"/units", body, 201); err == nil {
			var u struct{ ID string }
			_ = json.Unmarshal(ans, &u)
			a.added[w] = append(a.added[w], u.ID)
		}
	case "delete-unit":
		ids := a.added[w]
		a.added[w] = ids[1:]
		_, err = timed(kind, "DELETE", base+"/units/"+ids[0], nil, 204)
	case "put-rsvp":
		p, ok := a.minePair(w)
		if !ok {
			_, err = timed("get-unit", "GET", base+"/units/"+w.UnitIDs[a.r.IntN(len(w.UnitIDs))], nil, 200)
			break
		}
		_, err = timed(kind, "PUT", base+"/rsvps/"+w.UnitIDs[p.Unit]+"/"+w.EventIDs[p.Event], rsvpBodies[a.r.IntN(len(rsvpBodies))], 200)
	case "reinvite":
		p, ok := a.minePair(w)
		if !ok {
			_, err = timed("get-unit", "GET", base+"/units/"+w.UnitIDs[a.r.IntN(len(w.UnitIDs))], nil, 200)
			break
		}
		body := fmt.Appendf(nil, `{"event_ids":[%q],"unit_ids":[%q]}`, w.EventIDs[p.Event], w.UnitIDs[p.Unit])
		if _, err = timed("uninvite", "POST", base+"/invitations/remove", body, 200); err == nil {
			_, err = timed("invite", "POST", base+"/invitations", body, 200)
		}
	}
	return err == nil, err
}

func runAdminMix(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	c, err := env.client(env.Conns)
	if err != nil {
		return nil, err
	}
	workers := make([]*adminWorker, env.Conns)
	res := env.closed(ctx, "admin-mix", env.Conns, func(i int) func() (bool, error) {
		a := &adminWorker{env: env, c: c, r: env.rand(2000 + i), id: i, n: env.Conns, tallies: map[string]*tally{}, added: map[*Wedding][]string{}}
		workers[i] = a
		return a.op
	})
	sr := env.result("admin-mix", "closed", env.Conns, 0, res)
	// Per kind of operation, and the errors by kind.
	kinds := []string{"list-units", "get-unit", "put-rsvp", "patch-unit", "add-unit", "delete-unit", "uninvite", "invite", "list-rsvps"}
	sr.ErrorsByCode = map[string]int64{}
	for _, k := range kinds {
		var ts []*tally
		for _, a := range workers {
			if t := a.tallies[k]; t != nil {
				ts = append(ts, t)
			}
		}
		if len(ts) == 0 {
			continue
		}
		kr := mergeCounters(ts, res.Elapsed, false)
		lat, _ := Summarize(kr.Latency)
		sr.Ops = append(sr.Ops, OpResult{Name: k, Count: kr.Count, Errors: kr.Errors, ErrorsByCode: kr.ErrorsByCode, Latency: lat})
		for code, n := range kr.ErrorsByCode {
			sr.ErrorsByCode[k+": "+code] += n
		}
	}
	if len(sr.ErrorsByCode) == 0 {
		sr.ErrorsByCode = nil
	}
	return []ScenarioResult{sr}, nil
}
