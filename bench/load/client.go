package load

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"
)

// Client is a keep-alive HTTP client for one engine.
type Client struct {
	base string
	hc   *fasthttp.HostClient
}

// NewClient returns a client for the engine at baseURL ("http://host:port")
// that keeps up to conns connections open. More concurrent requests than
// conns wait for a free connection (up to 30 s).
func NewClient(baseURL string, conns int) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("load: engine URL %q: want http://host:port", baseURL)
	}
	return &Client{base: baseURL, hc: &fasthttp.HostClient{
		Addr: u.Host, MaxConns: conns, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		MaxIdleConnDuration: time.Minute, MaxConnWaitTimeout: 30 * time.Second,
	}}, nil
}

// Do sends one request; body may be nil. It returns the status and the
// answer's body (a copy).
func (c *Client) Do(method, path, token string, body []byte) (int, []byte, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(method)
	req.SetRequestURI(c.base + path)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(body)
	}
	if err := c.hc.Do(req, resp); err != nil {
		return 0, nil, err
	}
	return resp.StatusCode(), append([]byte(nil), resp.Body()...), nil
}

// JSON sends v as JSON and decodes a 2xx answer into out (may be nil); any
// other status is an error carrying the answer.
func (c *Client) JSON(method, path, token string, v, out any) error {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	status, ans, err := c.Do(method, path, token, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, path, status, ans)
	}
	if out != nil {
		if err := json.Unmarshal(ans, out); err != nil {
			return fmt.Errorf("%s %s: answer: %w", method, path, err)
		}
	}
	return nil
}

// Get is a GET that only counts: the fast path of closed loops. It reuses
// one request and response per call site (not safe for concurrent use of
// the same req/resp).
func (c *Client) Get(req *fasthttp.Request, resp *fasthttp.Response) (int, error) {
	if err := c.hc.Do(req, resp); err != nil {
		return 0, err
	}
	return resp.StatusCode(), nil
}

// Request prepares a reusable GET request for path with token.
func (c *Client) Request(path, token string) *fasthttp.Request {
	req := fasthttp.AcquireRequest()
	req.Header.SetMethod("GET")
	req.SetRequestURI(c.base + path)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// Close closes the client's idle connections (those of a finished
// scenario, so the next one starts on a quiet engine).
func (c *Client) Close() { c.hc.CloseIdleConnections() }
