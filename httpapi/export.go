package httpapi

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/domain"
)

// ---- exports ----

// exportCSV answers GET /v1/weddings/{w}/export.csv: the guest sheet, or
// with ?event= that event's caterer sheet, as CSV (domain.Roster.Sheet has
// the columns); ?excel=1 starts it with a UTF-8 byte order mark. Every
// member may export; a side admin's sheets hold its side's units (and
// those of both sides) only.
//
// Nothing of it runs in the wedding's actor but one copy of the guest
// list per sequence: the sheet comes from the roster kept with the
// published view (domain.View.Roster). The first export after a change
// asks the actor for the roster (GetRoster, answered behind the commits
// in flight: durable), encodes its sheet here, and keeps both; the exports
// after it, until the next change, get the same bytes, written without a
// copy. X-Wedding-Seq says which sequence a sheet shows.
func (s *Server) exportCSV(r *request) error {
	excel, err := excelParam(r.query("excel"))
	if err != nil {
		return err
	}
	v := r.view
	if v == nil { // root: its token names no wedding, so authenticate read no view
		if v, err = s.view(r, r.wedding); err != nil {
			return err
		}
	}
	ro, err := v.Roster(func() (*domain.Roster, error) { return s.roster(r) })
	if err != nil {
		return err
	}
	event := r.query("event")
	body, err := ro.Sheet(r.by, event, excel)
	if err != nil {
		return err
	}
	rc := r.rc
	rc.SetStatusCode(fasthttp.StatusOK)
	rc.SetContentType("text/csv; charset=utf-8")
	rc.Response.Header.Set("Content-Disposition", attachment(ro, event))
	// Phones and names: not for shared caches.
	rc.Response.Header.Set("Cache-Control", "no-store")
	rc.Response.Header.Set("X-Wedding-Seq", strconv.FormatUint(ro.Seq, 10))
	// NB: the roster keeps body and never changes it; fasthttp only reads
	// a raw body.
	rc.Response.SetBodyRaw(body)
	return nil
}

// roster asks the wedding for a copy of its guest list. Its answer comes
// once the state copied is durable, and by then the view of that state
// (or a newer one) is published: when it is the newest view's own state,
// that view keeps it too, for the exports that read through it.
func (s *Server) roster(r *request) (*domain.Roster, error) {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.GetRoster{})
	if err != nil {
		return nil, err
	}
	ro, ok := v.(*domain.Roster)
	if !ok {
		return nil, fmt.Errorf("httpapi: the roster query answered %T", v)
	}
	if cur := s.eng.ActiveView(r.wedding); cur != nil {
		cur.KeepRoster(ro)
	}
	return ro, nil
}

// excelParam reads ?excel=: 1 or true for a sheet made for spreadsheets;
// empty, 0 or false for none.
func excelParam(v string) (bool, error) {
	switch v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, errorf(fasthttp.StatusBadRequest, "invalid_field", "excel", "excel must be 1 or 0, not %q", v)
}

// attachment is the Content-Disposition of a sheet: the wedding's slug,
// and the event's name for an event's sheet ("asha-rohan-sangeet.csv").
// The plain filename is ASCII (an event named in Devanagari is named by
// its id there); filename* (RFC 6266, RFC 5987) has the name as written
// when it differs.
func attachment(ro *domain.Roster, eventID string) string {
	base := ro.Slug
	if base == "" {
		base = ro.WeddingID
	}
	ascii, full := base, base
	if eventID != "" {
		for _, e := range ro.Events {
			if e.ID != eventID {
				continue
			}
			a := slug(e.Name, true)
			if a == "" {
				a = slug(e.ID, true)
			}
			ascii += "-" + a
			if f := slug(e.Name, false); f != "" {
				full += "-" + f
			} else {
				full += "-" + a
			}
			break
		}
	}
	v := `attachment; filename="` + ascii + `.csv"`
	if full != ascii {
		v += "; filename*=UTF-8''" + url.PathEscape(full+".csv")
	}
	return v
}

// slug lowercases s and keeps its letters and digits (ASCII ones only if
// ascii; else every script's, with their combining marks), each run of
// anything else one dash.
func slug(s string, ascii bool) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		keep := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !ascii && !keep {
			keep = unicode.IsLetter(c) || unicode.IsDigit(c) || unicode.IsMark(c)
		}
		if !keep {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(c)
	}
	return b.String()
}
