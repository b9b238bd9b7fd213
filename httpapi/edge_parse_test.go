package httpapi_test

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/httpapi"
)

// syncBuffer is a bytes.Buffer for a logger written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestHTTP_UnreadableRequests: a request fasthttp cannot read is answered
// with the error shape, a status that says why (431 headers too large, 408
// too slow, 400 otherwise) and a fixed message: never the request's own
// bytes, which carry the bearer token. Before, the 400's message quoted up
// to 4 KB of the raw request, and so did fasthttp's log lines.
func TestHTTP_UnreadableRequests(t *testing.T) {
	var logs syncBuffer
	s, _ := newWatchedServer(t, httpapi.Config{ReadTimeout: 300 * time.Millisecond,
		Logger: zerolog.New(&logs), LogRequests: true})
	w, owner := s.newWedding("unreadable")
	const secret = "w0000000000000000.sEcReTsEcReTsEcReTsEcReT"
	auth := "Authorization: Bearer " + secret
	units := "/v1/weddings/" + w + "/units"
	tests := []struct {
		name   string
		req    string
		closeW bool // the client ends its side after req
		status int
		code   string
	}{
		{name: "headers over the read buffer", req: head("GET", units, auth, "X-Big: "+strings.Repeat("b", 10<<10)),
			status: 431, code: "headers_too_large"},
		{name: "a long request line", req: head("GET", units+"?q="+strings.Repeat("q", 10<<10), auth),
			status: 431, code: "headers_too_large"},
		{name: "headers that never end", req: "GET " + units + " HTTP/1.1\r\nHost: engine\r\n" + auth + "\r\n",
			status: 408, code: "request_timeout"},
		{name: "a small body that never comes", req: head("POST", units, "Authorization: Bearer "+owner, "Content-Length: 100") + `{"name":`,
			status: 408, code: "request_timeout"},
		{name: "a large body that never comes", req: head("POST", units, "Authorization: Bearer "+owner, "Content-Length: 100000") + strings.Repeat(" ", 20000),
			status: 408, code: "request_timeout"},
		{name: "garbage", req: "GARBAGE\r\n" + auth + "\r\n\r\n", status: 400, code: "bad_request"},
		{name: "a bad header line", req: "GET " + units + " HTTP/1.1\r\nHost: engine\r\n" + auth + "\r\nno colon here\r\n\r\n",
			status: 400, code: "bad_request"},
		{name: "HTTP/1.1 without Host", req: "GET " + units + " HTTP/1.1\r\n" + auth + "\r\n\r\n", status: 400, code: "bad_request"},
		{name: "two lengths", req: head("POST", units, auth, "Content-Length: 5", "Content-Length: 6") + "{}{}{}",
			status: 400, code: "bad_request"},
		{name: "a small body cut short", req: head("POST", units, "Authorization: Bearer "+owner, "Content-Length: 100") + `{"name":`,
			closeW: true, status: 400, code: "bad_request"},
		{name: "a large body cut short", req: head("POST", units, "Authorization: Bearer "+owner, "Content-Length: 100000") + strings.Repeat(" ", 20000),
			closeW: true, status: 400, code: "bad_request"},
		{name: "a broken chunk", req: head("POST", units, "Authorization: Bearer "+owner, "Transfer-Encoding: chunked") + "zz\r\n{}\r\n0\r\n\r\n",
			status: 400, code: "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := s.dialRaw(t)
			c.send(t, tt.req)
			if tt.closeW {
				if err := c.Conn.(*net.TCPConn).CloseWrite(); err != nil {
					t.Fatal(err)
				}
			}
			a, err := c.answer(10 * time.Second)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			e := wantError(t, a, tt.status, tt.code)
			msg, _ := e["message"].(string)
			for _, leak := range []string{secret, owner, "Bearer", "GARBAGE", "bbbbbbbb", "qqqqqqqq", "no colon", `{"name"`} {
				if strings.Contains(string(a.raw), leak) {
					t.Errorf("the answer quotes the request (%q): %s", leak, a.raw)
				}
			}
			if strings.Contains(msg, "fasthttp") || strings.Contains(msg, "buffer size") {
				t.Errorf("the message is fasthttp's error, not the API's: %q", msg)
			}
		})
	}
	if got := logs.String(); strings.Contains(got, secret) || strings.Contains(got, owner) {
		t.Errorf("the log quotes a request's bearer token:\n%s", got)
	}
}
