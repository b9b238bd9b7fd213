package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parinayaos/engine/bench/load"
)

func TestHelp_ListsScenariosAndTargets(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	help := errb.String()
	for _, s := range load.Scenarios {
		if !strings.Contains(help, "\n  "+s.Name) {
			t.Errorf("--help does not list %s", s.Name)
		}
		for _, tg := range s.Targets {
			if !strings.Contains(help, tg.Name) {
				t.Errorf("--help does not list the target %q", tg.Name)
			}
		}
	}
	for _, want := range []string{
		"target: durable-rsvp at 1 connection: p50: p50_ms at 1 connection < 0.6 ms (issue 10)",
		"ceiling_ratio at 64 connections >= 0.5 (issue 10)",
		"min_throughput_step >= 1 (issue 10)",
		"(default \"1,4,16,64\")",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	for _, f := range []string{"-url", "-token", "-weddings", "-units", "-events", "-scenarios", "-duration", "-conns", "-rate", "-curve", "-point-duration", "-quick", "-no-fail", "-out", "-seed"} {
		if !strings.Contains(help, "  "+f+" ") && !strings.Contains(help, "  "+f+"\n") {
			t.Errorf("--help does not show %s", f)
		}
	}
}

func TestBadUsage_Exits2(t *testing.T) {
	t.Setenv("PARINAYA_ROOT_TOKEN", "")
	for _, args := range [][]string{
		{"--scenarios", "headcount-open,nope"},
		{"--url", "http://127.0.0.1:1"}, // no token
		{"extra"},
		{"--rate", "fast"},
		{"--curve", "1,0,4"},
		{"--curve", ""},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, errb.String())
		}
	}
}

// A short run end to end: the table on stdout, the paths of the reports,
// the files, exit 0 (quick), and no root token in the recorded command.
func TestRun_WritesTheReports(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an engine")
	}
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	code := run([]string{"--quick", "--units", "20", "--duration", "200ms", "--conns", "4", "--rate", "500",
		"--scenarios", "headcount-open,admin-mix,headcount-curve", "--curve", "2,1", "--point-duration", "50ms", "--out", dir}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"headcount-open", "admin-mix", "headcount-curve: load curve, closed loop, each side 0.05 s after a 0.01 s warm-up",
		filepath.Join(dir, "report.json"), filepath.Join(dir, "report.html")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errb.String(), "headcount-open") {
		t.Errorf("no progress on stderr: %q", errb.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep load.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Quick || len(rep.Scenarios) != 3 || !strings.HasPrefix(rep.Command, "go run ./bench --quick") {
		t.Fatalf("report: quick %v, %d scenarios, command %q", rep.Quick, len(rep.Scenarios), rep.Command)
	}
	if c := rep.Scenarios[0].Curve; rep.Scenarios[0].Name != "headcount-curve" || c == nil || len(c.Points) != 2 ||
		c.Points[0].Connections != 1 || c.Points[1].Connections != 2 || c.PointSeconds != 0.05 {
		t.Errorf("%s: curve %+v", rep.Scenarios[0].Name, c)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Error(err)
	}
}

func TestRedact_HidesTheToken(t *testing.T) {
	got := strings.Join(redact([]string{"--url", "http://x", "--token", "secret", "-token=secret2", "--quick"}), " ")
	if strings.Contains(got, "secret") || got != "--url http://x --token … -token=… --quick" {
		t.Errorf("redact: %q", got)
	}
}
