//go:build unix

package main

// Process-level tests: the real `engine serve` as a child process (see
// process_helpers_test.go), driven over HTTP.
//
//	go test -race ./cmd/engine -run Process -v
//	go test ./cmd/engine -run TestProcess_KillDurability -args -process-kills=20 -process-seed=N

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
)

var (
	processKills = flag.Int("process-kills", 3, "SIGKILL points for TestProcess_KillDurability")
	processSeed  = flag.Uint64("process-seed", 0, "seed for TestProcess_KillDurability (0: from the clock)")
)

const (
	procRootToken  = "pk-root-0123456789abcdefghijklmn" // 32 characters
	procRootTokenB = "pk-root-b123456789abcdefghijklmn"
	pkWriters      = 16
	pkUnits        = 200
	pkEvents       = 10
)

// ---- TestProcess_KillDurability ----
//
// One engine process, one data directory. The test provisions a wedding
// over HTTP, then 16 writers PUT RSVPs, POST units (and invite them) and
// PATCH units concurrently, each on its own units only, so that every
// (unit, event) pair and every unit has one writer, whose last
// acknowledged write (or the one in flight when the engine died) is what
// the engine must hold. At a seeded random number of acknowledged writes
// the engine is SIGKILLed, restarted on the same directory, and checked:
// every acknowledged write is there, nothing unacknowledged and not in
// flight appeared, and the headcount equals the one recomputed from GET
// rsvps. The writers then continue on the restarted engine, so recovery is
// itself recovered from. At the end a SIGTERM must exit 0, and a restart
// after it must serve the very same bytes.

// pkVal is an RSVP as a writer sent it (note is unique per write).
type pkVal struct {
	Status    string
	Headcount int32
	Note      string
}

type pkKey struct{ unit, event string }

type pkPair struct {
	seats    int32
	acked    pkVal
	inflight *pkVal // sent, answer lost to the kill: may or may not be stored
}

type pkPatch struct {
	name string
	tags []string
}

type pkUnit struct {
	id, side string
	members  []memberRow
	name     string
	tags     []string
	inflight *pkPatch
}

type pkWriter struct {
	id     int
	n      int // numbers names, notes and phones: never reused, across kills too
	phoneN int
	units  []*pkUnit
	pairs  map[pkKey]*pkPair
	keys   []pkKey
	// Creations whose answer was lost to the kill.
	creating    string // name of a POST units (its Idempotency-Key too)
	createBody  map[string]any
	inviting    string   // unit of a POST invitations
	invitingEvs []string // and its events
	acked       int
	maxSeq      uint64 // highest seq an acknowledged RSVP reported
}

// pkOwner is the writer a unit name belongs to ("w07-…" → 7), or -1.
func pkOwner(name string) int {
	if len(name) < 4 || name[0] != 'w' || name[3] != '-' {
		return -1
	}
	n, err := strconv.Atoi(name[1:3])
	if err != nil || n < 0 || n >= pkWriters {
		return -1
	}
	return n
}

func (w *pkWriter) phone() string {
	for {
		w.phoneN++
		if e, err := domain.NormalizePhone(fmt.Sprintf("98%02d%06d", w.id, w.phoneN), "IN", ""); err == nil {
			return e
		}
	}
}

type pkModel struct{ writers [pkWriters]*pkWriter }

func newPKModel() *pkModel {
	m := &pkModel{}
	for i := range m.writers {
		m.writers[i] = &pkWriter{id: i}
	}
	return m
}

// adopt makes what the engine serves the model's acknowledged state: at
// the start, and after a verified restart (where writes that were in
// flight have now either happened or not).
func (m *pkModel) adopt(t *testing.T, s weddingState) {
	t.Helper()
	owner := map[string]*pkWriter{}
	for _, w := range m.writers {
		w.units, w.pairs, w.keys = nil, map[pkKey]*pkPair{}, nil
		w.creating, w.inviting, w.invitingEvs = "", "", nil
	}
	for _, u := range s.units {
		o := pkOwner(u.Name)
		if o < 0 {
			t.Fatalf("unit %s has name %q, which names no writer", u.ID, u.Name)
		}
		w := m.writers[o]
		w.units = append(w.units, &pkUnit{id: u.ID, side: u.Side, members: u.Members, name: u.Name, tags: u.Tags})
		owner[u.ID] = w
	}
	for _, r := range s.rsvps {
		w := owner[r.UnitID]
		if w == nil {
			t.Fatalf("rsvp of unknown unit %s", r.UnitID)
		}
		k := pkKey{r.UnitID, r.EventID}
		w.pairs[k] = &pkPair{seats: r.Seats, acked: pkVal{r.Status, r.Headcount, r.Note}}
		w.keys = append(w.keys, k)
	}
}

// verify checks what the engine serves after a restart against the model.
// It returns how many of the writes in flight at the kill were found
// stored (landed) and not (lost); both are correct.
func (m *pkModel) verify(t *testing.T, s weddingState) (landed, lost int) {
	t.Helper()
	units := map[string]*unitRow{}
	for i := range s.units {
		units[s.units[i].ID] = &s.units[i]
	}
	rows := map[pkKey]rsvpRow{}
	for _, r := range s.rsvps {
		rows[pkKey{r.UnitID, r.EventID}] = r
	}
	knownUnit := map[string]bool{}
	knownPair := map[pkKey]bool{}
	for _, w := range m.writers {
		for _, u := range w.units {
			knownUnit[u.id] = true
			got := units[u.id]
			if got == nil {
				t.Errorf("writer %d: acknowledged unit %s (%q) is lost", w.id, u.id, u.name)
				continue
			}
			if got.Side != u.side || !reflect.DeepEqual(got.Members, u.members) {
				t.Errorf("unit %s: side %s members %+v; acknowledged side %s members %+v", u.id, got.Side, got.Members, u.side, u.members)
			}
			acked := got.Name == u.name && slices.Equal(got.Tags, u.tags)
			flying := u.inflight != nil && got.Name == u.inflight.name && slices.Equal(got.Tags, u.inflight.tags)
			switch {
			case !acked && !flying:
				t.Errorf("unit %s: name %q tags %q; last acknowledged %q %q, in flight %+v", u.id, got.Name, got.Tags, u.name, u.tags, u.inflight)
			case flying:
				landed++
			case u.inflight != nil:
				lost++
			}
		}
		for k, pr := range w.pairs {
			knownPair[k] = true
			r, ok := rows[k]
			if !ok {
				t.Errorf("writer %d: acknowledged invitation of unit %s to event %s is lost", w.id, k.unit, k.event)
				continue
			}
			if r.Seats != pr.seats {
				t.Errorf("rsvp %v: %d seats, acknowledged %d", k, r.Seats, pr.seats)
			}
			got := pkVal{r.Status, r.Headcount, r.Note}
			switch {
			case got != pr.acked && (pr.inflight == nil || got != *pr.inflight):
				t.Errorf("rsvp %v: stored %+v; last acknowledged %+v, in flight %+v", k, got, pr.acked, pr.inflight)
			case pr.inflight != nil && got == *pr.inflight:
				landed++
			case pr.inflight != nil:
				lost++
			}
		}
	}
	created := map[string]bool{}
	for _, u := range s.units {
		if knownUnit[u.ID] {
			continue
		}
		if o := pkOwner(u.Name); o < 0 || m.writers[o].creating != u.Name {
			t.Errorf("unit %s (%q) was neither acknowledged nor in flight", u.ID, u.Name)
		}
		created[u.Name] = true
	}
	invited := map[string]int{}
	for _, r := range s.rsvps {
		k := pkKey{r.UnitID, r.EventID}
		if knownPair[k] {
			continue
		}
		ok := false
		for _, w := range m.writers {
			if w.inviting == r.UnitID && slices.Contains(w.invitingEvs, r.EventID) && r.Status == "pending" {
				ok = true
			}
		}
		if !ok {
			t.Errorf("rsvp %+v: an invitation neither acknowledged nor in flight", r)
		}
		invited[r.UnitID]++
	}
	for _, w := range m.writers {
		if w.creating != "" {
			if created[w.creating] {
				landed++
			} else {
				lost++
			}
		}
		if w.inviting != "" {
			// One command: all of its invitations or none.
			switch invited[w.inviting] {
			case len(w.invitingEvs):
				landed++
			case 0:
				lost++
			default:
				t.Errorf("unit %s: %d of the %d invitations of one command are stored", w.inviting, invited[w.inviting], len(w.invitingEvs))
			}
		}
	}
	return landed, lost
}

// retryCreates retries, with the same Idempotency-Key and body, each unit
// creation whose answer the kill lost, as a client would: one that was
// stored is answered again (Idempotent-Replayed, the stored unit's id) and
// not created twice; one that was lost is created now. Either way exactly
// one unit has the name afterwards.
func (m *pkModel) retryCreates(t *testing.T, p *engineProc, wid, token string, s weddingState) (retried, replayed int) {
	t.Helper()
	stored := map[string]string{} // name → id
	for _, u := range s.units {
		stored[u.Name] = u.ID
	}
	for _, w := range m.writers {
		if w.creating == "" {
			continue
		}
		retried++
		status, hdr, raw, err := p.callWith(http.MethodPost, "/v1/weddings/"+wid+"/units", token,
			http.Header{"Idempotency-Key": {w.creating}}, w.createBody)
		if err != nil || status != http.StatusCreated {
			t.Errorf("writer %d: retried POST unit %s: %d %s (%v)", w.id, w.creating, status, raw, err)
			continue
		}
		var got unitRow
		if err := json.Unmarshal(raw, &got); err != nil || got.Name != w.creating {
			t.Errorf("writer %d: retried POST unit %s answered %s (%v)", w.id, w.creating, raw, err)
			continue
		}
		id, was := stored[w.creating]
		again := hdr.Get("Idempotent-Replayed") == "true"
		if was && (!again || got.ID != id) || !was && again {
			t.Errorf("writer %d: unit %s stored before the retry: %v (%s); the retry: replayed %v, id %s",
				w.id, w.creating, was, id, again, got.ID)
		}
		if again {
			replayed++
		}
	}
	if retried > 0 {
		after := p.readState(t, wid, token)
		n := map[string]int{}
		for _, u := range after.units {
			n[u.Name]++
		}
		for _, w := range m.writers {
			if w.creating != "" && n[w.creating] != 1 {
				t.Errorf("writer %d: %d units named %s after the retry, want 1", w.id, n[w.creating], w.creating)
			}
		}
	}
	return retried, replayed
}

// pkRun is one engine life: the writers against it, and the kill point.
type pkRun struct {
	p          *engineProc
	wid, token string
	events     []string
	acks       atomic.Int64
	killAt     int64
	reached    chan struct{} // closed at the killAt'th acknowledged write
	killed     atomic.Bool   // set just before the SIGKILL
}

func (r *pkRun) ack(w *pkWriter) {
	w.acked++
	if r.acks.Add(1) == r.killAt {
		close(r.reached)
	}
}

// gone handles a transport error: expected once the engine is killed.
func (r *pkRun) gone(t *testing.T, w *pkWriter, what string, err error) bool {
	if !r.killed.Load() {
		t.Errorf("writer %d: %s: %v (before the kill)", w.id, what, err)
	}
	return false
}

func (w *pkWriter) run(t *testing.T, r *pkRun, rng *rand.Rand) {
	for {
		var ok bool
		switch x := rng.IntN(100); {
		case x < 70 && len(w.keys) > 0:
			ok = w.rsvp(t, r, rng)
		case x < 88 && len(w.units) > 0:
			ok = w.patch(t, r, rng)
		default:
			ok = w.create(t, r, rng)
		}
		if !ok {
			return
		}
	}
}

// answer classifies a status: true to go on; for 429 the write did
// nothing and overloaded is set.
func (w *pkWriter) answer(t *testing.T, what string, status, want int, raw []byte) (ok, overloaded bool) {
	switch status {
	case want:
		return true, false
	case http.StatusTooManyRequests:
		return true, true
	}
	t.Errorf("writer %d: %s: status %d, want %d: %s", w.id, what, status, want, raw)
	return false, false
}

func (w *pkWriter) rsvp(t *testing.T, r *pkRun, rng *rand.Rand) bool {
	k := w.keys[rng.IntN(len(w.keys))]
	pr := w.pairs[k]
	w.n++
	v := pkVal{Note: fmt.Sprintf("w%02d-r%d", w.id, w.n)}
	body := map[string]any{"note": v.Note}
	switch x := rng.IntN(10); {
	case x < 3:
		v.Status, v.Headcount = "yes", pr.seats // no headcount: all seats
	case x < 5:
		v.Status, v.Headcount = "yes", 1+rng.Int32N(pr.seats)
		body["headcount"] = v.Headcount
	case x < 7:
		v.Status = "no"
	case x < 9:
		v.Status = "maybe"
	default:
		v.Status = "pending"
	}
	body["status"] = v.Status
	what := "PUT rsvp " + k.unit + "/" + k.event
	pr.inflight = &v
	status, raw, err := r.p.call(http.MethodPut, "/v1/weddings/"+r.wid+"/rsvps/"+k.unit+"/"+k.event, r.token, body)
	if err != nil {
		return r.gone(t, w, what, err)
	}
	ok, overloaded := w.answer(t, what, status, http.StatusOK, raw)
	if !ok || overloaded {
		pr.inflight = nil
		return ok
	}
	var got rsvpRow
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Errorf("writer %d: %s: %v: %s", w.id, what, err, raw)
		return false
	}
	if got.UnitID != k.unit || got.EventID != k.event || got.Seats != pr.seats || (pkVal{got.Status, got.Headcount, got.Note}) != v {
		t.Errorf("writer %d: %s: answered %+v for %+v", w.id, what, got, v)
		return false
	}
	pr.acked, pr.inflight = v, nil
	w.maxSeq = max(w.maxSeq, got.Seq)
	r.ack(w)
	return true
}

func (w *pkWriter) patch(t *testing.T, r *pkRun, rng *rand.Rand) bool {
	u := w.units[rng.IntN(len(w.units))]
	w.n++
	pt := pkPatch{name: fmt.Sprintf("w%02d-p%d", w.id, w.n), tags: []string{"writer" + strconv.Itoa(w.id), "p" + strconv.Itoa(rng.IntN(4))}}
	if rng.IntN(4) == 0 {
		pt.tags = []string{}
	}
	what := "PATCH unit " + u.id
	u.inflight = &pt
	status, raw, err := r.p.call(http.MethodPatch, "/v1/weddings/"+r.wid+"/units/"+u.id, r.token, map[string]any{"name": pt.name, "tags": pt.tags})
	if err != nil {
		return r.gone(t, w, what, err)
	}
	ok, overloaded := w.answer(t, what, status, http.StatusOK, raw)
	if !ok || overloaded {
		u.inflight = nil
		return ok
	}
	var got unitRow
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Errorf("writer %d: %s: %v: %s", w.id, what, err, raw)
		return false
	}
	if got.ID != u.id || got.Name != pt.name || !slices.Equal(got.Tags, pt.tags) || got.Side != u.side || !reflect.DeepEqual(got.Members, u.members) {
		t.Errorf("writer %d: %s: answered %+v for %+v", w.id, what, got, pt)
		return false
	}
	u.name, u.tags, u.inflight = pt.name, pt.tags, nil
	r.ack(w)
	return true
}

// create POSTs a new unit and then invites it to some events.
func (w *pkWriter) create(t *testing.T, r *pkRun, rng *rand.Rand) bool {
	w.n++
	name := fmt.Sprintf("w%02d-c%d", w.id, w.n)
	side := []string{"bride", "groom", "both"}[rng.IntN(3)]
	var members []map[string]any
	var phones []string
	for i := range 1 + rng.IntN(3) {
		ph := w.phone()
		phones = append(phones, ph)
		members = append(members, map[string]any{"name": fmt.Sprintf("%s m%d", name, i), "phone": ph, "primary": i == 0})
	}
	what := "POST unit " + name
	w.creating = name
	w.createBody = map[string]any{"name": name, "side": side, "tags": []string{"new"}, "members": members}
	status, _, raw, err := r.p.callWith(http.MethodPost, "/v1/weddings/"+r.wid+"/units", r.token,
		http.Header{"Idempotency-Key": {name}}, w.createBody)
	if err != nil {
		return r.gone(t, w, what, err)
	}
	ok, overloaded := w.answer(t, what, status, http.StatusCreated, raw)
	if !ok || overloaded {
		w.creating = ""
		return ok
	}
	var got unitRow
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Errorf("writer %d: %s: %v: %s", w.id, what, err, raw)
		return false
	}
	okMembers := len(got.Members) == len(phones)
	for i := 0; okMembers && i < len(phones); i++ {
		m := got.Members[i]
		okMembers = m.ID != "" && m.Phone == phones[i] && m.Primary == (i == 0) && m.Name == members[i]["name"]
	}
	if got.ID == "" || got.Name != name || got.Side != side || !okMembers {
		t.Errorf("writer %d: %s: answered %s", w.id, what, raw)
		return false
	}
	u := &pkUnit{id: got.ID, side: side, members: got.Members, name: name, tags: got.Tags}
	w.units = append(w.units, u)
	w.creating = ""
	r.ack(w)

	evs := slices.Clone(r.events)
	rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	evs = evs[:1+rng.IntN(len(evs))]
	what = "POST invitations for " + u.id
	w.inviting, w.invitingEvs = u.id, evs
	for {
		status, raw, err = r.p.call(http.MethodPost, "/v1/weddings/"+r.wid+"/invitations", r.token,
			map[string]any{"event_ids": evs, "unit_ids": []string{u.id}})
		if err != nil {
			return r.gone(t, w, what, err)
		}
		ok, overloaded = w.answer(t, what, status, http.StatusOK, raw)
		if !ok {
			return false
		}
		if !overloaded {
			break
		}
	}
	var inv struct {
		Invited int `json:"invited"`
		Already int `json:"already"`
	}
	if err := json.Unmarshal(raw, &inv); err != nil || inv.Invited != len(evs) || inv.Already != 0 {
		t.Errorf("writer %d: %s to %d events: answered %s (%v)", w.id, what, len(evs), raw, err)
		return false
	}
	for _, e := range evs {
		k := pkKey{u.id, e}
		w.pairs[k] = &pkPair{seats: int32(len(phones)), acked: pkVal{Status: "pending"}}
		w.keys = append(w.keys, k)
	}
	w.inviting, w.invitingEvs = "", nil
	r.ack(w)
	return true
}

// checkRootToken checks, after a start with PARINAYA_ROOT_TOKEN, that the
// engine says where its root token comes from, never logs it, writes no
// root.token file, and that it (and only it) opens the wedding.
func checkRootToken(t *testing.T, p *engineProc, dataDir, root, wid string) {
	t.Helper()
	p.waitLog(t, "root token from PARINAYA_ROOT_TOKEN")
	p.waitLog(t, `"weddings":1`)
	if strings.Contains(p.stderr.String(), root) {
		t.Errorf("%s: the root token appears in the log", p.name)
	}
	if _, err := os.Stat(filepath.Join(dataDir, rootTokenFile)); !os.IsNotExist(err) {
		t.Errorf("%s: %s exists although PARINAYA_ROOT_TOKEN is set (%v)", p.name, rootTokenFile, err)
	}
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	p.must(t, http.MethodGet, "/v1/weddings", root, nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != wid {
		t.Errorf("%s: GET /v1/weddings as root: %+v, want only %s", p.name, list.Items, wid)
	}
	p.must(t, http.MethodGet, "/v1/weddings/"+wid, root, nil, http.StatusOK, nil)
	p.wantError(t, http.MethodGet, "/v1/weddings/"+wid, root[:len(root)-1]+"X", nil, http.StatusUnauthorized, "unauthorized")
}

func TestProcess_KillDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts engine processes")
	}
	seed := *processSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d, %d kill points (again: go test ./cmd/engine -run TestProcess_KillDurability -args -process-seed=%d -process-kills=%d)",
		seed, *processKills, seed, *processKills)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	dir := t.TempDir()
	// A small snapshot interval, so kills land around snapshots too.
	env := []string{"PARINAYA_ROOT_TOKEN=" + procRootToken, "PARINAYA_ENGINE_SNAPSHOT_EVERY=97"}
	p := startEngine(t, "engine#1", dir, env...)
	p.waitLog(t, "root token from PARINAYA_ROOT_TOKEN")

	var wed struct {
		ID string `json:"id"`
	}
	p.must(t, http.MethodPost, "/v1/weddings", procRootToken, map[string]any{"name": "Kill test", "slug": "kill-test",
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"}, http.StatusCreated, &wed)
	wid, base := wed.ID, "/v1/weddings/"+wed.ID
	var tok struct {
		Token string `json:"token"`
	}
	p.must(t, http.MethodPost, base+"/tokens", procRootToken, map[string]any{"role": "owner", "label": "kill test"}, http.StatusCreated, &tok)
	owner := tok.Token

	start := time.Date(2026, 12, 10, 10, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))
	var events []string
	for i := range pkEvents {
		at := start.Add(time.Duration(i) * 6 * time.Hour)
		var ev eventRow
		p.must(t, http.MethodPost, base+"/events", owner, map[string]any{"name": fmt.Sprintf("Event %d", i),
			"starts_at": at.Format(time.RFC3339), "ends_at": at.Add(3 * time.Hour).Format(time.RFC3339),
			"venue": "Hall " + strconv.Itoa(i), "visibility": []string{"public", "invite_only"}[i%2]}, http.StatusCreated, &ev)
		events = append(events, ev.ID)
	}
	var batch []map[string]any
	for i := range pkUnits {
		var members []map[string]any
		for j := range 1 + i%4 {
			ph, err := domain.NormalizePhone(fmt.Sprintf("97%04d%04d", i, j), "IN", "")
			if err != nil {
				t.Fatal(err)
			}
			members = append(members, map[string]any{"name": fmt.Sprintf("b%d m%d", i, j), "phone": ph, "primary": j == 0})
		}
		batch = append(batch, map[string]any{"name": fmt.Sprintf("w%02d-b%d", i%pkWriters, i),
			"side": []string{"bride", "groom", "both"}[i%3], "tags": []string{"batch"}, "members": members})
	}
	var br struct {
		Results []struct {
			Index int             `json:"index"`
			ID    string          `json:"id"`
			Error json.RawMessage `json:"error"`
		} `json:"results"`
	}
	p.must(t, http.MethodPost, base+"/units/batch", owner, map[string]any{"units": batch}, http.StatusOK, &br)
	if len(br.Results) != pkUnits {
		t.Fatalf("units/batch: %d results for %d units", len(br.Results), pkUnits)
	}
	for i, r := range br.Results {
		if r.Index != i || r.ID == "" || r.Error != nil {
			t.Fatalf("units/batch result %d: %+v", i, r)
		}
	}
	var inv struct {
		Invited int `json:"invited"`
		Already int `json:"already"`
	}
	p.must(t, http.MethodPost, base+"/invitations", owner, map[string]any{"event_ids": events, "all": true}, http.StatusOK, &inv)
	if inv.Invited != pkUnits*pkEvents || inv.Already != 0 {
		t.Fatalf("invite all: %+v, want %d invited", inv, pkUnits*pkEvents)
	}
	s := p.readState(t, wid, owner)
	if len(s.units) != pkUnits || len(s.rsvps) != pkUnits*pkEvents || len(s.events) != pkEvents {
		t.Fatalf("provisioned %d units, %d rsvps, %d events", len(s.units), len(s.rsvps), len(s.events))
	}
	checkConsistent(t, s)
	m := newPKModel()
	m.adopt(t, s)

	var maxSeq uint64
	for k := range *processKills {
		r := &pkRun{p: p, wid: wid, token: owner, events: events, killAt: int64(20 + rng.IntN(1000)), reached: make(chan struct{})}
		var wg sync.WaitGroup
		for _, w := range m.writers {
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(seed, uint64(k)<<8|uint64(w.id)))
			go func() {
				defer wg.Done()
				w.run(t, r, wrng)
			}()
		}
		stopped := make(chan struct{})
		go func() {
			wg.Wait()
			close(stopped)
		}()
		// If the test fails early, the writers must end before it does.
		t.Cleanup(func() {
			r.killed.Store(true)
			_ = r.p.cmd.Process.Kill()
			<-stopped
		})
		began := time.Now()
		select {
		case <-r.reached:
		case <-stopped:
			t.Fatalf("kill %d: every writer stopped after %d acknowledged writes, before the kill point %d", k+1, r.acks.Load(), r.killAt)
		case <-time.After(2 * time.Minute):
			t.Fatalf("kill %d: only %d acknowledged writes in 2 minutes (kill point %d)", k+1, r.acks.Load(), r.killAt)
		}
		r.killed.Store(true)
		p.kill(t)
		select {
		case <-stopped:
		case <-time.After(time.Minute):
			t.Fatalf("kill %d: writers still running a minute after the SIGKILL", k+1)
		}
		inflight := 0
		for _, w := range m.writers {
			maxSeq = max(maxSeq, w.maxSeq)
			for _, pr := range w.pairs {
				if pr.inflight != nil {
					inflight++
				}
			}
			for _, u := range w.units {
				if u.inflight != nil {
					inflight++
				}
			}
			if w.creating != "" || w.inviting != "" {
				inflight++
			}
		}
		t.Logf("kill %d: SIGKILL at %d acknowledged writes (kill point %d) after %v of writing; %d writes in flight",
			k+1, r.acks.Load(), r.killAt, time.Since(began).Round(time.Millisecond), inflight)

		p = startEngine(t, fmt.Sprintf("engine#%d", k+2), dir, env...)
		checkRootToken(t, p, dir, procRootToken, wid)
		s := p.readState(t, wid, owner)
		landed, lost := m.verify(t, s)
		checkConsistent(t, s)
		if s.headcount.Seq < maxSeq {
			t.Errorf("kill %d: headcount at seq %d, but an RSVP was acknowledged at seq %d", k+1, s.headcount.Seq, maxSeq)
		}
		if t.Failed() {
			t.FailNow()
		}
		t.Logf("kill %d: verified %d units, %d rsvps at seq %d; of the writes in flight %d were stored, %d not",
			k+1, len(s.units), len(s.rsvps), s.headcount.Seq, landed, lost)
		if retried, replayed := m.retryCreates(t, p, wid, owner, s); retried > 0 {
			s = p.readState(t, wid, owner)
			t.Logf("kill %d: %d unit creations whose answer the kill lost were retried with their Idempotency-Key: %d answered again, %d created now",
				k+1, retried, replayed, retried-replayed)
		}
		m.adopt(t, s)
	}

	// A graceful stop snapshots and exits 0; the next start serves the
	// same bytes.
	before := p.readState(t, wid, owner)
	p.stop(t, time.Minute)
	p = startEngine(t, "engine after SIGTERM", dir, env...)
	checkRootToken(t, p, dir, procRootToken, wid)
	after := p.readState(t, wid, owner)
	if !bytes.Equal(before.hcRaw, after.hcRaw) {
		t.Errorf("headcount before SIGTERM and after the restart differ:\n%s\n%s", before.hcRaw, after.hcRaw)
	}
	if !reflect.DeepEqual(before.units, after.units) || !reflect.DeepEqual(before.rsvps, after.rsvps) || !reflect.DeepEqual(before.events, after.events) {
		t.Errorf("units, RSVPs or events differ before SIGTERM and after the restart")
	}
	m.verify(t, after)
	checkConsistent(t, after)
	p.stop(t, time.Minute)
	total := 0
	for _, w := range m.writers {
		total += w.acked
	}
	t.Logf("%d acknowledged writes checked over %d kills; final: %d units, %d rsvps, seq %d",
		total, *processKills, len(after.units), len(after.rsvps), after.headcount.Seq)
}

// ---- TestProcess_SnapshotExportRestore ----

type snapFixture struct {
	wid, owner, viewer, bride, revoked string
	events, units                      []string
}

// provisionSnapshotWedding builds a wedding with a bit of everything:
// tokens of every role (one revoked), events (one updated, one deleted),
// units (batch and single, one updated, one deleted), invitations by all,
// side, tag and ids (seats changed, one removed), and RSVPs of every kind.
func provisionSnapshotWedding(t *testing.T, p *engineProc, root string) snapFixture {
	t.Helper()
	var f snapFixture
	var wed struct {
		ID string `json:"id"`
	}
	p.must(t, http.MethodPost, "/v1/weddings", root, map[string]any{"name": "Asha & Ravi", "slug": "asha-ravi",
		"date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"}, http.StatusCreated, &wed)
	f.wid = wed.ID
	base := "/v1/weddings/" + f.wid
	var tok struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	p.must(t, http.MethodPost, base+"/tokens", root, map[string]any{"role": "owner", "label": "couple"}, http.StatusCreated, &tok)
	f.owner = tok.Token
	p.must(t, http.MethodPost, base+"/tokens", f.owner, map[string]any{"role": "viewer", "label": "parents"}, http.StatusCreated, &tok)
	f.viewer = tok.Token
	p.must(t, http.MethodPost, base+"/tokens", f.owner, map[string]any{"role": "side_admin", "side": "bride", "label": "bride's cousin"}, http.StatusCreated, &tok)
	f.bride = tok.Token
	p.must(t, http.MethodPost, base+"/tokens", f.owner, map[string]any{"role": "admin", "label": "planner"}, http.StatusCreated, &tok)
	f.revoked = tok.Token
	p.must(t, http.MethodGet, base, f.revoked, nil, http.StatusOK, nil)
	p.must(t, http.MethodDelete, base+"/tokens/"+tok.ID, f.owner, nil, http.StatusNoContent, nil)
	p.wantError(t, http.MethodGet, base, f.revoked, nil, http.StatusUnauthorized, "unauthorized")

	start := time.Date(2026, 12, 10, 17, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))
	for i, name := range []string{"Mehendi", "Sangeet", "Wedding", "Reception", "Farewell brunch"} {
		at := start.Add(time.Duration(i) * 20 * time.Hour)
		var ev eventRow
		p.must(t, http.MethodPost, base+"/events", f.owner, map[string]any{"name": name, "starts_at": at.Format(time.RFC3339),
			"ends_at": at.Add(4 * time.Hour).Format(time.RFC3339), "venue": "Jaipur", "visibility": []string{"public", "invite_only"}[i%2]},
			http.StatusCreated, &ev)
		f.events = append(f.events, ev.ID)
	}
	p.must(t, http.MethodPatch, base+"/events/"+f.events[1], f.owner, map[string]any{"venue": "Rambagh Palace lawns"}, http.StatusOK, nil)
	p.must(t, http.MethodDelete, base+"/events/"+f.events[4], f.owner, nil, http.StatusNoContent, nil)
	f.events = f.events[:4]

	var batch []map[string]any
	for i := range 48 {
		var members []map[string]any
		for j := range 1 + i%4 {
			ph, err := domain.NormalizePhone(fmt.Sprintf("96%04d%04d", i, j), "IN", "")
			if err != nil {
				t.Fatal(err)
			}
			members = append(members, map[string]any{"name": fmt.Sprintf("Guest %d.%d", i, j), "phone": ph, "primary": j == 0})
		}
		tags := []string{[]string{"family", "friends", "work"}[i%3]}
		if i%5 == 0 {
			tags = append(tags, "vip")
		}
		batch = append(batch, map[string]any{"name": fmt.Sprintf("Household %d", i),
			"side": []string{"bride", "groom", "both"}[i%3], "tags": tags, "members": members})
	}
	var br struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	p.must(t, http.MethodPost, base+"/units/batch", f.owner, map[string]any{"units": batch}, http.StatusOK, &br)
	for _, r := range br.Results {
		if r.ID == "" {
			t.Fatalf("units/batch: an item failed")
		}
		f.units = append(f.units, r.ID)
	}
	for i, u := range []map[string]any{
		{"name": "Mehta family", "side": "groom", "tags": []string{"family", "out-of-town"},
			"members": []map[string]any{{"name": "Raj Mehta", "phone": "+91 99887 76655", "email": "raj@example.com", "primary": true}, {"name": "Anita Mehta"}}},
		{"name": "Dr. Iyer", "side": "bride", "members": []map[string]any{{"name": "Lakshmi Iyer", "phone": "+919900112233"}}},
	} {
		var got unitRow
		p.must(t, http.MethodPost, base+"/units", f.owner, u, http.StatusCreated, &got)
		if i == 0 && (len(got.Members) != 2 || got.Members[0].Phone != "+919988776655") {
			t.Fatalf("POST unit: %+v", got)
		}
		f.units = append(f.units, got.ID)
	}
	p.must(t, http.MethodPatch, base+"/units/"+f.units[3], f.owner, map[string]any{"name": "Household 3 (renamed)", "tags": []string{"friends", "vip"}}, http.StatusOK, nil)
	p.must(t, http.MethodDelete, base+"/units/"+f.units[5], f.owner, nil, http.StatusNoContent, nil)
	f.units = slices.Delete(f.units, 5, 6)

	for _, in := range []map[string]any{
		{"event_ids": []string{f.events[0], f.events[2]}, "all": true},
		{"event_ids": []string{f.events[1]}, "side": "bride"},
		{"event_ids": []string{f.events[3]}, "tag": "vip", "seats": 6},
		{"event_ids": []string{f.events[3]}, "tag": "vip", "seats": 2},
		{"event_ids": []string{f.events[1]}, "unit_ids": []string{f.units[len(f.units)-2]}},
	} {
		p.must(t, http.MethodPost, base+"/invitations", f.owner, in, http.StatusOK, nil)
	}
	p.must(t, http.MethodPost, base+"/invitations/remove", f.owner, map[string]any{"event_ids": []string{f.events[0]}, "unit_ids": []string{f.units[0]}}, http.StatusOK, nil)

	items, _ := p.pages(t, base+"/rsvps", f.owner, 1000)
	rows := decodeAll[rsvpRow](t, "rsvps", items)
	for i, r := range rows {
		var body map[string]any
		switch i % 6 {
		case 0:
			body = map[string]any{"status": "yes"}
		case 1:
			body = map[string]any{"status": "yes", "headcount": 1, "note": "only one of us"}
		case 2:
			body = map[string]any{"status": "no"}
		case 3:
			body = map[string]any{"status": "maybe", "note": "will confirm by Diwali"}
		case 4:
			body = map[string]any{"status": "pending", "note": "called, no answer"}
		default:
			continue
		}
		p.must(t, http.MethodPut, base+"/rsvps/"+r.UnitID+"/"+r.EventID, f.owner, body, http.StatusOK, nil)
	}
	// An answer changed, and one given by the bride's side admin.
	p.must(t, http.MethodPut, base+"/rsvps/"+rows[0].UnitID+"/"+rows[0].EventID, f.owner, map[string]any{"status": "no", "note": "changed plans"}, http.StatusOK, nil)
	for _, r := range rows[1:] {
		var u unitRow
		p.must(t, http.MethodGet, base+"/units/"+r.UnitID, f.owner, nil, http.StatusOK, &u)
		if u.Side == "bride" {
			p.must(t, http.MethodPut, base+"/rsvps/"+r.UnitID+"/"+r.EventID, f.bride, map[string]any{"status": "yes", "headcount": 1}, http.StatusOK, nil)
			break
		}
	}
	return f
}

type served struct {
	what string
	raw  []byte
}

// captureServed reads, raw, what the engine serves about the fixture's
// wedding to each of its live tokens.
func captureServed(t *testing.T, p *engineProc, f snapFixture) []served {
	t.Helper()
	base := "/v1/weddings/" + f.wid
	var out []served
	get := func(what, path, token string) {
		out = append(out, served{what, p.must(t, http.MethodGet, path, token, nil, http.StatusOK, nil)})
	}
	pages := func(what, path, token string, limit int) {
		_, raw := p.pages(t, path, token, limit)
		for i, b := range raw {
			out = append(out, served{fmt.Sprintf("%s page %d", what, i+1), b})
		}
	}
	get("wedding", base, f.owner)
	get("events", base+"/events", f.owner)
	get("events as viewer", base+"/events", f.viewer)
	get("headcount", base+"/headcount", f.owner)
	get("headcount as viewer", base+"/headcount", f.viewer)
	get("headcount as bride side_admin", base+"/headcount", f.bride)
	pages("units", base+"/units", f.owner, 7)
	pages("units as viewer", base+"/units", f.viewer, 1000)
	pages("units as bride side_admin", base+"/units", f.bride, 9)
	pages("vip units", base+"/units?tag=vip", f.owner, 4)
	pages("rsvps", base+"/rsvps", f.owner, 11)
	pages("rsvps of event 2", base+"/rsvps?event="+f.events[1], f.owner, 5)
	pages("yes rsvps", base+"/rsvps?status=yes", f.viewer, 1000)
	get("unit 3", base+"/units/"+f.units[3], f.owner)
	return out
}

func compareServed(t *testing.T, label string, want, got []served) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d answers, want %d", label, len(got), len(want))
	}
	for i := range min(len(want), len(got)) {
		if want[i].what != got[i].what || !bytes.Equal(want[i].raw, got[i].raw) {
			t.Errorf("%s: %s differs:\n got %s\nwant %s", label, want[i].what, got[i].raw, want[i].raw)
		}
	}
}

func TestProcess_SnapshotExportRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts engine processes")
	}
	dirA := t.TempDir()
	a := startEngine(t, "source engine", dirA, "PARINAYA_ROOT_TOKEN="+procRootToken)
	f := provisionSnapshotWedding(t, a, procRootToken)
	base := "/v1/weddings/" + f.wid
	want := captureServed(t, a, f)
	s := a.readState(t, f.wid, f.owner)
	checkConsistent(t, s)
	t.Logf("source: %d events, %d units, %d rsvps, seq %d", len(s.events), len(s.units), len(s.rsvps), s.headcount.Seq)
	a.stop(t, time.Minute)

	file := filepath.Join(t.TempDir(), "asha-ravi.export")
	cli := func(wantCode int, args ...string) (stdout, stderr string) {
		t.Helper()
		stdout, stderr, code := runEngineCmd(t, args...)
		if (wantCode == 0) != (code == 0) {
			t.Fatalf("engine %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, stdout, stderr)
		}
		return stdout, stderr
	}
	out, _ := cli(0, "snapshot", "export", "--data", dirA, "--wedding", f.wid, "--out", file)
	if !strings.Contains(out, "exported wedding "+f.wid) {
		t.Errorf("export said %q", out)
	}
	newDir := t.TempDir() // empty
	out, _ = cli(0, "snapshot", "restore", "--data", newDir, "--in", file)
	if !strings.Contains(out, "restored wedding "+f.wid) {
		t.Errorf("restore said %q", out)
	}
	out, _ = cli(0, "snapshot", "restore", "--data", newDir, "--in", file)
	if !strings.Contains(out, "nothing to do") {
		t.Errorf("restoring the same file twice said %q, want \"nothing to do\"", out)
	}
	cli(0, "snapshot", "verify", "--data", newDir)

	// Another operator, another root token: the wedding's own tokens work.
	b := startEngine(t, "restored engine", newDir, "PARINAYA_ROOT_TOKEN="+procRootTokenB)
	compareServed(t, "restored engine", want, captureServed(t, b, f))
	checkConsistent(t, b.readState(t, f.wid, f.owner))
	b.wantError(t, http.MethodGet, base, f.revoked, nil, http.StatusUnauthorized, "unauthorized")
	b.wantError(t, http.MethodGet, base+"/headcount", f.revoked, nil, http.StatusUnauthorized, "unauthorized")
	b.wantError(t, http.MethodPost, base+"/events", f.viewer, map[string]any{"name": "x", "starts_at": "2026-12-20T10:00:00Z"}, http.StatusForbidden, "forbidden")
	b.wantError(t, http.MethodGet, base, procRootToken, nil, http.StatusUnauthorized, "unauthorized")
	b.must(t, http.MethodGet, base, procRootTokenB, nil, http.StatusOK, nil)

	// One more write on the restored copy makes it newer than the file.
	var rows struct {
		Items []rsvpRow `json:"items"`
	}
	b.must(t, http.MethodGet, base+"/rsvps?status=pending&limit=1", f.owner, nil, http.StatusOK, &rows)
	if len(rows.Items) != 1 {
		t.Fatalf("no pending rsvp left to answer")
	}
	r := rows.Items[0]
	b.must(t, http.MethodPut, base+"/rsvps/"+r.UnitID+"/"+r.EventID, f.owner, map[string]any{"status": "yes", "note": "after the restore"}, http.StatusOK, nil)
	newer := captureServed(t, b, f)
	b.stop(t, time.Minute)
	cli(0, "snapshot", "verify", "--data", newDir)

	_, errOut := cli(1, "snapshot", "restore", "--data", newDir, "--in", file)
	if !strings.Contains(errOut, "--force") || !strings.Contains(errOut, "newer") {
		t.Errorf("refused restore said %q; want it to name the newer copy and --force", errOut)
	}
	b2 := startEngine(t, "restored engine after a refused restore", newDir, "PARINAYA_ROOT_TOKEN="+procRootTokenB)
	compareServed(t, "after the refused restore", newer, captureServed(t, b2, f))
	b2.stop(t, time.Minute)

	out, _ = cli(0, "snapshot", "restore", "--data", newDir, "--in", file, "--force")
	if !strings.Contains(out, "replacing a newer copy") {
		t.Errorf("forced restore said %q", out)
	}
	cli(0, "snapshot", "verify", "--data", newDir)
	b3 := startEngine(t, "restored engine after --force", newDir, "PARINAYA_ROOT_TOKEN="+procRootTokenB)
	compareServed(t, "after restore --force", want, captureServed(t, b3, f))
	b3.stop(t, time.Minute)
}
