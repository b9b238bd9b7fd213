package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/snapshot"
	"github.com/parinayaos/engine/storage"
)

var snapOwner = domain.Principal{TokenID: "t-owner", Role: domain.RoleOwner}

// Configs the test data directories are written with: snapshots every few
// changes with a short journal tail (the journal no longer starts at 1),
// or the defaults (the journal starts at 1; one snapshot at close).
var (
	snapCfgPruned   = actors.Config{SnapshotEvery: 4, SnapshotKeep: 2, JournalTail: 2, IdleTimeout: -1}
	snapCfgDefaults = actors.Config{IdleTimeout: -1}
)

// snapEngine opens an engine over dir; close it with the returned func
// (also registered as cleanup, for failing tests).
func snapEngine(t *testing.T, dir string, cfg actors.Config) (*actors.Engine, *storage.DB, func()) {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{CacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	e, err := actors.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeFn := func() {
		t.Helper()
		if closed {
			return
		}
		closed = true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.Close(ctx); err != nil {
			t.Errorf("close engine: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("close db: %v", err)
		}
	}
	t.Cleanup(closeFn)
	return e, db, closeFn
}

func snapDo(t *testing.T, e *actors.Engine, w string, by domain.Principal, cmd domain.Command) actors.Result {
	t.Helper()
	r, err := e.Do(t.Context(), w, by, cmd)
	if err != nil {
		t.Fatalf("%T: %v", cmd, err)
	}
	return r
}

func snapHash(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// snapSeed builds a wedding through domain commands: tokens (one
// revoked), events, units of every side, invitations and RSVPs of every
// status. variant changes names only, so two seeds with different variants
// have the same sequence and different state.
func snapSeed(t *testing.T, e *actors.Engine, id, variant string) {
	t.Helper()
	snapDo(t, e, id, domain.Root, &domain.CreateWedding{ID: id, Name: "Wedding " + id + variant, Slug: "s-" + id, Date: "2026-12-12"})
	snapDo(t, e, id, snapOwner, &domain.IssueToken{Role: domain.RoleAdmin, Label: "planner", Hash: snapHash(id + "-planner")})
	snapDo(t, e, id, snapOwner, &domain.IssueToken{Role: domain.RoleSideAdmin, Side: domain.SideBride, Hash: snapHash(id + "-bride")})
	old := snapDo(t, e, id, snapOwner, &domain.IssueToken{Role: domain.RoleViewer, Hash: snapHash(id + "-old")}).Value.(domain.Token)
	snapDo(t, e, id, snapOwner, &domain.RevokeToken{ID: old.ID})
	base := time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC)
	var evs []string
	for i := range 3 {
		r := snapDo(t, e, id, snapOwner, &domain.AddEvent{Name: fmt.Sprintf("Event %d%s", i, variant), StartsAt: domain.At(base.Add(time.Duration(i) * 6 * time.Hour))})
		evs = append(evs, r.Value.(domain.Event).ID)
	}
	var in []domain.UnitInput
	for i := range 7 {
		in = append(in, domain.UnitInput{Name: fmt.Sprintf("Family %d%s", i, variant), Side: domain.Side(i % 3), Members: []domain.MemberInput{
			{Name: fmt.Sprintf("Guest %d-a", i), Phone: fmt.Sprintf("+91900%07d", i)},
			{Name: fmt.Sprintf("Guest %d-b", i)},
		}})
	}
	var units []string
	for _, it := range snapDo(t, e, id, snapOwner, &domain.AddUnits{Units: in}).Value.([]domain.BatchItem) {
		if it.Err != nil {
			t.Fatal(it.Err)
		}
		units = append(units, it.ID)
	}
	snapDo(t, e, id, snapOwner, &domain.Invite{EventIDs: evs, All: true})
	statuses := []domain.RSVPStatus{domain.Yes, domain.No, domain.Maybe}
	for i, u := range units {
		for j, ev := range evs {
			if (i+j)%4 == 3 {
				continue // pending
			}
			snapDo(t, e, id, snapOwner, &domain.SetRSVP{UnitID: u, EventID: ev, Status: statuses[(i+j)%3], Note: variant})
		}
	}
	snapDo(t, e, id, snapOwner, &domain.DeleteUnit{ID: units[len(units)-1]})
}

// snapData writes a data directory with weddings w1 and w2 and returns it.
func snapData(t *testing.T, cfg actors.Config) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	e, _, closeFn := snapEngine(t, dir, cfg)
	snapSeed(t, e, "w1", "")
	snapSeed(t, e, "w2", "")
	closeFn()
	return dir
}

// snapRun runs `engine snapshot args…` and returns its stdout and stderr.
func snapRun(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := snapshotCmd(t.Context(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func snapMustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := snapRun(t, args...)
	if err != nil {
		t.Fatalf("snapshot %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// snapServed is what an engine serves of a wedding: the read view
// (headcounts per scope, sequence) and full query results.
type snapServed struct {
	Info                 domain.Info
	Seq                  uint64
	All, Bride, Groom    []domain.EventHeadcount
	TotAll, TotB, TotG   domain.Counts
	Units                domain.UnitPage
	RSVPs                domain.RSVPPage
	Events               []domain.Event
	TokenOK, TokenRevoke map[string]bool
}

func snapServe(t *testing.T, e *actors.Engine, id string) snapServed {
	t.Helper()
	v, err := e.View(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	q := func(q domain.Query) any {
		t.Helper()
		out, err := e.Query(t.Context(), id, domain.Root, q)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	s := snapServed{
		Info: v.Info(), Seq: v.Seq,
		All: v.All().Events(), Bride: v.Bride().Events(), Groom: v.Groom().Events(),
		TotAll: v.All().Totals(), TotB: v.Bride().Totals(), TotG: v.Groom().Totals(),
		Units:   q(domain.ListUnits{Filter: domain.UnitFilter{Limit: 1000}}).(domain.UnitPage),
		RSVPs:   q(domain.ListRSVPs{Filter: domain.RSVPFilter{Limit: 1000}}).(domain.RSVPPage),
		Events:  q(domain.ListEvents{}).([]domain.Event),
		TokenOK: map[string]bool{},
	}
	for _, secret := range []string{"planner", "bride", "old", "never-issued"} {
		p, ok := v.Authenticate(snapHash(id + "-" + secret))
		s.TokenOK[secret+"/"+p.Role.String()] = ok
	}
	return s
}

func TestSnapshotExportRestore(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  actors.Config
	}{{"pruned journal", snapCfgPruned}, {"defaults", snapCfgDefaults}} {
		t.Run(c.name, func(t *testing.T) {
			src := snapData(t, c.cfg)
			file := filepath.Join(t.TempDir(), "w1.export")
			out := snapMustRun(t, "export", "--data", src, "--wedding", "w1", "--out", file)
			if !strings.Contains(out, "exported wedding w1 at seq ") || !strings.Contains(out, "6 units") {
				t.Errorf("export said %q", out)
			}

			if !strings.Contains(out, "audit 1..") {
				t.Errorf("export said %q, want the audit trail named", out)
			}

			// What the source engine serves.
			e, sdb, closeFn := snapEngine(t, src, c.cfg)
			want := snapServe(t, e, "w1")
			wantAudit := snapAuditPages(t, e, "w1")
			if first, _ := sdb.FirstSeq("w1"); c.cfg.JournalTail != 0 && first <= 1 {
				t.Fatalf("test bug: the source journal starts at %d, not truncated", first)
			}
			closeFn()
			if len(wantAudit) != int(want.Seq) || wantAudit[len(wantAudit)-1].Change.Seq != 1 {
				t.Fatalf("source audit trail of %d entries for seq %d", len(wantAudit), want.Seq)
			}
			if !want.TokenOK["planner/admin"] || !want.TokenOK["bride/side_admin"] || want.TokenOK["old/viewer"] || want.TokenOK["never-issued/unknown"] {
				t.Fatalf("test bug: tokens in the source: %v", want.TokenOK)
			}

			// Into a directory that does not exist yet.
			dst := filepath.Join(t.TempDir(), "new", "data")
			out = snapMustRun(t, "restore", "--data", dst, "--in", file)
			if !strings.Contains(out, fmt.Sprintf("restored wedding w1 at seq %d", want.Seq)) {
				t.Errorf("restore said %q", out)
			}

			if !strings.Contains(out, fmt.Sprintf("audit 1..%d", want.Seq)) {
				t.Errorf("restore said %q, want the audit trail named", out)
			}

			e, db, closeFn := snapEngine(t, dst, c.cfg)
			if ids, _ := db.Weddings(); !reflect.DeepEqual(ids, []string{"w1"}) {
				t.Errorf("restored directory holds %q, want only w1", ids)
			}
			got := snapServe(t, e, "w1")
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("restored engine serves\n%+v\nwant\n%+v", got, want)
			}
			// The audit trail came along, whole: the same pages, with the
			// same before values, as the source served.
			if gotAudit := snapAuditPages(t, e, "w1"); !reflect.DeepEqual(gotAudit, wantAudit) {
				t.Fatalf("restored audit trail (%d entries) differs from the source's (%d entries)", len(gotAudit), len(wantAudit))
			}
			// The wedding goes on at seq+1, and that survives a restart.
			r := snapDo(t, e, "w1", snapOwner, &domain.AddEvent{Name: "Reception", StartsAt: domain.At(time.Date(2026, 12, 13, 19, 0, 0, 0, time.UTC))})
			if r.Seq != want.Seq+1 {
				t.Errorf("first change after restore has seq %d, want %d", r.Seq, want.Seq+1)
			}
			closeFn()
			e, _, closeFn = snapEngine(t, dst, c.cfg)
			defer closeFn()
			if v, err := e.View(t.Context(), "w1"); err != nil || v.Seq != want.Seq+1 || v.All().Len() != 4 {
				t.Errorf("after restart: view %v, %v; want seq %d with 4 events", v, err, want.Seq+1)
			}
		})
	}
}

func TestSnapshotRestoreRefusesNewerCopy(t *testing.T) {
	src := snapData(t, snapCfgPruned)
	file := filepath.Join(t.TempDir(), "w1.export")
	snapMustRun(t, "export", "--data", src, "--wedding", "w1", "--out", file)
	exp, err := snapshot.ReadExport(file)
	if err != nil {
		t.Fatal(err)
	}
	seq := exp.Header.Seq

	// The source goes on after the export.
	e, _, closeFn := snapEngine(t, src, snapCfgPruned)
	newer := snapDo(t, e, "w1", snapOwner, &domain.AddEvent{Name: "After export", StartsAt: domain.At(time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC))}).Seq
	closeFn()

	lastSeq := func() uint64 {
		t.Helper()
		db, err := storage.Open(src, storage.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s, err := db.LastSeq("w1")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	_, _, err = snapRun(t, "restore", "--data", src, "--in", file)
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restoring over a newer copy: err = %v, want a refusal naming --force", err)
	}
	if got := lastSeq(); got != newer {
		t.Fatalf("a refused restore changed the wedding: seq %d, want %d", got, newer)
	}

	out := snapMustRun(t, "restore", "--data", src, "--in", file, "--force")
	if !strings.Contains(out, fmt.Sprintf("replacing a newer copy at seq %d", newer)) {
		t.Errorf("forced restore said %q", out)
	}
	if got := lastSeq(); got != seq {
		t.Fatalf("after a forced restore the wedding is at %d, want %d", got, seq)
	}
	// w2 is untouched, and the whole directory verifies.
	snapMustRun(t, "verify", "--data", src)

	// The same copy again: nothing to do.
	out = snapMustRun(t, "restore", "--data", src, "--in", file)
	if !strings.Contains(out, "identical; nothing to do") {
		t.Errorf("restoring an identical copy said %q", out)
	}

	// A different wedding w1 at the same sequence is refused.
	other := filepath.Join(t.TempDir(), "other")
	e, _, closeFn = snapEngine(t, other, snapCfgPruned)
	snapSeed(t, e, "w1", " (other)")
	closeFn()
	otherFile := filepath.Join(t.TempDir(), "other.export")
	snapMustRun(t, "export", "--data", other, "--wedding", "w1", "--out", otherFile)
	if oe, err := snapshot.ReadExport(otherFile); err != nil || oe.Header.Seq != seq {
		t.Fatalf("test bug: other copy at %v, %v; want seq %d", oe, err, seq)
	}
	_, _, err = snapRun(t, "restore", "--data", src, "--in", otherFile)
	if err == nil || !strings.Contains(err.Error(), "different copy") {
		t.Fatalf("restoring a different copy at the same seq: err = %v, want a refusal", err)
	}
	snapMustRun(t, "restore", "--data", src, "--in", otherFile, "--force")

	// An older copy in the directory is replaced without --force.
	e, _, closeFn = snapEngine(t, other, snapCfgPruned)
	snapDo(t, e, "w1", snapOwner, &domain.AddEvent{Name: "Later", StartsAt: domain.At(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC))})
	closeFn()
	snapMustRun(t, "export", "--data", other, "--wedding", "w1", "--out", otherFile)
	out = snapMustRun(t, "restore", "--data", src, "--in", otherFile)
	if !strings.Contains(out, fmt.Sprintf("replacing an older copy at seq %d", seq)) {
		t.Errorf("restoring over an older copy said %q", out)
	}
}

func TestSnapshotRestoreIntoForeignDirectory(t *testing.T) {
	src := snapData(t, snapCfgDefaults)
	file := filepath.Join(t.TempDir(), "w1.export")
	snapMustRun(t, "export", "--data", src, "--wedding", "w1", "--out", file)

	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "thesis.tex"), []byte("…"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := snapRun(t, "restore", "--data", foreign, "--in", file)
	if err == nil || !strings.Contains(err.Error(), "not empty and holds no engine data") {
		t.Errorf("restore into a directory of other files: err = %v", err)
	}
	if ents, _ := os.ReadDir(foreign); len(ents) != 1 {
		t.Errorf("a refused restore left files behind: %v", ents)
	}

	// A fresh volume (lost+found) and a root token are fine.
	fresh := t.TempDir()
	for _, name := range []string{"lost+found", "root.token"} {
		if err := os.Mkdir(filepath.Join(fresh, name), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	snapMustRun(t, "restore", "--data", fresh, "--in", file)
}

func TestSnapshotRestoreBadFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.export")
	if err := os.WriteFile(file, []byte("PWEX not really"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "data")
	_, _, err := snapRun(t, "restore", "--data", dst, "--in", file)
	if !errors.Is(err, snapshot.ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed restore created the data directory (%v)", err)
	}
}

// journalKey is storage's journal key (storage/doc.go).
func snapJournalKey(wedding string, seq uint64) []byte {
	k := append([]byte{'j'}, wedding...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func TestSnapshotVerify(t *testing.T) {
	// damage changes a data directory with w1 and w2 and returns what
	// verify must name.
	tests := []struct {
		name   string
		cfg    actors.Config
		damage func(t *testing.T, db *storage.DB) string
	}{
		{"healthy, pruned journal", snapCfgPruned, nil},
		{"healthy, full journal", snapCfgDefaults, nil},
		{"flipped byte in a snapshot", snapCfgPruned, func(t *testing.T, db *storage.DB) string {
			seqs, _ := db.SnapshotSeqs("w1")
			b, err := db.Snapshot("w1", seqs[0])
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x04
			if err := db.PutSnapshot("w1", seqs[0], b); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("snapshot at seq %d: snapshot: corrupt: checksum mismatch", seqs[0])
		}},
		{"flipped byte in the only snapshot", snapCfgDefaults, func(t *testing.T, db *storage.DB) string {
			seqs, _ := db.SnapshotSeqs("w1")
			b, _ := db.Snapshot("w1", seqs[0])
			b[30] ^= 0x80
			if err := db.PutSnapshot("w1", seqs[0], b); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("snapshot at seq %d", seqs[0])
		}},
		{"valid snapshot of other state", snapCfgDefaults, func(t *testing.T, db *storage.DB) string {
			seqs, _ := db.SnapshotSeqs("w1")
			b, _ := db.Snapshot("w1", seqs[0])
			w, _, err := snapshot.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			w.Info.Name = "Someone else's wedding"
			if b, err = snapshot.Encode(w, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := db.PutSnapshot("w1", seqs[0], b); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("snapshot at seq %d disagrees with the journal replayed from 0: wedding info", seqs[0])
		}},
		{"missing journal record", snapCfgPruned, func(t *testing.T, db *storage.DB) string {
			last, _ := db.LastSeq("w1")
			if err := db.Pebble().Delete(snapJournalKey("w1", last-1), pebble.Sync); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("where %d was expected", last-1)
		}},
		{"garbage journal record below the oldest snapshot", snapCfgPruned, func(t *testing.T, db *storage.DB) string {
			first, _ := db.FirstSeq("w1")
			seqs, _ := db.SnapshotSeqs("w1")
			if first > seqs[len(seqs)-1] {
				t.Fatalf("test bug: journal starts at %d, after the oldest snapshot %v", first, seqs)
			}
			if err := db.Pebble().Set(snapJournalKey("w1", first), []byte("garbage"), pebble.Sync); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("wedding w1 seq %d: storage: corrupt data", first)
		}},
		{"snapshots of a wedding without journal", snapCfgDefaults, func(t *testing.T, db *storage.DB) string {
			b, _ := db.Snapshot("w2", mustFirst(t, db, "w2"))
			if err := db.PutSnapshot("ghost", 3, b); err != nil {
				t.Fatal(err)
			}
			return "ghost"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := snapData(t, tt.cfg)
			want := ""
			if tt.damage != nil {
				db, err := storage.Open(dir, storage.Options{})
				if err != nil {
					t.Fatal(err)
				}
				want = tt.damage(t, db)
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, err := snapRun(t, "verify", "--data", dir)
			if want == "" {
				if err != nil || !strings.Contains(out, "ok   w1") || !strings.Contains(out, "no problems") {
					t.Fatalf("verify of a healthy directory: %v\n%s%s", err, out, errOut)
				}
				if !strings.Contains(errOut, "verify 2/2 weddings") {
					t.Errorf("no progress on stderr: %q", errOut)
				}
				return
			}
			if err == nil {
				t.Fatalf("verify missed the damage (%s):\n%s", want, out)
			}
			if !strings.Contains(out, want) {
				t.Errorf("verify output does not name %q:\n%s", want, out)
			}
			if !strings.Contains(out, "ok   w2") {
				t.Errorf("verify blamed the healthy w2 too:\n%s", out)
			}
			if want != "ghost" && !strings.Contains(err.Error(), "1 of 2 weddings have problems: w1") {
				t.Errorf("err = %v", err)
			}
			// --wedding checks one wedding only.
			if _, _, err := snapRun(t, "verify", "--data", dir, "--wedding", "w2"); err != nil {
				t.Errorf("verify --wedding w2: %v", err)
			}
		})
	}
}

func mustFirst(t *testing.T, db *storage.DB, w string) uint64 {
	t.Helper()
	seqs, err := db.SnapshotSeqs(w)
	if err != nil || len(seqs) == 0 {
		t.Fatalf("no snapshot of %s: %v", w, err)
	}
	return seqs[0]
}

func TestSnapshotList(t *testing.T) {
	dir := snapData(t, snapCfgPruned)
	db, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	last, _ := db.LastSeq("w1")
	first, _ := db.FirstSeq("w1")
	seqs, _ := db.SnapshotSeqs("w1")
	size, _ := db.Snapshot("w1", seqs[0])
	db.Close()
	if first <= 1 || len(seqs) != 2 {
		t.Fatalf("test bug: the pruned journal starts at %d with snapshots %v", first, seqs)
	}

	out := snapMustRun(t, "list", "--data", dir)
	for _, want := range []string{
		fmt.Sprintf("wedding w1: last seq %d, journal %d..%d, audit 1..%d, %d snapshots\n", last, first, last, last, len(seqs)),
		fmt.Sprintf("  snapshot seq %d, %d bytes, taken %d-", seqs[0], len(size), time.Now().Year()),
		"wedding w2: last seq ",
		"2 weddings, 4 snapshots\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list output lacks %q:\n%s", want, out)
		}
	}
	// Newest snapshot first.
	if i, j := strings.Index(out, fmt.Sprintf("snapshot seq %d,", seqs[0])), strings.Index(out, fmt.Sprintf("snapshot seq %d,", seqs[1])); i > j {
		t.Errorf("snapshots not newest first:\n%s", out)
	}
}

func TestSnapshotCreateLocal(t *testing.T) {
	dir := snapData(t, snapCfgDefaults)
	e, db, closeFn := snapEngine(t, dir, snapCfgDefaults)
	for _, w := range []string{"w1", "w2"} {
		snapDo(t, e, w, snapOwner, &domain.AddEvent{Name: "More", StartsAt: domain.At(time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC))})
	}
	if err := e.Close(t.Context()); err != nil { // snapshots both at their last seq
		t.Fatal(err)
	}
	// Drop those snapshots, so the newest left is older than the journal.
	for _, w := range []string{"w1", "w2"} {
		if err := db.DeleteSnapshot(w, mustFirst(t, db, w)); err != nil {
			t.Fatal(err)
		}
	}
	closeFn()

	out := snapMustRun(t, "create", "--data", dir, "--wedding", "w1")
	if !strings.Contains(out, "snapshot of wedding w1 at seq ") || strings.Contains(out, "w2") {
		t.Errorf("create --wedding w1 said %q", out)
	}
	out = snapMustRun(t, "create", "--data", dir)
	if !strings.Contains(out, "snapshot of wedding w1") || !strings.Contains(out, "snapshot of wedding w2") {
		t.Errorf("create said %q", out)
	}
	db2, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"w1", "w2"} {
		last, _ := db2.LastSeq(w)
		if got := mustFirst(t, db2, w); got != last {
			t.Errorf("%s: newest snapshot at %d, want the last seq %d", w, got, last)
		}
	}
	db2.Close()
	snapMustRun(t, "verify", "--data", dir)

	if _, _, err := snapRun(t, "create", "--data", dir, "--wedding", "nope"); err == nil || !strings.Contains(err.Error(), `no wedding "nope"`) {
		t.Errorf("create of an unknown wedding: err = %v", err)
	}
}

func TestSnapshotCreateRemote(t *testing.T) {
	const token = "root-token-0123456789"
	var gotBody map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/v1/admin/snapshots" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"code":"not_found","message":"no route"}}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"code":"unauthorized","message":"bad token"}}`)
			return
		}
		gotBody = nil
		if err := json.NewDecoder(r.Body).Decode(&gotBody); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		items := `[{"wedding_id":"w1","seq":12},{"wedding_id":"w2","seq":7}]`
		if id, ok := gotBody["wedding_id"]; ok {
			items = fmt.Sprintf(`[{"wedding_id":%q,"seq":12}]`, id)
		}
		io.WriteString(w, `{"items":`+items+`}`)
	}))
	defer srv.Close()

	t.Setenv("PARINAYA_ROOT_TOKEN", token)
	out := snapMustRun(t, "create", "--url", srv.URL)
	if len(gotBody) != 0 {
		t.Errorf("body for all weddings = %v, want {}", gotBody)
	}
	if !strings.Contains(out, "snapshot of wedding w1 at seq 12\nsnapshot of wedding w2 at seq 7\n2 weddings snapshotted") {
		t.Errorf("create --url said %q", out)
	}

	tokenFile := filepath.Join(t.TempDir(), "root.token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PARINAYA_ROOT_TOKEN", "")
	out = snapMustRun(t, "create", "--url", srv.URL+"/", "--token-file", tokenFile, "--wedding", "w1")
	if gotBody["wedding_id"] != "w1" || !strings.Contains(out, "snapshot of wedding w1 at seq 12") {
		t.Errorf("body %v, output %q", gotBody, out)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"wrong token", []string{"--url", srv.URL, "--token", "nope"}, "401 Unauthorized: unauthorized: bad token"},
		{"no token", []string{"--url", srv.URL}, "PARINAYA_ROOT_TOKEN"},
		{"wrong path", []string{"--url", srv.URL + "/prefix", "--token", token}, "not_found"},
		{"both modes", []string{"--url", srv.URL, "--data", t.TempDir()}, "not both"},
		{"bad url", []string{"--url", "127.0.0.1:8080", "--token", token}, "want http(s)://host:port"},
		{"engine down", []string{"--url", "http://127.0.0.1:1", "--token", token}, "POST http://127.0.0.1:1/v1/admin/snapshots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := snapRun(t, append([]string{"create"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// While an engine has the data directory open, the offline commands
// refuse with a clear message.
func TestSnapshotDataDirInUse(t *testing.T) {
	dir := snapData(t, snapCfgDefaults)
	_, _, closeFn := snapEngine(t, dir, snapCfgDefaults)
	defer closeFn()
	file := filepath.Join(t.TempDir(), "x.export")
	for _, args := range [][]string{
		{"export", "--data", dir, "--wedding", "w1", "--out", file},
		{"list", "--data", dir},
		{"verify", "--data", dir},
		{"create", "--data", dir},
	} {
		_, _, err := snapRun(t, args...)
		if !errors.Is(err, storage.ErrLocked) || !strings.Contains(err.Error(), "stop the engine first") {
			t.Errorf("%s: err = %v, want ErrLocked telling to stop the engine", args[0], err)
		}
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("export wrote a file while the engine ran (%v)", err)
	}
}

func TestSnapshotUsage(t *testing.T) {
	for _, sub := range []string{"create", "list", "verify", "export", "restore"} {
		out, _, err := snapRun(t, sub, "--help")
		if err != nil || !strings.HasPrefix(out, "usage: engine snapshot "+sub) || !strings.Contains(out, "-data") {
			t.Errorf("%s --help: %v\n%s", sub, err, out)
		}
	}
	if out, _, err := snapRun(t, "--help"); err != nil || !strings.Contains(out, "restore") {
		t.Errorf("snapshot --help: %v\n%s", err, out)
	}
	missing := filepath.Join(t.TempDir(), "none")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "no subcommand"},
		{"unknown subcommand", []string{"nope"}, `unknown subcommand "nope"`},
		{"bad flag", []string{"list", "--bogus"}, "bogus"},
		{"stray argument", []string{"list", "--data", missing, "extra"}, "unexpected arguments"},
		{"no data", []string{"list"}, "--data is required"},
		{"missing data dir", []string{"verify", "--data", missing}, "holds no engine data"},
		{"export without wedding", []string{"export", "--data", missing, "--out", "x"}, "--wedding and --out are required"},
		{"export unknown wedding", []string{"export", "--data", snapData(t, snapCfgDefaults), "--wedding", "nope", "--out", filepath.Join(t.TempDir(), "x")}, `no wedding "nope"`},
		{"restore without file", []string{"restore", "--data", missing}, "--in is required"},
		{"create without target", []string{"create"}, "--data or --url is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := snapRun(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a read-only command created %s", missing)
	}
}

// snapAuditPages reads a wedding's whole audit trail through the engine,
// with before values, in pages of 7.
func snapAuditPages(t *testing.T, e *actors.Engine, id string) []actors.AuditEntry {
	t.Helper()
	var out []actors.AuditEntry
	q := actors.AuditQuery{Limit: 7, Priors: true}
	for range 10_000 {
		p, err := e.AuditPage(t.Context(), id, domain.Root, q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Entries...)
		if p.Next == 0 {
			return out
		}
		q.Before = p.Next
	}
	t.Fatal("the audit trail does not end")
	return nil
}

// An export file of the first format (no audit trail) still restores;
// the wedding's trail then starts after its sequence.
func TestSnapshotRestoreExportVersion1(t *testing.T) {
	file := filepath.Join("..", "..", "snapshot", "testdata", "v1", "wedding.export")
	exp, err := snapshot.ReadExport(file)
	if err != nil {
		t.Fatal(err)
	}
	if exp.Version != 1 || len(exp.Audit) != 0 {
		t.Fatalf("test bug: %s is version %d with %d audit records", file, exp.Version, len(exp.Audit))
	}
	dst := filepath.Join(t.TempDir(), "data")
	out := snapMustRun(t, "restore", "--data", dst, "--in", file)
	if !strings.Contains(out, "no audit trail: export format 1") {
		t.Errorf("restore said %q", out)
	}
	snapMustRun(t, "verify", "--data", dst)
	id, seq := exp.Header.WeddingID, exp.Header.Seq
	e, db, closeFn := snapEngine(t, dst, snapCfgPruned)
	defer closeFn()
	snapDo(t, e, id, domain.Root, &domain.AddEvent{Name: "After", StartsAt: domain.At(time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC))})
	if a := snapAuditPages(t, e, id); len(a) != 1 || a[0].Change.Seq != seq+1 {
		t.Errorf("audit after restoring a version 1 file: %d entries", len(a))
	}
	if span, err := db.AuditSpan(id); err != nil || span.First != seq+1 {
		t.Errorf("AuditSpan = %+v, %v", span, err)
	}
}

// snapAuditKey is storage's audit archive key (storage/audit.go).
func snapAuditKey(wedding string, seq uint64) []byte {
	k := append([]byte{'a'}, wedding...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

// verify checks the audit trail: a missing or broken archived record is a
// problem named by its sequence.
func TestSnapshotVerifyAudit(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, db *storage.DB) string
	}{
		{"missing archived record", func(t *testing.T, db *storage.DB) string {
			if err := db.Pebble().Delete(snapAuditKey("w1", 3), pebble.Sync); err != nil {
				t.Fatal(err)
			}
			return "the audit trail misses changes 3"
		}},
		{"garbage archived record", func(t *testing.T, db *storage.DB) string {
			if err := db.Pebble().Set(snapAuditKey("w1", 2), []byte("garbage"), pebble.Sync); err != nil {
				t.Fatal(err)
			}
			return "audit record at seq 2: storage: corrupt data"
		}},
		{"another change's record", func(t *testing.T, db *storage.DB) string {
			v, closer, err := db.Pebble().Get(snapAuditKey("w1", 4))
			if err != nil {
				t.Fatal(err)
			}
			rec := slices.Clone(v)
			closer.Close()
			if err := db.Pebble().Set(snapAuditKey("w1", 5), rec, pebble.Sync); err != nil {
				t.Fatal(err)
			}
			return "audit record at seq 5 holds the change of seq 4"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := snapData(t, snapCfgPruned)
			out := snapMustRun(t, "verify", "--data", dir)
			if !strings.Contains(out, "audit 1..") {
				t.Fatalf("verify of a healthy directory does not name the audit trail:\n%s", out)
			}
			db, err := storage.Open(dir, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.damage(t, db)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			out, _, err = snapRun(t, "verify", "--data", dir)
			if err == nil || !strings.Contains(out, want) || !strings.Contains(out, "ok   w2") {
				t.Errorf("verify = %v, want it to name %q (and pass w2):\n%s", err, want, out)
			}
			// Export still writes what there is, says what is missing, and
			// the file restores.
			file := filepath.Join(t.TempDir(), "w1.export")
			_, errOut, err := snapRun(t, "export", "--data", dir, "--wedding", "w1", "--out", file)
			if err != nil || !strings.Contains(errOut, "warning: wedding w1: ") {
				t.Errorf("export of a damaged trail: %v, %q", err, errOut)
			}
			snapMustRun(t, "restore", "--data", filepath.Join(t.TempDir(), "data"), "--in", file)
		})
	}
}
