package load

import (
	"net"

	"github.com/valyala/fasthttp"
)

// FixedBody is the ceiling for HTTP reads on this machine: a bare fasthttp
// server answering every request with the same JSON body. An engine route
// measured against it in the same run reads as a ratio.
type FixedBody struct {
	URL string
	srv *fasthttp.Server
	ln  net.Listener
}

// FixedJSON300 is a 300-byte JSON body, the size of a small API answer.
var FixedJSON300 = func() []byte {
	b := []byte(`{"wedding_id":"w1","seq":1234,"as_of":"2026-11-27T10:00:00Z","events":[{"event_id":"e1","name":"Sangeet","invited_units":640,"invited_seats":1810,"yes_units":300,"yes_headcount":820,"maybe_units":40,"no_units":60,"pending_units":240}],"totals":{"invited_units":1000,"yes_headcount":2950},"pad":"`)
	for len(b) < 298 {
		b = append(b, 'x')
	}
	return append(b, `"}`...)
}()

// StartFixedBody serves body on a free loopback port.
func StartFixedBody(body []byte) (*FixedBody, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("application/json")
		ctx.SetBody(body)
	}, NoDefaultServerHeader: true, NoDefaultDate: true}
	go func() { _ = srv.Serve(ln) }()
	return &FixedBody{URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// Close stops the server.
func (f *FixedBody) Close() error { return f.srv.Shutdown() }
