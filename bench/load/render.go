package load

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable writes r as plain text for a terminal: a header, one row per
// scenario (mode, load, count, errors by code, throughput, percentiles),
// the targets with PASS / FAIL / "not judged (reason)", and the verdict.
// Columns are aligned with spaces; PASS and FAIL are coloured only when w is
// a terminal and NO_COLOR is unset.
func WriteTable(w io.Writer, r *Report) error {
	color := isTerminal(w) && os.Getenv("NO_COLOR") == ""
	p := &errWriter{w: w}

	p.printf("ParinayaOS load test · %s · %s run · %s\n", when(r), runKind(r), fmtSeconds(r.Seconds))
	p.printf("machine: %s · engine: %s\n", machine(r.Machine), orDash(r.Engine))
	if r.Command != "" {
		p.printf("command: %s\n", r.Command)
	}
	if len(r.Provisioned) > 0 {
		p.printf("provisioned: %s\n", provisioned(r.Provisioned))
	}
	if r.Interrupted {
		p.printf("INTERRUPTED: %s\n", interruptedText)
	}

	p.printf("\n")
	if len(r.Scenarios) == 0 {
		p.printf("no scenarios ran\n")
	} else {
		tw := tabwriter.NewWriter(&trimWriter{w: p}, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "SCENARIO\tMODE\tLOAD\tTIME\tOK\tERRORS\tTHROUGHPUT\tP50\tP95\tP99\tMAX\t\n")
		var notes []string
		for _, s := range r.Scenarios {
			if s.Skipped != "" {
				fmt.Fprintf(tw, "%s\tskipped: %s\n", s.Name, s.Skipped)
				continue
			}
			if s.Curve != nil {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\tsee below\t—\t—\t—\t—\t%s\n",
					s.Name, orDash(s.Mode), load(s), fmtSeconds(s.Seconds), fmtInt(s.Count), fmtInt(s.Errors),
					errorCodes(s.ErrorsByCode, "(", ")"))
				if s.Note != "" {
					notes = append(notes, s.Name+": "+s.Note)
				}
				continue
			}
			lat := latencyCells(s.Latency, s.Count > 0)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s/s\t%s\t%s\t%s\t%s\t%s\n",
				s.Name, orDash(s.Mode), load(s), fmtSeconds(s.Seconds), fmtInt(s.Count), fmtInt(s.Errors),
				fmtRate(s.Throughput), lat[0], lat[1], lat[2], lat[3], errorCodes(s.ErrorsByCode, "(", ")"))
			if s.Service != nil && s.Count > 0 {
				lat := latencyCells(*s.Service, true)
				fmt.Fprintf(tw, "  service time\t\t\t\t\t\t\t%s\t%s\t%s\t%s\t\n", lat[0], lat[1], lat[2], lat[3])
			}
			for _, o := range s.Ops {
				lat := latencyCells(o.Latency, o.Count > 0)
				fmt.Fprintf(tw, "  %s\t\t\t\t%s\t%s\t%s/s\t%s\t%s\t%s\t%s\t%s\n",
					o.Name, fmtInt(o.Count), fmtInt(o.Errors), fmtRate(opThroughput(s, o)),
					lat[0], lat[1], lat[2], lat[3], errorCodes(o.ErrorsByCode, "(", ")"))
			}
			if s.Note != "" {
				notes = append(notes, s.Name+": "+s.Note)
			}
		}
		_ = tw.Flush()
		for _, n := range notes {
			p.printf("  note: %s\n", n)
		}
		for _, s := range r.Scenarios {
			if s.Curve != nil && s.Skipped == "" {
				p.printf("\n")
				writeCurve(p, s)
			}
		}
	}

	p.printf("\n")
	if len(r.Targets) == 0 {
		p.printf("no targets\n")
	} else {
		tw := tabwriter.NewWriter(&trimWriter{w: p}, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "TARGET\tSOURCE\tWANT\tGOT\tRESULT\n")
		for _, t := range r.Targets {
			res := result(r, t)
			if color {
				switch {
				case t.Judged && t.Passed:
					res = "\x1b[32m" + res + "\x1b[0m"
				case t.Judged:
					res = "\x1b[1;31m" + res + "\x1b[0m"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, orDash(t.Source), want(t), got(r, t), res)
		}
		_ = tw.Flush()
	}

	v := judgeVerdict(r)
	p.printf("\n%s\n", v.line())
	return p.err
}

// WriteJSON writes r as indented JSON, the format of report.json. JSON has
// no NaN or infinity: a figure that is not finite (a ratio over a zero
// ceiling) is written as 0; its target, if judged, has failed already.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(finiteReport(r))
}

// WriteFiles creates dir and writes report.json and report.html into it,
// each to a temporary file first and then renamed, so a reader never sees
// half a report.
func WriteFiles(dir string, r *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("load: report directory: %w", err)
	}
	if err := writeFile(dir, "report.json", func(w io.Writer) error { return WriteJSON(w, r) }); err != nil {
		return err
	}
	return writeFile(dir, "report.html", func(w io.Writer) error { return WriteHTML(w, r) })
}

func writeFile(dir, name string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("load: write %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("load: write %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("load: write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("load: write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("load: write %s: %w", name, err)
	}
	return nil
}

const interruptedText = "the run was stopped before its end; the scenario that was running has partial figures"

// writeCurve writes a load curve: a heading, then a row per point with
// the engine's throughput, p50, p99 and max beside the baseline's, their
// ratio, and the errors of either side.
func writeCurve(p *errWriter, s ScenarioResult) {
	c := s.Curve
	p.printf("%s: load curve, closed loop%s\n", s.Name, curveTiming(c, ", "))
	if c.Engine != "" {
		p.printf("  engine:   %s\n", c.Engine)
	}
	if c.Baseline != "" {
		p.printf("  baseline: %s\n", c.Baseline)
	}
	if len(c.Points) == 0 {
		p.printf("  no point measured\n")
	} else {
		tw := tabwriter.NewWriter(&trimWriter{w: p}, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "  CONNS\tENGINE\tP50\tP99\tMAX\tBASELINE\tP50\tP99\tMAX\tRATIO\t\n")
		for _, pt := range c.Points {
			e, b := pt.Engine, pt.Baseline
			el, bl := latencyCells(e.Latency, e.Count > 0), latencyCells(b.Latency, b.Count > 0)
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pt.Connections,
				curveRate(e), el[0], el[2], el[3], curveRate(b), bl[0], bl[2], bl[3], ratioCell(pt), curveErrors(pt))
		}
		_ = tw.Flush()
	}
	if c.Note != "" {
		p.printf("  note: %s\n", c.Note)
	}
}

// curveTiming says how long each side of a point was measured, after
// prefix; nothing when the curve does not say.
func curveTiming(c *Curve, prefix string) string {
	if c.PointSeconds <= 0 {
		return ""
	}
	s := prefix + "each side " + fmtSeconds(c.PointSeconds)
	if c.WarmupSeconds > 0 {
		s += " after a " + fmtSeconds(c.WarmupSeconds) + " warm-up"
	}
	return s
}

// curveRate is a side's throughput, or a dash when it did not run.
func curveRate(f CurveFigures) string {
	if f.Count == 0 && f.Errors == 0 {
		return "—"
	}
	return fmtRate(f.Throughput) + "/s"
}

func ratioCell(pt CurvePoint) string {
	if pt.Baseline.Throughput <= 0 {
		return "—"
	}
	return strconv.FormatFloat(pt.Ratio, 'f', 2, 64)
}

// curveErrors says a point's errors, of either side, by code.
func curveErrors(pt CurvePoint) string {
	var parts []string
	if pt.Engine.Errors > 0 {
		parts = append(parts, "engine errors "+fmtInt(pt.Engine.Errors)+errorCodes(pt.Engine.ErrorsByCode, " (", ")"))
	}
	if pt.Baseline.Errors > 0 {
		parts = append(parts, "baseline errors "+fmtInt(pt.Baseline.Errors)+errorCodes(pt.Baseline.ErrorsByCode, " (", ")"))
	}
	return strings.Join(parts, "; ")
}

// latencyCells are p50, p95, p99 and max, or dashes when nothing was measured.
func latencyCells(l LatencySummary, measured bool) []string {
	if !measured {
		return []string{"—", "—", "—", "—"}
	}
	return []string{fmtMs(l.P50), fmtMs(l.P95), fmtMs(l.P99), fmtMs(l.Max)}
}

// opThroughput is an operation's share of its scenario's throughput.
func opThroughput(s ScenarioResult, o OpResult) float64 {
	if s.Seconds <= 0 {
		return 0
	}
	return float64(o.Count) / s.Seconds
}

// finiteReport is a copy of r whose non-finite figures are 0.
func finiteReport(r *Report) *Report {
	c := *r
	c.Seconds = finite(c.Seconds)
	c.Scenarios = make([]ScenarioResult, len(r.Scenarios))
	for i, s := range r.Scenarios {
		s.Rate, s.Seconds, s.Throughput = finite(s.Rate), finite(s.Seconds), finite(s.Throughput)
		s.Latency = finiteLatency(s.Latency)
		if s.Service != nil {
			l := finiteLatency(*s.Service)
			s.Service = &l
		}
		if s.Ops != nil {
			ops := make([]OpResult, len(s.Ops))
			for j, o := range s.Ops {
				o.Latency = finiteLatency(o.Latency)
				ops[j] = o
			}
			s.Ops = ops
		}
		if s.Histogram != nil {
			h := make([]Bucket, len(s.Histogram))
			for j, b := range s.Histogram {
				h[j] = Bucket{FromMs: finite(b.FromMs), UpToMs: finite(b.UpToMs), Count: b.Count}
			}
			s.Histogram = h
		}
		if s.Curve != nil {
			cv := *s.Curve
			cv.PointSeconds, cv.WarmupSeconds = finite(cv.PointSeconds), finite(cv.WarmupSeconds)
			if cv.Points != nil {
				cv.Points = make([]CurvePoint, len(s.Curve.Points))
				for j, pt := range s.Curve.Points {
					pt.Engine, pt.Baseline, pt.Ratio = finiteFigures(pt.Engine), finiteFigures(pt.Baseline), finite(pt.Ratio)
					cv.Points[j] = pt
				}
			}
			s.Curve = &cv
		}
		c.Scenarios[i] = s
	}
	if r.Scenarios == nil {
		c.Scenarios = nil
	}
	if r.Targets != nil {
		c.Targets = make([]TargetResult, len(r.Targets))
		for i, t := range r.Targets {
			t.Want, t.Got = finite(t.Want), finite(t.Got)
			c.Targets[i] = t
		}
	}
	return &c
}

func finiteFigures(f CurveFigures) CurveFigures {
	f.Seconds, f.Throughput, f.Latency = finite(f.Seconds), finite(f.Throughput), finiteLatency(f.Latency)
	return f
}

func finiteLatency(l LatencySummary) LatencySummary {
	return LatencySummary{P50: finite(l.P50), P95: finite(l.P95), P99: finite(l.P99), P999: finite(l.P999), Max: finite(l.Max), Mean: finite(l.Mean)}
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

// trimWriter drops the spaces tabwriter pads a line's last empty cells
// with. It holds spaces back until it sees what follows them.
type trimWriter struct {
	w      io.Writer
	spaces int
}

func (t *trimWriter) Write(b []byte) (int, error) {
	var out []byte
	for _, c := range b {
		switch c {
		case ' ':
			t.spaces++
			continue
		case '\n':
			t.spaces = 0
		default:
			for ; t.spaces > 0; t.spaces-- {
				out = append(out, ' ')
			}
		}
		out = append(out, c)
	}
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// verdict is the one-line answer of a report.
type verdict struct {
	judged, missed, unjudged int
	missedNames              []string
	quick                    bool
}

func judgeVerdict(r *Report) verdict {
	v := verdict{quick: r.Quick}
	for _, t := range r.Targets {
		switch {
		case !t.Judged:
			v.unjudged++
		case !t.Passed:
			v.judged++
			v.missed++
			v.missedNames = append(v.missedNames, t.Name)
		default:
			v.judged++
		}
	}
	return v
}

// headline is the verdict without the names of missed targets.
func (v verdict) headline() string {
	switch {
	case v.judged == 0 && v.unjudged == 0:
		return "No targets"
	case v.judged == 0 && v.quick:
		return "Quick run: figures reported, not judged"
	case v.judged == 0:
		return "No target could be judged"
	case v.missed == 0 && v.judged == 1:
		return "The judged target was met"
	case v.missed == 0:
		return fmt.Sprintf("All %d judged targets met", v.judged)
	default:
		return fmt.Sprintf("%d of %d judged targets missed", v.missed, v.judged)
	}
}

func (v verdict) notJudged() string {
	if v.unjudged == 0 || v.judged == 0 {
		return ""
	}
	return fmt.Sprintf("%d not judged", v.unjudged)
}

func (v verdict) line() string {
	s := "verdict: " + v.headline()
	if v.missed > 0 {
		s += " (" + strings.Join(v.missedNames, "; ") + ")"
	}
	if nj := v.notJudged(); nj != "" {
		s += "; " + nj
	}
	return s
}

// result is a target's verdict as a word, with the reason when not judged.
func result(r *Report, t TargetResult) string {
	if !t.Judged {
		return "not judged (" + notJudgedReason(r, t) + ")"
	}
	res := "FAIL"
	if t.Passed {
		res = "PASS"
	}
	if t.Note != "" {
		res += " (" + t.Note + ")"
	}
	return res
}

func notJudgedReason(r *Report, t TargetResult) string {
	switch {
	case t.Note != "":
		return t.Note
	case skipReason(r, t.Scenario) != "":
		return "skipped: " + skipReason(r, t.Scenario)
	case r.Quick:
		return "quick run"
	}
	return "no reason given"
}

func skipReason(r *Report, scenario string) string {
	if s := findScenario(r, scenario); s != nil {
		return s.Skipped
	}
	return ""
}

func findScenario(r *Report, name string) *ScenarioResult {
	if name == "" {
		return nil
	}
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	return nil
}

func when(r *Report) string {
	if r.StartedAt.IsZero() {
		return "time unknown"
	}
	return r.StartedAt.Format("2006-01-02 15:04:05 MST")
}

func runKind(r *Report) string {
	if r.Quick {
		return "quick"
	}
	return "full"
}

func machine(m Machine) string {
	var parts []string
	if m.OS != "" || m.Arch != "" {
		parts = append(parts, m.OS+"/"+m.Arch)
	}
	if m.CPUs > 0 {
		parts = append(parts, plural(m.CPUs, "CPU"))
	}
	if m.GoVersion != "" {
		parts = append(parts, m.GoVersion)
	}
	s := strings.Join(parts, ", ")
	switch {
	case m.Hostname != "" && s != "":
		return m.Hostname + " (" + s + ")"
	case m.Hostname != "":
		return m.Hostname
	case s != "":
		return s
	}
	return "unknown"
}

func provisioned(ws []ProvisionedWedding) string {
	var t ProvisionedWedding
	for _, w := range ws {
		t.Units += w.Units
		t.People += w.People
		t.Events += w.Events
		t.Invitations += w.Invitations
		t.RSVPs += w.RSVPs
	}
	return strings.Join([]string{
		plural(len(ws), "wedding"), plural(t.Units, "unit"), plural(t.People, "person"),
		plural(t.Events, "event"), plural(t.Invitations, "invitation"), plural(t.RSVPs, "RSVP"),
	}, " · ")
}

func plural(n int, word string) string {
	if n != 1 {
		switch word {
		case "person":
			word = "people"
		default:
			word += "s"
		}
	}
	return fmtInt(int64(n)) + " " + word
}

// load is how hard a scenario pushed: its workers, or its asked-for rate,
// or a curve's connections.
func load(s ScenarioResult) string {
	switch {
	case s.Curve != nil:
		conns := make([]string, len(s.Curve.Points))
		for i, pt := range s.Curve.Points {
			conns[i] = strconv.Itoa(pt.Connections)
		}
		if len(conns) == 0 {
			return "curve"
		}
		return "curve: " + strings.Join(conns, ", ")
	case s.Rate > 0 && s.Workers > 0:
		return fmtRate(s.Rate) + "/s, " + plural(s.Workers, "worker")
	case s.Rate > 0:
		return fmtRate(s.Rate) + "/s"
	case s.Workers > 0:
		return plural(s.Workers, "worker")
	}
	return "—"
}

// errorCodes lists error counts by code, most frequent first.
func errorCodes(m map[string]int64, open, close string) string {
	if len(m) == 0 {
		return ""
	}
	type kv struct {
		k string
		v int64
	}
	var kvs []kv
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
	}
	// Small maps: insertion sort by count desc, then code.
	for i := 1; i < len(kvs); i++ {
		for j := i; j > 0 && (kvs[j].v > kvs[j-1].v || kvs[j].v == kvs[j-1].v && kvs[j].k < kvs[j-1].k); j-- {
			kvs[j], kvs[j-1] = kvs[j-1], kvs[j]
		}
	}
	parts := make([]string, len(kvs))
	for i, e := range kvs {
		parts[i] = e.k + ": " + fmtInt(e.v)
	}
	return open + strings.Join(parts, ", ") + close
}

var opSymbols = map[string]string{"<": "<", "<=": "≤", ">": ">", ">=": "≥"}

func opSymbol(op string) string {
	if s, ok := opSymbols[op]; ok {
		return s
	}
	return op
}

func want(t TargetResult) string { return opSymbol(t.Op) + " " + fmtValue(t.Want, t.Unit) }

// got is a target's figure, or a dash when its scenario did not run.
func got(r *Report, t TargetResult) string {
	if t.Scenario != "" {
		if s := findScenario(r, t.Scenario); s == nil || s.Skipped != "" {
			return "—"
		}
	}
	return fmtValue(t.Got, t.Unit)
}

// fmtValue formats a target figure with its unit.
func fmtValue(v float64, unit string) string {
	switch unit {
	case "ms":
		return fmtMs(v)
	case "%":
		return fmtPlain(v, 3) + "%"
	case "":
		return fmtPlain(v, 3)
	}
	return fmtPlain(v, 3) + " " + unit
}

// fmtMs formats milliseconds with three significant digits (more for
// large values), e.g. 0.412 ms, 1.23 ms, 12.3 ms, 1,234 ms.
func fmtMs(v float64) string { return fmtSig(v) + " ms" }

// fmtSig formats v with three significant digits, keeping trailing zeros
// so that a column of figures lines up; from 100 up it is a whole number
// with thousands separators.
func fmtSig(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	a := math.Abs(v)
	switch {
	case a >= 100:
		return fmtInt(int64(math.Round(v)))
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a == 0:
		return "0"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// fmtPlain formats v with at most decimals decimals and no trailing zeros,
// with thousands separators from 1,000 up.
func fmtPlain(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if math.Abs(v) >= 1000 {
		return fmtInt(int64(math.Round(v)))
	}
	p := math.Pow(10, float64(decimals))
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}

// fmtRate formats a rate: whole numbers from 100 up, else 3 digits.
func fmtRate(v float64) string { return fmtSig(v) }

func fmtSeconds(s float64) string {
	switch {
	case s <= 0:
		return "—"
	case s < 10:
		return strconv.FormatFloat(s, 'f', 2, 64) + " s"
	case s < 600:
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	}
	return fmt.Sprintf("%dm%02ds", int(s)/60, int(s)%60)
}

// fmtInt formats n with thousands separators: 1,234,567.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
