package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/parinayaos/engine/actors"
)

// Config is one run of the load tester; the zero value of a field means
// its default.
type Config struct {
	// URL targets a running engine, with Token its root token. Empty: Run
	// starts an engine in this process on a temporary data directory and
	// removes it afterwards.
	URL   string
	Token string

	Weddings int // provisioned weddings; default 1 (at most 100)
	Units    int // guest units per wedding; default 1000, 200 when Quick
	Events   int // events per wedding; default 10
	// Answered is the share of invitations given an RSVP when
	// provisioning; default 0.3 (negative: none).
	Answered float64

	// Scenarios to run, by name (see Scenarios); empty: all. A scenario's
	// Needs are added.
	Scenarios []string
	Duration  time.Duration // per scenario; default 10 s, 1.5 s when Quick
	Conns     int           // connections (closed-loop workers); default 64
	Rate      float64       // open-loop requests/s; default 5000
	Seed      uint64        // default 1
	// Curve is the connections of the load curves' points (durable-rsvp,
	// headcount-curve); default DefaultCurve (1, 4, 16, 64). Run sorts it
	// and drops repeats.
	Curve []int
	// PointDuration is how long each side of a curve point is measured
	// (after a warm-up of a fifth of it, and longer until MinPointOps);
	// default 5 s, 300 ms when Quick.
	PointDuration time.Duration

	// Quick is a smoke test: 1 wedding of 200 units, short scenarios, and
	// timing targets reported but not judged.
	Quick bool
	// Progress gets a progress line per step; nil: none.
	Progress io.Writer
	// Command is recorded in the report (how the run was started).
	Command string
}

// Defaults for Config.
const (
	DefaultUnits         = 1000
	DefaultQuickUnits    = 200
	DefaultEvents        = 10
	DefaultAnswered      = 0.3
	DefaultDuration      = 10 * time.Second
	DefaultQuickDuration = 1500 * time.Millisecond
	DefaultConns         = 64
	DefaultRate          = 5000
)

func (c Config) withDefaults() Config {
	if c.Weddings <= 0 {
		c.Weddings = 1
	}
	if c.Units <= 0 {
		c.Units = DefaultUnits
		if c.Quick {
			c.Units = DefaultQuickUnits
		}
	}
	if c.Events <= 0 {
		c.Events = DefaultEvents
	}
	switch {
	case c.Answered == 0:
		c.Answered = DefaultAnswered
	case c.Answered < 0:
		c.Answered = 0
	}
	if c.Duration <= 0 {
		c.Duration = DefaultDuration
		if c.Quick {
			c.Duration = DefaultQuickDuration
		}
	}
	if c.Conns <= 0 {
		c.Conns = DefaultConns
	}
	if len(c.Curve) == 0 {
		c.Curve = DefaultCurve
	}
	c.Curve = normCurve(c.Curve)
	if c.PointDuration <= 0 {
		c.PointDuration = DefaultPointDuration
		if c.Quick {
			c.PointDuration = DefaultQuickPointDuration
		}
	}
	if c.Rate <= 0 {
		c.Rate = DefaultRate
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// Select resolves scenario names (empty: all) to the scenarios to run, in
// registry order, with what they need.
func Select(names []string) ([]*Scenario, error) {
	want := map[string]bool{}
	var add func(string) error
	add = func(n string) error {
		s := Lookup(n)
		if s == nil {
			var all []string
			for _, s := range Scenarios {
				all = append(all, s.Name)
			}
			return fmt.Errorf("load: no scenario %q (there are: %s)", n, strings.Join(all, ", "))
		}
		if want[n] {
			return nil
		}
		want[n] = true
		for _, d := range s.Needs {
			if err := add(d); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			if err := add(n); err != nil {
				return nil, err
			}
		}
	}
	var out []*Scenario
	for _, s := range Scenarios {
		if len(want) == 0 || want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}

// Run provisions weddings, runs the selected scenarios one after the
// other, and judges the targets. When ctx ends (SIGINT) it stops the
// scenario that is running and returns the report of what ran, with
// Interrupted set. An error means no meaningful report (the engine could
// not be started or provisioned); the report returned with it says how
// far the run got.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if cfg.Weddings > 100 {
		return nil, errors.New("load: at most 100 weddings (their phone numbers are told apart by a 2-digit prefix)")
	}
	if cfg.Units > 100_000 {
		return nil, errors.New("load: at most 100,000 units per wedding")
	}
	if cfg.Curve[0] < 1 || cfg.Curve[len(cfg.Curve)-1] > MaxCurveConns {
		return nil, fmt.Errorf("load: curve points from 1 to %d connections", MaxCurveConns)
	}
	scenarios, err := Select(cfg.Scenarios)
	if err != nil {
		return nil, err
	}
	rep := &Report{StartedAt: time.Now().UTC(), Quick: cfg.Quick, Machine: thisMachine(), Command: cfg.Command}
	start := time.Now()
	defer func() { rep.Seconds = time.Since(start).Seconds() }()

	env := &Env{Conns: cfg.Conns, Rate: cfg.Rate, Duration: cfg.Duration, Curve: cfg.Curve, PointDuration: cfg.PointDuration,
		Results: map[string]ScenarioResult{}, cfg: cfg, progress: cfg.Progress, report: rep}
	if cfg.URL == "" {
		dir, err := os.MkdirTemp("", "parinaya-bench-engine-")
		if err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
		// The engine's runtime setting, as `engine serve` makes it.
		defer debug.SetGCPercent(debug.SetGCPercent(actors.DefaultGCPercent))
		eng, err := Start(dir, EngineOptions{})
		if err != nil {
			return rep, err
		}
		defer eng.Close()
		env.URL, env.RootToken, env.Local = eng.URL, eng.RootToken, true
		rep.Engine = "in-process"
	} else {
		env.URL, env.RootToken, env.Local = strings.TrimRight(cfg.URL, "/"), cfg.Token, isLoopback(cfg.URL)
		rep.Engine = env.URL
	}
	if env.admin, err = NewClient(env.URL, 16); err != nil {
		return rep, err
	}
	if err := env.admin.JSON("GET", "/readyz", "", nil, nil); err != nil {
		return rep, fmt.Errorf("load: engine at %s not ready: %w", env.URL, err)
	}

	// Provision, unless only scenarios that need no wedding run.
	needWeddings := false
	for _, s := range scenarios {
		needWeddings = needWeddings || s.Skipped == "" && !strings.HasPrefix(s.Name, "ceiling-") && s.Name != "units-batch-1000"
	}
	if needWeddings {
		for i := range cfg.Weddings {
			w, err := ProvisionContext(ctx, env.admin, env.RootToken, WeddingSpec{Units: cfg.Units, Events: cfg.Events,
				Seed: cfg.Seed + uint64(i), Answered: cfg.Answered, PhonePrefix: i, Progress: cfg.Progress,
				Label: fmt.Sprintf("provision wedding %d/%d", i+1, cfg.Weddings)})
			if err != nil {
				if ctx.Err() != nil {
					rep.Interrupted = true
					return rep, nil
				}
				return rep, fmt.Errorf("load: provision: %w", err)
			}
			env.Weddings = append(env.Weddings, w)
			rep.Provisioned = append(rep.Provisioned, w.Summary())
		}
		env.initSkew()
	}

	judged := map[string]bool{} // results measured completely
	for _, s := range scenarios {
		if s.Skipped != "" {
			rep.Scenarios = append(rep.Scenarios, ScenarioResult{Name: s.Name, Description: s.Description, Skipped: s.Skipped})
			continue
		}
		if ctx.Err() != nil {
			rep.Scenarios = append(rep.Scenarios, ScenarioResult{Name: s.Name, Description: s.Description, Skipped: "not run: interrupted"})
			continue
		}
		env.settle(ctx)
		results, err := s.Run(ctx, env)
		if err != nil {
			if ctx.Err() == nil {
				return rep, fmt.Errorf("load: scenario %s: %w", s.Name, err)
			}
			results = []ScenarioResult{{Name: s.Name, Skipped: "interrupted"}}
		}
		interrupted := ctx.Err() != nil
		for i := range results {
			if results[i].Description == "" {
				results[i].Description = s.Description
			}
			if interrupted {
				results[i].Note = strings.TrimPrefix(results[i].Note+"; interrupted: partial figures", "; ")
			} else {
				judged[results[i].Name] = true
			}
			env.Results[results[i].Name] = results[i]
			rep.Scenarios = append(rep.Scenarios, results[i])
		}
	}
	rep.Interrupted = ctx.Err() != nil
	rep.Targets = targets(scenarios, env.Results, judged, cfg.Quick)
	rep.Judge()
	return rep, nil
}

// targets evaluates every target of the selected scenarios.
func targets(scenarios []*Scenario, results map[string]ScenarioResult, complete map[string]bool, quick bool) []TargetResult {
	var out []TargetResult
	for _, s := range scenarios {
		for _, t := range s.Targets {
			name := t.Result
			if name == "" {
				name = s.Name
			}
			tr := TargetResult{Name: t.Name, Source: t.Source, Scenario: name, Metric: t.Metric, Conns: t.Conns, Op: t.Op, Want: t.Want, Unit: t.Unit}
			sr, ok := results[name]
			switch {
			case s.Skipped != "":
				// not judged: the table says why (the scenario's Skipped)
			case !ok && skippedWhy(results, s.Name) != "":
				// The scenario ran and chose not to measure this (its
				// result says why): not judged, not interrupted.
				tr.Note = "not run: " + skippedWhy(results, s.Name)
			case !ok:
				tr.Note = "interrupted"
			case !complete[name]:
				tr.Got = readTarget(t, sr, results).got // for information
				tr.Note = "interrupted: partial figures"
			default:
				f := readTarget(t, sr, results)
				tr.Got, tr.Judged = f.got, f.ok
				switch {
				case !f.ok && f.why != "":
					tr.Note = f.why
				case !f.ok:
					tr.Note = "no figure: " + t.Metric
				case quick && t.Timing():
					tr.Judged = false
					tr.Note = "quick run: timings not judged"
				case f.count == 0 && t.Timing():
					tr.Got = math.NaN() // fails: nothing succeeded
					tr.Note = "no successful operation"
				default:
					tr.Note = f.note
				}
			}
			out = append(out, tr)
		}
	}
	return out
}

// skippedWhy is why a scenario's run skipped its measurements (a result of
// it that says so), or "".
func skippedWhy(results map[string]ScenarioResult, scenario string) string {
	for name, r := range results {
		if r.Skipped != "" && (name == scenario || strings.HasPrefix(name, scenario+"/")) {
			return r.Skipped
		}
	}
	return ""
}

// metric reads a figure of a scenario result.
func metric(s ScenarioResult, name string, all map[string]ScenarioResult) (float64, bool) {
	switch name {
	case "p50_ms":
		return s.Latency.P50, true
	case "p95_ms":
		return s.Latency.P95, true
	case "p99_ms":
		return s.Latency.P99, true
	case "p999_ms":
		return s.Latency.P999, true
	case "max_ms":
		return s.Latency.Max, true
	case "mean_ms":
		return s.Latency.Mean, true
	case "throughput":
		return s.Throughput, true
	case "errors":
		return float64(s.Errors), true
	case "error_pct", "success_pct":
		n := s.Count + s.Errors
		if n == 0 {
			return 0, false
		}
		e := 100 * float64(s.Errors) / float64(n)
		if name == "success_pct" {
			return 100 - e, true
		}
		return e, true
	case "ceiling_ratio":
		c, ok := all[s.Ceiling]
		if !ok || c.Throughput <= 0 {
			return 0, false
		}
		return s.Throughput / c.Throughput, true
	}
	return 0, false
}

func thisMachine() Machine {
	host, _ := os.Hostname()
	return Machine{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), Hostname: host}
}

// isLoopback says whether the engine at u runs on this machine.
func isLoopback(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	h := p.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Env is what a scenario runs with: the engine, the provisioned weddings,
// the run's settings and the results so far.
type Env struct {
	URL       string
	RootToken string
	// Local: the engine runs on this machine (in-process or on loopback),
	// so this machine's ceilings bound it.
	Local    bool
	Weddings []*Wedding
	Conns    int
	Rate     float64
	Duration time.Duration
	// Curve and PointDuration are the load curves' points (connections,
	// ascending) and how long each side of a point is measured.
	Curve         []int
	PointDuration time.Duration
	// Results are those of the scenarios that ran before, by name.
	Results map[string]ScenarioResult

	cfg      Config
	progress io.Writer
	report   *Report
	admin    *Client   // provisioning and set-up requests
	skew     []float64 // cumulative weights of the weddings
	big      map[int]*Wedding
	clients  []*Client
	empty    int
}

// settle closes the idle connections of the scenario before, collects its
// garbage and gives the engine's background work (flushes, compactions,
// snapshots) a moment, so that each scenario measures its own load, not
// the aftermath of the one before.
func (env *Env) settle(ctx context.Context) {
	for _, c := range env.clients {
		c.Close()
	}
	env.clients = nil
	runtime.GC()
	pause := time.Second
	if env.cfg.Quick {
		pause = 100 * time.Millisecond
	}
	select {
	case <-time.After(pause):
	case <-ctx.Done():
	}
}

// rest is settle between the measurements of a curve: the last one's
// connections closed, its garbage collected, a shorter pause.
func (env *Env) rest(ctx context.Context) {
	for _, c := range env.clients {
		c.Close()
	}
	env.clients = nil
	runtime.GC()
	pause := 250 * time.Millisecond
	if env.cfg.Quick {
		pause = 25 * time.Millisecond
	}
	select {
	case <-time.After(pause):
	case <-ctx.Done():
	}
}

// initSkew gives wedding i a weight 1/(i+1): a few weddings get most of
// the traffic, as in a season where some weddings are days away.
func (env *Env) initSkew() {
	env.skew = make([]float64, len(env.Weddings))
	sum := 0.0
	for i := range env.skew {
		sum += 1 / float64(i+1)
		env.skew[i] = sum
	}
	for i := range env.skew {
		env.skew[i] /= sum
	}
}

// pick draws a wedding index with the run's skew.
func (env *Env) pick(r *rand.Rand) int {
	if len(env.skew) <= 1 {
		return 0
	}
	i, _ := slices.BinarySearch(env.skew, r.Float64())
	return min(i, len(env.skew)-1)
}

// rand is worker's own random source, fixed by the run's seed.
func (env *Env) rand(worker int) *rand.Rand {
	return rand.New(rand.NewPCG(env.cfg.Seed, uint64(int64(worker))))
}

func (env *Env) client(conns int) (*Client, error) {
	c, err := NewClient(env.URL, conns)
	if err == nil {
		env.clients = append(env.clients, c)
	}
	return c, err
}

// warm opens the connections and warms the path: 20 requests per
// connection, not measured.
func (env *Env) warm(newOp func(int) func() (bool, error)) {
	Closed(context.Background(), env.Conns, int64(env.Conns)*20, newOp)
}

// counting wraps an operation to count it on p.
func counting(p *Progress, op func() (bool, error)) func() (bool, error) {
	return func() (bool, error) {
		ok, err := op()
		p.Add(1)
		return ok, err
	}
}

func (env *Env) label(name string) string {
	return fmt.Sprintf("%s (%s)", name, env.Duration)
}

// closed runs a closed loop for the run's duration.
func (env *Env) closed(ctx context.Context, name string, workers int, newOp func(int) func() (bool, error)) Result {
	p := NewProgress(env.progress, env.label(name), 0)
	defer p.Done()
	ctx, cancel := context.WithTimeout(ctx, env.Duration)
	defer cancel()
	return Closed(ctx, workers, 0, func(w int) func() (bool, error) { return counting(p, newOp(w)) })
}

// open runs an open loop at the run's rate for its duration.
func (env *Env) open(ctx context.Context, name string, newOp func(int) func() (bool, error)) Result {
	p := NewProgress(env.progress, env.label(name), int64(env.Rate*env.Duration.Seconds()))
	defer p.Done()
	return Open(ctx, OpenLoop{Rate: env.Rate, Duration: env.Duration, Workers: env.Conns},
		func(w int) func() (bool, error) { return counting(p, newOp(w)) })
}

// repeat calls fn, which times its own request, one at a time for the
// run's duration and at least minReps times (unless ctx ends).
func (env *Env) repeat(ctx context.Context, name string, minReps int, fn func() (time.Duration, error)) Result {
	p := NewProgress(env.progress, env.label(name), 0)
	defer p.Done()
	t := newTally()
	start := time.Now()
	for n := 0; ctx.Err() == nil && (n < minReps || time.Since(start) < env.Duration); n++ {
		d, err := fn()
		if err != nil {
			t.fail(err)
		} else {
			t.count++
			recordLatency(t.lat, d)
		}
		p.Add(1)
	}
	return mergeCounters([]*tally{t}, time.Since(start), false)
}

// result summarizes a measurement as the report shows it.
func (env *Env) result(name, mode string, workers int, rate float64, r Result) ScenarioResult {
	sr := ScenarioResult{Name: name, Mode: mode, Workers: workers, Rate: rate, Count: r.Count, Errors: r.Errors,
		Seconds: r.Elapsed.Seconds(), Throughput: r.Throughput()}
	if len(r.ErrorsByCode) > 0 {
		sr.ErrorsByCode = r.ErrorsByCode
	}
	sr.Latency, sr.Histogram = Summarize(r.Latency)
	if r.Service != nil && r.Service.TotalCount() > 0 {
		s, _ := Summarize(r.Service)
		sr.Service = &s
	}
	return sr
}

// weddingWith returns a provisioned wedding of at least n units,
// provisioning one (without RSVPs) when the run's are smaller.
func (env *Env) weddingWith(ctx context.Context, n int) (*Wedding, error) {
	for _, w := range env.Weddings {
		if len(w.UnitIDs) >= n {
			return w, nil
		}
	}
	if w := env.big[n]; w != nil {
		return w, nil
	}
	w, err := ProvisionContext(ctx, env.admin, env.RootToken, WeddingSpec{Units: n, Events: env.cfg.Events,
		Seed: env.cfg.Seed + 1000 + uint64(n), Answered: -1, PhonePrefix: 99, Progress: env.progress,
		Label: fmt.Sprintf("provision a wedding of %d units", n)})
	if err != nil {
		return nil, err
	}
	if env.big == nil {
		env.big = map[int]*Wedding{}
	}
	env.big[n] = w
	env.report.Provisioned = append(env.report.Provisioned, w.Summary())
	return w, nil
}

// emptyWedding creates a wedding with no guests and returns its id and an
// owner token.
func (env *Env) emptyWedding(c *Client) (id, token string, err error) {
	env.empty++
	var w struct{ ID string }
	slug := fmt.Sprintf("load-empty-%d-%s", env.empty, time.Now().Format("150405"))
	if err := c.JSON("POST", "/v1/weddings", env.RootToken, map[string]string{"name": "Load test " + slug, "slug": slug,
		"date": "2027-01-20", "timezone": "Asia/Kolkata", "region": "IN"}, &w); err != nil {
		return "", "", err
	}
	var tok struct{ Token string }
	if err := c.JSON("POST", "/v1/weddings/"+w.ID+"/tokens", env.RootToken, map[string]string{"role": "owner", "label": "load"}, &tok); err != nil {
		return "", "", err
	}
	return w.ID, tok.Token, nil
}
