package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/valyala/fasthttp"
)

// mayHaveReached decides MaybeSent for transport errors: false only when
// the request surely never reached Meta whole (WHATSAPP.md §10.7: a
// timed-out POST may still have been accepted; avoid double sends).
func TestMayHaveReached(t *testing.T) {
	dialErr := func() error {
		// A real dial error, as fasthttp wraps it: dial a closed port.
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = fasthttp.Dial(addr)
		if err == nil {
			t.Fatal("dialing a closed port succeeded")
		}
		return err
	}()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"refused dial", dialErr, false},
		{"dial timeout", fmt.Errorf("x: %w", fasthttp.ErrDialTimeout), false},
		{"no free connection", fasthttp.ErrNoFreeConns, false},
		{"TLS handshake timeout", fasthttp.ErrTLSHandshakeTimeout, false},
		{"net dial error", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, false},
		{"write error", &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}, false},
		{"timeout", fasthttp.ErrTimeout, true},
		{"closed before the answer", fasthttp.ErrConnectionClosed, true},
		{"reset while reading", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"half an answer", io.ErrUnexpectedEOF, true},
		{"answer too large", fasthttp.ErrBodyTooLarge, true},
		{"unknown", errors.New("something else"), true},
	}
	for _, tt := range tests {
		if got := mayHaveReached(tt.err); got != tt.want {
			t.Errorf("%s: mayHaveReached(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestRedactedError(t *testing.T) {
	const token = "EAAGsecret123"
	inner := fmt.Errorf("read: bad status line %q: %w", "HTTP/1.1 2x0 Bearer "+token, context.DeadlineExceeded)
	err := error(&redactedError{err: inner, secret: token})
	if strings.Contains(err.Error(), token) {
		t.Errorf("Error() = %q shows the token", err)
	}
	if !strings.Contains(err.Error(), "Bearer [redacted]") {
		t.Errorf("Error() = %q, want the rest kept and the token marked", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is lost the wrapped error")
	}
}
