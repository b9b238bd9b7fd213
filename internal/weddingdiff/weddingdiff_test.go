package weddingdiff_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/weddingdiff"
)

func TestDiff(t *testing.T) {
	base := func() *domain.Wedding {
		return &domain.Wedding{Info: domain.Info{ID: "w1"}, Seq: 3, Units: map[string]*domain.Unit{
			"u1": {ID: "u1", Name: "Sharma", Members: []domain.Person{{ID: "p1", Name: "Anil"}}},
		}}
	}
	tests := []struct {
		name   string
		change func(w *domain.Wedding)
		want   string
	}{
		{"same", func(*domain.Wedding) {}, ""},
		{"nil and empty slices alike", func(w *domain.Wedding) { w.Events = []domain.Event{}; w.Units["u1"].Tags = []string{} }, ""},
		{"info", func(w *domain.Wedding) { w.Info.Name = "x" }, "wedding info"},
		{"seq", func(w *domain.Wedding) { w.Seq = 4 }, "seq/last change"},
		{"events", func(w *domain.Wedding) { w.Events = []domain.Event{{ID: "e1"}} }, "events differ"},
		{"tokens", func(w *domain.Wedding) { w.Tokens = []domain.Token{{ID: "t1"}} }, "tokens differ"},
		{"unit count", func(w *domain.Wedding) { w.Units["u2"] = &domain.Unit{ID: "u2"} }, "1 units != 2 units"},
		{"unit", func(w *domain.Wedding) { w.Units["u1"].Members[0].Phone = "+919876543210" }, "unit u1 differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base()
			tt.change(b)
			got := weddingdiff.Diff(base(), b)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Fatalf("Diff = %q, want %q", got, tt.want)
			}
		})
	}
}
