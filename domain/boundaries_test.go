package domain_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportBoundaries keeps the layering of DESIGN.md: dependencies point
// downward only. domain is pure; storage and snapshot know domain at most;
// actors never reach the HTTP layer.
func TestImportBoundaries(t *testing.T) {
	const mod = "github.com/parinayaos/engine/"
	forbidden := map[string][]string{
		"domain":   {"storage", "snapshot", "actors", "httpapi", "whatsapp", "cmd", "bench"},
		"storage":  {"snapshot", "actors", "httpapi", "whatsapp", "cmd", "bench"},
		"snapshot": {"storage", "actors", "httpapi", "whatsapp", "cmd", "bench"},
		"actors":   {"httpapi", "cmd", "bench"},
		// The Cloud API and its sandbox know nothing of weddings or actors.
		"whatsapp":         {"domain", "storage", "snapshot", "actors", "httpapi", "cmd", "bench"},
		"whatsapp/sandbox": {"domain", "storage", "snapshot", "actors", "httpapi", "cmd", "bench"},
	}
	// Third-party packages domain must not use: I/O, actors, HTTP.
	domainForbidden := []string{"github.com/cockroachdb/pebble", "github.com/anthdm/hollywood",
		"github.com/valyala/fasthttp", "github.com/rs/zerolog", "net/http", "os/exec"}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range bad {
				if dep == mod+b || strings.HasPrefix(dep, mod+b+"/") {
					t.Errorf("%s imports %s", pkg, dep)
				}
			}
			if pkg == "domain" {
				for _, b := range domainForbidden {
					if strings.HasPrefix(dep, b) {
						t.Errorf("domain (pure) depends on %s", dep)
					}
				}
			}
		}
	}
}
