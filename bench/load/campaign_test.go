package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// campaignEnv is the Env Run gives a scenario, without the engine and the
// weddings Run provisions (whatsapp-campaign starts engines of its own).
func campaignEnv(cfg Config) *Env {
	cfg = cfg.withDefaults()
	return &Env{Conns: cfg.Conns, Rate: cfg.Rate, Duration: cfg.Duration, Results: map[string]ScenarioResult{},
		cfg: cfg, progress: io.Discard, report: &Report{Quick: cfg.Quick}}
}

// The scenario in its --quick form against in-process engines: each part's
// sandbox accepted every recipient exactly once and nobody else, the
// report holds the three parts (four results) with sane figures, and the
// targets are judged as a quick run judges them.
func TestWhatsAppCampaign_Quick(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two engines with the WhatsApp sandbox")
	}
	env := campaignEnv(Config{Quick: true})
	parts := map[string]int{}
	results, err := runCampaignScenario(context.Background(), env, func(part string, camps []*campaign, accepted []sandbox.Accepted) {
		want := map[string]bool{}
		for _, cp := range camps {
			for _, ph := range recipients(cp.w) {
				want[ph] = true
			}
		}
		got := map[string]int{}
		for _, a := range accepted {
			got[a.To]++
		}
		for ph := range want {
			if got[ph] != 1 {
				t.Errorf("%s: %s accepted %d times; want once", part, ph, got[ph])
			}
		}
		for ph, n := range got {
			if !want[ph] {
				t.Errorf("%s: %d sends to %s, who is no recipient", part, n, ph)
			}
		}
		parts[part] = len(want)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every invited unit's primary contact opted in: a campaign reaches all
	// of them (provisioned units are each invited to some event).
	if parts["pacing"] != campaignQuickUnits || parts["throughput"] != throughputWeddings*campaignQuickUnits {
		t.Errorf("recipients by part: %v", parts)
	}

	byName := map[string]ScenarioResult{}
	var names []string
	for _, r := range results {
		byName[r.Name] = r
		names = append(names, r.Name)
		if r.Skipped != "" || r.Errors != 0 || r.Count == 0 || r.Latency.P50 <= 0 || r.Latency.Max < r.Latency.P99 ||
			len(r.Histogram) == 0 || r.Throughput <= 0 || r.Note == "" {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	if want := "whatsapp-campaign whatsapp-campaign/busiest-second whatsapp-campaign/throughput whatsapp-campaign/create"; strings.Join(names, " ") != want {
		t.Fatalf("results %v; want %s", names, want)
	}

	// Pacing: 200 at 80 msg/s take 2.5 s (the last leaves at 199/80 s):
	// never much faster, and not slower than twice that on a busy machine.
	p := byName["whatsapp-campaign"]
	ideal := float64(campaignQuickUnits) / campaignPacingMPS * 1000
	if p.Count != campaignQuickUnits || p.Rate != campaignPacingMPS || p.Latency.Max < 0.95*ideal || p.Latency.Max > 2*ideal ||
		p.Throughput > 1.05*campaignPacingMPS {
		t.Errorf("pacing: %d sends, rate %v, 202 to last accepted %.0f ms (ideal %.0f), %.1f/s", p.Count, p.Rate, p.Latency.Max, ideal, p.Throughput)
	}
	if !strings.Contains(p.Note, "130429 answers: ") || !strings.Contains(p.Note, "status webhooks: ") {
		t.Errorf("pacing note: %s", p.Note)
	}
	// The sandbox refuses past 80 in a second: the busiest second is at
	// most that, and the pacer keeps it close to it.
	if b := byName["whatsapp-campaign/busiest-second"]; b.Count > campaignPacingMPS || b.Count < campaignPacingMPS/2 ||
		b.Seconds != 1 || b.Throughput != float64(b.Count) {
		t.Errorf("busiest second: %d sends, %v s, %v/s", b.Count, b.Seconds, b.Throughput)
	}
	if tp := byName["whatsapp-campaign/throughput"]; tp.Count != throughputWeddings*campaignQuickUnits || tp.Rate != campaignThroughputMPS ||
		tp.Throughput > 1.1*campaignThroughputMPS || tp.Latency.Max/1000 > tp.Seconds*1.01 {
		t.Errorf("throughput: %d sends in %.2f s, %.0f/s, max latency %.0f ms", tp.Count, tp.Seconds, tp.Throughput, tp.Latency.Max)
	}
	if c := byName["whatsapp-campaign/create"]; c.Count != campaignQuickCreations || c.Mode != "closed" || c.Workers != 1 {
		t.Errorf("create: %d campaigns, mode %s, %d workers", c.Count, c.Mode, c.Workers)
	}

	// The report: every target of the scenario, errors judged (and met),
	// timings not.
	s := Lookup("whatsapp-campaign")
	complete := map[string]bool{}
	for _, r := range results {
		complete[r.Name] = true
	}
	rep := &Report{Quick: true, Scenarios: results, Targets: targets([]*Scenario{s}, byName, complete, true)}
	rep.Judge()
	if len(rep.Targets) != len(s.Targets) || !rep.Passed {
		t.Errorf("%d targets of %d, passed %v", len(rep.Targets), len(s.Targets), rep.Passed)
	}
	for _, tr := range rep.Targets {
		timing := tr.Metric != "errors"
		if _, ok := byName[tr.Scenario]; !ok || timing && (tr.Judged || tr.Note != "quick run: timings not judged") ||
			!timing && (!tr.Judged || !tr.Passed) || tr.Got <= 0 && timing {
			t.Errorf("target %q on %s: judged %v passed %v got %v note %q", tr.Name, tr.Scenario, tr.Judged, tr.Passed, tr.Got, tr.Note)
		}
	}
	var table bytes.Buffer
	if err := WriteTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"whatsapp-campaign/busiest-second", "whatsapp-campaign/throughput", "whatsapp-campaign/create", "≥ 900 msg/s"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, table.String())
		}
	}
}

// Against --url the scenario does not run and says why; none of its
// targets is judged.
func TestWhatsAppCampaign_NotRunAgainstURL(t *testing.T) {
	env := campaignEnv(Config{URL: "http://127.0.0.1:1", Token: "x"})
	results, err := runCampaignScenario(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || !strings.Contains(results[0].Skipped, "--url") {
		t.Fatalf("results %+v", results)
	}
	byName := map[string]ScenarioResult{results[0].Name: results[0]}
	for _, tr := range targets([]*Scenario{Lookup("whatsapp-campaign")}, byName, map[string]bool{results[0].Name: true}, false) {
		if tr.Judged {
			t.Errorf("%s judged against --url", tr.Name)
		}
	}
}

// tallySends counts each recipient once, names every other send, and
// finds the busiest second.
func TestTallySends(t *testing.T) {
	w := &Wedding{Units: []UnitPlan{{Phones: []string{"+911"}, Events: []int{0}}, {Phones: []string{"+912"}, Events: []int{0}},
		{Phones: []string{"+913"}, Events: []int{0}}, {Phones: []string{"+914"}}}} // the last is invited to nothing
	t0 := time.Now()
	cp := &campaign{w: w, created: t0}
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	s := tallySends([]sandbox.Accepted{
		{To: "+911", At: at(100)}, {To: "+912", At: at(1050)}, {To: "+911", At: at(1060)}, {To: "+915", At: at(1070)},
	}, []*campaign{cp})
	codes := fmt.Sprint(s.ErrorsByCode)
	if s.Count != 2 || s.Errors != 3 || codes != "map[accepted_twice:1 not_accepted:1 unexpected_recipient:1]" || s.Elapsed != 1050*time.Millisecond {
		t.Errorf("count %d, errors %d %s, elapsed %v", s.Count, s.Errors, codes, s.Elapsed)
	}
	if b := s.busiest(); b.Count != 2 || b.Elapsed != time.Second {
		t.Errorf("busiest second: %d sends", b.Count)
	}
	s = tallySends([]sandbox.Accepted{{To: "+911", At: at(0)}, {To: "+912", At: at(1000)}, {To: "+913", At: at(1999)}}, []*campaign{cp})
	if b := s.busiest(); b.Count != 2 {
		t.Errorf("sends 1 s apart share no window (t-1s, t]; busiest second %d, want 2", b.Count)
	}
}
