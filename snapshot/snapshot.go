package snapshot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/mpcheck"
)

// NB: persisted; must not change.
const (
	magic = "PWSN"
	// Version is the current format version.
	Version byte = 1
)

const fixedHeader = 4 + 1 + 8 + 8 + 2

// ErrCorrupt marks a snapshot that cannot be trusted.
var ErrCorrupt = errors.New("snapshot: corrupt")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Header describes a snapshot.
type Header struct {
	Version   byte
	WeddingID string
	Seq       uint64
	CreatedAt time.Time
}

// Encode writes a snapshot of w taken at time at.
func Encode(w *domain.Wedding, at time.Time) ([]byte, error) {
	var payload bytes.Buffer
	enc := msgpack.NewEncoder(&payload)
	enc.UseCompactInts(true)
	if err := enc.Encode(w); err != nil {
		return nil, fmt.Errorf("snapshot: encode wedding %s: %w", w.Info.ID, err)
	}
	id := w.Info.ID
	if len(id) > 0xffff {
		return nil, fmt.Errorf("snapshot: wedding id of %d bytes", len(id))
	}
	out := make([]byte, 0, fixedHeader+len(id)+8+payload.Len())
	out = append(out, magic...)
	out = append(out, Version)
	out = binary.BigEndian.AppendUint64(out, w.Seq)
	out = binary.BigEndian.AppendUint64(out, uint64(at.UnixNano()))
	out = binary.BigEndian.AppendUint16(out, uint16(len(id)))
	out = append(out, id...)
	out = binary.BigEndian.AppendUint32(out, uint32(payload.Len()))
	crc := crc32.Update(crc32.Checksum(out, castagnoli), castagnoli, payload.Bytes())
	out = binary.BigEndian.AppendUint32(out, crc)
	return append(out, payload.Bytes()...), nil
}

// ReadHeader parses and checks the header and checksum without decoding the
// state. It returns the payload.
func ReadHeader(b []byte) (Header, []byte, error) {
	var h Header
	if len(b) < fixedHeader {
		return h, nil, fmt.Errorf("%w: %d bytes is shorter than a header", ErrCorrupt, len(b))
	}
	if string(b[:4]) != magic {
		return h, nil, fmt.Errorf("%w: not a snapshot (magic %q)", ErrCorrupt, b[:4])
	}
	h.Version = b[4]
	if h.Version != Version {
		return h, nil, fmt.Errorf("%w: format version %d is unknown (this engine reads %d)", ErrCorrupt, h.Version, Version)
	}
	h.Seq = binary.BigEndian.Uint64(b[5:])
	h.CreatedAt = time.Unix(0, int64(binary.BigEndian.Uint64(b[13:]))).UTC()
	idLen := int(binary.BigEndian.Uint16(b[21:]))
	rest := b[fixedHeader:]
	if len(rest) < idLen+8 {
		return h, nil, fmt.Errorf("%w: truncated header", ErrCorrupt)
	}
	h.WeddingID = string(rest[:idLen])
	plen := int(binary.BigEndian.Uint32(rest[idLen:]))
	want := binary.BigEndian.Uint32(rest[idLen+4:])
	payload := rest[idLen+8:]
	if len(payload) != plen {
		return h, nil, fmt.Errorf("%w: payload is %d bytes, header says %d", ErrCorrupt, len(payload), plen)
	}
	crc := crc32.Update(crc32.Checksum(b[:fixedHeader+idLen+4], castagnoli), castagnoli, payload)
	if crc != want {
		return h, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return h, payload, nil
}

// Decode checks and decodes a snapshot into a ready-to-use wedding (indexes
// and projections rebuilt).
func Decode(b []byte) (*domain.Wedding, Header, error) {
	h, payload, err := ReadHeader(b)
	if err != nil {
		return nil, h, err
	}
	// NB: msgpack allocates what length headers claim before reading;
	// mpcheck bounds every claim by the payload's size (and rejects
	// trailing bytes) first.
	if err := mpcheck.Check(payload); err != nil {
		return nil, h, fmt.Errorf("%w: payload: %v", ErrCorrupt, err)
	}
	w := domain.New()
	if err := msgpack.Unmarshal(payload, w); err != nil {
		return nil, h, fmt.Errorf("%w: payload: %v", ErrCorrupt, err)
	}
	if w.Seq != h.Seq || w.Info.ID != h.WeddingID {
		return nil, h, fmt.Errorf("%w: state is wedding %q at seq %d, header says %q at %d",
			ErrCorrupt, w.Info.ID, w.Seq, h.WeddingID, h.Seq)
	}
	if err := check(w); err != nil {
		return nil, h, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	w.Reindex()
	return w, h, nil
}

// check rejects state no sequence of changes can produce (a valid checksum
// over impossible state is still corrupt).
func check(w *domain.Wedding) error {
	if w.Info.ID == "" {
		return errors.New("wedding without id")
	}
	tokenIDs := map[string]bool{}
	hashes := map[[32]byte]bool{}
	for _, t := range w.Tokens {
		if t.ID == "" || tokenIDs[t.ID] || hashes[t.Hash] {
			return fmt.Errorf("token %q empty or repeated", t.ID)
		}
		tokenIDs[t.ID], hashes[t.Hash] = true, true
		switch {
		case t.Role == domain.RoleSideAdmin && (t.Side == domain.SideBride || t.Side == domain.SideGroom):
		case (t.Role == domain.RoleViewer || t.Role == domain.RoleAdmin || t.Role == domain.RoleOwner) && t.Side == domain.SideBoth:
		default:
			return fmt.Errorf("token %q has role %d side %d", t.ID, t.Role, t.Side)
		}
	}
	events := map[string]bool{}
	for i, e := range w.Events {
		if e.ID == "" || events[e.ID] || e.Visibility > domain.InviteOnly {
			return fmt.Errorf("event %q empty, repeated or malformed", e.ID)
		}
		if i > 0 {
			p := w.Events[i-1]
			if p.StartsAt > e.StartsAt || p.StartsAt == e.StartsAt && p.ID > e.ID {
				return fmt.Errorf("events out of time order at %q", e.ID)
			}
		}
		events[e.ID] = true
	}
	people := map[string]bool{}
	phones := map[string]bool{}
	for id, u := range w.Units {
		if u == nil || u.ID != id || u.Side > domain.SideGroom || len(u.Members) == 0 || len(u.Members) > domain.MaxMembers {
			return fmt.Errorf("unit %q is malformed", id)
		}
		primaries := 0
		for _, p := range u.Members {
			if p.ID == "" || people[p.ID] {
				return fmt.Errorf("person id %q empty or repeated", p.ID)
			}
			if p.Phone != "" && phones[p.Phone] {
				return fmt.Errorf("phone of person %q held twice", p.ID)
			}
			people[p.ID], phones[p.Phone] = true, p.Phone != ""
			if p.Primary {
				primaries++
			}
		}
		if primaries != 1 {
			return fmt.Errorf("unit %q has %d primary contacts", id, primaries)
		}
		seen := map[string]bool{}
		for _, inv := range u.Invitations {
			if !events[inv.EventID] || seen[inv.EventID] || inv.Seats < 1 || inv.Seats > domain.MaxSeats {
				return fmt.Errorf("unit %q has an impossible invitation to %q", id, inv.EventID)
			}
			seen[inv.EventID] = true
			r := inv.RSVP
			if r.Status > domain.Maybe || r.Headcount < 0 || r.Headcount > inv.Seats ||
				(r.Status == domain.Yes) != (r.Headcount > 0) || r.Source > domain.SourceWeb || r.Seq > w.Seq {
				return fmt.Errorf("unit %q has an impossible rsvp at %q", id, inv.EventID)
			}
		}
	}
	return nil
}
