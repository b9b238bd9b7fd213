package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

// messaging is WhatsApp, wired: the Cloud API client the campaigns send
// through and, in sandbox mode, the sandbox playing Meta: its Graph API on a
// private loopback listener the client talks to, and its /sandbox/ routes
// for the engine's own HTTP server.
type messaging struct {
	actors      actors.MessagingConfig
	sandbox     *sandbox.Sandbox // nil in cloud mode
	appSecret   string
	verifyToken string
	close       func()
}

// sandboxRoutes is what the engine's HTTP server serves under /sandbox/,
// or nil in cloud mode.
func (m *messaging) sandboxRoutes() fasthttp.RequestHandler {
	if m.sandbox == nil {
		return nil
	}
	return m.sandbox.Handler()
}

// newMessaging builds WhatsApp from the configuration; webhookURL is where
// the sandbox posts its webhooks (the engine's own /webhooks/whatsapp).
func newMessaging(c Config, webhookURL string, log zerolog.Logger) (*messaging, error) {
	m := &messaging{appSecret: c.WhatsApp.AppSecret, verifyToken: c.WhatsApp.VerifyToken, close: func() {}}
	wc := whatsapp.Config{BaseURL: c.WhatsApp.BaseURL, APIVersion: c.WhatsApp.APIVersion,
		PhoneNumberID: c.WhatsApp.PhoneNumberID, AccessToken: c.WhatsApp.AccessToken}
	if c.WhatsApp.Mode == "sandbox" {
		// Nothing leaves the machine: secrets nobody else needs to know,
		// made afresh at each start unless given.
		if m.appSecret == "" {
			m.appSecret = randomSecret()
		}
		if m.verifyToken == "" {
			m.verifyToken = randomSecret()
		}
		token := randomSecret()
		scfg := sandboxConfig(c)
		scfg.AccessToken, scfg.AppSecret, scfg.WebhookURL = token, m.appSecret, webhookURL
		scfg.Seed, scfg.Logger = uint64(time.Now().UnixNano()), log.With().Str("component", "sandbox").Logger()
		sb, err := sandbox.New(scfg)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			_ = sb.Close()
			return nil, fmt.Errorf("sandbox: listen: %w", err)
		}
		srv := &fasthttp.Server{Handler: sb.Handler(), Name: "sandbox", ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, MaxRequestBodySize: sandbox.MaxBodyBytes}
		go func() { _ = srv.Serve(ln) }()
		m.sandbox = sb
		m.close = func() {
			_ = srv.Shutdown()
			_ = sb.Close()
		}
		wc = whatsapp.Config{BaseURL: "http://" + ln.Addr().String(), APIVersion: whatsapp.DefaultAPIVersion,
			PhoneNumberID: sandbox.DefaultPhoneNumberID, AccessToken: token}
	}
	client, err := whatsapp.NewClient(wc)
	if err != nil {
		m.close()
		return nil, fmt.Errorf("whatsapp: %w", err)
	}
	tier := 0
	if c.WhatsApp.Tier != "unlimited" {
		tier, _ = strconv.Atoi(c.WhatsApp.Tier)
	}
	pacer := actors.NewPacer(actors.PacerConfig{MPS: float64(c.WhatsApp.MPS), Tier: tier})
	close := m.close
	m.close = func() {
		pacer.Close()
		close()
	}
	m.actors = actors.MessagingConfig{Sender: client, Pacer: pacer, MaxAttempts: c.WhatsApp.MaxAttempts}
	log.Info().Str("mode", c.WhatsApp.Mode).Str("tier", c.WhatsApp.Tier).Int("mps", c.WhatsApp.MPS).
		Msg("whatsapp ready")
	return m, nil
}

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
