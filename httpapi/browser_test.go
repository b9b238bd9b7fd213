package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// Browser tests: the guests' pages, the admins' dashboard and the WhatsApp
// simulator in headless Chromium, driven by chromedp, against a real engine
// (Pebble) behind real HTTP on 127.0.0.1. They need a chromium binary:
// without one they skip, or fail when CI is set (CI installs it, see
// .ci/run). Each step's screenshot is kept as a PNG in $PARINAYA_ARTIFACTS
// (a temporary directory when unset).
//
//	go test -race -count=1 -run TestBrowser ./httpapi

// browserTimeout bounds one test's browser: its start, every page and
// every check. The browser is closed at the test's end, or when it runs
// out.
const browserTimeout = 30 * time.Second

// dashboardDeadline is how soon after a guest's answer is saved the
// dashboard must show it, without a reload.
const dashboardDeadline = time.Second

// chromiumPath is the browser to drive, "" when there is none.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// onCI reports whether the env says this is CI, where a missing browser
// is a failure, not a reason to skip.
func onCI() bool {
	v := os.Getenv("CI")
	if v == "" {
		return false
	}
	on, err := strconv.ParseBool(v)
	return err != nil || on // CI=yes counts; CI=false does not
}

// browser is one headless Chromium for one test; its tabs share it.
type browser struct {
	t     *testing.T
	ctx   context.Context // the first tab
	dir   string          // where screenshots go
	shots int

	mu       sync.Mutex
	problems []string // uncaught exceptions and CSP violations, by tab
}

// needChromium is the browser's path; without one it skips the test, or
// fails it on CI. Tests call it first, before building their server.
func needChromium(t *testing.T) string {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		const msg = "no chromium (looked for chromium, chromium-browser and /usr/bin/chromium)"
		if onCI() {
			t.Fatal(msg + ": CI must install it (.ci/run does: apt-get install -y chromium)")
		}
		t.Skip(msg + ": install it (apt-get install -y chromium) to run the browser tests")
	}
	return path
}

// newBrowser starts Chromium (closed at the test's end, before the server
// built earlier stops: an open dashboard stream would hold its shutdown)
// and opens its first tab.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := needChromium(t)
	dir := os.Getenv("PARINAYA_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // NB: we run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// No connection but to the server under test: on this closed
		// network the browser's own ones are refused, and slow it down.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 800),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: bctx, dir: dir}
	t.Cleanup(func() {
		cancelBrowser() // closes the tabs and the browser, and waits for it
		cancelAlloc()
		cancelTimeout()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("the browser saw: %s", p)
		}
	})
	b.setUp(bctx, "tab 1")
	return b
}

// tab opens another tab of the browser (closed with it).
func (b *browser) tab(name string) context.Context {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	b.setUp(ctx, name)
	return ctx
}

// setUp opens the tab, asks for English pages (the pages follow
// Accept-Language) and notes the tab's uncaught exceptions and CSP
// violations, which fail the test at its end.
func (b *browser) setUp(ctx context.Context, name string) {
	b.t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders,
			network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "en"}})
		return err
	}))
	if err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, name+": "+m.String())
				b.mu.Unlock()
			}
		}
	}()
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// shot saves a full-page screenshot of the tab as a PNG.
func (b *browser) shot(ctx context.Context, step string) {
	b.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", step, err)
	}
	b.shots++
	file := filepath.Join(b.dir, fmt.Sprintf("%s-%02d-%s.png", unsafeName.ReplaceAllString(b.t.Name(), "_"), b.shots, step))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", file)
}

// open navigates the tab to url and returns the document's HTTP status.
func (b *browser) open(ctx context.Context, url string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	return resp.Status
}

// submit clicks sel (a form's button) and returns the HTTP status of the
// page the browser lands on, after any redirect, once it has loaded.
func (b *browser) submit(ctx context.Context, sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

// text is what the tab shows: its title and its body's rendered text.
func (b *browser) text(ctx context.Context) string {
	b.t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title + "\n" + document.body.innerText`))
	if err != nil {
		b.t.Fatalf("page text: %v", err)
	}
	return s
}

// eval evaluates a JavaScript expression in the tab.
func eval[T any](b *browser, ctx context.Context, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// eventually polls ok until it holds, for at most d; it fails the test
// with what ok last said.
func eventually(t *testing.T, d time.Duration, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		done, what := ok()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		<-tick.C
	}
}

// eventRow is one event's row of the dashboard's headcount table, as shown.
type eventRow struct {
	Found        bool   `json:"found"`
	YesUnits     string `json:"yes_units"`
	YesHeadcount string `json:"yes_headcount"`
	Pending      string `json:"pending_units"`
	TotalYes     string `json:"total_yes_headcount"`
	Status       string `json:"status"`
}

// dashboardRowJS reads the row of event %q (and the total of people
// coming, and the stream's status) from the dashboard's DOM.
const dashboardRowJS = `(() => {
	const r = document.querySelector('#events tr[data-event-id=%q]');
	const f = (k) => r.querySelector('[data-field="' + k + '"]').textContent;
	const status = document.getElementById("status").textContent;
	const total = document.getElementById("t-yes-headcount").textContent;
	if (!r) return {found: false, status: status};
	return {found: true, yes_units: f("yes_units"), yes_headcount: f("yes_headcount"),
		pending_units: f("pending_units"), total_yes_headcount: total, status: status};
})()`

// answerFieldsJS counts a page's RSVP form fields (and its CSRF token).
const answerFieldsJS = `document.querySelectorAll('input[name^="status_"], input[name^="headcount_"], input[name="csrf"]').length`

// A guest opens their own link, sees their household's events (the
// invite-only one too, never another household's), answers with the form
// (no script on the page: it works with JavaScript off), and the admins'
// dashboard, open in a second tab, shows the new numbers within a second,
// without a reload.
func TestBrowser_GuestAnswersDashboardFollows(t *testing.T) {
	needChromium(t)
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "browser-guest")
	b := newBrowser(t)
	guest := b.ctx

	// The guest's page, with scripts off: the form must not need them.
	err := chromedp.Do(guest, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}), chromedp.EmulateViewport(412, 915))
	if err != nil {
		t.Fatal(err)
	}
	if st := b.open(guest, s.url+f.url); st != 200 {
		t.Fatalf("the guest's page: %d", st)
	}
	text := b.text(guest)
	for _, want := range []string{scriptName, "Sangeet Night", "Family Mehendi", "Asha weds Rohan"} {
		if !strings.Contains(text, want) {
			t.Errorf("the guest's page lacks %q:\n%s", want, text)
		}
	}
	for _, no := range []string{"Cocktail Secret", "Verma"} {
		if strings.Contains(text, no) {
			t.Errorf("the guest's page shows %q, not theirs:\n%s", no, text)
		}
	}
	forms := eval[map[string]bool](b, guest, fmt.Sprintf(`({pub: !!document.querySelector('input[name="status_%[1]s"]'),
		priv: !!document.querySelector('input[name="status_%[2]s"]'), secret: !!document.querySelector('input[name="status_%[3]s"]')})`,
		f.pub, f.priv, f.secret))
	if !forms["pub"] || !forms["priv"] || forms["secret"] {
		t.Errorf("answer fields (public, invite-only, another household's): %v", forms)
	}
	b.shot(guest, "guest-page")

	// The dashboard in a second tab: the token entered once, kept in this
	// tab's sessionStorage only.
	dash := b.tab("dashboard")
	if st := b.open(dash, s.url+"/admin/"+f.w); st != 200 {
		t.Fatalf("the dashboard: %d", st)
	}
	b.shot(dash, "dashboard-login")
	if err := chromedp.Do(dash, chromedp.SendKeys(chromedp.ID("token"), f.owner),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(dashboardRowJS, f.priv)
	before, err := chromedp.Run(dash, chromedp.Poll[eventRow](row+`.found && `+row+`.status === "live" && `+row,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("the dashboard never showed the invite-only event live: %v (%+v)", err, eval[eventRow](b, dash, row))
	}
	if before.YesUnits != "0" || before.YesHeadcount != "0" || before.Pending != "1" || before.TotalYes != "0" {
		t.Fatalf("the dashboard before the answer: %+v", before)
	}
	key := "parinaya.dashboard.token:/v1/weddings/" + f.w
	if got := eval[string](b, dash, fmt.Sprintf(`sessionStorage.getItem(%q) + "|" + localStorage.length + "|" + location.href`, key)); got != f.owner+"|0|"+s.url+"/admin/"+f.w {
		t.Errorf("token kept as %q, want it in sessionStorage only, never in the URL", got)
	}
	// A mark a reload would wipe.
	if err := chromedp.Do(dash, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	b.shot(dash, "dashboard-before")

	// The guest answers: yes, two of the three seats, for the invite-only
	// event; the public one left unanswered.
	if err := chromedp.Do(guest,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="status_%s"][value="yes"]`, f.priv))),
		chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`input[name="headcount_%s"]`, f.priv)), "2"),
	); err != nil {
		t.Fatal(err)
	}
	b.shot(guest, "guest-filled")
	if st := b.submit(guest, `button[type=submit]`); st != 200 {
		t.Fatalf("the page after answering: %d", st)
	}
	saved := time.Now()

	// The dashboard follows, within the deadline, from the stream.
	pctx, cancel := context.WithTimeout(dash, 2*dashboardDeadline)
	defer cancel()
	after, err := chromedp.Run(pctx, chromedp.Poll[eventRow](
		row+`.yes_units === "1" && `+row+`.yes_headcount === "2" && `+row+`.total_yes_headcount === "2" && `+row,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(dashboardDeadline)))
	took := time.Since(saved)
	if err != nil {
		b.shot(dash, "dashboard-late")
		t.Fatalf("the dashboard did not show the answer within %v: %v (it shows %+v)", dashboardDeadline, err, eval[eventRow](b, dash, row))
	}
	if took > dashboardDeadline {
		t.Errorf("the dashboard showed the answer %v after it was saved, want within %v", took, dashboardDeadline)
	}
	t.Logf("the dashboard showed the answer %v after the guest's page came back", took)
	if after.Pending != "0" || after.Status != "live" {
		t.Errorf("the dashboard after the answer: %+v", after)
	}
	if !eval[bool](b, dash, `window.notReloaded === true`) {
		t.Error("the dashboard reloaded")
	}
	// The households to chase follow too (fetched again at most once a
	// second): the answered invitation leaves the list, the rest stay.
	chase := `Array.from(document.querySelectorAll('#pending tr')).map(r => r.textContent).join("\n")`
	lctx, lcancel := context.WithTimeout(dash, 5*time.Second)
	defer lcancel()
	if _, err := chromedp.Run(lctx, chromedp.Poll[bool](`(() => { const c = `+chase+`; return !c.includes("Family Mehendi") && c.includes("Sangeet Night"); })()`,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(3*time.Second))); err != nil {
		t.Errorf("the households to chase after the answer: %v\n%s", err, eval[string](b, dash, chase))
	}
	b.shot(dash, "dashboard-after")

	// The guest's page shows the answer given; the engine recorded it from
	// the web form.
	got := eval[map[string]any](b, guest, fmt.Sprintf(`({yes: document.querySelector('input[name="status_%[1]s"][value="yes"]').checked,
		headcount: document.querySelector('input[name="headcount_%[1]s"]').value, pub: !!document.querySelector('input[name="status_%[2]s"]:checked'),
		url: location.pathname})`, f.priv, f.pub))
	if got["yes"] != true || got["headcount"] != "2" || got["pub"] != false || got["url"] != f.url {
		t.Errorf("the guest's page after answering: %v", got)
	}
	b.shot(guest, "guest-saved")
	for _, x := range s.must(200, "GET", "/v1/weddings/"+f.w+"/rsvps?unit="+f.unit, f.owner, nil).items() {
		it := obj(x)
		want := map[string]any{"status": "pending", "headcount": 0.0}
		if it["event_id"] == f.priv {
			want = map[string]any{"status": "yes", "headcount": 2.0, "source": "web"}
		}
		for k, v := range want {
			if it[k] != v {
				t.Errorf("answer for %s: %v, want %s %v", it["event_id"], it, k, v)
			}
		}
	}
}

// The published website shows the public events and never an invite-only
// one, nor a household.
func TestBrowser_PublicSiteHidesInviteOnly(t *testing.T) {
	needChromium(t)
	s := newTestServer(t, httpapi.Config{})
	newPagesFixture(t, s, "browser-site")
	b := newBrowser(t)
	if st := b.open(b.ctx, s.url+"/w/browser-site"); st != 200 {
		t.Fatalf("the website: %d", st)
	}
	text := b.text(b.ctx)
	b.shot(b.ctx, "site")
	for _, want := range []string{"Asha weds Rohan", "Sangeet Night", "We met in Goa."} {
		if !strings.Contains(text, want) {
			t.Errorf("the website lacks %q:\n%s", want, text)
		}
	}
	for _, no := range []string{"Family Mehendi", "Cocktail Secret", "alert(1)", "Verma"} {
		if strings.Contains(text, no) {
			t.Errorf("the website shows %q:\n%s", no, text)
		}
	}
	if n := eval[int](b, b.ctx, answerFieldsJS); n != 0 {
		t.Errorf("the public website has %d answer fields", n)
	}
}

// A link that does not stand (tampered, expired, revoked) opens the polite
// page, 404, with nothing of the wedding: no household, no event, no title.
func TestBrowser_LinksThatDoNotStand(t *testing.T) {
	needChromium(t)
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "browser-links")
	b := newBrowser(t)
	tab := b.ctx
	link := "/v1/weddings/" + f.w + "/units/" + f.unit + "/link"
	noData := func(name, path string) {
		t.Helper()
		st := b.open(tab, s.url+path)
		text := b.text(tab)
		b.shot(tab, name)
		if st != 404 {
			t.Errorf("%s: status %d, want 404", name, st)
		}
		for _, no := range []string{"alert(1)", "script", "Sangeet", "Mehendi", "Cocktail", "Asha", "Rohan", "Goa"} {
			if strings.Contains(text, no) {
				t.Errorf("%s: the page shows %q:\n%s", name, no, text)
			}
		}
		if n := eval[int](b, tab, answerFieldsJS); n != 0 {
			t.Errorf("%s: the page has %d answer fields", name, n)
		}
	}
	shows := func(name, path string) {
		t.Helper()
		if st := b.open(tab, s.url+path); st != 200 || !strings.Contains(b.text(tab), scriptName) {
			t.Fatalf("%s: %d, want the household's page:\n%s", name, st, b.text(tab))
		}
	}

	// Tampered: one character of the token flipped.
	shows("good link", f.url)
	i := len(f.token) / 2
	flip := byte('A')
	if f.token[i] == 'A' {
		flip = 'B'
	}
	noData("tampered", strings.TrimSuffix(f.url, f.token)+f.token[:i]+string(flip)+f.token[i+1:])

	// Expired: a link made to last a second or two; it shows the page
	// while it lasts (when the page came back in time), then the polite one.
	exp := time.Now().Truncate(time.Second).Add(2 * time.Second)
	short := s.must(201, "POST", link, f.owner, map[string]any{"expires_at": exp.Format(time.RFC3339)}).str("url")
	st := b.open(tab, s.url+short)
	if time.Now().Before(exp) && (st != 200 || !strings.Contains(b.text(tab), scriptName)) {
		t.Fatalf("a link before its expiry: %d:\n%s", st, b.text(tab))
	}
	eventually(t, 5*time.Second, func() (bool, string) {
		st := b.open(tab, s.url+short)
		return st == 404, fmt.Sprintf("the link that expired at %v still answers %d", exp, st)
	})
	noData("expired", short)

	// Revoked: every link of the household, the one that worked included.
	shows("good link before the revoke", f.url)
	s.must(204, "DELETE", link, f.owner, nil)
	noData("revoked", f.url)
}

// The WhatsApp simulator shows the invitation a campaign sent (the
// template rendered with its parameters, its quick replies); a tap on Yes
// goes to the engine as the guest's answer and moves the headcount.
func TestBrowser_SimulatorYesMovesHeadcount(t *testing.T) {
	needChromium(t)
	r := newCampaignRig(t, sandbox.Config{MPS: 2000, Delay: -1}, actors.PacerConfig{MPS: 2000}, actors.MessagingConfig{})
	g := r.guestList("browser-sim", 1, 1, 0)
	id := r.startCampaign(g, "wedding_invite").str("id")
	r.waitFor(g, id, 20*time.Second, func(a answer) bool { return a.str("state") == "done" })
	sent := r.sb.Accepted(g.phones[0])
	if len(sent) != 1 || sent[0].Template == nil {
		t.Fatalf("the sandbox accepted %+v for %s", sent, g.phones[0])
	}
	inv := sent[0]
	b := newBrowser(t)
	tab := b.ctx
	chat := r.url + "/sandbox/chat/" + url.PathEscape(g.phones[0])
	if st := b.open(tab, chat); st != 200 {
		t.Fatalf("the simulator: %d", st)
	}
	b.shot(tab, "invitation")
	type bubble struct {
		Text    string   `json:"text"`
		Buttons []string `json:"buttons"`
	}
	const bubblesJS = `[...document.querySelectorAll(".msg.biz")].map(m => ({text: m.querySelector(".text").textContent,
		buttons: [...m.querySelectorAll('button[name="button"]')].map(b => b.value)}))`
	got := eval[[]bubble](b, tab, bubblesJS)
	if len(got) != 1 || got[0].Text != inv.Text {
		t.Fatalf("the simulator shows %+v, want the invitation %q", got, inv.Text)
	}
	if strings.Join(got[0].Buttons, ",") != "Yes,No,Maybe" {
		t.Errorf("quick replies %v, want Yes, No, Maybe", got[0].Buttons)
	}
	if inv.Template.Name != "wedding_invite" || len(inv.Template.Params) != 3 {
		t.Errorf("template %+v", inv.Template)
	}
	for _, p := range append(inv.Template.Params, "Family 0", "Wedding browser-sim", "Sangeet") {
		if !strings.Contains(got[0].Text, p) {
			t.Errorf("the invitation lacks %q: %q", p, got[0].Text)
		}
	}

	headcount := func() map[string]any {
		return obj(r.must(200, "GET", "/v1/weddings/"+g.w+"/headcount", g.owner, nil).body["events"].([]any)[0])
	}
	if ev := headcount(); ev["yes_units"] != 0.0 || ev["pending_units"] != 1.0 {
		t.Fatalf("headcount before the tap: %v", ev)
	}
	if st := b.submit(tab, `.msg.biz button[name="button"][value="Yes"]`); st != 200 {
		t.Fatalf("the simulator after the tap: %d", st)
	}
	if said := eval[string](b, tab, `[...document.querySelectorAll(".msg.guest .text")].map(e => e.textContent).join("|")`); said != "Yes" {
		t.Errorf("the guest's side of the chat: %q, want Yes", said)
	}
	if note := eval[int](b, tab, `document.querySelectorAll(".note").length`); note != 0 {
		t.Errorf("the tap failed: %s", b.text(tab))
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		ev := headcount()
		return ev["yes_units"] == 1.0 && ev["pending_units"] == 0.0, fmt.Sprintf("headcount after the tap: %v", ev)
	})
	rs := r.list("/v1/weddings/"+g.w+"/rsvps?event="+g.event, g.owner, 100)
	if len(rs) != 1 || rs[0]["status"] != "yes" || rs[0]["source"] != "whatsapp" {
		t.Errorf("answers: %v", rs)
	}
	// What the engine said back, if anything, shows once the page is opened
	// again.
	b.open(tab, chat)
	b.shot(tab, "after-yes")
}

// TestBrowser_GuestPageInHindi: a browser that prefers Hindi gets the
// household's page in Hindi; an answer given there lands on the Hindi
// page again, and the switch link turns the page to English.
func TestBrowser_GuestPageInHindi(t *testing.T) {
	needChromium(t)
	s := newTestServer(t, httpapi.Config{})
	f := newPagesFixture(t, s, "browser-hindi")
	b := newBrowser(t)
	err := chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders,
			network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"}})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	if st := b.open(b.ctx, s.url+f.url); st != 200 {
		t.Fatalf("the guest page: %d", st)
	}
	b.shot(b.ctx, "hindi")
	text := b.text(b.ctx)
	for _, want := range []string{"क्या आप आएँगे?", "मेरे उत्तर भेजें", "दिसंबर", "Sangeet Night", "Family Mehendi", "English"} {
		if !strings.Contains(text, want) {
			t.Errorf("the Hindi page lacks %q:\n%s", want, text)
		}
	}
	if lang := eval[string](b, b.ctx, `document.documentElement.lang`); lang != "hi" {
		t.Errorf("lang %q, want hi", lang)
	}

	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="status_%s"][value="no"]`, f.pub)))); err != nil {
		t.Fatal(err)
	}
	if st := b.submit(b.ctx, `button[type=submit]`); st != 200 {
		t.Fatalf("the answer: %d", st)
	}
	b.shot(b.ctx, "hindi-saved")
	if text := b.text(b.ctx); !strings.Contains(text, "धन्यवाद") || !strings.Contains(text, "आपका उत्तर: नहीं") {
		t.Errorf("the page after answering in Hindi:\n%s", text)
	}

	if st := b.submit(b.ctx, `p.lang a`); st != 200 {
		t.Fatalf("the switch: %d", st)
	}
	b.shot(b.ctx, "english")
	if text := b.text(b.ctx); !strings.Contains(text, "Will you come?") || !strings.Contains(text, "Your answer: no") || strings.Contains(text, "क्या आप") {
		t.Errorf("the page switched to English:\n%s", text)
	}
}
