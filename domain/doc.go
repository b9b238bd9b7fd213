// Package domain is the pure wedding model: the state of one wedding, the
// commands that change it, the changes (journal events) they produce, and the
// projections (headcounts) kept from those changes.
//
// The core loop is a function, in the manner of etcd's raft:
//
//	changes, out, err := w.Execute(cmd, meta)   // decide, stamp, apply
//
// Execute validates cmd against the current state; on success it returns the
// changes (already applied to w) that the caller must make durable before it
// tells anyone about them. Apply(change) is deterministic: replaying the same
// changes on an empty Wedding always rebuilds the same state, which is how the
// engine recovers (snapshot + journal tail).
//
// What it must never do: I/O, reading the clock, randomness, or panicking on
// input. Time comes in through Meta.Now; identifiers are derived from the
// journal sequence, so replays allocate the same ids.
//
// Concurrency: a *Wedding is owned by one goroutine (its actor). Views
// (HeadcountView, query results) are immutable copies, safe to share.
package domain
