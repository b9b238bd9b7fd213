package load

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The load-curve chart of report.html: two panels side by side, the
// throughput (linear) and the p50 and p99 latencies (log scale) against
// connections (log scale), the engine in blue beside its baseline in
// grey; p99 dashed. Every dot has a title with its figures.

const (
	curveW      = 760
	curveH      = 284
	curveTop    = 52
	curveBottom = 236
	// The panels' plot areas, left to right.
	curveL1, curveR1 = 62, 360
	curveL2, curveR2 = 446, 744
	// curveInset keeps the first and last points off the panel's edges.
	curveInset = 16
)

type curveView struct {
	Engine, Baseline, Heading, Note string
	Rows                            []curveRowView
	Chart                           *curveChart
}

type curveRowView struct {
	Conns, Engine, EP50, EP99, EMax, Baseline, BP50, BP99, BMax, Ratio, Errors string
}

type curveChart struct {
	W, H   int
	Label  string
	Keys   []curveKey
	Panels []curvePanel
}

// curveKey is a legend entry: a line sample and its label.
type curveKey struct{ Class, Line, TextX, Label string }

type curvePanel struct {
	Title, TitleX                  string
	Left, Right, Top, Bottom       string
	XTicks, YTicks                 []tickView
	Lines                          []curveLine
	Labels                         []curveLabel
	XTitleX, XTitleY               string
	YTitle, YTitleX, YTitleY, TopY string
}

type curveLine struct {
	Class  string // eng or base, and p99 (dashed)
	Points string // the polyline's points
	Dots   []curveDot
}

type curveDot struct{ X, Y, Title string }

type curveLabel struct{ X, Y, Text string }

func newCurveView(s ScenarioResult) *curveView {
	c := s.Curve
	v := &curveView{Engine: c.Engine, Baseline: c.Baseline, Note: c.Note,
		Heading: "Load curve: closed loop" + strings.Replace(curveTiming(c, ", "), "each side", "each side of a point measured", 1) +
			", the baseline just before the engine."}
	for _, pt := range c.Points {
		e, b := pt.Engine, pt.Baseline
		el, bl := latencyCells(e.Latency, e.Count > 0), latencyCells(b.Latency, b.Count > 0)
		v.Rows = append(v.Rows, curveRowView{Conns: strconv.Itoa(pt.Connections),
			Engine: curveRate(e), EP50: el[0], EP99: el[2], EMax: el[3],
			Baseline: curveRate(b), BP50: bl[0], BP99: bl[2], BMax: bl[3], Ratio: ratioCell(pt), Errors: curveErrors(pt)})
	}
	v.Chart = newCurveChart(s)
	return v
}

// newCurveChart lays out the two panels; nil when no point has figures.
func newCurveChart(s ScenarioResult) *curveChart {
	c := s.Curve
	var pts []CurvePoint
	for _, pt := range c.Points {
		if pt.Connections > 0 && (pt.Engine.Count > 0 || pt.Baseline.Count > 0) {
			pts = append(pts, pt)
		}
	}
	if len(pts) == 0 {
		return nil
	}
	lo, hi := float64(pts[0].Connections), float64(pts[0].Connections)
	for _, pt := range pts {
		lo, hi = math.Min(lo, float64(pt.Connections)), math.Max(hi, float64(pt.Connections))
	}
	xOf := func(left, right float64) func(n int) float64 {
		l, r := left+curveInset, right-curveInset
		return func(n int) float64 {
			if hi == lo {
				return (l + r) / 2
			}
			return l + (math.Log(float64(n))-math.Log(lo))/(math.Log(hi)-math.Log(lo))*(r-l)
		}
	}
	var tputs, lats []float64
	for _, pt := range pts {
		for _, f := range []CurveFigures{pt.Engine, pt.Baseline} {
			if f.Count > 0 {
				tputs = append(tputs, f.Throughput)
				lats = append(lats, f.Latency.P50, f.Latency.P99)
			}
		}
	}
	ch := &curveChart{W: curveW, H: curveH,
		Label: fmt.Sprintf("Load curve of %s: throughput, p50 and p99 against connections (%s), the engine beside its baseline",
			s.Name, joinConns(pts))}
	x0 := float64(curveL1)
	for _, k := range []struct{ class, label string }{{"eng", "engine"}, {"base", "baseline"}, {"", "0.50× = the engine's throughput ÷ the baseline's"}} {
		key := curveKey{Class: k.class, TextX: px(x0), Label: k.label}
		if k.class != "" {
			key.Line, key.TextX = px(x0)+",10 "+px(x0+18)+",10", px(x0+24)
			x0 += 24
		}
		ch.Keys = append(ch.Keys, key)
		x0 += 7*float64(len(k.label)) + 18
	}
	ch.Panels = append(ch.Panels, throughputPanel(pts, tputs, xOf(curveL1, curveR1)))
	if p, ok := latencyPanel(pts, lats, xOf(curveL2, curveR2)); ok {
		ch.Panels = append(ch.Panels, p)
	}
	return ch
}

func joinConns(pts []CurvePoint) string {
	s := make([]string, len(pts))
	for i, pt := range pts {
		s[i] = strconv.Itoa(pt.Connections)
	}
	return strings.Join(s, ", ")
}

func newPanel(title, yTitle string, left, right float64, pts []CurvePoint, x func(int) float64) curvePanel {
	p := curvePanel{Title: title, TitleX: px(left), YTitle: yTitle,
		Left: px(left), Right: px(right), Top: px(curveTop), Bottom: px(curveBottom), TopY: px(curveTop - 10),
		XTitleX: px((left + right) / 2), XTitleY: px(curveH - 6),
		YTitleX: px(left - 50), YTitleY: px((curveTop + curveBottom) / 2)}
	for _, pt := range pts {
		p.XTicks = append(p.XTicks, tickView{Pos: px(x(pt.Connections)), Label: strconv.Itoa(pt.Connections)})
	}
	return p
}

// line joins the points where value gives a figure.
func line(class string, pts []CurvePoint, x func(int) float64, y func(float64) float64,
	value func(CurvePoint) (float64, bool), title func(CurvePoint) string) curveLine {
	l := curveLine{Class: class}
	var coords []string
	for _, pt := range pts {
		v, ok := value(pt)
		if !ok {
			continue
		}
		cx, cy := px(x(pt.Connections)), px(y(v))
		coords = append(coords, cx+","+cy)
		l.Dots = append(l.Dots, curveDot{X: cx, Y: cy, Title: title(pt)})
	}
	l.Points = strings.Join(coords, " ")
	return l
}

func throughputPanel(pts []CurvePoint, tputs []float64, x func(int) float64) curvePanel {
	p := newPanel("throughput", "operations/s", curveL1, curveR1, pts, x)
	top := 0.0
	for _, t := range tputs {
		top = math.Max(top, t)
	}
	step := niceStep(top / 4)
	yMax := math.Max(math.Ceil(top/step)*step, step)
	y := func(v float64) float64 { return curveBottom - v/yMax*(curveBottom-curveTop) }
	for n := 0.0; n <= yMax+step/2; n += step {
		p.YTicks = append(p.YTicks, tickView{Pos: px(y(n)), Label: fmtCount(n)})
	}
	side := func(eng bool) func(CurvePoint) (float64, bool) {
		return func(pt CurvePoint) (float64, bool) {
			f := pt.Baseline
			if eng {
				f = pt.Engine
			}
			return f.Throughput, f.Count > 0
		}
	}
	title := func(who string, eng bool) func(CurvePoint) string {
		return func(pt CurvePoint) string {
			f := pt.Baseline
			if eng {
				f = pt.Engine
			}
			s := fmt.Sprintf("%s at %s: %s/s", who, plural(pt.Connections, "connection"), fmtRate(f.Throughput))
			if eng && pt.Baseline.Throughput > 0 {
				s += ", " + ratioCell(pt) + " of the baseline"
			}
			return s
		}
	}
	p.Lines = append(p.Lines,
		line("base", pts, x, y, side(false), title("baseline", false)),
		line("eng", pts, x, y, side(true), title("engine", true)))
	for _, pt := range pts {
		if pt.Engine.Count > 0 && pt.Baseline.Throughput > 0 {
			p.Labels = append(p.Labels, curveLabel{X: px(x(pt.Connections)), Y: px(y(pt.Engine.Throughput) - 9), Text: ratioCell(pt) + "×"})
		}
	}
	return p
}

func latencyPanel(pts []CurvePoint, lats []float64, x func(int) float64) (curvePanel, bool) {
	p := newPanel("latency: p50 (solid) and p99 (dashed), log scale", "", curveL2, curveR2, pts, x)
	lo, hi := math.Inf(1), 0.0
	for _, v := range lats {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi == 0 {
		return p, false
	}
	lo, hi = lo/1.25, hi*1.25
	if hi/lo < 4 {
		mid := math.Sqrt(lo * hi)
		lo, hi = mid/2, mid*2
	}
	y := func(ms float64) float64 {
		ms = math.Min(math.Max(ms, lo), hi)
		return curveBottom - (math.Log(ms)-math.Log(lo))/(math.Log(hi)-math.Log(lo))*(curveBottom-curveTop)
	}
	for _, t := range logTicks(lo, hi) {
		p.YTicks = append(p.YTicks, tickView{Pos: px(y(t)), Label: fmtTick(t)})
	}
	for _, l := range []struct {
		class, who string
		eng, p99   bool
	}{{"base", "baseline", false, false}, {"base p99", "baseline", false, true}, {"eng", "engine", true, false}, {"eng p99", "engine", true, true}} {
		pick := func(pt CurvePoint) CurveFigures {
			if l.eng {
				return pt.Engine
			}
			return pt.Baseline
		}
		value := func(pt CurvePoint) (float64, bool) {
			f := pick(pt)
			v := f.Latency.P50
			if l.p99 {
				v = f.Latency.P99
			}
			return v, f.Count > 0 && v > 0
		}
		title := func(pt CurvePoint) string {
			f := pick(pt)
			return fmt.Sprintf("%s at %s: p50 %s, p99 %s, max %s", l.who, plural(pt.Connections, "connection"),
				fmtMs(f.Latency.P50), fmtMs(f.Latency.P99), fmtMs(f.Latency.Max))
		}
		p.Lines = append(p.Lines, line(l.class, pts, x, y, value, title))
	}
	return p, true
}
