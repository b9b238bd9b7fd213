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
	"github.com/parinayaos/engine/internal/tz"
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
	return csrfToken(key, t, csrfBucketOf(now))
}

// csrfBucketOf is now's CSRF time bucket.
func csrfBucketOf(now time.Time) int64 { return now.Unix() / int64(csrfBucket/time.Second) }

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
	b := csrfBucketOf(now)
	ok1 := hmac.Equal([]byte(csrfToken(key, t, b)), []byte(got))
	ok2 := hmac.Equal([]byte(csrfToken(key, t, b-1)), []byte(got))
	return ok1 || ok2
}

// pageBase is what every page's layout reads.
type pageBase struct {
	Title string
	L     *pageText
	// Switch is this page in the other language: its own address, or ""
	// for the answer to a form (a household's page, answering its form,
	// sets the page's address).
	Switch string
}

func newBase(rc *fasthttp.RequestCtx, l *pageText, title string) pageBase {
	b := pageBase{Title: title, L: l}
	if rc.IsGet() || rc.IsHead() {
		b.Switch = string(rc.Path()) + "?lang=" + l.OtherLang
	}
	return b
}

// renderPage renders a page's template.
func renderPage(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeHTML writes a rendered page with the pages' security headers.
func writeHTML(rc *fasthttp.RequestCtx, status int, body []byte) {
	h := &rc.Response.Header
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Language")
	rc.SetContentType("text/html; charset=utf-8")
	rc.SetStatusCode(status)
	rc.SetBody(body)
}

// writePage renders a page and writes it.
func writePage(rc *fasthttp.RequestCtx, status int, name string, data any) error {
	b, err := renderPage(name, data)
	if err != nil {
		return err
	}
	writeHTML(rc, status, b)
	return nil
}

type notFoundPage struct {
	pageBase
	Message string
}

// notFoundPage404 writes the polite page for anything that cannot be
// shown: 404, nothing of the wedding in it.
func notFoundPage404(rc *fasthttp.RequestCtx) error {
	l := pageLang(rc)
	return writePage(rc, fasthttp.StatusNotFound, "notfound.html", notFoundPage{pageBase: newBase(rc, l, l.NotFoundTitle)})
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
	pageBase
	Couple, Story string
	InviteOnly    bool
	Events        []pageEvent
}

type passwordPage struct {
	pageBase
	Action string
	Wrong  bool
}

type guestPage struct {
	pageBase
	Couple, Household string
	Events            []pageEvent
	CSRF, Action      string
	WhatsApp          string
	UPI               template.URL
	UPIQR             template.URL // the UPI link's QR code, a data: PNG
	Payee, Note       string
	Registry          []domain.RegistryLink
	Error             string
	Saved             bool
}

func eventWhen(e *domain.Event, l *time.Location, t *pageText) string {
	s := t.When(e.StartsAt.Time().In(l))
	if e.HasEnd() {
		s += " – " + e.EndsAt.Time().In(l).Format("3:04 PM")
	}
	return s
}

// publishedSite is the published website of {slug} and the wedding's
// view; ok false for an unknown slug or a site never published.
func (s *Server) publishedSite(r *request) (*domain.View, bool, error) {
	wid, err := s.eng.WeddingBySlug(r.param("slug"))
	if err != nil {
		return nil, false, nil
	}
	v, err := s.view(r, wid)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if v.Pages().Site() == nil {
		return nil, false, nil
	}
	return v, true, nil
}

func (s *Server) publicSite(rc *fasthttp.RequestCtx, l *pageText, pg *domain.Pages) sitePage {
	site := pg.Site()
	p := sitePage{pageBase: newBase(rc, l, site.Title), Couple: site.Couple, Story: site.Story}
	if site.Privacy == domain.PrivacyInviteOnly {
		p.InviteOnly, p.Story = true, ""
		return p
	}
	zone := tz.Location(pg.Info().Timezone)
	events := pg.Events()
	for i := range events {
		e := &events[i]
		if e.Visibility != domain.Public {
			continue
		}
		p.Events = append(p.Events, pageEvent{ID: e.ID, Name: e.Name, When: eventWhen(e, zone, l), Venue: e.Venue})
	}
	return p
}

// siteRequest is the published site of {slug}'s view and the page's
// language; ok false (and the polite 404 written) when there is none.
func (s *Server) siteRequest(r *request) (*domain.View, *pageText, bool, error) {
	v, ok, err := s.publishedSite(r)
	if err != nil {
		return nil, nil, false, err
	}
	if !ok {
		return nil, nil, false, notFoundPage404(r.rc)
	}
	return v, pageLang(r.rc), true, nil
}

// sitePage serves GET /w/{slug}: the site, or its password form, from the
// cache while the site, its events and the wedding's info are the same.
func (s *Server) sitePage(r *request) error {
	v, l, ok, err := s.siteRequest(r)
	if !ok {
		return err
	}
	k := pageKey{wedding: v.WeddingID, lang: l.Lang}
	if c := s.pages.get(k); c != nil && c.edition == v.Edition() {
		s.metrics.pageHit.Inc()
		writeHTML(r.rc, fasthttp.StatusOK, c.body)
		return nil
	}
	s.metrics.pageRender.Inc()
	pg := v.Pages()
	var body []byte
	if pg.Site().Privacy == domain.PrivacyPassword {
		body, err = renderPage("password.html", passwordPage{pageBase: newBase(r.rc, l, pg.Site().Title), Action: string(r.rc.Path())})
	} else {
		body, err = renderPage("site.html", s.publicSite(r.rc, l, pg))
	}
	if err != nil {
		return err
	}
	s.pages.put(k, &cachedPage{edition: v.Edition(), seq: v.Seq, body: body})
	writeHTML(r.rc, fasthttp.StatusOK, body)
	return nil
}

// sitePassword serves POST /w/{slug}: the password form's answer, the
// site itself when the password is right (no session: the form answers
// the page).
func (s *Server) sitePassword(r *request) error {
	v, l, ok, err := s.siteRequest(r)
	if !ok {
		return err
	}
	pg := v.Pages()
	site := pg.Site()
	if site.Privacy != domain.PrivacyPassword {
		return writePage(r.rc, fasthttp.StatusOK, "site.html", s.publicSite(r.rc, l, pg))
	}
	wrong := passwordPage{pageBase: newBase(r.rc, l, site.Title), Action: string(r.rc.Path()), Wrong: true}
	pw := string(r.rc.PostArgs().Peek("password"))
	if pw == "" || len(pw) > 4*domain.MaxPasswordLen {
		return writePage(r.rc, fasthttp.StatusForbidden, "password.html", wrong)
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
		return writePage(r.rc, fasthttp.StatusForbidden, "password.html", wrong)
	}
	return writePage(r.rc, fasthttp.StatusOK, "site.html", s.publicSite(r.rc, l, pg))
}

// passwordChecks bounds the website password checks running at once.
const passwordChecks = 2

// guestView checks the page's slug and token; ok false (and the polite
// 404 written) when they do not stand.
func (s *Server) guestView(r *request, now time.Time) (GuestToken, *domain.View, bool, error) {
	t, v, err := s.guestLink(r.context, r.param("slug"), r.param("token"), now)
	if errors.Is(err, ErrGuestToken) {
		return GuestToken{}, nil, false, notFoundPage404(r.rc)
	}
	if err != nil {
		return GuestToken{}, nil, false, err
	}
	return t, v, true, nil
}

// guestUnit reads the token's household from the wedding (as the engine);
// ok false (and the polite 404 written) when it is gone.
func (s *Server) guestUnit(r *request, t GuestToken) (*domain.Unit, bool, error) {
	uv, err := s.eng.Query(r.context(), t.WeddingID, domain.Root, domain.GetUnit{ID: t.UnitID})
	if errors.Is(err, domain.ErrNotFound) {
		return nil, false, notFoundPage404(r.rc)
	}
	if err != nil {
		return nil, false, err
	}
	u, ok := uv.(domain.Unit)
	if !ok {
		return nil, false, errors.New("httpapi: GetUnit answered no unit")
	}
	return &u, true, nil
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

// clock is the time on the guests' pages' clock.
func (s *Server) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// guestPath is the household's page's address.
func guestPath(r *request) string { return "/w/" + r.param("slug") + "/g/" + r.param("token") }

func (s *Server) renderGuest(r *request, l *pageText, v *domain.View, t GuestToken, u *domain.Unit, now time.Time, msg string, saved bool) ([]byte, error) {
	s.metrics.pageRender.Inc()
	pg := v.Pages()
	info := pg.Info()
	p := guestPage{pageBase: newBase(r.rc, l, info.Name), Household: u.Name, CSRF: s.newCSRF(t, now),
		Action: guestPath(r) + "/rsvp", Error: msg, Saved: saved}
	p.Switch = guestPath(r) + "?lang=" + l.OtherLang
	if site := pg.Site(); site != nil {
		p.Title, p.Couple = site.Title, site.Couple
		if site.WhatsAppNumber != "" {
			p.WhatsApp = "https://wa.me/" + strings.TrimPrefix(site.WhatsAppNumber, "+") + "?text=" + queryEscape(l.WhatsAppText(u.Name, site.Title))
		}
		p.UPI, p.Payee, p.Note, p.Registry = upiLink(site.Gifts), site.Gifts.Payee, site.Gifts.Note, site.Gifts.RegistryLinks
		p.UPIQR = s.upiQR(p.UPI)
	}
	zone := tz.Location(info.Timezone)
	events := pg.Events()
	for i := range events {
		e := &events[i]
		inv := u.Invitation(e.ID)
		if inv == nil {
			continue
		}
		pe := pageEvent{ID: e.ID, Name: e.Name, When: eventWhen(e, zone, l), Venue: e.Venue, Seats: inv.Seats,
			Status: inv.RSVP.Status.String(), Headcount: inv.RSVP.Headcount, Answered: inv.RSVP.Status != domain.Pending, Value: inv.Seats}
		if inv.RSVP.Status == domain.Yes && inv.RSVP.Headcount > 0 {
			pe.Value = inv.RSVP.Headcount
		}
		p.Events = append(p.Events, pe)
	}
	return renderPage("guest.html", p)
}

// guestPage serves GET /w/{slug}/g/{token}, from the cache when it can
// (see pagecache.go): while the wedding's view is the one the page was
// made from, without asking the wedding anything; after it moved, with
// one read of the household.
func (s *Server) guestPage(r *request) error {
	now := s.clock()
	t, v, ok, err := s.guestView(r, now)
	if !ok {
		return err
	}
	l := pageLang(r.rc)
	if string(r.rc.QueryArgs().Peek("saved")) == "1" {
		// Right after a post: not cached, it says "saved".
		u, ok, err := s.guestUnit(r, t)
		if !ok {
			return err
		}
		body, err := s.renderGuest(r, l, v, t, u, now, "", true)
		if err != nil {
			return err
		}
		writeHTML(r.rc, fasthttp.StatusOK, body)
		return nil
	}
	k := pageKey{wedding: t.WeddingID, scope: t.LinkID, lang: l.Lang, bucket: csrfBucketOf(now)}
	c := s.pages.get(k)
	if c != nil && c.edition == v.Edition() && c.seq == v.Seq {
		s.metrics.pageHit.Inc()
		writeHTML(r.rc, fasthttp.StatusOK, c.body)
		return nil
	}
	u, ok, err := s.guestUnit(r, t)
	if !ok {
		return err
	}
	tag := unitTag(u)
	if c != nil && c.edition == v.Edition() && c.unit == tag {
		// The wedding moved, this household did not: the page stands.
		s.metrics.pageKept.Inc()
		s.pages.put(k, &cachedPage{edition: c.edition, seq: v.Seq, unit: tag, body: c.body})
		writeHTML(r.rc, fasthttp.StatusOK, c.body)
		return nil
	}
	body, err := s.renderGuest(r, l, v, t, u, now, "", false)
	if err != nil {
		return err
	}
	s.pages.put(k, &cachedPage{edition: v.Edition(), seq: v.Seq, unit: tag, body: body})
	writeHTML(r.rc, fasthttp.StatusOK, body)
	return nil
}

// guestRSVP serves POST /w/{slug}/g/{token}/rsvp: the fallback RSVP form.
// The form is checked here (CSRF, each answer against the household's
// invitations); the answers then go to the wedding in one AnswerAsGuest,
// which checks the link again as it writes them, all together.
func (s *Server) guestRSVP(r *request) error {
	now := s.clock()
	t, v, ok, err := s.guestView(r, now)
	if !ok {
		return err
	}
	u, ok, err := s.guestUnit(r, t)
	if !ok {
		return err
	}
	args := r.rc.PostArgs()
	l := pageLang(r.rc)
	if lv, ok := pageTexts[string(args.Peek("lang"))]; ok {
		l = lv
	}
	if !s.checkCSRF(t, string(args.Peek("csrf")), now) {
		p := notFoundPage{pageBase: newBase(r.rc, l, l.NotFoundTitle), Message: l.FormExpired}
		return writePage(r.rc, fasthttp.StatusForbidden, "notfound.html", p)
	}
	again := func(msg string) error {
		body, err := s.renderGuest(r, l, v, t, u, now, msg, false)
		if err != nil {
			return err
		}
		writeHTML(r.rc, fasthttp.StatusBadRequest, body)
		return nil
	}
	cmd := &domain.AnswerAsGuest{LinkID: t.LinkID, UnitID: u.ID, At: domain.At(now)}
	for _, inv := range u.Invitations {
		val := string(args.Peek("status_" + inv.EventID))
		if val == "" {
			continue
		}
		st, ok := domain.ParseRSVPStatus(val)
		if !ok || st == domain.Pending {
			return again(l.ChooseAnswer)
		}
		a := domain.GuestAnswer{EventID: inv.EventID, Status: st}
		if hv := strings.TrimSpace(string(args.Peek("headcount_" + inv.EventID))); st == domain.Yes && hv != "" {
			n, err := strconv.Atoi(hv)
			if err != nil || n < 1 || n > int(inv.Seats) {
				return again(l.CountRange(inv.Seats))
			}
			hc := int32(n)
			a.Headcount = &hc
		}
		cmd.Answers = append(cmd.Answers, a)
	}
	if len(cmd.Answers) > 0 {
		_, err := s.eng.Do(r.context(), t.WeddingID, domain.Root, cmd)
		var de *domain.Error
		switch {
		case errors.As(err, &de) && de.Field == "link":
			return notFoundPage404(r.rc) // revoked or expired since the check
		case err != nil:
			return err
		}
	}
	r.rc.Response.Header.Set("Referrer-Policy", "no-referrer")
	r.rc.Response.Header.Set("Cache-Control", "no-store")
	r.rc.Redirect(guestPath(r)+"?saved=1&lang="+l.Lang, fasthttp.StatusSeeOther)
	return nil
}
