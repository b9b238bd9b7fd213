package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// Defaults of `engine sandbox`.
const (
	// DefaultSandboxHTTP is where `engine sandbox` listens: next to the
	// engine's own default 127.0.0.1:8080.
	DefaultSandboxHTTP = "127.0.0.1:8090"
	// DefaultSandboxWebhook is the engine's webhook at its default address.
	DefaultSandboxWebhook = "http://127.0.0.1:8080/webhooks/whatsapp"
	// sandboxShutdownTimeout bounds the wait for requests in flight at a
	// signal (a POST /sandbox/reply waits for its webhook's delivery); the
	// sandbox's own Close then waits for webhooks in flight, bounded too.
	sandboxShutdownTimeout = 10 * time.Second
)

const sandboxUsage = `usage: engine sandbox [--http ADDR] [--webhook URL] [--config FILE] [--seed N]

Runs the WhatsApp sandbox alone, until SIGINT or SIGTERM: a stand-in for
Meta's Cloud API. It serves the Graph send route
(POST /{version}/{phone-number-id}/messages) and the /sandbox/ routes
(GET /sandbox/messages, POST /sandbox/reply, GET /sandbox/stats), and posts
signed status and message webhooks to --webhook. Point an engine in cloud
mode at it:

  PARINAYA_WHATSAPP_MODE=cloud PARINAYA_WHATSAPP_BASE_URL=http://127.0.0.1:8090
  PARINAYA_WHATSAPP_PHONE_NUMBER_ID=106540352242922

Environment:
  PARINAYA_WHATSAPP_APP_SECRET    signs the webhooks (required; give the
                                  engine the same one)
  PARINAYA_WHATSAPP_ACCESS_TOKEN  if set, Graph requests must carry it as
                                  "Authorization: Bearer <token>"; if unset,
                                  none is required
  PARINAYA_WHATSAPP_PHONE_NUMBER_ID, PARINAYA_WHATSAPP_BUSINESS_ACCOUNT_ID
                                  its ids (default 106540352242922 and
                                  102290129340398)
  PARINAYA_SANDBOX_MPS, _REPLY_RATE, _FAIL_RATE, _DUPLICATE_RATE,
  _REORDER_RATE, _DELAY           its behaviour (the [sandbox] section of
                                  configs/engine.example.toml)
  PARINAYA_LOG_LEVEL, PARINAYA_LOG_FORMAT

flags:
`

// sandboxCmd runs `engine sandbox`.
func sandboxCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := runSandbox(ctx, args, os.Getenv, stdout, stderr); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	return nil
}

// sandboxSettings is what `engine sandbox` runs with.
type sandboxSettings struct {
	http    string
	webhook string
	seed    uint64
	cfg     Config // Sandbox, Log and the WhatsApp ids and secrets
}

// loadSandboxSettings reads the flags, then the --config file and the
// environment as serve does (defaults, file, environment), keeping only
// what the sandbox uses: the [sandbox] and [log] sections, the WhatsApp ids,
// the app secret and the access token. Other variables are ignored, so an
// environment made for the engine (PARINAYA_SERVER_HTTP, …) runs the
// sandbox too. --help prints the usage to stdout and returns flag.ErrHelp.
func loadSandboxSettings(args []string, getenv func(string) string, stdout, stderr io.Writer) (sandboxSettings, error) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	s := sandboxSettings{}
	fs.StringVar(&s.http, "http", DefaultSandboxHTTP, "listen address of the Graph API and /sandbox/ routes")
	fs.StringVar(&s.webhook, "webhook", DefaultSandboxWebhook, "the engine's WhatsApp webhook `URL`, where statuses and guests' replies are posted")
	file := fs.String("config", "", "TOML configuration `file` (optional; its [sandbox] and [log] sections and whatsapp ids)")
	fs.Uint64Var(&s.seed, "seed", 0, "seed of the sandbox's random choices (0: from the clock); the same seed and sends give the same run")
	printUsage := func(w io.Writer) {
		fmt.Fprint(w, sandboxUsage)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout)
		return s, err
	case err != nil:
		printUsage(stderr)
		return s, err
	case fs.NArg() > 0:
		printUsage(stderr)
		return s, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	c := defaultConfig()
	if *file != "" {
		if _, err := decodeConfigFile(*file, &c); err != nil {
			return s, err
		}
		c.ConfigFile = *file
	}
	if _, err := applyEnv(&c, sandboxEnv(getenv)); err != nil {
		return s, err
	}
	// Only the sections the sandbox uses are checked: the file may be the
	// engine's, whose other settings are not the sandbox's business.
	v := defaultConfig()
	v.Sandbox, v.Log = c.Sandbox, c.Log
	if err := v.Validate(); err != nil {
		return s, fmt.Errorf("invalid configuration:\n%w", err)
	}
	if c.WhatsApp.AppSecret == "" {
		return s, errors.New("PARINAYA_WHATSAPP_APP_SECRET is required: the sandbox signs every webhook with it, " +
			"as Meta does, and the engine must be given the same secret to accept them")
	}
	if _, _, err := net.SplitHostPort(s.http); err != nil {
		return s, fmt.Errorf("--http %q: must be host:port, e.g. %s", s.http, DefaultSandboxHTTP)
	}
	if s.seed == 0 {
		s.seed = uint64(time.Now().UnixNano())
	}
	s.cfg = c
	return s, nil
}

// sandboxEnv is getenv restricted to the variables the sandbox reads.
func sandboxEnv(getenv func(string) string) func(string) string {
	return func(name string) string {
		switch {
		case strings.HasPrefix(name, "PARINAYA_SANDBOX_"), strings.HasPrefix(name, "PARINAYA_LOG_"):
			return getenv(name)
		}
		switch name {
		case "PARINAYA_WHATSAPP_APP_SECRET", "PARINAYA_WHATSAPP_ACCESS_TOKEN",
			"PARINAYA_WHATSAPP_PHONE_NUMBER_ID", "PARINAYA_WHATSAPP_BUSINESS_ACCOUNT_ID":
			return getenv(name)
		}
		return ""
	}
}

// runSandbox is `engine sandbox` with its environment given: it serves the
// sandbox until ctx ends or SIGINT/SIGTERM, then stops accepting, lets the
// requests in flight finish, closes the sandbox (which waits, bounded, for
// the webhooks in flight) and returns nil.
func runSandbox(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s, err := loadSandboxSettings(args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(s.cfg.Log, stderr)
	c := s.cfg
	scfg := sandboxConfig(c)
	scfg.BusinessAccountID, scfg.PhoneNumberID = c.WhatsApp.BusinessAccountID, c.WhatsApp.PhoneNumberID
	scfg.AccessToken, scfg.AppSecret, scfg.WebhookURL = c.WhatsApp.AccessToken, c.WhatsApp.AppSecret, s.webhook
	scfg.Seed, scfg.Logger = s.seed, log
	sb, err := sandbox.New(scfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.http)
	if err != nil {
		_ = sb.Close()
		return fmt.Errorf("listen on %s: %w", s.http, err)
	}
	srv := &fasthttp.Server{Handler: sandboxHandler(sb.Handler()), Name: "sandbox",
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxRequestBodySize: sandbox.MaxBodyBytes, NoDefaultServerHeader: true}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	phoneID := c.WhatsApp.PhoneNumberID
	if phoneID == "" {
		phoneID = sandbox.DefaultPhoneNumberID
	}
	log.Info().Str("http", ln.Addr().String()).Str("webhook", s.webhook).Str("phone_number_id", phoneID).
		Bool("access_token_required", c.WhatsApp.AccessToken != "").Int("mps", c.Sandbox.MPS).
		Float64("reply_rate", c.Sandbox.ReplyRate).Float64("fail_rate", c.Sandbox.FailRate).
		Float64("duplicate_rate", c.Sandbox.DuplicateRate).Float64("reorder_rate", c.Sandbox.ReorderRate).
		Dur("delay", c.Sandbox.Delay.Duration).Uint64("seed", s.seed).Str("version", version).
		Msg("sandbox ready")

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
		log.Error().Err(serveErr).Msg("sandbox: HTTP server stopped")
	}
	log.Info().Msg("stopping: finishing requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), sandboxShutdownTimeout)
	defer cancel()
	if err := srv.ShutdownWithContext(shutCtx); err != nil {
		log.Warn().Err(err).Msg("requests still in flight at the shutdown deadline")
	}
	log.Info().Msg("stopping: delivering the webhooks in flight")
	if err := sb.Close(); err != nil {
		// Bounded on purpose: a webhook the engine never answers must not
		// hold the process. Meta would have given it up too.
		log.Warn().Err(err).Msg("webhooks still in flight at the close deadline are dropped")
	}
	st := sb.Stats()
	log.Info().Int64("accepted", st.Accepted).Int64("webhooks_sent", st.WebhooksSent).
		Int64("webhook_errors", st.WebhookErrors).Int64("dropped", st.Dropped).Msg("stopped")
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return nil
}

// sandboxConfig is the sandbox [sandbox] and the environment describe: its
// rates and delay (the config's 0 is "no delay", the sandbox's "its
// default"). The caller adds the secrets, the webhook URL, the seed and
// the logger.
func sandboxConfig(c Config) sandbox.Config {
	delay := c.Sandbox.Delay.Duration
	if delay == 0 {
		delay = -1
	}
	return sandbox.Config{MPS: float64(c.Sandbox.MPS), ReplyRate: c.Sandbox.ReplyRate, FailRate: c.Sandbox.FailRate,
		DuplicateRate: c.Sandbox.DuplicateRate, ReorderRate: c.Sandbox.ReorderRate, Delay: delay}
}

// sandboxHandler adds GET /healthz and /readyz (the process is up; the
// sandbox is ready as soon as it listens) to the sandbox's routes, for
// scripts and supervisors that start it.
func sandboxHandler(h fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if p := string(ctx.Path()); (p == "/healthz" || p == "/readyz") && (ctx.IsGet() || ctx.IsHead()) {
			ctx.SetContentType("application/json")
			ctx.SetBodyString(`{"status":"ok"}`)
			return
		}
		h(ctx)
	}
}
