package load

import (
	"fmt"
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ChartBuckets is the most bars Summarize makes. Fewer operations get
// fewer bars (twice the cube root of the count, at least MinChartBuckets:
// 20 for 1,000 operations), so that a handful of slow bulk operations
// draws a shape rather than a comb; and a narrow distribution gets fewer,
// as a bar is never narrower than the histogram can tell apart.
const (
	ChartBuckets    = 30
	MinChartBuckets = 8
)

// Summarize reads a latency histogram recorded in microseconds: its
// percentiles, max and mean in milliseconds (each within the histogram's
// precision), and up to ChartBuckets bars with log-spaced bounds from the
// smallest to the largest recorded value, whose counts sum to exactly
// h.TotalCount(). An empty (or nil) histogram gives zeros and no buckets.
func Summarize(h *hdrhistogram.Histogram) (LatencySummary, []Bucket) {
	if h == nil || h.TotalCount() == 0 {
		return LatencySummary{}, nil
	}
	s := LatencySummary{
		P50:  usToMs(h.ValueAtQuantile(50)),
		P95:  usToMs(h.ValueAtQuantile(95)),
		P99:  usToMs(h.ValueAtQuantile(99)),
		P999: usToMs(h.ValueAtQuantile(99.9)),
		Max:  usToMs(h.Max()),
		Mean: h.Mean() / 1000,
	}
	n := int(math.Ceil(2 * math.Cbrt(float64(h.TotalCount()))))
	return s, buckets(h, min(max(n, MinChartBuckets), ChartBuckets))
}

func usToMs(us int64) float64 { return float64(us) / 1000 }

// buckets groups the histogram's slots (its runs of equivalent values) into
// at most n bars. The ideal bounds are log-spaced from the smallest to the
// largest recorded value; each is moved down to the end of a slot, so that
// every slot falls in exactly one bar and no bar is emptied only because it
// is narrower than the histogram's resolution.
func buckets(h *hdrhistogram.Histogram, n int) []Bucket {
	// Distribution lists every slot from 0 up to the last non-empty one.
	slots := h.Distribution()
	first := 0
	for first < len(slots) && slots[first].Count == 0 {
		first++
	}
	slots = slots[first:]
	if len(slots) == 0 {
		return nil
	}
	lo, hi := slots[0].From, slots[len(slots)-1].To
	logLo, logHi := math.Log(float64(max(lo, 1))), math.Log(float64(max(hi, 1)))

	bounds := make([]int64, 0, n)
	j := 0 // the last slot that ends at or below the ideal bound
	for i := 1; i < n; i++ {
		ideal := math.Exp(logLo + (logHi-logLo)*float64(i)/float64(n))
		for j+1 < len(slots) && float64(slots[j+1].To) <= ideal {
			j++
		}
		b := slots[j].To
		if float64(b) > ideal || b >= hi || (len(bounds) > 0 && b <= bounds[len(bounds)-1]) {
			continue
		}
		bounds = append(bounds, b)
	}
	bounds = append(bounds, hi)

	out := make([]Bucket, len(bounds))
	prev := lo
	for i, b := range bounds {
		out[i] = Bucket{FromMs: usToMs(prev), UpToMs: usToMs(b)}
		prev = b
	}
	k := 0
	for _, s := range slots {
		if s.Count == 0 {
			continue
		}
		for s.To > bounds[k] {
			k++
		}
		out[k].Count += s.Count
	}
	return out
}

// Judge sets Passed on every judged target from Got, Op and Want, and
// Report.Passed to whether all judged targets passed (true when none is
// judged). An unjudged target's Passed is set to false, as it means
// nothing. A target with an op other than "<", "<=", ">" or ">=", or a Got
// that is not a number, fails; the unknown op is said in its Note.
func (r *Report) Judge() {
	r.Passed = true
	for i := range r.Targets {
		t := &r.Targets[i]
		if !t.Judged {
			t.Passed = false
			continue
		}
		passed, ok := meets(t.Got, t.Op, t.Want)
		if !ok && t.Note == "" {
			t.Note = fmt.Sprintf("unknown op %q", t.Op)
		}
		t.Passed = passed
		if !passed {
			r.Passed = false
		}
	}
}

// meets reports whether got op want holds; ok is false for an unknown op.
// NaN meets nothing.
func meets(got float64, op string, want float64) (passed, ok bool) {
	switch op {
	case "<":
		return got < want, true
	case "<=":
		return got <= want, true
	case ">":
		return got > want, true
	case ">=":
		return got >= want, true
	}
	return false, false
}
