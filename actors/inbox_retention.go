package actors

import (
	"fmt"
	"time"
)

// The inbox's retention: a processed webhook body stays in the inbox for
// Config.InboxRetention after it was received (an operator may replay it
// after a fix), then goes. Bodies not applied yet, and those kept as
// unroutable or unprocessable, are never pruned (storage.PruneInbox).

// inboxPruneChunk bounds the deletions of one storage call: one batch, and
// one hold of the inbox's state lock, which the processor waits on to
// record its outcomes.
const inboxPruneChunk = 10_000

// pruneInbox deletes the processed webhook bodies received more than
// Config.InboxRetention before now (none when it is negative) and returns
// how many it deleted. The inbox processor calls it from time to time
// (hourly); it stops early, without error, when the engine is closing.
func (e *Engine) pruneInbox(now time.Time) (int, error) {
	return e.pruneInboxChunked(now, inboxPruneChunk)
}

// pruneInboxChunked is pruneInbox, chunk deletions per storage call.
func (e *Engine) pruneInboxChunked(now time.Time, chunk int) (int, error) {
	if e.cfg.InboxRetention < 0 {
		return 0, nil
	}
	before := now.Add(-e.cfg.InboxRetention)
	total := 0
	var err error
	for !e.closed.Load() {
		var n int
		n, err = e.db.PruneInbox(before, chunk)
		total += n
		if err != nil || n < chunk {
			break
		}
	}
	if total > 0 {
		e.log.Info().Int("pruned", total).Time("before", before).
			Msg("webhook inbox: processed bodies past their retention pruned")
	}
	if err != nil {
		return total, fmt.Errorf("actors: inbox prune: %w", err)
	}
	return total, nil
}
