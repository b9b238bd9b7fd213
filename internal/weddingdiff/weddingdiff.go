// Package weddingdiff compares the exported state of two weddings: what a
// snapshot holds and a journal replay rebuilds. The snapshot tools use it to
// verify, tests to assert.
package weddingdiff

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/deepnorm"
)

// Diff describes the first difference between a and b, or returns "".
// Empty and nil slices and maps are the same (msgpack's omitempty does not
// keep the difference); derived indexes are not compared.
func Diff(a, b *domain.Wedding) string {
	na, nb := deepnorm.Copy(a), deepnorm.Copy(b)
	switch {
	case na.Info != nb.Info:
		return fmt.Sprintf("wedding info %+v != %+v", na.Info, nb.Info)
	case na.Seq != nb.Seq || na.LastAt != nb.LastAt:
		return fmt.Sprintf("seq/last change %d/%d != %d/%d", na.Seq, na.LastAt, nb.Seq, nb.LastAt)
	case !reflect.DeepEqual(na.Events, nb.Events):
		return fmt.Sprintf("events differ: %+v != %+v", na.Events, nb.Events)
	case !reflect.DeepEqual(na.Tokens, nb.Tokens):
		return fmt.Sprintf("tokens differ (%d and %d tokens)", len(na.Tokens), len(nb.Tokens))
	case len(na.Units) != len(nb.Units):
		return fmt.Sprintf("%d units != %d units", len(na.Units), len(nb.Units))
	}
	ids := make([]string, 0, len(na.Units))
	for id := range na.Units {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if u, v := na.Units[id], nb.Units[id]; !reflect.DeepEqual(u, v) {
			return fmt.Sprintf("unit %s differs: %+v != %+v", id, u, v)
		}
	}
	if !reflect.DeepEqual(na, nb) {
		return "states differ"
	}
	return ""
}
