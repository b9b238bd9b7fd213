package load_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"html"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/parinayaos/engine/bench/load"
)

var (
	update    = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")
	sampleDir = flag.String("sample-dir", "", "TestRender_WriteFiles writes the sample report here (to look at it in a browser)")
)

// sampleScenario measures a made-up scenario: latencies drawn from a
// log-normal distribution with the given median and spread (plus a slow
// tail in tail of them), summarized as the runner does.
func sampleScenario(t *testing.T, seed uint64, s load.ScenarioResult, medianMs, sigma, tail float64) load.ScenarioResult {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	h := hdrhistogram.New(1, 60_000_000, 3)
	n := max(int64(s.Throughput*s.Seconds), 1)
	weight := max(n/20_000, 1)
	samples := n / weight
	for i := int64(0); i < samples; i++ {
		ms := medianMs * math.Exp(sigma*r.NormFloat64())
		if r.Float64() < tail {
			ms *= 4 + 8*r.Float64()
		}
		if err := h.RecordValues(max(int64(ms*1000), 1), weight); err != nil {
			t.Fatal(err)
		}
	}
	s.Count = h.TotalCount()
	s.Throughput = float64(s.Count) / s.Seconds
	s.Latency, s.Histogram = load.Summarize(h)
	for _, e := range s.ErrorsByCode {
		s.Errors += e
	}
	return s
}

// side is one side of a made-up curve point: throughput and p50, p99
// and max in ms.
type side struct{ tput, p50, p99, max float64 }

func (s side) figures(seconds float64) load.CurveFigures {
	return load.CurveFigures{Count: int64(s.tput * seconds), Seconds: seconds, Throughput: s.tput,
		Latency: load.LatencySummary{P50: s.p50, P95: (s.p50 + s.p99) / 2, P99: s.p99, P999: (s.p99 + s.max) / 2, Max: s.max, Mean: s.p50 * 1.1}}
}

// sampleCurve is a curve scenario's result as runCurve makes it: points
// at conns[i] with the engine and the baseline sides given, 5 s each.
func sampleCurve(name string, conns []int, engine, baseline []side) load.ScenarioResult {
	c := &load.Curve{Engine: "the engine's " + name, Baseline: "its baseline", PointSeconds: 5, WarmupSeconds: 1, Points: []load.CurvePoint{}}
	s := load.ScenarioResult{Name: name, Mode: "closed", Curve: c, Description: "The load curve of " + name + "."}
	for i, n := range conns {
		pt := load.CurvePoint{Connections: n, Engine: engine[i].figures(5)}
		if baseline != nil {
			pt.Baseline = baseline[i].figures(5)
			pt.Ratio = pt.Engine.Throughput / pt.Baseline.Throughput
		}
		c.Points = append(c.Points, pt)
		s.Count += pt.Engine.Count
		s.Seconds += pt.Engine.Seconds
	}
	return s
}

// The curves of a full run: writes that rise with concurrency, reads
// that flatten.
func sampleCurves() []load.ScenarioResult {
	conns := []int{1, 4, 16, 64}
	writes := sampleCurve("durable-rsvp", conns,
		[]side{{2_150, 0.44, 0.81, 4.2}, {5_400, 0.71, 1.9, 9.8}, {11_800, 1.31, 3.9, 21}, {21_300, 2.9, 8.4, 36}},
		[]side{{760, 1.31, 1.52, 3.1}, {2_900, 1.37, 1.8, 5.5}, {11_100, 1.44, 2.1, 7.7}, {48_000, 1.29, 2.9, 13}})
	writes.ErrorsByCode = map[string]int64{"timeout": 2}
	writes.Errors = 2
	writes.Curve.Points[3].Engine.Errors = 2
	writes.Curve.Points[3].Engine.ErrorsByCode = map[string]int64{"timeout": 2}
	reads := sampleCurve("headcount-curve", conns,
		[]side{{11_900, 0.079, 0.16, 2.3}, {36_500, 0.1, 0.52, 6.1}, {52_800, 0.27, 1.9, 11}, {66_100, 0.9, 3.3, 15}},
		[]side{{14_200, 0.066, 0.13, 1.9}, {45_100, 0.083, 0.41, 4.7}, {68_900, 0.21, 1.5, 9.8}, {82_400, 0.71, 2.9, 12}})
	return []load.ScenarioResult{reads, writes}
}

// sampleReport is a realistic full run on a 2-core machine.
func sampleReport(t *testing.T) *load.Report {
	t.Helper()
	scenarios := []load.ScenarioResult{
		sampleScenario(t, 1, load.ScenarioResult{Name: "ceiling-fixed-body", Mode: "closed", Workers: 64, Seconds: 20, Throughput: 52_000,
			Description: "A bare fasthttp handler answering a fixed 300-byte JSON body: the ceiling of any HTTP read on this machine."}, 1.1, 0.35, 0.002),
		sampleScenario(t, 2, load.ScenarioResult{Name: "ceiling-pebble-commit", Mode: "closed", Workers: 64, Seconds: 10, Throughput: 18_000,
			Description: "Raw Pebble batch commits with Sync from 64 writers: the ceiling of any durable write."}, 3.4, 0.3, 0.001),
		sampleScenario(t, 3, load.ScenarioResult{Name: "headcount", Mode: "closed", Workers: 64, Seconds: 20, Throughput: 41_000, Ceiling: "ceiling-fixed-body",
			Description: "GET /v1/weddings/{w}/headcount of a 1,000-unit wedding, 64 keep-alive connections."}, 1.4, 0.45, 0.01),
		sampleScenario(t, 4, load.ScenarioResult{Name: "headcount-under-writes", Mode: "open", Rate: 5_000, Workers: 128, Seconds: 30, Throughput: 4_990,
			Description: "Headcount reads at 5,000 req/s while 200 RSVP overrides/s are written."}, 0.9, 0.5, 0.004),
		sampleScenario(t, 5, load.ScenarioResult{Name: "admin-mix", Mode: "open", Rate: 500, Workers: 64, Seconds: 30, Throughput: 497, Ceiling: "ceiling-pebble-commit",
			Description:  "Reads and writes of units, invitations and RSVP overrides, as an admin console does.",
			ErrorsByCode: map[string]int64{"too_many_requests": 12, "conflict": 3}}, 4.2, 0.6, 0.01),
		sampleScenario(t, 6, load.ScenarioResult{Name: "bulk-invite-200", Mode: "closed", Workers: 1, Seconds: 4, Throughput: 10,
			Description: "Invite 200 units to an event in one request."}, 62, 0.2, 0),
		sampleScenario(t, 7, load.ScenarioResult{Name: "bulk-invite-1000", Mode: "closed", Workers: 1, Seconds: 5, Throughput: 4,
			Description: "Invite 1,000 units to an event in one request."}, 240, 0.15, 0),
		sampleCurves()[0],
		sampleCurves()[1],
		{Name: "export-1000", Mode: "closed", Workers: 4, Description: "Export of a 1,000-guest wedding.", Skipped: "export does not exist yet"},
		{Name: "whatsapp-campaign", Mode: "open", Rate: 200, Description: "A campaign through the WhatsApp sandbox.", Skipped: "the WhatsApp sandbox does not exist yet"},
	}
	find := func(name string) load.ScenarioResult {
		for _, s := range scenarios {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no scenario %q", name)
		return load.ScenarioResult{}
	}
	// An open loop's service time (without the wait for a free worker),
	// a mixed scenario's operations and a note, as the runner fills them.
	for i := range scenarios {
		s := &scenarios[i]
		switch s.Name {
		case "headcount-under-writes":
			s.Service = &load.LatencySummary{P50: s.Latency.P50 * 0.9, P95: s.Latency.P95 * 0.8, P99: s.Latency.P99 * 0.7, P999: s.Latency.P999 * 0.6, Max: s.Latency.Max * 0.5, Mean: s.Latency.Mean * 0.9}
			s.Note = "beside 16 closed-loop RSVP writers: 212 writes/s"
		case "admin-mix":
			share := []struct {
				name string
				part int64
				f    float64
			}{{"get unit", 5, 0.6}, {"update unit", 2, 1.3}, {"invite", 2, 1.4}, {"rsvp override", 1, 1.5}}
			left := s.Count
			for j, o := range share {
				n := s.Count * o.part / 10
				if j == len(share)-1 {
					n = left
				}
				left -= n
				op := load.OpResult{Name: o.name, Count: n, Latency: load.LatencySummary{
					P50: s.Latency.P50 * o.f, P95: s.Latency.P95 * o.f, P99: s.Latency.P99 * o.f, P999: s.Latency.P999 * o.f, Max: s.Latency.Max * o.f / 1.5, Mean: s.Latency.Mean * o.f}}
				if o.name == "invite" {
					op.Errors, op.ErrorsByCode = 15, s.ErrorsByCode
				}
				s.Ops = append(s.Ops, op)
			}
		}
	}
	headcount, fixed := find("headcount"), find("ceiling-fixed-body")
	r := &load.Report{
		StartedAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
		Seconds:   143.6,
		Machine:   load.Machine{GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", CPUs: 2, Hostname: "bench-1"},
		Engine:    "in-process",
		Command:   "go run ./bench --out bench/results/2026-11-27T10-00-00",
		Provisioned: []load.ProvisionedWedding{
			{ID: "w_01", Units: 1000, People: 3012, Events: 10, Invitations: 6480, RSVPs: 648},
		},
		Scenarios: scenarios,
		Targets: []load.TargetResult{
			{Name: "invite queued p95", Source: "product plan", Scenario: "admin-mix", Metric: "p95_ms", Op: "<", Want: 1500, Got: find("admin-mix").Latency.P95, Unit: "ms", Judged: true},
			{Name: "RSVP webhook to dashboard p95", Source: "product plan", Scenario: "whatsapp-campaign", Metric: "p95_ms", Op: "<", Want: 5000, Unit: "ms"},
			{Name: "bulk invite of 200 units", Source: "product plan", Scenario: "bulk-invite-200", Metric: "max_ms", Op: "<", Want: 10_000, Got: find("bulk-invite-200").Latency.Max, Unit: "ms", Judged: true},
			{Name: "export of 1,000 guests p95", Source: "product plan", Scenario: "export-1000", Metric: "p95_ms", Op: "<", Want: 10_000, Unit: "ms"},
			{Name: "webhook processing success", Source: "product plan", Scenario: "webhook-burst", Metric: "success_pct", Op: ">", Want: 99.9, Unit: "%",
				Note: "no webhook scenario yet"},
			{Name: "headcount vs fixed-body ceiling", Source: "issue 3", Scenario: "headcount", Metric: "ratio_vs_fixed", Op: ">=", Want: 0.7,
				Got: headcount.Throughput / fixed.Throughput, Unit: "×", Judged: true},
			{Name: "headcount p99", Source: "issue 3", Scenario: "headcount", Metric: "p99_ms", Op: "<", Want: 2, Got: headcount.Latency.P99, Unit: "ms", Judged: true},
			{Name: "admin write p99", Source: "issue 2", Scenario: "admin-mix", Metric: "p99_ms", Op: "<", Want: 25, Got: find("admin-mix").Latency.P99, Unit: "ms", Judged: true},
			{Name: "bulk invite of 1,000 units p95", Source: "issue 4", Scenario: "bulk-invite-1000", Metric: "p95_ms", Op: "<=", Want: 500, Got: find("bulk-invite-1000").Latency.P95, Unit: "ms", Judged: true},
			{Name: "durable-rsvp at 1 connection: p50", Source: "issue 10", Scenario: "durable-rsvp", Metric: "p50_ms", Conns: 1, Op: "<", Want: 0.6, Got: 0.44, Unit: "ms", Judged: true},
			{Name: "durable RSVP throughput never lower at a higher concurrency than at the one before", Source: "issue 10", Scenario: "durable-rsvp",
				Metric: "min_throughput_step", Op: ">=", Want: 1, Got: 1.805, Judged: true, Note: "smallest step: 16 → 64 connections, 11,800/s → 21,300/s"},
		},
	}
	r.Judge()
	return r
}

func TestRender_TableGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := load.WriteTable(&buf, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "table.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("table differs from %s (run with -update if the change is meant):\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}

func TestRender_TableContents(t *testing.T) {
	r := sampleReport(t)
	var buf bytes.Buffer
	if err := load.WriteTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"headcount p99", "< 2.00 ms", "FAIL", "PASS",
		"not judged (skipped: export does not exist yet)",
		"not judged (no webhook scenario yet)",
		"skipped: export does not exist yet",
		"(too_many_requests: 12, conflict: 3)",
		"verdict: 1 of 8 judged targets missed (headcount p99); 3 not judged",
		"command: go run ./bench --out", "  service time", "  rsvp override",
		"note: headcount-under-writes: beside 16 closed-loop RSVP writers",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour codes written to a non-terminal")
	}
}

func TestRender_TableEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := load.WriteTable(&buf, &load.Report{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"no scenarios ran", "no targets", "verdict: No targets"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("empty table lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestRender_JSONRoundTrip(t *testing.T) {
	r := sampleReport(t)
	var buf bytes.Buffer
	if err := load.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\n  \"started_at\"") {
		t.Errorf("JSON not indented:\n%.200s", buf.String())
	}
	var back load.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("JSON round trip changed the report:\n got %+v\nwant %+v", back, *r)
	}
}

func TestRender_JSONNotFinite(t *testing.T) {
	r := &load.Report{
		Scenarios: []load.ScenarioResult{{Name: "s", Throughput: math.Inf(1)}},
		Targets:   []load.TargetResult{{Name: "ratio", Got: math.NaN(), Want: 0.7, Op: ">=", Judged: true}},
	}
	r.Judge()
	var buf bytes.Buffer
	if err := load.WriteJSON(&buf, r); err != nil {
		t.Fatalf("WriteJSON with NaN and Inf: %v", err)
	}
	var back load.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Targets[0].Got != 0 || back.Targets[0].Passed || back.Scenarios[0].Throughput != 0 {
		t.Errorf("not-finite figures: got %+v, %+v", back.Targets[0], back.Scenarios[0])
	}
	if !math.IsNaN(r.Targets[0].Got) {
		t.Errorf("WriteJSON changed the report it was given")
	}
}

func renderHTML(t *testing.T, r *load.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := load.WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// checkSelfContained: nothing the page would fetch, nothing it would run.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	lower := strings.ToLower(page)
	for _, bad := range []string{"<script", "src=", "@import", "url(", "<link", "<iframe", "<object", "<embed", "<img", "javascript:", "http://", "https://"} {
		if strings.Contains(lower, bad) {
			i := strings.Index(lower, bad)
			t.Errorf("page contains %q: …%s…", bad, page[max(i-60, 0):min(i+60, len(page))])
		}
	}
	for _, part := range strings.Split(lower, "href=")[1:] {
		if !strings.HasPrefix(part, `"#`) {
			t.Errorf("href to something other than an anchor on the page: href=%.40s", part)
		}
	}
}

func TestRender_HTML(t *testing.T) {
	r := sampleReport(t)
	page := renderHTML(t, r)
	checkSelfContained(t, page)
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(page), "</html>") {
		t.Errorf("not a whole HTML page")
	}
	for _, want := range []string{
		"2026-11-27 10:00:00 UTC", "bench-1 (linux/amd64, 2 CPUs, go1.26.8)", "full run", "in-process",
		"1 of 8 judged targets missed", "missed: headcount p99", "3 not judged",
		"Skipped: export does not exist yet", "Skipped: the WhatsApp sandbox does not exist yet",
		"too_many_requests: 12, conflict: 3",
		"of the ceiling&#39;s", // headcount against ceiling-fixed-body
		"go run ./bench --out bench/results/2026-11-27T10-00-00",
		"service time (from the actual send", "rsvp override", "beside 16 closed-loop RSVP writers",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, tg := range r.Targets {
		if !strings.Contains(page, html.EscapeString(tg.Name)) {
			t.Errorf("page lacks target %q", tg.Name)
		}
	}
	var withFigures, ceilings, curves int
	for _, s := range r.Scenarios {
		if s.Curve != nil {
			curves++
			if strings.Contains(page, "Latency distribution of "+s.Name) {
				t.Errorf("a latency histogram for the curve %s", s.Name)
			}
			continue
		}
		if s.Skipped == "" && s.Count > 0 {
			withFigures++
			if !strings.Contains(page, "Latency distribution of "+s.Name) {
				t.Errorf("no chart for %s", s.Name)
			}
		}
		if s.Ceiling != "" {
			ceilings++
		}
	}
	if got := strings.Count(page, `aria-label="Latency distribution`); got != withFigures {
		t.Errorf("%d latency charts, want one per scenario with figures: %d", got, withFigures)
	}
	if got, want := strings.Count(page, "<svg"), withFigures+ceilings+curves; got != want {
		t.Errorf("%d <svg, want %d charts + %d ceiling bars + %d curves", got, withFigures, ceilings, curves)
	}
	if got := strings.Count(page, `class="pill fail"`); got < 1 {
		t.Errorf("no FAIL pill")
	}
}

func TestRender_HTMLEscapes(t *testing.T) {
	evil := `<script>alert("x")</script>`
	r := &load.Report{
		Engine: `http://127.0.0.1:1/"><script>`,
		Scenarios: []load.ScenarioResult{
			{Name: evil, Description: "a & b <marquee>", Mode: "closed", Workers: 1, Seconds: 1, Count: 1, Throughput: 1, Ceiling: evil + "2",
				ErrorsByCode: map[string]int64{"<u>": 1}, Latency: load.LatencySummary{P50: 1, P99: 1, Max: 1},
				Histogram: []load.Bucket{{FromMs: 1, UpToMs: 1, Count: 1}}},
			{Name: evil + "2", Mode: "closed", Workers: 1, Seconds: 1, Count: 1, Throughput: 2},
			{Name: "skipped " + evil, Skipped: evil},
		},
		Targets: []load.TargetResult{{Name: evil, Source: evil, Scenario: evil, Unit: evil, Note: evil, Op: evil, Judged: true}},
	}
	r.Judge()
	page := renderHTML(t, r)
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Errorf("unescaped <script> in the page")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("escaped scenario name not found")
	}
	if strings.Contains(page, "<u>") || strings.Contains(page, "<marquee>") {
		t.Errorf("unescaped markup from the report")
	}
}

func TestRender_HTMLEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		r    *load.Report
	}{
		{"empty", &load.Report{}},
		{"interrupted", &load.Report{Interrupted: true, Scenarios: []load.ScenarioResult{{Name: "s", Count: 3, Note: "interrupted: partial figures",
			Service: &load.LatencySummary{P50: 1}, Ops: []load.OpResult{{Name: "op"}}, Histogram: []load.Bucket{{FromMs: 1, UpToMs: 2, Count: 3}}}}}},
		{"quick, unjudged", &load.Report{Quick: true, Targets: []load.TargetResult{{Name: "t", Op: "<", Want: 1, Unit: "ms"}}}},
		{"only skipped", &load.Report{Scenarios: []load.ScenarioResult{{Name: "export", Skipped: "not yet"}}}},
		{"all errors, no histogram", &load.Report{Scenarios: []load.ScenarioResult{{Name: "down", Mode: "closed", Errors: 10, ErrorsByCode: map[string]int64{"connection_refused": 10}}}}},
		{"zero latency", &load.Report{Scenarios: []load.ScenarioResult{{Name: "z", Count: 5, Histogram: []load.Bucket{{FromMs: 0, UpToMs: 0, Count: 5}}}}}},
		{"unknown ceiling", &load.Report{Scenarios: []load.ScenarioResult{{Name: "s", Count: 1, Throughput: 1, Ceiling: "nope", Histogram: []load.Bucket{{FromMs: 2, UpToMs: 3, Count: 1}}}}}},
		{"curve, no baseline", &load.Report{Scenarios: []load.ScenarioResult{sampleCurve("c", []int{2, 8}, []side{{10, 1, 2, 3}, {20, 1, 2, 3}}, nil)}}},
		{"curve of one point", &load.Report{Scenarios: []load.ScenarioResult{sampleCurve("c", []int{4}, []side{{10, 1, 2, 3}}, []side{{20, 1, 1, 1}})}}},
		{"curve, nothing measured", &load.Report{Scenarios: []load.ScenarioResult{
			sampleCurve("c", []int{1, 4}, []side{{0, 0, 0, 0}, {0, 0, 0, 0}}, []side{{0, 0, 0, 0}, {0, 0, 0, 0}}),
			{Name: "d", Curve: &load.Curve{}},
		}}},
		{"curve, zero latency", &load.Report{Scenarios: []load.ScenarioResult{sampleCurve("c", []int{1, 4}, []side{{10, 0, 0, 0}, {10, 0, 0, 0}}, nil)}}},
		{"over the ceiling", &load.Report{Scenarios: []load.ScenarioResult{
			{Name: "s", Count: 1, Throughput: 9, Ceiling: "c", Histogram: []load.Bucket{{FromMs: 2, UpToMs: 3, Count: 1}}},
			{Name: "c", Count: 1, Throughput: 3},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := renderHTML(t, tt.r)
			checkSelfContained(t, page)
			if !strings.Contains(page, "</html>") {
				t.Errorf("page cut short")
			}
			var buf bytes.Buffer
			if err := load.WriteTable(&buf, tt.r); err != nil {
				t.Fatal(err)
			}
		})
	}
	if page := renderHTML(t, &load.Report{Quick: true, Targets: []load.TargetResult{{Name: "t"}}}); !strings.Contains(page, "Quick run: figures reported, not judged") {
		t.Errorf("quick run verdict missing")
	}
	if page := renderHTML(t, &load.Report{Interrupted: true}); !strings.Contains(page, "Interrupted") {
		t.Errorf("interrupted run not said")
	}
}

func TestRender_WriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results", "2026-11-27T10-00-00")
	if *sampleDir != "" {
		dir = *sampleDir
	}
	r := sampleReport(t)
	if err := load.WriteFiles(dir, r); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !reflect.DeepEqual(names, []string{"report.html", "report.json"}) {
		t.Errorf("files %v, want report.html and report.json only", names)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back load.Report
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, r) {
		t.Errorf("report.json does not read back as the report (err %v)", err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) {
		t.Errorf("report.html is not HTML")
	}
	// Again, over the old files.
	if err := load.WriteFiles(dir, r); err != nil {
		t.Fatal(err)
	}
	if *sampleDir != "" {
		t.Logf("wrote %s", dir)
	}
}

func TestRender_WriteFilesError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := load.WriteFiles(filepath.Join(file, "dir"), &load.Report{}); err == nil {
		t.Errorf("WriteFiles under a file: no error")
	}
}

// curveReport is a run of the two curves alone.
func curveReport() *load.Report {
	return &load.Report{StartedAt: time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC), Seconds: 101, Engine: "in-process", Scenarios: sampleCurves()}
}

func TestRender_CurveTable(t *testing.T) {
	var buf bytes.Buffer
	if err := load.WriteTable(&buf, curveReport()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"durable-rsvp     closed  curve: 1, 4, 16, 64  20.0 s  203,250  2       see below   —    —    —    —    (timeout: 2)\n",
		"\ndurable-rsvp: load curve, closed loop, each side 5.00 s after a 1.00 s warm-up\n" +
			"  engine:   the engine's durable-rsvp\n" +
			"  baseline: its baseline\n" +
			"  CONNS  ENGINE    P50       P99       MAX      BASELINE  P50      P99      MAX      RATIO\n" +
			"  1      2,150/s   0.440 ms  0.810 ms  4.20 ms  760/s     1.31 ms  1.52 ms  3.10 ms  2.83\n",
		"  64     21,300/s  2.90 ms   8.40 ms   36.0 ms  48,000/s  1.29 ms  2.90 ms  13.0 ms  0.44   engine errors 2 (timeout: 2)\n",
		"\nheadcount-curve: load curve",
		"  16     52,800/s  0.270 ms  1.90 ms   11.0 ms  68,900/s  0.210 ms  1.50 ms   9.80 ms  0.77\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	// No baseline (an engine elsewhere), and a curve that measured nothing.
	r := &load.Report{Scenarios: []load.ScenarioResult{
		sampleCurve("remote", []int{1, 8}, []side{{900, 1, 2, 3}, {5000, 1.5, 3, 4}}, nil),
		{Name: "empty", Mode: "closed", Curve: &load.Curve{Note: "interrupted"}},
	}}
	r.Scenarios[0].Curve.Note = "the engine runs elsewhere: no raw Pebble baseline"
	buf.Reset()
	if err := load.WriteTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	out = buf.String()
	for _, want := range []string{
		"  8      5,000/s  1.50 ms  3.00 ms  4.00 ms  —         —    —    —    —\n",
		"  note: the engine runs elsewhere: no raw Pebble baseline\n",
		"empty     closed  curve        —       0       0       see below", "\nempty: load curve, closed loop\n  no point measured\n  note: interrupted\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// report.json has each curve as an array of points, each with its
// connections, the engine's and the baseline's figures, and their ratio.
func TestRender_CurveJSON(t *testing.T) {
	r := curveReport()
	var buf bytes.Buffer
	if err := load.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var back load.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("JSON round trip changed the curves:\n got %+v\nwant %+v", back.Scenarios, r.Scenarios)
	}

	var doc struct {
		Scenarios []struct {
			Name  string
			Curve struct {
				Engine, Baseline string
				PointSeconds     float64 `json:"point_seconds"`
				Points           []map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Scenarios) != 2 || doc.Scenarios[1].Name != "durable-rsvp" {
		t.Fatalf("scenarios %+v", doc.Scenarios)
	}
	c := doc.Scenarios[1].Curve
	if len(c.Points) != 4 || c.PointSeconds != 5 || c.Engine == "" || c.Baseline == "" {
		t.Fatalf("curve %+v", c)
	}
	p := c.Points[3]
	for _, k := range []string{"connections", "engine", "baseline", "ratio"} {
		if _, ok := p[k]; !ok {
			t.Errorf("a point lacks %q: %v", k, p)
		}
	}
	var eng map[string]any
	if err := json.Unmarshal(p["engine"], &eng); err != nil {
		t.Fatal(err)
	}
	lat, _ := eng["latency"].(map[string]any)
	if string(p["connections"]) != "64" || eng["throughput"] != 21300.0 || lat["p50_ms"] != 2.9 || lat["p99_ms"] != 8.4 || lat["max_ms"] != 36.0 {
		t.Errorf("the 64 point: connections %s, engine %v", p["connections"], eng)
	}
	if ratio := string(p["ratio"]); ratio != "0.44375" {
		t.Errorf("ratio %s, want 21,300 / 48,000", ratio)
	}
}

func TestRender_CurveHTML(t *testing.T) {
	page := renderHTML(t, curveReport())
	checkSelfContained(t, page)
	for _, name := range []string{"durable-rsvp", "headcount-curve"} {
		label := `aria-label="Load curve of ` + name + `: throughput, p50 and p99 against connections (1, 4, 16, 64), the engine beside its baseline"`
		if strings.Count(page, label) != 1 {
			t.Errorf("no chart (or more than one) for %s", name)
		}
	}
	if got := strings.Count(page, "<svg"); got != 2 {
		t.Errorf("%d <svg, want one chart per curve", got)
	}
	// Per chart: 2 legend lines, the throughput of both sides, p50 and p99
	// of both; a dot per point on each line but the legend's.
	if got := strings.Count(page, "<polyline"); got != 2*8 {
		t.Errorf("%d polylines, want 16", got)
	}
	if got := strings.Count(page, "<circle"); got != 2*6*4 {
		t.Errorf("%d dots, want 48", got)
	}
	for _, want := range []string{
		"engine at 64 connections: 21,300/s, 0.44 of the baseline",
		"baseline at 1 connection: p50 1.31 ms, p99 1.52 ms, max 3.10 ms",
		">0.44×</text>", ">throughput</text>", ">latency: p50 (solid) and p99 (dashed), log scale</text>",
		"connections (log scale)",
		`<td class="num">21,300/s</td><td class="num">2.90 ms</td><td class="num">8.40 ms</td><td class="num">36.0 ms</td><td class="num">48,000/s</td>`,
		"engine errors 2 (timeout: 2)",
		"each side of a point measured 5.00 s after a 1.00 s warm-up",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "Latency distribution of") {
		t.Errorf("a latency histogram for a curve")
	}
}
