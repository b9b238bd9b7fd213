package sandbox

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/whatsapp"
)

// Defaults of Config: the ids of API.md "The sandbox", Meta's default
// throughput (WHATSAPP.md §7.1), and the pipeline's sizes.
const (
	DefaultBusinessAccountID = "102290129340398"
	DefaultPhoneNumberID     = "106540352242922"
	DefaultDisplayNumber     = "15550783881"
	DefaultMPS               = 80
	DefaultDelay             = 20 * time.Millisecond
	DefaultReplyDelay        = 50 * time.Millisecond
	DefaultQueueSize         = 10000
	DefaultWebhookWorkers    = 8
	DefaultWebhookAttempts   = 4
	DefaultWebhookTimeout    = 5 * time.Second
	DefaultRetryBackoff      = 100 * time.Millisecond
	DefaultCloseTimeout      = 5 * time.Second
	// MaxMPS bounds Config.MPS: the throughput window keeps one timestamp
	// per send it may accept in a second.
	MaxMPS = 100000
	// MaxBodyBytes is the largest request body the sandbox reads.
	MaxBodyBytes = 1 << 20
)

// Config configures a Sandbox. Zero values mean the documented default;
// ReplyRate, FailRate, DuplicateRate and ReorderRate are 0 (never) unless set.
type Config struct {
	// BusinessAccountID is entry[].id in webhooks (default
	// DefaultBusinessAccountID).
	BusinessAccountID string
	// PhoneNumberID is the Graph path's id and metadata.phone_number_id
	// (default DefaultPhoneNumberID).
	PhoneNumberID string
	// DisplayNumber is metadata.display_phone_number and context.from of
	// replies (default DefaultDisplayNumber).
	DisplayNumber string
	// AccessToken, if set, must come as "Authorization: Bearer <it>" on
	// Graph requests, or they get 401 with code 190. Never logged.
	AccessToken string
	// AppSecret signs every webhook (X-Hub-Signature-256, WHATSAPP.md §2).
	// Required when WebhookURL is set. Never logged.
	AppSecret string
	// WebhookURL is where status and message webhooks are POSTed; "" sends
	// none: no statuses, no guest answers by themselves, and Reply fails
	// with ErrUndelivered.
	WebhookURL string
	// MPS is how many sends are accepted in any 1-second window before
	// answering 130429 (default DefaultMPS; 1 to MaxMPS).
	MPS float64
	// ReplyRate (0..1) is the share of recipients who answer by themselves
	// every template with buttons and every interactive message they get,
	// ReplyDelay after its read status.
	ReplyRate float64
	// FailRate (0..1) is the share of accepted messages that get sent then
	// failed (with a real code) instead of delivered and read.
	FailRate float64
	// DuplicateRate (0..1) is the share of webhooks delivered twice.
	DuplicateRate float64
	// ReorderRate (0..1) is the share of consecutive status pairs delivered
	// swapped (e.g. read before delivered).
	ReorderRate float64
	// Delay comes before each status webhook (default DefaultDelay; a
	// negative Delay means none).
	Delay time.Duration
	// ReplyDelay comes between the read status and a guest's own answer
	// (default DefaultReplyDelay; negative means none).
	ReplyDelay time.Duration
	// Templates are the templates registered with "Meta" (default
	// whatsapp.DefaultTemplates()).
	Templates []whatsapp.TemplateSpec
	// Seed seeds every random choice: the same seed and the same sends give
	// the same run.
	Seed uint64
	// Logger gets the sandbox's logs: phones masked, no secrets. The zero
	// Logger logs nothing.
	Logger zerolog.Logger

	// QueueSize bounds the messages whose webhooks may be pending at once
	// (default DefaultQueueSize). Past it a message is still accepted, but
	// its webhooks are dropped and counted in Stats.Dropped.
	QueueSize int
	// WebhookWorkers is how many webhooks may be in flight at once (default
	// DefaultWebhookWorkers).
	WebhookWorkers int
	// WebhookAttempts is how many times a webhook is tried before it is
	// counted in Stats.WebhookErrors (default DefaultWebhookAttempts).
	WebhookAttempts int
	// WebhookTimeout bounds one webhook POST (default DefaultWebhookTimeout).
	WebhookTimeout time.Duration
	// RetryBackoff is the wait before the first retry, doubled for each
	// next one (default DefaultRetryBackoff).
	RetryBackoff time.Duration
	// CloseTimeout bounds how long Close waits for webhooks in flight
	// (default DefaultCloseTimeout).
	CloseTimeout time.Duration
	// Now is the clock of records, windows, the throughput limit and webhook
	// timestamps (default time.Now). It must be safe for concurrent use.
	// Delays between webhooks always run on real time.
	Now func() time.Time
}

// withDefaults is cfg with every unset field at its default.
func (cfg Config) withDefaults() Config {
	setStr := func(p *string, d string) {
		if *p == "" {
			*p = d
		}
	}
	setStr(&cfg.BusinessAccountID, DefaultBusinessAccountID)
	setStr(&cfg.PhoneNumberID, DefaultPhoneNumberID)
	setStr(&cfg.DisplayNumber, DefaultDisplayNumber)
	if cfg.MPS == 0 {
		cfg.MPS = DefaultMPS
	}
	setDur := func(p *time.Duration, d time.Duration) {
		switch {
		case *p == 0:
			*p = d
		case *p < 0:
			*p = 0
		}
	}
	setDur(&cfg.Delay, DefaultDelay)
	setDur(&cfg.ReplyDelay, DefaultReplyDelay)
	if cfg.Templates == nil {
		cfg.Templates = whatsapp.DefaultTemplates()
	}
	setInt := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	setInt(&cfg.QueueSize, DefaultQueueSize)
	setInt(&cfg.WebhookWorkers, DefaultWebhookWorkers)
	setInt(&cfg.WebhookAttempts, DefaultWebhookAttempts)
	if cfg.WebhookTimeout <= 0 {
		cfg.WebhookTimeout = DefaultWebhookTimeout
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = DefaultCloseTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Validate reports every field of cfg (with its defaults applied) that the
// sandbox cannot run with, each error naming its field.
func (cfg Config) Validate() error {
	cfg = cfg.withDefaults()
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("sandbox: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	for _, f := range []struct{ name, v string }{
		{"business_account_id", cfg.BusinessAccountID},
		{"phone_number_id", cfg.PhoneNumberID},
		{"display_number", cfg.DisplayNumber},
	} {
		if !allDigits(f.v) {
			bad(f.name, "must be digits, got %q", f.v)
		}
	}
	if !(cfg.MPS >= 1 && cfg.MPS <= MaxMPS) {
		bad("mps", "must be between 1 and %d, got %v", MaxMPS, cfg.MPS)
	}
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"reply_rate", cfg.ReplyRate}, {"fail_rate", cfg.FailRate},
		{"duplicate_rate", cfg.DuplicateRate}, {"reorder_rate", cfg.ReorderRate},
	} {
		if !(r.v >= 0 && r.v <= 1) {
			bad(r.name, "must be between 0 and 1, got %v", r.v)
		}
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("webhook_url", "must be an http(s) URL with a host")
		}
		if cfg.AppSecret == "" {
			bad("app_secret", "required when webhook_url is set (Meta signs every webhook)")
		}
	}
	if len(cfg.Templates) == 0 {
		bad("templates", "at least one is needed")
	}
	seen := map[[2]string]bool{}
	for i, t := range cfg.Templates {
		key := [2]string{t.Name, t.Language}
		switch {
		case t.Name == "" || t.Language == "":
			bad(fmt.Sprintf("templates[%d]", i), "needs a name and a language")
		case seen[key]:
			bad(fmt.Sprintf("templates[%d]", i), "%s/%s is registered twice", t.Name, t.Language)
		case len(t.Buttons) > 10:
			bad(fmt.Sprintf("templates[%d].buttons", i), "at most 10 quick replies (WHATSAPP.md §5.2)")
		}
		seen[key] = true
	}
	for _, n := range []struct {
		name string
		v    int
	}{
		{"queue_size", cfg.QueueSize}, {"webhook_workers", cfg.WebhookWorkers},
		{"webhook_attempts", cfg.WebhookAttempts},
	} {
		if n.v < 1 {
			bad(n.name, "must be at least 1, got %d", n.v)
		}
	}
	return errors.Join(errs...)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
