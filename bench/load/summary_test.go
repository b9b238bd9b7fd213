package load_test

import (
	"math"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/parinayaos/engine/bench/load"
)

// newHist records 1 µs to 60 s with 3 significant digits, as the runner does.
func newHist(t *testing.T, us ...int64) *hdrhistogram.Histogram {
	t.Helper()
	h := hdrhistogram.New(1, 60_000_000, 3)
	for _, v := range us {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// within: got is want within the histogram's precision (3 significant
// digits: at most 1/1024 relative, and 1 µs absolute).
func within(got, want float64) bool {
	return math.Abs(got-want) <= math.Max(want/1024, 0.001)
}

func checkBuckets(t *testing.T, h *hdrhistogram.Histogram, bs []load.Bucket) {
	t.Helper()
	var sum int64
	for i, b := range bs {
		sum += b.Count
		if b.UpToMs < b.FromMs {
			t.Errorf("bucket %d: up to %v < from %v", i, b.UpToMs, b.FromMs)
		}
		if i > 0 {
			if b.FromMs != bs[i-1].UpToMs {
				t.Errorf("bucket %d: from %v, previous up to %v", i, b.FromMs, bs[i-1].UpToMs)
			}
			if b.UpToMs <= bs[i-1].UpToMs {
				t.Errorf("bucket %d: bounds not increasing: %v after %v", i, b.UpToMs, bs[i-1].UpToMs)
			}
		}
	}
	if sum != h.TotalCount() {
		t.Errorf("bucket counts sum to %d, want TotalCount %d", sum, h.TotalCount())
	}
	if len(bs) > 0 {
		if got, want := bs[len(bs)-1].UpToMs, float64(h.Max())/1000; got != want {
			t.Errorf("last bucket up to %v ms, want max %v ms", got, want)
		}
		if got, want := bs[0].FromMs, float64(h.Min())/1000; got != want {
			t.Errorf("first bucket from %v ms, want min %v ms", got, want)
		}
	}
}

func TestSummarize_Uniform(t *testing.T) {
	// 1..1000 µs once each: below 2,048 µs the histogram is exact.
	var us []int64
	for v := int64(1); v <= 1000; v++ {
		us = append(us, v)
	}
	h := newHist(t, us...)
	s, bs := load.Summarize(h)
	want := load.LatencySummary{P50: 0.5, P95: 0.95, P99: 0.99, P999: 0.999, Max: 1.0, Mean: 0.5005}
	if s != want {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	checkBuckets(t, h, bs)
	// 1,000 values: 2·∛1000 = 20 log-spaced buckets from 1 to 1000 µs,
	// whose ideal bounds 1000^(i/20) are moved down to whole µs: 1.41 and
	// 1.995 both become 1, so 19 buckets. The first holds 1 µs alone; the
	// last holds (707, 1000] µs (1000^(19/20) = 707.9): 293 values.
	if len(bs) != 19 {
		t.Errorf("%d buckets, want 19", len(bs))
	}
	if bs[0].Count != 1 || bs[0].UpToMs != 0.001 {
		t.Errorf("first bucket %+v, want 1 value up to 0.001 ms", bs[0])
	}
	if last := bs[len(bs)-1]; last.Count != 293 || last.FromMs != 0.707 {
		t.Errorf("last bucket %+v, want 293 values from 0.707 ms", last)
	}
}

func TestSummarize_Percentiles(t *testing.T) {
	// 900 fast (2 ms), 90 slow (40 ms), 9 slower (300 ms), 1 very slow (5 s).
	h := newHist(t)
	for _, r := range []struct{ us, n int64 }{{2_000, 900}, {40_000, 90}, {300_000, 9}, {5_000_000, 1}} {
		if err := h.RecordValues(r.us, r.n); err != nil {
			t.Fatal(err)
		}
	}
	s, bs := load.Summarize(h)
	tests := []struct {
		name      string
		got, want float64
	}{
		{"p50", s.P50, 2},
		{"p95", s.P95, 40},
		{"p99", s.P99, 40},     // rank 990 is the last 40 ms value
		{"p99.9", s.P999, 300}, // rank 999 is the last 300 ms value
		{"max", s.Max, 5000},
		{"mean", s.Mean, (900*2 + 90*40 + 9*300 + 5000) / 1000.0},
	}
	for _, tt := range tests {
		if !within(tt.got, tt.want) {
			t.Errorf("%s = %v ms, want %v within HDR precision", tt.name, tt.got, tt.want)
		}
	}
	checkBuckets(t, h, bs)
	var nonEmpty []int64
	for _, b := range bs {
		if b.Count > 0 {
			nonEmpty = append(nonEmpty, b.Count)
		}
	}
	if len(nonEmpty) != 4 || nonEmpty[0] != 900 || nonEmpty[1] != 90 || nonEmpty[2] != 9 || nonEmpty[3] != 1 {
		t.Errorf("non-empty bucket counts %v, want [900 90 9 1]", nonEmpty)
	}
	if len(bs) < 20 || len(bs) > 40 {
		t.Errorf("%d buckets for 2 ms..5 s, want 20..40", len(bs))
	}
}

func TestSummarize_OneValue(t *testing.T) {
	h := newHist(t)
	if err := h.RecordValues(1234, 50); err != nil {
		t.Fatal(err)
	}
	s, bs := load.Summarize(h)
	if s.P50 != 1.234 || s.P99 != 1.234 || s.Max != 1.234 || s.Mean != 1.234 {
		t.Errorf("Summarize = %+v, want 1.234 ms everywhere", s)
	}
	if len(bs) != 1 || bs[0] != (load.Bucket{FromMs: 1.234, UpToMs: 1.234, Count: 50}) {
		t.Errorf("buckets = %+v, want one of 50 at 1.234 ms", bs)
	}
}

func TestSummarize_NarrowRange(t *testing.T) {
	// 1000..1009 µs: ten slots of 1 µs; the 30 log-spaced ideal bounds
	// are narrower than a slot, so buckets are whole slots, none empty.
	h := newHist(t)
	for v := int64(1000); v < 1010; v++ {
		if err := h.RecordValues(v, 100*(v-999)); err != nil {
			t.Fatal(err)
		}
	}
	_, bs := load.Summarize(h)
	checkBuckets(t, h, bs)
	if len(bs) != 10 {
		t.Fatalf("%d buckets, want 10 (one per µs): %+v", len(bs), bs)
	}
	for i, b := range bs {
		if b.Count != 100*int64(i+1) {
			t.Errorf("bucket %d: %d, want %d", i, b.Count, 100*(i+1))
		}
	}
}

func TestSummarize_Wide(t *testing.T) {
	// Every value from 1 µs to 60 s, geometrically: the histogram's
	// whole range, coarse slots at the top.
	h := newHist(t)
	for v := 1.0; v <= 60e6; v *= 1.01 {
		if err := h.RecordValues(int64(v), 3); err != nil {
			t.Fatal(err)
		}
	}
	_, bs := load.Summarize(h)
	checkBuckets(t, h, bs)
	if len(bs) != load.ChartBuckets {
		t.Errorf("%d buckets, want %d", len(bs), load.ChartBuckets)
	}
}

func TestSummarize_FewOperations(t *testing.T) {
	// 20 slow operations, 200..295 ms: 2·∛20 = 5.4, so the minimum of 8.
	h := newHist(t)
	for i := int64(0); i < 20; i++ {
		if err := h.RecordValue(200_000 + 5_000*i); err != nil {
			t.Fatal(err)
		}
	}
	_, bs := load.Summarize(h)
	checkBuckets(t, h, bs)
	if len(bs) != load.MinChartBuckets {
		t.Errorf("%d buckets for 20 operations, want %d", len(bs), load.MinChartBuckets)
	}
}

func TestSummarize_Empty(t *testing.T) {
	for _, h := range []*hdrhistogram.Histogram{nil, newHist(t)} {
		s, bs := load.Summarize(h)
		if s != (load.LatencySummary{}) || bs != nil {
			t.Errorf("Summarize(empty) = %+v, %v; want zeros and no buckets", s, bs)
		}
	}
}

func TestReport_Judge(t *testing.T) {
	tests := []struct {
		name      string
		op        string
		got, want float64
		pass      bool
	}{
		{"< below", "<", 1, 2, true},
		{"< equal", "<", 2, 2, false},
		{"< above", "<", 3, 2, false},
		{"<= equal", "<=", 2, 2, true},
		{"<= above", "<=", 2.001, 2, false},
		{"> above", ">", 99.95, 99.9, true},
		{"> equal", ">", 99.9, 99.9, false},
		{">= equal", ">=", 0.7, 0.7, true},
		{">= below", ">=", 0.69, 0.7, false},
		{"NaN", "<", math.NaN(), 2, false},
		{"unknown op", "==", 2, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := load.Report{Targets: []load.TargetResult{{Name: tt.name, Op: tt.op, Got: tt.got, Want: tt.want, Judged: true, Passed: !tt.pass}}}
			r.Judge()
			if r.Targets[0].Passed != tt.pass || r.Passed != tt.pass {
				t.Errorf("%v %s %v: target passed %v, report passed %v; want %v", tt.got, tt.op, tt.want, r.Targets[0].Passed, r.Passed, tt.pass)
			}
			if tt.op == "==" && r.Targets[0].Note == "" {
				t.Errorf("unknown op: no note")
			}
		})
	}
}

func TestReport_JudgeMixed(t *testing.T) {
	r := load.Report{Targets: []load.TargetResult{
		{Name: "met", Op: "<", Got: 1, Want: 2, Judged: true},
		{Name: "unjudged, would miss", Op: "<", Got: 3, Want: 2, Passed: true},
		{Name: "unjudged, would pass", Op: "<", Got: 1, Want: 2},
	}}
	r.Judge()
	if !r.Passed {
		t.Errorf("report failed; unjudged targets must not count")
	}
	if !r.Targets[0].Passed || r.Targets[1].Passed || r.Targets[2].Passed {
		t.Errorf("passed = %v, %v, %v; want true, false, false (unjudged: false)", r.Targets[0].Passed, r.Targets[1].Passed, r.Targets[2].Passed)
	}

	r.Targets[1].Judged = true
	r.Judge()
	if r.Passed || r.Targets[1].Passed {
		t.Errorf("a judged miss: report passed %v, target passed %v", r.Passed, r.Targets[1].Passed)
	}

	var none load.Report
	none.Judge()
	if !none.Passed {
		t.Errorf("no targets: report failed")
	}
}
