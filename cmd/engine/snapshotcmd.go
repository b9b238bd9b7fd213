package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/weddingdiff"
	"github.com/parinayaos/engine/snapshot"
	"github.com/parinayaos/engine/storage"
)

const snapshotUsage = `usage: engine snapshot <subcommand> [flags]

subcommands:
  create   take a fresh snapshot of every wedding (or one): of a stopped data
           directory (--data), or through a running engine's API (--url)
  list     list every wedding with its last sequence, journal and snapshots
  verify   check every snapshot and that snapshots and journal agree
  export   write one wedding (id, tokens, sequence, state, audit trail) to a
           portable file
  restore  load an export file into a data directory

create --data, list, verify, export and restore work on a stopped data
directory: while an engine runs on it, it is locked.

Run "engine snapshot <subcommand> --help" for its flags.
`

// snapshotCmd runs `engine snapshot <subcommand>`.
func snapshotCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, snapshotUsage)
		return errors.New("snapshot: no subcommand given")
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"create":  snapCreate,
		"list":    snapList,
		"verify":  snapVerify,
		"export":  snapExport,
		"restore": snapRestore,
	}
	if f, ok := cmds[args[0]]; ok {
		if err := f(ctx, args[1:], stdout, stderr); err != nil {
			return fmt.Errorf("snapshot %s: %w", args[0], err)
		}
		return nil
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, snapshotUsage)
		return nil
	}
	fmt.Fprint(stderr, snapshotUsage)
	return fmt.Errorf("snapshot: unknown subcommand %q", args[0])
}

// snapFlagSet is a subcommand's flag set: --help prints its usage to
// stdout; a bad flag prints the error and the usage to stderr.
type snapFlagSet struct {
	*flag.FlagSet
	synopsis, about string
	stdout, stderr  io.Writer
}

func newSnapFlags(name, synopsis, about string, stdout, stderr io.Writer) *snapFlagSet {
	fs := &snapFlagSet{FlagSet: flag.NewFlagSet("snapshot "+name, flag.ContinueOnError),
		synopsis: synopsis, about: about, stdout: stdout, stderr: stderr}
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed by parse, to the right stream
	return fs
}

func (fs *snapFlagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: engine snapshot %s\n\n%s\n\nflags:\n", fs.synopsis, fs.about)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(fs.stderr)
}

// parse parses args; done is true when the command must return err now
// (nil after --help).
func (fs *snapFlagSet) parse(args []string) (done bool, err error) {
	err = fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.printUsage(fs.stdout)
		return true, nil
	case err != nil:
		fs.printUsage(fs.stderr)
		return true, err
	case fs.NArg() > 0:
		fs.printUsage(fs.stderr)
		return true, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return false, nil
}

// snapOpen opens a stopped engine's data directory; readOnly opens it
// without writing anything (and refuses a directory without a database).
func snapOpen(dir string, readOnly bool) (*storage.DB, error) {
	if dir == "" {
		return nil, errors.New("--data is required")
	}
	db, err := storage.Open(dir, storage.Options{ReadOnly: readOnly, CacheBytes: 16 << 20})
	switch {
	case errors.Is(err, storage.ErrLocked):
		return nil, fmt.Errorf("data directory %s is in use, most likely by a running engine: "+
			"stop the engine first, or use `engine snapshot create --url` to snapshot a running engine (%w)", dir, err)
	case errors.Is(err, storage.ErrNoDatabase):
		return nil, fmt.Errorf("%s holds no engine data; is --data right? (%w)", dir, err)
	case err != nil:
		return nil, err
	}
	return db, nil
}

// snapWeddingIDs is every wedding with anything stored: a journal, a meta
// record, or only snapshots (which damage can leave behind).
func snapWeddingIDs(db *storage.DB) ([]string, []storage.SnapshotInfo, error) {
	ids, err := db.Weddings()
	if err != nil {
		return nil, nil, err
	}
	snaps, err := db.Snapshots()
	if err != nil {
		return nil, nil, err
	}
	for _, s := range snaps {
		ids = append(ids, s.Wedding)
	}
	slices.Sort(ids)
	return slices.Compact(ids), snaps, nil
}

// snapRecover loads a wedding exactly as a starting engine would.
func snapRecover(db *storage.DB, id string) (w *domain.Wedding, snapSeq uint64, skipped []error, err error) {
	return actors.Recover(db, id)
}

// snapProgress reports long work on stderr: at most one line a second,
// and the last one.
type snapProgress struct {
	w     io.Writer
	verb  string
	total int
	last  time.Time
}

func (p *snapProgress) step(done int) {
	if p.total < 2 {
		return
	}
	if now := time.Now(); done == p.total || now.Sub(p.last) >= time.Second {
		fmt.Fprintf(p.w, "%s %d/%d weddings\n", p.verb, done, p.total)
		p.last = now
	}
}

func snapDescribe(w *domain.Wedding) string {
	live := 0
	for _, t := range w.Tokens {
		if !t.Revoked {
			live++
		}
	}
	return fmt.Sprintf("%d units, %d events, %d tokens (%d live)", len(w.Units), len(w.Events), len(w.Tokens), live)
}

// ---- export ----

func snapExport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newSnapFlags("export", "export --data DIR --wedding ID --out FILE",
		"Writes one wedding (its id, tokens, journal sequence, full state and audit\n"+
			"trail: every change kept, with who made it and when) to a portable file,\n"+
			"replacing FILE atomically. The data directory must not be in use by a\n"+
			"running engine; nothing in it is changed.", stdout, stderr)
	data := fs.String("data", "", "data directory of a stopped engine (required)")
	id := fs.String("wedding", "", "id of the wedding to export (required)")
	out := fs.String("out", "", "file to write (required)")
	if done, err := fs.parse(args); done {
		return err
	}
	if *id == "" || *out == "" {
		fs.printUsage(stderr)
		return errors.New("--wedding and --out are required")
	}
	db, err := snapOpen(*data, true)
	if err != nil {
		return err
	}
	defer db.Close()
	w, _, skipped, err := snapRecover(db, *id)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(stderr, "warning: wedding %s: %v; exporting from an older one (run `engine snapshot verify`)\n", *id, s)
	}
	if !w.Created() {
		return fmt.Errorf("no wedding %q in %s", *id, *data)
	}
	snap, err := snapshot.Encode(w, time.Now())
	if err != nil {
		return err
	}
	audit, span, err := snapAudit(db, *id, w.Seq, func(seq uint64, err error) {
		fmt.Fprintf(stderr, "warning: wedding %s: audit record at seq %d left out: %v (run `engine snapshot verify`)\n", *id, seq, err)
	})
	if err != nil {
		return err
	}
	if len(span.Gaps) > 0 {
		fmt.Fprintf(stderr, "warning: wedding %s: the audit trail misses changes %s (run `engine snapshot verify`); exporting what is there\n", *id, snapGaps(span.Gaps))
	}
	n, err := snapshot.WriteExport(*out, snap, audit)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported wedding %s at seq %d (%s; audit %s) to %s: %d bytes\n", *id, w.Seq, snapDescribe(w), snapAuditRange(span), *out, n)
	return nil
}

// snapAudit reads a wedding's audit trail up to seq, for an export file.
// With bad set, a record that does not decode to its change is left out
// (a gap in the trail, which restore accepts) and reported to bad.
func snapAudit(db *storage.DB, id string, seq uint64, bad func(seq uint64, err error)) ([]snapshot.AuditRecord, storage.AuditSpan, error) {
	var out []snapshot.AuditRecord
	var span storage.AuditSpan
	err := db.AuditRecords(id, 0, seq, func(s uint64, rec []byte) error {
		if bad != nil {
			c, err := storage.DecodeChange(rec)
			if err == nil && c.Seq != s {
				err = fmt.Errorf("%w: it holds the change of seq %d", storage.ErrCorrupt, c.Seq)
			}
			if err != nil {
				bad(s, err)
				return nil
			}
		}
		if len(out) > 0 && s != span.Last+1 {
			span.Gaps = append(span.Gaps, [2]uint64{span.Last + 1, s - 1})
		}
		if len(out) == 0 {
			span.First = s
		}
		span.Last, span.Changes = s, span.Changes+1
		out = append(out, snapshot.AuditRecord{Seq: s, Record: slices.Clone(rec)})
		return nil
	})
	if err != nil {
		return nil, span, fmt.Errorf("wedding %s: audit trail: %w", id, err)
	}
	return out, span, nil
}

// snapAuditRange says which changes an audit trail holds.
func snapAuditRange(s storage.AuditSpan) string {
	switch {
	case s.Changes == 0:
		return "empty"
	case len(s.Gaps) > 0:
		return fmt.Sprintf("%d..%d, %d changes, missing %s", s.First, s.Last, s.Changes, snapGaps(s.Gaps))
	}
	return fmt.Sprintf("%d..%d", s.First, s.Last)
}

func snapGaps(gaps [][2]uint64) string {
	var parts []string
	for _, g := range gaps {
		if g[0] == g[1] {
			parts = append(parts, fmt.Sprint(g[0]))
		} else {
			parts = append(parts, fmt.Sprintf("%d..%d", g[0], g[1]))
		}
	}
	return strings.Join(parts, ", ")
}

// ---- restore ----

func snapRestore(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newSnapFlags("restore", "restore --data DIR --in FILE [--force]",
		"Loads an export file into a data directory (created if missing): the wedding\n"+
			"keeps its id, tokens, sequence and audit trail, and everything the directory\n"+
			"held for it is replaced. A copy of the wedding that is newer than the file (a higher\n"+
			"sequence), or a different one at the same sequence, is kept unless --force.\n"+
			"The data directory must not be in use by a running engine.", stdout, stderr)
	data := fs.String("data", "", "data directory to restore into (required)")
	in := fs.String("in", "", "export file to read (required)")
	force := fs.Bool("force", false, "replace the wedding even if the directory holds a newer or different copy")
	if done, err := fs.parse(args); done {
		return err
	}
	if *in == "" {
		fs.printUsage(stderr)
		return errors.New("--in is required")
	}
	if *data == "" {
		return errors.New("--data is required")
	}
	e, err := snapshot.ReadExport(*in)
	if err != nil {
		return err
	}
	id, seq := e.Header.WeddingID, e.Header.Seq
	if err := snapCheckRestoreDir(*data); err != nil {
		return err
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	db, err := snapOpen(*data, false)
	if err != nil {
		return err
	}
	defer db.Close()

	replacing := ""
	have, err := db.LastSeq(id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		if !*force {
			return fmt.Errorf("wedding %s in %s cannot be read (%w); use --force to replace it", id, *data, err)
		}
		replacing = fmt.Sprintf(", replacing an unreadable copy (%v)", err)
	case have > seq:
		if !*force {
			return fmt.Errorf("%s holds wedding %s at seq %d, newer than the file's seq %d; "+
				"use --force to replace it with the older copy", *data, id, have, seq)
		}
		replacing = fmt.Sprintf(", replacing a newer copy at seq %d", have)
	case have == seq:
		cur, _, _, err := snapRecover(db, id)
		diff := ""
		if err != nil {
			diff = err.Error()
		} else if diff = weddingdiff.Diff(cur, e.Wedding); diff == "" {
			diff = snapAuditDiff(db, id, seq, e.Audit)
		}
		if diff == "" && !*force {
			fmt.Fprintf(stdout, "wedding %s at seq %d is in %s already, identical; nothing to do\n", id, seq, *data)
			return nil
		}
		if diff != "" && !*force {
			return fmt.Errorf("%s holds a different copy of wedding %s at the same seq %d (%s); "+
				"use --force to replace it", *data, id, seq, diff)
		}
		replacing = fmt.Sprintf(", replacing the copy at the same seq %d", have)
	default:
		replacing = fmt.Sprintf(", replacing an older copy at seq %d", have)
	}
	audit := make([]storage.AuditRecord, len(e.Audit))
	for i, r := range e.Audit {
		audit[i] = storage.AuditRecord{Seq: r.Seq, Record: r.Record}
	}
	if err := db.RestoreWeddingWithAudit(id, seq, e.Snapshot, e.Wedding.Info.Slug, audit); err != nil {
		if errors.Is(err, storage.ErrSlugTaken) {
			return fmt.Errorf("%w; change that wedding's slug (PATCH /v1/weddings/{w}) and restore again", err)
		}
		return err
	}
	// Read it back as the engine will.
	got, snapSeq, _, err := snapRecover(db, id)
	if err != nil {
		return fmt.Errorf("restored wedding %s does not load: %w", id, err)
	}
	if d := weddingdiff.Diff(got, e.Wedding); d != "" || snapSeq != seq {
		return fmt.Errorf("restored wedding %s loads differently from the file (snapshot %d): %s", id, snapSeq, d)
	}
	if d := snapAuditDiff(db, id, seq, e.Audit); d != "" {
		return fmt.Errorf("restored wedding %s: %s", id, d)
	}
	auditNote := "audit " + snapAuditRange(storage.AuditSpan{})
	if n := len(e.Audit); n > 0 {
		auditNote = fmt.Sprintf("audit %d..%d", e.Audit[0].Seq, e.Audit[n-1].Seq)
	} else if e.Version < snapshot.ExportVersion {
		auditNote = fmt.Sprintf("no audit trail: export format %d", e.Version)
	}
	fmt.Fprintf(stdout, "restored wedding %s at seq %d (%s; %s) into %s%s\n", id, seq, snapDescribe(got), auditNote, *data, replacing)
	return nil
}

// snapAuditDiff compares a wedding's audit trail up to seq in db with an
// export's: "" when they hold the same records.
func snapAuditDiff(db *storage.DB, id string, seq uint64, want []snapshot.AuditRecord) string {
	have, _, err := snapAudit(db, id, seq, nil)
	if err != nil {
		return err.Error()
	}
	if len(have) != len(want) {
		return fmt.Sprintf("the audit trail holds %d changes, the file %d", len(have), len(want))
	}
	for i := range have {
		if have[i].Seq != want[i].Seq || !bytes.Equal(have[i].Record, want[i].Record) {
			return fmt.Sprintf("the audit trail differs from the file's at seq %d", want[i].Seq)
		}
	}
	return ""
}

// snapCheckRestoreDir refuses a directory that holds files but no
// database: most likely a wrong --data, where a restore would plant a
// database among someone else's files.
func snapCheckRestoreDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil // missing (it is created), or Open will say what is wrong
	}
	foreign := slices.ContainsFunc(ents, func(e os.DirEntry) bool {
		// A fresh file system's lost+found, and the engine's root token
		// (cmd/engine/roottoken.go), are no reason to refuse.
		return e.Name() != "lost+found" && e.Name() != "root.token"
	})
	if !foreign {
		return nil
	}
	db, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if errors.Is(err, storage.ErrNoDatabase) {
		return fmt.Errorf("%s is not empty and holds no engine data: restore into an empty directory or an engine's data directory", dir)
	}
	if err == nil {
		return db.Close()
	}
	return nil // locked, say: the real Open reports it
}

// ---- list ----

func snapList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newSnapFlags("list", "list --data DIR",
		"Lists every wedding of a stopped engine's data directory: its last sequence,\n"+
			"the range its journal still holds, the range of its audit trail, and its\n"+
			"snapshots, newest first (sequence, size, when taken). Nothing is changed.", stdout, stderr)
	data := fs.String("data", "", "data directory of a stopped engine (required)")
	if done, err := fs.parse(args); done {
		return err
	}
	db, err := snapOpen(*data, true)
	if err != nil {
		return err
	}
	defer db.Close()
	ids, snaps, err := snapWeddingIDs(db)
	if err != nil {
		return err
	}
	byWedding := map[string][]storage.SnapshotInfo{}
	for _, s := range snaps {
		byWedding[s.Wedding] = append(byWedding[s.Wedding], s)
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		last := "none"
		if s, err := db.LastSeq(id); err == nil {
			last = fmt.Sprint(s)
		} else if !errors.Is(err, storage.ErrNotFound) {
			last = "unreadable (" + err.Error() + ")"
		}
		journal := "empty"
		if first, err := db.FirstSeq(id); err == nil {
			journal = fmt.Sprintf("%d..%s", first, last)
		}
		audit := "unreadable"
		if span, err := db.AuditSpan(id); err == nil {
			audit = snapAuditRange(span)
		}
		ss := byWedding[id]
		fmt.Fprintf(stdout, "wedding %s: last seq %s, journal %s, audit %s, %d snapshots\n", id, last, journal, audit, len(ss))
		for i := len(ss) - 1; i >= 0; i-- {
			s := ss[i]
			var taken string
			if b, err := db.Snapshot(id, s.Seq); err != nil {
				taken = "unreadable: " + err.Error()
			} else if h, _, err := snapshot.ReadHeader(b); err != nil {
				taken = "CORRUPT: " + err.Error()
			} else {
				taken = "taken " + h.CreatedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "  snapshot seq %d, %d bytes, %s\n", s.Seq, s.Bytes, taken)
		}
	}
	fmt.Fprintf(stdout, "%d weddings, %d snapshots\n", len(ids), len(snaps))
	return nil
}

// ---- verify ----

func snapVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newSnapFlags("verify", "verify --data DIR [--wedding ID]",
		"Checks every wedding (or one) of a stopped engine's data directory: each\n"+
			"snapshot's checksum and contents, that the journal decodes without gaps,\n"+
			"that replaying the journal from its start (or from the oldest snapshot it\n"+
			"continues) gives every newer snapshot's state, that it reaches the\n"+
			"wedding's last sequence, and that the audit trail decodes, has no gaps and\n"+
			"reaches it too. Fails naming every problem. Nothing is changed.", stdout, stderr)
	data := fs.String("data", "", "data directory of a stopped engine (required)")
	only := fs.String("wedding", "", "verify only this wedding")
	if done, err := fs.parse(args); done {
		return err
	}
	db, err := snapOpen(*data, true)
	if err != nil {
		return err
	}
	defer db.Close()
	ids, snaps, err := snapWeddingIDs(db)
	if err != nil {
		return err
	}
	if *only != "" {
		if !slices.Contains(ids, *only) {
			return fmt.Errorf("no wedding %q in %s", *only, *data)
		}
		ids = []string{*only}
	}
	seqsOf := map[string][]uint64{} // wedding → snapshot seqs, oldest first
	for _, s := range snaps {
		seqsOf[s.Wedding] = append(seqsOf[s.Wedding], s.Seq)
	}
	var bad []string
	var nSnaps, nRecords, nReplayed, nAudit int
	p := &snapProgress{w: stderr, verb: "verify", total: len(ids)}
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := snapVerifyWedding(db, id, seqsOf[id])
		nSnaps += len(seqsOf[id])
		nRecords += r.records
		nReplayed += r.replayed
		nAudit += r.audited
		if len(r.problems) == 0 {
			fmt.Fprintf(stdout, "ok   %s: seq %d, %d snapshots, journal %s, audit %s\n", id, r.last, len(seqsOf[id]), r.journal, r.audit)
		} else {
			bad = append(bad, id)
			fmt.Fprintf(stdout, "FAIL %s:\n", id)
			for _, pr := range r.problems {
				fmt.Fprintf(stdout, "       %s\n", pr)
			}
		}
		p.step(i + 1)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d of %d weddings have problems: %s", len(bad), len(ids), strings.Join(bad, ", "))
	}
	fmt.Fprintf(stdout, "verified %d weddings, %d snapshots, %d journal records read (%d replayed and compared), %d audit records decoded: no problems\n",
		len(ids), nSnaps, nRecords, nReplayed, nAudit)
	return nil
}

type snapVerifyResult struct {
	last     uint64
	journal  string
	audit    string
	records  int // journal records decoded
	replayed int // of which applied to a state
	audited  int // audit records decoded
	problems []string
}

// snapVerifyWedding checks one wedding; seqs are its snapshots, oldest
// first.
func snapVerifyWedding(db *storage.DB, id string, seqs []uint64) (r snapVerifyResult) {
	fail := func(format string, a ...any) { r.problems = append(r.problems, fmt.Sprintf(format, a...)) }
	defer func() {
		if v := recover(); v != nil {
			fail("verification panicked: %v", v)
		}
	}()

	last, err := db.LastSeq(id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		fail("snapshots but no journal or meta record: the engine does not list it, and its last sequence is unknown")
		return r
	case err != nil:
		fail("last sequence: %v", err)
		return r
	}
	r.last = last
	first, err := db.FirstSeq(id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		first, r.journal = 0, "empty"
	case err != nil:
		fail("journal: %v", err)
		return r
	default:
		r.journal = fmt.Sprintf("%d..%d", first, last)
	}

	// Every snapshot on its own: checksum, contents, key.
	states := map[uint64]*domain.Wedding{}
	var valid []uint64 // oldest first
	for _, s := range seqs {
		w, err := actors.LoadSnapshot(db, id, s)
		switch {
		case err != nil:
			fail("snapshot at seq %d: %v", s, err)
		case s > last:
			fail("snapshot at seq %d is past the wedding's last sequence %d", s, last)
		default:
			states[s] = w
			valid = append(valid, s)
		}
	}

	// Where replay starts: empty when the journal starts at 1, else the
	// oldest snapshot the journal continues from.
	var w *domain.Wedding
	switch {
	case first == 1:
		w = domain.New()
	default:
		for _, s := range valid {
			if first == 0 && s == last || first > 0 && s+1 >= first {
				w = states[s]
				break
			}
		}
		if w == nil {
			if first == 0 {
				fail("the journal is empty and no valid snapshot is at the last sequence %d: the wedding cannot be recovered", last)
			} else {
				fail("the journal starts at %d and no valid snapshot is at %d or later: the wedding cannot be recovered", first, first-1)
			}
			return r
		}
		// Decode gave w its own copy: replaying into it leaves states alone.
		if w, err = actors.LoadSnapshot(db, id, w.Seq); err != nil {
			fail("snapshot at seq %d: %v", w.Seq, err)
			return r
		}
	}
	// One pass over the whole journal: records up to the starting point
	// are decoded and checked for gaps, the rest applied too.
	from, start := w.Seq, w.Seq+1
	if first > 0 && first < start {
		start = first
	}
	err = db.Replay(id, start, func(c *domain.Change) error {
		r.records++
		if c.Seq <= from {
			return nil
		}
		if err := w.Apply(c); err != nil {
			return err
		}
		r.replayed++
		if snap, ok := states[c.Seq]; ok {
			if d := weddingdiff.Diff(w, snap); d != "" {
				fail("snapshot at seq %d disagrees with the journal replayed from %d: %s", c.Seq, from, d)
			}
		}
		return nil
	})
	if err != nil {
		fail("journal (read from seq %d, applied from %d): %v", start, from+1, err)
		return r
	}
	if w.Seq != last {
		fail("the journal replayed from %d ends at %d, but the last sequence is %d", from, w.Seq, last)
	}
	if !w.Created() {
		fail("the state at seq %d is not a created wedding", w.Seq)
	}
	snapVerifyAudit(db, id, &r, fail)
	return r
}

// snapVerifyAudit checks a wedding's audit trail (the archive and the
// journal): each record decodes to its sequence, no sequence is missing
// between its first and its last, and the last is the wedding's. It may
// start after 1 (history from before the archive, or restored without
// one) or be empty (restored from an export without it).
func snapVerifyAudit(db *storage.DB, id string, r *snapVerifyResult, fail func(string, ...any)) {
	var span storage.AuditSpan
	bad := 0
	err := db.AuditRecords(id, 0, 0, func(seq uint64, rec []byte) error {
		r.audited++
		c, err := storage.DecodeChange(rec)
		switch {
		case err != nil:
			if bad++; bad <= 3 {
				fail("audit record at seq %d: %v", seq, err)
			}
		case c.Seq != seq:
			if bad++; bad <= 3 {
				fail("audit record at seq %d holds the change of seq %d", seq, c.Seq)
			}
		}
		if span.Changes > 0 && seq != span.Last+1 {
			span.Gaps = append(span.Gaps, [2]uint64{span.Last + 1, seq - 1})
		}
		if span.Changes == 0 {
			span.First = seq
		}
		span.Last, span.Changes = seq, span.Changes+1
		return nil
	})
	if err != nil {
		fail("audit trail: %v", err)
		return
	}
	if bad > 3 {
		fail("%d audit records in all do not decode", bad)
	}
	r.audit = snapAuditRange(span)
	if len(span.Gaps) > 0 {
		fail("the audit trail misses changes %s", snapGaps(span.Gaps))
	}
	if span.Changes > 0 && span.Last != r.last {
		fail("the audit trail ends at %d, but the last sequence is %d", span.Last, r.last)
	}
}

// ---- create ----

func snapCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newSnapFlags("create", "create (--data DIR | --url URL) [--wedding ID]",
		"Takes a fresh snapshot of every wedding, or of one:\n"+
			"  --data DIR  of a stopped engine's data directory (written to it directly);\n"+
			"  --url URL   through a running engine's API (POST /v1/admin/snapshots), with\n"+
			"              the root token from PARINAYA_ROOT_TOKEN, --token-file or --token.\n"+
			"The engine prunes old snapshots when it next takes one itself.", stdout, stderr)
	data := fs.String("data", "", "data directory of a stopped engine")
	base := fs.String("url", "", "base URL of a running engine, e.g. http://127.0.0.1:8080")
	token := fs.String("token", "", "root token (visible to other users in the process list: prefer PARINAYA_ROOT_TOKEN or --token-file)")
	tokenFile := fs.String("token-file", "", "file holding the root token, e.g. DATA/root.token")
	only := fs.String("wedding", "", "snapshot only this wedding")
	timeout := fs.Duration("timeout", 5*time.Minute, "with --url: how long to wait for the engine")
	if done, err := fs.parse(args); done {
		return err
	}
	switch {
	case *data != "" && *base != "":
		return errors.New("give --data (a stopped engine) or --url (a running one), not both")
	case *base != "":
		tok, err := snapRootToken(*token, *tokenFile)
		if err != nil {
			return err
		}
		return snapCreateRemote(ctx, *base, tok, *only, *timeout, stdout, stderr)
	case *data != "":
		if *token != "" || *tokenFile != "" {
			return errors.New("--token and --token-file go with --url")
		}
		return snapCreateLocal(ctx, *data, *only, stdout, stderr)
	}
	fs.printUsage(stderr)
	return errors.New("--data or --url is required")
}

func snapCreateLocal(ctx context.Context, data, only string, stdout, stderr io.Writer) error {
	db, err := snapOpen(data, false)
	if err != nil {
		return err
	}
	defer db.Close()
	ids, err := db.Weddings()
	if err != nil {
		return err
	}
	if only != "" {
		if !slices.Contains(ids, only) {
			return fmt.Errorf("no wedding %q in %s", only, data)
		}
		ids = []string{only}
	}
	var failed []string
	p := &snapProgress{w: stderr, verb: "create", total: len(ids)}
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := snapCreateOne(db, id, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "wedding %s: %v\n", id, err)
			failed = append(failed, id)
		}
		p.step(i + 1)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d weddings not snapshotted: %s", len(failed), len(ids), strings.Join(failed, ", "))
	}
	return nil
}

func snapCreateOne(db *storage.DB, id string, stdout, stderr io.Writer) error {
	w, _, skipped, err := snapRecover(db, id)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(stderr, "warning: wedding %s: %v; the new snapshot is built from an older one\n", id, s)
	}
	if !w.Created() {
		return errors.New("not a created wedding")
	}
	b, err := snapshot.Encode(w, time.Now())
	if err != nil {
		return err
	}
	if err := db.PutSnapshot(id, w.Seq, b); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "snapshot of wedding %s at seq %d: %d bytes\n", id, w.Seq, len(b))
	return nil
}

// snapRootToken picks the root token: --token, else --token-file, else
// PARINAYA_ROOT_TOKEN.
func snapRootToken(flagToken, file string) (string, error) {
	switch {
	case flagToken != "" && file != "":
		return "", errors.New("give --token or --token-file, not both")
	case flagToken != "":
		return flagToken, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("root token: %w", err)
		}
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
		return "", fmt.Errorf("root token: %s is empty", file)
	}
	if t := os.Getenv("PARINAYA_ROOT_TOKEN"); t != "" {
		return t, nil
	}
	return "", errors.New("--url needs the root token: set PARINAYA_ROOT_TOKEN, or give --token-file (e.g. DATA/root.token)")
}

// snapCreateRemote asks a running engine to snapshot: POST
// {base}/v1/admin/snapshots {"wedding_id": ID} (or {} for all).
func snapCreateRemote(ctx context.Context, base, token, only string, timeout time.Duration, stdout, stderr io.Writer) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want http(s)://host:port", base)
	}
	if u.Scheme == "http" && !snapLoopback(u.Hostname()) {
		fmt.Fprintf(stderr, "warning: sending the root token to %s without TLS\n", u.Host)
	}
	body := []byte("{}")
	if only != "" {
		if body, err = json.Marshal(map[string]string{"wedding_id": only}); err != nil {
			return err
		}
	}
	endpoint := strings.TrimRight(u.String(), "/") + "/v1/admin/snapshots"
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	fmt.Fprintf(stderr, "asking %s to snapshot %s\n", u.Host, snapWhich(only))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("POST %s: reading the answer: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("engine answered %s: %s: %s", resp.Status, e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("engine answered %s: %q", resp.Status, snapTruncate(raw, 200))
	}
	var ok struct {
		Items []struct {
			WeddingID string `json:"wedding_id"`
			Seq       uint64 `json:"seq"`
		} `json:"items"`
	}
	if err := json.Unmarshal(raw, &ok); err != nil {
		return fmt.Errorf("engine answered %s with a body that is not the expected JSON: %w", resp.Status, err)
	}
	for _, it := range ok.Items {
		fmt.Fprintf(stdout, "snapshot of wedding %s at seq %d\n", it.WeddingID, it.Seq)
	}
	fmt.Fprintf(stdout, "%d weddings snapshotted\n", len(ok.Items))
	return nil
}

func snapWhich(only string) string {
	if only == "" {
		return "every wedding"
	}
	return "wedding " + only
}

func snapLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func snapTruncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
