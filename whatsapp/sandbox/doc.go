// Package sandbox plays Meta's WhatsApp Cloud API locally, for everything
// the engine uses: the Graph send route (POST /{version}/{phone-number-id}/messages)
// with Meta's validation, error shapes and throughput limit; signed status
// webhooks (sent, delivered, read, or failed) posted to the engine with
// Meta's delays, duplicates and reordering; and guests who answer by
// themselves or on request (quick-reply taps, interactive replies, typed
// text), each answer a signed message webhook that opens the guest's
// 24-hour window. Facts relied on are those of shared/WHATSAPP.md; comments
// and tests cite its sections.
//
// What it owns: the record of every message it accepted (kept for tests and
// GET /sandbox/messages for the sandbox's whole life), each recipient's
// 24-hour window, the throughput window, and the webhook pipeline.
//
// What it never does: import the engine's WhatsApp client types (it parses
// Meta's wire JSON itself, so it checks the client independently), store
// anything on disk, log a secret or a whole phone number (all but the last
// four digits are masked), or block a send's answer on a webhook.
//
// Routes of Handler:
//
//	POST /{version}/{phone-number-id}/messages  the Graph send API (WHATSAPP.md §5)
//	GET  /sandbox/messages?to=&limit=&after=    what was accepted, oldest first
//	POST /sandbox/reply                         a guest answers; 200 once the webhook is delivered
//	GET  /sandbox/stats                         Stats as JSON
//	anything else                               404 {"error":{"code":"not_found",...}}
//
// Webhook pipeline: each accepted message gets a chain of webhooks (its
// statuses, then perhaps its guest's reply) planned at acceptance from the
// seed. Chains wait in a bounded time-ordered queue (Config.QueueSize; when
// it is full the message's webhooks are dropped and counted in
// Stats.Dropped); a dispatcher goroutine hands due chains to
// Config.WebhookWorkers worker goroutines, which POST one webhook each and
// put the chain back for its next step. A chain's next webhook is planned
// only once the previous one was delivered or given up, so a message's
// webhooks arrive in the planned order. Failed deliveries are retried with
// backoff through the same queue, never by sleeping in a worker.
//
// Randomness: every choice (which messages fail, which webhooks are doubled
// or swapped, which guests answer and how, wamids) is a hash of Config.Seed
// and the recipient's phone and message number, so a run is reproducible
// whatever the interleaving of concurrent senders to different phones.
//
// Concurrency contract: a Sandbox and its Handler are safe for concurrent
// use. Two mutexes guard its state, Sandbox.mu (records, windows, limiter,
// counters) and the queue's own; neither is held while the other is taken,
// nor during any network call. Close may be called at any time; afterwards
// sends answer 503 (code 2) and Reply returns ErrClosed.
package sandbox
