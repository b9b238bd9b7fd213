package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/domain"
)

// JournalPage returns up to limit of a wedding's journal changes with
// sequence < before, newest first; before == 0 means from the newest. The
// next older page starts at before = the last returned change's Seq. A
// page shorter than limit ends the journal, which may have been truncated
// behind snapshots (FirstSeq says where it begins). limit <= 0 returns
// nothing. maxBytes > 0 bounds the page's encoded size too: it ends once
// the changes read hold maxBytes (at least one change is returned), so one
// page costs bounded memory however large the changes are. Decoding
// failures are ErrCorrupt.
//
// NB: a change is visible here once its batch is in Pebble's memtable,
// which is before its fsync has finished (see Batch.Start). Callers that
// must show only durable changes pass before = (durable sequence) + 1.
func (d *DB) JournalPage(wedding string, before uint64, limit, maxBytes int) ([]domain.Change, error) {
	if err := checkID(wedding); err != nil {
		return nil, err
	}
	if limit <= 0 || before == 1 {
		return nil, nil
	}
	upper := upperBound(prefixJournal, wedding)
	if before > 0 {
		upper = seqKey(nil, prefixJournal, wedding, before)
	}
	it, err := d.pdb.NewIter(&pebble.IterOptions{
		LowerBound: seqKey(nil, prefixJournal, wedding, 0),
		UpperBound: upper,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: journal page %s: %w", wedding, err)
	}
	defer it.Close()
	out := make([]domain.Change, 0, min(limit, 128))
	read := 0
	for valid := it.Last(); valid && len(out) < limit && (maxBytes <= 0 || read < maxBytes); valid = it.Prev() {
		k := it.Key()
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, fmt.Errorf("storage: journal page %s seq %d: %w", wedding, seq, err)
		}
		read += len(v)
		c, err := DecodeChange(v)
		if err != nil {
			return nil, fmt.Errorf("wedding %s seq %d: %w", wedding, seq, err)
		}
		if c.Seq != seq {
			return nil, fmt.Errorf("%w: wedding %s record at key seq %d holds seq %d", ErrCorrupt, wedding, seq, c.Seq)
		}
		out = append(out, c)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("storage: journal page %s: %w", wedding, err)
	}
	return out, nil
}

// RestoreWedding is RestoreWeddingWithAudit without audit records: the
// restored wedding's audit trail starts after seq.
func (d *DB) RestoreWedding(wedding string, seq uint64, snap []byte, slug string) error {
	return d.RestoreWeddingWithAudit(wedding, seq, snap, slug, nil)
}

// RestoreWeddingWithAudit replaces everything stored for a wedding
// (journal, audit archive, snapshots, meta record) by one snapshot and its
// audit trail up to seq (audit: journal records, oldest first, as
// AuditRecords reads them; may be empty, and may start after 1), in one
// synced batch: afterwards
// the wedding's only snapshot is snap at seq, its journal is empty, and its
// meta record holds seq, so LastSeq returns seq, recovery loads exactly
// that snapshot and the wedding's next change is seq+1. A crash leaves
// either the old wedding or the restored one, never a mix.
//
// snap is stored as given: package storage does not read snapshots, so the
// caller checks that it decodes to this wedding at seq. No actor may be
// running the wedding meanwhile (operator tools work on a stopped data
// directory). Returns ErrBadID, an error for seq 0 or an empty snapshot,
// and the DB's ErrFailed. slug is the restored wedding's slug, indexed in the
// same batch: ErrSlugTaken if another wedding of this database holds it.
// Audit records out of order, past seq, or that do not decode to their
// sequence are ErrCorrupt, and nothing is written.
func (d *DB) RestoreWeddingWithAudit(wedding string, seq uint64, snap []byte, slug string, audit []AuditRecord) error {
	if err := checkID(wedding); err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	if seq == 0 || len(snap) == 0 || slug == "" {
		return fmt.Errorf("storage: restore wedding %s: no snapshot (seq %d, %d bytes, slug %q)", wedding, seq, len(snap), slug)
	}
	if err := checkAuditRecords(wedding, seq, audit); err != nil {
		return err
	}
	if holder, err := d.WeddingBySlug(slug); err == nil && holder != wedding {
		return fmt.Errorf("%w: %s holds %q", ErrSlugTaken, holder, slug)
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	// The copy being replaced may have had another slug: free it.
	held, err := d.slugsOf(wedding)
	if err != nil {
		return err
	}
	b := d.pdb.NewBatch()
	defer b.Close()
	// NB: a batch applies its operations in order, so the Sets below
	// survive the range deletions before them that cover the same keys.
	ops := []error{
		b.DeleteRange(seqKey(nil, prefixJournal, wedding, 0), upperBound(prefixJournal, wedding), nil),
		b.DeleteRange(seqKey(nil, prefixSnapshot, wedding, 0), upperBound(prefixSnapshot, wedding), nil),
		b.DeleteRange(seqKey(nil, prefixAudit, wedding, 0), upperBound(prefixAudit, wedding), nil),
		b.Set(seqKey(nil, prefixSnapshot, wedding, seq), snap, nil),
		b.Set(metaKey(wedding), binary.BigEndian.AppendUint64(nil, seq), nil),
	}
	for _, r := range audit {
		ops = append(ops, b.Set(seqKey(nil, prefixAudit, wedding, r.Seq), r.Record, nil))
	}
	for _, s := range held {
		ops = append(ops, b.Delete(slugKey(s), nil))
	}
	ops = append(ops, b.Set(slugKey(slug), []byte(wedding), nil))
	if err := errors.Join(ops...); err != nil {
		return fmt.Errorf("storage: restore wedding %s: %w", wedding, err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("storage: restore wedding %s at seq %d: %w", wedding, seq, err)
	}
	return nil
}

// SnapshotInfo describes one stored snapshot.
type SnapshotInfo struct {
	Wedding string
	Seq     uint64
	Bytes   int
}

// Snapshots lists every stored snapshot of every wedding, in wedding id
// order and, within a wedding, oldest first. It lists keys and sizes; it
// does not read the snapshots (see Snapshot). Unlike Weddings it also
// finds snapshots of a wedding that has no journal or meta record, which
// only damage leaves behind. A malformed key is ErrCorrupt.
func (d *DB) Snapshots() ([]SnapshotInfo, error) {
	it, err := d.pdb.NewIter(&pebble.IterOptions{
		LowerBound: []byte{prefixSnapshot},
		UpperBound: []byte{prefixSnapshot + 1},
	})
	if err != nil {
		return nil, fmt.Errorf("storage: list snapshots: %w", err)
	}
	defer it.Close()
	var out []SnapshotInfo
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		// 's' wedding 0x00 seq(8), with a non-empty wedding id.
		if len(k) < 1+1+1+8 || k[len(k)-9] != 0 {
			return nil, fmt.Errorf("%w: snapshot key %q", ErrCorrupt, k)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, fmt.Errorf("storage: list snapshots: %w", err)
		}
		out = append(out, SnapshotInfo{
			Wedding: string(k[1 : len(k)-9]),
			Seq:     binary.BigEndian.Uint64(k[len(k)-8:]),
			Bytes:   len(v),
		})
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("storage: list snapshots: %w", err)
	}
	return out, nil
}

// slugsOf lists the slugs the index gives a wedding (one, but for damage).
func (d *DB) slugsOf(wedding string) ([]string, error) {
	it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixSlug}, UpperBound: []byte{prefixSlug + 1}})
	if err != nil {
		return nil, fmt.Errorf("storage: slug index: %w", err)
	}
	defer it.Close()
	var out []string
	for valid := it.First(); valid; valid = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, fmt.Errorf("storage: slug index: %w", err)
		}
		if string(v) == wedding {
			out = append(out, string(it.Key()[1:]))
		}
	}
	return out, it.Error()
}
