package load_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/parinayaos/engine/bench/load"
)

// lines splits output into lines, dropping the elapsed time at the end of
// each ("… 1.2s", "… done in 1.2s", "… stopped after 1m3s" → "…").
func lines(t *testing.T, out string) []string {
	t.Helper()
	if strings.Contains(out, "\r") || strings.Contains(out, "\x1b") {
		t.Errorf("terminal control characters written to a non-terminal: %q", out)
	}
	elapsed := regexp.MustCompile(` (done in |stopped after )?[0-9hms.]+$`)
	var ls []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		if !elapsed.MatchString(l) {
			t.Errorf("line %q does not end with the elapsed time", l)
		}
		ls = append(ls, elapsed.ReplaceAllString(l, ""))
	}
	return ls
}

func TestProgress_Milestones(t *testing.T) {
	var buf bytes.Buffer
	p := load.NewProgress(&buf, "provision", 200)
	for i := 0; i < 200; i++ {
		p.Add(1)
	}
	before := lines(t, buf.String())
	p.Done()
	p.Done() // once only
	p.Add(5) // after Done: nothing
	var want []string
	for pct := 10; pct <= 90; pct += 10 {
		want = append(want, fmt.Sprintf("provision: %d%% (%d/200)", pct, 2*pct))
	}
	if got := strings.Join(before, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("before Done:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	all := lines(t, buf.String())
	if len(all) != 10 || all[9] != "provision: 100% (200/200)" || !strings.Contains(buf.String(), "(200/200) done in ") {
		t.Errorf("after Done: %q, want the 90%% line then one final 100%% line", all)
	}
}

func TestProgress_Jumps(t *testing.T) {
	var buf bytes.Buffer
	p := load.NewProgress(&buf, "invite", 1000)
	p.Add(50)   // 5%: nothing
	p.Add(300)  // 35%: one line, not one per tenth passed
	p.Set(340)  // still in the 30s
	p.Set(100)  // back: nothing
	p.Set(960)  // 96%
	p.Set(1999) // over total: nothing until Done, which caps the text at 100%
	p.Done()
	want := []string{"invite: 35% (350/1,000)", "invite: 96% (960/1,000)", "invite: 100% (1,999/1,000)"}
	if got := lines(t, buf.String()); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q, want %q", got, want)
	}
}

func TestProgress_DoneShort(t *testing.T) {
	var buf bytes.Buffer
	p := load.NewProgress(&buf, "run", 1000)
	p.Add(420)
	p.Done()
	got := lines(t, buf.String())
	if len(got) != 2 || got[0] != "run: 42% (420/1,000)" || got[1] != got[0] || !strings.Contains(buf.String(), " stopped after ") {
		t.Errorf("lines %q, want the 42%% line and a final one saying it stopped there", got)
	}
}

func TestProgress_UnknownTotal(t *testing.T) {
	var buf bytes.Buffer
	p := load.NewProgress(&buf, "webhooks", 0)
	p.Add(12_345)
	p.Done()
	if got := lines(t, buf.String()); len(got) != 1 || got[0] != "webhooks: 12,345" {
		t.Errorf("lines %q, want one final count", got)
	}
}

func TestProgress_Concurrent(t *testing.T) {
	const workers, each = 8, 1000
	var buf bytes.Buffer
	p := load.NewProgress(&buf, "mix", workers*each)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				p.Add(1)
			}
		}()
	}
	wg.Wait()
	p.Done()
	got := lines(t, buf.String())
	if len(got) != 10 {
		t.Fatalf("%d lines, want 9 milestones and the final one:\n%s", len(got), buf.String())
	}
	for i, l := range got {
		var pct, n int
		if _, err := fmt.Sscanf(strings.ReplaceAll(l, ",", ""), "mix: %d%% (%d/8000)", &pct, &n); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if pct != 10*(i+1) || n < pct*80 {
			t.Errorf("line %d %q: want %d%% with at least %d done", i, l, 10*(i+1), 80*10*(i+1))
		}
	}
}
