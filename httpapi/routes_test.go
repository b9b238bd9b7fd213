package httpapi_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parinayaos/engine/httpapi"
)

// End-to-end happy paths of every route of routes.go's table, against a
// real engine behind a real HTTP server on loopback.

func TestHTTP_Weddings(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	in := map[string]any{"name": "Asha & Rohan", "slug": "asha-rohan", "date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"}
	a := s.must(201, "POST", "/v1/weddings", s.root, in)
	id := a.str("id")
	if id == "" {
		t.Fatalf("no id: %s", a.raw)
	}
	for k, v := range in {
		if a.body[k] != v {
			t.Errorf("created wedding %s = %v, want %v", k, a.body[k], v)
		}
	}
	if _, err := time.Parse(time.RFC3339, a.str("created_at")); err != nil {
		t.Errorf("created_at: %v: %s", err, a.raw)
	}
	// Timezone and region default to India.
	b := s.must(201, "POST", "/v1/weddings", s.root, map[string]any{"name": "Other", "slug": "other", "date": "2027-01-01"})
	if b.str("timezone") != "Asia/Kolkata" || b.str("region") != "IN" {
		t.Errorf("defaults: %s", b.raw)
	}
	list := s.must(200, "GET", "/v1/weddings", s.root, nil)
	var ids []string
	for _, it := range list.items() {
		ids = append(ids, obj(it)["id"].(string))
	}
	if !slices.Contains(ids, id) || !slices.Contains(ids, b.str("id")) || len(ids) != 2 {
		t.Errorf("list weddings = %v, want %s and %s", ids, id, b.str("id"))
	}

	_, owner := s.issue(id, s.root, "owner", "")
	_, admin := s.issue(id, owner, "admin", "")
	_, side := s.issue(id, owner, "side_admin", "groom")
	_, viewer := s.issue(id, owner, "viewer", "")
	tests := []struct {
		name, token string
	}{
		{"root", s.root}, {"owner", owner}, {"admin", admin}, {"side_admin", side}, {"viewer", viewer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			g := s.must(200, "GET", "/v1/weddings/"+id, tt.token, nil)
			if g.str("id") != id || g.str("name") != "Asha & Rohan" || g.str("slug") != "asha-rohan" {
				t.Errorf("get wedding: %s", g.raw)
			}
			// Created, then four tokens issued: five changes.
			if num(g.body["seq"]) != 5 {
				t.Errorf("seq = %v, want 5", g.body["seq"])
			}
		})
	}
}

func TestHTTP_Tokens(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("tokens")
	tests := []struct {
		name, issuer, role, side string
	}{
		{"owner by root", s.root, "owner", ""},
		{"owner by owner", owner, "owner", ""},
		{"admin", owner, "admin", ""},
		{"side_admin bride", owner, "side_admin", "bride"},
		{"side_admin groom", s.root, "side_admin", "groom"},
		{"viewer", owner, "viewer", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			body := map[string]any{"role": tt.role, "label": "for " + tt.name}
			if tt.side != "" {
				body["side"] = tt.side
			}
			a := s.must(201, "POST", "/v1/weddings/"+w+"/tokens", tt.issuer, body)
			id, tok := a.str("id"), a.str("token")
			if id == "" || !strings.HasPrefix(tok, w+".") || a.str("role") != tt.role || a.str("label") != "for "+tt.name {
				t.Errorf("issued token: %s", a.raw)
			}
			if got, ok := a.body["side"]; tt.side == "" && ok || tt.side != "" && got != tt.side {
				t.Errorf("side = %v, want %q: %s", got, tt.side, a.raw)
			}
			s.must(200, "GET", "/v1/weddings/"+w, tok, nil)
			r := s.must(204, "DELETE", "/v1/weddings/"+w+"/tokens/"+id, tt.issuer, nil)
			if len(r.raw) != 0 {
				t.Errorf("204 with a body: %s", r.raw)
			}
			wantError(t, s.call("GET", "/v1/weddings/"+w, tok, nil), 401, "unauthorized")
			wantError(t, s.call("GET", "/v1/weddings/"+w+"/headcount", tok, nil), 401, "unauthorized")
			wantError(t, s.call("DELETE", "/v1/weddings/"+w+"/tokens/"+id, tt.issuer, nil), 404, "not_found")
		})
	}

	bad := []struct {
		name  string
		body  any
		field string
	}{
		{"unknown role", map[string]any{"role": "root"}, "role"},
		{"side on a viewer", map[string]any{"role": "viewer", "side": "bride"}, "side"},
		{"side_admin without side", map[string]any{"role": "side_admin"}, "side"},
		{"side_admin of both", map[string]any{"role": "side_admin", "side": "both"}, "side"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			e := wantError(t, s.call("POST", "/v1/weddings/"+w+"/tokens", owner, tt.body), 400, "invalid_field")
			if e["field"] != tt.field {
				t.Errorf("field %v, want %s", e["field"], tt.field)
			}
			if after := s.seq(w); after != before {
				t.Errorf("seq moved %d → %d on a rejected request", before, after)
			}
		})
	}
}

func TestHTTP_Events(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("events")
	base := "/v1/weddings/" + w + "/events"
	a := s.must(201, "POST", base, owner, map[string]any{"name": "Wedding", "starts_at": "2026-12-12T10:00:00+05:30",
		"ends_at": "2026-12-12T14:00:00+05:30", "venue": "City Palace", "visibility": "public"})
	wedding := a.str("id")
	if a.str("name") != "Wedding" || a.str("venue") != "City Palace" || a.str("visibility") != "public" {
		t.Errorf("added event: %s", a.raw)
	}
	if st, err := time.Parse(time.RFC3339, a.str("starts_at")); err != nil || !st.Equal(time.Date(2026, 12, 12, 4, 30, 0, 0, time.UTC)) {
		t.Errorf("starts_at %q (%v)", a.str("starts_at"), err)
	}
	sangeet := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	mehendi := s.must(201, "POST", base, owner, map[string]any{"name": "Mehendi", "starts_at": "2026-12-10T11:00:00+05:30",
		"visibility": "invite_only"}).str("id")

	names := func(t *testing.T) []string {
		var out []string
		for _, it := range s.with(t).must(200, "GET", base, owner, nil).items() {
			out = append(out, obj(it)["name"].(string))
		}
		return out
	}
	if got, want := names(t), []string{"Mehendi", "Sangeet", "Wedding"}; !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v (time order)", got, want)
	}

	patches := []struct {
		name   string
		id     string
		body   any
		status int
		code   string
		check  func(t *testing.T, a answer)
	}{
		{name: "rename keeps the rest", id: wedding, body: map[string]any{"name": "Shaadi"}, status: 200,
			check: func(t *testing.T, a answer) {
				if a.str("name") != "Shaadi" || a.str("venue") != "City Palace" || a.str("visibility") != "public" {
					t.Errorf("patched: %s", a.raw)
				}
			}},
		{name: "venue and visibility", id: sangeet, body: map[string]any{"venue": "Lake Pichola", "visibility": "invite_only"}, status: 200,
			check: func(t *testing.T, a answer) {
				if a.str("name") != "Sangeet" || a.str("venue") != "Lake Pichola" || a.str("visibility") != "invite_only" {
					t.Errorf("patched: %s", a.raw)
				}
			}},
		{name: "move changes the order", id: wedding, body: map[string]any{"starts_at": "2026-12-09T10:00:00Z", "ends_at": ""}, status: 200,
			check: func(t *testing.T, a answer) {
				if a.body["ends_at"] != nil {
					t.Errorf("ends_at not cleared: %s", a.raw)
				}
				if got, want := names(t), []string{"Shaadi", "Mehendi", "Sangeet"}; !slices.Equal(got, want) {
					t.Errorf("events = %v, want %v", got, want)
				}
			}},
		{name: "ends before it starts", id: mehendi, body: map[string]any{"ends_at": "2026-12-01T10:00:00Z"}, status: 400, code: "invalid_field"},
		{name: "bad visibility", id: mehendi, body: map[string]any{"visibility": "secret"}, status: 400, code: "invalid_field"},
		{name: "bad time", id: mehendi, body: map[string]any{"starts_at": "tomorrow"}, status: 400, code: "invalid_field"},
		{name: "a time the engine cannot store", id: mehendi, body: map[string]any{"starts_at": "2300-01-01T00:00:00Z"}, status: 400, code: "invalid_field"},
		{name: "empty name", id: mehendi, body: map[string]any{"name": " "}, status: 400, code: "invalid_field"},
		{name: "unknown event", id: "enope", body: map[string]any{"name": "x"}, status: 404, code: "not_found"},
	}
	for _, tt := range patches {
		t.Run("PATCH "+tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			a := s.call("PATCH", base+"/"+tt.id, owner, tt.body)
			if tt.code != "" {
				wantError(t, a, tt.status, tt.code)
				if after := s.seq(w); after != before {
					t.Errorf("seq moved %d → %d on a rejected request", before, after)
				}
				return
			}
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			tt.check(t, a)
		})
	}

	// Deleting: an event with only pending invitations goes at once; one
	// with answers needs force=true.
	u1 := s.unit(w, owner, unitBody("Sharma", "bride", nil, phone(1)))
	s.must(200, "POST", "/v1/weddings/"+w+"/invitations", owner, map[string]any{"event_ids": []string{mehendi, sangeet}, "all": true})
	s.must(200, "PUT", "/v1/weddings/"+w+"/rsvps/"+u1+"/"+sangeet, owner, map[string]any{"status": "no"})
	deletes := []struct {
		name   string
		path   string
		status int
		code   string
		field  string
	}{
		{"pending invitations only", base + "/" + mehendi, 204, "", ""},
		{"with an answer", base + "/" + sangeet, 409, "has_rsvps", "force"},
		{"with an answer, force=false", base + "/" + sangeet + "?force=false", 409, "has_rsvps", "force"},
		{"force not a bool", base + "/" + sangeet + "?force=please", 400, "invalid_field", "force"},
		{"with an answer, force=true", base + "/" + sangeet + "?force=true", 204, "", ""},
		{"already gone", base + "/" + sangeet + "?force=true", 404, "not_found", ""},
	}
	for _, tt := range deletes {
		t.Run("DELETE "+tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			a := s.call("DELETE", tt.path, owner, nil)
			if tt.code == "" {
				if a.status != tt.status {
					t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
				}
				return
			}
			e := wantError(t, a, tt.status, tt.code)
			if tt.field != "" && e["field"] != tt.field {
				t.Errorf("field %v, want %s", e["field"], tt.field)
			}
			if after := s.seq(w); after != before {
				t.Errorf("seq moved %d → %d on a rejected request", before, after)
			}
		})
	}
	if got, want := names(t), []string{"Shaadi"}; !slices.Equal(got, want) {
		t.Errorf("events after deletes = %v, want %v", got, want)
	}
	// The unit's invitations to deleted events went with them.
	for _, r := range s.list("/v1/weddings/"+w+"/rsvps", owner, 100) {
		t.Errorf("rsvp of a deleted event left: %v", r)
	}
}

func TestHTTP_Units(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("units")
	base := "/v1/weddings/" + w + "/units"
	a := s.must(201, "POST", base, owner, map[string]any{"name": "Sharma", "side": "bride", "tags": []string{"family", "delhi"},
		"members": []any{
			map[string]any{"name": "Anil", "phone": "98765 43210", "email": "anil@example.com"},
			map[string]any{"name": "Sunita", "phone": "+91-98765-43211", "primary": true},
		}})
	uid := a.str("id")
	ms, _ := a.body["members"].([]any)
	if uid == "" || a.str("name") != "Sharma" || a.str("side") != "bride" || len(ms) != 2 {
		t.Fatalf("added unit: %s", a.raw)
	}
	anil, sunita := obj(ms[0]), obj(ms[1])
	if anil["id"] == "" || anil["phone"] != "+919876543210" || anil["email"] != "anil@example.com" || anil["primary"] != false {
		t.Errorf("member 0: %v", anil)
	}
	if sunita["id"] == "" || sunita["id"] == anil["id"] || sunita["phone"] != "+919876543211" || sunita["primary"] != true {
		t.Errorf("member 1: %v", sunita)
	}
	if tags, _ := a.body["tags"].([]any); len(tags) != 2 || tags[0] != "family" || tags[1] != "delhi" {
		t.Errorf("tags: %s", a.raw)
	}
	for _, k := range []string{"created_at", "updated_at"} {
		if _, err := time.Parse(time.RFC3339, a.str(k)); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	g := s.must(200, "GET", base+"/"+uid, owner, nil)
	if g.str("id") != uid || g.str("name") != "Sharma" || len(g.body["members"].([]any)) != 2 {
		t.Errorf("get unit: %s", g.raw)
	}

	// Without a name or a primary: the first member is primary and names it.
	b := s.must(201, "POST", base, owner, map[string]any{"side": "groom", "members": []any{
		map[string]any{"name": "Vikram"}, map[string]any{"name": "Meera"}}})
	if b.str("name") != "Vikram" || obj(b.body["members"].([]any)[0])["primary"] != true {
		t.Errorf("defaults: %s", b.raw)
	}
	if tags, ok := b.body["tags"].([]any); !ok || len(tags) != 0 {
		t.Errorf("tags of an untagged unit must be []: %s", b.raw)
	}

	patches := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
		check  func(t *testing.T, a answer)
	}{
		{name: "name only", body: map[string]any{"name": "Sharma family"}, status: 200, check: func(t *testing.T, a answer) {
			m := a.body["members"].([]any)
			if a.str("name") != "Sharma family" || len(m) != 2 || obj(m[0])["id"] != anil["id"] || a.str("side") != "bride" {
				t.Errorf("patched: %s", a.raw)
			}
		}},
		{name: "tags replace", body: map[string]any{"tags": []string{"vip"}}, status: 200, check: func(t *testing.T, a answer) {
			if tags := a.body["tags"].([]any); len(tags) != 1 || tags[0] != "vip" {
				t.Errorf("patched: %s", a.raw)
			}
		}},
		{name: "side", body: map[string]any{"side": "both"}, status: 200, check: func(t *testing.T, a answer) {
			if a.str("side") != "both" {
				t.Errorf("patched: %s", a.raw)
			}
		}},
		{name: "members replace, ids kept", body: map[string]any{"members": []any{
			map[string]any{"id": sunita["id"], "name": "Sunita", "phone": "+919876543211", "primary": true},
			map[string]any{"name": "Rahul", "phone": phone(7)},
		}}, status: 200, check: func(t *testing.T, a answer) {
			m := a.body["members"].([]any)
			if len(m) != 2 || obj(m[0])["id"] != sunita["id"] || obj(m[1])["id"] == anil["id"] || obj(m[1])["phone"] != e164(7) {
				t.Errorf("patched: %s", a.raw)
			}
		}},
		{name: "unknown member id", body: map[string]any{"members": []any{map[string]any{"id": "pnope", "name": "X"}}},
			status: 400, code: "invalid_field", field: "members.0.id"},
		{name: "bad side", body: map[string]any{"side": "left"}, status: 400, code: "invalid_field", field: "side"},
		{name: "no members", body: map[string]any{"members": []any{}}, status: 400, code: "invalid_field", field: "members"},
	}
	for _, tt := range patches {
		t.Run("PATCH "+tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			a := s.call("PATCH", base+"/"+uid, owner, tt.body)
			if tt.code != "" {
				e := wantError(t, a, tt.status, tt.code)
				if e["field"] != tt.field {
					t.Errorf("field %v, want %s", e["field"], tt.field)
				}
				if after := s.seq(w); after != before {
					t.Errorf("seq moved %d → %d on a rejected request", before, after)
				}
				return
			}
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			tt.check(t, a)
			// The answer is what is stored.
			g := s.must(200, "GET", base+"/"+uid, owner, nil)
			a.body["updated_at"], g.body["updated_at"] = nil, nil
			ja, _ := json.Marshal(a.body)
			jg, _ := json.Marshal(g.body)
			if string(ja) != string(jg) {
				t.Errorf("PATCH answered %s, GET reads %s", ja, jg)
			}
		})
	}

	s.must(204, "DELETE", base+"/"+uid, owner, nil)
	wantError(t, s.call("GET", base+"/"+uid, owner, nil), 404, "not_found")
	wantError(t, s.call("DELETE", base+"/"+uid, owner, nil), 404, "not_found")
	wantError(t, s.call("PATCH", base+"/"+uid, owner, map[string]any{"name": "x"}), 404, "not_found")
	if ids := s.unitIDs(w, owner); !slices.Equal(ids, []string{b.str("id")}) {
		t.Errorf("units after delete = %v, want [%s]", ids, b.str("id"))
	}
	// The deleted unit's phones are free again.
	s.unit(w, owner, map[string]any{"side": "bride", "members": []any{map[string]any{"name": "Sunita", "phone": "+919876543211"}}})
}

func TestHTTP_UnitsBatch(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("batch")
	existing := s.must(201, "POST", "/v1/weddings/"+w+"/units", owner, unitBody("Existing", "bride", nil, phone(99)))
	existingPerson := obj(existing.body["members"].([]any)[0])["id"]
	before := len(s.unitIDs(w, owner))

	units := []any{
		unitBody("Sharma", "bride", []string{"family"}, phone(1), phone(2)),   // 0 ok
		unitBody("Verma", "groom", nil, phone(3), "12345"),                    // 1 invalid phone
		unitBody("Kapoor", "both", nil, phone(4)),                             // 2 ok
		unitBody("Mehta", "groom", nil, phone(5), phone(2)),                   // 3 phone of item 0
		unitBody("Iyer", "left", nil, phone(6)),                               // 4 bad side (edge)
		map[string]any{"name": "Nobody", "side": "bride", "members": []any{}}, // 5 no members
		unitBody("Rao", "groom", nil, phone(99)),                              // 6 phone of a stored person
		unitBody("Das", "bride", nil, phone(8), phone(8)),                     // 7 phone twice in the unit
		unitBody("Bose", "groom", nil, ""),                                    // 8 ok, no phone
	}
	a := s.must(200, "POST", "/v1/weddings/"+w+"/units/batch", owner, map[string]any{"units": units})
	results, _ := a.body["results"].([]any)
	if len(results) != len(units) {
		t.Fatalf("results: %s", a.raw)
	}
	tests := []struct {
		name     string
		index    int
		ok       bool
		code     string
		field    string
		existing bool // existing_id is set
	}{
		{name: "valid", index: 0, ok: true},
		{name: "invalid phone", index: 1, code: "invalid_phone", field: "units.1.members.1.phone"},
		{name: "valid after an invalid one", index: 2, ok: true},
		{name: "phone of an earlier item", index: 3, code: "duplicate_phone", field: "units.3.members.1.phone", existing: true},
		{name: "bad side", index: 4, code: "invalid_field", field: "units.4.side"},
		{name: "no members", index: 5, code: "invalid_field", field: "units.5.members"},
		{name: "phone of a stored person", index: 6, code: "duplicate_phone", field: "units.6.members.0.phone", existing: true},
		{name: "phone twice in a unit", index: 7, code: "duplicate_phone", field: "units.7.members.1.phone", existing: true},
		{name: "valid without phones", index: 8, ok: true},
	}
	var stored []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := obj(results[tt.index])
			if num(r["index"]) != tt.index {
				t.Fatalf("result %d has index %v", tt.index, r["index"])
			}
			if tt.ok {
				id, _ := r["id"].(string)
				if id == "" || r["error"] != nil {
					t.Fatalf("result %d: %v", tt.index, r)
				}
				stored = append(stored, id)
				return
			}
			if r["id"] != nil {
				t.Errorf("failed item %d has an id: %v", tt.index, r)
			}
			e := obj(r["error"])
			if e["code"] != tt.code || e["field"] != tt.field || e["message"] == "" {
				t.Errorf("item %d error = %v, want code %s field %s", tt.index, e, tt.code, tt.field)
			}
			if tt.existing && e["existing_id"] == nil {
				t.Errorf("item %d: no existing_id: %v", tt.index, e)
			}
		})
	}
	// existing_id names the person who has the phone.
	if e := obj(obj(results[6])["error"]); e["existing_id"] != existingPerson {
		t.Errorf("existing_id %v, want %v", e["existing_id"], existingPerson)
	}
	first := s.must(200, "GET", "/v1/weddings/"+w+"/units/"+obj(results[0])["id"].(string), owner, nil)
	if e := obj(obj(results[3])["error"]); e["existing_id"] != obj(first.body["members"].([]any)[1])["id"] {
		t.Errorf("existing_id %v, want the member of item 0 with that phone: %s", e["existing_id"], first.raw)
	}
	ids := s.unitIDs(w, owner)
	if len(ids) != before+3 {
		t.Errorf("%d units stored, want %d", len(ids), before+3)
	}
	for _, id := range stored {
		if !slices.Contains(ids, id) {
			t.Errorf("unit %s answered but not stored", id)
		}
	}

	// A batch where every item fails at the edge stores nothing; an empty
	// batch is a 400.
	seq := s.seq(w)
	a = s.must(200, "POST", "/v1/weddings/"+w+"/units/batch", owner, map[string]any{"units": []any{unitBody("X", "nope", nil, phone(50))}})
	if e := obj(obj(a.body["results"].([]any)[0])["error"]); e["field"] != "units.0.side" {
		t.Errorf("all-invalid batch: %s", a.raw)
	}
	wantError(t, s.call("POST", "/v1/weddings/"+w+"/units/batch", owner, map[string]any{"units": []any{}}), 400, "invalid_field")
	if s.seq(w) != seq {
		t.Errorf("a batch without valid items changed the wedding")
	}
}

// listFixture is a wedding with five units, two events, invitations and
// answers, for the list filters.
type listFixture struct {
	w, owner      string
	e1, e2        string
	a, b, c, d, e string // unit ids
	all           []string
	nameOf        map[string]string
}

func newListFixture(s *testServer) listFixture {
	s.t.Helper()
	f := listFixture{nameOf: map[string]string{}}
	f.w, f.owner = s.newWedding("lists")
	f.e1 = s.event(f.w, f.owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	f.e2 = s.event(f.w, f.owner, "Wedding", "2026-12-12T10:00:00+05:30")
	add := func(name, side string, tags []string, members ...any) string {
		id := s.unit(f.w, f.owner, map[string]any{"name": name, "side": side, "tags": tags, "members": members})
		f.nameOf[id] = name
		f.all = append(f.all, id)
		return id
	}
	f.a = add("Sharma", "bride", []string{"family"}, map[string]any{"name": "Anil", "phone": phone(1)})
	f.b = add("Verma", "groom", []string{"friends"}, map[string]any{"name": "Bhavna", "phone": phone(2)})
	f.c = add("Kapoor", "both", []string{"family", "vip"}, map[string]any{"name": "Chetan", "phone": phone(3)})
	f.d = add("Iyer", "bride", nil, map[string]any{"name": "Deepa Raghunathan", "phone": phone(4)})
	f.e = add("Mehta", "groom", []string{"family"}, map[string]any{"name": "Esha"})
	sort.Strings(f.all)
	inv := "/v1/weddings/" + f.w + "/invitations"
	s.must(200, "POST", inv, f.owner, map[string]any{"event_ids": []string{f.e1}, "unit_ids": []string{f.a, f.b, f.c}})
	s.must(200, "POST", inv, f.owner, map[string]any{"event_ids": []string{f.e2}, "unit_ids": []string{f.a, f.d}})
	rsvp := func(u, e, status string) {
		s.must(200, "PUT", "/v1/weddings/"+f.w+"/rsvps/"+u+"/"+e, f.owner, map[string]any{"status": status})
	}
	rsvp(f.a, f.e1, "yes")
	rsvp(f.b, f.e1, "no")
	rsvp(f.a, f.e2, "maybe")
	return f
}

func TestHTTP_ListUnits(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	f := newListFixture(s)
	base := "/v1/weddings/" + f.w + "/units"
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"everything", "", []string{f.a, f.b, f.c, f.d, f.e}},
		{"side bride", "side=bride", []string{f.a, f.d}},
		{"side groom", "side=groom", []string{f.b, f.e}},
		{"side both", "side=both", []string{f.c}},
		{"tag family", "tag=family", []string{f.a, f.c, f.e}},
		{"tag vip", "tag=vip", []string{f.c}},
		{"tag nobody has", "tag=cousins", nil},
		{"q unit name, any case", "q=SHARMA", []string{f.a}},
		{"q member name", "q=raghunathan", []string{f.d}},
		{"q national phone digits", "q=9876500002", []string{f.b}},
		{"q E.164 phone", "q=" + url.QueryEscape(e164(3)), []string{f.c}},
		{"event e1", "event=" + f.e1, []string{f.a, f.b, f.c}},
		{"event e2", "event=" + f.e2, []string{f.a, f.d}},
		{"event e1 rsvp yes", "event=" + f.e1 + "&rsvp=yes", []string{f.a}},
		{"event e1 rsvp no", "event=" + f.e1 + "&rsvp=no", []string{f.b}},
		{"event e1 rsvp pending", "event=" + f.e1 + "&rsvp=pending", []string{f.c}},
		{"event e2 rsvp maybe", "event=" + f.e2 + "&rsvp=maybe", []string{f.a}},
		{"event e2 rsvp yes", "event=" + f.e2 + "&rsvp=yes", nil},
		{"side and tag", "side=bride&tag=family", []string{f.a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			a := s.must(200, "GET", base+"?"+tt.query, f.owner, nil)
			var got []string
			for _, it := range a.items() {
				got = append(got, obj(it)["id"].(string))
			}
			want := slices.Clone(tt.want)
			sort.Strings(want)
			if !slices.Equal(got, want) || a.str("next") != "" {
				t.Errorf("?%s = %v next %q, want %v", tt.query, got, a.str("next"), want)
			}
			// Every page size yields the same units in the same order.
			for _, limit := range []int{1, 2, 3} {
				path := base
				if tt.query != "" {
					path += "?" + tt.query
				}
				var paged []string
				for _, u := range s.list(path, f.owner, limit) {
					paged = append(paged, u["id"].(string))
				}
				if !slices.Equal(paged, want) {
					t.Errorf("?%s in pages of %d = %v, want %v", tt.query, limit, paged, want)
				}
			}
		})
	}

	// A first page of two out of five says there is more.
	a := s.must(200, "GET", base+"?limit=2", f.owner, nil)
	if len(a.items()) != 2 || a.str("next") == "" {
		t.Errorf("first page: %s", a.raw)
	}
	// Paging past the end yields an empty page without a next.
	a = s.must(200, "GET", base+"?after="+f.all[len(f.all)-1], f.owner, nil)
	if len(a.items()) != 0 || a.str("next") != "" {
		t.Errorf("page after the last unit: %s", a.raw)
	}
	// A unit carries its invitations.
	g := s.must(200, "GET", base+"/"+f.a, f.owner, nil)
	if invs, _ := g.body["invitations"].([]any); len(invs) != 2 {
		t.Errorf("unit invitations: %s", g.raw)
	}
}

func TestHTTP_Invitations(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("invitations")
	e1 := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	e2 := s.event(w, owner, "Wedding", "2026-12-12T10:00:00+05:30")
	a := s.unit(w, owner, unitBody("A", "bride", []string{"x"}, phone(1), phone(2)))
	b := s.unit(w, owner, unitBody("B", "groom", nil, phone(3)))
	c := s.unit(w, owner, unitBody("C", "both", []string{"x"}, phone(4), phone(5), phone(6)))
	inv := "/v1/weddings/" + w + "/invitations"

	tests := []struct {
		name             string
		body             map[string]any
		status           int
		code             string
		invited, already int
	}{
		{name: "unit_ids", body: map[string]any{"event_ids": []string{e1}, "unit_ids": []string{a}}, status: 200, invited: 1},
		{name: "unit_ids, one already", body: map[string]any{"event_ids": []string{e1}, "unit_ids": []string{a, b, a}}, status: 200, invited: 1, already: 1},
		{name: "tag", body: map[string]any{"event_ids": []string{e2}, "tag": "x"}, status: 200, invited: 2},
		{name: "side groom", body: map[string]any{"event_ids": []string{e2}, "side": "groom"}, status: 200, invited: 1},
		{name: "side both is that exact side", body: map[string]any{"event_ids": []string{e1}, "side": "both"}, status: 200, invited: 1},
		{name: "all, everything already", body: map[string]any{"event_ids": []string{e1, e2}, "all": true}, status: 200, already: 6},
		{name: "re-invite with seats", body: map[string]any{"event_ids": []string{e1}, "unit_ids": []string{a}, "seats": 5}, status: 200, already: 1},
		{name: "two selectors", body: map[string]any{"event_ids": []string{e1}, "all": true, "tag": "x"}, status: 400, code: "invalid_field"},
		{name: "no selector", body: map[string]any{"event_ids": []string{e1}}, status: 400, code: "invalid_field"},
		{name: "no events", body: map[string]any{"event_ids": []string{}, "all": true}, status: 400, code: "invalid_field"},
		{name: "unknown event", body: map[string]any{"event_ids": []string{"enope"}, "all": true}, status: 404, code: "not_found"},
		{name: "unknown unit", body: map[string]any{"event_ids": []string{e1}, "unit_ids": []string{"unope"}}, status: 404, code: "not_found"},
		{name: "negative seats", body: map[string]any{"event_ids": []string{e1}, "all": true, "seats": -1}, status: 400, code: "invalid_field"},
		{name: "bad side", body: map[string]any{"event_ids": []string{e1}, "side": "left"}, status: 400, code: "invalid_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			r := s.call("POST", inv, owner, tt.body)
			if tt.code != "" {
				wantError(t, r, tt.status, tt.code)
				if after := s.seq(w); after != before {
					t.Errorf("seq moved %d → %d on a rejected request", before, after)
				}
				return
			}
			if r.status != tt.status || num(r.body["invited"]) != tt.invited || num(r.body["already"]) != tt.already {
				t.Errorf("%d %s, want %d invited %d already %d", r.status, r.raw, tt.status, tt.invited, tt.already)
			}
		})
	}

	seats := map[string]int{}
	for _, r := range s.list("/v1/weddings/"+w+"/rsvps", owner, 100) {
		seats[r["unit_id"].(string)+"/"+r["event_id"].(string)] = num(r["seats"])
	}
	want := map[string]int{a + "/" + e1: 5, a + "/" + e2: 2, b + "/" + e1: 1, b + "/" + e2: 1, c + "/" + e1: 3, c + "/" + e2: 3}
	if len(seats) != len(want) {
		t.Errorf("invitations = %v, want %v", seats, want)
	}
	for k, n := range want {
		if seats[k] != n {
			t.Errorf("seats of %s = %d, want %d (default: members; a re-invite with seats updates)", k, seats[k], n)
		}
	}

	removes := []struct {
		name    string
		body    map[string]any
		removed int
	}{
		{"two", map[string]any{"event_ids": []string{e1}, "unit_ids": []string{a, b}}, 2},
		{"again: none", map[string]any{"event_ids": []string{e1}, "unit_ids": []string{a, b}}, 0},
		{"across events", map[string]any{"event_ids": []string{e1, e2}, "unit_ids": []string{c}}, 2},
	}
	for _, tt := range removes {
		t.Run("remove "+tt.name, func(t *testing.T) {
			r := s.with(t).must(200, "POST", inv+"/remove", owner, tt.body)
			if num(r.body["removed"]) != tt.removed {
				t.Errorf("removed %s, want %d", r.raw, tt.removed)
			}
		})
	}
	var left []string
	for _, r := range s.list("/v1/weddings/"+w+"/rsvps", owner, 100) {
		left = append(left, r["unit_id"].(string)+"/"+r["event_id"].(string))
	}
	sort.Strings(left)
	wantLeft := []string{a + "/" + e2, b + "/" + e2}
	sort.Strings(wantLeft)
	if !slices.Equal(left, wantLeft) {
		t.Errorf("invitations left = %v, want %v", left, wantLeft)
	}
	wantError(t, s.call("POST", inv+"/remove", owner, map[string]any{"event_ids": []string{e1}, "unit_ids": []string{}}), 400, "invalid_field")
}

func TestHTTP_RSVPs(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("rsvps")
	// e2 starts before e1: rows are ordered by event time, not id.
	e1 := s.event(w, owner, "Wedding", "2026-12-12T10:00:00+05:30")
	e2 := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	e3 := s.event(w, owner, "Reception", "2026-12-13T19:00:00+05:30")
	u1 := s.unit(w, owner, unitBody("Three", "bride", nil, phone(1), phone(2), phone(3)))
	u2 := s.unit(w, owner, unitBody("One", "groom", nil, phone(4)))
	s.must(200, "POST", "/v1/weddings/"+w+"/invitations", owner, map[string]any{"event_ids": []string{e1, e2}, "all": true})
	put := func(u, e string) string { return "/v1/weddings/" + w + "/rsvps/" + u + "/" + e }

	tests := []struct {
		name      string
		path      string
		body      any
		status    int
		code      string
		field     string
		headcount int
	}{
		{name: "yes without headcount is all seats", path: put(u1, e1), body: map[string]any{"status": "yes", "note": "veg"}, status: 200, headcount: 3},
		{name: "yes with headcount", path: put(u1, e1), body: map[string]any{"status": "yes", "headcount": 2}, status: 200, headcount: 2},
		{name: "yes with all seats", path: put(u1, e1), body: map[string]any{"status": "yes", "headcount": 3}, status: 200, headcount: 3},
		{name: "yes with headcount 0", path: put(u1, e1), body: map[string]any{"status": "yes", "headcount": 0}, status: 400, code: "invalid_field", field: "headcount"},
		{name: "yes with more than the seats", path: put(u1, e1), body: map[string]any{"status": "yes", "headcount": 4}, status: 400, code: "invalid_field", field: "headcount"},
		{name: "no with a headcount", path: put(u1, e2), body: map[string]any{"status": "no", "headcount": 1}, status: 400, code: "invalid_field", field: "headcount"},
		{name: "maybe with a headcount", path: put(u1, e2), body: map[string]any{"status": "maybe", "headcount": 2}, status: 400, code: "invalid_field", field: "headcount"},
		{name: "no", path: put(u1, e2), body: map[string]any{"status": "no"}, status: 200},
		{name: "maybe", path: put(u2, e1), body: map[string]any{"status": "maybe"}, status: 200},
		{name: "back to pending", path: put(u2, e1), body: map[string]any{"status": "pending"}, status: 200},
		{name: "yes for a one-seat unit", path: put(u2, e2), body: map[string]any{"status": "yes"}, status: 200, headcount: 1},
		{name: "unknown status", path: put(u1, e1), body: map[string]any{"status": "attending"}, status: 400, code: "invalid_field", field: "status"},
		{name: "not invited", path: put(u1, e3), body: map[string]any{"status": "yes"}, status: 409, code: "not_invited"},
		{name: "unknown unit", path: put("unope", e1), body: map[string]any{"status": "yes"}, status: 404, code: "not_found"},
		{name: "unknown event", path: put(u1, "enope"), body: map[string]any{"status": "yes"}, status: 404, code: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			before := s.seq(w)
			a := s.call("PUT", tt.path, owner, tt.body)
			if tt.code != "" {
				e := wantError(t, a, tt.status, tt.code)
				if tt.field != "" && e["field"] != tt.field {
					t.Errorf("field %v, want %s", e["field"], tt.field)
				}
				if after := s.seq(w); after != before {
					t.Errorf("seq moved %d → %d on a rejected request", before, after)
				}
				return
			}
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			body := tt.body.(map[string]any)
			if a.str("status") != body["status"] || num(a.body["headcount"]) != tt.headcount || a.str("source") != "admin" {
				t.Errorf("answer %s, want status %v headcount %d source admin", a.raw, body["status"], tt.headcount)
			}
			if _, err := time.Parse(time.RFC3339, a.str("answered_at")); err != nil {
				t.Errorf("answered_at: %v: %s", err, a.raw)
			}
			if n, _ := body["note"].(string); a.str("note") != n {
				t.Errorf("note %q, want %q", a.str("note"), n)
			}
		})
	}

	// Listing: by unit id, then event time; filters and pages.
	type row struct{ unit, event, status string }
	rows := func(t *testing.T, query string, limit int) []row {
		path := "/v1/weddings/" + w + "/rsvps"
		if query != "" {
			path += "?" + query
		}
		var out []row
		for _, r := range s.with(t).list(path, owner, limit) {
			out = append(out, row{r["unit_id"].(string), r["event_id"].(string), r["status"].(string)})
			if _, ok := r["seats"]; !ok {
				t.Errorf("rsvp without seats: %v", r)
			}
		}
		return out
	}
	first, second := u1, u2
	if second < first {
		first, second = second, first
	}
	status := map[string]string{u1 + e1: "yes", u1 + e2: "no", u2 + e1: "pending", u2 + e2: "yes"}
	r := func(u, e string) row { return row{u, e, status[u+e]} }
	lists := []struct {
		name  string
		query string
		want  []row
	}{
		{"all", "", []row{r(first, e2), r(first, e1), r(second, e2), r(second, e1)}},
		{"event", "event=" + e1, []row{r(first, e1), r(second, e1)}},
		{"status yes", "status=yes", []row{r(u1, e1), r(u2, e2)}},
		{"status pending", "status=pending", []row{r(u2, e1)}},
		{"unit", "unit=" + u1, []row{r(u1, e2), r(u1, e1)}},
		{"unit and event", "unit=" + u2 + "&event=" + e2, []row{r(u2, e2)}},
		{"event nobody is invited to", "event=" + e3, nil},
	}
	for _, tt := range lists {
		t.Run("list "+tt.name, func(t *testing.T) {
			want := tt.want
			if tt.name == "status yes" && u2 < u1 {
				want = []row{want[1], want[0]}
			}
			for _, limit := range []int{1, 2, 3, 100} {
				if got := rows(t, tt.query, limit); !slices.Equal(got, want) {
					t.Errorf("?%s (limit %d) = %v, want %v", tt.query, limit, got, want)
				}
			}
		})
	}
	wantError(t, s.call("GET", "/v1/weddings/"+w+"/rsvps?status=sure", owner, nil), 400, "invalid_field")
}

// counts is one headcount row.
type counts struct {
	InvitedUnits int `json:"invited_units"`
	InvitedSeats int `json:"invited_seats"`
	YesUnits     int `json:"yes_units"`
	YesHeadcount int `json:"yes_headcount"`
	MaybeUnits   int `json:"maybe_units"`
	NoUnits      int `json:"no_units"`
	PendingUnits int `json:"pending_units"`
}

type headcountEvent struct {
	EventID string `json:"event_id"`
	Name    string `json:"name"`
	counts
}

type headcount struct {
	WeddingID string           `json:"wedding_id"`
	Seq       uint64           `json:"seq"`
	AsOf      string           `json:"as_of"`
	Events    []headcountEvent `json:"events"`
	Totals    counts           `json:"totals"`
}

var countKeys = []string{"invited_units", "invited_seats", "yes_units", "yes_headcount", "maybe_units", "no_units", "pending_units"}

// readHeadcount reads the headcount and checks that its JSON has exactly
// API.md's keys.
func readHeadcount(t *testing.T, s *testServer, w, token string) headcount {
	t.Helper()
	a := s.with(t).must(200, "GET", "/v1/weddings/"+w+"/headcount", token, nil)
	keysAre := func(what string, m map[string]any, want ...string) {
		t.Helper()
		var got []string
		for k := range m {
			got = append(got, k)
		}
		sort.Strings(got)
		want = slices.Clone(want)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s keys = %v, want %v: %s", what, got, want, a.raw)
		}
	}
	keysAre("headcount", a.body, "wedding_id", "seq", "as_of", "events", "totals")
	evs, _ := a.body["events"].([]any)
	for _, e := range evs {
		keysAre("event", obj(e), append([]string{"event_id", "name"}, countKeys...)...)
	}
	keysAre("totals", obj(a.body["totals"]), countKeys...)
	var h headcount
	if err := json.Unmarshal(a.raw, &h); err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.RFC3339, h.AsOf); err != nil {
		t.Errorf("as_of %q: %v", h.AsOf, err)
	}
	return h
}

// expectHeadcount is a naive oracle: the headcount computed from the
// rsvps list of the units in scope, with every event in time order.
func expectHeadcount(t *testing.T, s *testServer, w, owner string, inScope func(unitID string) bool) headcount {
	t.Helper()
	s = s.with(t)
	h := headcount{WeddingID: w}
	idx := map[string]int{}
	for _, e := range s.must(200, "GET", "/v1/weddings/"+w+"/events", owner, nil).items() {
		idx[obj(e)["id"].(string)] = len(h.Events)
		h.Events = append(h.Events, headcountEvent{EventID: obj(e)["id"].(string), Name: obj(e)["name"].(string)})
	}
	units := map[string]bool{}
	for _, r := range s.list("/v1/weddings/"+w+"/rsvps", owner, 1000) {
		u := r["unit_id"].(string)
		if !inScope(u) {
			continue
		}
		units[u] = true
		c := &h.Events[idx[r["event_id"].(string)]].counts
		c.InvitedUnits++
		c.InvitedSeats += num(r["seats"])
		switch r["status"] {
		case "yes":
			c.YesUnits++
			c.YesHeadcount += num(r["headcount"])
		case "maybe":
			c.MaybeUnits++
		case "no":
			c.NoUnits++
		case "pending":
			c.PendingUnits++
		}
	}
	for _, e := range h.Events {
		h.Totals.InvitedSeats += e.InvitedSeats
		h.Totals.YesUnits += e.YesUnits
		h.Totals.YesHeadcount += e.YesHeadcount
		h.Totals.MaybeUnits += e.MaybeUnits
		h.Totals.NoUnits += e.NoUnits
		h.Totals.PendingUnits += e.PendingUnits
	}
	h.Totals.InvitedUnits = len(units)
	return h
}

func sameCounts(t *testing.T, got, want headcount) {
	t.Helper()
	if got.WeddingID != want.WeddingID {
		t.Errorf("wedding_id %q, want %q", got.WeddingID, want.WeddingID)
	}
	if len(got.Events) != len(want.Events) {
		t.Fatalf("events = %+v, want %+v", got.Events, want.Events)
	}
	for i := range want.Events {
		if got.Events[i] != want.Events[i] {
			t.Errorf("event %d = %+v, want %+v", i, got.Events[i], want.Events[i])
		}
	}
	if got.Totals != want.Totals {
		t.Errorf("totals = %+v, want %+v", got.Totals, want.Totals)
	}
}

func TestHTTP_Headcount(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("headcount")
	_, viewer := s.issue(w, owner, "viewer", "")
	wedding := s.event(w, owner, "Wedding", "2026-12-12T10:00:00+05:30")
	sangeet := s.event(w, owner, "Sangeet", "2026-12-11T18:00:00+05:30")
	reception := s.event(w, owner, "Reception", "2026-12-13T19:00:00+05:30")
	a := s.unit(w, owner, unitBody("A", "bride", nil, phone(1), phone(2)))
	b := s.unit(w, owner, unitBody("B", "groom", nil, phone(3), phone(4), phone(5)))
	c := s.unit(w, owner, unitBody("C", "both", nil, phone(6)))
	s.unit(w, owner, unitBody("D", "bride", nil, phone(7), phone(8), phone(9), phone(10))) // invited nowhere
	inv := "/v1/weddings/" + w + "/invitations"
	s.must(200, "POST", inv, owner, map[string]any{"event_ids": []string{sangeet}, "unit_ids": []string{a, b, c}})
	s.must(200, "POST", inv, owner, map[string]any{"event_ids": []string{wedding}, "unit_ids": []string{a}, "seats": 5})
	s.must(200, "POST", inv, owner, map[string]any{"event_ids": []string{wedding}, "unit_ids": []string{b}})
	for _, r := range []struct{ u, e, status string }{{a, sangeet, "yes"}, {c, sangeet, "maybe"}, {a, wedding, "no"}} {
		s.must(200, "PUT", "/v1/weddings/"+w+"/rsvps/"+r.u+"/"+r.e, owner, map[string]any{"status": r.status})
	}
	s.must(200, "PUT", "/v1/weddings/"+w+"/rsvps/"+b+"/"+sangeet, owner, map[string]any{"status": "yes", "headcount": 1})

	want := headcount{WeddingID: w, Events: []headcountEvent{
		{EventID: sangeet, Name: "Sangeet", counts: counts{InvitedUnits: 3, InvitedSeats: 6, YesUnits: 2, YesHeadcount: 3, MaybeUnits: 1}},
		{EventID: wedding, Name: "Wedding", counts: counts{InvitedUnits: 2, InvitedSeats: 8, NoUnits: 1, PendingUnits: 1}},
		{EventID: reception, Name: "Reception"},
	}, Totals: counts{InvitedUnits: 3, InvitedSeats: 14, YesUnits: 2, YesHeadcount: 3, MaybeUnits: 1, NoUnits: 1, PendingUnits: 1}}
	seq := s.seq(w)
	tests := []struct {
		name, token string
	}{
		{"owner", owner}, {"viewer", viewer}, {"root", s.root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := readHeadcount(t, s, w, tt.token)
			sameCounts(t, h, want)
			if h.Seq != seq {
				t.Errorf("seq %d, want the wedding's %d", h.Seq, seq)
			}
		})
	}
	// The oracle agrees with the hand-computed numbers.
	sameCounts(t, expectHeadcount(t, s, w, owner, func(string) bool { return true }), want)
}

func TestHTTP_Audit(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("audit")
	adminID, admin := s.issue(w, owner, "admin", "")
	_, viewer := s.issue(w, owner, "viewer", "")
	_, side := s.issue(w, owner, "side_admin", "bride")
	e := s.event(w, admin, "Sangeet", "2026-12-11T18:00:00+05:30")
	u := s.unit(w, admin, unitBody("Sharma", "bride", nil, phone(1)))
	s.must(200, "POST", "/v1/weddings/"+w+"/invitations", admin, map[string]any{"event_ids": []string{e}, "all": true})
	s.must(200, "PUT", "/v1/weddings/"+w+"/rsvps/"+u+"/"+e, admin, map[string]any{"status": "yes"})
	person := s.must(200, "GET", "/v1/weddings/"+w+"/units/"+u, admin, nil).members()[0]
	s.must(200, "PUT", "/v1/weddings/"+w+"/people/"+person+"/consent", admin, map[string]any{"status": "opted_in", "source": "RSVP card"})
	c := s.must(202, "POST", "/v1/weddings/"+w+"/campaigns", admin, campaignBody(e, u)).str("id")
	s.must(200, "POST", "/v1/weddings/"+w+"/campaigns/"+c+"/cancel", admin, nil)
	seq := s.seq(w)

	a := s.must(200, "GET", "/v1/weddings/"+w+"/audit", owner, nil)
	for _, kind := range []string{"consent_recorded", "campaign_created", "campaign_state_set"} {
		if !strings.Contains(string(a.raw), `"kind":"`+kind+`"`) {
			t.Errorf("no %s in the audit trail: %s", kind, a.raw)
		}
	}
	items := a.items()
	if uint64(len(items)) != seq {
		t.Fatalf("%d audit entries, want %d: %s", len(items), seq, a.raw)
	}
	for i, it := range items {
		m := obj(it)
		if uint64(num(m["seq"])) != seq-uint64(i) {
			t.Errorf("entry %d has seq %v, want %d (newest first)", i, m["seq"], seq-uint64(i))
		}
		if m["kind"] == "" || m["at"] == nil || m["by"] == nil || m["detail"] == nil {
			t.Errorf("entry %d: %v", i, m)
		}
	}
	if newest := obj(items[0]); newest["by"] != adminID {
		t.Errorf("newest change by %v, want the admin token %s", newest["by"], adminID)
	}
	for _, tok := range []string{owner, admin, viewer, side} {
		secret := tok[strings.LastIndexByte(tok, '.')+1:]
		if strings.Contains(string(a.raw), secret) {
			t.Errorf("the audit trail shows a token's secret")
		}
	}

	// Pages of 3 with next as before= (and after=, the generic cursor name)
	// cover every change exactly once.
	for _, param := range []string{"before", "after"} {
		t.Run("pages with "+param, func(t *testing.T) {
			s := s.with(t)
			var seqs []uint64
			cursor := ""
			for range 100 {
				path := "/v1/weddings/" + w + "/audit?limit=3"
				if cursor != "" {
					path += "&" + param + "=" + cursor
				}
				p := s.must(200, "GET", path, owner, nil)
				for _, it := range p.items() {
					seqs = append(seqs, uint64(num(obj(it)["seq"])))
				}
				if cursor = p.str("next"); cursor == "" {
					break
				}
			}
			if uint64(len(seqs)) != seq {
				t.Fatalf("paged seqs = %v, want %d..1", seqs, seq)
			}
			for i, q := range seqs {
				if q != seq-uint64(i) {
					t.Errorf("paged seqs = %v, want %d..1", seqs, seq)
					break
				}
			}
		})
	}

	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"owner", owner, 200}, {"admin", admin, 200}, {"viewer", viewer, 200}, {"root", s.root, 200}, {"side_admin", side, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.with(t).call("GET", "/v1/weddings/"+w+"/audit", tt.token, nil)
			if tt.status != 200 {
				wantError(t, a, tt.status, "forbidden")
				return
			}
			if a.status != 200 || uint64(len(a.items())) != seq {
				t.Errorf("%d: %s", a.status, a.raw)
			}
		})
	}
	wantError(t, s.call("GET", "/v1/weddings/"+w+"/audit?before=yesterday", owner, nil), 400, "invalid_field")
}

func TestHTTP_Snapshots(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w1, owner := s.newWedding("snap-one")
	w2, _ := s.newWedding("snap-two")
	s.unit(w1, owner, unitBody("Sharma", "bride", nil, phone(1)))
	seqs := map[string]int{w1: int(s.seq(w1)), w2: int(s.seq(w2))}
	tests := []struct {
		name   string
		body   any
		status int
		code   string
		want   []string
	}{
		{name: "all, {}", body: "{}", status: 200, want: []string{w1, w2}},
		{name: "all, no body", body: nil, status: 200, want: []string{w1, w2}},
		{name: "one", body: map[string]any{"wedding_id": w1}, status: 200, want: []string{w1}},
		{name: "unknown wedding", body: map[string]any{"wedding_id": "wnope"}, status: 404, code: "not_found"},
		{name: "unknown field", body: map[string]any{"wedding": w1}, status: 400, code: "unknown_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.with(t).call("POST", "/v1/admin/snapshots", s.root, tt.body)
			if tt.code != "" {
				wantError(t, a, tt.status, tt.code)
				return
			}
			if a.status != tt.status {
				t.Fatalf("status %d: %s", a.status, a.raw)
			}
			got := map[string]int{}
			for _, it := range a.items() {
				got[obj(it)["wedding_id"].(string)] = num(obj(it)["seq"])
			}
			if len(got) != len(tt.want) {
				t.Errorf("snapshots %v, want %v", got, tt.want)
			}
			for _, id := range tt.want {
				if got[id] != seqs[id] {
					t.Errorf("snapshot of %s at seq %d, want %d", id, got[id], seqs[id])
				}
			}
		})
	}
}

func TestHTTP_Health(t *testing.T) {
	s := newTestServerWith(t, httpapi.Config{Version: "v-test"}, serverOptions{notReady: true})
	tests := []struct {
		name   string
		path   string
		token  string
		status int
		code   string
	}{
		{"healthz while starting", "/healthz", "", 200, ""},
		{"readyz while starting", "/readyz", "", 503, "not_ready"},
		{"an admin route while starting", "/v1/weddings", s.root, 503, "not_ready"},
		{"metrics while starting", "/metrics", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.with(t).call("GET", tt.path, tt.token, nil)
			if tt.code != "" {
				wantError(t, a, tt.status, tt.code)
				if a.header.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After")
				}
				return
			}
			if a.status != tt.status {
				t.Errorf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
		})
	}
	h := s.must(200, "GET", "/healthz", "", nil)
	if h.str("status") != "ok" || h.str("version") != "v-test" {
		t.Errorf("healthz: %s", h.raw)
	}
	s.srv.SetReady(true)
	if r := s.must(200, "GET", "/readyz", "", nil); r.str("status") != "ready" {
		t.Errorf("readyz: %s", r.raw)
	}
	s.must(200, "GET", "/v1/weddings", s.root, nil)
}

func TestHTTP_Metrics(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("metrics")
	s.unit(w, owner, unitBody("Sharma", "bride", nil, phone(1)))
	s.call("POST", "/v1/weddings/"+w+"/units", owner, unitBody("Again", "bride", nil, phone(1))) // a rejected command
	s.must(200, "GET", "/v1/weddings/"+w+"/headcount", owner, nil)
	a := s.must(200, "GET", "/metrics", "", nil)
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	tests := []struct {
		name, want string
	}{
		{"http requests", "parinaya_http_requests_total{"},
		{"http requests by route", `route="/v1/weddings/{w}/headcount"`},
		{"a 409 counted", `status="409"`},
		{"http latency", "parinaya_http_request_duration_seconds_bucket{"},
		{"journal commits", "parinaya_journal_commit_seconds_bucket"},
		{"commands ok", `parinaya_commands_total{command="AddUnit",outcome="ok"} 1`},
		{"commands rejected", `parinaya_commands_total{command="AddUnit",outcome="rejected"} 1`},
		{"active weddings", "parinaya_active_weddings"},
		{"go runtime", "go_goroutines"},
		{"live heap", "go_gc_heap_live_bytes "},
		{"heap goal", "go_gc_heap_goal_bytes "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(a.raw), tt.want) {
				t.Errorf("/metrics lacks %s", tt.want)
			}
		})
	}
}

func TestHTTP_OpenAPI(t *testing.T) {
	s := newTestServer(t, httpapi.Config{Version: "1.2.3-test"})
	a := s.must(200, "GET", "/openapi.json", "", nil)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title, Version string
		} `json:"info"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(a.raw, &doc); err != nil {
		t.Fatalf("/openapi.json is not JSON: %v", err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"openapi 3.x", strings.HasPrefix(doc.OpenAPI, "3.")},
		{"title", doc.Info.Title != ""},
		{"version is the server's", doc.Info.Version == "1.2.3-test"},
		{"paths", len(doc.Paths) > 0},
		{"error schema", doc.Components.Schemas["Error"] != nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("openapi=%q info=%+v paths=%d", doc.OpenAPI, doc.Info, len(doc.Paths))
			}
		})
	}
}

func TestHTTP_ListWeddingsPages(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	var want []string
	for i := 0; i < 5; i++ {
		w := s.must(201, "POST", "/v1/weddings", s.root, map[string]any{"name": "W", "slug": "w" + strconv.Itoa(i), "date": "2026-12-12", "region": "IN"})
		want = append(want, w.str("id"))
	}
	sort.Strings(want)
	var got []string
	next := ""
	for pages := 0; pages < 10; pages++ {
		a := s.must(200, "GET", "/v1/weddings?limit=2&after="+next, s.root, nil)
		for _, it := range a.items() {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		if next = a.str("next"); next == "" {
			break
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paged ids %v, want %v", got, want)
	}
	if a := s.call("GET", "/v1/weddings/", s.root, nil); a.status != 404 || a.errCode() != "not_found" {
		t.Fatalf("trailing slash: %d %s (want a 404 error body, not a redirect)", a.status, a.raw)
	}
}

func TestHTTP_ListTokens(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("tokens")
	base := "/v1/weddings/" + w + "/tokens"
	viewer := s.must(201, "POST", base, owner, map[string]any{"role": "viewer", "label": "cousin"})
	s.must(204, "DELETE", base+"/"+viewer.str("id"), owner, nil)
	a := s.must(200, "GET", base, owner, nil)
	if strings.Contains(string(a.raw), viewer.str("token")) || strings.Contains(string(a.raw), `"token":`) {
		t.Fatalf("the token list shows secrets: %s", a.raw)
	}
	found := false
	for _, it := range a.items() {
		m := it.(map[string]any)
		if m["id"] == viewer.str("id") {
			found = m["revoked"] == true && m["role"] == "viewer" && m["label"] == "cousin"
		}
	}
	if !found || len(a.items()) < 2 {
		t.Fatalf("token list %s", a.raw)
	}
	s.must(200, "GET", base, s.root, nil)
}
