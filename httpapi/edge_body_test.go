package httpapi_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/httpapi"
)

// liveHeap is the heap's live bytes after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestHTTP_DeclaredBodyPinsNoMemory: a request that declares a huge body
// and sends only its headers reserves no memory. Before, fasthttp reserved
// the declared length (up to the largest route's 16 MiB, on any path, with
// no token) before any handler ran, and held it for the read timeout:
// a few hundred connections took gigabytes. Now a request without a route
// or without a valid token is answered from its headers, and the
// connection closed, without reading its body; a valid token's body is
// read as it arrives.
func TestHTTP_DeclaredBodyPinsNoMemory(t *testing.T) {
	s, ln := newWatchedServer(t, httpapi.Config{})
	w, owner := s.newWedding("pinned")
	const declared = "Content-Length: 16777215" // within units/batch's 16 MiB
	kinds := []struct {
		name   string
		req    string
		body   int // bytes of the body sent after the headers
		status int // 0: no answer yet, the server waits for the body
		code   string
	}{
		{name: "no token", req: head("POST", "/v1/weddings/"+w+"/units", declared), status: 401, code: "unauthorized"},
		{name: "bogus token", req: head("POST", "/v1/weddings/"+w+"/units", declared, "Authorization: Bearer "+w+".bogus"), status: 401, code: "unauthorized"},
		{name: "unknown path", req: head("POST", "/no/such/route", declared), status: 404, code: "not_found"},
		{name: "wrong method", req: head("PUT", "/v1/weddings", declared), status: 405, code: "method_not_allowed"},
		{name: "units/batch without token", req: head("POST", "/v1/weddings/"+w+"/units/batch", declared), status: 401, code: "unauthorized"},
		{name: "another wedding's units/batch", req: head("POST", "/v1/weddings/wother/units/batch", declared, "Authorization: Bearer "+owner), status: 404, code: "not_found"},
		{name: "chunked without token", req: head("POST", "/v1/weddings/"+w+"/units/batch", "Transfer-Encoding: chunked"), status: 401, code: "unauthorized"},
		// A valid token may send its body: the server reads what arrived
		// (more than fasthttp's 8 KiB prefetch) and waits for the rest.
		{name: "owner's units/batch on its way", req: head("POST", "/v1/weddings/"+w+"/units/batch", declared, "Authorization: Bearer "+owner), body: 20 << 10},
	}
	const perKind = 40 // 320 connections
	type conn struct {
		c    *rawConn
		kind int
		sent int64
	}
	var conns []conn
	before := liveHeap()
	for k, kind := range kinds {
		for range perKind {
			c := s.dialRaw(t)
			msg := kind.req + strings.Repeat(" ", kind.body)
			c.send(t, msg)
			conns = append(conns, conn{c: c, kind: k, sent: int64(len(msg))})
		}
	}
	// Wait until the server has dealt with every connection: answered and
	// closed it, or read all it was sent and waits for more.
	closed := make([]bool, len(conns))
	for i, c := range conns {
		closed[i] = ln.settled(t, c.c.LocalAddr().String(), c.sent, 20*time.Second)
	}
	after := liveHeap()
	grown := int64(after) - int64(before)
	t.Logf("live heap %d MiB before, %d MiB with %d connections open", before>>20, after>>20, len(conns))
	if grown > 64<<20 {
		t.Errorf("the live heap grew by %d MiB with %d connections that declared 16 MiB bodies; want < 64 MiB", grown>>20, len(conns))
	}

	for k, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			failures := 0
			for i, c := range conns {
				if c.kind != k || failures > 3 {
					continue
				}
				if kind.status == 0 {
					if closed[i] {
						t.Errorf("the server closed a valid token's connection while its body was arriving")
						failures++
					}
					continue
				}
				a, err := c.c.answer(5 * time.Second)
				if err != nil {
					t.Errorf("no answer from the headers alone: %v", err)
					failures++
					continue
				}
				wantError(t, a, kind.status, kind.code)
				if !strings.EqualFold(a.header.Get("Connection"), "close") || !c.c.closedAfter(5*time.Second) {
					t.Errorf("the connection stays open after %d with an unread body", a.status)
					failures++
				}
			}
		})
	}
}

// TestHTTP_BodyLimitsDeclared: each route's own limit applies to what a request
// declares, after its token is checked and before any of its body is read;
// a body without a declared length is counted as it arrives.
func TestHTTP_BodyLimitsDeclared(t *testing.T) {
	s, _ := newWatchedServer(t, httpapi.Config{MaxBodyBytes: 64 << 10, BatchBodyBytes: 256 << 10})
	w, owner := s.newWedding("limits")
	auth := "Authorization: Bearer " + owner
	units := "/v1/weddings/" + w + "/units"
	// unit is a unit's JSON with the i-th phone.
	unit := func(i int) string {
		return `{"name":"Sharma","side":"bride","members":[{"name":"Anil","phone":"` + phone(i) + `"}]}`
	}
	chunked := func(body string, size int) string {
		var b strings.Builder
		for len(body) > 0 {
			n := min(size, len(body))
			fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
			body = body[n:]
		}
		return b.String() + "0\r\n\r\n"
	}
	tests := []struct {
		name   string
		req    string // headers
		body   string // sent after the headers
		status int
		code   string
		closes bool // the server closes the connection after its answer
	}{
		{name: "declared over the default limit", req: head("POST", units, auth, "Content-Length: 65537"),
			status: 413, code: "body_too_large", closes: true},
		{name: "declared over units/batch's limit", req: head("POST", units+"/batch", auth, "Content-Length: 262145"),
			status: 413, code: "body_too_large", closes: true},
		{name: "over the default limit, within units/batch's", req: head("POST", units+"/batch", auth, "Content-Length: 131072"),
			body: `{"units":[` + unit(1) + `]}` + strings.Repeat(" ", 131072-len(`{"units":[`+unit(1)+`]}`)), status: 200},
		{name: "a body at the limit", req: head("POST", units, auth, "Content-Length: 65536"),
			body: unit(2) + strings.Repeat(" ", 65536-len(unit(2))), status: 201},
		{name: "a chunked body", req: head("POST", units, auth, "Transfer-Encoding: chunked"),
			body: chunked(unit(3), 7), status: 201},
		{name: "a chunked body over the limit", req: head("POST", units, auth, "Transfer-Encoding: chunked"),
			body: chunked(strings.Repeat(" ", 65537), 4096), status: 413, code: "body_too_large", closes: true},
		{name: "declared over the limit without token", req: head("POST", units, "Content-Length: 65537"),
			status: 401, code: "unauthorized", closes: true},
		{name: "no 100 Continue without token", req: head("POST", units, "Content-Length: 100", "Expect: 100-continue"),
			status: 401, code: "unauthorized", closes: true},
		{name: "a wedding token's body on an operator route", req: head("POST", "/v1/weddings", auth, "Content-Length: 10"),
			status: 403, code: "forbidden", closes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := s.dialRaw(t)
			c.send(t, tt.req+tt.body)
			a, err := c.answer(10 * time.Second)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if tt.code != "" {
				wantError(t, a, tt.status, tt.code)
			} else if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.closes && !c.closedAfter(5*time.Second) {
				t.Errorf("the connection stays open after a refused body")
			}
		})
	}
}

// TestHTTP_RefusedBodyStillSent: a client that sends a body the server
// refuses from the headers (and never reads) still gets the answer, not a
// connection reset, even while it is still sending that body.
func TestHTTP_RefusedBodyStillSent(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("still-sent")
	big := strings.Repeat(" ", 4<<20)
	tests := []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"no token", "/v1/weddings/" + w + "/units/batch", "", 401, "unauthorized"},
		{"bogus token", "/v1/weddings/" + w + "/units/batch", w + ".bogus", 401, "unauthorized"},
		{"unknown path", "/v1/nothing", owner, 404, "not_found"},
		{"over the route's limit", "/v1/weddings/" + w + "/units", owner, 413, "body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 5 {
				a, err := s.try("POST", tt.path, tt.token, big)
				if err != nil {
					t.Fatal(err)
				}
				wantError(t, a, tt.status, tt.code)
			}
		})
	}
}
