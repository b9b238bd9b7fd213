package httpapi_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/httpapi"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestHTTP_RequestLog: one structured line per request with route,
// status, duration, wedding and request id, and no phone number anywhere,
// though phones travel in bodies, query strings and error messages.
func TestHTTP_RequestLog(t *testing.T) {
	var logs lockedBuffer
	s := newTestServer(t, httpapi.Config{Logger: zerolog.New(&logs), LogRequests: true})
	w, owner := s.newWedding("logs")
	unit := map[string]any{"name": "Sharma", "members": []any{map[string]any{"name": "Anil", "phone": "+91 98765 43210"}}}
	s.must(201, "POST", "/v1/weddings/"+w+"/units", owner, unit)
	s.must(409, "POST", "/v1/weddings/"+w+"/units", owner, unit) // duplicate_phone names the phone to the client
	s.must(200, "GET", "/v1/weddings/"+w+"/units?q=9876543210", owner, nil)
	s.call("GET", "/v1/weddings/"+w+"/headcount", owner, nil, "X-Request-Id", "req-42")

	out := logs.String()
	for _, digits := range []string{"9876543210", "98765 43210", "43210"} {
		if strings.Contains(out, digits) {
			t.Fatalf("the request log holds a phone (%q):\n%s", digits, out)
		}
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["message"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) < 6 {
		t.Fatalf("%d request lines, want one per request (≥ 6):\n%s", len(lines), out)
	}
	last := lines[len(lines)-1]
	for _, k := range []string{"route", "method", "status", "duration", "wedding_id", "request_id"} {
		if _, ok := last[k]; !ok {
			t.Fatalf("request line without %q: %v", k, last)
		}
	}
	if last["route"] != "/v1/weddings/{w}/headcount" || last["wedding_id"] != w || last["request_id"] != "req-42" || last["status"] != float64(200) {
		t.Fatalf("headcount line %v", last)
	}
}
