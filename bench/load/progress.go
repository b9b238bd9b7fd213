package load

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ProgressRedraw is how often a Progress redraws its bar on a terminal.
const ProgressRedraw = 100 * time.Millisecond

// Progress shows how far a long step has got. On a terminal it redraws one
// line in place (with \r) every ProgressRedraw; on anything else (a file, a
// pipe, a CI log) it prints a plain line instead when the count enters a
// new tenth of total (one line for a jump over several), so logs stay
// readable.
//
// Add and Set are safe from any goroutine and cost an atomic add and an
// atomic load unless a line is due. Done must be called once the work is
// over: it stops the redraws and prints the final line.
type Progress struct {
	label    string
	total    int64
	terminal bool
	start    time.Time
	now      func() time.Time // time.Now, or a fake in tests

	n         atomic.Int64
	milestone atomic.Int64 // tenths of total already printed (non-terminal)
	stop      chan struct{}
	stopped   chan struct{}
	doneOnce  sync.Once

	mu struct {
		sync.Mutex
		w    io.Writer
		done bool
	}
}

// NewProgress starts a progress display on w for total units of work
// (total ≤ 0: unknown, only the count is shown). On a terminal it starts a
// goroutine that redraws until Done.
func NewProgress(w io.Writer, label string, total int64) *Progress {
	p := newProgress(w, label, total, isTerminal(w), time.Now)
	if p.terminal {
		p.stop, p.stopped = make(chan struct{}), make(chan struct{})
		go p.redraw()
	}
	return p
}

func newProgress(w io.Writer, label string, total int64, terminal bool, now func() time.Time) *Progress {
	p := &Progress{label: label, total: total, terminal: terminal, now: now, start: now()}
	p.mu.w = w
	return p
}

// Add counts n more units of work done.
func (p *Progress) Add(n int64) { p.check(p.n.Add(n)) }

// Set says n units of work are done in all.
func (p *Progress) Set(n int64) {
	p.n.Store(n)
	p.check(n)
}

// Done stops the display and prints the final line: 100% when all of
// total was counted, else where the work stopped. Further calls, and Add
// or Set after it, print nothing.
func (p *Progress) Done() {
	p.doneOnce.Do(func() {
		if p.stop != nil {
			close(p.stop)
			<-p.stopped
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.mu.done = true
		if p.terminal {
			fmt.Fprintf(p.mu.w, "\r%s\x1b[K\n", p.barLine(p.n.Load()))
			return
		}
		fmt.Fprintln(p.mu.w, p.plainLine(p.n.Load(), true))
	})
}

// check prints a plain line when n crossed a new 10% milestone. The
// milestone is re-checked under the lock, so lines come out in order and
// once each even when goroutines race past the same one.
func (p *Progress) check(n int64) {
	if p.terminal || p.total <= 0 {
		return
	}
	if n >= p.total {
		return // 100% is Done's line
	}
	m := n * 10 / p.total
	if m <= p.milestone.Load() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.done || m <= p.milestone.Load() {
		return
	}
	p.milestone.Store(m)
	fmt.Fprintln(p.mu.w, p.plainLine(n, false))
}

func (p *Progress) redraw() {
	defer close(p.stopped)
	t := time.NewTicker(ProgressRedraw)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			// Redraw even when the count is unchanged: the clock moves.
			n := p.n.Load()
			p.mu.Lock()
			fmt.Fprintf(p.mu.w, "\r%s\x1b[K", p.barLine(n))
			p.mu.Unlock()
		}
	}
}

// plainLine is "label: 40% (400/1,000) 3.2s"; the final line says
// "done in 3.2s", or "stopped after 3.2s" when short of total.
func (p *Progress) plainLine(n int64, final bool) string {
	el := p.elapsed()
	var s string
	switch {
	case p.total <= 0:
		s = fmt.Sprintf("%s: %s", p.label, fmtInt(n))
	default:
		s = fmt.Sprintf("%s: %d%% (%s/%s)", p.label, p.percent(n), fmtInt(n), fmtInt(p.total))
	}
	switch {
	case final && p.total > 0 && n < p.total:
		return s + " stopped after " + el
	case final:
		return s + " done in " + el
	}
	return s + " " + el
}

const progressWidth = 30

// barLine is "label [██████░░░░] 40% 400/1,000 3.2s".
func (p *Progress) barLine(n int64) string {
	if p.total <= 0 {
		return fmt.Sprintf("%s %s %s", p.label, fmtInt(n), p.elapsed())
	}
	pct := p.percent(n)
	full := int(min(max(n, 0), p.total) * progressWidth / p.total)
	bar := strings.Repeat("█", full) + strings.Repeat("░", progressWidth-full)
	return fmt.Sprintf("%s [%s] %3d%% %s/%s %s", p.label, bar, pct, fmtInt(n), fmtInt(p.total), p.elapsed())
}

func (p *Progress) percent(n int64) int64 {
	return min(max(n, 0), p.total) * 100 / p.total
}

func (p *Progress) elapsed() string {
	d := p.now().Sub(p.start)
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
