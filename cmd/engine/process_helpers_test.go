//go:build unix

package main

// Harness for the process-level tests (process_test.go): the test binary
// re-executes itself as the real `engine` — TestMain sees
// PARINAYA_TEST_ENGINE_CHILD=1 and calls run with the child's arguments, as
// main does — so the tests start, SIGKILL and SIGTERM real engine processes
// without building anything (no toolchain call, no network), and under
// -race the child engine is race-checked too: a race makes it exit 66,
// which the graceful-stop checks catch.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// engineChildEnv marks a re-executed test binary that must run the engine.
const engineChildEnv = "PARINAYA_TEST_ENGINE_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(engineChildEnv) == "1" {
		os.Exit(engineChildMain())
	}
	os.Exit(m.Run())
}

// engineChildMain is main for a child: run(os.Args[1:]), exit 1 on error.
func engineChildMain() int {
	// Die with the parent: a test binary killed by its -timeout must not
	// leave engines behind (portable stand-in for Linux's Pdeathsig).
	ppid := os.Getppid()
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		for range t.C {
			if os.Getppid() != ppid {
				os.Exit(3)
			}
		}
	}()
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "engine:", err)
		return 1
	}
	return 0
}

// childEnviron is the test's environment without any PARINAYA_ setting (a
// developer's own must not leak into the engines), plus extra.
func childEnviron(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARINAYA_") && !strings.HasPrefix(kv, "GORACE=") {
			env = append(env, kv)
		}
	}
	// Under -race a child that exits 0 would sleep a second first
	// (atexit_sleep_ms); the tests stop engines a dozen times.
	gorace := "atexit_sleep_ms=0"
	if v := os.Getenv("GORACE"); v != "" {
		gorace = v + " " + gorace
	}
	env = append(env, engineChildEnv+"=1", "GORACE="+gorace, "PARINAYA_LOG_REQUESTS=false", "PARINAYA_LOG_FORMAT=json")
	return append(env, extra...)
}

// syncBuffer is a bytes.Buffer safe for the exec copier and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// engineProc is one `engine serve` child process.
type engineProc struct {
	name    string
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	stdout  *syncBuffer
	stderr  *syncBuffer
	done    chan struct{} // closed once the process has been waited for
	waitErr error         // cmd.Wait's answer, set before done is closed
	client  *http.Client
	started time.Time
}

// freeAddr picks a loopback port that is free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// startEngine runs `engine serve --data dataDir --http <free port>` with
// env added and waits until /readyz answers 200. The process is killed at
// the end of the test if still running, and its output is logged if the
// test failed.
func startEngine(t *testing.T, name, dataDir string, env ...string) *engineProc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		p := launchEngine(t, name, dataDir, freeAddr(t), env)
		err := p.waitReady(60 * time.Second)
		if err == nil {
			t.Logf("%s: ready on %s after %v", name, p.base, time.Since(p.started).Round(time.Millisecond))
			return p
		}
		// Someone took the port between freeAddr and the child's listen.
		if attempt < 3 && p.exited() && strings.Contains(p.stderr.String(), "address already in use") {
			continue
		}
		t.Fatalf("%s: %v", name, err)
	}
}

func launchEngine(t *testing.T, name, dataDir, addr string, env []string) *engineProc {
	t.Helper()
	return launchProc(t, name, addr, 64, childEnviron(env...), "serve", "--data", dataDir, "--http", addr)
}

// launchProc starts this test binary as `engine args…` (see TestMain), a
// child process named name serving on addr, killed at the end of the test
// if still running; its output is logged if the test failed.
func launchProc(t *testing.T, name, addr string, conns int, environ []string, args ...string) *engineProc {
	t.Helper()
	p := &engineProc{
		name:   name,
		base:   "http://" + addr,
		stdout: &syncBuffer{},
		stderr: &syncBuffer{},
		done:   make(chan struct{}),
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true},
		},
	}
	p.cmd = exec.Command(os.Args[0], args...)
	p.cmd.Env = environ
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: start: %v", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		p.client.CloseIdleConnections()
		if t.Failed() {
			t.Logf("---- %s (%s) stderr ----\n%s", p.name, p.base, p.stderr.String())
			if s := p.stdout.String(); s != "" {
				t.Logf("---- %s stdout ----\n%s", p.name, s)
			}
		}
	})
	return p
}

func (p *engineProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitReady polls /readyz until it answers 200, the process exits or the
// timeout passes.
func (p *engineProc) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/readyz", nil)
		if err != nil {
			cancel()
			return err
		}
		resp, err := p.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		cancel()
		if err == nil && resp.StatusCode == http.StatusOK {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited before it was ready (%v)", p.waitErr)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/readyz not 200 within %v", timeout)
		}
	}
}

// kill SIGKILLs the engine and checks that the signal, not the engine
// itself, ended it.
func (p *engineProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("%s: SIGKILL: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still running 30s after SIGKILL", p.name)
	}
	p.client.CloseIdleConnections()
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("%s: ended by itself (%v), not by the SIGKILL", p.name, p.waitErr)
	}
	p.checkNoRace(t)
}

// checkNoRace fails the test if the race detector (under -race the child
// is instrumented too) reported anything in the engine.
func (p *engineProc) checkNoRace(t *testing.T) {
	t.Helper()
	if strings.Contains(p.stderr.String(), "WARNING: DATA RACE") {
		t.Errorf("%s: the race detector reported a data race in the engine (its stderr is logged below)", p.name)
	}
}

// stop sends SIGTERM and requires exit code 0 within timeout.
func (p *engineProc) stop(t *testing.T, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("%s: SIGTERM: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s: still running %v after SIGTERM", p.name, timeout)
	}
	p.client.CloseIdleConnections()
	p.checkNoRace(t)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("%s: exit code %d after SIGTERM, want 0 (%v)", p.name, code, p.waitErr)
	}
	if !strings.Contains(p.stderr.String(), `"stopped"`) {
		t.Fatalf("%s: exit 0 but no \"stopped\" log line", p.name)
	}
	t.Logf("%s: SIGTERM → exit 0 in %v", p.name, time.Since(start).Round(time.Millisecond))
}

// waitLog waits (with a deadline: the exec copier may lag the readiness)
// until the engine's stderr contains s.
func (p *engineProc) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.stderr.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: stderr never contained %q", p.name, s)
		}
		select {
		case <-p.done:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// runEngineCmd runs `engine args...` as a child to completion and returns
// its output and exit code.
func runEngineCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = childEnviron()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("engine %s: %v", strings.Join(args, " "), err)
	}
	code = cmd.ProcessState.ExitCode()
	t.Logf("engine %s → exit %d in %v", strings.Join(args, " "), code, time.Since(start).Round(time.Millisecond))
	return o.String(), e.String(), code
}

// ---- HTTP ----

// call sends one request (body as JSON unless nil) and returns the status
// and the whole answer. err is only for transport failures, including a
// body cut short: then the outcome is unknown.
func (p *engineProc) call(method, path, token string, body any) (int, []byte, error) {
	status, _, raw, err := p.callWith(method, path, token, nil, body)
	return status, raw, err
}

// callWith is call with extra request headers, answering the response's.
func (p *engineProc) callWith(method, path, token string, hdr http.Header, body any) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, resp.Header, nil, err
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// must sends a request, fails the test unless the answer has status want,
// decodes it into out (when not nil) and returns it.
func (p *engineProc) must(t *testing.T, method, path, token string, body any, want int, out any) []byte {
	t.Helper()
	status, raw, err := p.call(method, path, token, body)
	if err != nil {
		t.Fatalf("%s: %s %s: %v", p.name, method, path, err)
	}
	if status != want {
		t.Fatalf("%s: %s %s: status %d, want %d: %s", p.name, method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %s %s: decoding %s: %v", p.name, method, path, raw, err)
		}
	}
	return raw
}

// wantError checks a non-2xx answer: its status and its error code.
func (p *engineProc) wantError(t *testing.T, method, path, token string, body any, status int, code string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	p.must(t, method, path, token, body, status, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("%s: %s %s: error %+v, want code %q with a message", p.name, method, path, e.Error, code)
	}
}

// pages reads every page of a list route (path may carry a query) with
// ?limit=limit and returns the items and each page's raw answer.
func (p *engineProc) pages(t *testing.T, path, token string, limit int) (items []json.RawMessage, raw [][]byte) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	after := ""
	for n := 0; ; n++ {
		if n > 100_000 {
			t.Fatalf("%s: %s: more than 100000 pages", p.name, path)
		}
		q := path + sep + "limit=" + strconv.Itoa(limit)
		if after != "" {
			q += "&after=" + after
		}
		var pg struct {
			Items []json.RawMessage `json:"items"`
			Next  string            `json:"next"`
		}
		b := p.must(t, http.MethodGet, q, token, nil, http.StatusOK, &pg)
		raw = append(raw, b)
		items = append(items, pg.Items...)
		if pg.Next == "" {
			return items, raw
		}
		if len(pg.Items) == 0 {
			t.Fatalf("%s: %s: an empty page with next %q", p.name, q, pg.Next)
		}
		after = pg.Next
	}
}

// ---- JSON shapes (API.md) ----

type memberRow struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Primary bool   `json:"primary"`
}

type invitationRow struct {
	EventID   string `json:"event_id"`
	Seats     int32  `json:"seats"`
	Status    string `json:"status"`
	Headcount int32  `json:"headcount"`
}

type unitRow struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Side    string      `json:"side"`
	Tags    []string    `json:"tags"`
	Members []memberRow `json:"members"`
	// Invitations is an extension beyond API.md; nil when not sent.
	Invitations *[]invitationRow `json:"invitations"`
	CreatedAt   string           `json:"created_at"`
	UpdatedAt   string           `json:"updated_at"`
}

type rsvpRow struct {
	UnitID     string `json:"unit_id"`
	EventID    string `json:"event_id"`
	Status     string `json:"status"`
	Headcount  int32  `json:"headcount"`
	Seats      int32  `json:"seats"`
	Source     string `json:"source"`
	AnsweredAt string `json:"answered_at"`
	Note       string `json:"note"`
	Seq        uint64 `json:"seq"` // an extension on PUT's answer
}

type eventRow struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	StartsAt   string `json:"starts_at"`
	EndsAt     string `json:"ends_at"`
	Venue      string `json:"venue"`
	Visibility string `json:"visibility"`
}

type hcCounts struct {
	InvitedUnits int `json:"invited_units"`
	InvitedSeats int `json:"invited_seats"`
	YesUnits     int `json:"yes_units"`
	YesHeadcount int `json:"yes_headcount"`
	MaybeUnits   int `json:"maybe_units"`
	NoUnits      int `json:"no_units"`
	PendingUnits int `json:"pending_units"`
}

type hcEvent struct {
	EventID string `json:"event_id"`
	Name    string `json:"name"`
	hcCounts
}

type headcountJSON struct {
	WeddingID string    `json:"wedding_id"`
	Seq       uint64    `json:"seq"`
	AsOf      string    `json:"as_of"`
	Events    []hcEvent `json:"events"`
	Totals    hcCounts  `json:"totals"`
}

func decodeAll[T any](t *testing.T, what string, items []json.RawMessage) []T {
	t.Helper()
	out := make([]T, len(items))
	for i, it := range items {
		if err := json.Unmarshal(it, &out[i]); err != nil {
			t.Fatalf("%s item %d: %v: %s", what, i, err, it)
		}
	}
	return out
}

// weddingState is what the engine serves about one wedding, read whole.
type weddingState struct {
	events    []eventRow
	units     []unitRow
	rsvps     []rsvpRow
	headcount headcountJSON
	hcRaw     []byte
}

// readState reads the events, every page of units and RSVPs, and the
// headcount (twice around the lists, to be sure nothing moved meanwhile).
func (p *engineProc) readState(t *testing.T, wid, token string) weddingState {
	t.Helper()
	base := "/v1/weddings/" + wid
	var s weddingState
	hc1 := p.must(t, http.MethodGet, base+"/headcount", token, nil, http.StatusOK, nil)
	var evs struct {
		Items []eventRow `json:"items"`
	}
	p.must(t, http.MethodGet, base+"/events", token, nil, http.StatusOK, &evs)
	s.events = evs.Items
	items, _ := p.pages(t, base+"/units", token, 137)
	s.units = decodeAll[unitRow](t, "units", items)
	items, _ = p.pages(t, base+"/rsvps", token, 333)
	s.rsvps = decodeAll[rsvpRow](t, "rsvps", items)
	s.hcRaw = p.must(t, http.MethodGet, base+"/headcount", token, nil, http.StatusOK, &s.headcount)
	if !bytes.Equal(hc1, s.hcRaw) {
		t.Fatalf("%s: the headcount changed while the test read the wedding with no writer:\n%s\n%s", p.name, hc1, s.hcRaw)
	}
	return s
}

// checkConsistent checks that the headcount equals the one recomputed from
// the RSVP list, that the RSVP list agrees with the units' invitations, and
// the RSVP invariants (API.md "Invitations and RSVPs", "Headcount").
func checkConsistent(t *testing.T, s weddingState) {
	t.Helper()
	events := map[string]bool{}
	for _, e := range s.events {
		events[e.ID] = true
	}
	units := map[string]*unitRow{}
	for i := range s.units {
		u := &s.units[i]
		if units[u.ID] != nil {
			t.Errorf("unit %s listed twice", u.ID)
		}
		units[u.ID] = u
	}
	want := map[string]*hcCounts{}
	for _, e := range s.events {
		want[e.ID] = &hcCounts{}
	}
	type pair struct{ u, e string }
	seen := map[pair]rsvpRow{}
	invited := map[string]bool{}
	var totals hcCounts
	for _, r := range s.rsvps {
		k := pair{r.UnitID, r.EventID}
		if _, dup := seen[k]; dup {
			t.Errorf("rsvp %v listed twice", k)
		}
		seen[k] = r
		c := want[r.EventID]
		if c == nil {
			t.Errorf("rsvp %v: event not in the event list", k)
			continue
		}
		if units[r.UnitID] == nil {
			t.Errorf("rsvp %v: unit not in the unit list", k)
		}
		if r.Seats < 1 {
			t.Errorf("rsvp %v: %d seats", k, r.Seats)
		}
		invited[r.UnitID] = true
		c.InvitedUnits++
		c.InvitedSeats += int(r.Seats)
		switch r.Status {
		case "yes":
			c.YesUnits++
			c.YesHeadcount += int(r.Headcount)
			if r.Headcount < 1 || r.Headcount > r.Seats {
				t.Errorf("rsvp %v: yes with headcount %d of %d seats", k, r.Headcount, r.Seats)
			}
		case "no", "maybe", "pending":
			switch r.Status {
			case "no":
				c.NoUnits++
			case "maybe":
				c.MaybeUnits++
			default:
				c.PendingUnits++
			}
			if r.Headcount != 0 {
				t.Errorf("rsvp %v: %s with headcount %d", k, r.Status, r.Headcount)
			}
		default:
			t.Errorf("rsvp %v: status %q", k, r.Status)
		}
	}
	for _, c := range want {
		totals.InvitedSeats += c.InvitedSeats
		totals.YesUnits += c.YesUnits
		totals.YesHeadcount += c.YesHeadcount
		totals.MaybeUnits += c.MaybeUnits
		totals.NoUnits += c.NoUnits
		totals.PendingUnits += c.PendingUnits
	}
	totals.InvitedUnits = len(invited)

	h := s.headcount
	if len(h.Events) != len(s.events) {
		t.Errorf("headcount has %d events, the wedding %d", len(h.Events), len(s.events))
	}
	for _, e := range h.Events {
		c := want[e.EventID]
		if c == nil {
			t.Errorf("headcount event %s is not in the event list", e.EventID)
			continue
		}
		if e.hcCounts != *c {
			t.Errorf("headcount of event %s (%s):\n got %+v\nwant %+v (recomputed from GET rsvps)", e.EventID, e.Name, e.hcCounts, *c)
		}
	}
	if h.Totals != totals {
		t.Errorf("headcount totals:\n got %+v\nwant %+v (recomputed from GET rsvps)", h.Totals, totals)
	}

	// The units' own invitations (an extension) say the same as the RSVPs.
	n := 0
	for _, u := range s.units {
		if u.Invitations == nil {
			continue
		}
		for _, inv := range *u.Invitations {
			n++
			r, ok := seen[pair{u.ID, inv.EventID}]
			if !ok {
				t.Errorf("unit %s is invited to %s but GET rsvps has no row for it", u.ID, inv.EventID)
				continue
			}
			if r.Seats != inv.Seats || r.Status != inv.Status || r.Headcount != inv.Headcount {
				t.Errorf("unit %s event %s: unit says %+v, rsvps say %+v", u.ID, inv.EventID, inv, r)
			}
		}
	}
	if n > 0 && n != len(s.rsvps) {
		t.Errorf("units hold %d invitations, GET rsvps %d rows", n, len(s.rsvps))
	}
}
