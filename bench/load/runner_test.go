package load_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/parinayaos/engine/bench/load"
)

func TestScenarios_Registry(t *testing.T) {
	seen := map[string]int{}
	for i, s := range load.Scenarios {
		if _, dup := seen[s.Name]; dup {
			t.Errorf("scenario %s twice", s.Name)
		}
		seen[s.Name] = i
		if s.Description == "" {
			t.Errorf("%s: no description", s.Name)
		}
		if (s.Skipped == "") == (s.Run == nil) {
			t.Errorf("%s: a scenario either runs or says why not (skipped %q, run %v)", s.Name, s.Skipped, s.Run != nil)
		}
		for _, n := range s.Needs {
			if j, ok := seen[n]; !ok || j >= i {
				t.Errorf("%s needs %s, which must come before it in the registry", s.Name, n)
			}
		}
		for _, tg := range s.Targets {
			if tg.Name == "" || tg.Source == "" || tg.Metric == "" || !slices.Contains([]string{"<", "<=", ">", ">="}, tg.Op) {
				t.Errorf("%s: incomplete target %+v", s.Name, tg)
			}
		}
	}
	// The product plan's export target is judged by the export scenario.
	if s := load.Lookup("export"); s == nil || s.Skipped != "" || s.Run == nil ||
		!slices.ContainsFunc(s.Targets, func(tg load.Target) bool { return tg.Source == "product plan" }) {
		t.Error("export: want a scenario that runs, judged on the product plan's target too")
	}
}

func TestSelect_AddsWhatAScenarioNeedsInRegistryOrder(t *testing.T) {
	got, err := load.Select([]string{"durable-rsvp", " headcount-max"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	// durable-rsvp measures its own baseline at each point: it needs no
	// ceiling-pebble.
	if want := []string{"ceiling-http", "headcount-max", "durable-rsvp"}; !slices.Equal(names, want) {
		t.Errorf("selected %v; want %v", names, want)
	}
	if all, _ := load.Select(nil); len(all) != len(load.Scenarios) {
		t.Errorf("no names selected %d scenarios; want all %d", len(all), len(load.Scenarios))
	}
	if _, err := load.Select([]string{"headcount"}); err == nil {
		t.Error("an unknown scenario was accepted")
	}
}

// Every scenario runs against a real in-process engine, briefly, with no
// errors; the report has a result per scenario, the targets are judged as
// a quick run judges them (errors yes, timings no), and ratios and notes
// are filled in.
func TestRun_EveryScenarioQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an engine and runs every scenario")
	}
	rep, err := load.Run(context.Background(), load.Config{Quick: true, Units: 24, Weddings: 2, Duration: 150 * time.Millisecond,
		Conns: 4, Rate: 400, Curve: []int{4, 1, 4}, PointDuration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed || rep.Interrupted || !rep.Quick || rep.Engine != "in-process" || rep.Machine.CPUs == 0 {
		t.Errorf("passed %v, interrupted %v, quick %v, engine %q, machine %+v", rep.Passed, rep.Interrupted, rep.Quick, rep.Engine, rep.Machine)
	}
	// The run's two weddings, and those the bulk invites made (of 200 and
	// 1,000 units: the run's are smaller).
	if len(rep.Provisioned) != 4 || rep.Provisioned[1].Units != 24 || rep.Provisioned[2].Units != 200 || rep.Provisioned[3].Units != 1000 {
		t.Errorf("provisioned %+v", rep.Provisioned)
	}
	byName := map[string]load.ScenarioResult{}
	for _, s := range rep.Scenarios {
		byName[s.Name] = s
		switch {
		case s.Skipped != "":
			if s.Count != 0 {
				t.Errorf("%s: skipped with figures", s.Name)
			}
		case s.Count == 0 || s.Errors != 0:
			t.Errorf("%s: %d ok, %d errors %v", s.Name, s.Count, s.Errors, s.ErrorsByCode)
		case s.Curve != nil && s.Name == "guest-page":
			checkCurve(t, s, []int{16, 64}) // its own points
		case s.Curve != nil:
			checkCurve(t, s, []int{1, 4})
		case s.Latency.P50 <= 0 || s.Latency.Max < s.Latency.P99 || len(s.Histogram) == 0 || s.Throughput <= 0:
			t.Errorf("%s: figures %+v, %d buckets, %.0f/s", s.Name, s.Latency, len(s.Histogram), s.Throughput)
		}
	}
	for _, s := range load.Scenarios {
		if _, ok := byName[s.Name]; !ok {
			t.Errorf("no result for %s", s.Name)
		}
	}
	if w := byName["headcount-under-writes/writes"]; w.Count == 0 {
		t.Error("no writes beside the reads")
	}
	if o := byName["headcount-open"]; o.Mode != "open" || o.Rate != 400 || o.Service == nil {
		t.Errorf("headcount-open: mode %s rate %v service %v", o.Mode, o.Rate, o.Service)
	}
	if m := byName["admin-mix"]; len(m.Ops) < 6 {
		t.Errorf("admin-mix ops: %+v", m.Ops)
	}
	if h := byName["headcount-max"]; h.Ceiling != "ceiling-http" {
		t.Errorf("headcount-max ceiling %q", h.Ceiling)
	}
	if d := byName["guest-page/dashboards"]; d.Count == 0 || d.Errors != 0 {
		t.Errorf("guest-page/dashboards: %d delivered, %d errors", d.Count, d.Errors)
	}
	for _, name := range []string{"durable-rsvp", "headcount-curve", "guest-page"} {
		if byName[name].Curve == nil {
			t.Errorf("%s: no curve", name)
		}
	}
	for _, tr := range rep.Targets {
		skipped := byName[tr.Scenario].Skipped != ""
		timing := !slices.Contains([]string{"errors", "error_pct", "success_pct"}, tr.Metric)
		switch {
		case tr.Conns == 64 && tr.Scenario != "guest-page":
			// This run's curve has no 64 point: said, not judged.
			if tr.Judged || tr.Note != "no point at 64 connections in the curve" {
				t.Errorf("%s: note %q, judged %v", tr.Name, tr.Note, tr.Judged)
			}
		case skipped && tr.Judged:
			t.Errorf("%s: judged on a skipped scenario", tr.Name)
		case !skipped && timing && (tr.Judged || tr.Note != "quick run: timings not judged"):
			t.Errorf("%s: judged %v, note %q in a quick run", tr.Name, tr.Judged, tr.Note)
		case !skipped && !timing && (!tr.Judged || !tr.Passed):
			t.Errorf("%s: errors target judged %v passed %v (got %v)", tr.Name, tr.Judged, tr.Passed, tr.Got)
		case tr.Metric == "ceiling_ratio" && (tr.Got <= 0 || math.IsNaN(tr.Got)):
			t.Errorf("%s: ratio %v", tr.Name, tr.Got)
		}
	}
}

// checkCurve: a run's curve has its points in order (want: the Config's
// [4, 1, 4] sorted, the repeat dropped, or a scenario's own), each with
// figures on both sides and their ratio.
func checkCurve(t *testing.T, s load.ScenarioResult, want []int) {
	t.Helper()
	c := s.Curve
	var conns []int
	var count int64
	for _, pt := range c.Points {
		conns = append(conns, pt.Connections)
		count += pt.Engine.Count
		for side, f := range map[string]load.CurveFigures{"engine": pt.Engine, "baseline": pt.Baseline} {
			if f.Count == 0 || f.Errors != 0 || f.Throughput <= 0 || f.Seconds <= 0 || f.Latency.P50 <= 0 || f.Latency.Max < f.Latency.P99 {
				t.Errorf("%s at %d, %s: %+v", s.Name, pt.Connections, side, f)
			}
		}
		if want := pt.Engine.Throughput / pt.Baseline.Throughput; pt.Ratio != want {
			t.Errorf("%s at %d: ratio %v, want %v", s.Name, pt.Connections, pt.Ratio, want)
		}
	}
	if !slices.Equal(conns, want) || count != s.Count || c.PointSeconds != 0.1 || c.WarmupSeconds != 0.02 || c.Engine == "" || c.Baseline == "" {
		t.Errorf("%s: points at %v, %d ok in them of %d, %v s per side, %v s warm-up, engine %q, baseline %q",
			s.Name, conns, count, s.Count, c.PointSeconds, c.WarmupSeconds, c.Engine, c.Baseline)
	}
}

// A cancelled run (SIGINT) reports what ran and judges nothing that did
// not finish.
func TestRun_CancelReportsWhatRan(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an engine")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(700 * time.Millisecond); cancel() }()
	rep, err := load.Run(ctx, load.Config{Units: 12, Duration: 30 * time.Second, Conns: 2, Rate: 200,
		Scenarios: []string{"headcount-open", "admin-mix"}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || len(rep.Scenarios) != 2 {
		t.Fatalf("interrupted %v, %d scenarios", rep.Interrupted, len(rep.Scenarios))
	}
	if s := rep.Scenarios[1]; s.Name != "admin-mix" || s.Skipped == "" {
		t.Errorf("the scenario after the cancel: %+v", s)
	}
	for _, tr := range rep.Targets {
		if tr.Judged {
			t.Errorf("%s judged in a cancelled run", tr.Name)
		}
	}
	if !rep.Passed {
		t.Error("a run with nothing judged failed")
	}
}
