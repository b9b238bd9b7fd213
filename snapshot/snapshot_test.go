package snapshot_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/weddingdiff"
	"github.com/parinayaos/engine/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden snapshots in testdata/ from the current code")

func TestRoundTrip(t *testing.T) {
	w := realistic(t)
	b, err := snapshot.Encode(w, at)
	if err != nil {
		t.Fatal(err)
	}
	got, h, err := snapshot.Decode(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := snapshot.Header{Version: snapshot.Version, WeddingID: "w-realistic", Seq: w.Seq, CreatedAt: at}
	if h != want {
		t.Errorf("header = %+v, want %+v", h, want)
	}
	if d := weddingdiff.Diff(got, w); d != "" {
		t.Errorf("decoded state differs: %s", d)
	}
	if d := viewDiff(got.View(nil), w.View(nil), w.Tokens); d != "" {
		t.Errorf("View(nil) differs: %s", d)
	}
	// The indexes are rebuilt.
	for _, u := range w.Units {
		for _, p := range u.Members {
			if uid, ok := got.UnitOfPerson(p.ID); !ok || uid != u.ID {
				t.Errorf("UnitOfPerson(%s) = %q, %v; want %q", p.ID, uid, ok, u.ID)
			}
			if p.Phone == "" {
				continue
			}
			if pid, ok := got.PersonByPhone(p.Phone); !ok || pid != p.ID {
				t.Errorf("PersonByPhone(%s) = %q, %v; want %q", p.Phone, pid, ok, p.ID)
			}
		}
	}
	// ReadHeader agrees and hands back the payload.
	h2, payload, err := snapshot.ReadHeader(b)
	if err != nil || h2 != h || !bytes.HasSuffix(b, payload) || len(payload) == 0 {
		t.Errorf("ReadHeader = %+v, %d-byte payload, %v", h2, len(payload), err)
	}
}

// A decoded wedding is live: the same commands on it and on the original
// decide the same changes and reach the same state, including the checks
// that use the rebuilt indexes (phones) and projections (RSVP counts).
func TestDecodedWeddingContinues(t *testing.T) {
	orig := realistic(t)
	dec := mustDecode(t, mustEncode(t, orig))
	var sharma, verma string
	for id, u := range orig.Units {
		switch u.Name {
		case "Sharma family":
			sharma = id
		case "Verma family":
			verma = id
		}
	}
	haldi := orig.Events[0].ID
	cmds := []struct {
		by  domain.Principal
		cmd func() domain.Command
	}{
		{admin, func() domain.Command {
			return &domain.AddUnit{Unit: domain.UnitInput{Name: "Dup", Members: []domain.MemberInput{{Name: "X", Phone: "+919876500001"}}}}
		}},
		{admin, func() domain.Command { return &domain.DeleteEvent{ID: haldi} }},
		{admin, func() domain.Command { return &domain.SetRSVP{UnitID: verma, EventID: haldi, Status: domain.No} }},
		{admin, func() domain.Command {
			return &domain.UpdateUnit{ID: sharma, Members: &[]domain.MemberInput{{Name: "Only one", Phone: "+919876500009"}}}
		}},
		{admin, func() domain.Command { return &domain.DeleteEvent{ID: haldi, Force: true} }},
		{owner, func() domain.Command { return &domain.IssueToken{Role: domain.RoleViewer, Hash: hash("planner")} }},
	}
	now := orig.LastAt
	for i, c := range cmds {
		now += 1_000_000_000
		m := domain.Meta{By: c.by, Now: now}
		ch1, _, err1 := orig.Execute(c.cmd(), m)
		ch2, _, err2 := dec.Execute(c.cmd(), m)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("command %d: original says %v, decoded says %v", i, err1, err2)
		}
		if d := weddingdiff.Diff(dec, orig); d != "" {
			t.Fatalf("after command %d (%d vs %d changes): %s", i, len(ch1), len(ch2), d)
		}
	}
	if d := viewDiff(dec.View(nil), orig.View(nil), orig.Tokens); d != "" {
		t.Errorf("views differ after the commands: %s", d)
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	w := goldenWedding(t)
	a, b := mustEncode(t, w), mustEncode(t, w)
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of one single-unit wedding differ")
	}
	// Re-encoding a decoded snapshot gives the same bytes.
	if c := mustEncode(t, mustDecode(t, a)); !bytes.Equal(a, c) {
		t.Error("encode(decode(snapshot)) differs from the snapshot")
	}
}

// goldenWedding is the wedding of testdata/v1/wedding.snap. It has exactly
// one unit: Units is a map, and msgpack writes maps in Go's random order.
func goldenWedding(t testing.TB) *domain.Wedding {
	t.Helper()
	f := newFixture(t, "w-golden")
	f.Must(owner, &domain.IssueToken{Role: domain.RoleSideAdmin, Side: domain.SideBride, Label: "bride's side", Hash: hash("golden-bride")})
	haldi := f.event("Haldi", t0+86_400_000_000_000, domain.Public)
	sangeet := f.event("Sangeet", t0+2*86_400_000_000_000, domain.InviteOnly)
	ids := f.units(domain.UnitInput{Name: "Sharma family", Side: domain.SideBride, Tags: []string{"family"}, Members: []domain.MemberInput{
		{Name: "Anil Sharma", Phone: "+919876543210", Email: "anil@example.com"},
		{Name: "Sunita Sharma", Primary: true},
	}})
	f.Must(admin, &domain.Invite{EventIDs: []string{haldi, sangeet}, UnitIDs: ids, Seats: 3})
	f.Must(engine, &domain.SetRSVP{UnitID: ids[0], EventID: sangeet, Status: domain.Yes, Headcount: ptr[int32](2),
		Source: domain.SourceWhatsApp, Note: "दो लोग"})
	return f.W
}

const goldenPath = "testdata/v1/wedding.snap"

// TestGoldenDecodes reads a snapshot written by format version 1 and checks
// what it says, fact by fact (not by comparing with today's encoder): a
// change that stops old snapshots from loading fails here.
func TestGoldenDecodes(t *testing.T) {
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, mustEncode(t, goldenWedding(t)), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", goldenPath)
	}
	// Every committed encoding must keep decoding to the same wedding: the
	// current one, and older ones (the same format, written when RSVP's
	// fields were in another order).
	for _, path := range []string{goldenPath, "testdata/v1/wedding-2026-11-26.snap"} {
		t.Run(filepath.Base(path), func(t *testing.T) { checkGoldenFile(t, path) })
	}
}

func checkGoldenFile(t *testing.T, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with go test -run TestGolden -update)", err)
	}
	w, h, err := snapshot.Decode(b)
	if err != nil {
		t.Fatalf("golden v1 snapshot no longer decodes: %v", err)
	}
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("header version", h.Version, byte(1))
	check("header wedding", h.WeddingID, "w-golden")
	check("header seq", h.Seq, uint64(7))
	check("header created at", h.CreatedAt, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC))
	check("wedding id", w.Info.ID, "w-golden")
	check("name", w.Info.Name, "Asha & Rohan")
	check("slug", w.Info.Slug, "asha-rohan")
	check("date", w.Info.Date, "2026-02-14")
	check("timezone", w.Info.Timezone, "Asia/Kolkata")
	check("region", w.Info.Region, "IN")
	check("created at", w.Info.CreatedAt, t0+1_000_000_000)
	check("seq", w.Seq, uint64(7))
	check("last at", w.LastAt, t0+7_000_000_000)

	if len(w.Tokens) != 1 {
		t.Fatalf("%d tokens, want 1", len(w.Tokens))
	}
	tok := w.Tokens[0]
	check("token id", tok.ID, "t2")
	check("token role", tok.Role, domain.RoleSideAdmin)
	check("token side", tok.Side, domain.SideBride)
	check("token label", tok.Label, "bride's side")
	check("token hash", tok.Hash, hash("golden-bride"))
	check("token revoked", tok.Revoked, false)
	if p, ok := w.View(nil).Authenticate(hash("golden-bride")); !ok || p.Role != domain.RoleSideAdmin || p.Side != domain.SideBride {
		t.Errorf("golden token authenticates as %+v, %v", p, ok)
	}

	if len(w.Events) != 2 {
		t.Fatalf("%d events, want 2", len(w.Events))
	}
	check("event 0", w.Events[0], domain.Event{ID: "e3", Name: "Haldi", StartsAt: t0 + 86_400_000_000_000,
		EndsAt: t0 + 86_400_000_000_000 + 3_600_000_000_000, Venue: "Haldi lawn"})
	check("event 1", w.Events[1], domain.Event{ID: "e4", Name: "Sangeet", StartsAt: t0 + 2*86_400_000_000_000,
		EndsAt: t0 + 2*86_400_000_000_000 + 3_600_000_000_000, Venue: "Sangeet lawn", Visibility: domain.InviteOnly})

	u := w.Units["u5"]
	if len(w.Units) != 1 || u == nil {
		t.Fatalf("units = %v, want just u5", w.Units)
	}
	check("unit name", u.Name, "Sharma family")
	check("unit side", u.Side, domain.SideBride)
	check("unit tags", len(u.Tags) == 1 && u.Tags[0] == "family", true)
	check("unit created", u.CreatedAt, t0+5_000_000_000)
	if len(u.Members) != 2 {
		t.Fatalf("%d members, want 2", len(u.Members))
	}
	check("member 0", u.Members[0], domain.Person{ID: "p5.0", Name: "Anil Sharma", Phone: "+919876543210", Email: "anil@example.com"})
	check("member 1", u.Members[1], domain.Person{ID: "p5.1", Name: "Sunita Sharma", Primary: true})
	if pid, ok := w.PersonByPhone("+919876543210"); !ok || pid != "p5.0" {
		t.Errorf("PersonByPhone = %q, %v; want p5.0", pid, ok)
	}
	if len(u.Invitations) != 2 {
		t.Fatalf("%d invitations, want 2", len(u.Invitations))
	}
	check("haldi invitation", *u.Invitation("e3"), domain.Invitation{EventID: "e3", Seats: 3})
	check("sangeet invitation", *u.Invitation("e4"), domain.Invitation{EventID: "e4", Seats: 3, RSVP: domain.RSVP{
		Status: domain.Yes, Headcount: 2, Source: domain.SourceWhatsApp, AnsweredAt: t0 + 7_000_000_000, Note: "दो लोग", Seq: 7,
	}})

	// The projections are rebuilt from it.
	v := w.View(nil)
	if v.All().Len() != 2 {
		t.Fatalf("view has %d events", v.All().Len())
	}
	check("sangeet yes headcount", v.All().Event(1).YesHeadcount, int32(2))
	check("haldi pending", v.All().Event(0).PendingUnits, int32(1))
	check("bride invited seats", v.Bride().Totals().InvitedSeats, int32(6))
	check("groom invited units", v.Groom().Totals().InvitedUnits, int32(0))
}

// TestGoldenEncoding fails when today's encoder writes the golden wedding
// differently from the committed file. If the change is intended (a new
// field, say), check that TestGoldenDecodes still passes against the old
// file first, then regenerate with -update and commit the diff.
func TestGoldenEncoding(t *testing.T) {
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (generate it with go test -run TestGolden -update)", err)
	}
	if got := mustEncode(t, goldenWedding(t)); !bytes.Equal(got, want) {
		t.Errorf("the encoding of the golden wedding changed (%d bytes, file has %d); see the comment above", len(got), len(want))
	}
}

// smallSnapshot is a snapshot small enough to flip every bit of.
func smallSnapshot(t testing.TB) []byte {
	t.Helper()
	return mustEncode(t, goldenWedding(t))
}

func wantCorrupt(t *testing.T, what string, b []byte) {
	t.Helper()
	w, _, err := snapshot.Decode(b)
	if !errors.Is(err, snapshot.ErrCorrupt) {
		t.Fatalf("%s: Decode err = %v, want ErrCorrupt", what, err)
	}
	if w != nil {
		t.Fatalf("%s: Decode returned a wedding with its error", what)
	}
}

func TestBitFlips(t *testing.T) {
	orig := smallSnapshot(t)
	b := bytes.Clone(orig)
	for i := range b {
		for bit := range 8 {
			b[i] ^= 1 << bit
			wantCorrupt(t, "bit "+strconv.Itoa(bit)+" of byte "+strconv.Itoa(i), b)
			if _, _, err := snapshot.ReadHeader(b); !errors.Is(err, snapshot.ErrCorrupt) {
				t.Fatalf("bit %d of byte %d: ReadHeader err = %v, want ErrCorrupt", bit, i, err)
			}
			b[i] ^= 1 << bit
		}
	}
	if !bytes.Equal(b, orig) {
		t.Fatal("test bug: snapshot not restored")
	}
	mustDecode(t, b)
}

func TestTruncation(t *testing.T) {
	b := smallSnapshot(t)
	for n := range len(b) {
		wantCorrupt(t, "truncated to "+strconv.Itoa(n)+" bytes", b[:n])
	}
	wantCorrupt(t, "one byte too many", append(bytes.Clone(b), 0))
	wantCorrupt(t, "nil", nil)
}

func TestWrongMagic(t *testing.T) {
	good := smallSnapshot(t)
	for _, m := range []string{"PWSX", "pwsn", "\x00\x00\x00\x00", "SNWP"} {
		b := bytes.Clone(good)
		copy(b, m)
		wantCorrupt(t, "magic "+m, b)
	}
	// Another format's bytes altogether.
	wantCorrupt(t, "json", []byte(`{"magic":"PWSN","version":1,"seq":1,"id":"w1"}`))
	wantCorrupt(t, "bare msgpack", func() []byte { b, _ := msgpack.Marshal(goldenWedding(t)); return b }())
}

func TestUnknownVersion(t *testing.T) {
	good := smallSnapshot(t)
	_, seq, created, id, payload := parts(t, good)
	if !bytes.Equal(seal(snapshot.Version, seq, created, id, payload), good) {
		t.Fatal("test bug: seal does not reproduce Encode")
	}
	for _, v := range []byte{0, 2, 3, 0xff} {
		// Sealed: the checksum holds, only the version is wrong.
		b := seal(v, seq, created, id, payload)
		wantCorrupt(t, "version "+strconv.Itoa(int(v)), b)
		if _, _, err := snapshot.ReadHeader(b); !errors.Is(err, snapshot.ErrCorrupt) {
			t.Errorf("version %d: ReadHeader err = %v, want ErrCorrupt", v, err)
		}
	}
}

// Snapshots whose checksum holds but whose header disagrees with the state,
// or whose payload is not a wedding.
func TestValidChecksumBadContents(t *testing.T) {
	good := smallSnapshot(t)
	v, seq, created, id, payload := parts(t, good)
	tests := map[string][]byte{
		"header seq ahead":        seal(v, seq+1, created, id, payload),
		"header seq behind":       seal(v, seq-1, created, id, payload),
		"header id of another":    seal(v, seq, created, "w-goldeN", payload),
		"header id empty":         seal(v, seq, created, "", payload),
		"empty payload":           seal(v, seq, created, id, nil),
		"payload is a string":     seal(v, seq, created, id, []byte{0xa3, 'a', 'b', 'c'}),
		"payload is nil":          seal(v, seq, created, id, []byte{0xc0}),
		"payload is an empty map": seal(v, 0, created, "", []byte{0x80}),
		"payload cut short":       seal(v, seq, created, id, payload[:len(payload)-1]),
		"units is not a map":      seal(v, seq, created, id, mustMarshal(t, map[string]any{"i": map[string]any{"id": id}, "q": seq, "u": []int{1}})),
		"unit is nil":             seal(v, seq, created, id, mustMarshal(t, map[string]any{"i": map[string]any{"id": id}, "q": seq, "u": map[string]any{"u1": nil}})),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			// The header and checksum are fine; only the contents are not.
			if _, _, err := snapshot.ReadHeader(b); err != nil {
				t.Fatalf("ReadHeader: %v", err)
			}
			wantCorrupt(t, name, b)
		})
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Impossible state with a valid checksum (nats' trick): take a real
// wedding, bend its exported state into something no sequence of changes
// produces, encode it (so header and checksum are right) and expect Decode
// to refuse it.
func TestImpossibleState(t *testing.T) {
	base := mustEncode(t, realistic(t))
	fresh := func(t *testing.T) (*domain.Wedding, *domain.Unit) {
		t.Helper()
		w := mustDecode(t, base)
		for _, u := range w.Units {
			if u.Name == "Sharma family" {
				return w, u
			}
		}
		t.Fatal("no Sharma family")
		return nil, nil
	}
	tests := map[string]func(w *domain.Wedding, u *domain.Unit){
		"invitation to an unknown event": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations = append(u.Invitations, domain.Invitation{EventID: "e-nope", Seats: 1})
		},
		"invitation to a deleted event": func(w *domain.Wedding, u *domain.Unit) {
			w.Events = w.Events[1:] // Haldi goes; the Sharmas stay invited
		},
		"yes with headcount above seats": func(w *domain.Wedding, u *domain.Unit) {
			inv := &u.Invitations[0]
			inv.RSVP = domain.RSVP{Status: domain.Yes, Headcount: inv.Seats + 1}
		},
		"yes with no one coming": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].RSVP = domain.RSVP{Status: domain.Yes, Headcount: 0}
		},
		"no with a headcount": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].RSVP = domain.RSVP{Status: domain.No, Headcount: 1}
		},
		"pending with a headcount": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].RSVP = domain.RSVP{Status: domain.Pending, Headcount: 1}
		},
		"negative headcount": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].RSVP = domain.RSVP{Status: domain.Maybe, Headcount: -1}
		},
		"unknown rsvp status": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].RSVP = domain.RSVP{Status: domain.Maybe + 1}
		},
		"zero seats": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].Seats, u.Invitations[0].RSVP = 0, domain.RSVP{}
		},
		"negative seats": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].Seats, u.Invitations[0].RSVP = -3, domain.RSVP{}
		},
		"two invitations to one event": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations = append(u.Invitations, u.Invitations[0])
		},
		"unit under another id": func(w *domain.Wedding, u *domain.Unit) {
			delete(w.Units, u.ID)
			w.Units[u.ID+"x"] = u
		},
		"nil unit": func(w *domain.Wedding, u *domain.Unit) {
			w.Units["u-nil"] = nil
		},
		"unit without members": func(w *domain.Wedding, u *domain.Unit) {
			u.Members = nil
		},
		"unknown side": func(w *domain.Wedding, u *domain.Unit) {
			u.Side = domain.SideGroom + 1
		},
		"person without id": func(w *domain.Wedding, u *domain.Unit) {
			u.Members[1].ID = ""
		},
		"person in two units": func(w *domain.Wedding, u *domain.Unit) {
			for _, o := range w.Units {
				if o != u {
					o.Members = append(o.Members, u.Members[0])
					return
				}
			}
		},
		"person twice in a unit": func(w *domain.Wedding, u *domain.Unit) {
			u.Members = append(u.Members, u.Members[0])
		},
		"event without id": func(w *domain.Wedding, u *domain.Unit) {
			w.Events = append(w.Events, domain.Event{Name: "Ghost", StartsAt: t0})
		},
		"event id repeated": func(w *domain.Wedding, u *domain.Unit) {
			w.Events = append(w.Events, w.Events[0])
		},
		"wedding without id": func(w *domain.Wedding, u *domain.Unit) {
			w.Info.ID = ""
		},
		"token with the operator's role": func(w *domain.Wedding, u *domain.Unit) {
			w.Tokens[0].Role = domain.RoleRoot
		},
		"token without a role": func(w *domain.Wedding, u *domain.Unit) {
			w.Tokens[0].Role = 0
		},
		"two tokens with one hash": func(w *domain.Wedding, u *domain.Unit) {
			w.Tokens[1].Hash = w.Tokens[0].Hash
		},
		"one phone on two people": func(w *domain.Wedding, u *domain.Unit) {
			for _, o := range w.Units {
				if o != u && len(o.Members) > 0 {
					o.Members[0].Phone = u.Members[0].Phone
					return
				}
			}
		},
		"seats past the limit": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].Seats = 1 << 30
		},
		"rsvp from an unknown source": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].RSVP.Source = 9
		},
		"rsvp from the future": func(w *domain.Wedding, u *domain.Unit) {
			u.Invitations[0].RSVP.Seq = w.Seq + 100
		},
		"events out of time order": func(w *domain.Wedding, u *domain.Unit) {
			w.Events[0], w.Events[1] = w.Events[1], w.Events[0]
		},
		"unit with too many members": func(w *domain.Wedding, u *domain.Unit) {
			for i := 0; i <= domain.MaxMembers; i++ {
				u.Members = append(u.Members, domain.Person{ID: fmt.Sprintf("px%d", i), Name: "x"})
			}
		},
		"unit with two primary contacts": func(w *domain.Wedding, u *domain.Unit) {
			u.Members = append(u.Members, domain.Person{ID: "px", Name: "x", Primary: true})
		},
	}
	for name, bend := range tests {
		t.Run(name, func(t *testing.T) {
			w, u := fresh(t)
			bend(w, u)
			b, err := snapshot.Encode(w, at)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if _, _, err := snapshot.ReadHeader(b); err != nil {
				t.Fatalf("ReadHeader: %v (the checksum must hold)", err)
			}
			wantCorrupt(t, name, b)
		})
	}
	// The untouched wedding decodes: the failures above are the bends.
	w, _ := fresh(t)
	mustDecode(t, mustEncode(t, w))
}
