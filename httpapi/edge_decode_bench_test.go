package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// BenchmarkDecode_Batch: strict decoding of a units/batch body of 5,000
// units (two members each), the largest body a route takes.
//
//	go test ./httpapi -run '^$' -bench Decode_Batch -count 5
func BenchmarkDecode_Batch(b *testing.B) {
	body := batchBody(5000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var in batchIn
		if err := decode(body, &in); err != nil {
			b.Fatal(err)
		}
	}
}

// batchBody is a units/batch body of n units.
func batchBody(n int) []byte {
	units := make([]map[string]any, n)
	for i := range units {
		units[i] = map[string]any{"name": fmt.Sprintf("Unit %d", i), "side": "bride", "tags": []string{"family", "vip"},
			"members": []map[string]any{
				{"name": fmt.Sprintf("Member %d", i), "phone": fmt.Sprintf("98765 %05d", i), "email": "a@example.in", "primary": true},
				{"name": fmt.Sprintf("Other %d", i), "phone": fmt.Sprintf("98764 %05d", i)},
			}}
	}
	body, err := json.Marshal(map[string]any{"units": units})
	if err != nil {
		panic(err)
	}
	return body
}

// BenchmarkCheckKeys_Batch: the exact-key pass of decode alone (checkKeys)
// on the same body: its share of BenchmarkDecode_Batch.
func BenchmarkCheckKeys_Batch(b *testing.B) {
	body := batchBody(5000)
	t := reflect.TypeFor[*batchIn]()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := checkKeys(body, t); err != nil {
			b.Fatal(err)
		}
	}
}
