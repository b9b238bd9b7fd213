package actors

import (
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/snapshot"
	"github.com/parinayaos/engine/storage"
)

// loadWedding is Recover with the snapshots it had to skip logged.
func loadWedding(db *storage.DB, id string, log zerolog.Logger) (*domain.Wedding, uint64, error) {
	w, snapSeq, skipped, err := Recover(db, id)
	for _, e := range skipped {
		log.Warn().Err(e).Str("wedding_id", id).Msg("recovery from a snapshot failed; an older one was used")
	}
	return w, snapSeq, err
}

// Recover rebuilds a wedding from storage exactly as the engine does when
// it activates one: the newest snapshot whose checksum and contents hold,
// then the journal after it. A snapshot that fails is skipped (its error is
// in skipped) for the next older one, and finally for the whole journal.
// It returns the wedding and the sequence of the snapshot used (0 for
// none). A wedding with nothing stored comes back empty (not Created).
// Operator tools use it so they see what a starting engine would.
func Recover(db *storage.DB, id string) (w *domain.Wedding, snapSeq uint64, skipped []error, err error) {
	seqs, err := db.SnapshotSeqs(id)
	if err != nil {
		return nil, 0, nil, err
	}
	last, err := db.LastSeq(id)
	if errors.Is(err, storage.ErrNotFound) {
		last, err = 0, nil
	}
	if err != nil {
		return nil, 0, nil, err
	}
	for _, s := range append(seqs, 0) {
		w, err := loadFrom(db, id, s, last)
		if err == nil {
			return w, s, skipped, nil
		}
		if s > 0 {
			skipped = append(skipped, fmt.Errorf("snapshot at seq %d: %w", s, err))
		} else {
			skipped = append(skipped, fmt.Errorf("the whole journal: %w", err))
		}
	}
	return nil, 0, skipped, fmt.Errorf("actors: wedding %s cannot be recovered: %w", id, errors.Join(skipped...))
}

// loadFrom loads the snapshot at snapSeq (0: start empty) and replays the
// journal after it up to last.
func loadFrom(db *storage.DB, id string, snapSeq, last uint64) (w *domain.Wedding, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("actors: recovery panicked: %v", v)
		}
	}()
	w = domain.New()
	if snapSeq > 0 {
		if w, err = LoadSnapshot(db, id, snapSeq); err != nil {
			return nil, err
		}
	}
	if err := db.Replay(id, w.Seq+1, w.Apply); err != nil {
		return nil, err
	}
	if w.Seq < last {
		return nil, fmt.Errorf("%w: wedding %s journal ends at %d, its last durable change is %d",
			storage.ErrCorrupt, id, w.Seq, last)
	}
	return w, nil
}

// LoadSnapshot reads and decodes the wedding's stored snapshot at seq,
// checking that it is the one its key says (a snapshot copied under another
// wedding or sequence is corrupt, whatever its checksum).
func LoadSnapshot(db *storage.DB, id string, seq uint64) (*domain.Wedding, error) {
	b, err := db.Snapshot(id, seq)
	if err != nil {
		return nil, err
	}
	w, h, err := snapshot.Decode(b)
	if err != nil {
		return nil, err
	}
	if h.WeddingID != id || h.Seq != seq {
		return nil, fmt.Errorf("%w: snapshot of wedding %q at %d stored under %q at %d",
			snapshot.ErrCorrupt, h.WeddingID, h.Seq, id, seq)
	}
	return w, nil
}
