package storage

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/parinayaos/engine/domain"
)

func TestSnakeCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"WeddingCreated", "wedding_created"},
		{"RSVPRecorded", "rsvp_recorded"},
		{"CampaignStateSet", "campaign_state_set"},
		{"Invited", "invited"},
		{"ImportRecorded", "import_recorded"},
		{"URLSaved", "url_saved"},
		{"A", "a"},
	}
	for _, tt := range tests {
		if got := snakeCase(tt.in); got != tt.want {
			t.Errorf("snakeCase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// headerCases are records of every shape readHeader meets: both encoders
// (the RSVP fast path, reflection), with and without By, compact and wide
// integers.
func headerCases(t testing.TB) []domain.Change {
	t.Helper()
	rsvp := &domain.RSVPRecorded{UnitID: "u1", EventID: "e1", Status: domain.Yes, Headcount: 2, AnsweredAt: 5}
	return []domain.Change{
		{Seq: 1, At: 1_760_000_000_000_000_000, By: "root", WeddingCreated: &domain.WeddingCreated{Info: domain.Info{ID: "w", Name: "n"}}},
		{Seq: 2, At: 3, RSVPRecorded: rsvp},                   // fast path, no By
		{Seq: 300, At: -7, By: "t-admin", RSVPRecorded: rsvp}, // fast path
		{Seq: 1 << 40, At: 1 << 62, By: "t", RSVPRecorded: rsvp, Kept: &domain.KeptAnswer{Key: "k"}},
		{Seq: 70_000, At: 200, EventDeleted: &domain.EventDeleted{ID: "e"}},
		{Seq: 9, At: 9, By: string(bytes.Repeat([]byte("b"), 300)), PeopleMerged: &domain.PeopleMerged{Keep: "p1", Drop: "p2"}},
	}
}

func TestReadHeaderAgreesWithDecode(t *testing.T) {
	for _, c := range headerCases(t) {
		rec, err := AppendChange(nil, &c)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := readHeader(rec)
		if !ok {
			t.Errorf("seq %d: readHeader not ok", c.Seq)
			continue
		}
		if h.seq != c.Seq || h.at != int64(c.At) || string(h.by) != c.By || payloads[h.payload].kind != c.Kind() {
			t.Errorf("seq %d: header %d %d %q %s; want %d %d %q %s", c.Seq, h.seq, h.at, h.by, payloads[h.payload].kind, c.Seq, c.At, c.By, c.Kind())
		}
	}
	// Wide integers, as an encoder without compact ints writes them.
	var buf bytes.Buffer
	buf.WriteByte(ChangeFormatV1)
	enc := msgpack.NewEncoder(&buf)
	c := domain.Change{Seq: 5, At: 6, By: "x", TokenRevoked: &domain.TokenRevoked{ID: "t"}}
	if err := enc.EncodeMapLen(4); err != nil {
		t.Fatal(err)
	}
	_ = enc.EncodeString("q")
	_ = enc.EncodeUint64(5)
	_ = enc.EncodeString("t")
	_ = enc.EncodeInt64(6)
	_ = enc.EncodeString("b")
	_ = enc.EncodeString("x")
	_ = enc.EncodeString("tr")
	_ = enc.Encode(c.TokenRevoked)
	dc, err := DecodeChange(buf.Bytes())
	if err != nil || dc.Seq != 5 || dc.TokenRevoked == nil {
		t.Fatalf("test bug: %+v, %v", dc, err)
	}
	if h, ok := readHeader(buf.Bytes()); !ok || h.seq != 5 || h.at != 6 || string(h.by) != "x" || payloads[h.payload].kind != "token_revoked" {
		t.Errorf("wide integers: %+v, %v", h, ok)
	}
}

func TestReadHeaderRefuses(t *testing.T) {
	rec, err := AppendChange(nil, &domain.Change{Seq: 3, At: 4, By: "b", TokenRevoked: &domain.TokenRevoked{ID: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":         nil,
		"version":       append([]byte{2}, rec[1:]...),
		"not a map":     {ChangeFormatV1, 0x91, 0x01},
		"only a header": rec[:2],
		"unknown key":   {ChangeFormatV1, 0x83, 0xa1, 'q', 0x03, 0xa1, 't', 0x04, 0xa2, 'z', 'z', 0xc0},
		"no time":       {ChangeFormatV1, 0x82, 0xa1, 'q', 0x03, 0xa2, 't', 'r', 0x81, 0xa2, 'i', 'd', 0xa1, 't'},
		"negative seq":  {ChangeFormatV1, 0x83, 0xa1, 'q', 0xff, 0xa1, 't', 0x04, 0xa2, 't', 'r', 0xc0},
		"huge seq":      {ChangeFormatV1, 0x83, 0xa1, 'q', 0xcf, 0xff, 0, 0, 0, 0, 0, 0, 0, 0xa1, 't', 0x04, 0xa2, 't', 'r', 0xc0},
		"string cut":    {ChangeFormatV1, 0x83, 0xa1, 'q', 0x03, 0xa1, 't', 0x04, 0xa1, 'b', 0xa5, 'x'},
	}
	for name, b := range tests {
		if h, ok := readHeader(b); ok {
			t.Errorf("%s: readHeader = %+v, ok", name, h)
		}
	}
	// A record cut anywhere is read up to its payload's name, no further
	// (the payload is decoded, and found corrupt, only if it is wanted).
	for n := range len(rec) {
		if h, ok := readHeader(rec[:n]); ok && n < len("\x01\x84\xa1q\x03\xa1t\x04\xa1b\xa1b\xa2tr") {
			t.Errorf("cut to %d bytes: readHeader = %+v, ok", n, h)
		}
	}
}

// FuzzReadHeader: readHeader never panics, and what it reads from a
// record that decodes is what the decoder reads.
func FuzzReadHeader(f *testing.F) {
	for _, c := range headerCases(f) {
		rec, err := AppendChange(nil, &c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec)
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		h, ok := readHeader(rec)
		c, err := DecodeChange(rec)
		if !ok || err != nil {
			return
		}
		if h.seq != c.Seq || h.at != int64(c.At) || string(h.by) != c.By || payloads[h.payload].kind != AuditKind(&c) {
			t.Fatalf("header %d %d %q %s; decoded %d %d %q %s", h.seq, h.at, h.by, payloads[h.payload].kind, c.Seq, c.At, c.By, AuditKind(&c))
		}
		if r := c.RSVPRecorded; h.rsvp && (r == nil || string(h.unit) != r.UnitID || string(h.event) != r.EventID) {
			t.Fatalf("header says RSVP of %q at %q; decoded %+v", h.unit, h.event, r)
		}
	})
}

// mentionsUnit is how the unit filter reads a change kind it does not
// know: fields named (…)UnitID, (…)UnitIDs, and units' ids.
func TestMentionsUnit(t *testing.T) {
	type grant struct {
		KeepUnitID string
		Seats      int
	}
	type payload struct {
		Grants   []grant
		UnitIDs  []string
		Units    []domain.Unit
		Nested   *struct{ UnitID string }
		ByName   map[string]grant
		Note     string
		PersonID string
	}
	tests := []struct {
		name string
		p    payload
		want bool
	}{
		{"nothing", payload{Note: "u1", PersonID: "u1"}, false},
		{"a field ending in UnitID", payload{Grants: []grant{{KeepUnitID: "u2"}, {KeepUnitID: "u1"}}}, true},
		{"a list of unit ids", payload{UnitIDs: []string{"u0", "u1"}}, true},
		{"a unit", payload{Units: []domain.Unit{{ID: "u1"}}}, true},
		{"a unit's member is not the unit", payload{Units: []domain.Unit{{ID: "u2", Members: []domain.Person{{ID: "u1"}}}}}, false},
		{"nested", payload{Nested: &struct{ UnitID string }{"u1"}}, true},
		{"in a map", payload{ByName: map[string]grant{"x": {KeepUnitID: "u1"}}}, true},
	}
	for _, tt := range tests {
		if got := mentionsUnit(reflectValue(&tt.p), "u1", 0); got != tt.want {
			t.Errorf("%s: mentionsUnit = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v) }

func TestContainsStr(t *testing.T) {
	enc := func(v string) []byte {
		var b bytes.Buffer
		if err := msgpack.NewEncoder(&b).EncodeString(v); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	long := string(bytes.Repeat([]byte("x"), 300))
	tests := []struct {
		rec  []byte
		s    string
		want bool
	}{
		{enc("u1"), "u1", true},
		{enc("u10"), "u1", false},
		{enc("xu1"), "u1", false},
		{append(enc("u10"), enc("u1")...), "u1", true},
		{enc(long), long, true},
		{enc(long + "y"), long, false},
		{enc(string(bytes.Repeat([]byte("z"), 40))), string(bytes.Repeat([]byte("z"), 40)), true},
		{[]byte{0xd9, 2, 'u', '1'}, "u1", true}, // a wider header than needed
		{nil, "u1", false},
		{nil, "", true},
	}
	for _, tt := range tests {
		if got := containsStr(tt.rec, tt.s); got != tt.want {
			t.Errorf("containsStr(%q, %.10q) = %v, want %v", tt.rec, tt.s, got, tt.want)
		}
	}
}

func TestReadHeaderRSVPKeys(t *testing.T) {
	for _, c := range headerCases(t) {
		rec, err := AppendChange(nil, &c)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := readHeader(rec)
		r := c.RSVPRecorded
		if !ok || h.rsvp != (r != nil) || r != nil && (string(h.unit) != r.UnitID || string(h.event) != r.EventID) {
			t.Errorf("seq %d: header %+v, %v", c.Seq, h, ok)
		}
	}
}
