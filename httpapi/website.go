package httpapi

import (
	"crypto/rand"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/domain"
)

// The website's configuration and the units' guest links (issue 14). The
// pages themselves (/w/{slug}, /w/{slug}/g/{token}) are built on
// Server.GuestLink and the wedding's view.

// DefaultGuestLinkTTL is how long a guest link lasts when its request
// names no expires_at.
const DefaultGuestLinkTTL = 180 * 24 * time.Hour

type registryLinkJSON struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

type giftsJSON struct {
	UPIID         string             `json:"upi_id"`
	Payee         string             `json:"payee"`
	Note          string             `json:"note"`
	RegistryLinks []registryLinkJSON `json:"registry_links"`
}

type websiteIn struct {
	Title          string     `json:"title"`
	Couple         string     `json:"couple"`
	Story          string     `json:"story"`
	CoverURL       string     `json:"cover_url"`
	Privacy        string     `json:"privacy"`
	Password       *string    `json:"password"`
	WhatsAppNumber string     `json:"whatsapp_number"`
	Gifts          *giftsJSON `json:"gifts"`
}

// websiteJSON is the website as admins see it: never the password, only
// whether one is set.
type websiteJSON struct {
	Title          string    `json:"title"`
	Couple         string    `json:"couple"`
	Story          string    `json:"story"`
	CoverURL       string    `json:"cover_url"`
	Privacy        string    `json:"privacy"`
	PasswordSet    bool      `json:"password_set"`
	WhatsAppNumber string    `json:"whatsapp_number"`
	Gifts          giftsJSON `json:"gifts"`
	Version        uint32    `json:"version"`
	URL            string    `json:"url"`
	PublishedAt    *jsonTime `json:"published_at,omitempty"`
	UpdatedAt      jsonTime  `json:"updated_at"`
}

func toWebsite(w *domain.Website, slug string) websiteJSON {
	out := websiteJSON{Title: w.Title, Couple: w.Couple, Story: w.Story, CoverURL: w.CoverURL, Privacy: w.Privacy.String(),
		PasswordSet: w.Password != nil, WhatsAppNumber: w.WhatsAppNumber, Version: w.Version, URL: domain.WebsiteURL(slug),
		UpdatedAt: jsonTime(w.UpdatedAt),
		Gifts:     giftsJSON{UPIID: w.Gifts.UPIID, Payee: w.Gifts.Payee, Note: w.Gifts.Note, RegistryLinks: []registryLinkJSON{}}}
	for _, l := range w.Gifts.RegistryLinks {
		out.Gifts.RegistryLinks = append(out.Gifts.RegistryLinks, registryLinkJSON(l))
	}
	if w.PublishedAt != 0 {
		at := jsonTime(w.PublishedAt)
		out.PublishedAt = &at
	}
	return out
}

// slugOf is the wedding's slug, from its published view.
func (s *Server) slugOf(r *request) (string, error) {
	v, err := s.view(r, r.wedding)
	if err != nil {
		return "", err
	}
	return v.Info().Slug, nil
}

// putWebsite sets the website's configuration, all of it. A password is
// hashed here (PBKDF2, a new random salt), never stored or answered as
// given.
func (s *Server) putWebsite(r *request) error {
	var in websiteIn
	if err := decode(r.rc.PostBody(), &in); err != nil {
		return err
	}
	cmd := &domain.SetWebsite{Title: in.Title, Couple: in.Couple, Story: in.Story, CoverURL: in.CoverURL,
		WhatsAppNumber: in.WhatsAppNumber}
	if in.Privacy != "" {
		p, ok := domain.ParsePrivacy(in.Privacy)
		if !ok {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "privacy", "privacy must be public, invite_only or password, not %q", in.Privacy)
		}
		cmd.Privacy = p
	}
	if in.Password != nil && *in.Password != "" {
		if cmd.Privacy != domain.PrivacyPassword {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "password", "a password is only for privacy password")
		}
		// Only a caller who may set the website costs the server a hash.
		if r.by.Role < domain.RoleAdmin {
			return errorf(fasthttp.StatusForbidden, "forbidden", "", "a %s token may not change the wedding's website", r.by.Role)
		}
		salt := make([]byte, domain.PasswordSaltLen)
		if _, err := rand.Read(salt); err != nil {
			return err
		}
		h, err := domain.HashPassword(*in.Password, salt)
		if err != nil {
			return err
		}
		cmd.Password = &h
	}
	if in.Gifts != nil {
		cmd.Gifts = domain.Gifts{UPIID: in.Gifts.UPIID, Payee: in.Gifts.Payee, Note: in.Gifts.Note}
		for _, l := range in.Gifts.RegistryLinks {
			cmd.Gifts.RegistryLinks = append(cmd.Gifts.RegistryLinks, domain.RegistryLink(l))
		}
	}
	res, err := s.do(r, cmd)
	if err != nil {
		return err
	}
	slug, err := s.slugOf(r)
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toWebsite(res.Value.(*domain.Website), slug))
	return nil
}

// getWebsite answers the website's configuration (owners, admins); 404
// until one is set.
func (s *Server) getWebsite(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.GetWebsite{})
	if err != nil {
		return err
	}
	site, _ := v.(*domain.Website)
	if site == nil {
		return errorf(fasthttp.StatusNotFound, "not_found", "", "the website has no configuration yet")
	}
	slug, err := s.slugOf(r)
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusOK, toWebsite(site, slug))
	return nil
}

type publicationJSON struct {
	Version uint32 `json:"version"`
	URL     string `json:"url"`
}

func (s *Server) publishWebsite(r *request) error {
	res, err := s.do(r, &domain.PublishWebsite{})
	if err != nil {
		return err
	}
	p := res.Value.(domain.Publication)
	writeJSON(r.rc, fasthttp.StatusOK, publicationJSON(p))
	return nil
}

type guestLinkIn struct {
	ExpiresAt     string `json:"expires_at"`
	ExpiresInDays *int   `json:"expires_in_days"`
	// Rotate revokes the unit's earlier links in the same command.
	Rotate bool `json:"rotate"`
}

type guestLinkJSON struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	ExpiresAt jsonTime `json:"expires_at"`
}

// maxGuestLinkDays bounds expires_in_days: domain.MaxGuestLinkTTL in
// whole days.
const maxGuestLinkDays = int(domain.MaxGuestLinkTTL / domain.Instant(24*time.Hour))

// issueGuestLink makes a new link to a unit's page and answers its
// address, with the signed token. Earlier links keep working, unless the
// body says "rotate": true: then they are revoked by the same journaled
// command. The token is shown here only: the wedding keeps the link's
// record, not the token.
// NB: no Idempotency-Key: a kept answer would keep the token in the
// journal.
func (s *Server) issueGuestLink(r *request) error {
	var in guestLinkIn
	if body := r.rc.PostBody(); len(body) > 0 {
		if err := decode(body, &in); err != nil {
			return err
		}
	}
	keys, ok := s.eng.(GuestKeys)
	if !ok {
		return errorf(fasthttp.StatusServiceUnavailable, "not_ready", "", "this engine cannot sign guest links")
	}
	exp := time.Now().Add(DefaultGuestLinkTTL)
	switch {
	case in.ExpiresAt != "" && in.ExpiresInDays != nil:
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "expires_in_days", "give expires_at or expires_in_days, not both")
	case in.ExpiresAt != "":
		at, aerr := parseTime("expires_at", in.ExpiresAt)
		if aerr != nil {
			return aerr
		}
		exp = at.Time()
	case in.ExpiresInDays != nil:
		if n := *in.ExpiresInDays; n < 1 || n > maxGuestLinkDays {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "expires_in_days", "expires_in_days must be 1 to %d, not %d", maxGuestLinkDays, n)
		}
		exp = time.Now().Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour)
	}
	// The token carries whole seconds: so does the link.
	exp = exp.Truncate(time.Second)
	res, err := s.do(r, &domain.IssueGuestLink{UnitID: r.param("u"), ExpiresAt: domain.At(exp), Rotate: in.Rotate})
	if err != nil {
		return err
	}
	l := res.Value.(domain.GuestLink)
	token, err := SignGuestToken(keys, GuestToken{WeddingID: r.wedding, UnitID: l.UnitID, LinkID: l.ID, Expires: exp})
	if err != nil {
		return err
	}
	slug, err := s.slugOf(r)
	if err != nil {
		return err
	}
	writeJSON(r.rc, fasthttp.StatusCreated, guestLinkJSON{ID: l.ID, URL: domain.WebsiteURL(slug) + "/g/" + token, ExpiresAt: jsonTime(l.ExpiresAt)})
	return nil
}

// revokeGuestLinks revokes every link of a unit: 204, links or none.
func (s *Server) revokeGuestLinks(r *request) error {
	return s.noContent(r, &domain.RevokeGuestLinks{UnitID: r.param("u")})
}

type guestLinkStateJSON struct {
	ID        string   `json:"id"`
	CreatedAt jsonTime `json:"created_at"`
	ExpiresAt jsonTime `json:"expires_at"`
	Revoked   bool     `json:"revoked"`
}

// listGuestLinks answers a unit's links that have not expired, live and
// revoked, newest first: never a token (the wedding keeps none).
func (s *Server) listGuestLinks(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListGuestLinks{UnitID: r.param("u"), At: domain.At(time.Now())})
	if err != nil {
		return err
	}
	links, _ := v.([]domain.GuestLinkState)
	items := make([]guestLinkStateJSON, len(links))
	for i, l := range links {
		items[i] = guestLinkStateJSON{ID: l.ID, CreatedAt: jsonTime(l.IssuedAt), ExpiresAt: jsonTime(l.ExpiresAt), Revoked: l.Revoked}
	}
	writeJSON(r.rc, fasthttp.StatusOK, page[guestLinkStateJSON]{Items: items})
	return nil
}
