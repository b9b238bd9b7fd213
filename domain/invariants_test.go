package domain_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
)

var seedFlag = flag.Uint64("domain.seed", 0, "seed for TestReplayEqualsLive (0: from the clock)")

// source supplies the choices of a random command sequence: fuzz bytes or
// a seeded PRNG.
type source interface {
	// intn returns a choice in [0, n), n <= 256.
	intn(n int) int
	// done reports whether the source has run out.
	done() bool
}

type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) intn(n int) int {
	if s.i >= len(s.b) {
		return 0
	}
	v := int(s.b[s.i])
	s.i++
	return v % n
}

func (s *byteSource) done() bool { return s.i >= len(s.b) }

type randSource struct{ r *rand.Rand }

func (s randSource) intn(n int) int { return s.r.IntN(n) }
func (s randSource) done() bool     { return false }

// Pools the generator draws from: small, so that duplicates (phones, token
// hashes, answer times) happen often.
const phonePool = 30

var (
	principals = []domain.Principal{domain.Root, owner, admin, admin, admin, admin, brideAdmin, groomAdmin, viewer, guest}
	names      = []string{"Asha", "Ravi", "Meera", "Sunil Kapoor", " Ira "}
	tags       = []string{"vip", "college", "family", "vip ", "office", "neighbours", "school", " "}
	notes      = []string{"", "veg", "arriving late"}
)

// runner executes random commands against a live wedding and keeps a
// second wedding that only ever sees the journal (Apply), then checks the
// invariants after every command.
type runner struct {
	t        testing.TB
	src      source
	w        *domain.Wedding
	replayed *domain.Wedding
	journal  []domain.Change
	now      domain.Instant
	prev     *domain.View
	people   map[string]bool // every person id ever handed out
	ok, rej  map[string]int  // per command: accepted, rejected
	// left holds every message that ever left the pending states (sent,
	// failed, in doubt): it must never be queued or sent again.
	left map[string]bool
	// delivered holds the best of delivered (2) and read (3) each message
	// reached: statuses only move forward.
	delivered map[string]int
}

func newRunner(t testing.TB, src source) *runner {
	r := &runner{t: t, src: src, w: domain.New(), replayed: domain.New(), now: t0,
		people: map[string]bool{}, ok: map[string]int{}, rej: map[string]int{}, left: map[string]bool{},
		delivered: map[string]int{}}
	r.step(&domain.CreateWedding{ID: "w1", Name: "Asha & Rohan", Slug: "asha-rohan", Date: "2026-02-14"}, domain.Root)
	if !r.w.Created() {
		t.Fatal("wedding not created")
	}
	return r
}

func (r *runner) pick(n int) int {
	if n <= 0 {
		return 0
	}
	if n > 256 {
		return (r.src.intn(256)*256 + r.src.intn(256)) % n
	}
	return r.src.intn(n)
}

func (r *runner) chance(k, n int) bool { return r.pick(n) < k }

func (r *runner) eventID() string {
	if len(r.w.Events) == 0 || r.chance(1, 10) {
		return "e999"
	}
	return r.w.Events[r.pick(len(r.w.Events))].ID
}

func (r *runner) unitIDs() []string {
	ids := make([]string, 0, len(r.w.Units))
	for id := range r.w.Units {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (r *runner) unitID() string {
	ids := r.unitIDs()
	if len(ids) == 0 || r.chance(1, 12) {
		return "u999"
	}
	return ids[r.pick(len(ids))]
}

func (r *runner) phone() string {
	n := r.pick(phonePool)
	switch r.pick(10) {
	case 0, 8, 9:
		return ""
	case 1:
		return fmt.Sprintf("98765 %05d", n) // local format, same number
	case 2:
		return fmt.Sprintf("+91-98765-%05d", n)
	case 3:
		return "12345" // invalid
	}
	return phone(n)
}

func (r *runner) member() domain.MemberInput {
	m := domain.MemberInput{Name: r.name(), Phone: r.phone(), Primary: r.chance(1, 6)}
	if r.chance(1, 8) {
		m.Email = []string{"a@example.com", "not an email"}[r.pick(2)]
	}
	return m
}

func (r *runner) unitInput() domain.UnitInput {
	in := domain.UnitInput{Name: r.name(), Side: r.side()}
	for range r.pick(3) {
		in.Tags = append(in.Tags, tags[r.pick(len(tags))])
	}
	for range r.pick(4) + 1 - boolInt(r.chance(1, 16)) {
		in.Members = append(in.Members, r.member())
	}
	return in
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (r *runner) eventIDs() []string {
	var ids []string
	for range r.pick(3) + boolInt(!r.chance(1, 16)) {
		ids = append(ids, r.eventID())
	}
	return ids
}

// invitation picks an existing invitation (most of the time) or any pair.
func (r *runner) invitation() (unitID, eventID string) {
	var pairs [][2]string
	for _, id := range r.unitIDs() {
		for _, inv := range r.w.Units[id].Invitations {
			pairs = append(pairs, [2]string{id, inv.EventID})
		}
	}
	if len(pairs) == 0 || r.chance(1, 6) {
		return r.unitID(), r.eventID()
	}
	p := pairs[r.pick(len(pairs))]
	return p[0], p[1]
}

func (r *runner) command() domain.Command {
	if r.chance(1, 3) {
		return r.outboxCommand()
	}
	if r.chance(1, 12) {
		return r.importCommand()
	}
	if r.chance(1, 14) {
		return r.websiteCommand()
	}
	switch op := r.pick(40); {
	case op <= 1 && len(r.w.Events) < 12:
		e := &domain.AddEvent{Name: r.name(), StartsAt: t0 + domain.Instant(r.pick(6))*day,
			Visibility: domain.Visibility(r.pick(5) / 2)}
		if r.chance(1, 3) {
			e.EndsAt = e.StartsAt + domain.Instant(r.pick(3)-1)*day
		}
		return e
	case op <= 3:
		c := &domain.UpdateEvent{ID: r.eventID()}
		if r.chance(1, 2) {
			c.Name = ptr(r.name())
		}
		if r.chance(1, 2) {
			c.StartsAt = ptr(t0 + domain.Instant(r.pick(6))*day)
		}
		if r.chance(1, 4) {
			c.EndsAt = ptr(t0 + domain.Instant(r.pick(6))*day)
		}
		if r.chance(1, 4) {
			c.Visibility = ptr(domain.Visibility(r.pick(3)))
		}
		return c
	case op == 4:
		return &domain.DeleteEvent{ID: r.eventID(), Force: r.chance(1, 2)}
	case op <= 9 && len(r.w.Units) < 150:
		return &domain.AddUnit{Unit: r.unitInput()}
	case op <= 11 && len(r.w.Units) < 150:
		c := &domain.AddUnits{}
		for range r.pick(4) + 1 {
			c.Units = append(c.Units, r.unitInput())
		}
		return c
	case op <= 11 || op == 16: // op 5-11 land here once there are many units
		return &domain.DeleteUnit{ID: r.unitID()}
	case op <= 15:
		return r.updateUnit()
	case op <= 23:
		return r.invite()
	case op <= 25:
		c := &domain.Uninvite{EventIDs: r.eventIDs()}
		for range r.pick(3) {
			c.UnitIDs = append(c.UnitIDs, r.unitID())
		}
		return c
	case op <= 36:
		return r.setRSVP()
	case op <= 38:
		return &domain.IssueToken{Role: []domain.Role{0, domain.RoleViewer, domain.RoleSideAdmin, domain.RoleAdmin, domain.RoleOwner}[r.pick(5)],
			Side: domain.Side(r.pick(3)), Label: r.name(), Hash: hash(fmt.Sprint(r.pick(6)))}
	case r.chance(1, 3):
		c := &domain.UpdateWedding{}
		if r.chance(1, 2) {
			c.Name = ptr(r.name())
		}
		if r.chance(2, 3) {
			c.Slug = ptr([]string{"asha-rohan", "a-r-2027", "Bad Slug", ""}[r.pick(4)])
		}
		return c
	default:
		id := "t999"
		if len(r.w.Tokens) > 0 && !r.chance(1, 5) {
			id = r.w.Tokens[r.pick(len(r.w.Tokens))].ID
		}
		return &domain.RevokeToken{ID: id}
	}
}

// importCommand imports a few rows (names and phones from the pools,
// so that they meet the wedding's: same phone, same name), or resolves a
// merge suggestion.
func (r *runner) importCommand() domain.Command {
	if len(r.w.Suggestions) > 0 && r.chance(1, 2) {
		s := r.w.Suggestions[r.pick(len(r.w.Suggestions))]
		return &domain.ResolveMergeSuggestion{ID: s.ID, Dismiss: r.chance(1, 3), Units: r.chance(1, 2)}
	}
	var rows []domain.ImportRow
	for i := range r.pick(5) + 1 {
		row := domain.ImportRow{Line: i + 2, Name: r.name(), Household: []string{"", "Sharma", "Verma", r.name()}[r.pick(4)],
			Side: []string{"", "bride", "groom", "both", "ladkiwale", "nobody"}[r.pick(6)]}
		if p := r.phone(); p != "" {
			row.Phones = []string{p}
		}
		if r.chance(1, 3) {
			row.Email = []string{"a@x.in", "b@x.in", "not an address"}[r.pick(3)]
		}
		rows = append(rows, row)
	}
	return &domain.ImportContacts{Source: "gen.csv", Format: "csv", Side: domain.Side(r.pick(3)), SideOmitted: r.chance(1, 2),
		Rows: domain.PrepareImport(rows, "IN")}
}

// websiteCommand sets or publishes the website, or issues or revokes a
// unit's guest links.
func (r *runner) websiteCommand() domain.Command {
	switch r.pick(6) {
	case 5:
		// A household answering on its page, mostly through a live link.
		c := &domain.AnswerAsGuest{LinkID: "gl" + strconv.Itoa(r.pick(40)), UnitID: r.unitID()}
		if n := len(r.w.GuestLinks); n > 0 && r.chance(3, 4) {
			l := r.w.GuestLinks[r.pick(n)]
			c.LinkID, c.UnitID = l.ID, l.UnitID
			if u := r.w.Units[l.UnitID]; u != nil {
				for _, inv := range u.Invitations {
					if r.chance(2, 3) {
						a := domain.GuestAnswer{EventID: inv.EventID, Status: domain.RSVPStatus(1 + r.pick(3))}
						if a.Status == domain.Yes && r.chance(1, 2) {
							hc := int32(r.pick(int(inv.Seats) + 1))
							a.Headcount = &hc
						}
						c.Answers = append(c.Answers, a)
					}
				}
			}
		}
		return c
	case 0:
		if r.chance(2, 3) {
			// A valid configuration, so that saves after a publish are
			// common: their privacy and password hold at once.
			c := &domain.SetWebsite{Title: r.name(), Privacy: domain.Privacy(r.pick(3)), Gifts: domain.Gifts{UPIID: "asha@okaxis", Payee: r.name()}}
			if c.Privacy == domain.PrivacyPassword {
				c.Password = &domain.PasswordHash{Salt: seedBytes(uint64(r.pick(4)), 16), Iter: 600_000, Hash: seedBytes(9, 32)}
			}
			return c
		}
		c := &domain.SetWebsite{Title: r.name(), Couple: r.name(), Privacy: domain.Privacy(r.pick(4)),
			CoverURL:       []string{"", "https://x.in/c.jpg", "ftp://x.in/c.jpg"}[r.pick(3)],
			WhatsAppNumber: []string{"", "+919876543210", "12"}[r.pick(3)],
			Gifts:          domain.Gifts{UPIID: []string{"", "asha@okaxis", "not a vpa"}[r.pick(3)], Payee: r.name()}}
		if r.chance(1, 2) {
			c.Password = &domain.PasswordHash{Salt: seedBytes(uint64(r.pick(4)), 16), Iter: 600_000, Hash: seedBytes(9, 32)}
		}
		if r.chance(1, 3) {
			c.Gifts.RegistryLinks = []domain.RegistryLink{{Title: r.name(), URL: "https://registry.example/x"}}
		}
		return c
	case 1:
		return &domain.PublishWebsite{}
	case 2, 3:
		return &domain.IssueGuestLink{UnitID: r.unitID(), ExpiresAt: r.now + domain.Instant(r.pick(4)-1)*day, Rotate: r.chance(1, 3)}
	default:
		return &domain.RevokeGuestLinks{UnitID: r.unitID()}
	}
}

// side is usually a valid side.
func (r *runner) side() domain.Side {
	if r.chance(1, 16) {
		return 3
	}
	return domain.Side(r.pick(3))
}

// name is usually a valid name, sometimes a blank one.
func (r *runner) name() string {
	if r.chance(1, 12) {
		return []string{"", "  "}[r.pick(2)]
	}
	return names[r.pick(len(names))]
}

func (r *runner) updateUnit() domain.Command {
	c := &domain.UpdateUnit{ID: r.unitID()}
	if r.chance(1, 3) {
		c.Name = ptr(r.name())
	}
	if r.chance(1, 3) {
		c.Side = ptr(r.side())
	}
	if r.chance(1, 4) {
		var ts []string
		for range r.pick(3) {
			ts = append(ts, tags[r.pick(len(tags))])
		}
		c.Tags = &ts
	}
	if r.chance(1, 2) {
		var ms []domain.MemberInput
		if u := r.w.Units[c.ID]; u != nil {
			for _, p := range u.Members {
				if r.chance(2, 3) {
					m := domain.MemberInput{ID: p.ID, Name: p.Name, Phone: p.Phone, Email: p.Email, Primary: p.Primary}
					if r.chance(1, 3) {
						m.Phone = r.phone()
					}
					ms = append(ms, m)
				}
			}
		}
		for range r.pick(3) {
			ms = append(ms, r.member())
		}
		if r.chance(1, 10) {
			// Someone else's member id.
			for p := range r.people {
				ms = append(ms, domain.MemberInput{ID: p, Name: "x"})
				break
			}
		}
		c.Members = &ms
	}
	return c
}

func (r *runner) invite() domain.Command {
	c := &domain.Invite{EventIDs: r.eventIDs(), Seats: int32(r.pick(5))}
	switch r.pick(16) {
	case 0:
		c.Seats = -1
	case 1:
		c.Seats = domain.MaxSeats + 1
	case 2:
		c.Seats = domain.MaxSeats
	}
	switch r.pick(12) {
	case 0:
		// no selector
	case 1:
		c.All, c.Tag = true, "vip" // two selectors
	case 2, 3:
		c.All = true
	case 4:
		c.Side = ptr(r.side())
	case 5:
		c.Tag = tags[r.pick(len(tags))]
	default:
		for range r.pick(3) + 1 {
			c.UnitIDs = append(c.UnitIDs, r.unitID())
		}
	}
	return c
}

func (r *runner) setRSVP() domain.Command {
	c := &domain.SetRSVP{Status: domain.RSVPStatus(r.pick(17) / 4), Source: domain.Source(r.pick(13) / 4),
		Note: notes[r.pick(len(notes))]}
	c.UnitID, c.EventID = r.invitation()
	var seats int32
	if u := r.w.Units[c.UnitID]; u != nil {
		if inv := u.Invitation(c.EventID); inv != nil {
			seats = inv.Seats
		}
	}
	switch {
	case r.chance(1, 10):
		c.Headcount = ptr(int32(r.pick(7)) - 1) // anything, often invalid
	case c.Status == domain.Yes && seats > 0 && r.chance(1, 2):
		c.Headcount = ptr(1 + int32(r.pick(int(seats))))
	case c.Status != domain.Yes && r.chance(1, 4):
		c.Headcount = ptr[int32](0)
	}
	if r.chance(3, 4) {
		// A few fixed answer times, so stale and repeated answers happen.
		c.AnsweredAt = t0 + domain.Instant(r.pick(5))*1e9
	}
	return c
}

func (r *runner) run() {
	for !r.src.done() {
		r.randomStep()
	}
}

// randomStep runs a random command by a random principal.
func (r *runner) randomStep() {
	by := principals[r.pick(len(principals))]
	cmd := r.command()
	switch cmd.(type) {
	case *domain.BeginSend, *domain.RecordSend, domain.RecoverSends, *domain.RecordStatus, *domain.RecordReply, *domain.RecordTypedReply,
		*domain.FlagReply, *domain.RecordPreference, *domain.AnswerAsGuest:
		// The engine's own commands: mostly by root, sometimes by a token
		// that must be refused.
		if r.chance(3, 4) {
			by = domain.Root
		}
	}
	r.step(cmd, by)
}

// checkCampaigns verifies the outbox: counts add up, one message per unit
// and campaign, a finished campaign has nothing pending, and no message
// that left the pending states (sent, failed, in doubt) is ever pending
// again: the engine never sends a message twice.
func (r *runner) checkCampaigns() error {
	for phone, l := range r.w.Consent {
		for _, e := range l {
			if phone == "" || e.Status != domain.OptedIn && e.Status != domain.OptedOut || e.Source == "" {
				return fmt.Errorf("consent entry %+v for %q", e, phone)
			}
		}
	}
	for _, c := range r.w.Campaigns {
		n := c.Counts()
		if n.Total != len(c.Messages) || n.Queued+n.Sent+n.Delivered+n.Read+n.Failed+n.InDoubt != n.Total {
			return fmt.Errorf("campaign %s counts %+v do not add up", c.ID, n)
		}
		units := map[string]bool{}
		for i, m := range c.Messages {
			id := c.MessageID(i)
			if units[m.UnitID] {
				return fmt.Errorf("campaign %s messages unit %s twice", c.ID, m.UnitID)
			}
			units[m.UnitID] = true
			pending := m.Status == domain.MessageQueued || m.Status == domain.MessageSending
			if pending && r.left[id] {
				return fmt.Errorf("message %s is %v again after it left the queue", id, m.Status)
			}
			if !pending {
				r.left[id] = true
			}
			if pending && c.State == domain.CampaignDone {
				return fmt.Errorf("campaign %s done with message %s pending", c.ID, id)
			}
			if !slices.ContainsFunc(m.History, func(h domain.StatusAt) bool { return h.Status == m.Status }) {
				return fmt.Errorf("message %s history %+v has not its status %v", id, m.History, m.Status)
			}
			rank := map[domain.MessageStatus]int{domain.MessageDelivered: 2, domain.MessageRead: 3}[m.Status]
			if rank < r.delivered[id] {
				return fmt.Errorf("message %s went back from rank %d to %v", id, r.delivered[id], m.Status)
			}
			r.delivered[id] = rank
			if m.WAMID != "" {
				if cid, idx, ok := r.w.MessageByWAMID(m.WAMID); !ok || cid != c.ID || idx != i {
					return fmt.Errorf("message %s's wamid %s is indexed as %s/%d (%v)", id, m.WAMID, cid, idx, ok)
				}
			}
			if m.Status == domain.MessageSent && m.WAMID == "" || m.Status == domain.MessageFailed && m.Error == nil {
				return fmt.Errorf("message %s: %+v", id, m)
			}
		}
	}
	return nil
}

// outboxCommand is a consent, campaign or send command.
func (r *runner) outboxCommand() domain.Command {
	campaign := func() (*domain.Campaign, string) {
		if len(r.w.Campaigns) == 0 || r.chance(1, 10) {
			return nil, "c999"
		}
		c := r.w.Campaigns[r.pick(len(r.w.Campaigns))]
		return c, c.ID
	}
	index := func(c *domain.Campaign) int {
		if c == nil || len(c.Messages) == 0 || r.chance(1, 10) {
			return r.pick(3) - 1
		}
		// Mostly a message that is queued or being sent, as the engine picks.
		for range 4 {
			i := r.pick(len(c.Messages))
			if s := c.Messages[i].Status; s == domain.MessageQueued || s == domain.MessageSending {
				return i
			}
		}
		return r.pick(len(c.Messages))
	}
	switch r.pick(19) {
	case 0, 1:
		var person string
		if ids := r.unitIDs(); len(ids) > 0 && !r.chance(1, 10) {
			u := r.w.Units[ids[r.pick(len(ids))]]
			person = u.Members[r.pick(len(u.Members))].ID
		}
		return &domain.RecordConsent{PersonID: person, Status: domain.ConsentStatus(r.pick(7) / 2),
			Source: []string{"RSVP card", "", "whatsapp"}[r.pick(3)]}
	case 2:
		if len(r.w.Campaigns) >= 60 {
			return domain.RecoverSends{}
		}
		c := &domain.CreateCampaign{Kind: domain.CampaignKind(r.pick(5) / 2), EventIDs: r.eventIDs(),
			Template: domain.TemplateRef{Name: "wedding_invite", Language: "en"}, RequestID: "req"}
		switch r.pick(8) {
		case 0:
			c.Audience.All, c.Audience.RSVPPending = true, true
		case 1, 2:
			c.Audience.RSVPPending = true
		case 3:
			c.Audience.UnitIDs = []string{r.unitID(), r.unitID()}
		default:
			c.Audience.All = true
		}
		if r.chance(1, 3) {
			c.PriorityTags = []string{tags[r.pick(len(tags))]}
		}
		if r.chance(1, 12) {
			c.Template.Name = ""
		}
		return c
	case 3, 4:
		c, id := campaign()
		return &domain.BeginSend{CampaignID: id, Index: index(c)}
	case 5, 6:
		c, id := campaign()
		o := domain.SendOutcome{}
		switch r.pick(6) {
		case 0, 1:
			o.WAMID = fmt.Sprint("wamid.", r.w.Seq) // unique, as Meta's are
		case 2:
			o.InDoubt = true
		case 3:
			o.Retry, o.NotBefore, o.Code = true, r.now+5e9, "130429"
		case 4:
			o.Code, o.Title = "131026", "Unable to deliver"
		default:
			o.Code, o.Pause, o.Reason = "368", true, "account restricted"
		}
		return &domain.RecordSend{CampaignID: id, Index: index(c), Outcome: o}
	case 7:
		if len(r.w.Attention) == 0 || r.chance(1, 2) {
			return domain.RecoverSends{}
		}
		it := r.w.Attention[r.pick(len(r.w.Attention))]
		if r.chance(1, 2) {
			return &domain.ResolveAttention{ID: it.ID, Dismiss: true}
		}
		return &domain.ResolveAttention{ID: it.ID, RSVPs: []domain.AttentionRSVP{{EventID: r.eventID(), Status: domain.RSVPStatus(r.pick(4))}}}
	case 18:
		// A deleted message, or Meta's user_preferences stop/resume.
		p := phone(r.pick(phonePool))
		if c, _ := campaign(); c != nil && len(c.Messages) > 0 {
			p = c.Messages[r.pick(len(c.Messages))].Phone
		}
		if r.chance(1, 2) {
			return &domain.FlagReply{Phone: p, Text: "(deleted a message)", Reason: "the guest deleted a message",
				InboundID: fmt.Sprint("wamid.rv", r.pick(4)), At: r.now}
		}
		return &domain.RecordPreference{Phone: p, Value: []string{"stop", "resume", "later"}[r.pick(3)],
			Category: "marketing_messages", At: r.now - domain.Instant(r.pick(3))*1e9}
	case 15:
		// A typed reply from a guest's phone (or a stranger's).
		texts := []string{"yes", "haan 3 log", "nahi aa payenge", "shayad", "STOP", "kitne baje?", "👍", "2"}
		p := phone(r.pick(phonePool))
		if c, _ := campaign(); c != nil && len(c.Messages) > 0 {
			p = c.Messages[r.pick(len(c.Messages))].Phone
		}
		return &domain.RecordTypedReply{Phone: p, Text: texts[r.pick(len(texts))], At: r.now - domain.Instant(r.pick(4))*1e9,
			InboundID: fmt.Sprint("wamid.in", r.pick(6))}
	case 13, 14:
		// A guest's reply to a message, at their own (maybe older) time.
		c, id := campaign()
		msgID := id + ".0"
		if c != nil && len(c.Messages) > 0 {
			msgID = c.MessageID(r.pick(len(c.Messages)))
		}
		return &domain.RecordReply{MessageID: msgID, Answer: domain.RSVPStatus(r.pick(4)), Count: int32(r.pick(6)),
			At: r.now - domain.Instant(r.pick(4))*1e9}
	case 10, 11, 12:
		// A status webhook: by message id (the callback data) or wamid,
		// any status in any order, sometimes repeated or forged.
		c, id := campaign()
		st := &domain.RecordStatus{Status: []string{"sent", "delivered", "read", "failed", "played", "deleted"}[r.pick(6)],
			At: r.now - domain.Instant(r.pick(3))*1e9}
		if c != nil && len(c.Messages) > 0 {
			i := index(c)
			if i >= 0 && i < len(c.Messages) {
				st.MessageID, st.WAMID = c.MessageID(i), c.Messages[i].WAMID
				if st.WAMID == "" || r.chance(1, 4) {
					st.WAMID = fmt.Sprint("wamid.x", r.pick(3))
				}
				if r.chance(1, 3) {
					st.MessageID = "" // by wamid alone
				}
			}
		} else {
			st.MessageID = id + ".0"
		}
		if st.Status == "failed" {
			st.Error = &domain.MessageError{Code: "131026", Title: "Message undeliverable"}
		}
		return st
	default:
		_, id := campaign()
		return &domain.SetCampaignState{ID: id, Action: domain.CampaignAction(r.pick(4))}
	}
}

func (r *runner) step(cmd domain.Command, by domain.Principal) {
	t := r.t
	t.Helper()
	r.now += domain.Instant(r.pick(3)) * 1e9
	before := cloneState(r.w)
	changes, out, err := r.w.Execute(cmd, domain.Meta{By: by, Now: r.now})
	name := fmt.Sprintf("%T", cmd)
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind < domain.KindInvalid || de.Kind > domain.KindConflict || de.Code == "" {
			t.Fatalf("%s %+v by %s: untyped rejection %v", name, cmd, by.Role, err)
		}
		r.rej[name+":"+de.Code]++
		if changes != nil || out != nil {
			t.Fatalf("%s: rejected with changes %v out %v", name, changes, out)
		}
	} else {
		r.ok[name]++
	}
	if len(changes) == 0 {
		if d := stateDiff(before, r.w); d != "" {
			t.Fatalf("%s %+v by %s (err %v): state changed without a change: %s", name, cmd, by.Role, err, d)
		}
	}
	if len(changes) > 0 && r.chance(1, 4) {
		// As the engine does for a command with an idempotency key: its
		// answer rides on its last change, and replay must keep the same.
		key := fmt.Sprint("key-", r.pick(8))
		r.w.Keep(&changes[len(changes)-1], domain.KeptAnswer{Key: key, BodyHash: hash(key), Status: 201, Body: []byte(name)})
	}
	for i := range changes {
		c := changes[i]
		if c.Seq != before.Seq+uint64(i)+1 || c.At != r.now || c.By != by.TokenID || c.Kind() == "unknown" {
			t.Fatalf("%s: change %d stamped %d/%d/%q (%s)", name, i, c.Seq, c.At, c.By, c.Kind())
		}
		if err := r.replayed.Apply(&changes[i]); err != nil {
			t.Fatalf("%s %+v: replaying %s: %v", name, cmd, c.Kind(), err)
		}
	}
	r.journal = append(r.journal, changes...)
	if cerr := r.check(); cerr != nil {
		t.Fatalf("after %s %+v by %s (err %v): %v", name, cmd, by.Role, err, cerr)
	}
}

// check verifies every invariant of the live wedding against the replayed
// one, a reindexed copy and the naive oracle.
func (r *runner) check() error {
	w := r.w
	if d := stateDiff(w, r.replayed); d != "" {
		return fmt.Errorf("replay differs from live: %s", d)
	}
	if d := siteDiff(w, r.replayed); d != "" {
		return fmt.Errorf("replay differs from live: %s", d)
	}
	for _, l := range w.GuestLinks {
		if w.Units[l.UnitID] == nil || l.ExpiresAt <= l.IssuedAt {
			return fmt.Errorf("guest link %+v of a deleted unit or expiring before it was issued", l)
		}
	}
	revoked := map[string]int{}
	for _, l := range w.RevokedGuestLinks {
		if w.Units[l.UnitID] == nil {
			return fmt.Errorf("revoked guest link %+v of a deleted unit", l)
		}
		if slices.ContainsFunc(w.GuestLinks, func(o domain.GuestLink) bool { return o.ID == l.ID }) {
			return fmt.Errorf("guest link %s both live and revoked", l.ID)
		}
		if revoked[l.UnitID]++; revoked[l.UnitID] > domain.MaxGuestLinksPerUnit {
			return fmt.Errorf("unit %s keeps %d revoked links", l.UnitID, revoked[l.UnitID])
		}
	}
	if w.Seq != uint64(len(r.journal)) || len(r.journal) > 0 && w.LastAt != r.journal[len(r.journal)-1].At {
		return fmt.Errorf("seq %d last_at %d after %d changes", w.Seq, w.LastAt, len(r.journal))
	}
	v := w.View(r.prev)
	r.prev = v
	if err := pagesCheck(w, v); err != nil {
		return err
	}
	if d := headcountDiff(v, cloneState(w).View(nil)); d != "" {
		return fmt.Errorf("projection differs from a reindexed copy: %s", d)
	}
	if d := headcountDiff(v, r.replayed.View(nil)); d != "" {
		return fmt.Errorf("projection differs from the replayed wedding: %s", d)
	}
	all, bride, groom := naiveHeadcounts(w)
	for _, sc := range []struct {
		name string
		got  domain.Headcount
		want table
	}{{"all", v.All(), all}, {"bride", v.Bride(), bride}, {"groom", v.Groom(), groom}} {
		if !headcountEqual(sc.got, sc.want) {
			return fmt.Errorf("%s headcount %+v, oracle %+v", sc.name, tableOf(sc.got), sc.want)
		}
		for _, c := range append([]domain.Counts{sc.got.Totals()}, countsOf(sc.got.Events())...) {
			if c.InvitedUnits < 0 || c.InvitedSeats < 0 || c.YesUnits < 0 || c.YesHeadcount < 0 ||
				c.MaybeUnits < 0 || c.NoUnits < 0 || c.PendingUnits < 0 || c.YesHeadcount > c.InvitedSeats {
				return fmt.Errorf("%s: impossible counts %+v", sc.name, c)
			}
		}
		for _, e := range sc.got.Events() {
			if c := e.Counts; c.InvitedUnits != c.YesUnits+c.NoUnits+c.MaybeUnits+c.PendingUnits {
				return fmt.Errorf("%s: event %s counts do not add up: %+v", sc.name, e.EventID, c)
			}
		}
	}

	// Events: unique, in time order.
	for i := 1; i < len(w.Events); i++ {
		a, b := w.Events[i-1], w.Events[i]
		if a.StartsAt > b.StartsAt || a.StartsAt == b.StartsAt && a.ID >= b.ID {
			return fmt.Errorf("events out of order: %+v", w.Events)
		}
	}
	if err := r.checkCampaigns(); err != nil {
		return err
	}
	// Units, members, phones, invitations.
	phones := map[string]string{}
	members := map[string]string{}
	for id, u := range w.Units {
		if u.ID != id || u.Side > domain.SideGroom || u.Name == "" || len(u.Members) == 0 || len(u.Members) > domain.MaxMembers {
			return fmt.Errorf("bad unit %+v", *u)
		}
		primaries := 0
		for _, m := range u.Members {
			if m.Primary {
				primaries++
			}
			if other, dup := members[m.ID]; dup {
				return fmt.Errorf("person %s in units %s and %s", m.ID, other, id)
			}
			members[m.ID] = id
			r.people[m.ID] = true
			if got, ok := w.UnitOfPerson(m.ID); !ok || got != id {
				return fmt.Errorf("UnitOfPerson(%s) = %q, %v; want %s", m.ID, got, ok, id)
			}
			if m.Phone == "" {
				continue
			}
			if other, dup := phones[m.Phone]; dup {
				return fmt.Errorf("phone %s held by %s and %s", m.Phone, other, m.ID)
			}
			phones[m.Phone] = m.ID
			if got, ok := w.PersonByPhone(m.Phone); !ok || got != m.ID {
				return fmt.Errorf("PersonByPhone(%s) = %q, %v; want %s", m.Phone, got, ok, m.ID)
			}
		}
		if primaries != 1 {
			return fmt.Errorf("unit %s has %d primaries", id, primaries)
		}
		seen := map[string]bool{}
		for _, inv := range u.Invitations {
			if w.Event(inv.EventID) == nil || seen[inv.EventID] {
				return fmt.Errorf("unit %s: bad or repeated invitation to %s", id, inv.EventID)
			}
			seen[inv.EventID] = true
			rs := inv.RSVP
			switch {
			case inv.Seats < 1 || inv.Seats > domain.MaxSeats:
				return fmt.Errorf("unit %s: %d seats at %s", id, inv.Seats, inv.EventID)
			case rs.Status > domain.Maybe:
				return fmt.Errorf("unit %s: status %d", id, rs.Status)
			case rs.Status == domain.Yes && (rs.Headcount < 1 || rs.Headcount > inv.Seats):
				return fmt.Errorf("unit %s: yes with headcount %d of %d seats", id, rs.Headcount, inv.Seats)
			case rs.Status != domain.Yes && rs.Headcount != 0:
				return fmt.Errorf("unit %s: %s with headcount %d", id, rs.Status, rs.Headcount)
			case rs.Seq > w.Seq:
				return fmt.Errorf("unit %s: answer seq %d after %d", id, rs.Seq, w.Seq)
			}
		}
	}
	for n := range phonePool {
		if _, held := phones[phone(n)]; !held {
			if p, ok := w.PersonByPhone(phone(n)); ok {
				return fmt.Errorf("free phone %s still maps to %s", phone(n), p)
			}
		}
	}
	for p := range r.people {
		if _, in := members[p]; !in {
			if u, ok := w.UnitOfPerson(p); ok {
				return fmt.Errorf("removed person %s still in unit %s", p, u)
			}
		}
	}
	// Tokens: unique hashes; the view authenticates exactly the live ones.
	hashes := map[[32]byte]bool{}
	for _, tok := range w.Tokens {
		if hashes[tok.Hash] {
			return fmt.Errorf("token hash issued twice: %+v", w.Tokens)
		}
		hashes[tok.Hash] = true
		p, ok := v.Authenticate(tok.Hash)
		want := domain.Principal{TokenID: tok.ID, Role: tok.Role, Side: tok.Side}
		if ok == tok.Revoked || ok && p != want {
			return fmt.Errorf("Authenticate(%s) = %+v, %v for %+v", tok.ID, p, ok, tok)
		}
	}
	return nil
}

func countsOf(evs []domain.EventHeadcount) []domain.Counts {
	cs := make([]domain.Counts, len(evs))
	for i, e := range evs {
		cs[i] = e.Counts
	}
	return cs
}

// finish replays the whole journal from scratch onto a new wedding.
func (r *runner) finish() {
	r.t.Helper()
	w := replay(r.t, r.journal)
	if d := stateDiff(r.w, w); d != "" {
		r.t.Fatalf("full replay differs: %s", d)
	}
	if d := siteDiff(r.w, w); d != "" {
		r.t.Fatalf("full replay differs: %s", d)
	}
	if d := headcountDiff(r.w.View(nil), w.View(nil)); d != "" {
		r.t.Fatalf("full replay headcount differs: %s", d)
	}
}

// siteDiff compares the website and the guest links of two weddings.
// pagesCheck: the guests' pages' part of a view, shared from view to view
// while nothing of it changed, is the wedding's as it stands: the
// published site (with the website's privacy and password, which hold at
// once), the events, every live link and no revoked one.
func pagesCheck(w *domain.Wedding, v *domain.View) error {
	pg := v.Pages()
	if !reflect.DeepEqual(pg.Site(), w.Published) {
		return fmt.Errorf("the view's site %+v, the published one %+v", pg.Site(), w.Published)
	}
	if p := w.Published; p != nil && (p.Privacy != w.Website.Privacy || !reflect.DeepEqual(p.Password, w.Website.Password)) {
		return fmt.Errorf("published privacy %d/%v, the website's %d/%v", p.Privacy, p.Password, w.Website.Privacy, w.Website.Password)
	}
	if !equalSlices(pg.Events(), w.Events) {
		return fmt.Errorf("the view's events %+v, the wedding's %+v", pg.Events(), w.Events)
	}
	for _, l := range w.GuestLinks {
		if _, ok := pg.Link(l.ID, l.UnitID, l.IssuedAt); !ok {
			return fmt.Errorf("live link %+v not in the view", l)
		}
	}
	for _, l := range w.RevokedGuestLinks {
		if _, ok := pg.Link(l.ID, l.UnitID, l.IssuedAt); ok {
			return fmt.Errorf("revoked link %+v stands in the view", l)
		}
	}
	return nil
}

func siteDiff(a, b *domain.Wedding) string {
	switch {
	case !reflect.DeepEqual(a.Website, b.Website):
		return fmt.Sprintf("website %+v != %+v", a.Website, b.Website)
	case !reflect.DeepEqual(a.Published, b.Published):
		return fmt.Sprintf("published website %+v != %+v", a.Published, b.Published)
	case !equalSlices(a.GuestLinks, b.GuestLinks):
		return fmt.Sprintf("guest links %+v != %+v", a.GuestLinks, b.GuestLinks)
	case !equalSlices(a.RevokedGuestLinks, b.RevokedGuestLinks):
		return fmt.Sprintf("revoked guest links %+v != %+v", a.RevokedGuestLinks, b.RevokedGuestLinks)
	}
	return ""
}

func seedBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// FuzzCommandSequences runs the fuzz input as a sequence of commands and
// checks after each one that the live state, its projection, a reindexed
// copy and a replay of the journal agree, and that no invariant breaks.
//
//	go test -run='^$' -fuzz=FuzzCommandSequences -fuzztime=60s ./domain
func FuzzCommandSequences(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seedBytes(seed, 200+int(seed)*100))
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 3, 3, 3, 3, 9, 9, 12, 12, 12, 13, 13, 2, 2, 8, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		// Long inputs add little but slow every execution (and the
		// minimizer) down.
		if len(data) > 1024 {
			data = data[:1024]
		}
		r := newRunner(t, &byteSource{b: data})
		r.run()
		r.finish()
	})
}

// TestReplayEqualsLive runs a few thousand random commands (seed logged;
// rerun one with -domain.seed=N) with the same checks as the fuzz test.
func TestReplayEqualsLive(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -domain.seed=%d)", seed, seed)
	n := 3000
	if testing.Short() {
		n = 500
	}
	r := newRunner(t, randSource{rand.New(rand.NewPCG(seed, seed))})
	outbox := []string{"*domain.RecordConsent", "*domain.CreateCampaign", "*domain.BeginSend", "*domain.RecordSend",
		"*domain.SetCampaignState", "*domain.RecordStatus", "*domain.RecordReply", "*domain.RecordTypedReply",
		"*domain.FlagReply", "*domain.RecordPreference", "*domain.ImportContacts", "*domain.ResolveMergeSuggestion",
		"*domain.SetWebsite", "*domain.PublishWebsite", "*domain.IssueGuestLink", "*domain.RevokeGuestLinks",
		"*domain.AnswerAsGuest"}
	missing := func() []string {
		var out []string
		for _, cmd := range outbox {
			if r.ok[cmd] == 0 {
				out = append(out, cmd)
			}
		}
		return out
	}
	steps := 0
	// n commands, and on (up to 4n) until every outbox command has been
	// accepted at least once: the generator must reach the outbox, or the
	// checks say nothing of it.
	for steps < n || !testing.Short() && len(missing()) > 0 && steps < 4*n {
		r.randomStep()
		steps++
	}
	r.finish()
	if m := missing(); !testing.Short() && len(m) > 0 {
		t.Errorf("not accepted in %d commands: %v", steps, m)
	}
	t.Logf("%d changes, %d units, %d events; accepted %v; rejected %v",
		len(r.journal), len(r.w.Units), len(r.w.Events), r.ok, r.rej)
}

// TestWedding_ApplyRejectsBadChanges feeds Apply changes a corrupt journal
// could hold: each is an error, never a panic, and leaves Seq alone.
func TestWedding_ApplyRejectsBadChanges(t *testing.T) {
	s := newScene(t)
	s.invite(s.bride.ID, 2, s.haldi)
	next := s.w.Seq + 1
	tests := []struct {
		name string
		c    domain.Change
	}{
		{"seq gap", domain.Change{Seq: next + 1, EventDeleted: &domain.EventDeleted{ID: s.haldi}}},
		{"seq repeated", domain.Change{Seq: next - 1, EventDeleted: &domain.EventDeleted{ID: s.haldi}}},
		{"empty change", domain.Change{Seq: next}},
		{"created twice", domain.Change{Seq: next, WeddingCreated: &domain.WeddingCreated{Info: domain.Info{ID: "w2"}}}},
		{"unit without id", domain.Change{Seq: next, UnitsSaved: &domain.UnitsSaved{Units: []domain.Unit{{Name: "x"}}}}},
		{"unit with unknown side", domain.Change{Seq: next, UnitsSaved: &domain.UnitsSaved{Units: []domain.Unit{{ID: "u1", Side: 3}}}}},
		{"delete unknown unit", domain.Change{Seq: next, UnitDeleted: &domain.UnitDeleted{ID: "u999"}}},
		{"grant to unknown unit", domain.Change{Seq: next, Invited: &domain.Invited{Grants: []domain.Grant{{UnitID: "u999", EventID: s.haldi, Seats: 1}}}}},
		{"grant to unknown event", domain.Change{Seq: next, Invited: &domain.Invited{Grants: []domain.Grant{{UnitID: s.bride.ID, EventID: "e999", Seats: 1}}}}},
		{"grant of no seats", domain.Change{Seq: next, Invited: &domain.Invited{Grants: []domain.Grant{{UnitID: s.bride.ID, EventID: s.haldi}}}}},
		{"rsvp for unknown unit", domain.Change{Seq: next, RSVPRecorded: &domain.RSVPRecorded{UnitID: "u999", EventID: s.haldi, Status: domain.Yes, Headcount: 1}}},
		{"rsvp not invited", domain.Change{Seq: next, RSVPRecorded: &domain.RSVPRecorded{UnitID: s.bride.ID, EventID: s.sangeet, Status: domain.No}}},
		{"rsvp over seats", domain.Change{Seq: next, RSVPRecorded: &domain.RSVPRecorded{UnitID: s.bride.ID, EventID: s.haldi, Status: domain.Yes, Headcount: 3}}},
		{"rsvp negative headcount", domain.Change{Seq: next, RSVPRecorded: &domain.RSVPRecorded{UnitID: s.bride.ID, EventID: s.haldi, Status: domain.Yes, Headcount: -1}}},
		{"rsvp unknown status", domain.Change{Seq: next, RSVPRecorded: &domain.RSVPRecorded{UnitID: s.bride.ID, EventID: s.haldi, Status: 9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := cloneState(s.w)
			before := cloneState(s.w)
			if err := w.Apply(&tt.c); err == nil {
				t.Fatal("Apply accepted a change that does not fit")
			}
			if d := stateDiff(before, w); d != "" {
				t.Fatalf("rejected change altered the state: %s", d)
			}
		})
	}
	t.Run("before creation", func(t *testing.T) {
		w := domain.New()
		if err := w.Apply(&domain.Change{Seq: 1, EventSaved: &domain.Event{ID: "e1", Name: "x", StartsAt: t0}}); err == nil || w.Seq != 0 {
			t.Fatalf("err = %v, seq %d", err, w.Seq)
		}
	})
}
