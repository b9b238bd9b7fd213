// Package snapshot defines the snapshot format of one wedding: a header
// that identifies and checks it, then the msgpack encoding of the wedding's
// exported state (domain.Wedding). It encodes, decodes and verifies; where
// snapshots are kept is the caller's business (the engine keeps them in
// Pebble), except for export files, which this package writes and reads.
//
// Layout (integers big-endian):
//
//	+-----------+---------+----------+----------+------------+--------+-----------+---------+
//	| magic (4) | ver (1) | seq (8)  | at (8)   | idlen (2)  | id     | len (4)   | crc (4) |  payload
//	| "PWSN"    | 1       | last seq | unix ns  |            | bytes  | payload   | CRC-32C |  msgpack
//	+-----------+---------+----------+----------+------------+--------+-----------+---------+
//
// crc is CRC-32C (Castagnoli) over everything before it (header fields)
// and the payload, so a flipped bit anywhere is detected.
//
// Decode never panics: a wrong magic, unknown version, truncation, checksum
// mismatch or a payload whose state disagrees with its header (a valid
// checksum over impossible state) is an error wrapping ErrCorrupt.
//
// An export file is one wedding in portable form (`engine snapshot
// export`/`restore`): a snapshot in the layout above and the wedding's
// audit trail, wrapped so the file format can evolve on its own (integers
// big-endian). Version 2:
//
//	+-----------+---------+-----------+--------------+-----------+------------------------------+---------+
//	| magic (4) | ver (1) | len (8)   | snapshot     | count (8) | count × audit record:        | crc (4) |
//	| "PWEX"    | 2       | snapshot  | (len bytes,  | audit     |   seq (8) | rlen (4) | rlen  | CRC-32C |
//	|           |         | bytes     | see above)   | records   |   bytes: storage's record    |         |
//	+-----------+---------+-----------+--------------+-----------+------------------------------+---------+
//
// The audit records are the wedding's changes up to the snapshot's
// sequence, oldest first, each the record storage keeps (a journal
// record: see package storage), which this package carries without
// reading; they may start after seq 1 (history from before the audit
// archive is not there). Version 1, still read, is the same without the
// count and the records: the snapshot fills the file up to the crc.
//
// crc covers everything before it. The snapshot inside keeps its own
// version, so an engine that reads newer snapshots still reads old export
// files. WriteExport replaces a file atomically (temporary file, fsync,
// rename, fsync of the directory). DecodeExport never panics either; its
// errors wrap ErrCorrupt.
//
// Concurrency: stateless functions, safe from any goroutine. Encode reads
// the wedding, so the caller must own it (its actor) while encoding.
package snapshot
