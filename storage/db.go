package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/parinayaos/engine/domain"
)

// FormatVersion is the version of the key layout in doc.go.
//
// NB: persisted; must not change.
const FormatVersion uint32 = 1

// NB: persisted key prefixes; must not change.
const (
	prefixJournal  = 'j'
	prefixMeta     = 'm'
	prefixSnapshot = 's'
)

var formatKey = []byte("\x00format")

// Errors returned by DB methods.
var (
	ErrNotFound  = errors.New("storage: not found")
	ErrBadID     = errors.New("storage: wedding id is empty or contains a NUL byte")
	ErrOutOfSeq  = errors.New("storage: changes are not in sequence")
	ErrNewFormat = errors.New("storage: data directory has a newer format than this engine")
	// ErrLocked: another process (a running engine, or another operator
	// command) holds the data directory's lock. Returned by Open.
	ErrLocked = errors.New("storage: data directory is in use by another process")
	// ErrNoDatabase: Options.ReadOnly was given for a directory that holds
	// no database. Returned by Open.
	ErrNoDatabase = errors.New("storage: no database in the data directory")
	// ErrFailed: a journal write failed. Pebble may hold the failed batch in
	// memory although it is not on disk, so nothing more is written or
	// trusted; restart the engine to recover from what is on disk.
	ErrFailed = errors.New("storage: a journal write failed; restart the engine to recover from disk")
)

// Options tune the database. The zero value is the production default.
type Options struct {
	// FS replaces the real file system (tests use vfs.NewCrashableMem).
	FS vfs.FS
	// CacheBytes is Pebble's block cache size; 0 means 64 MiB.
	CacheBytes int64
	// Logger receives Pebble's own messages; nil keeps Pebble quiet except
	// for errors and fatal conditions.
	Logger pebble.Logger
	// WALMinSyncInterval is how long the WAL waits after a fsync before
	// the next one when other commits are arriving, so that they share it
	// (see WALPacer): a lone commit is synced at once. 0 means
	// DefaultWALMinSyncInterval; a negative value never waits.
	WALMinSyncInterval time.Duration
	// ReadOnly opens an existing database without writing to it (operator
	// tools that only read: list, verify, export). Open returns
	// ErrNoDatabase if there is none; writes fail.
	ReadOnly bool
}

// DefaultWALMinSyncInterval lets a burst of commits from many weddings
// gather into one fsync. Measured with BenchmarkDurableCommands (256
// callers): +10–40% durable commands/s. It is waited only while other
// commits arrive in a burst (WALPacer): a lone writer's commit is synced
// at once.
const DefaultWALMinSyncInterval = 250 * time.Microsecond

// WALPacer is the WAL's group commit policy: Pebble asks it, after each
// fsync, how long to wait before the next (Options.WALMinSyncInterval is a
// function it reads at every sync). A fixed wait buys larger groups under
// load and costs every lone commit the whole wait, which Go's timers round
// up to about a millisecond on an idle runtime: one admin answering RSVPs
// from a phone paid 1.4 ms a write for nothing. So the pacer waits only
// when many commits entered the WAL since its previous decision (at least
// WALPacerBurst): commits are then arriving much faster than fsyncs
// complete, and the wait gathers more of them into each fsync, which saves
// the CPU that each fsync's wake-ups cost. Otherwise the next fsync starts
// as soon as a commit asks for it, and commits that arrive meanwhile share
// it: Pebble's own group commit, which costs a lone writer one fsync.
//
// It is exported so that raw-Pebble baselines (benchmarks, the load
// tester) run under the same policy as the engine.
type WALPacer struct {
	wait    time.Duration
	started atomic.Uint64 // commits entered into the WAL pipeline
	seen    uint64        // started at the previous decision (Pebble's flush goroutine only)
}

// WALPacerBurst is how many commits must have entered the WAL since the
// previous fsync ended for the next to wait. Measured over HTTP with the
// load tester's curve (BENCHMARKS.md, issue 10): waiting from 1 arrival on
// (the old fixed wait) costs 1 connection two thirds of its writes and 4
// connections a third; from 16 on, 64 connections lose a tenth of theirs
// (their commits no longer gather); 8 keeps both.
const WALPacerBurst = 8

// NewWALPacer returns a pacer that waits wait between fsyncs under a burst.
func NewWALPacer(wait time.Duration) *WALPacer { return &WALPacer{wait: wait} }

// Commit counts one commit entering the WAL pipeline; call it before each
// Sync commit.
func (p *WALPacer) Commit() {
	if p != nil {
		p.started.Add(1)
	}
}

// MinSyncInterval is Pebble's Options.WALMinSyncInterval. Pebble calls it
// on the WAL's flush goroutine after each fsync, never concurrently.
func (p *WALPacer) MinSyncInterval() time.Duration {
	now := p.started.Load()
	arrived := now - p.seen
	p.seen = now
	if arrived >= WALPacerBurst {
		return p.wait
	}
	return 0
}

func (o Options) walMinSyncInterval() time.Duration {
	if o.WALMinSyncInterval == 0 {
		return DefaultWALMinSyncInterval
	}
	return o.WALMinSyncInterval
}

// DB is the engine's database.
type DB struct {
	pdb    *pebble.DB
	lock   *pebble.Lock // nil when Pebble took the lock itself
	failed atomic.Pointer[error]
	slugs  slugReservations
	pacer  *WALPacer // nil: the WAL never waits between fsyncs
	inbox  inboxIDs
}

// Err returns ErrFailed (wrapping the cause) once a journal write has
// failed, and nil before.
func (d *DB) Err() error {
	if p := d.failed.Load(); p != nil {
		return *p
	}
	return nil
}

func (d *DB) fail(cause error) error {
	err := fmt.Errorf("%w: %v", ErrFailed, cause)
	d.failed.CompareAndSwap(nil, &err)
	return d.Err()
}

// Open opens (creating if needed) the database in dir. Only one process
// may have a data directory open: Open returns ErrLocked while another
// holds it, and ErrNoDatabase for Options.ReadOnly on a directory without
// a database.
func Open(dir string, o Options) (*DB, error) {
	cacheBytes := o.CacheBytes
	if cacheBytes == 0 {
		cacheBytes = 64 << 20
	}
	cache := pebble.NewCache(cacheBytes)
	defer cache.Unref()
	popts := &pebble.Options{
		FS:       o.FS,
		Cache:    cache,
		Logger:   o.Logger,
		ReadOnly: o.ReadOnly,
		// A larger memtable keeps bursts of journal writes off the flush
		// path; journals are append-only and mostly read once at recovery.
		MemTableSize: 32 << 20,
	}
	var pacer *WALPacer
	if minSync := o.walMinSyncInterval(); minSync > 0 {
		pacer = NewWALPacer(minSync)
		popts.WALMinSyncInterval = pacer.MinSyncInterval
	}
	if popts.Logger == nil {
		popts.Logger = quietLogger{}
	}
	lock, err := lockDir(dir, o)
	if err != nil {
		return nil, err
	}
	popts.Lock = lock
	pdb, err := pebble.Open(dir, popts)
	if err != nil {
		if lock != nil {
			_ = lock.Close()
		}
		if errors.Is(err, pebble.ErrDBDoesNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNoDatabase, dir)
		}
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	d := &DB{pdb: pdb, lock: lock, pacer: pacer}
	if err := d.checkFormat(o.ReadOnly); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

// lockDir takes the lock of an existing data directory itself, so that a
// lock held by another process is told apart (ErrLocked) from any other
// failure to open. A directory that does not exist yet is left to Pebble,
// which creates it (syncing its parents) and locks it.
func lockDir(dir string, o Options) (*pebble.Lock, error) {
	fsys := o.FS
	if fsys == nil {
		fsys = vfs.Default
	}
	if _, err := fsys.Stat(dir); err != nil {
		if o.ReadOnly && errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s does not exist", ErrNoDatabase, dir)
		}
		return nil, nil
	}
	if o.ReadOnly {
		// Before locking, which would leave a LOCK file behind in a
		// directory that is not a database.
		desc, err := pebble.Peek(dir, fsys)
		if err != nil {
			return nil, fmt.Errorf("storage: open %s: %w", dir, err)
		}
		if !desc.Exists {
			return nil, fmt.Errorf("%w: %s", ErrNoDatabase, dir)
		}
	}
	lock, err := pebble.LockDirectory(dir, fsys)
	if err != nil {
		// Creating the LOCK file fails with a *fs.PathError (permissions,
		// a read-only file system); a lock held elsewhere does not.
		if _, ok := errors.AsType[*fs.PathError](err); ok {
			return nil, fmt.Errorf("storage: open %s: %w", dir, err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrLocked, dir, err)
	}
	return lock, nil
}

func (d *DB) checkFormat(readOnly bool) error {
	v, closer, err := d.pdb.Get(formatKey)
	if errors.Is(err, pebble.ErrNotFound) {
		if readOnly {
			return nil // a database Open created but never wrote: nothing to check
		}
		// A new database: its slug index is complete (and empty) from
		// the start.
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], FormatVersion)
		nb := d.pdb.NewBatch()
		defer nb.Close()
		if err := errors.Join(nb.Set(formatKey, b[:], nil), nb.Set(slugIndexedKey, []byte{1}, nil)); err != nil {
			return err
		}
		return nb.Commit(pebble.Sync)
	}
	if err != nil {
		return fmt.Errorf("storage: read format: %w", err)
	}
	defer closer.Close()
	if len(v) != 4 {
		return fmt.Errorf("%w: format record of %d bytes", ErrCorrupt, len(v))
	}
	if got := binary.BigEndian.Uint32(v); got > FormatVersion {
		return fmt.Errorf("%w: %d > %d", ErrNewFormat, got, FormatVersion)
	}
	return nil
}

// Close closes the database and releases the data directory's lock. Every
// acknowledged write is already durable.
func (d *DB) Close() error {
	err := d.pdb.Close()
	if d.lock != nil {
		// NB: after the DB: Pebble holds a reference to the lock until then.
		if lerr := d.lock.Close(); err == nil {
			err = lerr
		}
	}
	return err
}

// Pebble exposes the underlying database for metrics.
func (d *DB) Pebble() *pebble.DB { return d.pdb }

func checkID(id string) error {
	if id == "" || strings.IndexByte(id, 0) >= 0 {
		return ErrBadID
	}
	return nil
}

// seqKey builds prefix wedding 0x00 seq.
func seqKey(dst []byte, prefix byte, wedding string, seq uint64) []byte {
	dst = append(dst, prefix)
	dst = append(dst, wedding...)
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint64(dst, seq)
}

// upperBound is just past every seq key of a wedding: prefix wedding 0x01.
func upperBound(prefix byte, wedding string) []byte {
	return append(append([]byte{prefix}, wedding...), 1)
}

func metaKey(wedding string) []byte {
	return append([]byte{prefixMeta}, wedding...)
}

// Batch collects one wedding's changes for one durable commit. It is not
// safe for concurrent use. Closed batches are recycled (NewBatch).
type Batch struct {
	wedding string
	first   uint64
	last    uint64
	key     []byte
	val     bytes.Buffer
	owner   *DB
	db      *pebble.DB
	pb      *pebble.Batch
	n       int
	snap    bool
	started bool
}

// batchPool recycles Batch structs and their encoding buffers: one is
// taken per journal commit.
var batchPool = sync.Pool{New: func() any { return new(Batch) }}

// NewBatch starts a journal batch for a wedding. Close it when done.
func (d *DB) NewBatch(wedding string) *Batch {
	b := batchPool.Get().(*Batch)
	b.wedding, b.owner, b.db, b.pb = wedding, d, d.pdb, d.pdb.NewBatch()
	return b
}

// Add encodes a change into the batch. Changes must come in sequence.
func (b *Batch) Add(c *domain.Change) error {
	if b.n > 0 && c.Seq != b.last+1 {
		return fmt.Errorf("%w: %d after %d", ErrOutOfSeq, c.Seq, b.last)
	}
	b.val.Reset()
	if err := writeChange(&b.val, c); err != nil {
		return err
	}
	b.key = seqKey(b.key[:0], prefixJournal, b.wedding, c.Seq)
	if err := b.pb.Set(b.key, b.val.Bytes(), nil); err != nil {
		return fmt.Errorf("storage: batch set: %w", err)
	}
	if c.WeddingCreated != nil || c.WeddingUpdated != nil {
		if err := indexSlug(b.pb, b.wedding, c); err != nil {
			return fmt.Errorf("storage: batch slug index: %w", err)
		}
	}
	if c.CampaignCreated != nil || c.CampaignStateSet != nil || c.MessagesUpdated != nil {
		if err := indexOutbox(b.pb, b.wedding, c); err != nil {
			return fmt.Errorf("storage: batch outbox index: %w", err)
		}
	}
	if b.n == 0 {
		b.first = c.Seq
	}
	b.last = c.Seq
	b.n++
	return nil
}

// Len is the number of changes in the batch.
func (b *Batch) Len() int { return b.n }

// Commit makes the batch durable (fsync), atomically: its last journal
// key becomes the wedding's last sequence. Only after it returns nil may anyone be
// told about the changes. The batch is consumed: Close it (it goes back to a
// pool) and take a new one.
func (b *Batch) Commit() error {
	if err := b.Start(); err != nil {
		return err
	}
	return b.Wait()
}

// Start enters the batch into Pebble's commit pipeline (WAL order) and
// returns without waiting for the fsync; Wait waits for it. Batches started
// one after another from one goroutine reach the WAL in that order, and the
// WAL is synced in order, so a later batch is never durable without an
// earlier one: a wedding's actor can have several commits in flight and
// still never leave a gap in its journal.
//
// NB: Start uses pebble's ApplyNoSyncWait, marked experimental upstream;
// TestBatchStartOrder checks the ordering promise we rely on.
func (b *Batch) Start() (err error) {
	if b.n == 0 && !b.snap {
		return nil
	}
	if err := checkID(b.wedding); err != nil {
		return err
	}
	if err := b.owner.Err(); err != nil {
		return err
	}
	if b.n > 0 && b.first == 1 {
		// The wedding's directory record, written with its first change.
		// Later batches do not rewrite it: their own last journal key is
		// the wedding's last sequence (see LastSeq).
		if err := b.pb.Set(metaKey(b.wedding), binary.BigEndian.AppendUint64(nil, b.last), nil); err != nil {
			return fmt.Errorf("storage: batch meta: %w", err)
		}
	}
	// Pebble panics on a sticky WAL error (holding its commit mutex): no
	// write may follow, so the whole DB is marked failed.
	defer func() {
		if v := recover(); v != nil {
			err = b.owner.fail(fmt.Errorf("pebble panicked committing wedding %s: %v", b.wedding, v))
		}
	}()
	b.owner.pacer.Commit()
	if err := b.db.ApplyNoSyncWait(b.pb, pebble.Sync); err != nil {
		return b.owner.fail(fmt.Errorf("commit wedding %s seq %d..%d: %w", b.wedding, b.first, b.last, err))
	}
	b.started = true
	return nil
}

// Wait waits until a started batch is durable. Only after it returns nil
// may anyone be told about the batch's changes.
func (b *Batch) Wait() error {
	if !b.started {
		return nil
	}
	b.started = false
	if err := b.pb.SyncWait(); err != nil {
		return b.owner.fail(fmt.Errorf("sync wedding %s seq %d..%d: %w", b.wedding, b.first, b.last, err))
	}
	return nil
}

// Close releases the batch. A started batch is waited for first (Pebble
// requires it).
func (b *Batch) Close() error {
	if b.pb == nil {
		return nil // closed already: it must not go back to the pool twice
	}
	_ = b.Wait()
	err := b.pb.Close()
	// Keep the buffers, drop the references; large buffers are not kept.
	key, val := b.key[:0], b.val
	*b = Batch{key: key}
	if val.Cap() <= 64<<10 {
		b.val = val
		b.val.Reset()
	}
	batchPool.Put(b)
	return err
}

// Append is Add for each change, then Commit.
func (d *DB) Append(wedding string, changes []domain.Change) error {
	b := d.NewBatch(wedding)
	defer b.Close()
	for i := range changes {
		if err := b.Add(&changes[i]); err != nil {
			return err
		}
	}
	return b.Commit()
}

// LastSeq returns the sequence of a wedding's last durable change, or
// ErrNotFound for a wedding that has none.
//
// It is the key of the wedding's last journal record, which is written in
// the same batch as the change by construction and so can never disagree
// with the journal. The wedding's meta record (written with its first
// change, and updated by truncation) covers a journal with nothing left.
//
// NB: an earlier layout rewrote the meta record in every batch; that was
// one of about 2.3 memtable inserts per commit with many small weddings,
// and dropping it measured +20% durable commands/s (BENCHMARKS.md).
func (d *DB) LastSeq(wedding string) (uint64, error) {
	if err := checkID(wedding); err != nil {
		return 0, err
	}
	var last uint64
	found := false
	v, closer, err := d.pdb.Get(metaKey(wedding))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return 0, fmt.Errorf("storage: read meta %s: %w", wedding, err)
	default:
		defer closer.Close()
		if len(v) < 8 {
			return 0, fmt.Errorf("%w: meta of wedding %s has %d bytes", ErrCorrupt, wedding, len(v))
		}
		last, found = binary.BigEndian.Uint64(v), true
	}
	it, err := d.pdb.NewIter(&pebble.IterOptions{
		LowerBound: seqKey(nil, prefixJournal, wedding, 0),
		UpperBound: upperBound(prefixJournal, wedding),
	})
	if err != nil {
		return 0, fmt.Errorf("storage: last seq %s: %w", wedding, err)
	}
	defer it.Close()
	if it.Last() {
		k := it.Key()
		last, found = max(last, binary.BigEndian.Uint64(k[len(k)-8:])), true
	}
	if err := it.Error(); err != nil {
		return 0, err
	}
	if !found {
		return 0, ErrNotFound
	}
	return last, nil
}

// Weddings lists every stored wedding (a meta record or a journal), in id
// order.
func (d *DB) Weddings() ([]string, error) {
	seen := map[string]bool{}
	for _, prefix := range []byte{prefixMeta, prefixJournal} {
		it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefix}, UpperBound: []byte{prefix + 1}})
		if err != nil {
			return nil, fmt.Errorf("storage: list weddings: %w", err)
		}
		for valid := it.First(); valid; {
			k := it.Key()[1:]
			id := string(k)
			if prefix == prefixJournal {
				id = string(k[:max(0, len(k)-9)]) // wedding 0x00 seq(8)
			}
			seen[id] = true
			if prefix == prefixJournal {
				valid = it.SeekGE(upperBound(prefixJournal, id)) // skip this wedding's records
			} else {
				valid = it.Next()
			}
		}
		err = it.Error()
		it.Close()
		if err != nil {
			return nil, err
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// Replay calls fn with each of a wedding's changes from sequence from
// (inclusive) on, in order. Decoding failures are ErrCorrupt; a gap in the
// sequence is ErrCorrupt too. fn's error stops the replay and is returned.
func (d *DB) Replay(wedding string, from uint64, fn func(c *domain.Change) error) error {
	if err := checkID(wedding); err != nil {
		return err
	}
	it, err := d.pdb.NewIter(&pebble.IterOptions{
		LowerBound: seqKey(nil, prefixJournal, wedding, from),
		UpperBound: upperBound(prefixJournal, wedding),
	})
	if err != nil {
		return fmt.Errorf("storage: replay %s: %w", wedding, err)
	}
	defer it.Close()
	if from == 0 {
		from = 1
	}
	next := from
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		if seq != next {
			return fmt.Errorf("%w: wedding %s journal has seq %d where %d was expected", ErrCorrupt, wedding, seq, next)
		}
		c, err := DecodeChange(it.Value())
		if err != nil {
			return fmt.Errorf("wedding %s seq %d: %w", wedding, seq, err)
		}
		if c.Seq != seq {
			return fmt.Errorf("%w: wedding %s record at key seq %d holds seq %d", ErrCorrupt, wedding, seq, c.Seq)
		}
		if err := fn(&c); err != nil {
			return err
		}
		next = seq + 1
	}
	return it.Error()
}

// FirstSeq returns the lowest journal sequence still stored for a wedding
// (journals are truncated behind snapshots), or ErrNotFound.
func (d *DB) FirstSeq(wedding string) (uint64, error) {
	var first uint64
	errStop := errors.New("stop")
	err := d.scanKeys(prefixJournal, wedding, func(seq uint64) error { first = seq; return errStop })
	if errors.Is(err, errStop) {
		return first, nil
	}
	if err != nil {
		return 0, err
	}
	return 0, ErrNotFound
}

func (d *DB) scanKeys(prefix byte, wedding string, fn func(seq uint64) error) error {
	if err := checkID(wedding); err != nil {
		return err
	}
	it, err := d.pdb.NewIter(&pebble.IterOptions{
		LowerBound: seqKey(nil, prefix, wedding, 0),
		UpperBound: upperBound(prefix, wedding),
	})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if err := fn(binary.BigEndian.Uint64(k[len(k)-8:])); err != nil {
			return err
		}
	}
	return it.Error()
}

// TruncateJournal moves a wedding's journal records with seq < before into
// its audit archive (see audit.go): the journal no longer holds them, the
// audit trail still does. Used only behind a durable snapshot that covers
// them.
func (d *DB) TruncateJournal(wedding string, before uint64) error {
	if err := checkID(wedding); err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	if before == 0 {
		return nil
	}
	return d.truncate(wedding, before, pebble.Sync)
}

// truncate moves journal records with seq < before into the audit archive
// and, in the same batch, records the wedding's last sequence in its meta
// record, which is what LastSeq falls back to once no journal record is
// left. One batch: every change is in the journal or in the archive,
// never in neither.
func (d *DB) truncate(wedding string, before uint64, opts *pebble.WriteOptions) error {
	last, err := d.LastSeq(wedding)
	if err != nil {
		return err
	}
	b := d.pdb.NewBatch()
	defer b.Close()
	if err := d.archive(b, wedding, before); err != nil {
		return err
	}
	_ = b.DeleteRange(seqKey(nil, prefixJournal, wedding, 0), seqKey(nil, prefixJournal, wedding, before), nil)
	_ = b.Set(metaKey(wedding), binary.BigEndian.AppendUint64(nil, last), nil)
	if err := b.Commit(opts); err != nil {
		return fmt.Errorf("storage: truncate %s before %d: %w", wedding, before, err)
	}
	return nil
}

// PutSnapshot stores a snapshot of a wedding at seq, durably.
func (d *DB) PutSnapshot(wedding string, seq uint64, data []byte) error {
	if err := checkID(wedding); err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	if err := d.pdb.Set(seqKey(nil, prefixSnapshot, wedding, seq), data, pebble.Sync); err != nil {
		return fmt.Errorf("storage: put snapshot %s@%d: %w", wedding, seq, err)
	}
	return nil
}

// SnapshotSeqs lists the sequences of a wedding's stored snapshots, newest
// first.
func (d *DB) SnapshotSeqs(wedding string) ([]uint64, error) {
	var seqs []uint64
	err := d.scanKeys(prefixSnapshot, wedding, func(seq uint64) error { seqs = append(seqs, seq); return nil })
	for i, j := 0, len(seqs)-1; i < j; i, j = i+1, j-1 {
		seqs[i], seqs[j] = seqs[j], seqs[i]
	}
	return seqs, err
}

// Snapshot returns the stored snapshot of a wedding at seq.
func (d *DB) Snapshot(wedding string, seq uint64) ([]byte, error) {
	if err := checkID(wedding); err != nil {
		return nil, err
	}
	v, closer, err := d.pdb.Get(seqKey(nil, prefixSnapshot, wedding, seq))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage: get snapshot %s@%d: %w", wedding, seq, err)
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

// DeleteSnapshot removes one stored snapshot.
func (d *DB) DeleteSnapshot(wedding string, seq uint64) error {
	if err := checkID(wedding); err != nil {
		return err
	}
	if err := d.Err(); err != nil {
		return err
	}
	return d.pdb.Delete(seqKey(nil, prefixSnapshot, wedding, seq), pebble.Sync)
}

// quietLogger drops Pebble's informational messages.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)           {}
func (quietLogger) Errorf(format string, a ...any) { pebble.DefaultLogger.Errorf(format, a...) }
func (quietLogger) Fatalf(format string, a ...any) { pebble.DefaultLogger.Fatalf(format, a...) }

// PutSnapshot adds a snapshot of the wedding at seq to the batch, so it
// becomes durable in the same commit as the journal records.
func (b *Batch) PutSnapshot(seq uint64, data []byte) error {
	if err := b.pb.Set(seqKey(nil, prefixSnapshot, b.wedding, seq), data, nil); err != nil {
		return fmt.Errorf("storage: batch snapshot: %w", err)
	}
	b.snap = true
	return nil
}

// Prune keeps a wedding's newest keep snapshots, deletes the older ones,
// and truncates the journal before the oldest kept snapshot less tail
// changes, moving those records into the audit archive (TruncateJournal).
// It only deletes what a kept snapshot covers, so it is not synced: a
// crash merely leaves the deletion (and the move, in the same batch) to be
// done again.
func (d *DB) Prune(wedding string, keep int, tail uint64) error {
	if err := d.Err(); err != nil {
		return err
	}
	seqs, err := d.SnapshotSeqs(wedding)
	if err != nil || len(seqs) == 0 || keep < 1 {
		return err
	}
	if len(seqs) > keep {
		for _, s := range seqs[keep:] {
			if err := d.pdb.Delete(seqKey(nil, prefixSnapshot, wedding, s), pebble.NoSync); err != nil {
				return fmt.Errorf("storage: prune snapshot %s@%d: %w", wedding, s, err)
			}
		}
		seqs = seqs[:keep]
	}
	oldest := seqs[len(seqs)-1]
	if oldest+1 <= tail {
		return nil
	}
	return d.truncate(wedding, oldest+1-tail, pebble.NoSync)
}
