package storage

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/mpcheck"
)

// ChangeFormatV1 is the journal record format: msgpack of domain.Change.
//
// NB: persisted; must not change.
const ChangeFormatV1 byte = 1

// ErrCorrupt marks data that cannot be decoded: a bad version byte, a
// truncated record, bytes that are not a Change. Test with errors.Is.
var ErrCorrupt = errors.New("storage: corrupt data")

// AppendChange appends the encoding of c to buf.
func AppendChange(buf []byte, c *domain.Change) ([]byte, error) {
	w := bytes.NewBuffer(buf)
	if err := writeChange(w, c); err != nil {
		return buf, err
	}
	return w.Bytes(), nil
}

// writeChange writes the encoding of c to w.
func writeChange(w *bytes.Buffer, c *domain.Change) error {
	w.WriteByte(ChangeFormatV1)
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(w)
	var err error
	if c.RSVPRecorded != nil && c.Kind() == "rsvp_recorded" && c.Kept == nil {
		err = encodeRSVPChange(enc, c)
	} else {
		err = enc.Encode(c)
	}
	if err != nil {
		return fmt.Errorf("storage: encode change seq %d: %w", c.Seq, err)
	}
	return nil
}

// encodeRSVPChange writes an RSVP change, the hot path (most of a wedding's
// journal), without reflection: a quarter of the cost. The bytes are the
// same msgpack map that reflection would write (keys from the struct tags),
// so DecodeChange reads both alike; TestCodecRSVPFastPathMatches checks it.
func encodeRSVPChange(enc *msgpack.Encoder, c *domain.Change) error {
	r := c.RSVPRecorded
	n := 3
	if c.By != "" {
		n++
	}
	m := 6
	if r.Note != "" {
		m++
	}
	enc.EncodeMapLen(n)
	enc.EncodeString("q")
	enc.EncodeUint(c.Seq)
	enc.EncodeString("t")
	enc.EncodeInt(int64(c.At))
	if c.By != "" {
		enc.EncodeString("b")
		enc.EncodeString(c.By)
	}
	enc.EncodeString("rr")
	enc.EncodeMapLen(m)
	enc.EncodeString("u")
	enc.EncodeString(r.UnitID)
	enc.EncodeString("e")
	enc.EncodeString(r.EventID)
	enc.EncodeString("s")
	enc.EncodeUint(uint64(r.Status))
	enc.EncodeString("h")
	enc.EncodeInt(int64(r.Headcount))
	enc.EncodeString("src")
	enc.EncodeUint(uint64(r.Source))
	enc.EncodeString("at")
	enc.EncodeInt(int64(r.AnsweredAt))
	if r.Note != "" {
		enc.EncodeString("n")
		return enc.EncodeString(r.Note)
	}
	return nil
}

// DecodeChange decodes one journal record. Unknown versions and malformed
// bytes are ErrCorrupt; it never panics.
func DecodeChange(b []byte) (domain.Change, error) {
	var c domain.Change
	if len(b) == 0 {
		return c, fmt.Errorf("%w: empty journal record", ErrCorrupt)
	}
	if b[0] != ChangeFormatV1 {
		return c, fmt.Errorf("%w: journal record format %d is unknown", ErrCorrupt, b[0])
	}
	// NB: msgpack allocates what length headers claim before reading;
	// mpcheck bounds every claim by the record's size first.
	if err := mpcheck.Check(b[1:]); err != nil {
		return c, fmt.Errorf("%w: journal record: %v", ErrCorrupt, err)
	}
	dec := msgpack.GetDecoder()
	defer msgpack.PutDecoder(dec)
	r := bytes.NewReader(b[1:])
	dec.Reset(r)
	if err := dec.Decode(&c); err != nil {
		return domain.Change{}, fmt.Errorf("%w: journal record: %v", ErrCorrupt, err)
	}
	if r.Len() != 0 {
		return domain.Change{}, fmt.Errorf("%w: journal record has %d trailing bytes", ErrCorrupt, r.Len())
	}
	return c, nil
}
