package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
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

// TestHTTP_BatchPhoneBudget: a batch carrying more phones than the engine
// parses for one request is refused whole with a 400 that says so.
func TestHTTP_BatchPhoneBudget(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("batch-phones")
	var units []any
	for n := 0; n <= domain.MaxBatchPhones; {
		var ms []any
		for j := 0; j < domain.MaxMembers && n <= domain.MaxBatchPhones; j++ {
			ms = append(ms, map[string]any{"name": "guest", "phone": fmt.Sprintf("+9170%08d", n)})
			n++
		}
		units = append(units, map[string]any{"name": "family", "side": "bride", "members": ms})
	}
	seq := s.seq(w)
	a := s.call("POST", "/v1/weddings/"+w+"/units/batch", owner, map[string]any{"units": units})
	e := wantError(t, a, 400, "invalid_field")
	if e["field"] != "units" || !strings.Contains(e["message"].(string), "phones") {
		t.Errorf("error %v, want one on units that names the phones", e)
	}
	if after := s.seq(w); after != seq {
		t.Errorf("seq moved %d → %d on a refused batch", seq, after)
	}
}
