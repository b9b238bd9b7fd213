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
	// ExportVersion is the current export file format version.
	ExportVersion byte = 1
)

// exportHeader is magic, version and the snapshot's length; a CRC-32C
// trails the snapshot.
const exportHeader = 4 + 1 + 8

// MaxExportBytes bounds what ReadExport reads: a snapshot's payload length
// is 32 bits, so no valid export file is larger.
const MaxExportBytes = exportHeader + fixedHeader + 0xffff + 8 + 0xffffffff + 4

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
}

// EncodeExport wraps a snapshot, as Encode returns it, into the bytes of
// an export file. It decodes the snapshot first, so that no file is
// written that could not be read back; a snapshot that does not decode is
// an error wrapping ErrCorrupt.
func EncodeExport(snap []byte) ([]byte, error) {
	if _, _, err := Decode(snap); err != nil {
		return nil, fmt.Errorf("snapshot: export: %w", err)
	}
	out := make([]byte, 0, exportHeader+len(snap)+4)
	out = append(out, exportMagic...)
	out = append(out, ExportVersion)
	out = binary.BigEndian.AppendUint64(out, uint64(len(snap)))
	out = append(out, snap...)
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
	if v := b[4]; v != ExportVersion {
		return nil, fmt.Errorf("%w: export format version %d is unknown (this engine reads %d)", ErrCorrupt, v, ExportVersion)
	}
	n := binary.BigEndian.Uint64(b[5:])
	body := b[exportHeader : len(b)-4]
	if n != uint64(len(body)) {
		return nil, fmt.Errorf("%w: export holds %d bytes of snapshot, its header says %d", ErrCorrupt, len(body), n)
	}
	if crc32.Checksum(b[:len(b)-4], castagnoli) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("%w: export checksum mismatch", ErrCorrupt)
	}
	w, h, err := Decode(body)
	if err != nil {
		return nil, fmt.Errorf("snapshot in export: %w", err)
	}
	return &Export{Version: b[4], Header: h, Wedding: w, Snapshot: body}, nil
}

// WriteExport writes an export file of snap (see EncodeExport) at path,
// replacing any file there, atomically: a temporary file in the same
// directory is written, synced and renamed over path, and the directory is
// synced, so after a crash path holds the old file or the whole new one.
// The file is readable by its owner only (it holds guests' contact
// details). It returns the file's size.
func WriteExport(path string, snap []byte) (int, error) {
	b, err := EncodeExport(snap)
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
