package httpapi_test

import (
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_NewTokenNotCached: the one answer that shows a token's secret
// says Cache-Control: no-store, so no cache or proxy between the operator
// and the engine keeps it (RFC 9111 5.2.2.5).
func TestHTTP_NewTokenNotCached(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("no-store")
	for _, by := range []string{s.root, owner} {
		a := s.must(201, "POST", "/v1/weddings/"+w+"/tokens", by, map[string]any{"role": "viewer"})
		if a.str("token") == "" {
			t.Fatalf("no token: %s", a.raw)
		}
		if got := a.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q on the answer with a new token, want no-store", got)
		}
	}
}
