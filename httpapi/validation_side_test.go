package httpapi_test

import (
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_SideAdminDefaultSide: a side admin's unit sent without "side"
// goes to its own side, where the other side's admin can neither see nor
// delete it; an explicit "both" stays both, and an admin's unit without a
// side is both (API.md "Roles").
func TestHTTP_SideAdminDefaultSide(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("default-side")
	_, bride := s.issue(w, owner, "side_admin", "bride")
	_, groom := s.issue(w, owner, "side_admin", "groom")
	units := "/v1/weddings/" + w + "/units"
	noSide := func(name string) map[string]any {
		return map[string]any{"name": name, "members": []any{map[string]any{"name": name}}}
	}
	tests := []struct {
		name      string
		token     string
		body      map[string]any
		want      string
		groomSees bool
	}{
		{"bride admin, no side", bride, noSide("Sharma"), "bride", false},
		{"bride admin, side null", bride, map[string]any{"name": "Null", "side": nil, "members": []any{map[string]any{"name": "N"}}}, "bride", false},
		{"bride admin, explicit both", bride, unitBody("Kapoor", "both", nil, ""), "both", true},
		{"owner, no side", owner, noSide("Mehta"), "both", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			one := s.must(201, "POST", units, tt.token, tt.body)
			batch := s.must(200, "POST", units+"/batch", tt.token, map[string]any{"units": []any{tt.body}})
			ids := []string{one.str("id"), obj(batch.body["results"].([]any)[0])["id"].(string)}
			for _, id := range ids {
				if got := s.must(200, "GET", units+"/"+id, owner, nil).str("side"); got != tt.want {
					t.Errorf("unit %s: side %q, want %q", id, got, tt.want)
				}
				a := s.call("GET", units+"/"+id, groom, nil)
				if sees := a.status == 200; sees != tt.groomSees {
					t.Errorf("groom admin GET %s: %d", id, a.status)
				}
				if !tt.groomSees {
					wantError(t, s.call("DELETE", units+"/"+id, groom, nil), 404, "not_found")
				}
			}
		})
	}
}
