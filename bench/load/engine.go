package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// Engine is an engine started by Start, serving HTTP on loopback.
type Engine struct {
	URL       string // http://127.0.0.1:port
	RootToken string
	// Sandbox is the fake Cloud API the engine's campaigns send to, when
	// started with EngineOptions.WhatsApp; nil otherwise.
	Sandbox *sandbox.Sandbox
	// AppSecret signs the webhooks the engine accepts (with its Sandbox):
	// what a tool posting webhooks of its own signs them with.
	AppSecret string

	db       *storage.DB
	eng      *actors.Engine
	srv      *httpapi.Server
	closeMsg func() // stops the pacer, the sandbox's listener and the sandbox
}

// EngineOptions tune Start; the zero value is the engine's defaults.
type EngineOptions struct {
	// Logger gets the engine's logs (and the request lines when
	// LogRequests); the zero value discards them.
	Logger      zerolog.Logger
	LogRequests bool
	// WhatsApp, when set, gives the engine WhatsApp as `engine serve`
	// wires it in sandbox mode: the sandbox's Graph API on a private
	// loopback listener, the Cloud API client pointing at it, the pacer,
	// the sandbox's webhooks posted (signed) to the engine's own
	// /webhooks/whatsapp, and its /sandbox/ routes on the engine's server.
	// Nil: no Sender, so campaigns are recorded but never sent.
	WhatsApp *WhatsAppOptions
}

// WhatsAppOptions configure the in-process engine's WhatsApp.
type WhatsAppOptions struct {
	// MPS is the engine's pacer: messages a second on the number (default
	// actors.DefaultMPS, 80).
	MPS float64
	// SandboxMPS is what the sandbox accepts in any one-second window
	// before answering 130429 (default MPS).
	SandboxMPS float64
	// NoWebhooks: the sandbox posts no webhooks (no sent, delivered or
	// read statuses).
	NoWebhooks bool
}

// Start runs an engine on dir (an empty or existing data directory) with
// its HTTP API on a free loopback port.
func Start(dir string, o EngineOptions) (*Engine, error) {
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		return nil, err
	}
	// The listener first: the sandbox posts its webhooks to our address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, err
	}
	e := &Engine{URL: "http://" + ln.Addr().String(), db: db, closeMsg: func() {}}
	hcfg := httpapi.Config{Logger: o.Logger, LogRequests: o.LogRequests}
	acfg := actors.Config{Logger: o.Logger}
	if o.WhatsApp != nil {
		if acfg.Messaging, err = e.startWhatsApp(*o.WhatsApp, &hcfg, o.Logger); err != nil {
			_ = ln.Close()
			db.Close()
			return nil, err
		}
	}
	eng, err := actors.New(db, acfg)
	if err != nil {
		e.closeMsg()
		_ = ln.Close()
		db.Close()
		return nil, err
	}
	e.eng = eng
	e.RootToken = httpapi.NewRootToken()
	hcfg.RootTokenHash = httpapi.HashToken(e.RootToken)
	e.srv = httpapi.New(eng, hcfg)
	go func() { _ = e.srv.Serve(ln) }()
	e.srv.SetReady(true)
	return e, nil
}

// startWhatsApp starts the sandbox and the pacer, and fills in the HTTP
// API's webhook secrets and sandbox routes (cmd/engine/messaging.go does
// the same for `engine serve`).
func (e *Engine) startWhatsApp(o WhatsAppOptions, hcfg *httpapi.Config, log zerolog.Logger) (actors.MessagingConfig, error) {
	if o.MPS <= 0 {
		o.MPS = actors.DefaultMPS
	}
	if o.SandboxMPS <= 0 {
		o.SandboxMPS = o.MPS
	}
	hcfg.WebhookAppSecret, hcfg.WebhookVerifyToken = randomSecret(), randomSecret()
	e.AppSecret = hcfg.WebhookAppSecret
	token := randomSecret()
	scfg := sandbox.Config{AccessToken: token, AppSecret: hcfg.WebhookAppSecret, MPS: o.SandboxMPS,
		Seed: uint64(time.Now().UnixNano()), Logger: log}
	if !o.NoWebhooks {
		scfg.WebhookURL = e.URL + "/webhooks/whatsapp"
	}
	sb, err := sandbox.New(scfg)
	if err != nil {
		return actors.MessagingConfig{}, fmt.Errorf("load: sandbox: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = sb.Close()
		return actors.MessagingConfig{}, fmt.Errorf("load: sandbox: %w", err)
	}
	gs := &fasthttp.Server{Handler: sb.Handler(), Name: "sandbox", ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, MaxRequestBodySize: sandbox.MaxBodyBytes}
	go func() { _ = gs.Serve(ln) }()
	client, err := whatsapp.NewClient(whatsapp.Config{BaseURL: "http://" + ln.Addr().String(),
		APIVersion: whatsapp.DefaultAPIVersion, PhoneNumberID: sandbox.DefaultPhoneNumberID, AccessToken: token})
	if err != nil {
		_ = gs.Shutdown()
		_ = sb.Close()
		return actors.MessagingConfig{}, fmt.Errorf("load: whatsapp: %w", err)
	}
	pacer := actors.NewPacer(actors.PacerConfig{MPS: o.MPS})
	e.Sandbox = sb
	hcfg.Sandbox = sb.Handler()
	e.closeMsg = func() {
		pacer.Close()
		_ = gs.Shutdown()
		_ = sb.Close()
	}
	return actors.MessagingConfig{Sender: client, Pacer: pacer}, nil
}

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Close stops the HTTP server, snapshots and stops the engine, then its
// WhatsApp (the order of `engine serve`).
func (e *Engine) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err1 := e.srv.Shutdown(ctx)
	err2 := e.eng.Close(ctx)
	e.closeMsg()
	err3 := e.db.Close()
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			return fmt.Errorf("load: close engine: %w", err)
		}
	}
	return nil
}
