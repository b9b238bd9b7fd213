package actors

// The durability test: a child process (this test binary, re-executed)
// writes to many weddings concurrently and prints a line for every
// acknowledged command; the parent SIGKILLs it at a random moment, reopens
// the data directory and checks every acknowledged write. The same data
// directory goes through every kill, so recovery is itself recovered from.
//
//	go test ./actors -run TestKill -kills=200    # more kill points

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

func testLogger(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
}

var kills = flag.Int("kills", 20, "kill points for TestKillDurability")

const (
	killChildEnv   = "PARINAYA_KILL_CHILD_DIR"
	killIterEnv    = "PARINAYA_KILL_ITER"
	killWeddings   = 6
	killWriters    = 24
	killEvents     = 3
	killSnapEvery  = 150 // small, so kills land around snapshots too
	killOwnerToken = "t-owner"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		iter, _ := strconv.Atoi(os.Getenv(killIterEnv))
		runKillChild(dir, iter)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func killWeddingID(i int) string { return "kw" + strconv.Itoa(i) }

// runKillChild writes until it is killed. Each acknowledged command is one
// line on stdout, written only after Do returned (so after the fsync):
//
//	units <wedding> <unitA> <unitB>
//	inv <wedding> <unitA> <unitB>
//	rsvp <wedding> <unit> <event> <status> <seq>
func runKillChild(dir string, iter int) {
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	e, err := New(db, Config{SnapshotEvery: killSnapEvery, JournalTail: 1 << 40, IdleTimeout: -1})
	if err != nil {
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriterSize(os.Stdout, 0) // unbuffered: a line is out once written
	ack := func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		mu.Unlock()
	}
	ctx := context.Background()
	owner := domain.Principal{TokenID: killOwnerToken, Role: domain.RoleOwner}
	events := make([][]string, killWeddings)
	for i := range killWeddings {
		id := killWeddingID(i)
		if _, err := e.Do(ctx, id, domain.Root, &domain.CreateWedding{ID: id, Name: id, Slug: id, Date: "2026-12-12", Region: "IN"}); err != nil && iter == 0 {
			fmt.Fprintln(os.Stderr, "create:", err)
			os.Exit(2)
		}
		res, err := e.Query(ctx, id, owner, domain.ListEvents{})
		if err != nil {
			os.Exit(2)
		}
		for _, ev := range res.([]domain.Event) {
			events[i] = append(events[i], ev.ID)
		}
		for len(events[i]) < killEvents {
			r, err := e.Do(ctx, id, owner, &domain.AddEvent{Name: "ev", StartsAt: domain.Instant(1e18 + len(events[i]))})
			if err != nil {
				os.Exit(2)
			}
			events[i] = append(events[i], r.Value.(domain.Event).ID)
		}
	}
	ack("ready")
	var wg sync.WaitGroup
	for wr := range killWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(iter), uint64(wr)))
			wi := wr % killWeddings
			w := killWeddingID(wi)
			for n := 0; ; n++ {
				phone := func(k int) string {
					return fmt.Sprintf("+919%04d%04d%d", (iter*killWriters+wr)%10000, n%10000, k)
				}
				r, err := e.Do(ctx, w, owner, &domain.AddUnits{Units: []domain.UnitInput{
					{Name: "a", Members: []domain.MemberInput{{Name: "A", Phone: phone(0)}, {Name: "A2", Phone: phone(1)}}},
					{Name: "b", Members: []domain.MemberInput{{Name: "B", Phone: phone(2)}}},
				}})
				if err != nil {
					fmt.Fprintln(os.Stderr, "add units:", err)
					os.Exit(3)
				}
				items := r.Value.([]domain.BatchItem)
				if items[0].Err != nil || items[1].Err != nil {
					fmt.Fprintln(os.Stderr, "add units:", items[0].Err, items[1].Err)
					os.Exit(3)
				}
				ua, ub := items[0].ID, items[1].ID
				ack("units %s %s %s", w, ua, ub)
				if _, err := e.Do(ctx, w, owner, &domain.Invite{EventIDs: events[wi], UnitIDs: []string{ua, ub}}); err != nil {
					os.Exit(3)
				}
				ack("inv %s %s %s", w, ua, ub)
				for range 4 {
					u := []string{ua, ub}[rng.IntN(2)]
					ev := events[wi][rng.IntN(len(events[wi]))]
					st := domain.RSVPStatus(rng.IntN(4))
					r, err := e.Do(ctx, w, owner, &domain.SetRSVP{UnitID: u, EventID: ev, Status: st})
					if err != nil {
						fmt.Fprintln(os.Stderr, "rsvp:", err)
						os.Exit(3)
					}
					ack("rsvp %s %s %s %d %d", w, u, ev, st, r.Seq)
				}
			}
		}()
	}
	wg.Wait()
}

type killAcks struct {
	units map[string][2]string // wedding/unitA → [unitA, unitB]
	inv   map[string]bool      // wedding/unit
	rsvp  map[string]ackedRSVP // wedding/unit/event → last acked
	total int
}

type ackedRSVP struct {
	status domain.RSVPStatus
	seq    uint64
}

func (k *killAcks) parse(t *testing.T, line string) {
	f := strings.Fields(line)
	if len(f) == 0 || f[0] == "ready" {
		return
	}
	k.total++
	switch f[0] {
	case "units":
		k.units[f[1]+"/"+f[2]] = [2]string{f[2], f[3]}
	case "inv":
		k.inv[f[1]+"/"+f[2]] = true
		k.inv[f[1]+"/"+f[3]] = true
	case "rsvp":
		st, _ := strconv.Atoi(f[4])
		seq, _ := strconv.ParseUint(f[5], 10, 64)
		key := f[1] + "/" + f[2] + "/" + f[3]
		if seq > k.rsvp[key].seq {
			k.rsvp[key] = ackedRSVP{status: domain.RSVPStatus(st), seq: seq}
		}
	default:
		t.Fatalf("child printed %q", line)
	}
}

func TestKillDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d kill points", seed, *kills)
	rng := rand.New(rand.NewPCG(seed, 1))
	acks := &killAcks{units: map[string][2]string{}, inv: map[string]bool{}, rsvp: map[string]ackedRSVP{}}
	for iter := range *kills {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir, killIterEnv+"="+strconv.Itoa(iter))
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// Kill at a random moment after the child is writing.
		var ready bool
		var killAt <-chan time.Time
		deadline := time.After(60 * time.Second)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				if l == "ready" && !ready {
					ready = true
					killAt = time.After(time.Duration(20+rng.IntN(300)) * time.Millisecond)
				}
				acks.parse(t, l)
			case <-killAt:
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killAt = nil
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("iteration %d: child did not get ready or did not die", iter)
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("iteration %d: child ended on its own (%v): it must be killed mid-write", iter, err)
		}
		if !ready {
			t.Fatalf("iteration %d: child never got ready", iter)
		}
		verifyKilled(t, dir, acks)
	}
	t.Logf("%d acknowledged commands checked over %d kills", acks.total, *kills)
}

// verifyKilled reopens the data directory and checks every acknowledged
// write, atomicity, and that recovery (snapshot + tail) equals a replay of
// the whole journal.
func verifyKilled(t *testing.T, dir string, acks *killAcks) {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range killWeddings {
		id := killWeddingID(i)
		recovered, _, err := loadWedding(db, id, testLogger(t))
		if err != nil {
			t.Fatalf("recover %s: %v", id, err)
		}
		last, _ := db.LastSeq(id)
		full, err := loadFrom(db, id, 0, last)
		if err != nil {
			t.Fatalf("replay %s from the journal alone: %v", id, err)
		}
		if !reflect.DeepEqual(exported(recovered), exported(full)) {
			t.Fatalf("%s: state from snapshot+tail differs from the state replayed from the journal alone", id)
		}
		if a, b := recovered.View(nil).All(), full.View(nil).All(); !reflect.DeepEqual(a.Events(), b.Events()) || a.Totals() != b.Totals() {
			t.Fatalf("%s: headcounts differ between snapshot recovery and full replay", id)
		}
		// Atomicity: units are added in pairs by one command; never one alone.
		names := map[string]int{}
		for _, u := range recovered.Units {
			names[u.Name]++
		}
		if names["a"] != names["b"] {
			t.Fatalf("%s: %d units 'a' but %d units 'b': a command was half applied", id, names["a"], names["b"])
		}
	}
	weddings := map[string]*domain.Wedding{}
	get := func(id string) *domain.Wedding {
		if w := weddings[id]; w != nil {
			return w
		}
		w, _, err := loadWedding(db, id, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		weddings[id] = w
		return w
	}
	for key, pair := range acks.units {
		w := get(strings.Split(key, "/")[0])
		for _, u := range pair {
			if w.Units[u] == nil {
				t.Fatalf("acknowledged unit %s of %s is lost", u, key)
			}
		}
	}
	for key := range acks.inv {
		wid, uid, _ := strings.Cut(key, "/")
		u := get(wid).Units[uid]
		if u == nil || len(u.Invitations) != killEvents {
			t.Fatalf("acknowledged invitation of %s is lost", key)
		}
	}
	for key, a := range acks.rsvp {
		p := strings.Split(key, "/")
		u := get(p[0]).Units[p[1]]
		inv := u.Invitation(p[2])
		if inv == nil {
			t.Fatalf("rsvp %s: invitation lost", key)
		}
		if inv.RSVP.Seq < a.seq {
			t.Fatalf("rsvp %s: stored seq %d older than acknowledged seq %d", key, inv.RSVP.Seq, a.seq)
		}
		if inv.RSVP.Seq == a.seq && inv.RSVP.Status != a.status {
			t.Fatalf("rsvp %s: stored status %v, acknowledged %v at the same seq", key, inv.RSVP.Status, a.status)
		}
	}
}

// exported is the part of a wedding a snapshot holds, for comparisons.
func exported(w *domain.Wedding) domain.Wedding {
	return domain.Wedding{Info: w.Info, Seq: w.Seq, LastAt: w.LastAt, Events: w.Events, Units: w.Units, Tokens: w.Tokens}
}
