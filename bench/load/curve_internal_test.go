package load

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// curveResult is a made-up durable-rsvp result: a point per throughput at
// 1, 4, 16, 64 connections (as many as given), p50 and p99 as given at 1
// connection (and growing with the points), the baseline's throughputs
// base (nil: none).
func curveResult(tputs []float64, p50, p99 float64, base []float64) ScenarioResult {
	s := ScenarioResult{Name: "durable-rsvp", Mode: "closed", Curve: &Curve{}}
	for i, tp := range tputs {
		pt := CurvePoint{Connections: []int{1, 4, 16, 64}[i],
			Engine: CurveFigures{Count: int64(tp * 5), Seconds: 5, Throughput: tp, Latency: LatencySummary{P50: p50 * float64(i+1), P99: p99 * float64(i+1)}}}
		if base != nil {
			pt.Baseline = CurveFigures{Count: int64(base[i] * 5), Seconds: 5, Throughput: base[i]}
			pt.Ratio = tp / base[i]
		}
		s.Curve.Points = append(s.Curve.Points, pt)
		s.Count += pt.Engine.Count
	}
	return s
}

// judge evaluates durable-rsvp's targets, as registered, on s.
func judge(t *testing.T, s ScenarioResult, quick, complete bool) map[string]TargetResult {
	t.Helper()
	sc := Lookup("durable-rsvp")
	results := map[string]ScenarioResult{s.Name: s}
	r := &Report{Targets: targets([]*Scenario{sc}, results, map[string]bool{s.Name: complete}, quick)}
	r.Judge()
	out := map[string]TargetResult{}
	for _, tr := range r.Targets {
		out[tr.Metric] = tr
	}
	if len(out) != len(sc.Targets) {
		t.Fatalf("targets %+v", r.Targets)
	}
	return out
}

func TestTargets_CurveRising(t *testing.T) {
	s := curveResult([]float64{1_900, 5_000, 11_000, 21_000}, 0.45, 0.9, []float64{700, 2_900, 11_500, 40_000})
	got := judge(t, s, false, true)
	for _, c := range []struct {
		metric string
		got    float64
		pass   bool
		note   string
	}{
		{"p50_ms", 0.45, true, ""},
		{"p99_ms", 0.9, true, ""},
		{"min_throughput_step", 21_000.0 / 11_000, true, "smallest step: 16 → 64 connections, 11,000/s → 21,000/s"},
		{"ceiling_ratio", 21_000.0 / 40_000, true, ""},
		{"errors", 0, true, ""},
	} {
		tr := got[c.metric]
		if !tr.Judged || tr.Passed != c.pass || math.Abs(tr.Got-c.got) > 1e-9 || tr.Note != c.note {
			t.Errorf("%s: judged %v passed %v got %v note %q; want passed %v got %v note %q", tr.Name, tr.Judged, tr.Passed, tr.Got, tr.Note, c.pass, c.got, c.note)
		}
	}
	if got["p50_ms"].Conns != 1 || got["ceiling_ratio"].Conns != 64 || got["min_throughput_step"].Conns != 0 {
		t.Errorf("points read: %d, %d, %d", got["p50_ms"].Conns, got["ceiling_ratio"].Conns, got["min_throughput_step"].Conns)
	}
}

func TestTargets_CurveFalling(t *testing.T) {
	// Throughput falls from 4 to 16 connections (a lock convoy, say), p50
	// and p99 at 1 connection miss, and the 64 point is under half of raw.
	s := curveResult([]float64{1_000, 6_000, 4_500, 9_000}, 0.7, 2.5, []float64{700, 2_900, 11_500, 40_000})
	got := judge(t, s, false, true)
	for _, c := range []struct {
		metric string
		got    float64
		note   string
	}{
		{"p50_ms", 0.7, ""},
		{"p99_ms", 2.5, ""},
		{"min_throughput_step", 0.75, "smallest step: 4 → 16 connections, 6,000/s → 4,500/s"},
		{"ceiling_ratio", 9_000.0 / 40_000, ""},
	} {
		tr := got[c.metric]
		if !tr.Judged || tr.Passed || math.Abs(tr.Got-c.got) > 1e-9 || tr.Note != c.note {
			t.Errorf("%s: judged %v passed %v got %v note %q; want a miss, got %v note %q", tr.Name, tr.Judged, tr.Passed, tr.Got, tr.Note, c.got, c.note)
		}
	}
	// Equal throughput at two points is "never lower".
	flat := curveResult([]float64{1_000, 6_000, 6_000, 9_000}, 0.5, 1, nil)
	if tr := judge(t, flat, false, true)["min_throughput_step"]; !tr.Judged || !tr.Passed || tr.Got != 1 {
		t.Errorf("a flat step: %+v", tr)
	}
}

func TestTargets_CurveNotJudged(t *testing.T) {
	rising := curveResult([]float64{1_900, 5_000, 11_000, 21_000}, 0.45, 0.9, []float64{700, 2_900, 11_500, 40_000})
	// A quick run judges no timing; errors it does.
	for m, tr := range judge(t, rising, true, true) {
		if want := m == "errors"; tr.Judged != want || (!want && tr.Note != "quick run: timings not judged") {
			t.Errorf("quick: %s judged %v note %q", tr.Name, tr.Judged, tr.Note)
		}
	}
	// An interrupted curve: nothing judged, the figures shown.
	for _, tr := range judge(t, rising, false, false) {
		if tr.Judged || tr.Note != "interrupted: partial figures" {
			t.Errorf("interrupted: %s judged %v note %q", tr.Name, tr.Judged, tr.Note)
		}
	}
	// A curve without 1 and 64 (--curve 4,16), nor a baseline (--url).
	short := curveResult([]float64{1_000, 2_000}, 0.5, 1, nil)
	short.Curve.Points[0].Connections, short.Curve.Points[1].Connections = 4, 16
	got := judge(t, short, false, true)
	for m, note := range map[string]string{
		"p50_ms":        "no point at 1 connection in the curve",
		"ceiling_ratio": "no point at 64 connections in the curve",
	} {
		if tr := got[m]; tr.Judged || tr.Note != note {
			t.Errorf("%s: judged %v note %q; want %q", tr.Name, tr.Judged, tr.Note, note)
		}
	}
	if tr := got["min_throughput_step"]; !tr.Judged || !tr.Passed || tr.Got != 2 {
		t.Errorf("two points: %+v", tr)
	}
	noBase := curveResult([]float64{1_000, 2_000, 3_000, 4_000}, 0.5, 1, nil)
	if tr := judge(t, noBase, false, true)["ceiling_ratio"]; tr.Judged || tr.Note != "no baseline at 64 connections" {
		t.Errorf("no baseline: judged %v note %q", tr.Judged, tr.Note)
	}
	one := curveResult([]float64{1_000}, 0.5, 1, nil)
	if tr := judge(t, one, false, true)["min_throughput_step"]; tr.Judged || tr.Note != "needs a curve of two points or more" {
		t.Errorf("one point: judged %v note %q", tr.Judged, tr.Note)
	}
	// A point where nothing succeeded: its timings fail.
	dead := curveResult([]float64{0, 5_000, 11_000, 21_000}, 0, 0, []float64{700, 2_900, 11_500, 40_000})
	got = judge(t, dead, false, true)
	if tr := got["p99_ms"]; !tr.Judged || tr.Passed || !math.IsNaN(tr.Got) || tr.Note != "no successful operation" {
		t.Errorf("nothing at 1 connection: %+v", tr)
	}
	if tr := got["min_throughput_step"]; !tr.Judged || !tr.Passed || !strings.HasPrefix(tr.Note, "smallest step: 16 → 64") {
		t.Errorf("a step from a point that measured nothing is not counted: %+v", tr)
	}
}

// measure runs past its duration until the minimum of operations, but no
// longer than maxDur; the warm-up is not counted.
func TestMeasure_MinOpsAndCap(t *testing.T) {
	slow := func(int) func() (bool, error) {
		return func() (bool, error) { time.Sleep(2 * time.Millisecond); return true, nil }
	}
	res := measure(context.Background(), 2, pointPlan{warm: 20 * time.Millisecond, dur: 10 * time.Millisecond, minOps: 60, maxDur: 5 * time.Second}, nil, slow)
	if res.Count < 60 || res.Count > 80 || res.Elapsed < 50*time.Millisecond || res.Elapsed > 2*time.Second {
		t.Errorf("min 60 ops: %d in %v", res.Count, res.Elapsed)
	}
	res = measure(context.Background(), 2, pointPlan{dur: 10 * time.Millisecond, minOps: 1 << 40, maxDur: 60 * time.Millisecond}, nil, slow)
	// Lower bounds with slack: the timed phase's clock starts a moment
	// after the cap's (59.7 ms was seen under -race).
	if res.Elapsed < 50*time.Millisecond || res.Elapsed > time.Second {
		t.Errorf("capped at 60 ms: ran %v", res.Elapsed)
	}
	res = measure(context.Background(), 2, pointPlan{dur: 30 * time.Millisecond, maxDur: 30 * time.Millisecond}, nil, slow)
	if res.Elapsed < 25*time.Millisecond || res.Elapsed > time.Second || res.Count == 0 {
		t.Errorf("no minimum: %d in %v", res.Count, res.Elapsed)
	}
}

func TestParseCurve(t *testing.T) {
	for in, want := range map[string][]int{"1,4,16,64": {1, 4, 16, 64}, " 64, 1,4,4 ,": {1, 4, 64}, "1024": {1024}} {
		got, err := ParseCurve(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseCurve(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", " , ", "0", "-1", "1,x", "1025", "1.5"} {
		if got, err := ParseCurve(in); err == nil {
			t.Errorf("ParseCurve(%q) = %v; want an error", in, got)
		}
	}
}
