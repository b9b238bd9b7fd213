package mpcheck

import (
	"errors"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func TestCheck(t *testing.T) {
	valid := []any{
		nil, true, 1, -1, 300, 1 << 40, 1.5, "", "hello",
		[]byte{1, 2, 3}, []int{1, 2, 3}, map[string]any{"a": []any{1, "x", map[string]int{"b": 2}}},
		make([]int, 70000), string(make([]byte, 70000)),
	}
	for _, v := range valid {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(b); err != nil {
			t.Errorf("Check(msgpack(%T)) = %v", v, err)
		}
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"array32 claiming 4G elements", []byte{0xdd, 0xff, 0xff, 0xff, 0xff}},
		{"map in a map claiming too much", []byte{0x81, 0xa2, 'u', 's', 0x81, 0xa1, 'u', 0xdd, 0x00, 0x3d, 0x09, 0x00}},
		{"str32 longer than input", []byte{0xdb, 0x00, 0x01, 0x00, 0x00, 'a'}},
		{"bin8 truncated", []byte{0xc4, 0x05, 1, 2}},
		{"truncated length", []byte{0xdc, 0x01}},
		{"reserved byte", []byte{0xc1}},
		{"trailing bytes", []byte{0x01, 0x02}},
		{"array missing elements", []byte{0x93, 0x01, 0x02}},
		{"ext32 longer than input", []byte{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(tt.b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Check(%x) = %v, want ErrMalformed", tt.b, err)
			}
		})
	}
}

// FuzzCheck: Check never panics, and whatever it accepts the decoder reads
// to the end without error.
func FuzzCheck(f *testing.F) {
	for _, v := range []any{1, "x", []any{1, map[string]any{"a": "b"}}} {
		b, _ := msgpack.Marshal(v)
		f.Add(b)
	}
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if Check(b) != nil {
			return
		}
		var v any
		if err := msgpack.Unmarshal(b, &v); err != nil {
			// ext types unknown to the decoder are fine to reject there.
			return
		}
	})
}
