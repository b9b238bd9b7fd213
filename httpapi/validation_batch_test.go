package httpapi_test

import (
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_BatchViewerForbidden: a viewer may not write (API.md "Roles"),
// so units/batch answers it 403 whatever the body: the role is checked
// before any item, and a viewer learns nothing from item validation.
func TestHTTP_BatchViewerForbidden(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("batch-viewer")
	_, viewer := s.issue(w, owner, "viewer", "")
	path := "/v1/weddings/" + w + "/units/batch"
	tests := []struct {
		name string
		body any
	}{
		{"every item invalid at the edge", map[string]any{"units": []any{unitBody("Iyer", "left", nil, phone(1))}}},
		{"every item invalid in the domain", map[string]any{"units": []any{map[string]any{"name": "Nobody", "members": []any{}}}}},
		{"a valid item", map[string]any{"units": []any{unitBody("Sharma", "bride", nil, phone(1))}}},
		{"no units", map[string]any{"units": []any{}}},
		{"malformed JSON", `{"units":[`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.with(t)
			seq := s.seq(w)
			wantError(t, s.call("POST", path, viewer, tt.body), 403, "forbidden")
			if after := s.seq(w); after != seq {
				t.Errorf("seq moved %d → %d by a viewer", seq, after)
			}
		})
	}
}
