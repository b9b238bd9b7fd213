package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_DuplicatePhoneSideScope: a phone stays unique in the whole
// wedding, but the 409 names its holder (existing_id) only to a token that
// may see the holder's unit (API.md: "whatever a token may not see does not
// exist for it").
func TestHTTP_DuplicatePhoneSideScope(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("dup-scope")
	groom := s.must(201, "POST", "/v1/weddings/"+w+"/units", owner, unitBody("Verma", "groom", nil, phone(1)))
	groomPerson := obj(groom.body["members"].([]any)[0])["id"].(string)
	both := s.must(201, "POST", "/v1/weddings/"+w+"/units", owner, unitBody("Kapoor", "both", nil, phone(2)))
	bothPerson := obj(both.body["members"].([]any)[0])["id"].(string)
	_, bride := s.issue(w, owner, "side_admin", "bride")
	units := "/v1/weddings/" + w + "/units"

	tests := []struct {
		name     string
		token    string
		phone    int
		existing string // "" for none
		hidden   []string
	}{
		{"bride admin, groom guest's phone", bride, 1, "", []string{groomPerson, groom.str("id")}},
		{"bride admin, phone of a unit of both", bride, 2, bothPerson, nil},
		{"owner, groom guest's phone", owner, 1, groomPerson, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			check := func(t *testing.T, e map[string]any, raw []byte) {
				t.Helper()
				got, _ := e["existing_id"].(string)
				if got != tt.existing {
					t.Errorf("existing_id %q, want %q: %s", got, tt.existing, raw)
				}
				for _, id := range tt.hidden {
					if strings.Contains(string(raw), id) {
						t.Errorf("answer names %s, which the token may not see: %s", id, raw)
					}
				}
			}
			a := s.call("POST", units, tt.token, unitBody("Sharma", "bride", nil, phone(tt.phone)))
			check(t, wantError(t, a, 409, "duplicate_phone"), a.raw)

			b := s.must(200, "POST", units+"/batch", tt.token, map[string]any{"units": []any{
				unitBody("Sharma", "bride", nil, phone(tt.phone)),
			}})
			res := obj(b.body["results"].([]any)[0])
			e := obj(res["error"])
			if e["code"] != "duplicate_phone" {
				t.Fatalf("batch item: %s", b.raw)
			}
			check(t, e, b.raw)
		})
	}
}
