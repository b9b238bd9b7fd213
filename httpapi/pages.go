package httpapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"
	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/domain"
)

// The guests' own pages (issue 14): the published website (/w/{slug}) and
// a household's page with its fallback RSVP form (/w/{slug}/g/{token}).
// Server-rendered with html/template (auto-escaping), no scripts, no
// external assets. A page that cannot be shown (unknown or unpublished
// site, a token that does not stand) is the same polite page, 404, with
// nothing of the wedding in it.

//go:embed templates/*.html
var pageFS embed.FS

var pageTemplates = template.Must(template.ParseFS(pageFS, "templates/*.html"))

// pageCSP is the pages' Content-Security-Policy: no scripts, no external
// anything; inline styles and data: images only; forms post back here.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'"

// csrfContext separates the CSRF MAC from the guest token's own.
const csrfContext = "parinaya guest csrf\x00"

// csrfBucket is how long a page's CSRF token is made for; a token of the
// current or the previous bucket is accepted, so a form stays good for a
// day or two.
const csrfBucket = 24 * time.Hour

// csrfToken is the CSRF token of a guest's page: a MAC, under the guest
// token's key, of the wedding, the link and a time bucket.
func csrfToken(key []byte, t GuestToken, bucket int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(csrfContext))
	m.Write([]byte(t.WeddingID))
	m.Write([]byte{0})
	m.Write([]byte(t.LinkID))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(bucket, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func (s *Server) newCSRF(t GuestToken, now time.Time) string {
	keys, ok := s.eng.(GuestKeys)
	if !ok {
		return ""
	}
	key, ok := keys.GuestKey(t.KID)
	if !ok {
		return ""
	}
	return csrfToken(key, t, now.Unix()/int64(csrfBucket/time.Second))
}

// checkCSRF reports whether got is the CSRF token of t for now's bucket or
// the previous one (compared in constant time).
func (s *Server) checkCSRF(t GuestToken, got string, now time.Time) bool {
	keys, ok := s.eng.(GuestKeys)
	if !ok || got == "" {
		return false
	}
	key, ok := keys.GuestKey(t.KID)
	if !ok {
		return false
	}
	b := now.Unix() / int64(csrfBucket/time.Second)
	ok1 := hmac.Equal([]byte(csrfToken(key, t, b)), []byte(got))
	ok2 := hmac.Equal([]byte(csrfToken(key, t, b-1)), []byte(got))
	return ok1 || ok2
}

// writePage renders a page with the pages' security headers.
func writePage(rc *fasthttp.RequestCtx, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := &rc.Response.Header
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	rc.SetContentType("text/html; charset=utf-8")
	rc.SetStatusCode(status)
	rc.SetBody(buf.Bytes())
	return nil
}

type notFoundPage struct{ Message string }

// notFoundPage404 writes the polite page for anything that cannot be
// shown: 404, nothing of the wedding in it.
func notFoundPage404(rc *fasthttp.RequestCtx) error {
	return writePage(rc, fasthttp.StatusNotFound, "notfound.html", notFoundPage{})
}

type pageEvent struct {
	ID, Name, When, Venue string
	Seats                 int32
	Status                string
	Headcount             int32
	Answered              bool
	Value                 int32 // the headcount input's value
}

type sitePage struct {
	Title, Couple, Story string
	InviteOnly           bool
	Events               []pageEvent
}

type passwordPage struct {
	Title string
	Wrong bool
}

type guestPage struct {
	Title, Couple, Household string
	Events                   []pageEvent
	CSRF, Action             string
	WhatsApp                 string
	UPI                      template.URL
	UPIQR                    template.URL // the UPI link's QR code, a data: PNG
	Payee, Note              string
	Registry                 []domain.RegistryLink
	Error                    string
	Saved                    bool
}

// loc is the wedding's timezone, UTC when it cannot be read.
func loc(tz string) *time.Location {
	if l, err := time.LoadLocation(tz); err == nil && tz != "" {
		return l
	}
	return time.UTC
}

func eventWhen(e *domain.Event, l *time.Location) string {
	s := e.StartsAt.Time().In(l).Format("Mon 2 Jan 2006, 3:04 PM")
	if e.HasEnd() {
		s += " – " + e.EndsAt.Time().In(l).Format("3:04 PM")
	}
	return s
}

// siteOf reads a wedding's info, website (nil when none) and events, as
// the engine.
func (s *Server) siteOf(r *request, wid string) (domain.Info, *domain.Website, []domain.Event, error) {
	ctx := r.context()
	iv, err := s.eng.Query(ctx, wid, domain.Root, domain.GetWedding{})
	if err != nil {
		return domain.Info{}, nil, nil, err
	}
	wv, err := s.eng.Query(ctx, wid, domain.Root, domain.GetWebsite{})
	if err != nil {
		return domain.Info{}, nil, nil, err
	}
	ev, err := s.eng.Query(ctx, wid, domain.Root, domain.ListEvents{})
	if err != nil {
		return domain.Info{}, nil, nil, err
	}
	site, _ := wv.(*domain.Website)
	events, _ := ev.([]domain.Event)
	return iv.(domain.Info), site, events, nil
}

// publishedSite finds the published website of {slug}; ok false for an
// unknown slug or a site not published.
func (s *Server) publishedSite(r *request) (domain.Info, *domain.Website, []domain.Event, bool, error) {
	wid, err := s.eng.WeddingBySlug(r.param("slug"))
	if err != nil {
		return domain.Info{}, nil, nil, false, nil
	}
	info, site, events, err := s.siteOf(r, wid)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Info{}, nil, nil, false, nil
	}
	if err != nil {
		return domain.Info{}, nil, nil, false, err
	}
	if site == nil || site.Version == 0 {
		return domain.Info{}, nil, nil, false, nil
	}
	return info, site, events, true, nil
}

func publicSite(info domain.Info, site *domain.Website, events []domain.Event) sitePage {
	p := sitePage{Title: site.Title, Couple: site.Couple, Story: site.Story}
	if site.Privacy == domain.PrivacyInviteOnly {
		p.InviteOnly, p.Story = true, ""
		return p
	}
	l := loc(info.Timezone)
	for i := range events {
		e := &events[i]
		if e.Visibility != domain.Public {
			continue
		}
		p.Events = append(p.Events, pageEvent{ID: e.ID, Name: e.Name, When: eventWhen(e, l), Venue: e.Venue})
	}
	return p
}

// sitePage serves GET /w/{slug}.
func (s *Server) sitePage(r *request) error {
	info, site, events, ok, err := s.publishedSite(r)
	if err != nil {
		return err
	}
	if !ok {
		return notFoundPage404(r.rc)
	}
	if site.Privacy == domain.PrivacyPassword {
		return writePage(r.rc, fasthttp.StatusOK, "password.html", passwordPage{Title: site.Title})
	}
	return writePage(r.rc, fasthttp.StatusOK, "site.html", publicSite(info, site, events))
}

// sitePassword serves POST /w/{slug}: the password form's answer, the
// site itself when the password is right (no session: the form answers
// the page).
func (s *Server) sitePassword(r *request) error {
	info, site, events, ok, err := s.publishedSite(r)
	if err != nil {
		return err
	}
	if !ok {
		return notFoundPage404(r.rc)
	}
	if site.Privacy != domain.PrivacyPassword {
		return writePage(r.rc, fasthttp.StatusOK, "site.html", publicSite(info, site, events))
	}
	pw := string(r.rc.PostArgs().Peek("password"))
	if pw == "" || len(pw) > 4*domain.MaxPasswordLen {
		return writePage(r.rc, fasthttp.StatusForbidden, "password.html", passwordPage{Title: site.Title, Wrong: true})
	}
	// A check costs a slow hash (PBKDF2, 600,000 rounds) and this route
	// needs no token: at most passwordChecks run at once, engine-wide, so
	// that guessing cannot take the CPU from everyone else.
	select {
	case s.passwordSlots <- struct{}{}:
	default:
		e := errorf(fasthttp.StatusTooManyRequests, "overloaded", "", "too many password checks at once; retry in a moment")
		e.RetryAfter = 1
		return e
	}
	ok = site.Password.Verify(pw)
	<-s.passwordSlots
	if !ok {
		return writePage(r.rc, fasthttp.StatusForbidden, "password.html", passwordPage{Title: site.Title, Wrong: true})
	}
	return writePage(r.rc, fasthttp.StatusOK, "site.html", publicSite(info, site, events))
}

// passwordChecks bounds the website password checks running at once.
const passwordChecks = 2

// guest checks the page's slug and token; ok false (and the polite 404
// written) when they do not stand.
func (s *Server) guest(r *request, now time.Time) (GuestToken, *domain.Unit, bool, error) {
	t, err := s.GuestLink(r.context(), r.param("slug"), r.param("token"), now)
	if errors.Is(err, ErrGuestToken) {
		return GuestToken{}, nil, false, notFoundPage404(r.rc)
	}
	if err != nil {
		return GuestToken{}, nil, false, err
	}
	uv, err := s.eng.Query(r.context(), t.WeddingID, domain.Root, domain.GetUnit{ID: t.UnitID})
	if errors.Is(err, domain.ErrNotFound) {
		return GuestToken{}, nil, false, notFoundPage404(r.rc)
	}
	if err != nil {
		return GuestToken{}, nil, false, err
	}
	u, ok := uv.(domain.Unit)
	if !ok {
		return GuestToken{}, nil, false, errors.New("httpapi: GetUnit answered no unit")
	}
	return t, &u, true, nil
}

// queryEscape escapes a query value with spaces as %20 (not "+", which
// some apps show as is).
func queryEscape(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }

// upiLink is the gifts block's upi://pay address.
func upiLink(g domain.Gifts) template.URL {
	if g.UPIID == "" {
		return ""
	}
	u := "upi://pay?pa=" + queryEscape(g.UPIID) + "&pn=" + queryEscape(g.Payee) + "&cu=INR"
	if g.Note != "" {
		u += "&tn=" + queryEscape(g.Note)
	}
	// Safe: a validated VPA and escaped values, under a fixed scheme.
	return template.URL(u)
}

// The gifts block's QR code: upiQRSize px square, medium error correction.
const (
	upiQRSize = 256
	upiQRMax  = 256 // links held by qrCache
)

// qrCache holds the QR codes of the UPI links (PNG data: URLs), by link:
// the gifts rarely change. Bounded: past upiQRMax links it starts afresh.
type qrCache struct {
	mu sync.Mutex
	m  map[string]template.URL
}

// upiQR is the QR code of link as a data: URL, "" when there is no link
// or it cannot be encoded (the page keeps the link).
func (s *Server) upiQR(link template.URL) template.URL {
	if link == "" {
		return ""
	}
	c := &s.qrs
	c.mu.Lock()
	q, ok := c.m[string(link)]
	c.mu.Unlock()
	if ok {
		return q
	}
	png, err := qrcode.Encode(string(link), qrcode.Medium, upiQRSize)
	if err != nil {
		return ""
	}
	// Safe: a PNG we made, base64 under a fixed data: prefix.
	q = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	c.mu.Lock()
	if c.m == nil || len(c.m) >= upiQRMax {
		c.m = make(map[string]template.URL)
	}
	c.m[string(link)] = q
	c.mu.Unlock()
	return q
}

func (s *Server) renderGuest(r *request, status int, t GuestToken, u *domain.Unit, now time.Time, msg string, saved bool) error {
	info, site, events, err := s.siteOf(r, t.WeddingID)
	if err != nil {
		return err
	}
	p := guestPage{Title: info.Name, Household: u.Name, CSRF: s.newCSRF(t, now),
		Action: "/w/" + r.param("slug") + "/g/" + r.param("token") + "/rsvp", Error: msg, Saved: saved}
	if site != nil && site.Version > 0 {
		p.Title, p.Couple = site.Title, site.Couple
		if site.WhatsAppNumber != "" {
			text := "Namaste! This is " + u.Name + " about " + site.Title + "."
			p.WhatsApp = "https://wa.me/" + strings.TrimPrefix(site.WhatsAppNumber, "+") + "?text=" + queryEscape(text)
		}
		p.UPI, p.Payee, p.Note, p.Registry = upiLink(site.Gifts), site.Gifts.Payee, site.Gifts.Note, site.Gifts.RegistryLinks
		p.UPIQR = s.upiQR(p.UPI)
	}
	l := loc(info.Timezone)
	for i := range events {
		e := &events[i]
		inv := u.Invitation(e.ID)
		if inv == nil {
			continue
		}
		pe := pageEvent{ID: e.ID, Name: e.Name, When: eventWhen(e, l), Venue: e.Venue, Seats: inv.Seats,
			Status: inv.RSVP.Status.String(), Headcount: inv.RSVP.Headcount, Answered: inv.RSVP.Status != domain.Pending, Value: inv.Seats}
		if inv.RSVP.Status == domain.Yes && inv.RSVP.Headcount > 0 {
			pe.Value = inv.RSVP.Headcount
		}
		p.Events = append(p.Events, pe)
	}
	return writePage(r.rc, status, "guest.html", p)
}

// guestPage serves GET /w/{slug}/g/{token}.
func (s *Server) guestPage(r *request) error {
	now := time.Now()
	t, u, ok, err := s.guest(r, now)
	if !ok {
		return err
	}
	return s.renderGuest(r, fasthttp.StatusOK, t, u, now, "", string(r.rc.QueryArgs().Peek("saved")) == "1")
}

// guestRSVP serves POST /w/{slug}/g/{token}/rsvp: the fallback RSVP form.
// Every answer is checked before any is recorded; each then goes through
// SetRSVP as the engine (guests have no principal), source web.
func (s *Server) guestRSVP(r *request) error {
	now := time.Now()
	t, u, ok, err := s.guest(r, now)
	if !ok {
		return err
	}
	args := r.rc.PostArgs()
	if !s.checkCSRF(t, string(args.Peek("csrf")), now) {
		return writePage(r.rc, fasthttp.StatusForbidden, "notfound.html",
			notFoundPage{Message: "This form has expired. Please open your link again and answer once more."})
	}
	var cmds []*domain.SetRSVP
	for _, inv := range u.Invitations {
		v := string(args.Peek("status_" + inv.EventID))
		if v == "" {
			continue
		}
		st, ok := domain.ParseRSVPStatus(v)
		if !ok || st == domain.Pending {
			return s.renderGuest(r, fasthttp.StatusBadRequest, t, u, now, "Please choose yes, no or maybe.", false)
		}
		cmd := &domain.SetRSVP{UnitID: u.ID, EventID: inv.EventID, Status: st, Source: domain.SourceWeb, AnsweredAt: domain.At(now)}
		if hv := strings.TrimSpace(string(args.Peek("headcount_" + inv.EventID))); st == domain.Yes && hv != "" {
			n, err := strconv.Atoi(hv)
			if err != nil || n < 1 || n > int(inv.Seats) {
				return s.renderGuest(r, fasthttp.StatusBadRequest, t, u, now,
					"Please give how many of you will come: 1 to "+strconv.Itoa(int(inv.Seats))+".", false)
			}
			hc := int32(n)
			cmd.Headcount = &hc
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if _, err := s.eng.Do(r.context(), t.WeddingID, domain.Root, cmd); err != nil {
			return err
		}
	}
	r.rc.Response.Header.Set("Referrer-Policy", "no-referrer")
	r.rc.Response.Header.Set("Cache-Control", "no-store")
	r.rc.Redirect("/w/"+r.param("slug")+"/g/"+r.param("token")+"?saved=1", fasthttp.StatusSeeOther)
	return nil
}
