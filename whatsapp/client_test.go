package whatsapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/whatsapp"
)

const (
	testToken   = "EAAGtestTOKEN0123456789secretXYZ"
	testPhoneID = "106540352242922"
	testPath    = "/v25.0/" + testPhoneID + "/messages"
)

// seenRequest is what the fake Cloud API received.
type seenRequest struct {
	Method, Path, Auth, ContentType string
	Body                            []byte
}

// fakeAPI is an in-process Cloud API on real loopback HTTP: a
// fasthttp.Server on 127.0.0.1:0 that records each request and answers
// with handle.
type fakeAPI struct {
	url string
	mu  struct {
		sync.Mutex
		seen []seenRequest
	}
}

func newFakeAPI(t *testing.T, handle fasthttp.RequestHandler) *fakeAPI {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeAPI{url: "http://" + ln.Addr().String()}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		f.mu.Lock()
		f.mu.seen = append(f.mu.seen, seenRequest{
			Method:      string(ctx.Method()),
			Path:        string(ctx.Path()),
			Auth:        string(ctx.Request.Header.Peek("Authorization")),
			ContentType: string(ctx.Request.Header.ContentType()),
			Body:        bytes.Clone(ctx.PostBody()),
		})
		f.mu.Unlock()
		handle(ctx)
	}}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.ShutdownWithContext(ctx); err != nil {
			t.Errorf("fake API shutdown: %v", err)
		}
		// Shutdown does nothing if Serve has not started yet; closing the
		// listener makes Serve return either way.
		_ = ln.Close()
		<-served
	})
	return f
}

func (f *fakeAPI) seen() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.mu.seen...)
}

func newTestClient(t *testing.T, baseURL string, timeout time.Duration) *whatsapp.Client {
	t.Helper()
	c, err := whatsapp.NewClient(whatsapp.Config{
		BaseURL: baseURL, PhoneNumberID: testPhoneID, AccessToken: testToken, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer replies with status and body as JSON.
func answer(status int, body []byte) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		ctx.SetStatusCode(status)
		ctx.SetContentType("application/json")
		ctx.SetBody(body)
	}
}

// hijack takes the connection from the server after the request is read,
// sends raw (which may be nothing) and closes it: no HTTP answer, or half
// of one.
func hijack(raw func(ctx *fasthttp.RequestCtx) string) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		out := raw(ctx)
		ctx.HijackSetNoResponse(true)
		ctx.Hijack(func(c net.Conn) {
			if out != "" {
				_, _ = c.Write([]byte(out))
			}
			_ = c.Close()
		})
	}
}

// hang answers nothing until the server shuts down at the test's end;
// arrived, if not nil, gets a value when the request is in.
func hang(arrived chan<- struct{}) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if arrived != nil {
			arrived <- struct{}{}
		}
		<-ctx.Done() // closed by the server's Shutdown
	}
}

// holdUntilClosed takes the connection, answers nothing, and reports on
// closed when the client closes its end (or after 10 s, so that nothing
// outlives a failing test for long).
func holdUntilClosed(closed chan<- struct{}) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		ctx.HijackSetNoResponse(true)
		ctx.Hijack(func(c net.Conn) {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, _ = io.Copy(io.Discard, c)
			closed <- struct{}{}
		})
	}
}

// Reference: WHATSAPP.md §5.1 (endpoint, auth), §5.6 (success), §5.7 and
// §6 (errors and what they mean), §10.7 (a timed-out POST may have been
// accepted: do not resend blindly).
func TestClient_Send(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(t *testing.T) fasthttp.RequestHandler
		timeout time.Duration
		want    whatsapp.Class
		code    int
		status  int
		maybe   bool
		errIs   error // Result.Err must wrap it; nil: Err must be nil
	}{
		{name: "success", want: whatsapp.Accepted, status: 200,
			handle: func(*testing.T) fasthttp.RequestHandler { return answer(200, []byte(successBody)) }},
		{name: "130429 throughput", want: whatsapp.RateLimited, status: 400, code: 130429,
			handle: func(*testing.T) fasthttp.RequestHandler { return answer(400, []byte(rateLimitedBody)) }},
		{name: "131056 pair rate", want: whatsapp.PairLimited, status: 400, code: 131056,
			handle: func(*testing.T) fasthttp.RequestHandler { return answer(400, graphError(131056)) }},
		{name: "131047 window closed", want: whatsapp.WindowClosed, status: 400, code: 131047,
			handle: func(*testing.T) fasthttp.RequestHandler { return answer(400, graphError(131047)) }},
		{name: "131026 undeliverable", want: whatsapp.Permanent, status: 400, code: 131026,
			handle: func(*testing.T) fasthttp.RequestHandler { return answer(400, graphError(131026)) }},
		{name: "132000 param count", want: whatsapp.Mistake, status: 400, code: 132000,
			handle: func(*testing.T) fasthttp.RequestHandler { return answer(400, []byte(paramMismatchBody)) }},
		{name: "500 Graph error", want: whatsapp.Transient, status: 500, code: 1,
			handle: func(*testing.T) fasthttp.RequestHandler { return answer(500, graphError(1)) }},
		{name: "500 without a Graph error", want: whatsapp.Transient, status: 500, maybe: true, errIs: whatsapp.ErrMalformedAnswer,
			handle: func(*testing.T) fasthttp.RequestHandler { return answer(500, []byte("Internal Server Error")) }},
		{name: "never answers", want: whatsapp.Transient, maybe: true, errIs: fasthttp.ErrTimeout, timeout: 200 * time.Millisecond,
			handle: func(*testing.T) fasthttp.RequestHandler { return hang(nil) }},
		{name: "closes the connection", want: whatsapp.Transient, maybe: true, errIs: fasthttp.ErrConnectionClosed,
			handle: func(*testing.T) fasthttp.RequestHandler {
				return hijack(func(*fasthttp.RequestCtx) string { return "" })
			}},
		{name: "resets mid-answer", want: whatsapp.Transient, maybe: true,
			handle: func(*testing.T) fasthttp.RequestHandler {
				return hijack(func(*fasthttp.RequestCtx) string {
					return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"messages\":[{\"id\":\"wamid."
				})
			}},
		// A broken server echoes our Authorization header into a garbage
		// status line: the token must not reach Result.Err.
		{name: "echoes the token", want: whatsapp.Transient, maybe: true,
			handle: func(*testing.T) fasthttp.RequestHandler {
				return hijack(func(ctx *fasthttp.RequestCtx) string {
					return "HTTP/1.1 2x0 " + string(ctx.Request.Header.Peek("Authorization")) + "\r\n\r\n"
				})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, tt.handle(t))
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			c := newTestClient(t, api.url, timeout)
			m := goldenTemplate()
			start := time.Now()
			r := c.Send(t.Context(), m)
			elapsed := time.Since(start)

			if r.Class != tt.want || r.Code != tt.code || r.HTTPStatus != tt.status || r.MaybeSent != tt.maybe {
				t.Errorf("Send = %+v\nwant class %v, code %d, status %d, maybe sent %v", r, tt.want, tt.code, tt.status, tt.maybe)
			}
			switch {
			case tt.errIs != nil && !errors.Is(r.Err, tt.errIs):
				t.Errorf("Err = %v, want it to wrap %v", r.Err, tt.errIs)
			case tt.errIs == nil && tt.want != whatsapp.Transient && r.Err != nil:
				t.Errorf("Err = %v, want nil", r.Err)
			}
			if tt.want == whatsapp.Transient && tt.status == 0 && r.Err == nil {
				t.Errorf("no answer and no Err")
			}
			if tt.want == whatsapp.Accepted && (r.WAMID != successWAMID || r.MessageStatus != "accepted") {
				t.Errorf("WAMID %q, status %q; want %q, accepted", r.WAMID, r.MessageStatus, successWAMID)
			}
			if r.Err != nil && strings.Contains(r.Err.Error(), testToken) {
				t.Errorf("the access token is in Err: %v", r.Err)
			}
			if elapsed > timeout+2*time.Second {
				t.Errorf("Send took %v with a timeout of %v", elapsed, timeout)
			}

			// Exactly one request, never retried (a retry of a POST that
			// may have been accepted could invite a guest twice), and it
			// is the documented request.
			seen := api.seen()
			if len(seen) != 1 {
				t.Fatalf("the fake API saw %d requests, want 1", len(seen))
			}
			got := seen[0]
			if got.Method != "POST" || got.Path != testPath {
				t.Errorf("request %s %s, want POST %s", got.Method, got.Path, testPath)
			}
			if got.Auth != "Bearer "+testToken {
				t.Errorf("Authorization = %q, want Bearer and the token", got.Auth)
			}
			if got.ContentType != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got.ContentType)
			}
			want, _ := m.Body()
			if g, w := decodeJSON(t, got.Body), decodeJSON(t, want); !reflect.DeepEqual(g, w) {
				t.Errorf("request body\n %s\nwant\n %s", got.Body, want)
			}
		})
	}
}

// A message Validate refuses is a Mistake and never leaves the process.
func TestClient_SendInvalid(t *testing.T) {
	api := newFakeAPI(t, answer(200, []byte(successBody)))
	c := newTestClient(t, api.url, time.Second)
	for _, m := range []*whatsapp.Message{nil, {To: "+447700900123"}, {To: "12", Text: "hi"}} {
		r := c.Send(t.Context(), m)
		var ve *whatsapp.ValidationError
		if r.Class != whatsapp.Mistake || !errors.As(r.Err, &ve) || r.MaybeSent || r.HTTPStatus != 0 {
			t.Errorf("Send(%+v) = %+v, want Mistake with a ValidationError", m, r)
		}
	}
	if n := len(api.seen()); n != 0 {
		t.Errorf("the fake API saw %d requests, want 0", n)
	}
}

// A refused connection is Transient and surely not sent: nothing reached
// anyone, so resending is safe (WHATSAPP.md §10.7).
func TestClient_SendDialFails(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := newTestClient(t, "http://"+addr, time.Second)
	r := c.Send(t.Context(), goldenText())
	if r.Class != whatsapp.Transient || r.MaybeSent || r.Err == nil || !r.Retryable() {
		t.Errorf("Send = %+v, want Transient, not MaybeSent, with Err", r)
	}
}

// ctx bounds the call: its deadline when earlier than Timeout; its
// cancellation at once; a ctx already done sends nothing.
func TestClient_SendContext(t *testing.T) {
	t.Run("deadline earlier than Timeout", func(t *testing.T) {
		closed := make(chan struct{}, 1)
		api := newFakeAPI(t, holdUntilClosed(closed))
		c := newTestClient(t, api.url, time.Minute)
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		r := c.Send(ctx, goldenText())
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("Send took %v with a ctx deadline of 200ms", elapsed)
		}
		if r.Class != whatsapp.Transient || !r.MaybeSent || r.Err == nil {
			t.Errorf("Send = %+v, want Transient, MaybeSent, with Err", r)
		}
		if !errors.Is(r.Err, fasthttp.ErrTimeout) && !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Errorf("Err = %v, want a timeout", r.Err)
		}
		// The request itself had ctx's deadline, not just Send's wait: the
		// client gives up the connection then, not a minute later.
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Errorf("the client kept the connection open past ctx's deadline")
		}
	})
	t.Run("cancelled mid-request", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		api := newFakeAPI(t, hang(arrived))
		c := newTestClient(t, api.url, time.Minute)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-arrived; cancel() }()
		r := c.Send(ctx, goldenText())
		if r.Class != whatsapp.Transient || !r.MaybeSent || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("Send = %+v, want Transient, MaybeSent, context.Canceled", r)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		api := newFakeAPI(t, answer(200, []byte(successBody)))
		c := newTestClient(t, api.url, time.Second)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		r := c.Send(ctx, goldenText())
		if r.Class != whatsapp.Transient || r.MaybeSent || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("Send = %+v, want Transient, not sent, context.Canceled", r)
		}
		if n := len(api.seen()); n != 0 {
			t.Errorf("the fake API saw %d requests, want 0", n)
		}
	})
	t.Run("background context", func(t *testing.T) {
		api := newFakeAPI(t, answer(200, []byte(successBody)))
		c := newTestClient(t, api.url, time.Second)
		if r := c.Send(context.Background(), goldenText()); r.Class != whatsapp.Accepted {
			t.Errorf("Send = %+v, want Accepted", r)
		}
	})
}

// A Client is safe for concurrent use (package doc): many sends at once,
// each gets its own answer. The fake echoes the callback data into the
// wamid, so a mixed-up answer shows.
func TestClient_SendConcurrent(t *testing.T) {
	api := newFakeAPI(t, func(ctx *fasthttp.RequestCtx) {
		var in struct {
			Callback string `json:"biz_opaque_callback_data"`
		}
		if err := json.Unmarshal(ctx.PostBody(), &in); err != nil {
			ctx.SetStatusCode(400)
			return
		}
		ctx.SetContentType("application/json")
		fmt.Fprintf(ctx, `{"messages":[{"id":"wamid.%s"}]}`, in.Callback)
	})
	c, err := whatsapp.NewClient(whatsapp.Config{
		BaseURL: api.url, PhoneNumberID: testPhoneID, AccessToken: testToken, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	const n = 64
	var wg sync.WaitGroup
	results := make([]whatsapp.Result, n)
	for i := range n {
		wg.Go(func() {
			m := goldenText()
			m.CallbackData = fmt.Sprint("msg_", i)
			results[i] = c.Send(t.Context(), m)
		})
	}
	wg.Wait()
	for i, r := range results {
		if want := fmt.Sprint("wamid.msg_", i); r.Class != whatsapp.Accepted || r.WAMID != want {
			t.Errorf("send %d = %+v, want Accepted %s", i, r, want)
		}
	}
	if got := len(api.seen()); got != n {
		t.Errorf("the fake API saw %d requests, want %d", got, n)
	}
}

func TestConfig_Validate(t *testing.T) {
	valid := func() whatsapp.Config {
		return whatsapp.Config{PhoneNumberID: testPhoneID, AccessToken: testToken}
	}
	tests := []struct {
		name   string
		mutate func(c *whatsapp.Config)
		field  string // "" for valid
	}{
		{"minimal", func(*whatsapp.Config) {}, ""},
		{"all set", func(c *whatsapp.Config) {
			c.BaseURL, c.APIVersion, c.Timeout, c.MaxConns = "http://127.0.0.1:8080/fake/", "v21.0", time.Second, 8
		}, ""},
		{"base_url ftp", func(c *whatsapp.Config) { c.BaseURL = "ftp://graph.facebook.com" }, "base_url"},
		{"base_url no scheme", func(c *whatsapp.Config) { c.BaseURL = "graph.facebook.com" }, "base_url"},
		{"base_url no host", func(c *whatsapp.Config) { c.BaseURL = "https:///v25.0" }, "base_url"},
		{"base_url query", func(c *whatsapp.Config) { c.BaseURL = "https://graph.facebook.com?x=1" }, "base_url"},
		{"base_url credentials", func(c *whatsapp.Config) { c.BaseURL = "https://u:p@graph.facebook.com" }, "base_url"},
		{"api_version without v", func(c *whatsapp.Config) { c.APIVersion = "25.0" }, "api_version"},
		{"api_version without minor", func(c *whatsapp.Config) { c.APIVersion = "v25" }, "api_version"},
		{"api_version path", func(c *whatsapp.Config) { c.APIVersion = "v25.0/x" }, "api_version"},
		{"phone_number_id missing", func(c *whatsapp.Config) { c.PhoneNumberID = "" }, "phone_number_id"},
		{"phone_number_id path", func(c *whatsapp.Config) { c.PhoneNumberID = "../1234" }, "phone_number_id"},
		{"phone_number_id slash", func(c *whatsapp.Config) { c.PhoneNumberID = "12/34" }, "phone_number_id"},
		{"access_token missing", func(c *whatsapp.Config) { c.AccessToken = "" }, "access_token"},
		{"access_token newline", func(c *whatsapp.Config) { c.AccessToken = testToken + "\n" }, "access_token"},
		{"access_token space", func(c *whatsapp.Config) { c.AccessToken = "Bearer " + testToken }, "access_token"},
		{"timeout negative", func(c *whatsapp.Config) { c.Timeout = -time.Second }, "timeout"},
		{"max_conns negative", func(c *whatsapp.Config) { c.MaxConns = -1 }, "max_conns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.mutate(&cfg)
			err := cfg.Validate()
			_, nerr := whatsapp.NewClient(cfg)
			if (err == nil) != (nerr == nil) {
				t.Errorf("Validate = %v but NewClient = %v", err, nerr)
			}
			if tt.field == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			var ve *whatsapp.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("Validate() = %v, want a ValidationError on %s", err, tt.field)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Errorf("the access token is in the error: %v", err)
			}
		})
	}
}

// The access token is a secret: never in String(), any fmt verb, or JSON
// (a logger's encoding), also inside another value.
func TestConfig_Redacts(t *testing.T) {
	cfg := whatsapp.Config{PhoneNumberID: testPhoneID, AccessToken: testToken, Timeout: time.Second}
	c, err := whatsapp.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(struct{ WhatsApp whatsapp.Config }{cfg})
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{
		"String": cfg.String(),
		"%v":     fmt.Sprintf("%v", cfg),
		"%+v":    fmt.Sprintf("%+v", cfg),
		"%#v":    fmt.Sprintf("%#v", cfg),
		"%s":     fmt.Sprintf("%s", cfg),
		"%d":     fmt.Sprintf("%d", cfg),
		"%x":     fmt.Sprintf("%x", cfg),
		"nested": fmt.Sprintf("%+v", struct{ C whatsapp.Config }{cfg}),
		"ptr":    fmt.Sprintf("%+v", &cfg),
		"json":   string(js),
		"client": fmt.Sprintf("%+v %#v %v", c, c, *c),
	}
	for name, out := range outs {
		if strings.Contains(out, testToken) || strings.Contains(out, strings.ToLower(testToken)) ||
			strings.Contains(out, fmt.Sprintf("%x", testToken)) {
			t.Errorf("%s shows the access token: %s", name, out)
		}
		if name != "client" && !strings.Contains(out, testPhoneID) {
			t.Errorf("%s lost the rest of the config: %s", name, out)
		}
	}
	if !strings.Contains(outs["String"], "[redacted]") {
		t.Errorf("String() = %s, want the token shown as [redacted]", outs["String"])
	}
	// The defaults make the documented URL (WHATSAPP.md §5.1).
	if want := "https://graph.facebook.com/v25.0/" + testPhoneID + "/messages"; !strings.Contains(outs["client"], want) {
		t.Errorf("client = %s, want its URL %s", outs["client"], want)
	}
}
