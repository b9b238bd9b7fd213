// Command bench is ParinayaOS's load tester: it provisions realistic
// weddings on an engine, drives it over HTTP the way clients do, and
// reports each figure against its service level.
//
//	go run ./bench                          # every scenario, in-process engine
//	go run ./bench --quick                  # a smoke test in under a minute
//	go run ./bench --url http://127.0.0.1:8080 --token "$(cat data/root.token)"
//	go run ./bench --scenarios headcount-open,admin-mix --duration 30s
//
// It prints a table, writes report.json and report.html to --out, and
// exits 1 when a judged target is missed (unless --no-fail), 2 on errors,
// 130 when interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parinayaos/engine/bench/load"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg       load.Config
		scenarios string
		curve     string
		out       string
		noFail    bool
		cpuProf   string
	)
	fs.StringVar(&cfg.URL, "url", "", "target a running engine at this URL (http://host:port); default: start one in this process on a temporary data directory")
	fs.StringVar(&cfg.Token, "token", "", "the engine's root token with --url (default $PARINAYA_ROOT_TOKEN)")
	fs.IntVar(&cfg.Weddings, "weddings", 1, "weddings to provision (at most 100); traffic is skewed towards the first")
	fs.IntVar(&cfg.Units, "units", 0, "guest units (households, ~3.4 people each) per wedding (default 1000; 200 with --quick)")
	fs.IntVar(&cfg.Events, "events", load.DefaultEvents, "events per wedding (with 4 or more, two are invite-only)")
	fs.StringVar(&scenarios, "scenarios", "", "comma-separated scenarios to run (default all; see below)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "how long each scenario runs (default 10s; 1.5s with --quick)")
	fs.IntVar(&cfg.Conns, "conns", load.DefaultConns, "connections, i.e. closed-loop workers and open-loop workers")
	fs.Float64Var(&cfg.Rate, "rate", load.DefaultRate, "open-loop rate of the headcount scenarios, requests/s")
	fs.StringVar(&curve, "curve", joinInts(load.DefaultCurve), "connections of the load curves' points (durable-rsvp, headcount-curve), comma-separated")
	fs.DurationVar(&cfg.PointDuration, "point-duration", 0, "how long each side (engine, baseline) of a curve point is measured, after a warm-up of a fifth of it, and longer until 5,000 operations (default 5s; 300ms with --quick, no minimum)")
	fs.BoolVar(&cfg.Quick, "quick", false, "smoke test: 1 wedding of 200 units, ~1.5 s per scenario, 0.3 s per side of a curve point; timings reported, not judged")
	fs.BoolVar(&noFail, "no-fail", false, "exit 0 even when a target is missed")
	fs.StringVar(&out, "out", "", "directory for report.json and report.html (default bench/results/<UTC time>/)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the guests, answers and traffic")
	fs.StringVar(&cpuProf, "cpuprofile", "", "write a CPU profile of this process (the load generator, and the engine unless --url) to this file, for go tool pprof")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected arguments %q (flags only; see --help)\n", fs.Args())
		return 2
	}
	if scenarios != "" {
		cfg.Scenarios = strings.Split(scenarios, ",")
		if _, err := load.Select(cfg.Scenarios); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 2
		}
	}
	var err error
	if cfg.Curve, err = load.ParseCurve(curve); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if cfg.URL != "" && cfg.Token == "" {
		cfg.Token = os.Getenv("PARINAYA_ROOT_TOKEN")
		if cfg.Token == "" {
			fmt.Fprintln(stderr, "bench: --url needs the engine's root token: --token or PARINAYA_ROOT_TOKEN")
			return 2
		}
	}
	cfg.Progress = stderr
	cfg.Command = "go run ./bench"
	if len(args) > 0 {
		cfg.Command += " " + strings.Join(redact(args), " ")
	}
	if out == "" {
		out = filepath.Join("bench", "results", time.Now().UTC().Format("20060102T150405Z"))
	}

	if cpuProf != "" {
		f, err := os.Create(cpuProf)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(stderr, "bench: cpu profile:", err)
			return 2
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := load.Run(ctx, cfg)
	stop() // a second ^C kills at once
	if rep != nil && (len(rep.Scenarios) > 0 || err == nil) {
		fmt.Fprintln(stdout)
		if werr := load.WriteTable(stdout, rep); werr != nil && err == nil {
			err = werr
		}
		if werr := load.WriteFiles(out, rep); werr != nil {
			fmt.Fprintln(stderr, "bench:", werr)
			return 2
		}
		fmt.Fprintf(stdout, "\nreport: %s\n        %s\n", filepath.Join(out, "report.json"), filepath.Join(out, "report.html"))
	}
	switch {
	case err != nil:
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	case rep.Interrupted:
		fmt.Fprintln(stderr, "bench: interrupted; the report holds what ran")
		return 130
	case !rep.Passed && !noFail:
		return 1
	}
	return 0
}

// redact hides the root token from the command recorded in the report.
func redact(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i, a := range out {
		switch {
		case strings.HasPrefix(a, "--token=") || strings.HasPrefix(a, "-token="):
			out[i] = a[:strings.Index(a, "=")+1] + "…"
		case (a == "--token" || a == "-token") && i+1 < len(out):
			out[i+1] = "…"
		}
	}
	return out
}

func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage: go run ./bench [flags]

The ParinayaOS load tester. It provisions weddings through the engine's API
(households with valid Indian mobiles, 10 events, invitations, RSVPs), runs
the scenarios below one after the other over HTTP, prints a table of each
figure against its target, and writes report.json and report.html (charts,
one self-contained file) to --out.

Exit code: 0 when every judged target is met, 1 when one is missed (0 with
--no-fail), 2 on errors, 130 when interrupted (the report holds what ran).

Flags:
`)
	fs.PrintDefaults()
	fmt.Fprint(w, "\nScenarios (in the order they run):\n")
	for _, s := range load.Scenarios {
		fmt.Fprintf(w, "\n  %s", s.Name)
		if s.Skipped != "" {
			fmt.Fprintf(w, "  [%s]", s.Skipped)
		}
		if len(s.Needs) > 0 {
			fmt.Fprintf(w, "  (runs %s too)", strings.Join(s.Needs, ", "))
		}
		fmt.Fprintf(w, "\n%s", indent(s.Description, "      ", 76))
		for _, t := range s.Targets {
			at := ""
			if t.Conns > 0 {
				at = fmt.Sprintf(" at %d connection", t.Conns)
				if t.Conns != 1 {
					at += "s"
				}
			}
			fmt.Fprintf(w, "      target: %s: %s%s %s %g%s (%s)\n", t.Name, t.Metric, at, t.Op, t.Want, unit(t.Unit), t.Source)
		}
	}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func unit(u string) string {
	if u == "" || u == "%" {
		return u
	}
	return " " + u
}

// indent wraps text at width with prefix on every line.
func indent(text, prefix string, width int) string {
	var b strings.Builder
	line := prefix
	for _, word := range strings.Fields(text) {
		if len(line) > len(prefix) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = prefix
		}
		if len(line) > len(prefix) {
			line += " "
		}
		line += word
	}
	return b.String() + line + "\n"
}
