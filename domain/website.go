package domain

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Limits of a wedding's website.
const (
	MaxStoryLen      = 5000
	MaxURLLen        = 2048
	MaxRegistryLinks = 10
	// MinPasswordLen and MaxPasswordLen bound a website password, in
	// characters.
	MinPasswordLen = 6
	MaxPasswordLen = 128
	// PasswordIterations is the PBKDF2-HMAC-SHA256 work factor HashPassword
	// uses (OWASP's 2023 figure). A stored hash keeps its own count, so it
	// may grow without breaking old hashes.
	PasswordIterations = 600_000
	// minPasswordIterations is the least a stored hash may claim.
	minPasswordIterations = 10_000
	// PasswordSaltLen is the salt length HashPassword expects (at least).
	PasswordSaltLen = 16
)

// Privacy says who may see a wedding's published website.
type Privacy uint8

// NB: persisted; must not change.
const (
	PrivacyPublic     Privacy = 0 // anyone with the address
	PrivacyInviteOnly Privacy = 1 // only guests through their own links
	PrivacyPassword   Privacy = 2 // anyone who knows the password
)

// ParsePrivacy reads a privacy as the API spells it.
func ParsePrivacy(v string) (Privacy, bool) {
	switch v {
	case "public":
		return PrivacyPublic, true
	case "invite_only":
		return PrivacyInviteOnly, true
	case "password":
		return PrivacyPassword, true
	}
	return 0, false
}

func (p Privacy) String() string {
	switch p {
	case PrivacyPublic:
		return "public"
	case PrivacyInviteOnly:
		return "invite_only"
	case PrivacyPassword:
		return "password"
	}
	return "unknown"
}

// PasswordHash is a website password as stored: PBKDF2-HMAC-SHA256 of the
// password under Salt with Iter iterations. The password itself is never
// stored.
type PasswordHash struct {
	Salt []byte `msgpack:"s"`
	Iter int32  `msgpack:"n"`
	Hash []byte `msgpack:"h"`
}

// HashPassword hashes a website password under salt (at least
// PasswordSaltLen random bytes, made by the caller: the domain has no
// randomness). Returns an *Error (invalid_field, field "password") for a
// password that is too short, too long or not valid UTF-8.
func HashPassword(password string, salt []byte) (PasswordHash, error) {
	if !utf8.ValidString(password) {
		return PasswordHash{}, invalid("password", "password is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordLen || n > MaxPasswordLen {
		return PasswordHash{}, invalid("password", "password must be %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	if len(salt) < PasswordSaltLen {
		return PasswordHash{}, fmt.Errorf("domain: password salt of %d bytes, want at least %d", len(salt), PasswordSaltLen)
	}
	h, err := pbkdf2.Key(sha256.New, password, salt, PasswordIterations, sha256.Size)
	if err != nil {
		return PasswordHash{}, fmt.Errorf("domain: hash password: %w", err)
	}
	return PasswordHash{Salt: append([]byte(nil), salt...), Iter: PasswordIterations, Hash: h}, nil
}

// Verify reports whether password is the one h was made from (in constant
// time in the hash's bytes).
func (h *PasswordHash) Verify(password string) bool {
	if h == nil || !h.valid() {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, h.Salt, int(h.Iter), len(h.Hash))
	return err == nil && subtle.ConstantTimeCompare(got, h.Hash) == 1
}

func (h *PasswordHash) valid() bool {
	return len(h.Salt) >= PasswordSaltLen && len(h.Hash) == sha256.Size &&
		h.Iter >= minPasswordIterations && h.Iter <= 10*PasswordIterations
}

// RegistryLink is one gift registry the couple lists.
type RegistryLink struct {
	Title string `msgpack:"t"`
	URL   string `msgpack:"u"`
}

// Gifts is the website's gifts block: a UPI id (a VPA, name@bank) with
// its payee name, a note, and registry links.
type Gifts struct {
	UPIID         string         `msgpack:"v,omitempty"`
	Payee         string         `msgpack:"p,omitempty"`
	Note          string         `msgpack:"n,omitempty"`
	RegistryLinks []RegistryLink `msgpack:"r,omitempty"`
}

// Website is a wedding's website configuration. Version and PublishedAt
// say what was last published (0: never).
type Website struct {
	Title          string        `msgpack:"t"`
	Couple         string        `msgpack:"c,omitempty"`
	Story          string        `msgpack:"s,omitempty"`
	CoverURL       string        `msgpack:"cu,omitempty"`
	Privacy        Privacy       `msgpack:"p"`
	Password       *PasswordHash `msgpack:"pw,omitempty"`
	WhatsAppNumber string        `msgpack:"wa,omitempty"` // E.164
	Gifts          Gifts         `msgpack:"g"`
	UpdatedAt      Instant       `msgpack:"ua"`
	Version        uint32        `msgpack:"v,omitempty"`
	PublishedAt    Instant       `msgpack:"pa,omitempty"`
}

// Copy returns a deep copy, safe to hand to another goroutine.
func (s *Website) Copy() *Website {
	if s == nil {
		return nil
	}
	c := *s
	if s.Password != nil {
		pw := *s.Password
		pw.Salt = append([]byte(nil), pw.Salt...)
		pw.Hash = append([]byte(nil), pw.Hash...)
		c.Password = &pw
	}
	c.Gifts.RegistryLinks = append([]RegistryLink(nil), s.Gifts.RegistryLinks...)
	return &c
}

// WebsiteSaved replaces the website's configuration. The published
// version and time are not the change's: Apply keeps the wedding's own.
type WebsiteSaved struct {
	Website Website `msgpack:"w"`
}

// WebsitePublished publishes the website as Version.
type WebsitePublished struct {
	Version uint32 `msgpack:"v"`
}

// SetWebsite sets the wedding's website configuration, all of it (owners
// and admins). Password is the hash of a new password (HashPassword, at
// the edge, which has the randomness for a salt); nil keeps the stored one
// when Privacy stays PrivacyPassword. Any other privacy drops the hash.
type SetWebsite struct {
	Title          string
	Couple         string
	Story          string
	CoverURL       string
	Privacy        Privacy
	Password       *PasswordHash
	WhatsAppNumber string
	Gifts          Gifts
}

// upiRE is the shape of a UPI virtual payment address: a handle of
// letters, digits, dots, dashes and underscores, "@", and the bank's
// handle.
var upiRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9]{1,63}$`)

// ValidUPIID reports whether v has a UPI id's shape (name@bank).
func ValidUPIID(v string) bool { return upiRE.MatchString(v) }

// checkURL checks an http or https address the website links to.
func checkURL(field, v string, required bool) error {
	if v == "" {
		if required {
			return invalid(field, "%s is required", field)
		}
		return nil
	}
	if err := checkText(field, v, MaxURLLen, required); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || strings.ContainsAny(v, " \"'<>\\`") {
		return invalid(field, "%s must be an http or https address, not %s", field, quoteShort(v))
	}
	return nil
}

func (c *SetWebsite) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleAdmin, "change the wedding's website"); err != nil {
		return nil, nil, err
	}
	site := Website{Privacy: c.Privacy, UpdatedAt: m.Now}
	if err := checkText("title", c.Title, MaxNameLen, true); err != nil {
		return nil, nil, err
	}
	site.Title = strings.TrimSpace(c.Title)
	if err := checkText("couple", c.Couple, MaxNameLen, false); err != nil {
		return nil, nil, err
	}
	site.Couple = strings.TrimSpace(c.Couple)
	if err := checkNote("story", c.Story, MaxStoryLen); err != nil {
		return nil, nil, err
	}
	site.Story = c.Story
	if err := checkURL("cover_url", c.CoverURL, false); err != nil {
		return nil, nil, err
	}
	site.CoverURL = c.CoverURL
	switch c.Privacy {
	case PrivacyPublic, PrivacyInviteOnly:
		if c.Password != nil {
			return nil, nil, invalid("password", "a password is only for privacy password")
		}
	case PrivacyPassword:
		switch {
		case c.Password != nil && !c.Password.valid():
			return nil, nil, invalid("password", "password hash is malformed")
		case c.Password != nil:
			pw := *c.Password
			site.Password = &pw
		case w.Website != nil && w.Website.Password != nil:
			site.Password = w.Website.Password
		default:
			return nil, nil, invalid("password", "password is required for privacy password")
		}
	default:
		return nil, nil, invalid("privacy", "privacy must be public, invite_only or password")
	}
	if c.WhatsAppNumber != "" {
		e164, err := NormalizePhone(c.WhatsAppNumber, w.Info.Region, "whatsapp_number")
		if err != nil {
			return nil, nil, err
		}
		site.WhatsAppNumber = e164
	}
	g, err := checkGifts(c.Gifts)
	if err != nil {
		return nil, nil, err
	}
	site.Gifts = g
	if w.Website != nil {
		site.Version, site.PublishedAt = w.Website.Version, w.Website.PublishedAt
	}
	return []Change{{WebsiteSaved: &WebsiteSaved{Website: site}}}, site.Copy(), nil
}

func checkGifts(in Gifts) (Gifts, error) {
	out := Gifts{UPIID: strings.TrimSpace(in.UPIID)}
	if out.UPIID != "" && !ValidUPIID(out.UPIID) {
		return Gifts{}, invalid("gifts.upi_id", "upi_id must be a UPI id like name@bank, not %s", quoteShort(in.UPIID))
	}
	if err := checkText("gifts.payee", in.Payee, MaxNameLen, false); err != nil {
		return Gifts{}, err
	}
	out.Payee = strings.TrimSpace(in.Payee)
	if err := checkText("gifts.note", in.Note, MaxNoteLen, false); err != nil {
		return Gifts{}, err
	}
	out.Note = strings.TrimSpace(in.Note)
	if len(in.RegistryLinks) > MaxRegistryLinks {
		return Gifts{}, invalid("gifts.registry_links", "at most %d registry links", MaxRegistryLinks)
	}
	for i, l := range in.RegistryLinks {
		p := fmt.Sprintf("gifts.registry_links[%d].", i)
		if err := checkText(p+"title", l.Title, MaxNameLen, true); err != nil {
			return Gifts{}, err
		}
		if err := checkURL(p+"url", l.URL, true); err != nil {
			return Gifts{}, err
		}
		out.RegistryLinks = append(out.RegistryLinks, RegistryLink{Title: strings.TrimSpace(l.Title), URL: l.URL})
	}
	return out, nil
}

// PublishWebsite publishes the website as its next version (owners and
// admins). Its result is a Publication.
type PublishWebsite struct{}

// Publication is PublishWebsite's answer: the version and the website's
// address (relative to the engine).
type Publication struct {
	Version uint32
	URL     string
}

// WebsiteURL is the address of a wedding's website, by its slug.
func WebsiteURL(slug string) string { return "/w/" + slug }

func (c *PublishWebsite) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleAdmin, "publish the wedding's website"); err != nil {
		return nil, nil, err
	}
	if w.Website == nil {
		return nil, nil, conflict("website_not_set", "", "", "the website has no configuration yet; set it first (PUT .../website)")
	}
	v := w.Website.Version + 1
	return []Change{{WebsitePublished: &WebsitePublished{Version: v}}}, Publication{Version: v, URL: WebsiteURL(w.Info.Slug)}, nil
}

// GetWebsite is the query for the website's configuration (owners,
// admins and the operator). Its result is a *Website copy (password hash
// included: callers must not show it), or nil when none was set.
type GetWebsite struct{}

// Run implements Query.
func (GetWebsite) Run(w *Wedding, p Principal) (any, error) {
	if err := requireRole(p, RoleAdmin, "read the website's configuration"); err != nil {
		return nil, err
	}
	return w.Website.Copy(), nil
}

func (w *Wedding) applyWebsite(c *Change) error {
	switch {
	case c.WebsiteSaved != nil:
		s := c.WebsiteSaved.Website
		if s.Privacy > PrivacyPassword || (s.Privacy == PrivacyPassword) != (s.Password != nil) {
			return fmt.Errorf("website with privacy %d and password %t", s.Privacy, s.Password != nil)
		}
		if w.Website != nil {
			s.Version, s.PublishedAt = w.Website.Version, w.Website.PublishedAt
		} else {
			s.Version, s.PublishedAt = 0, 0
		}
		w.Website = &s
		if w.Published != nil {
			// Who may see the site is not content to publish: a new
			// password or privacy holds at once (a leaked password must
			// stop working when the admins change it).
			p := w.Published.Copy()
			p.Privacy, p.Password = s.Privacy, s.Password
			w.Published = p
		}
	case c.WebsitePublished != nil:
		if w.Website == nil || c.WebsitePublished.Version != w.Website.Version+1 {
			return fmt.Errorf("website version %d published", c.WebsitePublished.Version)
		}
		s := *w.Website
		s.Version, s.PublishedAt = c.WebsitePublished.Version, c.At
		w.Website = &s
		w.Published = s.Copy()
	}
	return nil
}
