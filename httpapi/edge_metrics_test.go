package httpapi_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestHTTP_MetricsCountUnmatched: the router's 404 and 405 answers are in
// /metrics, under the fixed route label "unmatched": never the raw path
// or method, which any client can vary without bound (one series each).
// Before, they were not counted at all.
func TestHTTP_MetricsCountUnmatched(t *testing.T) {
	s := newTestServer(t, httpapi.Config{})
	w, owner := s.newWedding("unmatched")
	for i := range 5 {
		wantError(t, s.call("GET", "/no/such/path/"+strconv.Itoa(i), "", nil), 404, "not_found")
	}
	wantError(t, s.call("POST", "/v1/weddings/"+w+"/guests", owner, `{}`), 404, "not_found")
	wantError(t, s.call("DELETE", "/v1/weddings/"+w+"/headcount", owner, nil), 405, "method_not_allowed")
	wantError(t, s.call("PUT", "/healthz", "", nil), 405, "method_not_allowed")
	for i := range 3 {
		wantError(t, s.call("BREW"+strconv.Itoa(i), "/coffee", "", nil), 404, "not_found")
	}
	page := string(s.must(200, "GET", "/metrics", "", nil).raw)
	series := func(name string, labels ...string) float64 {
		t.Helper()
		for line := range strings.Lines(page) {
			if !strings.HasPrefix(line, name+"{") {
				continue
			}
			match := true
			for _, l := range labels {
				match = match && strings.Contains(line, l)
			}
			if match {
				f, err := strconv.ParseFloat(strings.TrimSpace(line[strings.LastIndexByte(line, ' '):]), 64)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				return f
			}
		}
		return -1
	}
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"GET 404", []string{`route="unmatched"`, `method="GET"`, `status="404"`}, 5},
		{"POST 404", []string{`route="unmatched"`, `method="POST"`, `status="404"`}, 1},
		{"DELETE 405", []string{`route="unmatched"`, `method="DELETE"`, `status="405"`}, 1},
		{"PUT 405", []string{`route="unmatched"`, `method="PUT"`, `status="405"`}, 1},
		{"any other method", []string{`route="unmatched"`, `method="other"`, `status="404"`}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := series("parinaya_http_requests_total", tt.labels...); got != tt.want {
				t.Errorf("parinaya_http_requests_total%v = %v, want %v", tt.labels, got, tt.want)
			}
			if got := series("parinaya_http_request_duration_seconds_count", tt.labels...); got != tt.want {
				t.Errorf("parinaya_http_request_duration_seconds_count%v = %v, want %v", tt.labels, got, tt.want)
			}
		})
	}
	for _, raw := range []string{"/no/such", "/coffee", "/guests", "BREW"} {
		if strings.Contains(page, raw) {
			t.Errorf("/metrics names a raw path or method %q", raw)
		}
	}
}
