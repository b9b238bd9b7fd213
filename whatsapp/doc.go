// Package whatsapp speaks Meta's WhatsApp Cloud API: the outbound client
// (template, interactive and text sends, each answer classified into what
// the sender should do next), the checks Meta would make before accepting
// a message, webhook signatures, a tolerant parser of webhook bodies
// (ParseWebhook: each notification decoded on its own, with its
// idempotency key), and the templates the engine knows. The sandbox
// (package whatsapp/sandbox) plays Meta's side locally.
//
// What it must never do: know about actors, weddings' state or storage.
// It turns messages into requests and answers into Results; deciding what
// to send, and recording what happened, belong to the caller.
//
// Concurrency: a Client is safe for concurrent use. Everything else is
// plain data or pure functions.
//
// Facts relied on (limits, error codes, shapes) are from
// shared/WHATSAPP.md; tests cite the section they check.
package whatsapp
