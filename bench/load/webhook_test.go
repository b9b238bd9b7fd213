package load

import (
	"context"
	"strings"
	"testing"
)

// The scenario in its --quick form against an in-process engine: every
// body accepted, every status and tap applied once (no error of any
// kind), the three results with sane figures.
func TestWebhookBurst_Quick(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an engine with the WhatsApp sandbox")
	}
	env := campaignEnv(Config{Quick: true, Conns: 8})
	results, err := runWebhookBurst(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]ScenarioResult{}
	for _, r := range results {
		names = append(names, r.Name)
		byName[r.Name] = r
		if r.Skipped != "" || r.Errors != 0 || r.Count == 0 || r.Latency.P50 <= 0 || r.Latency.Max < r.Latency.P99 ||
			len(r.Histogram) == 0 || r.Throughput <= 0 {
			t.Errorf("%s: %d ok, %d errors %v, %+v", r.Name, r.Count, r.Errors, r.ErrorsByCode, r.Latency)
		}
	}
	if want := "webhook-burst webhook-burst/raw-pebble webhook-burst/headcount"; strings.Join(names, " ") != want {
		t.Fatalf("results %v; want %s", names, want)
	}
	if h := byName["webhook-burst/headcount"]; h.Count != webhookQuickSampled {
		t.Errorf("headcount: %d replies timed; want %d", h.Count, webhookQuickSampled)
	}
	for _, r := range results {
		t.Logf("%s: %d ok in %.2f s, p50 %.2f ms, p99 %.2f ms; %s", r.Name, r.Count, r.Seconds, r.Latency.P50, r.Latency.P99, r.Note)
	}
	m := byName["webhook-burst"]
	if m.Ceiling != "webhook-burst/raw-pebble" || !strings.Contains(m.Note, "0 not read, 0 steps twice") ||
		!strings.Contains(m.Note, "100 of 100 tapped households' RSVPs as tapped") {
		t.Errorf("burst: ceiling %q, note %s", m.Ceiling, m.Note)
	}
}

// The answer of a payload is its third field from the end.
func TestTappedAnswer(t *testing.T) {
	for p, want := range map[string]string{"rsvp:w_1/m_2:yes:abcdefABCDEF": "yes", "rsvp:w/m:maybe:x": "maybe", "nothing": ""} {
		if got := tappedAnswer(p); got != want {
			t.Errorf("tappedAnswer(%q) = %q; want %q", p, got, want)
		}
	}
}
