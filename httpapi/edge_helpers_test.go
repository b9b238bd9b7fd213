package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parinayaos/engine/httpapi"
)

// Helpers of the edge tests: a server whose connections can be watched
// from the server's side, and raw requests on raw TCP connections.

// watchListener hands the server connections that report what the server
// does with them: how many bytes it has read, whether it is waiting in Read
// for more, whether it closed them. A test waits on that instead of
// sleeping: "the server read all I sent and waits for the rest" or "the
// server answered and closed" are states it can name.
type watchListener struct {
	net.Listener
	mu    sync.Mutex
	cond  *sync.Cond
	conns map[string]*watchedConn // by the client's address
}

type watchedConn struct {
	net.Conn
	l *watchListener
	// Guarded by l.mu.
	read    int64
	waiting bool
	closed  bool
}

func newWatchListener(ln net.Listener) *watchListener {
	l := &watchListener{Listener: ln, conns: map[string]*watchedConn{}}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *watchListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	wc := &watchedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[c.RemoteAddr().String()] = wc
	l.cond.Broadcast()
	l.mu.Unlock()
	return wc, nil
}

func (c *watchedConn) Read(p []byte) (int, error) {
	c.l.mu.Lock()
	c.waiting = true
	c.l.cond.Broadcast()
	c.l.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.l.mu.Lock()
	c.waiting = false
	c.read += int64(n)
	c.l.cond.Broadcast()
	c.l.mu.Unlock()
	return n, err
}

// CloseWrite is the TCP connection's, for the server's lingering close.
func (c *watchedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Close()
}

func (c *watchedConn) Close() error {
	c.l.mu.Lock()
	c.closed = true
	c.l.cond.Broadcast()
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// settled waits until the server has either closed the connection of the
// client at addr, or read sent bytes from it and waits for more; it
// reports which, or fails after timeout (a bound for a broken server, not
// a measurement).
func (l *watchListener) settled(t testing.TB, addr string, sent int64, timeout time.Duration) (closed bool) {
	t.Helper()
	expired := false
	timer := time.AfterFunc(timeout, func() {
		l.mu.Lock()
		expired = true
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer timer.Stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if c := l.conns[addr]; c != nil && (c.closed || c.waiting && c.read == sent) {
			return c.closed
		}
		if expired {
			c := l.conns[addr]
			if c == nil {
				t.Fatalf("%s: the server never accepted the connection", addr)
			}
			t.Fatalf("%s: after %v the server has read %d of %d bytes and neither waits for more nor closed", addr, timeout, c.read, sent)
		}
		l.cond.Wait()
	}
}

// newWatchedServer is newTestServer on a watchListener over 127.0.0.1:0.
func newWatchedServer(t testing.TB, cfg httpapi.Config) (*testServer, *watchListener) {
	t.Helper()
	var wl *watchListener
	s := newTestServerWith(t, cfg, serverOptions{listener: func(ln net.Listener) net.Listener {
		wl = newWatchListener(ln)
		return wl
	}})
	return s, wl
}

// rawConn is a client connection that writes raw bytes.
type rawConn struct {
	net.Conn
	br *bufio.Reader
}

func (s *testServer) dialRaw(t testing.TB) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{Conn: c, br: bufio.NewReader(c)}
}

func (c *rawConn) send(t testing.TB, b string) {
	t.Helper()
	if _, err := io.WriteString(c, b); err != nil {
		t.Fatal(err)
	}
}

// answer reads one answer, waiting at most timeout (a bound for a broken
// server, not a measurement).
func (c *rawConn) answer(timeout time.Duration) (answer, error) {
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &a.body)
	}
	if resp.Close {
		a.header.Set("Connection", "close")
	}
	return a, nil
}

// closedAfter says whether the server closed the connection after its
// answer: the next read ends without a byte.
func (c *rawConn) closedAfter(timeout time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	_, err := c.br.ReadByte()
	return err == io.EOF
}

// head is the request line and headers of a request, ending in the blank
// line; hdr are extra "Name: value" lines.
func head(method, path string, hdr ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + path + " HTTP/1.1\r\nHost: engine\r\n")
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}
