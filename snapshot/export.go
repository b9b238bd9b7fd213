package snapshot

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/atomicfile"
)

// NB: persisted; must not change.
const (
	exportMagic = "PWEX"
	// ExportVersion is the current export file format version: 2 adds the
	// wedding's audit trail after the snapshot. Version 1 files (a
	// snapshot alone) are still read, with no audit records.
	ExportVersion byte = 2
	// exportVersion1 is the first format: the snapshot alone.
	exportVersion1 byte = 1
)

// exportHeader is magic, version and the snapshot's length; a CRC-32C
// trails the file.
const exportHeader = 4 + 1 + 8

// auditRecordHeader is an audit record's seq(8) and length(4).
const auditRecordHeader = 8 + 4

// MaxExportBytes bounds what ReadExport reads (1 TiB): a sanity bound on
// the file's size, checked before it is read.
const MaxExportBytes = 1 << 40

// AuditRecord is one change of a wedding's audit trail as an export file
// carries it: Record is the stored record of the change at Seq (storage
// writes and reads it; this package carries it as bytes).
type AuditRecord struct {
	Seq    uint64
	Record []byte
}

// Export is one wedding in portable form, as an export file holds it.
type Export struct {
	// Version is the export file format version.
	Version byte
	// Header is the snapshot's: wedding id, sequence, when it was taken.
	Header Header
	// Wedding is the decoded state, indexes rebuilt, ready to use.
	Wedding *domain.Wedding
	// Snapshot is the snapshot as Encode wrote it, which is what storage
	// keeps (storage.DB.RestoreWedding). From DecodeExport it shares the
	// decoded bytes.
	Snapshot []byte
	// Audit is the wedding's audit trail up to the snapshot's sequence,
	// oldest first (it may start after 1, and is empty in version 1
	// files). From DecodeExport the records share the decoded bytes.
	Audit []AuditRecord
}

// checkAudit checks what an export file may carry as audit records: in
// increasing sequence, none at 0 or past the snapshot's seq, none empty.
func checkAudit(audit []AuditRecord, seq uint64) error {
	var prev uint64
	for _, r := range audit {
		if r.Seq == 0 || r.Seq <= prev || r.Seq > seq || len(r.Record) == 0 || uint64(len(r.Record)) > 0xffffffff {
			return fmt.Errorf("%w: audit record seq %d (%d bytes) after seq %d, in an export at seq %d", ErrCorrupt, r.Seq, len(r.Record), prev, seq)
		}
		prev = r.Seq
	}
	return nil
}

// EncodeExport wraps a snapshot, as Encode returns it, and the wedding's
// audit records up to the snapshot's sequence (oldest first; may be
// empty) into the bytes of an export file. It decodes the snapshot first,
// so that no file is written that could not be read back; a snapshot that
// does not decode, or audit records out of order or past the snapshot's
// sequence, are an error wrapping ErrCorrupt.
func EncodeExport(snap []byte, audit []AuditRecord) ([]byte, error) {
	_, h, err := Decode(snap)
	if err != nil {
		return nil, fmt.Errorf("snapshot: export: %w", err)
	}
	if err := checkAudit(audit, h.Seq); err != nil {
		return nil, fmt.Errorf("snapshot: export: %w", err)
	}
	size := exportHeader + len(snap) + 8 + 4
	for _, r := range audit {
		size += auditRecordHeader + len(r.Record)
	}
	out := make([]byte, 0, size)
	out = append(out, exportMagic...)
	out = append(out, ExportVersion)
	out = binary.BigEndian.AppendUint64(out, uint64(len(snap)))
	out = append(out, snap...)
	out = binary.BigEndian.AppendUint64(out, uint64(len(audit)))
	for _, r := range audit {
		out = binary.BigEndian.AppendUint64(out, r.Seq)
		out = binary.BigEndian.AppendUint32(out, uint32(len(r.Record)))
		out = append(out, r.Record...)
	}
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli)), nil
}

// DecodeExport checks the bytes of an export file and decodes the wedding
// in it. It never panics: a wrong magic, unknown version, truncation,
// checksum mismatch, or a snapshot inside that does not decode (see
// Decode) is an error wrapping ErrCorrupt.
func DecodeExport(b []byte) (*Export, error) {
	if len(b) < exportHeader+4 {
		return nil, fmt.Errorf("%w: %d bytes is shorter than an export file", ErrCorrupt, len(b))
	}
	if string(b[:4]) != exportMagic {
		if string(b[:4]) == magic {
			return nil, fmt.Errorf("%w: a bare snapshot, not an export file (magic %q)", ErrCorrupt, b[:4])
		}
		return nil, fmt.Errorf("%w: not an export file (magic %q)", ErrCorrupt, b[:4])
	}
	v := b[4]
	if v != ExportVersion && v != exportVersion1 {
		return nil, fmt.Errorf("%w: export format version %d is unknown (this engine reads %d and %d)", ErrCorrupt, v, exportVersion1, ExportVersion)
	}
	if crc32.Checksum(b[:len(b)-4], castagnoli) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("%w: export checksum mismatch", ErrCorrupt)
	}
	n := binary.BigEndian.Uint64(b[5:])
	rest := b[exportHeader : len(b)-4]
	if v == exportVersion1 && n != uint64(len(rest)) || v == ExportVersion && n > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: export holds %d bytes after its header, its header says %d of snapshot", ErrCorrupt, len(rest), n)
	}
	body, rest := rest[:n], rest[n:]
	w, h, err := Decode(body)
	if err != nil {
		return nil, fmt.Errorf("snapshot in export: %w", err)
	}
	e := &Export{Version: v, Header: h, Wedding: w, Snapshot: body}
	if v == ExportVersion {
		if e.Audit, err = decodeAudit(rest, h.Seq); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// decodeAudit reads the audit section of a version 2 file: count(8), then
// per record seq(8) length(4) bytes, exactly filling b.
func decodeAudit(b []byte, seq uint64) ([]AuditRecord, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: export has %d bytes where its audit records' count belongs", ErrCorrupt, len(b))
	}
	count := binary.BigEndian.Uint64(b)
	b = b[8:]
	// NB: bounded by the bytes there are before anything is allocated.
	if count > uint64(len(b)/auditRecordHeader) {
		return nil, fmt.Errorf("%w: export claims %d audit records in %d bytes", ErrCorrupt, count, len(b))
	}
	out := make([]AuditRecord, 0, count)
	for range count {
		if len(b) < auditRecordHeader {
			return nil, fmt.Errorf("%w: export's audit records end early", ErrCorrupt)
		}
		r := AuditRecord{Seq: binary.BigEndian.Uint64(b)}
		n := uint64(binary.BigEndian.Uint32(b[8:]))
		b = b[auditRecordHeader:]
		if n > uint64(len(b)) {
			return nil, fmt.Errorf("%w: export's audit record seq %d claims %d bytes, %d are left", ErrCorrupt, r.Seq, n, len(b))
		}
		r.Record, b = b[:n:n], b[n:]
		out = append(out, r)
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: export has %d bytes after its audit records", ErrCorrupt, len(b))
	}
	if err := checkAudit(out, seq); err != nil {
		return nil, err
	}
	return out, nil
}

// WriteExport writes an export file of snap and audit (see EncodeExport) at path,
// replacing any file there, atomically: a temporary file in the same
// directory is written, synced and renamed over path, and the directory is
// synced, so after a crash path holds the old file or the whole new one.
// The file is readable by its owner only (it holds guests' contact
// details). It returns the file's size.
func WriteExport(path string, snap []byte, audit []AuditRecord) (int, error) {
	b, err := EncodeExport(snap, audit)
	if err != nil {
		return 0, err
	}
	if err := atomicfile.Write(path, b, 0o600); err != nil {
		return 0, fmt.Errorf("snapshot: write export %s: %w", path, err)
	}
	return len(b), nil
}

// ReadExport reads and decodes an export file (see DecodeExport).
func ReadExport(path string) (*Export, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("snapshot: read export: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("snapshot: read export: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("snapshot: read export %s: not a regular file", path)
	}
	if st.Size() > MaxExportBytes {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than any export file", ErrCorrupt, path, st.Size())
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("snapshot: read export %s: %w", path, err)
	}
	e, err := DecodeExport(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}
