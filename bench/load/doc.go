// Package load drives a ParinayaOS engine over HTTP the way clients do, and
// measures it: provisioning of realistic weddings, closed-loop workers on
// keep-alive connections, latency in HDR histograms, and the ceilings
// (a fixed-body fasthttp handler) that every figure is compared with.
//
// It talks to the engine only over HTTP. Start gives it an in-process
// engine (storage, actors, HTTP API on loopback) on a temporary data
// directory; any other engine works through its URL and root token.
package load
