package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Defaults of Config's fields.
const (
	DefaultBaseURL    = "https://graph.facebook.com"
	DefaultAPIVersion = "v25.0" // the version WHATSAPP.md §5.1 documents; pin it in config
	DefaultTimeout    = 10 * time.Second
	DefaultMaxConns   = 256
)

const (
	// maxResponseBytes bounds an answer's body. Meta's answers are well
	// under a kilobyte (§5.6, §5.7); a bigger one is not Meta's and must
	// not cost memory.
	maxResponseBytes = 1 << 20
	// readBufferBytes holds an answer's headers. Graph API answers carry
	// many headers; fasthttp's default 4 KiB would refuse some.
	readBufferBytes = 16 << 10
	// userAgent names us to Meta, and in the fake server's logs.
	userAgent = "parinayaos-engine"
)

// Config is how a Client reaches the Cloud API. The zero value of every
// field but PhoneNumberID and AccessToken means its default.
type Config struct {
	BaseURL       string        // default "https://graph.facebook.com"; tests point it at a local fake
	APIVersion    string        // default "v25.0"
	PhoneNumberID string        // required: the business number's id, part of the path
	AccessToken   string        // required; a secret: never in errors, logs or String()
	Timeout       time.Duration // per request; default 10s
	MaxConns      int           // connections to the API at most; default 256
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	return c
}

// Validate reports the first field of c that is wrong, as a
// *ValidationError naming it ("phone_number_id"). Zero values are valid
// where a default applies. A bad access token's error never quotes it.
func (c Config) Validate() error {
	if c.BaseURL != "" {
		if _, _, err := parseBaseURL(c.BaseURL); err != nil {
			return err
		}
	}
	if v := c.APIVersion; v != "" {
		major, minor, ok := strings.Cut(strings.TrimPrefix(v, "v"), ".")
		if !strings.HasPrefix(v, "v") || !ok || !allDigits(major) || !allDigits(minor) {
			return invalid("api_version", "must look like v25.0, is %q", v)
		}
	}
	if c.PhoneNumberID == "" {
		return invalid("phone_number_id", "is required")
	}
	// It goes into the request path: only characters that cannot change
	// the path's meaning. Meta's ids are digits; the sandbox may use more.
	for _, r := range c.PhoneNumberID {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			return invalid("phone_number_id", "may hold only letters, digits, '_' and '-', is %q", c.PhoneNumberID)
		}
	}
	if c.AccessToken == "" {
		return invalid("access_token", "is required")
	}
	// Printable ASCII without spaces: a pasted token's trailing newline
	// would break the Authorization header (or smuggle another one).
	for i := 0; i < len(c.AccessToken); i++ {
		if b := c.AccessToken[i]; b <= ' ' || b > '~' {
			return invalid("access_token", "has a space, control or non-ASCII character at byte %d", i)
		}
	}
	if c.Timeout < 0 {
		return invalid("timeout", "must be > 0 (or 0 for %s), is %s", DefaultTimeout, c.Timeout)
	}
	if c.MaxConns < 0 {
		return invalid("max_conns", "must be > 0 (or 0 for %d), is %d", DefaultMaxConns, c.MaxConns)
	}
	return nil
}

// allDigits reports whether s is one or more ASCII digits.
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

// parseBaseURL checks that base is an http(s) URL of a host, with an
// optional path prefix and nothing else, and returns it without a trailing
// '/' together with its host:port.
func parseBaseURL(base string) (trimmed, addr string, err error) {
	const field = "base_url"
	u, perr := url.Parse(base)
	switch {
	case perr != nil:
		return "", "", invalid(field, "is not a URL: %v", perr)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "", invalid(field, "must be http:// or https://, is %q", base)
	case u.Host == "" || u.Opaque != "":
		return "", "", invalid(field, "has no host: %q", base)
	case u.User != nil:
		// Credentials in a URL end up in logs; the token has its own field.
		return "", "", invalid(field, "must not hold credentials")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", "", invalid(field, "must not have a query or fragment: %q", base)
	}
	return strings.TrimSuffix(base, "/"), fasthttp.AddMissingPort(u.Host, u.Scheme == "https"), nil
}

// String is c with the access token redacted.
func (c Config) String() string {
	token := ""
	if c.AccessToken != "" {
		token = "[redacted]"
	}
	return fmt.Sprintf("whatsapp.Config{BaseURL:%q APIVersion:%q PhoneNumberID:%q AccessToken:%s Timeout:%s MaxConns:%d}",
		c.BaseURL, c.APIVersion, c.PhoneNumberID, token, c.Timeout, c.MaxConns)
}

// Format prints String() for every verb, so that %+v, %#v or %d (which
// would otherwise print fields) never show the access token, also when a
// Config is a field of something printed.
func (c Config) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(c.String()))
}

// MarshalJSON is c with the access token redacted, for loggers that
// encode values as JSON (zerolog's Interface).
func (c Config) MarshalJSON() ([]byte, error) {
	token := ""
	if c.AccessToken != "" {
		token = "[redacted]"
	}
	return json.Marshal(struct {
		BaseURL       string `json:"base_url"`
		APIVersion    string `json:"api_version"`
		PhoneNumberID string `json:"phone_number_id"`
		AccessToken   string `json:"access_token"`
		Timeout       string `json:"timeout"`
		MaxConns      int    `json:"max_conns"`
	}{c.BaseURL, c.APIVersion, c.PhoneNumberID, token, c.Timeout.String(), c.MaxConns})
}

// Client sends messages to the Cloud API. It is safe for concurrent use:
// its only state is a fasthttp connection pool to the API's host.
type Client struct {
	hc      *fasthttp.HostClient
	url     string // {BaseURL}/{APIVersion}/{PhoneNumberID}/messages
	auth    string // "Bearer " + token
	token   string // to redact it from transport errors
	timeout time.Duration
}

// NewClient validates cfg, applies its defaults and returns a Client. It
// does not connect: the first Send does.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	base, addr, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err // unreachable: Validate parsed it
	}
	return &Client{
		hc: &fasthttp.HostClient{
			Addr:  addr,
			IsTLS: strings.HasPrefix(base, "https:"),
			Name:  userAgent,
			// NB: never retry. A POST that failed after its body was
			// written may have been accepted; sending it again could invite
			// a guest twice. fasthttp does not retry POST by default; this
			// says so whatever its defaults become.
			RetryIfErr: func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
			MaxConns:   cfg.MaxConns,
			// Wait for a free connection rather than fail at once when all
			// are busy; the request's deadline still bounds the wait.
			MaxConnWaitTimeout: cfg.Timeout,
			// With a WriteTimeout fasthttp does the TLS handshake while
			// dialing, not lazily inside the first write, so a handshake
			// timeout is known to have sent nothing.
			WriteTimeout:        cfg.Timeout,
			ReadBufferSize:      readBufferBytes,
			MaxResponseBodySize: maxResponseBytes,
			// Errors do not quote what the server sent.
			SecureErrorLogMessage: true,
		},
		url:     base + "/" + cfg.APIVersion + "/" + cfg.PhoneNumberID + "/messages",
		auth:    "Bearer " + cfg.AccessToken,
		token:   cfg.AccessToken,
		timeout: cfg.Timeout,
	}, nil
}

// Format keeps fmt from printing the Client's fields (its Authorization
// header among them).
func (c Client) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte("whatsapp.Client{" + c.url + "}"))
}

// Send validates m, POSTs it to {BaseURL}/{APIVersion}/{PhoneNumberID}/messages
// with Authorization: Bearer and Content-Type application/json, and
// classifies the answer (ParseResponse). It never returns an error
// separately: everything is in the Result.
//
//   - A message Validate refuses is Mistake with Err the *ValidationError;
//     nothing is sent.
//   - ctx bounds the call: the request's deadline is the earlier of ctx's
//     deadline and Config.Timeout. A ctx done before the send is Transient,
//     nothing sent; a ctx cancelled during it returns at once, Transient
//     with MaybeSent (the request finishes in the background and its
//     answer is dropped).
//   - A transport failure is Transient with Err set. MaybeSent is false
//     only when the request surely never reached Meta (a failed dial, no
//     free connection, a failed write); a timeout or a connection closed
//     while waiting for the answer is MaybeSent.
//
// Send never retries on its own: retrying is the caller's decision, with
// MaybeSent in hand.
func (c *Client) Send(ctx context.Context, m *Message) Result {
	body, err := m.Body()
	if err != nil {
		return Result{Class: Mistake, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return Result{Class: Transient, Err: fmt.Errorf("whatsapp: send not started: %w", err)}
	}
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}

	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	req.SetRequestURI(c.url)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	req.Header.Set(fasthttp.HeaderAuthorization, c.auth)
	req.SetBodyRaw(body) // body is ours alone: no copy
	do := func() Result {
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		if err := c.hc.DoDeadline(req, resp, deadline); err != nil {
			return c.transportResult(err)
		}
		// ParseResponse copies what it keeps: resp may be reused after.
		return ParseResponse(resp.StatusCode(), resp.Body())
	}
	if ctx.Done() == nil { // cannot be cancelled: no goroutine needed
		return do()
	}
	done := make(chan Result, 1) // buffered: an abandoned send does not leak its goroutine
	go func() { done <- do() }()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		select {
		case r := <-done: // the answer came as ctx ended: keep it
			return r
		default:
		}
		return Result{Class: Transient, MaybeSent: true, Err: fmt.Errorf("whatsapp: send abandoned: %w", ctx.Err())}
	}
}

// transportResult is a send that got no answer.
func (c *Client) transportResult(err error) Result {
	return Result{
		Class:     Transient,
		MaybeSent: mayHaveReached(err),
		Err:       &redactedError{err: fmt.Errorf("whatsapp: send: %w", err), secret: c.token},
	}
}

// mayHaveReached reports whether a request that failed with err may still
// have been read and acted on by Meta. It is false only for failures that
// happen before the request is complete on the wire: a failed dial or TLS
// handshake, no free connection, a failed write (the server then has an
// incomplete body, which it cannot act on). Everything else, a timeout
// above all, may have come after Meta read the whole request, so it is
// true: a false "not sent" risks a guest invited twice, a false "maybe"
// only a later resend.
func mayHaveReached(err error) bool {
	var dial *fasthttp.ErrDialWithUpstream
	var op *net.OpError
	switch {
	case errors.As(err, &dial),
		errors.Is(err, fasthttp.ErrDialTimeout),
		errors.Is(err, fasthttp.ErrNoFreeConns),
		errors.Is(err, fasthttp.ErrTLSHandshakeTimeout):
		return false
	case errors.Is(err, fasthttp.ErrTimeout):
		// Also a timeout while writing or waiting for a connection, but
		// fasthttp does not say which.
		return true
	case errors.As(err, &op):
		return op.Op != "dial" && op.Op != "write"
	}
	return true
}

// redactedError is a transport error with the access token cut out of its
// text. fasthttp's errors do not quote request headers, and
// SecureErrorLogMessage keeps the server's words out too; this makes sure
// of it, even if a server echoes the Authorization header back into an
// error. Unwrap gives the original error to errors.Is and errors.As.
type redactedError struct {
	err    error
	secret string
}

func (e *redactedError) Error() string {
	if e.secret == "" {
		return e.err.Error()
	}
	return strings.ReplaceAll(e.err.Error(), e.secret, "[redacted]")
}

func (e *redactedError) Unwrap() error { return e.err }
