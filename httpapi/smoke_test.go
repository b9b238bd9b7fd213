package httpapi_test

import (
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

func TestHTTP_Smoke(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w := s.must(201, "POST", "/v1/weddings", s.root, map[string]any{"name": "Asha & Rohan", "slug": "asha-rohan", "date": "2026-12-12", "timezone": "Asia/Kolkata", "region": "IN"})
	id := w.str("id")
	tok := s.must(201, "POST", "/v1/weddings/"+id+"/tokens", s.root, map[string]any{"role": "owner"}).str("token")
	ev := s.must(201, "POST", "/v1/weddings/"+id+"/events", tok, map[string]any{"name": "Sangeet", "starts_at": "2026-12-11T18:00:00+05:30"}).str("id")
	u := s.must(201, "POST", "/v1/weddings/"+id+"/units", tok, map[string]any{"name": "Sharma", "side": "bride", "members": []any{map[string]any{"name": "Anil", "phone": "98765 43210", "primary": true}}})
	uid := u.str("id")
	s.must(200, "POST", "/v1/weddings/"+id+"/invitations", tok, map[string]any{"event_ids": []string{ev}, "all": true})
	s.must(200, "PUT", "/v1/weddings/"+id+"/rsvps/"+uid+"/"+ev, tok, map[string]any{"status": "yes"})
	h := s.must(200, "GET", "/v1/weddings/"+id+"/headcount", tok, nil)
	t.Logf("%s", h.raw)
	tot := h.body["totals"].(map[string]any)
	if tot["yes_headcount"].(float64) != 1 {
		t.Fatalf("headcount %s", h.raw)
	}
}
