package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Load curves: the same closed-loop operation at a series of
// concurrencies (DefaultCurve), each point measured beside its baseline at
// the same concurrency in the same run. A point is two measurements, the
// baseline's and then the engine's; each is a warm-up (unmeasured), then
// PointDuration measured, extended until MinPointOps operations (at most
// to three times PointDuration) so that every p99 rests on enough
// operations.

// DefaultCurve is the connections of the curves' points.
var DefaultCurve = []int{1, 4, 16, 64}

// Curve defaults and limits.
const (
	DefaultPointDuration      = 5 * time.Second
	DefaultQuickPointDuration = 300 * time.Millisecond
	// MinPointOps: a measurement runs past its PointDuration (up to three
	// times it) until this many operations were done, so that its p99
	// rests on at least 50 of them. A quick run has no minimum.
	MinPointOps = 5000
	// MaxCurveConns bounds a curve point's connections.
	MaxCurveConns = 1024
)

// ParseCurve reads a comma-separated list of connections ("1,4,16,64"):
// each from 1 to MaxCurveConns, returned ascending without repeats.
func ParseCurve(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > MaxCurveConns {
			return nil, fmt.Errorf("load: curve point %q: want connections from 1 to %d", f, MaxCurveConns)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("load: an empty curve (want e.g. 1,4,16,64)")
	}
	return normCurve(out), nil
}

// normCurve sorts the points ascending and drops repeats.
func normCurve(c []int) []int {
	c = slices.Clone(c)
	slices.Sort(c)
	return slices.Compact(c)
}

// pointPlan is how one side of a curve point is measured.
type pointPlan struct {
	warm   time.Duration // unmeasured closed loop first
	dur    time.Duration // measured at least this long…
	minOps int64         // …and until this many operations were done…
	maxDur time.Duration // …but no longer than this
}

func (env *Env) pointPlan() pointPlan {
	d := env.PointDuration
	p := pointPlan{warm: d / 5, dur: d, maxDur: d}
	if !env.cfg.Quick {
		p.minOps, p.maxDur = MinPointOps, 3*d
	}
	return p
}

// measure runs workers closed-loop: first plan.warm unmeasured, then
// measured for plan.dur and on until plan.minOps operations were done or
// plan.maxDur has passed, or ctx ends. Each operation is counted on p
// (when not nil).
func measure(ctx context.Context, workers int, plan pointPlan, p *Progress, newOp func(int) func() (bool, error)) Result {
	if plan.warm > 0 {
		wctx, cancel := context.WithTimeout(ctx, plan.warm)
		Closed(wctx, workers, 0, newOp)
		cancel()
	}
	mctx, cancel := context.WithTimeout(ctx, max(plan.dur, plan.maxDur))
	defer cancel()
	var done atomic.Int64
	go func() {
		t := time.NewTimer(plan.dur)
		defer t.Stop()
		select {
		case <-t.C:
		case <-mctx.Done():
			return
		}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for done.Load() < plan.minOps {
			select {
			case <-tick.C:
			case <-mctx.Done():
				return
			}
		}
		cancel()
	}()
	return Closed(mctx, workers, 0, func(w int) func() (bool, error) {
		op := newOp(w)
		return func() (bool, error) {
			ok, err := op()
			done.Add(1)
			if p != nil {
				p.Add(1)
			}
			return ok, err
		}
	})
}

// figures summarizes one side of a curve point.
func figures(r Result) CurveFigures {
	f := CurveFigures{Count: r.Count, Errors: r.Errors, Seconds: r.Elapsed.Seconds(), Throughput: r.Throughput()}
	if len(r.ErrorsByCode) > 0 {
		f.ErrorsByCode = r.ErrorsByCode
	}
	f.Latency, _ = Summarize(r.Latency)
	return f
}

// curveSpec is a load-curve scenario.
type curveSpec struct {
	name             string
	engine, baseline string // what each side does, for the report
	// newEngineOp is the engine side's operation for a worker on c.
	newEngineOp func(env *Env, c *Client, worker int) func() (bool, error)
	// start prepares the baseline for the whole curve and returns how to
	// measure it at conns connections, and how to stop it. A nil measure
	// means no baseline (its figures stay zero, the ratios 0) and note
	// says why.
	start func(env *Env) (m baselineFunc, stop func(), note string, err error)
	// points are the curve's connections; nil: env.Curve (--curve).
	points []int
}

type baselineFunc func(ctx context.Context, conns int, plan pointPlan, p *Progress) (Result, error)

// runCurve measures every point of env.Curve: at each, the baseline, then
// the engine, each after a rest. When ctx ends it returns the points so far.
func runCurve(ctx context.Context, env *Env, spec curveSpec) ([]ScenarioResult, error) {
	baseline, stop, note, err := spec.start(env)
	if err != nil {
		return nil, err
	}
	if stop != nil {
		defer stop()
	}
	plan := env.pointPlan()
	curve := &Curve{Engine: spec.engine, Baseline: spec.baseline, PointSeconds: plan.dur.Seconds(),
		WarmupSeconds: plan.warm.Seconds(), Note: note, Points: []CurvePoint{}}
	sr := ScenarioResult{Name: spec.name, Mode: "closed", Curve: curve}
	points := spec.points
	if len(points) == 0 {
		points = env.Curve
	}
	for i, conns := range points {
		if ctx.Err() != nil {
			break
		}
		pt := CurvePoint{Connections: conns}
		if baseline != nil {
			env.rest(ctx)
			p := NewProgress(env.progress, env.pointLabel(spec.name+" baseline", conns), 0)
			res, err := baseline(ctx, conns, plan, p)
			p.Done()
			if err != nil {
				return nil, err
			}
			pt.Baseline = figures(res)
		}
		env.rest(ctx)
		c, err := env.client(conns)
		if err != nil {
			return nil, err
		}
		p := NewProgress(env.progress, env.pointLabel(spec.name, conns), 0)
		res := measure(ctx, conns, plan, p, func(w int) func() (bool, error) {
			// Each point's workers draw their own sequence, so a point
			// does not replay the writes of the one before.
			return spec.newEngineOp(env, c, 100_000*(i+1)+w)
		})
		p.Done()
		pt.Engine = figures(res)
		if pt.Baseline.Throughput > 0 {
			pt.Ratio = pt.Engine.Throughput / pt.Baseline.Throughput
		}
		curve.Points = append(curve.Points, pt)
		sr.Count += res.Count
		sr.Errors += res.Errors
		sr.Seconds += res.Elapsed.Seconds()
		for code, n := range res.ErrorsByCode {
			if sr.ErrorsByCode == nil {
				sr.ErrorsByCode = map[string]int64{}
			}
			sr.ErrorsByCode[code] += n
		}
	}
	return []ScenarioResult{sr}, nil
}

func (env *Env) pointLabel(name string, conns int) string {
	return fmt.Sprintf("%s at %s (%s)", name, plural(conns, "connection"), env.PointDuration)
}

// The two curves.
var (
	durableRSVPCurve = curveSpec{
		name:     "durable-rsvp",
		engine:   "PUT /v1/weddings/{w}/rsvps/{u}/{e}: durable RSVP writes over HTTP",
		baseline: fmt.Sprintf("raw Pebble group commit: as many writers, one %d-byte record per pebble.Sync batch, a fresh Pebble per point", RawRecordBytes),
		newEngineOp: func(env *Env, c *Client, worker int) func() (bool, error) {
			return env.rsvpOp(c, worker)
		},
		start: func(env *Env) (baselineFunc, func(), string, error) {
			if !env.Local {
				return nil, nil, "the engine runs elsewhere: no raw Pebble baseline (it would measure this machine's disk)", nil
			}
			return func(ctx context.Context, conns int, plan pointPlan, p *Progress) (Result, error) {
				dir, err := os.MkdirTemp("", "parinaya-bench-pebble-")
				if err != nil {
					return Result{}, err
				}
				defer os.RemoveAll(dir)
				return rawPebblePlan(ctx, dir, conns, plan, RawRecordBytes, p)
			}, nil, "", nil
		},
	}
	headcountCurve = curveSpec{
		name:     "headcount-curve",
		engine:   "GET /v1/weddings/{w}/headcount",
		baseline: "a fasthttp handler answering a fixed 300-byte JSON body (ceiling-http) on as many connections",
		newEngineOp: func(env *Env, c *Client, worker int) func() (bool, error) {
			return env.headcountOp(c, worker)
		},
		start: func(env *Env) (baselineFunc, func(), string, error) {
			fixed, err := StartFixedBody(FixedJSON300)
			if err != nil {
				return nil, nil, "", err
			}
			return func(ctx context.Context, conns int, plan pointPlan, p *Progress) (Result, error) {
				c, err := NewClient(fixed.URL, conns)
				if err != nil {
					return Result{}, err
				}
				env.clients = append(env.clients, c)
				return measure(ctx, conns, plan, p, func(int) func() (bool, error) { return c.GetOp("/", "", 200) }), nil
			}, func() { _ = fixed.Close() }, "", nil
		},
	}
)

// ---- targets on curves ----

// figure is what a target reads: got, whether there is one (why not,
// when not), the successful operations behind it, and a detail to show.
type figure struct {
	got   float64
	ok    bool
	count int64
	why   string
	note  string
}

// readTarget reads a target's figure from its result: a plain result's
// metric, a curve point's (Target.Conns), or a curve's min_throughput_step.
func readTarget(t Target, s ScenarioResult, all map[string]ScenarioResult) figure {
	switch {
	case t.Metric == "min_throughput_step":
		return minThroughputStep(s)
	case t.Conns > 0:
		pt := s.Curve.Point(t.Conns)
		if pt == nil {
			return figure{why: fmt.Sprintf("no point at %s in the curve", plural(t.Conns, "connection"))}
		}
		if t.Metric == "ceiling_ratio" {
			if pt.Baseline.Throughput <= 0 {
				return figure{why: fmt.Sprintf("no baseline at %s", plural(t.Conns, "connection")), count: pt.Engine.Count}
			}
			return figure{got: pt.Engine.Throughput / pt.Baseline.Throughput, ok: true, count: pt.Engine.Count}
		}
		e := pt.Engine
		v, ok := metric(ScenarioResult{Count: e.Count, Errors: e.Errors, Throughput: e.Throughput, Latency: e.Latency}, t.Metric, all)
		return figure{got: v, ok: ok, count: e.Count}
	}
	v, ok := metric(s, t.Metric, all)
	return figure{got: v, ok: ok, count: s.Count}
}

// Point is the curve's point at conns connections, or nil (also for a nil
// curve).
func (c *Curve) Point(conns int) *CurvePoint {
	if c == nil {
		return nil
	}
	for i := range c.Points {
		if c.Points[i].Connections == conns {
			return &c.Points[i]
		}
	}
	return nil
}

// minThroughputStep is the smallest ratio of a point's throughput to that
// of the point before it (by connections): ≥ 1 when throughput never falls
// as concurrency rises. A step from a point that measured nothing is not
// counted.
func minThroughputStep(s ScenarioResult) figure {
	if s.Curve == nil || len(s.Curve.Points) < 2 {
		return figure{why: "needs a curve of two points or more"}
	}
	pts := slices.Clone(s.Curve.Points)
	slices.SortFunc(pts, func(a, b CurvePoint) int { return a.Connections - b.Connections })
	f := figure{count: s.Count}
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1].Engine.Throughput, pts[i].Engine.Throughput
		if a <= 0 {
			continue
		}
		if r := b / a; !f.ok || r < f.got {
			f.got, f.ok = r, true
			f.note = fmt.Sprintf("smallest step: %d → %d connections, %s/s → %s/s",
				pts[i-1].Connections, pts[i].Connections, fmtRate(a), fmtRate(b))
		}
	}
	if !f.ok {
		f.why = "no point measured a throughput"
	}
	return f
}
