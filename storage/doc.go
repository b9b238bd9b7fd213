// Package storage owns the engine's Pebble database: the per-wedding journal
// of changes, the wedding directory (last sequence per wedding) and stored
// snapshots. It works on bytes, sequence numbers and domain.Change values;
// it knows nothing of actors.
//
// Durability: every write that callers acknowledge goes through a batch
// committed with pebble.Sync. Pebble's commit pipeline already shares one
// WAL fsync among concurrent Sync commits, so many weddings committing at
// once cost far fewer fsyncs than commits; there is no group-commit layer of
// our own.
//
// Key layout (all integers big-endian, so keys sort by sequence):
//
//	"\x00format"                       → uint32 storage format version
//	'j' wedding 0x00 seq(8)            → journal record: one encoded Change
//	'a' wedding 0x00 seq(8)            → audit archive: a journal record that
//	                                     truncation moved out of the journal
//	                                     (audit.go); never deleted while the
//	                                     wedding exists
//	'm' wedding                        → wedding meta: a sequence(8), written with
//	                                     the wedding's first change, by truncation
//	                                     and by RestoreWedding
//	's' wedding 0x00 seq(8)            → snapshot bytes (see package snapshot)
//	'g' slug                           → wedding id: the slug index, written in
//	                                     the batch of the change that sets a
//	                                     slug (WeddingCreated, WeddingUpdated)
//	'c' wedding 0x00 campaign          → (empty): the campaign may still send;
//	                                     written in the batch of the change that
//	                                     creates or ends it (see outbox.go)
//	't' at(8) phone                    → wedding: a message to phone began
//	                                     sending at at (ns): the messaging tier's
//	                                     rolling window, rebuilt at start
//	'w' wamid                          → wedding: the wedding of the message Meta
//	                                     knows by that wamid (outbox.go)
//	'r' phone                          → wedding: the wedding that last began
//	                                     sending to phone (outbox.go)
//	'i' id(8)                          → a webhook body as received: state(1)
//	                                     at(8) why-length(2) why body (inbox.go)
//	"\x00secret/" name                  → 32 random bytes the engine keeps for
//	                                     itself (secret.go)
//	"\x00guest-keys"                   → the guest-token key ids, current
//	                                     first (guestkeys.go)
//	"\x00slugs-indexed"                → present once every wedding's slug is in
//	                                     the index (new databases; older ones
//	                                     after IndexSlugs)
//
// A journal record is a version byte followed by the msgpack encoding of a
// domain.Change:
//
//	+---------+---------------------------+
//	| ver (1) | msgpack(domain.Change)    |
//	+---------+---------------------------+
//
// A wedding's last sequence is the key of its last journal record, written
// in the same batch as the change, so it can never disagree with the
// journal; the meta record holds it only once truncation left no record.
// RestoreWedding is the other way to get there: in one synced batch it
// deletes a wedding's journal, audit archive, snapshots and meta record and
// writes one snapshot at seq with a meta record holding seq (and, from an
// export that carries them, the audit records up to seq into the archive),
// so the wedding resumes at seq+1 from exactly that snapshot.
//
// The audit trail (every change of a wedding's life) is the archive
// followed by the journal: truncation moves records from one to the other
// in one batch, so the two never overlap and never leave a gap.
//
// Wedding ids are non-empty and contain no 0x00 byte (checked on write).
//
// Only one process opens a data directory at a time (Pebble's LOCK file):
// Open says ErrLocked while an engine runs on it, which is how operator
// tools (cmd/engine snapshot) know to refuse. Options.ReadOnly opens without
// writing anything, for the tools that only read.
//
// Concurrency: a *DB is safe for concurrent use. Appends for one wedding
// must come from one goroutine at a time, in sequence order (the wedding's
// actor guarantees this).
package storage
