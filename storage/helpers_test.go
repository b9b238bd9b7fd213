package storage_test

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/deepnorm"
	"github.com/parinayaos/engine/internal/weddingtest"
	"github.com/parinayaos/engine/storage"
)

// t0 is the creation time of every test wedding; clocks step from there.
const t0 = weddingtest.Start

var (
	owner = domain.Principal{TokenID: "t-owner", Role: domain.RoleOwner}
	admin = domain.Principal{TokenID: "t-admin", Role: domain.RoleAdmin}
)

// openDB opens a database in a fresh temporary directory and closes it at
// the end of the test.
func openDB(t testing.TB) *storage.DB {
	t.Helper()
	db := openAt(t, t.TempDir(), nil)
	t.Cleanup(func() { mustClose(t, db) })
	return db
}

// openAt opens the database in dir on fs (the real file system when fs is
// nil). The caller closes it.
func openAt(t testing.TB, dir string, fs vfs.FS) *storage.DB {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{FS: fs, CacheBytes: 1 << 20})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	return db
}

func mustClose(t testing.TB, db *storage.DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// journal is a wedding driven through real domain commands, recording every
// change it produced.
type journal = weddingtest.Journal

func newJournal(t testing.TB, id string) *journal { return weddingtest.New(t, id) }

// everyKind drives a wedding through commands that produce every kind of
// change (see domain.Change.Kind) and returns its journal.
func everyKind(t testing.TB, id string) *journal {
	t.Helper()
	j := newJournal(t, id)
	tok := j.Must(owner, &domain.IssueToken{Role: domain.RoleAdmin, Label: "planner", Hash: sha256.Sum256([]byte("secret"))}).(domain.Token)
	j.Must(owner, &domain.RevokeToken{ID: tok.ID})
	j.Must(owner, &domain.UpdateWedding{Name: ptr("Asha & Rohan, Goa"), Slug: ptr(id + "-goa")})
	haldi := j.Must(admin, &domain.AddEvent{Name: "Haldi", StartsAt: t0 + 10, Venue: "Home"}).(domain.Event).ID
	sangeet := j.Must(admin, &domain.AddEvent{Name: "Sangeet", StartsAt: t0 + 20, Visibility: domain.InviteOnly}).(domain.Event).ID
	mehndi := j.Must(admin, &domain.AddEvent{Name: "Mehndi", StartsAt: t0 + 30}).(domain.Event).ID
	res := j.Must(admin, &domain.AddUnits{Units: []domain.UnitInput{
		{Name: "Sharma family", Side: domain.SideBride, Tags: []string{"family", "delhi"}, Members: []domain.MemberInput{
			{Name: "Anil Sharma", Phone: "+919876500001", Email: "anil@example.com"},
			{Name: "Sunita Sharma", Phone: "+919876500002", Primary: true},
		}},
		{Name: "Verma family", Side: domain.SideGroom, Members: []domain.MemberInput{{Name: "Raj Verma", Phone: "98765 00003"}}},
		{Name: "Friends", Members: []domain.MemberInput{{Name: "Meera"}}},
	}}).([]domain.BatchItem)
	sharma, verma, friends := res[0].ID, res[1].ID, res[2].ID
	j.Must(admin, &domain.Invite{EventIDs: []string{haldi, sangeet, mehndi}, All: true})
	j.Must(admin, &domain.SetRSVP{UnitID: sharma, EventID: haldi, Status: domain.Yes, Note: "coming early", Source: domain.SourceAdmin})
	j.Must(domain.Root, &domain.SetRSVP{UnitID: verma, EventID: haldi, Status: domain.No, Source: domain.SourceWhatsApp, AnsweredAt: j.Now - 5})
	j.Must(admin, &domain.Uninvite{EventIDs: []string{sangeet}, UnitIDs: []string{friends}})
	j.Must(admin, &domain.DeleteEvent{ID: mehndi})
	j.Must(admin, &domain.DeleteUnit{ID: friends})
	// The outbox: consent, a campaign, one send begun and its outcome, and
	// a campaign paused.
	person := j.W.Units[sharma].Members[1].ID
	j.Must(admin, &domain.RecordConsent{PersonID: person, Status: domain.OptedIn, Source: "RSVP card"})
	camp := j.Must(admin, &domain.CreateCampaign{EventIDs: []string{haldi}, Audience: domain.Audience{All: true},
		Template: domain.TemplateRef{Name: "wedding_invite", Language: "en"}, RequestID: "req-1"}).(*domain.Campaign)
	j.Must(domain.Root, &domain.BeginSend{CampaignID: camp.ID, Index: 0})
	j.Must(domain.Root, &domain.RecordSend{CampaignID: camp.ID, Index: 0, Outcome: domain.SendOutcome{WAMID: "wamid.A"}})
	camp2 := j.Must(admin, &domain.CreateCampaign{EventIDs: []string{haldi}, Audience: domain.Audience{All: true},
		Template: domain.TemplateRef{Name: "rsvp_reminder", Language: "en"}}).(*domain.Campaign)
	j.Must(admin, &domain.SetCampaignState{ID: camp2.ID, Action: domain.PauseCampaign})
	// An unclear reply, listed, then dismissed.
	phone := j.W.Units[sharma].Members[1].Phone
	j.Must(domain.Root, &domain.RecordTypedReply{Phone: phone, Text: "kitne baje?", At: j.Now, InboundID: "wamid.in1"})
	j.Must(admin, &domain.ResolveAttention{ID: j.W.Attention[0].ID, Dismiss: true})
	// An import: a new household, and the Sharmas' Anil again with another
	// phone (a same-name suggestion), merged.
	imp := j.Must(admin, &domain.ImportContacts{Source: "contacts.csv", Format: "csv", Side: domain.SideBride, Rows: []domain.PreparedRow{
		{Line: 2, Name: "Kavita Rao", Phone: "+919876500010", Household: "Rao family"},
		{Line: 3, Name: "anil sharma", Phone: "+919876500011", Household: "Sharma family"},
	}}).(domain.ImportResult)
	if imp.Record.Created != 2 || len(j.W.Suggestions) != 1 {
		j.T.Fatalf("import %+v, suggestions %+v", imp, j.W.Suggestions)
	}
	j.Must(admin, &domain.ResolveMergeSuggestion{ID: j.W.Suggestions[0].ID})
	// The website, published, and a guest link issued and revoked.
	j.Must(admin, &domain.SetWebsite{Title: "Asha weds Rohan", Privacy: domain.PrivacyInviteOnly, WhatsAppNumber: "+919876500001",
		Gifts: domain.Gifts{UPIID: "asha@okaxis", Payee: "Asha"}})
	j.Must(admin, &domain.PublishWebsite{})
	j.Must(admin, &domain.IssueGuestLink{UnitID: sharma, ExpiresAt: j.Now + 1e15})
	j.Must(admin, &domain.RevokeGuestLinks{UnitID: sharma})
	kinds := map[string]bool{}
	for i := range j.Changes {
		kinds[j.Changes[i].Kind()] = true
	}
	if len(kinds) != payloadKinds() {
		j.T.Fatalf("everyKind produced kinds %v, want all %d", kinds, payloadKinds())
	}
	return j
}

// payloadKinds is the number of payload pointers in domain.Change.
func payloadKinds() int {
	n := 0
	rt := reflect.TypeFor[domain.Change]()
	for i := range rt.NumField() {
		if f := rt.Field(i); f.Type.Kind() == reflect.Pointer && f.Name != "Kept" { // Kept rides beside a payload
			n++
		}
	}
	return n
}

// synthetic returns changes seq from..to of a wedding, each an RSVP whose
// content depends on its sequence, so a record read back under the wrong
// key is noticed. Storage does not apply changes, so they need not fit a
// wedding's state.
func synthetic(from, to uint64) []domain.Change {
	out := make([]domain.Change, 0, to-from+1)
	for s := from; s <= to; s++ {
		out = append(out, domain.Change{
			Seq: s,
			At:  t0 + domain.Instant(s),
			By:  "t-admin",
			RSVPRecorded: &domain.RSVPRecorded{
				UnitID:     "u" + strconv.FormatUint(s%97, 36),
				EventID:    "e" + strconv.FormatUint(s%7, 36),
				Status:     domain.RSVPStatus(s % 4),
				Headcount:  int32(s % 5),
				Source:     domain.Source(s % 3),
				AnsweredAt: t0 + domain.Instant(s),
				Note:       fmt.Sprintf("note %d", s),
			},
		})
	}
	return out
}

// replayAll returns every change Replay yields from seq from.
func replayAll(t testing.TB, db *storage.DB, wedding string, from uint64) ([]domain.Change, error) {
	t.Helper()
	var got []domain.Change
	err := db.Replay(wedding, from, func(c *domain.Change) error {
		got = append(got, *c)
		return nil
	})
	return got, err
}

// norm: see deepnorm.Copy.
func norm[T any](v T) T { return deepnorm.Copy(v) }

// sameChanges reports the first difference between two change lists.
func sameChanges(got, want []domain.Change) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d changes, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(norm(got[i]), norm(want[i])) {
			return fmt.Sprintf("change %d (seq %d, %s):\n got %s\nwant %s", i, want[i].Seq, want[i].Kind(), dump(got[i]), dump(want[i]))
		}
	}
	return ""
}

// dump prints a change with its payload dereferenced.
func dump(c domain.Change) string {
	s := fmt.Sprintf("{Seq:%d At:%d By:%q", c.Seq, c.At, c.By)
	rv := reflect.ValueOf(c)
	for i := range rv.NumField() {
		if f := rv.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			s += fmt.Sprintf(" %s:%+v", rv.Type().Field(i).Name, f.Elem().Interface())
		}
	}
	return s + "}"
}

func ptr[T any](v T) *T { return &v }
