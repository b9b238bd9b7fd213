// Package snapshot defines the snapshot format of one wedding: a header
// that identifies and checks it, then the msgpack encoding of the wedding's
// exported state (domain.Wedding). It encodes, decodes and verifies; where
// snapshots are kept (Pebble, a portable file) is the caller's business.
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
// Concurrency: stateless functions, safe from any goroutine. Encode reads
// the wedding, so the caller must own it (its actor) while encoding.
package snapshot
