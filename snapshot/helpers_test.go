package snapshot_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/deepnorm"
	"github.com/parinayaos/engine/internal/weddingtest"
	"github.com/parinayaos/engine/snapshot"
)

// t0 is the creation time of every test wedding; clocks step from there.
const t0 = weddingtest.Start

// at is the fixed snapshot time, so encodings are reproducible.
var at = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

var (
	owner = domain.Principal{TokenID: "t-owner", Role: domain.RoleOwner}
	admin = domain.Principal{TokenID: "t-admin", Role: domain.RoleAdmin}
	// engine records guests' own answers (WhatsApp, web) as root.
	engine = domain.Root
)

func hash(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// fixture drives a wedding through real domain commands with a stepping
// clock.
type fixture struct{ *weddingtest.Journal }

func newFixture(t testing.TB, id string) *fixture {
	t.Helper()
	return &fixture{weddingtest.New(t, id)}
}

func (f *fixture) event(name string, startsAt domain.Instant, vis domain.Visibility) string {
	f.T.Helper()
	return f.Must(admin, &domain.AddEvent{Name: name, StartsAt: startsAt, EndsAt: startsAt + 3_600_000_000_000, Venue: name + " lawn", Visibility: vis}).(domain.Event).ID
}

func (f *fixture) units(in ...domain.UnitInput) []string {
	f.T.Helper()
	res := f.Must(admin, &domain.AddUnits{Units: in}).([]domain.BatchItem)
	ids := make([]string, len(res))
	for i, r := range res {
		if r.Err != nil {
			f.T.Fatalf("unit %d: %v", i, r.Err)
		}
		ids[i] = r.ID
	}
	return ids
}

func ptr[T any](v T) *T { return &v }

// realistic builds a wedding with every kind of state: tokens (one
// revoked), public and invite-only events (one deleted), units of every
// side with tags, phones and emails (one updated, one deleted),
// invitations with custom seats (one withdrawn) and RSVPs of every status
// from every source.
func realistic(t testing.TB) *domain.Wedding {
	t.Helper()
	f := newFixture(t, "w-realistic")
	f.Must(owner, &domain.IssueToken{Role: domain.RoleAdmin, Label: "planner", Hash: hash("planner")})
	f.Must(owner, &domain.IssueToken{Role: domain.RoleSideAdmin, Side: domain.SideBride, Label: "bride's mother", Hash: hash("bride")})
	f.Must(owner, &domain.IssueToken{Role: domain.RoleSideAdmin, Side: domain.SideGroom, Hash: hash("groom")})
	old := f.Must(owner, &domain.IssueToken{Role: domain.RoleViewer, Label: "old link", Hash: hash("viewer")}).(domain.Token)
	f.Must(owner, &domain.RevokeToken{ID: old.ID})

	day := domain.Instant(86_400_000_000_000)
	haldi := f.event("Haldi", t0+10*day, domain.Public)
	mehndi := f.event("Mehndi", t0+10*day+6*3_600_000_000_000, domain.Public)
	sangeet := f.event("Sangeet", t0+11*day, domain.InviteOnly)
	wedding := f.event("Wedding", t0+12*day, domain.Public)
	cancelled := f.event("Cocktails", t0+11*day+1, domain.InviteOnly)

	ids := f.units(
		domain.UnitInput{Name: "Sharma family", Side: domain.SideBride, Tags: []string{"family", "delhi"}, Members: []domain.MemberInput{
			{Name: "Anil Sharma", Phone: "+919876500001", Email: "anil@example.com"},
			{Name: "Sunita Sharma", Phone: "98765 00002", Primary: true},
			{Name: "Kabir Sharma"},
		}},
		domain.UnitInput{Name: "Verma family", Side: domain.SideGroom, Tags: []string{"family"}, Members: []domain.MemberInput{
			{Name: "Raj Verma", Phone: "+91-98765-00003"},
			{Name: "Priya Verma", Email: "priya@example.in"},
		}},
		domain.UnitInput{Name: "College friends", Tags: []string{"friends", "vip"}, Members: []domain.MemberInput{
			{Name: "Meera", Phone: "+447911123456"},
		}},
		domain.UnitInput{Side: domain.SideBride, Members: []domain.MemberInput{{Name: "Neighbour Aunty"}}},
		domain.UnitInput{Name: "Gupta", Side: domain.SideGroom, Members: []domain.MemberInput{{Name: "Vikram Gupta", Phone: "+919876500005"}}},
	)
	sharma, verma, friends, aunty, gupta := ids[0], ids[1], ids[2], ids[3], ids[4]
	f.Must(admin, &domain.UpdateUnit{ID: verma, Tags: &[]string{"family", "mumbai"}})

	f.Must(admin, &domain.Invite{EventIDs: []string{haldi, mehndi, wedding}, All: true})
	f.Must(admin, &domain.Invite{EventIDs: []string{sangeet}, Tag: "family", Seats: 4})
	f.Must(admin, &domain.Invite{EventIDs: []string{sangeet, cancelled}, UnitIDs: []string{friends}, Seats: 2})
	f.Must(admin, &domain.Uninvite{EventIDs: []string{mehndi}, UnitIDs: []string{aunty}})

	f.Must(admin, &domain.SetRSVP{UnitID: sharma, EventID: haldi, Status: domain.Yes})
	f.Must(admin, &domain.SetRSVP{UnitID: sharma, EventID: sangeet, Status: domain.Yes, Headcount: ptr[int32](3), Note: "Kabir has exams"})
	f.Must(engine, &domain.SetRSVP{UnitID: verma, EventID: wedding, Status: domain.Maybe, Source: domain.SourceWhatsApp, AnsweredAt: f.Now - 7})
	f.Must(engine, &domain.SetRSVP{UnitID: friends, EventID: sangeet, Status: domain.No, Source: domain.SourceWeb, Note: "सॉरी!"})
	f.Must(admin, &domain.SetRSVP{UnitID: aunty, EventID: wedding, Status: domain.Yes, Headcount: ptr[int32](1)})
	f.Must(admin, &domain.SetRSVP{UnitID: gupta, EventID: haldi, Status: domain.Yes})
	f.Must(admin, &domain.DeleteUnit{ID: gupta})
	f.Must(admin, &domain.DeleteEvent{ID: cancelled})
	return f.W
}

// big builds the benchmark wedding: units units of three members with
// valid Indian mobile numbers, events events, everyone invited everywhere,
// and a third of the invitations answered.
func big(tb testing.TB, units, events int) *domain.Wedding {
	tb.Helper()
	f := newFixture(tb, "w-big")
	f.Must(owner, &domain.IssueToken{Role: domain.RoleAdmin, Label: "planner", Hash: hash("planner")})
	eventIDs := make([]string, events)
	for i := range eventIDs {
		eventIDs[i] = f.event("Event "+strconv.Itoa(i), t0+domain.Instant(i+1)*3_600_000_000_000, domain.Visibility(i%2))
	}
	in := make([]domain.UnitInput, units)
	for i := range in {
		in[i] = domain.UnitInput{Name: fmt.Sprintf("Family %d", i), Side: domain.Side(i % 3), Tags: []string{"batch-" + strconv.Itoa(i%10)}}
		for m := range 3 {
			in[i].Members = append(in[i].Members, domain.MemberInput{
				Name:  fmt.Sprintf("Guest %d.%d", i, m),
				Phone: fmt.Sprintf("+9190%08d", i*3+m),
			})
		}
	}
	ids := f.units(in...)
	f.Must(admin, &domain.Invite{EventIDs: eventIDs, All: true})
	for i, id := range ids {
		for e, eid := range eventIDs {
			switch (i + e) % 9 {
			case 0:
				f.Must(admin, &domain.SetRSVP{UnitID: id, EventID: eid, Status: domain.Yes})
			case 1:
				f.Must(engine, &domain.SetRSVP{UnitID: id, EventID: eid, Status: domain.No, Source: domain.SourceWhatsApp})
			case 2:
				f.Must(engine, &domain.SetRSVP{UnitID: id, EventID: eid, Status: domain.Maybe, Source: domain.SourceWeb, Note: "will confirm"})
			}
		}
	}
	return f.W
}

func mustEncode(t testing.TB, w *domain.Wedding) []byte {
	t.Helper()
	b, err := snapshot.Encode(w, at)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func mustDecode(t testing.TB, b []byte) *domain.Wedding {
	t.Helper()
	w, _, err := snapshot.Decode(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return w
}

// Layout offsets, from doc.go.
const (
	offVersion = 4
	offSeq     = 5
	offAt      = 13
	offIDLen   = 21
	fixedLen   = 23
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// seal builds a snapshot from its parts exactly as doc.go lays it out,
// with a correct checksum: tests use it to make snapshots whose checksum
// holds but whose contents are wrong.
func seal(version byte, seq uint64, createdAt int64, id string, payload []byte) []byte {
	b := []byte("PWSN")
	b = append(b, version)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = binary.BigEndian.AppendUint64(b, uint64(createdAt))
	b = binary.BigEndian.AppendUint16(b, uint16(len(id)))
	b = append(b, id...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	crc := crc32.Update(crc32.Checksum(b, castagnoli), castagnoli, payload)
	b = binary.BigEndian.AppendUint32(b, crc)
	return append(b, payload...)
}

// parts splits a well-formed snapshot into its header fields and payload.
func parts(t testing.TB, b []byte) (version byte, seq uint64, createdAt int64, id string, payload []byte) {
	t.Helper()
	if len(b) < fixedLen {
		t.Fatalf("snapshot of %d bytes", len(b))
	}
	idLen := int(binary.BigEndian.Uint16(b[offIDLen:]))
	return b[offVersion], binary.BigEndian.Uint64(b[offSeq:]), int64(binary.BigEndian.Uint64(b[offAt:])),
		string(b[fixedLen : fixedLen+idLen]), b[fixedLen+idLen+8:]
}

// norm: see deepnorm.Copy.
func norm[T any](v T) T { return deepnorm.Copy(v) }

// viewDiff compares the exported parts of two views, and that both
// authenticate the same tokens.
func viewDiff(a, b *domain.View, tokens []domain.Token) string {
	type scope struct {
		Events []domain.EventHeadcount
		Totals domain.Counts
	}
	type exported struct {
		WeddingID         string
		Info              domain.Info
		Seq               uint64
		AsOf              domain.Instant
		All, Bride, Groom scope
	}
	ex := func(v *domain.View) exported {
		sc := func(h domain.Headcount) scope { return scope{h.Events(), h.Totals()} }
		return exported{v.WeddingID, v.Info(), v.Seq, v.AsOf, sc(v.All()), sc(v.Bride()), sc(v.Groom())}
	}
	if na, nb := norm(ex(a)), norm(ex(b)); !reflect.DeepEqual(na, nb) {
		return fmt.Sprintf("views differ:\n%+v\n%+v", na, nb)
	}
	for _, tok := range tokens {
		pa, oka := a.Authenticate(tok.Hash)
		pb, okb := b.Authenticate(tok.Hash)
		if pa != pb || oka != okb {
			return fmt.Sprintf("token %s: %+v,%v != %+v,%v", tok.ID, pa, oka, pb, okb)
		}
	}
	return ""
}
