// Package actors owns the life cycle of weddings in memory: one hollywood
// actor per wedding, activated on first use by a directory actor (snapshot +
// journal replay) and passivated when idle (snapshot first).
//
// The engine's Go API (Engine.Do, Engine.Query, Engine.View) is what the
// HTTP layer calls. Do returns only once the command's changes are durable
// (fsynced); View returns the last published read view without entering any
// mailbox.
//
// The wedding actor pipelines: while one journal commit is in flight it
// keeps deciding and applying the next commands, gathering their changes
// into the next commit. Each caller is answered when its own changes are
// durable; order on disk is order of application. Readers never see a
// change before it is durable: views are published, and query answers
// released, only after the commit that covers them.
//
// Failure handling does not rely on hollywood's restart path (which drops
// the message, loses the state and, past its limit, crashes the process): a
// recover middleware answers the panicking caller with ErrInternal, makes
// what was already decided durable, and reloads the wedding from storage.
//
// Concurrency contract: Engine methods are safe for concurrent use. A
// wedding's state (*domain.Wedding) is touched only by its actor goroutine;
// commits run on short-lived goroutines, one at a time per wedding.
package actors
