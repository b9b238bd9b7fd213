package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/httpapi"
)

// The demo's pages: its website, one household's own page and, in sandbox
// mode, the invitation that household got on (simulated) WhatsApp, so a
// family trying the engine sees in a minute what its guests will see.

// DemoPages is what seedDemoPages made: addresses relative to the engine.
type DemoPages struct {
	Site      string // /w/{slug}
	Household string // the household's name
	GuestPage string // /w/{slug}/g/{token}
	Dashboard string // /admin/{w}
	// Chat is the simulator's conversation with the household's primary
	// contact, "" outside sandbox mode.
	Chat string
}

// demoPagesTag picks the demo's household: the first "family" one (it is
// invited to the invite-only Ganesh Puja too).
const demoPagesTag = "family"

// demoLinkTTL is how long the printed household link stays good.
const demoLinkTTL = 30 * 24 * time.Hour

// seedDemoPages publishes the demo's website (once), makes a fresh link
// to one household's page (the links earlier starts printed are revoked
// with it) and, with sandbox true, sends that household the demo's
// invitation once: opted in, one unit, every event it is invited to.
func seedDemoPages(ctx context.Context, eng *actors.Engine, now time.Time, sandbox bool) (DemoPages, error) {
	info, err := query[domain.Info](ctx, eng, domain.GetWedding{})
	if err != nil {
		return DemoPages{}, err
	}
	p := DemoPages{Site: domain.WebsiteURL(info.Slug), Dashboard: "/admin/" + demoID}
	site, err := eng.Query(ctx, demoID, domain.Root, domain.GetWebsite{})
	if err != nil {
		return p, err
	}
	if ws, _ := site.(*domain.Website); ws == nil || ws.Version == 0 {
		cmd := &domain.SetWebsite{Title: "Asha weds Rohan", Couple: "Asha Joshi & Rohan Mehta",
			Story:   "We met at a friend's Diwali party in Pune, argued about chai for an hour, and never stopped talking.\nCome and celebrate with us in Mumbai!",
			Privacy: domain.PrivacyPublic, WhatsAppNumber: "+919820012345",
			Gifts: domain.Gifts{UPIID: "asharohan@okaxis", Payee: "Asha Joshi", Note: "Your blessings are gift enough"}}
		if _, err := eng.Do(ctx, demoID, domain.Root, cmd); err != nil {
			return p, fmt.Errorf("set the website: %w", err)
		}
		if _, err := eng.Do(ctx, demoID, domain.Root, &domain.PublishWebsite{}); err != nil {
			return p, fmt.Errorf("publish the website: %w", err)
		}
	}
	units, err := query[domain.UnitPage](ctx, eng, domain.ListUnits{Filter: domain.UnitFilter{Tag: demoPagesTag, Limit: 1}})
	if err != nil {
		return p, err
	}
	if len(units.Units) == 0 {
		return p, fmt.Errorf("no %q household in the demo", demoPagesTag)
	}
	u := units.Units[0]
	p.Household = u.Name
	r, err := eng.Do(ctx, demoID, domain.Root, &domain.IssueGuestLink{UnitID: u.ID, ExpiresAt: domain.At(now.Add(demoLinkTTL)), Rotate: true})
	if err != nil {
		return p, fmt.Errorf("issue the household's link: %w", err)
	}
	l := r.Value.(domain.GuestLink)
	tok, err := httpapi.SignGuestToken(eng, httpapi.GuestToken{WeddingID: demoID, UnitID: u.ID, LinkID: l.ID, Expires: l.ExpiresAt.Time()})
	if err != nil {
		return p, err
	}
	p.GuestPage = p.Site + "/g/" + tok
	if !sandbox {
		return p, nil
	}
	var primary domain.Person
	for _, m := range u.Members {
		if m.Primary {
			primary = m
		}
	}
	if primary.Phone == "" {
		return p, nil
	}
	p.Chat = "/sandbox/chat/" + url.PathEscape(primary.Phone)
	campaigns, err := query[[]domain.CampaignSummary](ctx, eng, domain.ListCampaigns{})
	if err != nil || len(campaigns) > 0 {
		return p, err // sent by an earlier start, or by the person trying it
	}
	if _, err := eng.Do(ctx, demoID, domain.Root, &domain.RecordConsent{PersonID: primary.ID, Status: domain.OptedIn, Source: "demo"}); err != nil {
		return p, fmt.Errorf("record the demo household's consent: %w", err)
	}
	var events []string
	for _, inv := range u.Invitations {
		events = append(events, inv.EventID)
	}
	_, err = eng.Do(ctx, demoID, domain.Root, &domain.CreateCampaign{Kind: domain.CampaignInvite, EventIDs: events,
		Audience: domain.Audience{UnitIDs: []string{u.ID}}, Template: domain.TemplateRef{Name: "wedding_invite", Language: "en"}})
	if err != nil {
		return p, fmt.Errorf("send the demo household's invitation: %w", err)
	}
	return p, nil
}
