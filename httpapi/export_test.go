package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// exportScene: a wedding with three events (one named in Devanagari, one
// invite-only), a bride household in Devanagari with a comma in a name, a
// groom household with quotes, a household of both sides; invitations and
// answers given over the API.
type exportScene struct {
	s                    *testServer
	w, owner, slug       string
	haldi, sangeet, puja string
	bride, groom, both   string
	bridePeople          []string
}

func newExportScene(t *testing.T, s *testServer, slug string) *exportScene {
	t.Helper()
	x := &exportScene{s: s, slug: slug}
	x.w, x.owner = s.newWedding(slug)
	x.haldi = s.event(x.w, x.owner, "Haldi", "2026-12-10T09:00:00+05:30")
	x.sangeet = s.event(x.w, x.owner, "संगीत", "2026-12-11T19:00:00+05:30")
	x.puja = s.must(201, "POST", "/v1/weddings/"+x.w+"/events", x.owner, map[string]any{"name": "Family puja",
		"starts_at": "2026-12-12T08:00:00+05:30", "visibility": "invite_only"}).str("id")
	a := s.must(201, "POST", "/v1/weddings/"+x.w+"/units", x.owner, map[string]any{"name": "शर्मा परिवार", "side": "bride", "tags": []string{"family", "vip"},
		"members": []any{
			map[string]any{"name": "अनिल शर्मा", "phone": phone(1), "primary": true},
			map[string]any{"name": "Sharma, Sunita", "phone": phone(2), "email": "sunita@example.com"},
		}})
	x.bride, x.bridePeople = a.str("id"), a.members()
	x.groom = s.unit(x.w, x.owner, map[string]any{"name": `Ravi "Bunty" Kapoor`, "side": "groom",
		"members": []any{map[string]any{"name": "Ravi Kapoor", "phone": phone(3)}}})
	x.both = s.unit(x.w, x.owner, unitBody("Mehta", "both", []string{"friends"}, phone(4)))
	base := "/v1/weddings/" + x.w
	s.must(200, "POST", base+"/invitations", x.owner, map[string]any{"event_ids": []string{x.haldi, x.sangeet}, "all": true})
	s.must(200, "POST", base+"/invitations", x.owner, map[string]any{"event_ids": []string{x.puja}, "unit_ids": []string{x.bride, x.groom}})
	s.must(200, "PUT", base+"/rsvps/"+x.bride+"/"+x.haldi, x.owner, map[string]any{"status": "yes"})
	s.must(200, "PUT", base+"/rsvps/"+x.groom+"/"+x.haldi, x.owner, map[string]any{"status": "no"})
	s.must(200, "PUT", base+"/rsvps/"+x.both+"/"+x.sangeet, x.owner, map[string]any{"status": "maybe"})
	s.must(200, "PUT", base+"/rsvps/"+x.groom+"/"+x.puja, x.owner, map[string]any{"status": "yes", "headcount": 1})
	return x
}

// export GETs a sheet and checks what every sheet answer has.
func (x *exportScene) export(t *testing.T, token, query string) (answer, [][]string) {
	t.Helper()
	a := x.s.call("GET", "/v1/weddings/"+x.w+"/export.csv"+query, token, nil)
	if a.status != 200 {
		t.Fatalf("export%s: %d %s", query, a.status, a.raw)
	}
	if ct := a.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if _, err := strconv.ParseUint(a.header.Get("X-Wedding-Seq"), 10, 64); err != nil {
		t.Errorf("X-Wedding-Seq %q", a.header.Get("X-Wedding-Seq"))
	}
	if cc := a.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(a.raw, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatalf("export%s is not CSV: %v\n%s", query, err, a.raw)
	}
	return a, rows
}

func seqOf(a answer) uint64 {
	n, _ := strconv.ParseUint(a.header.Get("X-Wedding-Seq"), 10, 64)
	return n
}

func TestHTTPExport_GuestSheet(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	x := newExportScene(t, s, "export-guests")
	a, rows := x.export(t, x.owner, "")
	if want := `attachment; filename="export-guests.csv"`; a.header.Get("Content-Disposition") != want {
		t.Errorf("Content-Disposition %q, want %q", a.header.Get("Content-Disposition"), want)
	}
	if bytes.HasPrefix(a.raw, []byte("\xef\xbb\xbf")) {
		t.Error("a byte order mark without excel=1")
	}
	wantHeader := []string{"unit_id", "household", "side", "tags", "person_id", "name", "phone", "email", "primary",
		"Haldi status", "Haldi headcount", "संगीत status", "संगीत headcount", "Family puja status", "Family puja headcount"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("header %q", rows[0])
	}
	want := [][]string{
		{x.bride, "शर्मा परिवार", "bride", "family; vip", x.bridePeople[0], "अनिल शर्मा", e164(1), "", "true", "yes", "2", "pending", "0", "pending", "0"},
		{x.bride, "शर्मा परिवार", "bride", "family; vip", x.bridePeople[1], "Sharma, Sunita", e164(2), "sunita@example.com", "false", "yes", "", "pending", "", "pending", ""},
		{x.groom, `Ravi "Bunty" Kapoor`, "groom", "", "", "Ravi Kapoor", e164(3), "", "true", "no", "0", "pending", "0", "yes", "1"},
		{x.both, "Mehta", "both", "friends", "", "Mehta member 0", e164(4), "", "true", "pending", "0", "maybe", "0", "", ""},
	}
	if len(rows) != 1+len(want) {
		t.Fatalf("%d rows:\n%s", len(rows), a.raw)
	}
	for i, w := range want {
		got := rows[1+i]
		if w[4] == "" { // a person id the scene did not keep
			w[4] = got[4]
		}
		if !slices.Equal(got, w) {
			t.Errorf("row %d:\n%q\nwant\n%q", i+1, got, w)
		}
	}
	// encoding/csv's quoting, as written on the wire.
	for _, q := range []string{`,"Sharma, Sunita",`, `,"Ravi ""Bunty"" Kapoor",`} {
		if !bytes.Contains(a.raw, []byte(q)) {
			t.Errorf("no %s in:\n%s", q, a.raw)
		}
	}
	// excel=1: the byte order mark, then the same sheet (nothing in it a
	// spreadsheet would run).
	e, _ := x.export(t, x.owner, "?excel=1")
	if !bytes.Equal(e.raw, append([]byte("\xef\xbb\xbf"), a.raw...)) {
		t.Errorf("excel=1:\n%q\nplain:\n%q", e.raw[:min(40, len(e.raw))], a.raw[:min(40, len(a.raw))])
	}
	if z, _ := x.export(t, x.owner, "?excel=0"); !bytes.Equal(z.raw, a.raw) {
		t.Error("excel=0 is not the plain sheet")
	}
	wantError(t, s.call("GET", "/v1/weddings/"+x.w+"/export.csv?excel=yes", x.owner, nil), 400, "invalid_field")
	// HEAD: the headers alone.
	req, _ := http.NewRequest("HEAD", s.url+"/v1/weddings/"+x.w+"/export.csv", nil)
	req.Header.Set("Authorization", "Bearer "+x.owner)
	resp, err := s.cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || resp.ContentLength != int64(len(a.raw)) {
		t.Errorf("HEAD: %d %q length %d", resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength)
	}
}

func TestHTTPExport_CatererSheet(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	x := newExportScene(t, s, "export-caterer")
	hc := s.must(200, "GET", "/v1/weddings/"+x.w+"/headcount", x.owner, nil)
	counts := map[string]map[string]any{}
	for _, ev := range hc.body["events"].([]any) {
		counts[obj(ev)["event_id"].(string)] = obj(ev)
	}
	tests := []struct {
		name, event, filename string
		rows                  [][]string
	}{
		{"haldi", x.haldi, `attachment; filename="export-caterer-haldi.csv"`, [][]string{
			{x.bride, "शर्मा परिवार", "अनिल शर्मा", e164(1), "2", "yes", "2"},
			{x.groom, `Ravi "Bunty" Kapoor`, "Ravi Kapoor", e164(3), "1", "no", "0"},
			{x.both, "Mehta", "Mehta member 0", e164(4), "1", "pending", "0"},
			{"TOTAL", "", "", "", "4", "yes 1; maybe 0; no 1; pending 1", "2"},
		}},
		// A name in Devanagari: the plain filename has the event's id,
		// filename* the name.
		{"sangeet", x.sangeet, `attachment; filename="export-caterer-` + x.sangeet + `.csv"; filename*=UTF-8''export-caterer-%E0%A4%B8%E0%A4%82%E0%A4%97%E0%A5%80%E0%A4%A4.csv`, [][]string{
			{x.bride, "शर्मा परिवार", "अनिल शर्मा", e164(1), "2", "pending", "0"},
			{x.groom, `Ravi "Bunty" Kapoor`, "Ravi Kapoor", e164(3), "1", "pending", "0"},
			{x.both, "Mehta", "Mehta member 0", e164(4), "1", "maybe", "0"},
			{"TOTAL", "", "", "", "4", "yes 0; maybe 1; no 0; pending 2", "0"},
		}},
		// Invite-only events are the admins' as any other.
		{"puja", x.puja, `attachment; filename="export-caterer-family-puja.csv"`, [][]string{
			{x.bride, "शर्मा परिवार", "अनिल शर्मा", e164(1), "2", "pending", "0"},
			{x.groom, `Ravi "Bunty" Kapoor`, "Ravi Kapoor", e164(3), "1", "yes", "1"},
			{"TOTAL", "", "", "", "3", "yes 1; maybe 0; no 0; pending 1", "1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, rows := x.export(t, x.owner, "?event="+tt.event)
			if got := a.header.Get("Content-Disposition"); got != tt.filename {
				t.Errorf("Content-Disposition %q, want %q", got, tt.filename)
			}
			if !slices.Equal(rows[0], []string{"unit_id", "household", "contact", "phone", "seats", "status", "headcount"}) {
				t.Errorf("header %q", rows[0])
			}
			if !slices.EqualFunc(rows[1:], tt.rows, slices.Equal) {
				t.Errorf("rows:\n%q\nwant\n%q", rows[1:], tt.rows)
			}
			c, total := counts[tt.event], rows[len(rows)-1]
			if total[4] != strconv.Itoa(num(c["invited_seats"])) || total[6] != strconv.Itoa(num(c["yes_headcount"])) ||
				len(rows)-2 != num(c["invited_units"]) {
				t.Errorf("total %q; headcount %v", total, c)
			}
			if e, _ := x.export(t, x.owner, "?excel=1&event="+tt.event); !bytes.Equal(e.raw, append([]byte("\xef\xbb\xbf"), a.raw...)) {
				t.Error("excel=1 is not the byte order mark and the plain sheet")
			}
		})
	}
	e := wantError(t, s.call("GET", "/v1/weddings/"+x.w+"/export.csv?event=e-nope", x.owner, nil), 404, "not_found")
	if e["field"] != "event" {
		t.Errorf("unknown event: field %v", e["field"])
	}
}

// Who may export what: every member of the wedding, a side admin its side
// and both; nobody else anything.
func TestHTTPExport_Access(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	x := newExportScene(t, s, "export-access")
	_, viewer := s.issue(x.w, x.owner, "viewer", "")
	_, admin := s.issue(x.w, x.owner, "admin", "")
	_, bride := s.issue(x.w, x.owner, "side_admin", "bride")
	_, groom := s.issue(x.w, x.owner, "side_admin", "groom")
	_, otherOwner := s.newWedding("export-access-other")
	units := func(rows [][]string) []string {
		var ids []string
		for _, r := range rows[1:] {
			if len(ids) == 0 || ids[len(ids)-1] != r[0] {
				ids = append(ids, r[0])
			}
		}
		return ids
	}
	full, _ := x.export(t, x.owner, "")
	for name, tok := range map[string]string{"viewer": viewer, "admin": admin, "root": s.root} {
		if a, _ := x.export(t, tok, ""); !bytes.Equal(a.raw, full.raw) {
			t.Errorf("%s's sheet differs from the owner's", name)
		}
	}
	for _, tt := range []struct {
		name, token string
		units       []string
	}{
		{"bride", bride, []string{x.bride, x.both}},
		{"groom", groom, []string{x.groom, x.both}},
	} {
		_, rows := x.export(t, tt.token, "")
		if got := units(rows); !slices.Equal(got, tt.units) {
			t.Errorf("%s's guest sheet: units %v, want %v", tt.name, got, tt.units)
		}
		_, rows = x.export(t, tt.token, "?event="+x.haldi)
		if got := units(rows); !slices.Equal(got, append(slices.Clone(tt.units), "TOTAL")) {
			t.Errorf("%s's haldi sheet: units %v", tt.name, got)
		}
		// Its sums are its headcount's.
		hc := s.must(200, "GET", "/v1/weddings/"+x.w+"/headcount", tt.token, nil)
		ev := obj(hc.body["events"].([]any)[0])
		total := rows[len(rows)-1]
		if total[4] != strconv.Itoa(num(ev["invited_seats"])) || total[6] != strconv.Itoa(num(ev["yes_headcount"])) {
			t.Errorf("%s's haldi total %q; its headcount %v", tt.name, total, ev)
		}
	}
	path := "/v1/weddings/" + x.w + "/export.csv"
	wantError(t, s.call("GET", path, "", nil), 401, "unauthorized")
	wantError(t, s.call("GET", path, otherOwner, nil), 404, "not_found")
	wantError(t, s.call("GET", path+"?event="+x.haldi, otherOwner, nil), 404, "not_found")
	wantError(t, s.call("GET", "/v1/weddings/wnope/export.csv", s.root, nil), 404, "not_found")
}

// A sheet is kept for the sequence it shows: the same bytes until the
// wedding changes, a new sheet showing the change right after it.
func TestHTTPExport_ChangeInvalidates(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	x := newExportScene(t, s, "export-change")
	a1, _ := x.export(t, x.owner, "?event="+x.sangeet)
	a2, _ := x.export(t, x.owner, "?event="+x.sangeet)
	if !bytes.Equal(a1.raw, a2.raw) || seqOf(a1) != seqOf(a2) {
		t.Fatal("two exports of a quiet wedding differ")
	}
	s.must(200, "PUT", "/v1/weddings/"+x.w+"/rsvps/"+x.bride+"/"+x.sangeet, x.owner, map[string]any{"status": "yes", "headcount": 1})
	a3, rows := x.export(t, x.owner, "?event="+x.sangeet)
	if seqOf(a3) != seqOf(a1)+1 || rows[1][5] != "yes" || rows[1][6] != "1" || rows[len(rows)-1][6] != "1" {
		t.Errorf("after an RSVP: seq %d (was %d), rows %q", seqOf(a3), seqOf(a1), rows)
	}
	// Every kind of sheet follows, also one first asked after the change.
	_, guests := x.export(t, x.owner, "")
	if guests[1][11] != "yes" || guests[1][12] != "1" {
		t.Errorf("guest sheet after the RSVP: %q", guests[1])
	}
	s.must(200, "PATCH", "/v1/weddings/"+x.w+"/units/"+x.both, x.owner, map[string]any{"name": "Mehta-Shah"})
	if _, rows := x.export(t, x.owner, "?event="+x.sangeet); rows[3][1] != "Mehta-Shah" {
		t.Errorf("after a rename: %q", rows[3])
	}
	s.must(204, "DELETE", "/v1/weddings/"+x.w+"/events/"+x.puja+"?force=true", x.owner, nil)
	if _, rows := x.export(t, x.owner, ""); len(rows[0]) != 9+4 {
		t.Errorf("after deleting an event: header %q", rows[0])
	}
	wantError(t, s.call("GET", "/v1/weddings/"+x.w+"/export.csv?event="+x.puja, x.owner, nil), 404, "not_found")
}

// An export taken while RSVPs are being written shows one sequence's
// state: its sums are those of the headcount at that sequence, never a
// mix, never a change that was not acknowledged durable before it.
func TestHTTPExport_ConsistentUnderWrites(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("export-writes")
	ev := s.event(w, owner, "Wedding", "2026-12-12T19:00:00+05:30")
	const n = 120
	batch := make([]any, n)
	for i := range batch {
		batch[i] = unitBody(fmt.Sprintf("Family %d", i), []string{"bride", "groom", "both"}[i%3], nil, phone(100+2*i), phone(101+2*i))
	}
	res := s.must(200, "POST", "/v1/weddings/"+w+"/units/batch", owner, map[string]any{"units": batch})
	var units []string
	for _, it := range res.body["results"].([]any) {
		units = append(units, obj(it)["id"].(string))
	}
	s.must(200, "POST", "/v1/weddings/"+w+"/invitations", owner, map[string]any{"event_ids": []string{ev}, "all": true})
	// The k-th write (one change each) answers yes for unit k with 1 or 2:
	// the state at seq base+k is known exactly.
	base := s.seq(w)
	headcountAfter := make([]int, n+1)
	for k := 1; k <= n; k++ {
		headcountAfter[k] = headcountAfter[k-1] + 1 + k%2
	}
	_, bride := s.issue(w, owner, "side_admin", "bride")
	base++ // the token

	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for k := 1; k <= n; k++ {
			a, err := s.try("PUT", "/v1/weddings/"+w+"/rsvps/"+units[k-1]+"/"+ev, owner, map[string]any{"status": "yes", "headcount": 1 + k%2})
			if err != nil || a.status != 200 {
				t.Errorf("write %d: %v %d %s", k, err, a.status, a.raw)
				return
			}
		}
	})
	type seen struct {
		seq          uint64
		units, seats int // the caterer's sheet; units -1 for the guest sheet
		coming       int
		yes          []string // the households that said yes
	}
	var (
		mu     sync.Mutex
		sheets []seen
		views  = map[uint64]int{} // seq → yes_headcount
	)
	for g := range 2 {
		wg.Go(func() {
			for i := g; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				q := "?event=" + ev
				if i%2 == 1 {
					q = ""
				}
				a, err := s.try("GET", "/v1/weddings/"+w+"/export.csv"+q, owner, nil)
				if err != nil || a.status != 200 {
					t.Errorf("export: %v %d", err, a.status)
					return
				}
				rows, err := csv.NewReader(bytes.NewReader(a.raw)).ReadAll()
				if err != nil {
					t.Errorf("export: %v", err)
					return
				}
				sh := seen{seq: seqOf(a)}
				if q == "" {
					// The household's headcount is on its first row.
					sh.units = -1
					for _, r := range rows[1:] {
						if r[9] == "yes" && r[10] != "" {
							h, _ := strconv.Atoi(r[10])
							sh.coming += h
							sh.yes = append(sh.yes, r[0])
						}
					}
				} else {
					total := rows[len(rows)-1]
					sh.seats, _ = strconv.Atoi(total[4])
					sh.coming, _ = strconv.Atoi(total[6])
					sh.units = len(rows) - 2
					for _, r := range rows[1 : len(rows)-1] {
						if r[5] == "yes" {
							sh.yes = append(sh.yes, r[0])
						}
					}
				}
				mu.Lock()
				sheets = append(sheets, sh)
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			a, err := s.try("GET", "/v1/weddings/"+w+"/headcount", owner, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			views[uint64(num(a.body["seq"]))] = num(obj(a.body["totals"])["yes_headcount"])
			mu.Unlock()
		}
	})
	wg.Wait()

	mid, matched := 0, 0
	for _, sh := range sheets {
		if sh.seq < base || sh.seq > base+n {
			t.Errorf("an export at seq %d, outside %d..%d", sh.seq, base, base+n)
			continue
		}
		k := int(sh.seq - base)
		if 0 < k && k < n {
			mid++
		}
		if sh.units >= 0 && (sh.units != n || sh.seats != 2*n) {
			t.Errorf("seq %d: %d units, %d seats", sh.seq, sh.units, sh.seats)
		}
		if sh.coming != headcountAfter[k] || !slices.Equal(sh.yes, units[:k]) {
			t.Errorf("seq %d (%d writes): %d coming (want %d), %d households yes", sh.seq, k, sh.coming, headcountAfter[k], len(sh.yes))
		}
		if v, ok := views[sh.seq]; ok {
			matched++
			if v != sh.coming {
				t.Errorf("seq %d: export %d coming, headcount view %d", sh.seq, sh.coming, v)
			}
		}
	}
	t.Logf("%d exports, %d of them mid-stream, %d at a sequence the headcount was also read at", len(sheets), mid, matched)
	if len(sheets) == 0 {
		t.Fatal("no export ran")
	}
	// The bride side admin's sheet at the end: its sums are its headcount's.
	a, _ := s.try("GET", "/v1/weddings/"+w+"/export.csv?event="+ev, bride, nil)
	rows, _ := csv.NewReader(bytes.NewReader(a.raw)).ReadAll()
	hc := s.must(200, "GET", "/v1/weddings/"+w+"/headcount", bride, nil)
	if got := rows[len(rows)-1][6]; got != strconv.Itoa(num(obj(hc.body["totals"])["yes_headcount"])) || seqOf(a) != uint64(num(hc.body["seq"])) {
		t.Errorf("bride's total %s at seq %d; headcount %v", got, seqOf(a), hc.body)
	}
	if !strings.HasPrefix(string(a.raw), "unit_id,") {
		t.Errorf("bride's sheet: %.40s", a.raw)
	}
}
