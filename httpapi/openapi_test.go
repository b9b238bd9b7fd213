package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parinayaos/engine/httpapi"
)

// TestOpenAPI_CoversEveryRoute checks that /openapi.json documents every
// registered route, and nothing that is not registered.
func TestOpenAPI_CoversEveryRoute(t *testing.T) {
	s := newTestServer(t, httpapi.Config{Version: "coverage"})
	a := s.must(200, "GET", "/openapi.json", "", nil)
	var doc struct {
		Info  struct{ Version string } `json:"info"`
		Paths map[string]map[string]struct {
			Summary     string                     `json:"summary"`
			OperationID string                     `json:"operationId"`
			Responses   map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(a.raw, &doc); err != nil {
		t.Fatalf("/openapi.json: %v", err)
	}
	if doc.Info.Version != "coverage" {
		t.Errorf("info.version %q, want this server's %q", doc.Info.Version, "coverage")
	}
	registered := map[string]bool{}
	for method, paths := range s.srv.Routes() {
		for _, path := range paths {
			registered[method+" "+path] = true
		}
	}
	if len(registered) == 0 {
		t.Fatal("no routes registered")
	}
	type route struct{ method, path string }
	var tests []route
	for k := range registered {
		method, path, _ := strings.Cut(k, " ")
		tests = append(tests, route{method, path})
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op, ok := doc.Paths[tt.path][strings.ToLower(tt.method)]
			if !ok {
				t.Fatalf("registered but not in /openapi.json")
			}
			if op.Summary == "" || op.OperationID == "" || len(op.Responses) == 0 {
				t.Errorf("documented without summary, operationId or responses: %+v", op)
			}
		})
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !registered[strings.ToUpper(method)+" "+path] {
				t.Errorf("/openapi.json documents %s %s, which is not registered", strings.ToUpper(method), path)
			}
		}
	}
}
