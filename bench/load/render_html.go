package load

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

// WriteHTML writes r as one self-contained HTML page: a header, the
// verdict, the targets, and per scenario its figures and an SVG chart of
// its latency distribution (log-scale, with p50 and p99 marked) and, when
// it has a Ceiling, its throughput drawn against the ceiling's. The page
// has no scripts and loads nothing: CSS and SVG are inline, fonts are the
// system's. Every string from r is escaped by html/template.
func WriteHTML(w io.Writer, r *Report) error {
	return reportTemplate.Execute(w, newHTMLView(r))
}

type htmlView struct {
	Title       string
	When        string
	Kind        string
	Duration    string
	Machine     string
	Engine      string
	Command     string
	Interrupted string
	Provisioned string
	Verdict     verdictView
	Targets     []targetView
	Scenarios   []scenarioView
}

type verdictView struct {
	Class    string // pass, fail, none
	Headline string
	Missed   []string
	Detail   string
}

type targetView struct {
	Name, Source, Want, Got, Result, Class, Note string
	Scenario, Anchor                             string
}

type scenarioView struct {
	Anchor, Name, Description, Mode, Skipped string
	Load, Time, Note                         string
	Service                                  []statView
	Ops                                      []opView
	Stats                                    []statView
	Errors                                   string
	Chart                                    *chartView
	Ceiling                                  *ceilingView
	Curve                                    *curveView
	Targets                                  []targetView
}

type statView struct{ Label, Value, Class string }

type opView struct {
	Name, Count, Errors, Throughput, P50, P95, P99, Max, ErrorCodes string
}

// Chart geometry, in SVG user units; the SVG scales to the page width.
const (
	chartW      = 760
	chartH      = 250
	chartLeft   = 56
	chartRight  = 16
	chartTop    = 38
	chartBottom = 40
)

type chartView struct {
	W, H                      int
	Left, Right, Top, Bottom  string
	Bars                      []barView
	XTicks, YTicks            []tickView
	Markers                   []markerView
	XTitleX, XTitleY, YTitleY string
	Label                     string
}

type barView struct {
	X, Y, W, H, Title string
	Tail              bool
}

type tickView struct{ Pos, Label string }

type markerView struct {
	X, Y1, TextX, TextY, Anchor, Label, Class string
}

type ceilingView struct {
	Name, Anchor, Caption string
	W                     int
	BarW, CeilW           string
	Over                  bool
}

func newHTMLView(r *Report) htmlView {
	v := htmlView{
		Title:    "ParinayaOS load test · " + when(r),
		When:     when(r),
		Kind:     runKind(r),
		Duration: fmtSeconds(r.Seconds),
		Machine:  machine(r.Machine),
		Engine:   orDash(r.Engine),
		Command:  r.Command,
	}
	if r.Interrupted {
		v.Interrupted = interruptedText
	}
	if len(r.Provisioned) > 0 {
		v.Provisioned = provisioned(r.Provisioned)
	}
	vd := judgeVerdict(r)
	v.Verdict = verdictView{Class: "none", Headline: vd.headline(), Missed: vd.missedNames, Detail: vd.notJudged()}
	switch {
	case vd.missed > 0:
		v.Verdict.Class = "fail"
	case vd.judged > 0:
		v.Verdict.Class = "pass"
	}
	anchors := map[string]string{}
	for i, s := range r.Scenarios {
		anchors[s.Name] = "scenario-" + strconv.Itoa(i+1)
	}
	byScenario := map[string][]targetView{}
	for _, t := range r.Targets {
		tv := targetView{
			Name: t.Name, Source: orDash(t.Source), Want: want(t), Got: got(r, t),
			Scenario: t.Scenario, Anchor: anchors[t.Scenario], Note: t.Note,
		}
		switch {
		case !t.Judged:
			tv.Class, tv.Result, tv.Note = "none", "not judged", notJudgedReason(r, t)
		case t.Passed:
			tv.Class, tv.Result = "pass", "PASS"
		default:
			tv.Class, tv.Result = "fail", "FAIL"
		}
		v.Targets = append(v.Targets, tv)
		byScenario[t.Scenario] = append(byScenario[t.Scenario], tv)
	}
	for _, s := range r.Scenarios {
		sv := scenarioView{
			Anchor: anchors[s.Name], Name: s.Name, Description: s.Description,
			Mode: modeName(s.Mode), Skipped: s.Skipped, Targets: byScenario[s.Name], Note: s.Note,
		}
		if s.Skipped == "" && s.Curve != nil {
			sv.Load, sv.Time = load(s), fmtSeconds(s.Seconds)
			sv.Stats = curveStats(s)
			sv.Errors = errorCodes(s.ErrorsByCode, "", "")
			sv.Curve = newCurveView(s)
		} else if s.Skipped == "" {
			sv.Load, sv.Time = load(s), fmtSeconds(s.Seconds)
			sv.Stats = scenarioStats(s)
			if s.Service != nil && s.Count > 0 {
				l := *s.Service
				sv.Service = []statView{{Label: "p50", Value: fmtMs(l.P50)}, {Label: "p95", Value: fmtMs(l.P95)},
					{Label: "p99", Value: fmtMs(l.P99)}, {Label: "max", Value: fmtMs(l.Max)}}
			}
			for _, o := range s.Ops {
				lat := latencyCells(o.Latency, o.Count > 0)
				sv.Ops = append(sv.Ops, opView{Name: o.Name, Count: fmtInt(o.Count), Errors: fmtInt(o.Errors),
					Throughput: fmtRate(opThroughput(s, o)) + "/s", P50: lat[0], P95: lat[1], P99: lat[2], Max: lat[3],
					ErrorCodes: errorCodes(o.ErrorsByCode, "", "")})
			}
			sv.Errors = errorCodes(s.ErrorsByCode, "", "")
			sv.Chart = newChart(s)
			sv.Ceiling = newCeiling(r, s, anchors)
		}
		v.Scenarios = append(v.Scenarios, sv)
	}
	return v
}

func modeName(m string) string {
	switch m {
	case "closed":
		return "closed loop"
	case "open":
		return "open loop"
	}
	return m
}

func scenarioStats(s ScenarioResult) []statView {
	errClass := ""
	if s.Errors > 0 {
		errClass = "bad"
	}
	st := []statView{
		{Label: "ok", Value: fmtInt(s.Count)},
		{Label: "errors", Value: fmtInt(s.Errors), Class: errClass},
		{Label: "throughput", Value: fmtRate(s.Throughput) + "/s", Class: "key"},
	}
	if s.Count == 0 {
		return st
	}
	l := s.Latency
	return append(st,
		statView{Label: "p50", Value: fmtMs(l.P50), Class: "key"},
		statView{Label: "p95", Value: fmtMs(l.P95)},
		statView{Label: "p99", Value: fmtMs(l.P99), Class: "key"},
		statView{Label: "p99.9", Value: fmtMs(l.P999)},
		statView{Label: "max", Value: fmtMs(l.Max)},
		statView{Label: "mean", Value: fmtMs(l.Mean)},
	)
}

// curveStats are a curve's totals: the engine side's operations over all
// points, and the points.
func curveStats(s ScenarioResult) []statView {
	errClass := ""
	if s.Errors > 0 {
		errClass = "bad"
	}
	return []statView{
		{Label: "ok", Value: fmtInt(s.Count)},
		{Label: "errors", Value: fmtInt(s.Errors), Class: errClass},
		{Label: "points", Value: strconv.Itoa(len(s.Curve.Points)), Class: "key"},
		{Label: "per side", Value: fmtSeconds(s.Curve.PointSeconds)},
	}
}

func px(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// newChart lays out the latency histogram: bars on a log-scale x axis in
// milliseconds, a linear y axis of operations, p50 and p99 marked.
func newChart(s ScenarioResult) *chartView {
	var total, top int64
	for _, b := range s.Histogram {
		total += b.Count
		top = max(top, b.Count)
	}
	if total == 0 {
		return nil
	}
	lo, hi := s.Histogram[0].FromMs, s.Histogram[len(s.Histogram)-1].UpToMs
	if !(hi > 0) || math.IsInf(hi, 0) { // all zero, or nonsense: a nominal domain
		lo, hi = 0.001, 0.001
	}
	if !(lo > 0) || lo > hi {
		lo = math.Min(0.001, hi/10)
	}
	// A narrow distribution is centred in a domain at least 4× wide, so
	// that one tall bar does not read as "everything everywhere".
	if hi/lo < 4 {
		mid := math.Sqrt(lo * hi)
		lo, hi = mid/2, mid*2
	}
	plotL, plotR := float64(chartLeft), float64(chartW-chartRight)
	plotT, plotB := float64(chartTop), float64(chartH-chartBottom)
	x := func(ms float64) float64 {
		ms = math.Min(math.Max(ms, lo), hi)
		return plotL + (math.Log(ms)-math.Log(lo))/(math.Log(hi)-math.Log(lo))*(plotR-plotL)
	}
	step := niceStep(float64(top) / 4)
	yMax := math.Ceil(float64(top)/step) * step
	y := func(n float64) float64 { return plotB - n/yMax*(plotB-plotT) }

	c := &chartView{
		W: chartW, H: chartH,
		Left: px(plotL), Right: px(plotR), Top: px(plotT), Bottom: px(plotB),
		XTitleX: px((plotL + plotR) / 2), XTitleY: px(float64(chartH) - 4),
		YTitleY: px((plotT + plotB) / 2),
		Label:   fmt.Sprintf("Latency distribution of %s: %s operations, p50 %s, p99 %s", s.Name, fmtInt(total), fmtMs(s.Latency.P50), fmtMs(s.Latency.P99)),
	}
	for _, b := range s.Histogram {
		if b.Count == 0 {
			continue
		}
		x0, x1 := x(b.FromMs), x(b.UpToMs)
		w := math.Max(x1-x0-1, 1.5)
		h := math.Max(plotB-y(float64(b.Count)), 1.5)
		c.Bars = append(c.Bars, barView{
			X: px(x0 + 0.5), Y: px(plotB - h), W: px(w), H: px(h),
			Title: fmt.Sprintf("%s – %s: %s (%s%%)", fmtMs(b.FromMs), fmtMs(b.UpToMs), plural(int(b.Count), "operation"), fmtPlain(100*float64(b.Count)/float64(total), 2)),
			Tail:  b.FromMs >= s.Latency.P99,
		})
	}
	for _, t := range logTicks(lo, hi) {
		c.XTicks = append(c.XTicks, tickView{Pos: px(x(t)), Label: fmtTick(t)})
	}
	for n := 0.0; n <= yMax+step/2; n += step {
		c.YTicks = append(c.YTicks, tickView{Pos: px(y(n)), Label: fmtCount(n)})
	}
	for i, m := range []struct {
		name  string
		ms    float64
		class string
	}{{"p50", s.Latency.P50, "p50"}, {"p99", s.Latency.P99, "p99"}} {
		mx := x(m.ms)
		ty := 13.0 + 14*float64(i)
		mk := markerView{X: px(mx), Y1: px(ty + 4), TextY: px(ty), Label: m.name + " " + fmtMs(m.ms), Class: m.class, Anchor: "start", TextX: px(mx + 4)}
		if mx > plotR-110 {
			mk.Anchor, mk.TextX = "end", px(mx-4)
		}
		c.Markers = append(c.Markers, mk)
	}
	return c
}

// logTicks picks x-axis ticks for [lo, hi] ms: powers of ten, or 1-2-5
// steps, or every digit, whichever gives at least three.
func logTicks(lo, hi float64) []float64 {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	for _, mant := range [][]float64{{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		var ts []float64
		for e := math.Floor(math.Log10(lo)) - 1; e <= math.Ceil(math.Log10(hi)); e++ {
			for _, m := range mant {
				t := m * math.Pow(10, e)
				if t >= lo*0.9999 && t <= hi*1.0001 {
					ts = append(ts, t)
				}
			}
		}
		if len(ts) >= 3 {
			if len(ts) > 12 {
				// Keep every other decade so labels do not collide.
				var thin []float64
				for i := range ts {
					if i%2 == 0 {
						thin = append(thin, ts[i])
					}
				}
				ts = thin
			}
			return ts
		}
	}
	return []float64{lo, math.Sqrt(lo * hi), hi}
}

// niceStep rounds v up to 1, 2 or 5 times a power of ten (at least 1).
func niceStep(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func fmtTick(ms float64) string {
	if ms >= 1000 {
		return fmtPlain(ms/1000, 3) + " s"
	}
	if ms < 0.001 {
		return fmtPlain(ms*1e6, 0) + " ns"
	}
	return fmtPlain(ms, 3) + " ms"
}

func fmtCount(n float64) string {
	switch {
	case n >= 1e6:
		return fmtPlain(n/1e6, 1) + "M"
	case n >= 1e4:
		return fmtPlain(n/1e3, 1) + "k"
	}
	return fmtInt(int64(n))
}

// newCeiling draws s's throughput against its ceiling's, if both ran.
func newCeiling(r *Report, s ScenarioResult, anchors map[string]string) *ceilingView {
	c := findScenario(r, s.Ceiling)
	if c == nil || c.Skipped != "" || c.Throughput <= 0 || c.Name == s.Name {
		return nil
	}
	full := math.Max(c.Throughput, s.Throughput)
	const w = chartW - chartLeft - chartRight
	ratio := s.Throughput / c.Throughput
	return &ceilingView{
		Name: c.Name, Anchor: anchors[c.Name], W: chartW,
		BarW:  px(math.Max(w*s.Throughput/full, 1)),
		CeilW: px(w * c.Throughput / full),
		Over:  s.Throughput > c.Throughput,
		Caption: fmt.Sprintf("%s/s is %s%% of the ceiling's %s/s (ratio %s)",
			fmtRate(s.Throughput), fmtPlain(100*ratio, 1), fmtRate(c.Throughput), fmtPlain(ratio, 2)),
	}
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
}).Parse(reportHTML))

// NB: the page must stay self-contained: no <script>, no src= or href= to
// anything but an anchor on the page, no web fonts.
const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --card: #ffffff;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --none: #59636e; --none-bg: #eff2f5; --bar: #4c8bd6; --tail: #e08a3c;
  --p50: #6639ba; --p99: #bc4c00; --base: #8c959f;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 36px 0 12px; }
h3 { font-size: 17px; margin: 0; }
.meta { color: var(--muted); margin: 0; }
.meta b { color: var(--fg); font-weight: 600; }
.kind { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  text-transform: uppercase; letter-spacing: 0.04em; vertical-align: 4px; margin-left: 8px;
  background: var(--none-bg); color: var(--none); border: 1px solid var(--line); }
.verdict { margin: 22px 0 0; padding: 16px 20px; border-radius: 10px; border: 1px solid;
  font-size: 20px; font-weight: 650; }
.verdict small { display: block; font-size: 14px; font-weight: 400; margin-top: 2px; }
.verdict.pass { background: var(--pass-bg); color: var(--pass); border-color: #aceebb; }
.verdict.fail { background: var(--fail-bg); color: var(--fail); border-color: #ffcecb; }
.verdict.none { background: var(--none-bg); color: var(--none); border-color: var(--line); }
.verdict.warn { background: #fff8c5; color: #7d4e00; border-color: #eac54f; }
.verdict .mark { margin-right: 8px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line);
  border-radius: 8px; overflow: hidden; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); font-weight: 600; }
tr:last-child td { border-bottom: 0; }
td.num, td.nw { white-space: nowrap; }
td.num { text-align: right; }
th.num { text-align: right; }
tr.pass td:first-child { box-shadow: inset 4px 0 var(--pass); }
tr.fail td:first-child { box-shadow: inset 4px 0 var(--fail); }
tr.none td:first-child { box-shadow: inset 4px 0 var(--line); }
tr.fail { background: #fff8f7; }
tr.none td { color: var(--muted); }
.pill { display: inline-block; min-width: 52px; text-align: center; padding: 1px 8px; border-radius: 999px;
  font-size: 12px; font-weight: 700; letter-spacing: 0.03em; }
.pill.pass { background: var(--pass-bg); color: var(--pass); }
.pill.fail { background: var(--fail); color: #fff; }
.pill.none { background: var(--none-bg); color: var(--none); font-weight: 600; }
.why { display: block; font-size: 12px; color: var(--muted); margin-top: 2px; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px 14px; margin: 0 0 18px; }
.card.skipped { background: transparent; border-style: dashed; padding: 12px 20px; }
.card header { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.load { font-size: 13px; color: var(--muted); }
.mode { font-size: 12px; color: var(--muted); border: 1px solid var(--line); border-radius: 999px; padding: 0 8px; }
.desc { color: var(--muted); margin: 2px 0 12px; }
.skip { color: var(--muted); margin: 4px 0 0; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)); gap: 6px; margin: 0 0 10px; }
.stat { background: var(--bg); border-radius: 6px; padding: 5px 9px; }
.stat span { display: block; font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.stat b { font-size: 15px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
.stat.key b { color: #0550ae; }
.stat.bad b { color: var(--fail); }
.errors { font-size: 13px; color: var(--fail); margin: 0 0 8px; }
.service, .note { font-size: 13px; color: var(--muted); margin: 0 0 8px; }
.service span { margin-left: 10px; white-space: nowrap; }
.service b { color: var(--fg); font-weight: 600; }
.note::before { content: "Note: "; font-weight: 600; }
.mini.ops { margin-bottom: 4px; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; fill: var(--muted); }
svg .grid { stroke: #eaeef2; }
svg .axis { stroke: #afb8c1; }
svg .bar { fill: var(--bar); }
svg .bar.tail { fill: var(--tail); }
svg .bar:hover { opacity: 0.75; }
svg line.p50 { stroke: var(--p50); }
svg line.p99 { stroke: var(--p99); }
svg text.p50 { fill: var(--p50); font-weight: 600; }
svg text.p99 { fill: var(--p99); font-weight: 600; }
svg .ceil { fill: #eaeef2; stroke: #afb8c1; }
svg polyline.eng, svg polyline.base { fill: none; stroke-width: 2; }
svg polyline.eng { stroke: var(--bar); }
svg polyline.base { stroke: var(--base); }
svg polyline.p99 { stroke-dasharray: 6 4; stroke-width: 1.6; }
svg circle.eng { fill: var(--bar); }
svg circle.base { fill: var(--base); }
svg circle:hover { stroke: var(--fg); stroke-width: 2; }
svg text.ptitle { fill: var(--fg); font-weight: 600; }
svg text.ratio { fill: #0550ae; font-size: 10px; }
.curve-head { font-size: 13px; color: var(--muted); margin: 0 0 6px; }
svg .tput { fill: var(--bar); }
svg .tput.over { fill: var(--pass); }
.ceiling { margin: 6px 0 4px; }
.ceiling p { margin: 0; font-size: 13px; color: var(--muted); }
.mini { margin-top: 8px; font-size: 14px; }
.mini td, .mini th { padding: 4px 10px; }
footer { color: var(--muted); font-size: 13px; margin-top: 36px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
@media print { body { background: #fff; } .card { break-inside: avoid; } }
</style>
</head>
<body>
<main>
<h1>ParinayaOS load test <span class="kind">{{.Kind}} run</span></h1>
<p class="meta"><b>{{.When}}</b> · {{.Duration}} · engine <b>{{.Engine}}</b></p>
<p class="meta">{{.Machine}}</p>
{{with .Provisioned}}<p class="meta">provisioned: {{.}}</p>{{end}}
{{with .Command}}<p class="meta">command: <code>{{.}}</code></p>{{end}}
{{with .Interrupted}}<div class="verdict warn" role="alert">Interrupted<small>{{.}}</small></div>{{end}}

<div class="verdict {{.Verdict.Class}}" role="status">
{{- if eq .Verdict.Class "pass"}}<span class="mark">✓</span>{{else if eq .Verdict.Class "fail"}}<span class="mark">✗</span>{{end}}{{.Verdict.Headline}}
{{- with .Verdict.Missed}}<small>missed: {{join . "; "}}</small>{{end}}
{{- with .Verdict.Detail}}<small>{{.}}</small>{{end}}
</div>

<h2>Targets</h2>
{{if .Targets}}
<div class="scroll"><table>
<thead><tr><th>Target</th><th>Source</th><th>Scenario</th><th class="num">Want</th><th class="num">Got</th><th>Result</th></tr></thead>
<tbody>
{{range .Targets}}<tr class="{{.Class}}"><td>{{.Name}}</td><td class="nw">{{.Source}}</td><td class="nw">{{if .Anchor}}<a href="#{{.Anchor}}">{{.Scenario}}</a>{{else}}{{.Scenario}}{{end}}</td><td class="num">{{.Want}}</td><td class="num">{{.Got}}</td><td><span class="pill {{.Class}}">{{.Result}}</span>{{with .Note}}<span class="why">{{.}}</span>{{end}}</td></tr>
{{end}}</tbody>
</table></div>
{{else}}<p class="meta">No targets.</p>{{end}}

<h2>Scenarios</h2>
{{if not .Scenarios}}<p class="meta">No scenarios ran.</p>{{end}}
{{range .Scenarios}}
{{if .Skipped}}<section class="card skipped" id="{{.Anchor}}">
<header><h3>{{.Name}}</h3>{{with .Mode}}<span class="mode">{{.}}</span>{{end}}</header>
<p class="skip">Skipped: {{.Skipped}}</p>
</section>
{{else}}<section class="card" id="{{.Anchor}}">
<header><h3>{{.Name}}</h3>{{with .Mode}}<span class="mode">{{.}}</span>{{end}}<span class="load">{{.Load}} · {{.Time}}</span></header>
{{with .Description}}<p class="desc">{{.}}</p>{{end}}
<div class="stats">{{range .Stats}}<div class="stat {{.Class}}"><span>{{.Label}}</span><b>{{.Value}}</b></div>{{end}}</div>
{{with .Errors}}<p class="errors">errors by code: {{.}}</p>{{end}}
{{with .Service}}<p class="service">service time (from the actual send, without waiting for a free worker):{{range .}} <span>{{.Label}} <b>{{.Value}}</b></span>{{end}}</p>{{end}}
{{with .Note}}<p class="note">{{.}}</p>{{end}}
{{with .Chart}}{{$c := .}}<figure style="margin:0">
<svg viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Label}}">
<title>{{.Label}}</title>
{{- range .YTicks}}
<line class="grid" x1="{{$c.Left}}" x2="{{$c.Right}}" y1="{{.Pos}}" y2="{{.Pos}}"/><text x="{{$c.Left}}" dx="-6" y="{{.Pos}}" dy="4" text-anchor="end">{{.Label}}</text>
{{- end}}
{{- range .XTicks}}
<line class="grid" x1="{{.Pos}}" x2="{{.Pos}}" y1="{{$c.Top}}" y2="{{$c.Bottom}}"/><text x="{{.Pos}}" y="{{$c.Bottom}}" dy="16" text-anchor="middle">{{.Label}}</text>
{{- end}}
{{- range .Bars}}
<rect class="bar{{if .Tail}} tail{{end}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>
{{- end}}
<line class="axis" x1="{{.Left}}" x2="{{.Right}}" y1="{{.Bottom}}" y2="{{.Bottom}}"/>
{{- range .Markers}}
<line class="{{.Class}}" x1="{{.X}}" x2="{{.X}}" y1="{{.Y1}}" y2="{{$c.Bottom}}" stroke-width="1.5" stroke-dasharray="4 3"/><text class="{{.Class}}" x="{{.TextX}}" y="{{.TextY}}" text-anchor="{{.Anchor}}">{{.Label}}</text>
{{- end}}
<text x="{{.XTitleX}}" y="{{.XTitleY}}" text-anchor="middle">latency (log scale)</text>
<text transform="translate(12 {{.YTitleY}}) rotate(-90)" text-anchor="middle">operations</text>
</svg>
</figure>{{end}}
{{with .Curve}}<p class="curve-head">{{.Heading}}{{with .Engine}} Engine: {{.}}.{{end}}{{with .Baseline}} Baseline: {{.}}.{{end}}</p>
{{with .Chart}}<figure style="margin:0">
<svg viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Label}}">
<title>{{.Label}}</title>
{{- range .Keys}}
{{if .Line}}<polyline class="{{.Class}}" points="{{.Line}}"/>{{end}}<text x="{{.TextX}}" y="14">{{.Label}}</text>
{{- end}}
{{- range .Panels}}{{$p := .}}
<text class="ptitle" x="{{.TitleX}}" y="{{.TopY}}">{{.Title}}</text>
{{- range .YTicks}}
<line class="grid" x1="{{$p.Left}}" x2="{{$p.Right}}" y1="{{.Pos}}" y2="{{.Pos}}"/><text x="{{$p.Left}}" dx="-6" y="{{.Pos}}" dy="4" text-anchor="end">{{.Label}}</text>
{{- end}}
{{- range .XTicks}}
<line class="grid" x1="{{.Pos}}" x2="{{.Pos}}" y1="{{$p.Top}}" y2="{{$p.Bottom}}"/><text x="{{.Pos}}" y="{{$p.Bottom}}" dy="16" text-anchor="middle">{{.Label}}</text>
{{- end}}
<line class="axis" x1="{{.Left}}" x2="{{.Right}}" y1="{{.Bottom}}" y2="{{.Bottom}}"/>
{{- range .Lines}}{{$l := .}}
<polyline class="{{.Class}}" points="{{.Points}}"/>
{{- range .Dots}}<circle class="{{$l.Class}}" cx="{{.X}}" cy="{{.Y}}" r="3.5"><title>{{.Title}}</title></circle>{{end}}
{{- end}}
{{- range .Labels}}
<text class="ratio" x="{{.X}}" y="{{.Y}}" text-anchor="middle">{{.Text}}</text>
{{- end}}
<text x="{{.XTitleX}}" y="{{.XTitleY}}" text-anchor="middle">connections (log scale)</text>
{{with .YTitle}}<text transform="translate({{$p.YTitleX}} {{$p.YTitleY}}) rotate(-90)" text-anchor="middle">{{.}}</text>{{end}}
{{- end}}
</svg>
</figure>{{end}}
<div class="scroll"><table class="mini curve">
<thead><tr><th class="num">Conns</th><th class="num">Engine</th><th class="num">p50</th><th class="num">p99</th><th class="num">Max</th><th class="num">Baseline</th><th class="num">p50</th><th class="num">p99</th><th class="num">Max</th><th class="num">Ratio</th></tr></thead>
<tbody>{{range .Rows}}<tr><td class="num">{{.Conns}}{{with .Errors}}<span class="why">{{.}}</span>{{end}}</td><td class="num">{{.Engine}}</td><td class="num">{{.EP50}}</td><td class="num">{{.EP99}}</td><td class="num">{{.EMax}}</td><td class="num">{{.Baseline}}</td><td class="num">{{.BP50}}</td><td class="num">{{.BP99}}</td><td class="num">{{.BMax}}</td><td class="num">{{.Ratio}}</td></tr>{{end}}</tbody>
</table></div>
{{with .Note}}<p class="note">{{.}}</p>{{end}}
{{end}}
{{with .Ceiling}}<div class="ceiling">
<svg viewBox="0 0 {{.W}} 30" role="img" aria-label="throughput against the ceiling {{.Name}}">
<text x="52" y="19" text-anchor="end">ceiling</text>
<rect class="ceil" x="56" y="4" width="{{.CeilW}}" height="22" rx="3"/>
<rect class="tput{{if .Over}} over{{end}}" x="56" y="8" width="{{.BarW}}" height="14" rx="2"/>
</svg>
<p>Throughput against the ceiling <a href="#{{.Anchor}}">{{.Name}}</a> measured in the same run: {{.Caption}}.</p>
</div>{{end}}
{{with .Ops}}<div class="scroll"><table class="mini ops">
<thead><tr><th>Operation</th><th class="num">OK</th><th class="num">Errors</th><th class="num">Throughput</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">Max</th></tr></thead>
<tbody>{{range .}}<tr><td>{{.Name}}{{with .ErrorCodes}}<span class="why">{{.}}</span>{{end}}</td><td class="num">{{.Count}}</td><td class="num">{{.Errors}}</td><td class="num">{{.Throughput}}</td><td class="num">{{.P50}}</td><td class="num">{{.P95}}</td><td class="num">{{.P99}}</td><td class="num">{{.Max}}</td></tr>{{end}}</tbody>
</table></div>{{end}}
{{with .Targets}}<table class="mini">
<thead><tr><th>Target</th><th class="num">Want</th><th class="num">Got</th><th>Result</th></tr></thead>
<tbody>{{range .}}<tr class="{{.Class}}"><td>{{.Name}}</td><td class="num">{{.Want}}</td><td class="num">{{.Got}}</td><td><span class="pill {{.Class}}">{{.Result}}</span></td></tr>{{end}}</tbody>
</table>{{end}}
</section>
{{end}}
{{end}}

<footer>
<p>Latencies are from HDR histograms (3 significant digits), counted from when each request was meant to start in open-loop scenarios, so a slow answer is not hidden. Orange bars lie beyond p99. The same figures are in <code>report.json</code>.</p>
</footer>
</main>
</body>
</html>
`
