package load

import "time"

// Report is one run of the load tester: what was provisioned, what each
// scenario measured, and each target judged. It is written as report.json
// (this struct, as is), rendered as a terminal table and as report.html.
type Report struct {
	StartedAt time.Time `json:"started_at"`
	Seconds   float64   `json:"seconds"` // wall time of the whole run
	Machine   Machine   `json:"machine"`
	// Engine is the engine's URL, or "in-process" when the tool started it.
	Engine      string               `json:"engine"`
	Quick       bool                 `json:"quick"`
	Provisioned []ProvisionedWedding `json:"provisioned"`
	Scenarios   []ScenarioResult     `json:"scenarios"`
	Targets     []TargetResult       `json:"targets"`
	// Passed: every judged target passed.
	Passed bool `json:"passed"`
	// Command is how the run was started (e.g. "go run ./bench --quick").
	Command string `json:"command,omitempty"`
	// Interrupted: the run was stopped (SIGINT) before its end; the
	// scenario that was running has partial figures and is not judged.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Machine says where the figures come from.
type Machine struct {
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	Hostname  string `json:"hostname"`
}

// ProvisionedWedding is what the tool created for a run.
type ProvisionedWedding struct {
	ID          string `json:"id"`
	Units       int    `json:"units"`
	People      int    `json:"people"`
	Events      int    `json:"events"`
	Invitations int    `json:"invitations"`
	RSVPs       int    `json:"rsvps"`
}

// ScenarioResult is one scenario's measurement.
type ScenarioResult struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Mode is "closed" (each worker sends when its previous request is
	// answered: maximum throughput) or "open" (requests start at a fixed
	// rate whatever the answers do, and latency counts from the intended
	// start, so a slow answer is not hidden: no coordinated omission).
	Mode    string  `json:"mode"`
	Workers int     `json:"workers"`
	Rate    float64 `json:"rate,omitempty"` // open loop: requests/s asked for
	Count   int64   `json:"count"`          // successful operations
	Errors  int64   `json:"errors"`
	// ErrorsByCode counts failures by API error code or transport error.
	ErrorsByCode map[string]int64 `json:"errors_by_code,omitempty"`
	Seconds      float64          `json:"seconds"`
	Throughput   float64          `json:"throughput"` // successful operations/s
	Latency      LatencySummary   `json:"latency"`
	// Histogram is the latency distribution for charts: counts of
	// operations per bucket, bucket upper bounds in milliseconds.
	Histogram []Bucket `json:"histogram"`
	// Skipped says why the scenario did not run (e.g. "export does not
	// exist yet"); a skipped scenario has no figures.
	Skipped string `json:"skipped,omitempty"`
	// Ceiling names the scenario that is this one's process-level ceiling
	// (e.g. the fixed-body handler for HTTP reads), measured in the same
	// run; the HTML report draws this throughput against it. Empty: none.
	Ceiling string `json:"ceiling,omitempty"`
	// Service (open loop) is the latency from the moment a worker actually
	// sent each request, without the wait for a free worker: Latency minus
	// the queueing that coordinated omission would hide.
	Service *LatencySummary `json:"service_latency,omitempty"`
	// Ops breaks a mixed scenario down by kind of operation.
	Ops []OpResult `json:"ops,omitempty"`
	// Note says what else a reader needs to know (writes that ran beside,
	// a ratio not judged, partial figures).
	Note string `json:"note,omitempty"`
	// Curve, for a load-curve scenario (durable-rsvp, headcount-curve),
	// holds its points: the engine and its baseline at each concurrency.
	// Such a result's Count, Errors, ErrorsByCode and Seconds are the
	// engine's totals over the points; it has no Throughput, Latency or
	// Histogram of its own (each point has them).
	Curve *Curve `json:"curve,omitempty"`
}

// Curve is a load curve: the same closed-loop operation at a series of
// concurrencies, each point beside its baseline (this machine's ceiling
// for that kind of operation) measured at the same concurrency in the same
// run, just before it.
type Curve struct {
	Engine   string `json:"engine"`   // what the engine side does, e.g. "PUT /v1/weddings/{w}/rsvps/{u}/{e}"
	Baseline string `json:"baseline"` // what the baseline does, e.g. "raw Pebble group commit"
	// PointSeconds is how long each side of a point was measured for (at
	// least; a point runs longer to reach its minimum of operations);
	// WarmupSeconds is the unmeasured closed loop before each.
	PointSeconds  float64      `json:"point_seconds"`
	WarmupSeconds float64      `json:"warmup_seconds"`
	Points        []CurvePoint `json:"points"`
	// Note says what else a reader needs to know (e.g. no baseline for an
	// engine on another machine).
	Note string `json:"note,omitempty"`
}

// CurvePoint is one concurrency of a curve.
type CurvePoint struct {
	Connections int          `json:"connections"` // closed-loop workers, each with its own connection
	Engine      CurveFigures `json:"engine"`
	Baseline    CurveFigures `json:"baseline"`
	// Ratio is the engine's throughput over the baseline's; 0 when the
	// baseline did not run or measured nothing.
	Ratio float64 `json:"ratio"`
}

// CurveFigures is one side of a curve point.
type CurveFigures struct {
	Count        int64            `json:"count"`
	Errors       int64            `json:"errors"`
	ErrorsByCode map[string]int64 `json:"errors_by_code,omitempty"`
	Seconds      float64          `json:"seconds"`
	Throughput   float64          `json:"throughput"` // successful operations/s
	Latency      LatencySummary   `json:"latency"`
}

// OpResult is one kind of operation of a mixed scenario.
type OpResult struct {
	Name         string           `json:"name"`
	Count        int64            `json:"count"`
	Errors       int64            `json:"errors"`
	ErrorsByCode map[string]int64 `json:"errors_by_code,omitempty"`
	Latency      LatencySummary   `json:"latency"`
}

// LatencySummary is in milliseconds.
type LatencySummary struct {
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// Bucket is one histogram bar: Count operations took more than FromMs
// (the previous bucket's UpToMs) and at most UpToMs; the first bucket's
// FromMs is the smallest recorded latency, which it includes.
type Bucket struct {
	FromMs float64 `json:"from_ms"`
	UpToMs float64 `json:"up_to_ms"`
	Count  int64   `json:"count"`
}

// TargetResult is one service level judged against a measurement.
type TargetResult struct {
	Name     string `json:"name"`     // e.g. "headcount p99 at 5,000 req/s"
	Source   string `json:"source"`   // "product plan" or "issue 3", …
	Scenario string `json:"scenario"` // the ScenarioResult it reads
	Metric   string `json:"metric"`   // e.g. "p99_ms", "ratio_vs_fixed"
	// Conns is the curve point the figure is read at (connections); 0:
	// the scenario's result itself.
	Conns int     `json:"connections,omitempty"`
	Op    string  `json:"op"` // "<" or ">="
	Want  float64 `json:"want"`
	Got   float64 `json:"got"`
	Unit  string  `json:"unit"`
	// Judged is false when the run cannot judge it (quick mode, a skipped
	// scenario); Passed is meaningful only when Judged.
	Judged bool   `json:"judged"`
	Passed bool   `json:"passed"`
	Note   string `json:"note,omitempty"`
}
