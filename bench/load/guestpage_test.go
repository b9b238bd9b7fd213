package load

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// The scenario in its --quick form against an in-process engine: the
// pages all checked and answered, both curve points beside their ceiling,
// every dashboard given every write, no error of any kind.
func TestGuestPage_Quick(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an engine")
	}
	eng, err := Start(t.TempDir(), EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	cfg := Config{Quick: true, Duration: 150 * time.Millisecond, PointDuration: 100 * time.Millisecond}.withDefaults()
	env := &Env{URL: eng.URL, RootToken: eng.RootToken, Local: true, Conns: cfg.Conns, Duration: cfg.Duration,
		Curve: cfg.Curve, PointDuration: cfg.PointDuration, Results: map[string]ScenarioResult{},
		cfg: cfg, progress: io.Discard, report: &Report{Quick: true}}
	if env.admin, err = NewClient(eng.URL, 8); err != nil {
		t.Fatal(err)
	}
	w, err := Provision(env.admin, eng.RootToken, WeddingSpec{Units: 40, Seed: 3, Answered: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	env.Weddings = []*Wedding{w}
	env.initSkew()

	results, err := runGuestPage(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]ScenarioResult{}
	for _, r := range results {
		names = append(names, r.Name)
		byName[r.Name] = r
		t.Logf("%s: %d ok, %d errors %v, p50 %.3f ms, p99 %.3f ms; %s", r.Name, r.Count, r.Errors, r.ErrorsByCode, r.Latency.P50, r.Latency.P99, r.Note)
	}
	if want := "guest-page guest-page/first-view guest-page/dashboards guest-page/dashboards/writes"; strings.Join(names, " ") != want {
		t.Fatalf("results %v; want %s", names, want)
	}
	page := byName["guest-page"]
	if page.Curve == nil || len(page.Curve.Points) != 2 || page.Errors != 0 || page.Count == 0 {
		t.Fatalf("guest-page: %+v", page)
	}
	for i, pt := range page.Curve.Points {
		if pt.Connections != guestPageConns[i] || pt.Engine.Count == 0 || pt.Engine.Errors != 0 ||
			pt.Baseline.Count == 0 || pt.Baseline.Errors != 0 || pt.Ratio <= 0 {
			t.Errorf("point %d: %+v", i, pt)
		}
	}
	if !strings.Contains(page.Note, "20 households' pages of a 40-household wedding") {
		t.Errorf("note: %s", page.Note)
	}
	if fv := byName["guest-page/first-view"]; fv.Count != guestPageQuickLinks || fv.Errors != 0 || fv.Latency.P50 <= 0 {
		t.Errorf("first views: %d ok, %d errors, %+v", fv.Count, fv.Errors, fv.Latency)
	}
	d := byName["guest-page/dashboards"]
	if d.Count != guestPageQuickWrites*guestPageQuickDashboards || d.Errors != 0 || d.Latency.Max < d.Latency.P99 || len(d.Histogram) == 0 {
		t.Errorf("dashboards: %d delivered, %d errors %v; want %d", d.Count, d.Errors, d.ErrorsByCode, guestPageQuickWrites*guestPageQuickDashboards)
	}
	if !strings.Contains(d.Note, "20 writes × 10 dashboards (10 opened); 200 events read after the first") {
		t.Errorf("dashboards note: %s", d.Note)
	}
	if wr := byName["guest-page/dashboards/writes"]; wr.Count != guestPageQuickWrites || wr.Errors != 0 {
		t.Errorf("writes: %d ok, %d errors %v", wr.Count, wr.Errors, wr.ErrorsByCode)
	}
}

// A write is delivered by the first event of its seq or later: at once,
// coalesced with a later one, or before its own 200 (counted 0); a write
// no event reached fails.
func TestDelivered_Match(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	events := []sseEvent{{seq: 7, at: at(0)}, {seq: 10, at: at(12)}, {seq: 12, at: at(30)}, {seq: 15, at: at(40)}}
	writes := []dashboardWrite{
		{seq: 10, at: at(10)}, // 2 ms
		{seq: 11, at: at(20)}, // coalesced into 12: 10 ms
		{seq: 15, at: at(41)}, // its event came 1 ms before the 200: 0
		{seq: 16, at: at(50)}, // never sent
	}
	var dl delivered
	tl := newTally()
	dl.match(events, writes, tl)
	if tl.count != 3 || tl.errs != 1 || tl.codes["not_delivered"] != 1 {
		t.Fatalf("%d delivered, %d errors %v", tl.count, tl.errs, tl.codes)
	}
	if dl.coalesced != 1 || dl.early != 1 || dl.lead != time.Millisecond {
		t.Errorf("coalesced %d, early %d by %s", dl.coalesced, dl.early, dl.lead)
	}
	if got := tl.lat.Max(); got < 9_990 || got > 10_010 {
		t.Errorf("slowest %d µs; want 10 ms", got)
	}
	if got := tl.lat.Min(); got != 1 { // 0, recorded as the histogram's 1 µs
		t.Errorf("fastest %d µs; want 1", got)
	}
}

// Events are the data lines, with or without the space, CRLF or LF;
// comments and blank lines are not events.
func TestReadSSE(t *testing.T) {
	stream := ": keepalive\n\ndata: {\"seq\":1}\n\ndata:{\"seq\":2}\r\n\r\n: keepalive\n\ndata: {\"wedding_id\":\"w\",\"seq\":30,\"events\":[]}\n\n"
	var got []string
	err := readSSE(strings.NewReader(stream), func(data []byte, _ time.Time) error {
		got = append(got, string(data))
		return nil
	})
	if !errors.Is(err, io.EOF) {
		t.Errorf("end: %v", err)
	}
	want := []string{`{"seq":1}`, `{"seq":2}`, `{"wedding_id":"w","seq":30,"events":[]}`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events %q; want %q", got, want)
	}
	for _, d := range want {
		if _, ok := seqOf([]byte(d)); !ok {
			t.Errorf("no seq in %s", d)
		}
	}
	if n, _ := seqOf([]byte(want[2])); n != 30 {
		t.Errorf("seq %d; want 30", n)
	}
	if _, ok := seqOf([]byte(`{"unit_id":"u","status":"yes"}`)); ok {
		t.Error("a seq read where there is none")
	}
	long := "data: " + strings.Repeat("x", 70<<10) + "\n\n"
	if err := readSSE(strings.NewReader(long), func([]byte, time.Time) error { return nil }); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("a 70 KiB line: %v", err)
	}
}

// A page is the household's: 200, HTML, its name whole, however the
// page's text puts it (Family 1 is not on Family 12's page).
func TestCheckPage(t *testing.T) {
	html := []byte("text/html; charset=utf-8")
	page := []byte(`<p>Namaste, <strong>Family 12 (edited 3)</strong>!</p>`)
	for _, tc := range []struct {
		status   int
		ct, body []byte
		name     string
		code     string // "" when the page is right
	}{
		{200, html, page, "Family 12 (edited 3)", ""},
		{200, html, []byte(`<p>Namaste, Family 12!</p>`), "Family 12", ""},
		{200, html, []byte(`<p>नमस्ते, Family 12!</p>`), "Family 12", ""},
		{200, html, []byte(`<p>Namaste, Family 12!</p>`), "Family 1", "not_the_household_page"},
		{200, html, []byte(`<p>Namaste, Family 12!</p>`), "Family 2", "not_the_household_page"},
		{200, html, []byte(`<strong>Tom &amp; Jerry&#39;s</strong>`), "Tom & Jerry's", ""},
		{200, html, page, "Family 1", "not_the_household_page"},
		{200, []byte("application/json"), page, "Family 12 (edited 3)", "not_html"},
		{404, html, []byte("<p>This page is not available.</p>"), "Family 12", "http_404"},
	} {
		err := checkPage(tc.status, tc.ct, tc.body, pageMarker(tc.name))
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.code != "" && ErrorCode(err) != tc.code:
			t.Errorf("%s, status %d, %s: error %v; want %s", tc.name, tc.status, tc.ct, err, tc.code)
		}
	}
}
