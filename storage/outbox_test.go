package storage_test

import (
	"testing"
	"time"

	"github.com/parinayaos/engine/domain"
)

// The outbox indexes follow the journal: a campaign that may still send is
// listed until a change ends it, and each message that began sending is a
// tier use, in the same commit as the change.
func TestOutboxIndexes(t *testing.T) {
	db := openDB(t)
	j := newJournal(t, "w1")
	ev := j.Must(admin, &domain.AddEvent{Name: "Haldi", StartsAt: t0 + 10}).(domain.Event).ID
	res := j.Must(admin, &domain.AddUnits{Units: []domain.UnitInput{
		{Name: "A", Members: []domain.MemberInput{{Name: "A", Phone: "+919876500001"}}},
		{Name: "B", Members: []domain.MemberInput{{Name: "B", Phone: "+919876500002"}}},
	}}).([]domain.BatchItem)
	j.Must(admin, &domain.Invite{EventIDs: []string{ev}, All: true})
	for _, it := range res {
		j.Must(admin, &domain.RecordConsent{PersonID: j.W.Units[it.ID].Members[0].ID, Status: domain.OptedIn, Source: "card"})
	}
	create := func() string {
		return j.Must(admin, &domain.CreateCampaign{EventIDs: []string{ev}, Audience: domain.Audience{All: true},
			Template: domain.TemplateRef{Name: "wedding_invite", Language: "en"}}).(*domain.Campaign).ID
	}
	c1, c2 := create(), create()
	j.Must(domain.Root, &domain.BeginSend{CampaignID: c1, Index: 0})
	sentAt := j.Changes[len(j.Changes)-1].At
	j.Must(admin, &domain.SetCampaignState{ID: c2, Action: domain.PauseCampaign})
	appendIn(t, db, "w1", j.Changes, 3)

	active, err := db.ActiveCampaigns()
	if err != nil || len(active["w1"]) != 2 || active["w1"][0] != c1 || active["w1"][1] != c2 {
		t.Fatalf("active campaigns %v, %v; want %s and %s (running, paused)", active, err, c1, c2)
	}
	if w, err := db.WeddingByRecipient("+919876500001"); err != nil || w != "w1" {
		t.Fatalf("the recipient index: %q, %v", w, err)
	}
	if _, err := db.WeddingByWAMID("wamid.Z"); err == nil {
		t.Fatalf("a wamid no message has is indexed")
	}
	uses, err := db.TierUses(sentAt.Time().Add(-time.Hour))
	if err != nil || len(uses) != 1 || !uses["+919876500001"].Equal(sentAt.Time()) {
		t.Fatalf("tier uses %v, %v; want +919876500001 at %v", uses, err, sentAt.Time())
	}

	n := len(j.Changes)
	j.Must(domain.Root, &domain.RecordSend{CampaignID: c1, Index: 0, Outcome: domain.SendOutcome{WAMID: "wamid.Z"}})
	j.Must(admin, &domain.SetCampaignState{ID: c2, Action: domain.CancelCampaign})
	appendIn(t, db, "w1", j.Changes[n:], 1)
	if active, err = db.ActiveCampaigns(); err != nil || len(active["w1"]) != 1 || active["w1"][0] != c1 {
		t.Fatalf("after cancelling %s: %v, %v", c2, active, err)
	}
	if w, err := db.WeddingByWAMID("wamid.Z"); err != nil || w != "w1" {
		t.Fatalf("the wamid index: %q, %v", w, err)
	}
	// Uses older than the window are forgotten for good.
	if uses, err = db.TierUses(sentAt.Time().Add(time.Nanosecond)); err != nil || len(uses) != 0 {
		t.Fatalf("tier uses since after the send: %v, %v", uses, err)
	}
	if uses, err = db.TierUses(sentAt.Time().Add(-time.Hour)); err != nil || len(uses) != 0 {
		t.Fatalf("a pruned use came back: %v, %v", uses, err)
	}
}
