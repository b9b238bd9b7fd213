package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_UnitSearchByPhone: GET units?q= finds a stored +919876500007
// however the phone is written (API.md: "q (name or phone)").
func TestHTTP_UnitSearchByPhone(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("phone-search")
	want := s.unit(w, owner, unitBody("Sharma", "bride", nil, phone(7)))
	s.unit(w, owner, unitBody("Verma", "groom", nil, phone(8)))
	for _, q := range []string{"98765 00007", "098765 00007", "+91 98765 00007", "+91-98765-00007", "(98765) 00007", "00007"} {
		t.Run(q, func(t *testing.T) {
			items := s.with(t).must(200, "GET", "/v1/weddings/"+w+"/units?q="+url.QueryEscape(q), owner, nil).items()
			if len(items) != 1 || obj(items[0])["id"] != want {
				t.Fatalf("q=%q found %v, want only %s", q, items, want)
			}
		})
	}
}
