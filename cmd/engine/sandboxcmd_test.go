package main

// Tests of `engine sandbox` run in-process (runSandbox with its own
// environment). The process-level test of an engine in cloud mode against
// an `engine sandbox` child is TestProcess_CloudModeAgainstSandbox.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

const (
	sbTestSecret = "sandbox-test-app-secret-0123456789"
	sbTestToken  = "sandbox-test-access-token-abcdefgh"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestSandboxCmd_Help(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"sandbox", "--help"}, &out, &errOut); err != nil {
		t.Fatalf("sandbox --help: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"usage: engine sandbox", "--webhook", "--http", "PARINAYA_WHATSAPP_APP_SECRET", DefaultSandboxHTTP} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("sandbox --help does not mention %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"--help"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "sandbox") {
		t.Errorf("engine --help does not list the sandbox command (%v):\n%s", err, out.String())
	}
}

// TestSandboxCmd_Refusals: bad settings stop the command before it listens,
// with an error naming what to fix and never quoting a secret.
func TestSandboxCmd_Refusals(t *testing.T) {
	ok := map[string]string{"PARINAYA_WHATSAPP_APP_SECRET": sbTestSecret, "PARINAYA_WHATSAPP_ACCESS_TOKEN": sbTestToken}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range ok {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no app secret", nil, map[string]string{"PARINAYA_WHATSAPP_ACCESS_TOKEN": sbTestToken}, "PARINAYA_WHATSAPP_APP_SECRET is required"},
		{"fail rate above 1", nil, with("PARINAYA_SANDBOX_FAIL_RATE", "1.5"), "sandbox.fail_rate: must be between 0 and 1"},
		{"mps not a number", nil, with("PARINAYA_SANDBOX_MPS", "fast"), "PARINAYA_SANDBOX_MPS"},
		{"mps zero", nil, with("PARINAYA_SANDBOX_MPS", "0"), "sandbox.mps: must be > 0"},
		{"negative delay", nil, with("PARINAYA_SANDBOX_DELAY", "-1s"), "sandbox.delay"},
		{"bad log level", nil, with("PARINAYA_LOG_LEVEL", "loud"), "log.level"},
		{"bad phone number id", nil, with("PARINAYA_WHATSAPP_PHONE_NUMBER_ID", "12a"), "phone_number_id"},
		{"webhook not http", []string{"--webhook", "ftp://example.com/hook"}, ok, "webhook_url"},
		{"http not host:port", []string{"--http", "8090"}, ok, "--http"},
		{"stray argument", []string{"now"}, ok, "unexpected argument"},
		{"unknown flag", []string{"--port", "1"}, ok, "flag provided but not defined"},
		{"missing config file", []string{"--config", "/nonexistent/engine.toml"}, ok, "/nonexistent/engine.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			err := runSandbox(ctx, append([]string{"--http", "127.0.0.1:0"}, tt.args...), envMap(tt.env), &out, &errOut)
			if err == nil {
				t.Fatalf("started (stopped by the deadline) instead of refusing:\n%s", errOut.String())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
			for _, secret := range []string{sbTestSecret, sbTestToken} {
				if strings.Contains(err.Error()+out.String()+errOut.String(), secret) {
					t.Fatalf("a secret leaked into the error or output: %v\n%s", err, errOut.String())
				}
			}
		})
	}
}

// TestSandboxCmd_ConfigFile: the [sandbox] section of an engine config
// file is read, the environment overrides it, and the engine's other
// settings in that file do not stop the sandbox.
func TestSandboxCmd_ConfigFile(t *testing.T) {
	path := t.TempDir() + "/engine.toml"
	const file = "[server]\nhttp = \"127.0.0.1:9\"\n[whatsapp]\nmode = \"cloud\"\n[sandbox]\nmps = 123\nfail_rate = 0.25\n"
	if err := writeFile(path, file); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PARINAYA_WHATSAPP_APP_SECRET": sbTestSecret, "PARINAYA_SANDBOX_FAIL_RATE": "0.5",
		"PARINAYA_SERVER_HTTP": "not an address", "PARINAYA_ENGINE_MAX_INFLIGHT": "many"}
	s, err := loadSandboxSettings([]string{"--config", path, "--seed", "42"}, envMap(env), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Sandbox.MPS != 123 || s.cfg.Sandbox.FailRate != 0.5 || s.seed != 42 || s.http != DefaultSandboxHTTP || s.webhook != DefaultSandboxWebhook {
		t.Fatalf("settings %+v, sandbox %+v; want mps 123 (file), fail_rate 0.5 (env over file), seed 42, default addresses", s, s.cfg.Sandbox)
	}
}

func writeFile(path, s string) error {
	return os.WriteFile(path, []byte(s), 0o600)
}

// hookRecorder is a webhook receiver that keeps every POST.
type hookRecorder struct {
	mu    sync.Mutex
	posts []hookPost
}

type hookPost struct {
	body []byte
	sig  string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/webhooks/whatsapp" {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.posts = append(h.posts, hookPost{body: b, sig: r.Header.Get(whatsapp.SignatureHeader)})
	h.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (h *hookRecorder) all() []hookPost {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookPost(nil), h.posts...)
}

// statusWebhook is the part of Meta's status webhook the tests read.
type statusWebhook struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				Metadata struct {
					PhoneNumberID string `json:"phone_number_id"`
				} `json:"metadata"`
				Statuses []struct {
					ID          string `json:"id"`
					Status      string `json:"status"`
					RecipientID string `json:"recipient_id"`
				} `json:"statuses"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

var sandboxReadyLine = regexp.MustCompile(`"http":"([^"]+)"[^\n]*"message":"sandbox ready"`)

// startSandboxInProcess runs runSandbox until the test ends and returns
// its address, its stderr and a function that stops it and returns its
// error.
func startSandboxInProcess(t *testing.T, args []string, env map[string]string) (addr string, stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runSandbox(ctx, args, envMap(env), io.Discard, stderr) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				err = errors.New("runSandbox still running 30s after its context ended")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := sandboxReadyLine.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stderr, stop
		}
		select {
		case err := <-done:
			t.Fatalf("sandbox exited before it was ready: %v\n%s", err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no \"sandbox ready\" line within 10s:\n%s", stderr.String())
		}
	}
}

// TestSandboxCmd_SendsAndSignsWebhooks runs `engine sandbox` in-process,
// sends it a template message on its Graph route as the engine's client
// does, and checks that GET /sandbox/messages lists it and that the
// webhook receiver got its statuses, signed with the app secret
// (WHATSAPP.md §2). Cancelling the context stops it cleanly.
func TestSandboxCmd_SendsAndSignsWebhooks(t *testing.T) {
	hooks := &hookRecorder{}
	recv := httptest.NewServer(hooks)
	defer recv.Close()
	env := map[string]string{
		"PARINAYA_WHATSAPP_APP_SECRET":   sbTestSecret,
		"PARINAYA_WHATSAPP_ACCESS_TOKEN": sbTestToken,
		"PARINAYA_SANDBOX_DELAY":         "1ms",
		"PARINAYA_LOG_LEVEL":             "debug",
		"PARINAYA_LOG_FORMAT":            "json",
	}
	addr, stderr, stop := startSandboxInProcess(t, []string{"--http", "127.0.0.1:0", "--webhook", recv.URL + "/webhooks/whatsapp", "--seed", "7"}, env)
	base := "http://" + addr
	hc := &http.Client{Timeout: 10 * time.Second}

	// Its health routes answer, for whoever supervises it.
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := hc.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
	}

	const phone = "+919812345678"
	msg := &whatsapp.Message{To: phone, CallbackData: "m-test-1", Template: &whatsapp.Template{Name: "wedding_invite", Language: "en",
		Params: []string{"Asha", "Asha & Ravi", "Sangeet, 10 Dec"}, ButtonPayloads: []string{"yes-1", "no-1", "maybe-1"}}}
	body, err := msg.Body()
	if err != nil {
		t.Fatal(err)
	}
	graph := base + "/" + whatsapp.DefaultAPIVersion + "/" + sandbox.DefaultPhoneNumberID + "/messages"
	post := func(token string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, graph, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// PARINAYA_WHATSAPP_ACCESS_TOKEN is set: Graph requests must carry it
	// (WHATSAPP.md §6: 401 with code 190 otherwise).
	for _, tok := range []string{"", "wrong-token"} {
		status, b := post(tok)
		var e struct {
			Error struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		if status != http.StatusUnauthorized || json.Unmarshal(b, &e) != nil || e.Error.Code != 190 {
			t.Fatalf("send with token %q: %d %s; want 401 with code 190", tok, status, b)
		}
	}
	status, b := post(sbTestToken)
	if status != http.StatusOK {
		t.Fatalf("send: %d %s", status, b)
	}
	r := whatsapp.ParseResponse(status, b)
	if r.Class != whatsapp.Accepted || !strings.HasPrefix(r.WAMID, "wamid.") {
		t.Fatalf("send answer %s parsed as %+v", b, r)
	}

	// GET /sandbox/messages, for the phone and in all.
	var page struct {
		Items []sandbox.Accepted `json:"items"`
		Next  string             `json:"next"`
	}
	for _, q := range []string{"?to=" + url.QueryEscape(phone), "?limit=1000"} {
		resp, err := hc.Get(base + "/sandbox/messages" + q)
		if err != nil {
			t.Fatal(err)
		}
		page.Items = nil
		err = json.NewDecoder(resp.Body).Decode(&page)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /sandbox/messages%s: %d %v", q, resp.StatusCode, err)
		}
		if len(page.Items) != 1 {
			t.Fatalf("GET /sandbox/messages%s: %d items, want 1: %+v", q, len(page.Items), page.Items)
		}
		a := page.Items[0]
		if a.WAMID != r.WAMID || a.To != phone || a.Kind != "template" || a.Template == nil || a.Template.Name != "wedding_invite" ||
			a.Template.Language != "en" || len(a.Template.Params) != 3 || a.Template.Params[0] != "Asha" || len(a.Buttons) != 3 || a.Buttons[0].ID != "yes-1" {
			t.Fatalf("GET /sandbox/messages%s: %+v, want the template sent as %s", q, a, r.WAMID)
		}
	}

	// Its statuses come to the webhook, each signed with the app secret.
	want := map[string]bool{"sent": false, "delivered": false, "read": false}
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, p := range hooks.all() {
			if !whatsapp.ValidSignature(sbTestSecret, p.body, p.sig) {
				t.Fatalf("webhook with a bad signature %q: %s", p.sig, p.body)
			}
			if whatsapp.ValidSignature("another-secret", p.body, p.sig) {
				t.Fatalf("webhook signature also valid under another secret: %q", p.sig)
			}
			var wh statusWebhook
			if err := json.Unmarshal(p.body, &wh); err != nil {
				t.Fatalf("webhook is not JSON: %v: %s", err, p.body)
			}
			if wh.Object != "whatsapp_business_account" || len(wh.Entry) != 1 || len(wh.Entry[0].Changes) != 1 {
				t.Fatalf("webhook not shaped as Meta's: %s", p.body)
			}
			v := wh.Entry[0].Changes[0].Value
			if v.Metadata.PhoneNumberID != sandbox.DefaultPhoneNumberID {
				t.Fatalf("webhook metadata.phone_number_id %q: %s", v.Metadata.PhoneNumberID, p.body)
			}
			for _, st := range v.Statuses {
				if st.ID != r.WAMID || st.RecipientID != strings.TrimPrefix(phone, "+") {
					t.Fatalf("status for %s / %s, want %s / %s: %s", st.ID, st.RecipientID, r.WAMID, phone, p.body)
				}
				want[st.Status] = true
			}
		}
		if want["sent"] && want["delivered"] && want["read"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("statuses seen within 10s: %v (%d webhooks)", want, len(hooks.all()))
		}
		time.Sleep(5 * time.Millisecond)
	}

	if err := stop(); err != nil {
		t.Fatalf("stopping: %v\n%s", err, stderr.String())
	}
	logs := stderr.String()
	if !strings.Contains(logs, `"message":"stopped"`) {
		t.Fatalf("no \"stopped\" log line:\n%s", logs)
	}
	// Phones masked, secrets never logged.
	for _, leak := range []string{"919812345678", sbTestSecret, sbTestToken} {
		if strings.Contains(logs, leak) {
			t.Fatalf("the log holds %q:\n%s", leak, logs)
		}
	}
	if !strings.Contains(logs, "5678") {
		t.Fatalf("debug logs never mention the (masked) recipient:\n%s", logs)
	}
	// Stopped means stopped: the port is closed.
	if resp, err := hc.Get(base + "/healthz"); err == nil {
		_ = resp.Body.Close()
		t.Fatalf("GET /healthz after the stop answered %d", resp.StatusCode)
	}
}
