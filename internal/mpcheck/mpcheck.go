// Package mpcheck validates the shape of msgpack bytes before they are
// decoded.
//
// Why: msgpack v5.4.1 allocates what a length header claims before reading
// the elements (decode_slice.go tests a flag with "!= 1", so its allocation
// limit never applies). A 13-byte journal record claiming a 4-billion
// element array kills the process with an out-of-memory fatal error, which
// no recover() catches. Check walks the bytes without allocating and
// rejects any header that claims more than the input could hold, so what
// the decoder allocates is bounded by the input's size.
package mpcheck

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is returned for bytes that are not exactly one msgpack value
// whose lengths fit in the input.
var ErrMalformed = errors.New("mpcheck: malformed msgpack")

// Check reports whether b is exactly one msgpack value (no trailing bytes)
// in which every length fits in the bytes that follow it.
func Check(b []byte) error {
	pos := 0
	pending := 1 // values still to read
	for pending > 0 {
		if pos >= len(b) {
			return fmt.Errorf("%w: truncated at byte %d", ErrMalformed, pos)
		}
		c := b[pos]
		pos++
		pending--
		var data, items, lenBytes int // bytes to skip; child values; width of a length field
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		case c <= 0x8f: // fixmap
			items = 2 * int(c&0x0f)
		case c <= 0x9f: // fixarray
			items = int(c & 0x0f)
		case c <= 0xbf: // fixstr
			data = int(c & 0x1f)
		case c == 0xc1:
			return fmt.Errorf("%w: reserved byte 0xc1 at %d", ErrMalformed, pos-1)
		case c == 0xc4 || c == 0xd9: // bin8, str8
			lenBytes = 1
		case c == 0xc5 || c == 0xda: // bin16, str16
			lenBytes = 2
		case c == 0xc6 || c == 0xdb: // bin32, str32
			lenBytes = 4
		case c >= 0xc7 && c <= 0xc9: // ext8/16/32: length, then type byte, then data
			lenBytes, data = 1<<(c-0xc7), 1
		case c == 0xca || c == 0xce || c == 0xd2: // float32, uint32, int32
			data = 4
		case c == 0xcb || c == 0xcf || c == 0xd3: // float64, uint64, int64
			data = 8
		case c == 0xcc || c == 0xd0: // uint8, int8
			data = 1
		case c == 0xcd || c == 0xd1: // uint16, int16
			data = 2
		case c >= 0xd4 && c <= 0xd8: // fixext 1..16: type byte + data
			data = 1 + 1<<(c-0xd4)
		case c >= 0xdc && c <= 0xdf: // array16, array32, map16, map32
			width := 2
			if c == 0xdd || c == 0xdf {
				width = 4
			}
			n, ok := readLen(b, pos, width)
			if !ok {
				return fmt.Errorf("%w: truncated length at %d", ErrMalformed, pos)
			}
			pos += width
			items = n
			if c >= 0xde {
				items = 2 * n
			}
		}
		if lenBytes > 0 {
			n, ok := readLen(b, pos, lenBytes)
			if !ok {
				return fmt.Errorf("%w: truncated length at %d", ErrMalformed, pos)
			}
			pos += lenBytes
			data += n
		}
		if data > len(b)-pos {
			return fmt.Errorf("%w: %d bytes claimed at %d, %d left", ErrMalformed, data, pos, len(b)-pos)
		}
		pos += data
		// Every value takes at least one byte: more pending values than
		// bytes left is a lie, whatever they are.
		pending += items
		if pending > len(b)-pos {
			return fmt.Errorf("%w: %d values claimed at %d, %d bytes left", ErrMalformed, pending, pos, len(b)-pos)
		}
	}
	if pos != len(b) {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(b)-pos)
	}
	return nil
}

func readLen(b []byte, pos, width int) (int, bool) {
	if width > len(b)-pos {
		return 0, false
	}
	switch width {
	case 1:
		return int(b[pos]), true
	case 2:
		return int(binary.BigEndian.Uint16(b[pos:])), true
	default:
		return int(binary.BigEndian.Uint32(b[pos:])), true
	}
}
