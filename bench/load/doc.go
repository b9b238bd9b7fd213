// Package load is the load tester's library: it drives a ParinayaOS engine
// over HTTP the way clients do and says whether it meets its service
// levels. bench/main.go is its command line (go run ./bench).
//
//   - Start runs an engine in-process (storage, actors, HTTP API on
//     loopback) on a temporary data directory; any other engine works
//     through its URL and root token.
//   - Provision creates realistic weddings through the API (households of
//     1–6 with valid Indian mobiles, 10 events, invitations, RSVPs).
//   - Closed (closed loop: maximum throughput) and the open-loop driver
//     (a fixed rate, latency from each request's intended start, so slow
//     answers are not hidden by coordinated omission) measure operations
//     into HDR histograms.
//   - Scenarios is the registry of workloads with their targets; the
//     ceilings (a fixed-body fasthttp handler, raw Pebble group commit) run
//     in the same run, so figures read as ratios too. The load curves
//     (durable-rsvp, headcount-curve) measure the engine at each of a
//     series of concurrencies beside its ceiling at the same concurrency.
//   - Run executes a Config and returns a Report, which WriteTable,
//     WriteJSON, WriteHTML and WriteFiles render.
package load
