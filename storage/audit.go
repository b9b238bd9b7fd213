package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/domain"
)

// The audit trail is every change of a wedding, from its first to its
// last, for as long as the wedding exists. Its newer part is the journal;
// its older part is the audit archive: when the journal is truncated
// behind a snapshot (TruncateJournal, Prune), its records are not dropped
// but moved there, in the same batch as the truncation, so each change is
// in exactly one of the two keyspaces at every moment, crash or not. The
// hot path (Batch) writes nothing more than before; the move costs a copy
// of each record once, when the journal is pruned.
//
// Archive records are journal records byte for byte (see DecodeChange),
// under their own prefix:
//
//	'a' wedding 0x00 seq(8) → the journal record of change seq
//
// A data directory written before the archive existed has none: its
// trail starts at its oldest journal record, which the next truncation
// moves into the archive like any other, so upgrading shortens no history.
// RestoreWeddingWithAudit replaces a wedding's archive with the records an
// export file carries.
//
// NB: persisted key prefix; must not change.
const prefixAudit = 'a'

// AuditRecord is one change of the audit trail as stored: Record is the
// journal record (DecodeChange reads it) of the change at Seq.
type AuditRecord struct {
	Seq    uint64
	Record []byte
}

// archive adds to b, for each journal record of the wedding with seq <
// before, the same record under the audit prefix. The caller deletes the
// journal records in the same batch.
func (d *DB) archive(b *pebble.Batch, wedding string, before uint64) error {
	it, err := d.pdb.NewIter(&pebble.IterOptions{
		LowerBound: seqKey(nil, prefixJournal, wedding, 0),
		UpperBound: seqKey(nil, prefixJournal, wedding, before),
	})
	if err != nil {
		return fmt.Errorf("storage: archive %s: %w", wedding, err)
	}
	defer it.Close()
	var key []byte
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("storage: archive %s: %w", wedding, err)
		}
		// The same key under the audit prefix: 'a' wedding 0x00 seq.
		key = append(append(key[:0], prefixAudit), it.Key()[1:]...)
		if err := b.Set(key, v, nil); err != nil {
			return fmt.Errorf("storage: archive %s: %w", wedding, err)
		}
	}
	return it.Error()
}

// auditView reads one wedding's audit trail as it was at one moment: both
// keyspaces from one Pebble snapshot, so that a truncation moving records
// from the journal to the archive meanwhile is not seen half done.
type auditView struct {
	snap    *pebble.Snapshot
	wedding string
}

func (d *DB) auditView(wedding string) (*auditView, error) {
	if err := checkID(wedding); err != nil {
		return nil, err
	}
	return &auditView{snap: d.pdb.NewSnapshot(), wedding: wedding}, nil
}

func (v *auditView) close() { _ = v.snap.Close() }

// newest calls fn with each record with seq < before (0: every record),
// newest first, until fn says stop. rec is valid only during the call. It
// returns whether it went past the oldest record (no stop).
func (v *auditView) newest(before uint64, fn func(seq uint64, rec []byte) (more bool, err error)) (exhausted bool, err error) {
	upper := func(prefix byte, below uint64) []byte {
		if below == 0 {
			return upperBound(prefix, v.wedding)
		}
		return seqKey(nil, prefix, v.wedding, below)
	}
	below := before
	for _, prefix := range []byte{prefixJournal, prefixAudit} {
		if below == 1 {
			break // nothing below seq 1
		}
		it, err := v.snap.NewIter(&pebble.IterOptions{
			LowerBound: seqKey(nil, prefix, v.wedding, 0),
			UpperBound: upper(prefix, below),
		})
		if err != nil {
			return false, fmt.Errorf("storage: audit %s: %w", v.wedding, err)
		}
		for valid := it.Last(); valid; valid = it.Prev() {
			k := it.Key()
			seq := binary.BigEndian.Uint64(k[len(k)-8:])
			val, err := it.ValueAndErr()
			if err != nil {
				it.Close()
				return false, fmt.Errorf("storage: audit %s seq %d: %w", v.wedding, seq, err)
			}
			// The archive is read below the journal's oldest record only:
			// the two never overlap, but damage must not show a change twice.
			below = seq
			more, err := fn(seq, val)
			if err != nil || !more {
				it.Close()
				return false, err
			}
		}
		err = it.Error()
		it.Close()
		if err != nil {
			return false, fmt.Errorf("storage: audit %s: %w", v.wedding, err)
		}
	}
	return true, nil
}

// AuditRecords calls fn with each of a wedding's audit records with from ≤
// seq ≤ upTo (upTo 0: no bound), oldest first: the archive, then the
// journal. rec is the stored journal record (DecodeChange reads it), valid
// only during the call. fn's error stops the walk and is returned.
func (d *DB) AuditRecords(wedding string, from, upTo uint64, fn func(seq uint64, rec []byte) error) error {
	v, err := d.auditView(wedding)
	if err != nil {
		return err
	}
	defer v.close()
	upper := func(prefix byte) []byte {
		if upTo == 0 || upTo == ^uint64(0) {
			return upperBound(prefix, wedding)
		}
		return seqKey(nil, prefix, wedding, upTo+1)
	}
	next := from
	for _, prefix := range []byte{prefixAudit, prefixJournal} {
		it, err := v.snap.NewIter(&pebble.IterOptions{
			LowerBound: seqKey(nil, prefix, wedding, next),
			UpperBound: upper(prefix),
		})
		if err != nil {
			return fmt.Errorf("storage: audit %s: %w", wedding, err)
		}
		for it.First(); it.Valid(); it.Next() {
			k := it.Key()
			seq := binary.BigEndian.Uint64(k[len(k)-8:])
			val, err := it.ValueAndErr()
			if err == nil {
				err = fn(seq, val)
			}
			if err != nil {
				it.Close()
				return err
			}
			next = seq + 1 // the journal is read above the archive's newest record
		}
		err = it.Error()
		it.Close()
		if err != nil {
			return fmt.Errorf("storage: audit %s: %w", wedding, err)
		}
	}
	return nil
}

// ---- the audit's names for changes ----

// payloadField is one payload of domain.Change: at most one is set.
type payloadField struct {
	index int    // field index in domain.Change
	tag   string // its msgpack key: what a record names first after By
	kind  string // its AuditKind
}

// payloads are domain.Change's payloads; payloadByTag and payloadByKind
// index them.
var payloads, payloadByTag, payloadByKind = func() ([]payloadField, map[string]int, map[string]int) {
	ps := changePayloads()
	byTag, byKind := map[string]int{}, map[string]int{}
	for i, p := range ps {
		byTag[p.tag] = i
		byKind[p.kind] = i
	}
	return ps, byTag, byKind
}()

// changePayloads lists domain.Change's payload fields (every pointer field
// but Kept), each with the name Change.Kind gives it, or for a payload
// Kind does not know, its field name in snake case (ImportRecorded →
// import_recorded), the convention Kind follows: so a change kind added to
// the domain is named, filtered and kept without a change here.
func changePayloads() []payloadField {
	t := reflect.TypeFor[domain.Change]()
	var out []payloadField
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() != reflect.Pointer || f.Name == "Kept" || !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("msgpack"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		var c domain.Change
		reflect.ValueOf(&c).Elem().Field(i).Set(reflect.New(f.Type.Elem()))
		kind := c.Kind()
		if kind == "unknown" {
			kind = snakeCase(f.Name)
		}
		out = append(out, payloadField{index: i, tag: tag, kind: kind})
	}
	return out
}

// snakeCase turns a Go name into snake case: RSVPRecorded → rsvp_recorded.
func snakeCase(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 &&
			(unicode.IsLower(r[i-1]) || i+1 < len(r) && unicode.IsLower(r[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// AuditKind names a change's payload for the audit trail: Change.Kind, or
// for a payload Kind does not name, the payload's field name in snake
// case; "unknown" for a change without a payload.
func AuditKind(c *domain.Change) string {
	if k := c.Kind(); k != "unknown" {
		return k
	}
	if i := payloadOf(c); i >= 0 {
		return payloads[i].kind
	}
	return "unknown"
}

// payloadOf is the index in payloads of c's payload, or -1.
func payloadOf(c *domain.Change) int {
	v := reflect.ValueOf(c).Elem()
	for i, p := range payloads {
		if !v.Field(p.index).IsNil() {
			return i
		}
	}
	return -1
}

// AuditKinds lists every kind AuditKind can name, sorted.
func AuditKinds() []string {
	out := make([]string, len(payloads))
	for i, p := range payloads {
		out[i] = p.kind
	}
	slices.Sort(out)
	return out
}

// ---- reading records cheaply ----

// recordHeader is what a journal record holds before its payload. by and
// tag alias the record.
type recordHeader struct {
	seq     uint64
	at      int64
	by      []byte
	payload int // index in payloads
	// For an rsvp_recorded change (rsvp set): its unit and event, which
	// come first in its payload.
	rsvp        bool
	unit, event []byte
}

// readHeader reads a record's sequence, time, author and payload kind
// without decoding the payload: a filtered audit scan skips most records
// with it. It relies on the order of the encoded fields (domain.Change's:
// Seq, At, By, then the payload; the RSVP fast path writes the same), and
// says !ok for anything else, which the caller then decodes whole.
func readHeader(rec []byte) (h recordHeader, ok bool) {
	if len(rec) < 2 || rec[0] != ChangeFormatV1 {
		return h, false
	}
	n, p, ok := mpMapLen(rec, 1)
	if !ok {
		return h, false
	}
	var seenSeq, seenAt bool
	for range n {
		var key []byte
		if key, p, ok = mpStr(rec, p); !ok {
			return h, false
		}
		switch string(key) {
		case "q":
			var v int64
			var neg bool
			if v, neg, p, ok = mpInt(rec, p); !ok || neg {
				return h, false
			}
			h.seq, seenSeq = uint64(v), true
		case "t":
			var v int64
			if v, _, p, ok = mpInt(rec, p); !ok {
				return h, false
			}
			h.at, seenAt = v, true
		case "b":
			if h.by, p, ok = mpStr(rec, p); !ok {
				return h, false
			}
		default:
			i, known := payloadByTag[string(key)]
			h.payload = i
			if known && i == rsvpPayload {
				h.unit, h.event, h.rsvp = readRSVPKeys(rec, p)
			}
			return h, known && seenSeq && seenAt
		}
	}
	return h, false
}

// rsvpPayload is the index in payloads of RSVPRecorded.
var rsvpPayload = payloadByKind["rsvp_recorded"]

// readRSVPKeys reads the unit and event of an RSVPRecorded payload at
// rec[p:]: its first two fields, u and e, in the order both encoders write
// them; ok is false for anything else.
func readRSVPKeys(rec []byte, p int) (unit, event []byte, ok bool) {
	n, p, ok := mpMapLen(rec, p)
	if !ok || n < 2 {
		return nil, nil, false
	}
	for _, want := range []string{"u", "e"} {
		var key, val []byte
		if key, p, ok = mpStr(rec, p); !ok || string(key) != want {
			return nil, nil, false
		}
		if val, p, ok = mpStr(rec, p); !ok {
			return nil, nil, false
		}
		if want == "u" {
			unit = val
		} else {
			event = val
		}
	}
	return unit, event, true
}

// containsStr reports whether rec may hold the msgpack string s: s's bytes
// right after a string header of its length (any of the header's widths).
func containsStr(rec []byte, s string) bool {
	if s == "" {
		return true
	}
	n := len(s)
	for off := 0; off < len(rec); {
		i := bytes.Index(rec[off:], []byte(s))
		if i < 0 {
			return false
		}
		i += off
		if n < 32 && i >= 1 && rec[i-1] == 0xa0|byte(n) ||
			n < 256 && i >= 2 && rec[i-2] == 0xd9 && int(rec[i-1]) == n ||
			n < 1<<16 && i >= 3 && rec[i-3] == 0xda && int(binary.BigEndian.Uint16(rec[i-2:])) == n ||
			i >= 5 && rec[i-5] == 0xdb && int(binary.BigEndian.Uint32(rec[i-4:])) == n {
			return true
		}
		off = i + 1
	}
	return false
}

// mpMapLen reads a msgpack map header at b[p:].
func mpMapLen(b []byte, p int) (n, next int, ok bool) {
	if p >= len(b) {
		return 0, p, false
	}
	switch c := b[p]; {
	case c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f), p + 1, true
	case c == 0xde && p+3 <= len(b):
		return int(binary.BigEndian.Uint16(b[p+1:])), p + 3, true
	case c == 0xdf && p+5 <= len(b):
		return int(binary.BigEndian.Uint32(b[p+1:])), p + 5, true
	}
	return 0, p, false
}

// mpStr reads a msgpack string at b[p:], aliasing b.
func mpStr(b []byte, p int) (s []byte, next int, ok bool) {
	if p >= len(b) {
		return nil, p, false
	}
	var n int
	switch c := b[p]; {
	case c >= 0xa0 && c <= 0xbf:
		n, p = int(c&0x1f), p+1
	case c == 0xd9 && p+2 <= len(b):
		n, p = int(b[p+1]), p+2
	case c == 0xda && p+3 <= len(b):
		n, p = int(binary.BigEndian.Uint16(b[p+1:])), p+3
	case c == 0xdb && p+5 <= len(b):
		n, p = int(binary.BigEndian.Uint32(b[p+1:])), p+5
	default:
		return nil, p, false
	}
	if n > len(b)-p {
		return nil, p, false
	}
	return b[p : p+n], p + n, true
}

// mpInt reads a msgpack integer at b[p:]. A uint64 above MaxInt64 is
// refused (!ok); neg says the value is negative.
func mpInt(b []byte, p int) (v int64, neg bool, next int, ok bool) {
	if p >= len(b) {
		return 0, false, p, false
	}
	c := b[p]
	var width int
	switch {
	case c <= 0x7f:
		return int64(c), false, p + 1, true
	case c >= 0xe0:
		return int64(int8(c)), true, p + 1, true
	case c == 0xcc || c == 0xd0:
		width = 1
	case c == 0xcd || c == 0xd1:
		width = 2
	case c == 0xce || c == 0xd2:
		width = 4
	case c == 0xcf || c == 0xd3:
		width = 8
	default:
		return 0, false, p, false
	}
	if p+1+width > len(b) {
		return 0, false, p, false
	}
	var u uint64
	for _, d := range b[p+1 : p+1+width] {
		u = u<<8 | uint64(d)
	}
	if c >= 0xd0 { // signed: extend the sign of a width-byte integer
		shift := 64 - 8*uint(width)
		v = int64(u<<shift) >> shift
		return v, v < 0, p + 1 + width, true
	}
	if u > 1<<63-1 {
		return 0, false, p, false
	}
	return int64(u), false, p + 1 + width, true
}

// ---- pages ----

// AuditQuery selects a page of a wedding's audit trail, newest first. The
// filters (By, Kind, From, To, Match) all apply; their zero values select
// every change.
type AuditQuery struct {
	// Before is the cursor: only changes with seq < Before (0: from the
	// newest).
	Before uint64
	// Limit is how many changes the page holds at most; <= 0 returns
	// nothing.
	Limit int
	// MaxBytes > 0 ends the page once its changes' records hold MaxBytes
	// (at least one change is returned).
	MaxBytes int
	// MaxScanBytes > 0 ends the page once it has read that many bytes of
	// records, matching or not, so that a rare filter costs bounded work
	// per call: the page may then be short, even empty, with a Next.
	MaxScanBytes int

	// By: changes by this token id ("root": the operator and the engine).
	By string
	// Kind: changes of this AuditKind.
	Kind string
	// From, To: changes at From or later and before To (0: unbounded).
	From, To domain.Instant
	// Unit, if set: changes concerning a unit (UnitRefs.Matches). Records
	// that cannot concern it are skipped without being decoded.
	Unit *UnitRefs
	// Match, if set, is asked about each change the other filters let
	// through.
	Match func(c *domain.Change) bool
}

// AuditPage is one page of the audit trail.
type AuditPage struct {
	// Changes, newest first.
	Changes []domain.Change
	// Next is the cursor (AuditQuery.Before) of the next page, or 0 when
	// nothing older is stored.
	Next uint64
}

func (q *AuditQuery) headerMatches(h *recordHeader, rec []byte) bool {
	return (q.By == "" || string(h.by) == q.By) &&
		(q.Kind == "" || payloads[h.payload].kind == q.Kind) &&
		(q.From == 0 || h.at >= int64(q.From)) &&
		(q.To == 0 || h.at < int64(q.To)) &&
		(q.Unit == nil || q.Unit.mayMatch(h, rec))
}

func (q *AuditQuery) matches(c *domain.Change) bool {
	return (q.By == "" || c.By == q.By) &&
		(q.Kind == "" || AuditKind(c) == q.Kind) &&
		(q.From == 0 || c.At >= q.From) &&
		(q.To == 0 || c.At < q.To) &&
		(q.Unit == nil || q.Unit.Matches(c)) &&
		(q.Match == nil || q.Match(c))
}

func (q *AuditQuery) filtered() bool {
	return q.By != "" || q.Kind != "" || q.From != 0 || q.To != 0 || q.Unit != nil || q.Match != nil
}

// Audit returns a page of a wedding's audit trail (see AuditQuery): the
// changes of its whole life, the archive's and the journal's alike, newest
// first. A wedding with nothing stored gives an empty page. Decoding
// failures are ErrCorrupt.
//
// NB: like JournalPage, it shows a change once its batch is in Pebble's
// memtable, before its fsync has finished: callers that must show only
// durable changes pass Before = (durable sequence) + 1.
func (d *DB) Audit(wedding string, q AuditQuery) (AuditPage, error) {
	var page AuditPage
	if err := checkID(wedding); err != nil {
		return page, err
	}
	if q.Limit <= 0 || q.Before == 1 {
		return page, nil
	}
	v, err := d.auditView(wedding)
	if err != nil {
		return page, err
	}
	defer v.close()
	page.Changes = make([]domain.Change, 0, min(q.Limit, 128))
	kept, scanned := 0, 0
	var last uint64 // the last record looked at
	full := false
	exhausted, err := v.newest(q.Before, func(seq uint64, rec []byte) (bool, error) {
		if full {
			return false, nil // a record older than a full page: there is a next one
		}
		last = seq
		scanned += len(rec)
		full = q.MaxScanBytes > 0 && scanned >= q.MaxScanBytes
		if q.filtered() {
			if h, ok := readHeader(rec); ok {
				if h.seq != seq {
					return false, fmt.Errorf("%w: wedding %s record at key seq %d holds seq %d", ErrCorrupt, wedding, seq, h.seq)
				}
				if !q.headerMatches(&h, rec) {
					return true, nil // skipped without decoding the payload
				}
			}
		}
		c, err := DecodeChange(rec)
		if err != nil {
			return false, fmt.Errorf("wedding %s seq %d: %w", wedding, seq, err)
		}
		if c.Seq != seq {
			return false, fmt.Errorf("%w: wedding %s record at key seq %d holds seq %d", ErrCorrupt, wedding, seq, c.Seq)
		}
		if q.matches(&c) {
			page.Changes = append(page.Changes, c)
			kept += len(rec)
		}
		full = full || len(page.Changes) >= q.Limit || q.MaxBytes > 0 && kept >= q.MaxBytes
		return true, nil
	})
	if err != nil {
		return AuditPage{}, err
	}
	if !exhausted {
		page.Next = last
	}
	return page, nil
}

// ---- the unit filter ----

// UnitRefs says which changes concern one unit, for the audit's unit
// filter. Changes that name the unit match by its id (units saved or
// deleted, invitations, RSVPs, attention items, campaigns' messages, merge
// suggestions). Those that name only people, phones, messages by their
// place in a campaign, attention items or suggestions by id match through
// the sets, which the caller fills from what the wedding holds now: a
// person who left the unit no longer brings their changes to it. A change
// kind this code does not know matches when one of its fields named
// UnitID (or ending so) holds the unit, or a []string field ending in
// UnitIDs lists it.
type UnitRefs struct {
	Unit        string
	People      map[string]bool           // person ids
	Phones      map[string]bool           // E.164 phones (consent ledgers)
	Messages    map[string]map[int32]bool // campaign id → message indexes
	Attention   map[string]bool           // attention item ids
	Suggestions map[string]bool           // merge suggestion ids
}

// Matches reports whether c concerns the unit.
func (r *UnitRefs) Matches(c *domain.Change) bool {
	u := r.Unit
	switch {
	case c.UnitsSaved != nil:
		return slices.ContainsFunc(c.UnitsSaved.Units, func(x domain.Unit) bool { return x.ID == u })
	case c.UnitDeleted != nil:
		return c.UnitDeleted.ID == u
	case c.Invited != nil:
		return slices.ContainsFunc(c.Invited.Grants, func(g domain.Grant) bool { return g.UnitID == u })
	case c.Uninvited != nil:
		return slices.ContainsFunc(c.Uninvited.Pairs, func(p domain.Pair) bool { return p.UnitID == u })
	case c.RSVPRecorded != nil:
		return c.RSVPRecorded.UnitID == u
	case c.ConsentRecorded != nil:
		return r.People[c.ConsentRecorded.Entry.PersonID] || r.Phones[c.ConsentRecorded.Phone]
	case c.CampaignCreated != nil:
		return slices.ContainsFunc(c.CampaignCreated.Campaign.Messages, func(m domain.Message) bool { return m.UnitID == u })
	case c.MessagesUpdated != nil:
		sent := r.Messages[c.MessagesUpdated.CampaignID]
		return len(sent) > 0 && slices.ContainsFunc(c.MessagesUpdated.Updates, func(m domain.MessageUpdate) bool { return sent[m.Index] })
	case c.AttentionAdded != nil:
		it := &c.AttentionAdded.Item
		return it.UnitID == u || r.People[it.PersonID] || r.Attention[it.ID]
	case c.AttentionResolved != nil:
		return r.Attention[c.AttentionResolved.ID]
	case c.ImportRecorded != nil:
		return slices.ContainsFunc(c.ImportRecorded.Suggestions, func(s domain.MergeSuggestion) bool {
			return s.Existing.UnitID == u || s.Incoming.UnitID == u
		})
	case c.MergeResolved != nil:
		return r.Suggestions[c.MergeResolved.ID]
	case c.PeopleMerged != nil:
		return r.People[c.PeopleMerged.Keep] || r.People[c.PeopleMerged.Drop]
	case c.WeddingCreated != nil, c.WeddingUpdated != nil, c.TokenIssued != nil, c.TokenRevoked != nil,
		c.EventSaved != nil, c.EventDeleted != nil, c.CampaignStateSet != nil:
		return false
	}
	i := payloadOf(c)
	return i >= 0 && mentionsUnit(reflect.ValueOf(c).Elem().Field(payloads[i].index), u, 0)
}

// mayMatch reports, from a record's header and bytes, whether its change
// may concern the unit: false only where Matches is false, so that most
// records of a long trail are skipped without decoding them.
func (r *UnitRefs) mayMatch(h *recordHeader, rec []byte) bool {
	anyOf := func(set map[string]bool) bool {
		for id, in := range set {
			if in && containsStr(rec, id) {
				return true
			}
		}
		return false
	}
	switch payloads[h.payload].kind {
	case "rsvp_recorded":
		return !h.rsvp || string(h.unit) == r.Unit
	case "units_saved", "unit_deleted", "invited", "uninvited", "campaign_created", "import_recorded":
		return containsStr(rec, r.Unit)
	case "consent_recorded":
		return anyOf(r.People) || anyOf(r.Phones)
	case "messages_updated":
		for id, sent := range r.Messages {
			if len(sent) > 0 && containsStr(rec, id) {
				return true
			}
		}
		return false
	case "attention_added":
		return containsStr(rec, r.Unit) || anyOf(r.People) || anyOf(r.Attention)
	case "attention_resolved":
		return anyOf(r.Attention)
	case "merge_resolved":
		return anyOf(r.Suggestions)
	case "people_merged":
		return anyOf(r.People)
	case "wedding_created", "wedding_updated", "token_issued", "token_revoked", "event_saved", "event_deleted", "campaign_state_set":
		return false
	}
	return true // a kind this code does not know: decoded, and looked through
}

// mentionsUnit looks through a payload of a kind UnitRefs does not know
// for a field that names the unit (see UnitRefs).
func mentionsUnit(v reflect.Value, unit string, depth int) bool {
	if depth > 8 {
		return false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && mentionsUnit(v.Elem(), unit, depth+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if mentionsUnit(v.Index(i), unit, depth+1) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if mentionsUnit(it.Value(), unit, depth+1) {
				return true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			switch {
			case fv.Kind() == reflect.String && strings.HasSuffix(f.Name, "UnitID"):
				if fv.String() == unit {
					return true
				}
			case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String && strings.HasSuffix(f.Name, "UnitIDs"):
				for j := range fv.Len() {
					if fv.Index(j).String() == unit {
						return true
					}
				}
			case t == reflect.TypeFor[domain.Unit]() && f.Name == "ID":
				if fv.String() == unit {
					return true
				}
			default:
				if mentionsUnit(fv, unit, depth+1) {
					return true
				}
			}
		}
	}
	return false
}

// ---- what a change replaced ----

// SubjectKind is the kind of thing an AuditSubject names.
type SubjectKind uint8

// Subjects of the audit's before values.
const (
	SubjectUnit      SubjectKind = iota + 1 // ID: a unit
	SubjectEvent                            // ID: an event
	SubjectRSVP                             // ID: a unit, Event: an event
	SubjectWedding                          // the wedding's description
	SubjectConsent                          // ID: a phone's consent ledger
	SubjectToken                            // ID: a token
	SubjectCampaign                         // ID: a campaign's state
	SubjectAttention                        // ID: an attention item
)

// AuditSubject names one thing a change sets, whose earlier value the
// audit trail can show beside the change.
type AuditSubject struct {
	Kind  SubjectKind
	ID    string
	Event string
}

// PriorSubjects lists what c replaces, whose earlier values AuditPriors
// can find: the units a units_saved change saves (its first maxUnits),
// the unit a unit_deleted change removes, the event an event_saved or
// event_deleted change sets or removes, the answer an rsvp_recorded change
// replaces, the wedding's description for wedding_updated, the phone's
// consent for consent_recorded, the token token_revoked ends, the state a
// campaign_state_set change leaves and the attention item an
// attention_resolved change takes off the list. Other changes create what
// they name, or replace nothing worth showing: nil.
func PriorSubjects(c *domain.Change, maxUnits int) []AuditSubject {
	one := func(k SubjectKind, id, event string) []AuditSubject {
		return []AuditSubject{{Kind: k, ID: id, Event: event}}
	}
	switch {
	case c.UnitsSaved != nil:
		us := c.UnitsSaved.Units[:min(len(c.UnitsSaved.Units), max(maxUnits, 0))]
		out := make([]AuditSubject, len(us))
		for i := range us {
			out[i] = AuditSubject{Kind: SubjectUnit, ID: us[i].ID}
		}
		return out
	case c.UnitDeleted != nil:
		return one(SubjectUnit, c.UnitDeleted.ID, "")
	case c.EventSaved != nil:
		return one(SubjectEvent, c.EventSaved.ID, "")
	case c.EventDeleted != nil:
		return one(SubjectEvent, c.EventDeleted.ID, "")
	case c.RSVPRecorded != nil:
		return one(SubjectRSVP, c.RSVPRecorded.UnitID, c.RSVPRecorded.EventID)
	case c.WeddingUpdated != nil:
		return one(SubjectWedding, "", "")
	case c.ConsentRecorded != nil:
		return one(SubjectConsent, c.ConsentRecorded.Phone, "")
	case c.TokenRevoked != nil:
		return one(SubjectToken, c.TokenRevoked.ID, "")
	case c.CampaignStateSet != nil:
		return one(SubjectCampaign, c.CampaignStateSet.ID, "")
	case c.AttentionResolved != nil:
		return one(SubjectAttention, c.AttentionResolved.ID, "")
	}
	return nil
}

// PriorRequest asks what Subject was just before the change at Seq.
type PriorRequest struct {
	Seq     uint64
	Subject AuditSubject
}

// AuditPrior is what a subject was just before a change: one of the value
// fields, or none when it did not exist (a unit or event created by the
// change, a phone without consent entries, ...). Known is false when the
// audit trail cannot say: its search ran out of budget, reached the
// oldest record kept without an answer, or met a change that may have
// altered the subject in a way it cannot follow (people merged, a change
// kind it does not know); the value fields are then unset.
type AuditPrior struct {
	Known     bool
	Unit      *domain.Unit
	Event     *domain.Event
	RSVP      *domain.RSVP // pending when nothing was answered since the invitation
	Wedding   *domain.Info
	Consent   *domain.ConsentEntry
	Token     *domain.Token
	Campaign  *domain.CampaignState
	Attention *domain.AttentionItem
}

// priorTags are the payloads that can settle some subject; the rest
// (messages' statuses, most of a campaign's history) are skipped without
// decoding.
var priorTags = func() map[int]bool {
	m := map[int]bool{}
	for _, k := range []string{"units_saved", "unit_deleted", "event_saved", "event_deleted", "uninvited", "invited",
		"rsvp_recorded", "wedding_created", "wedding_updated", "consent_recorded", "token_issued", "campaign_created",
		"campaign_state_set", "attention_added", "people_merged"} {
		if i, ok := payloadByKind[k]; ok {
			m[i] = true
		}
	}
	return m
}()

// AuditPriors answers each request (see AuditPrior): one walk down the
// audit trail from the newest request's seq, reading at most maxScanBytes
// of records (0: no bound). Decoding failures are ErrCorrupt.
func (d *DB) AuditPriors(wedding string, reqs []PriorRequest, maxScanBytes int) ([]AuditPrior, error) {
	out := make([]AuditPrior, len(reqs))
	if len(reqs) == 0 {
		return out, nil
	}
	v, err := d.auditView(wedding)
	if err != nil {
		return nil, err
	}
	defer v.close()
	s := &priorSearch{reqs: reqs, out: out, open: map[AuditSubject][]int{}, seats: make([]int32, len(reqs))}
	var top uint64
	for i, r := range reqs {
		top = max(top, r.Seq)
		s.open[r.Subject] = append(s.open[r.Subject], i)
		s.left++
	}
	scanned := 0
	var oldest uint64
	exhausted, err := v.newest(top, func(seq uint64, rec []byte) (bool, error) {
		if s.left == 0 || maxScanBytes > 0 && scanned >= maxScanBytes {
			return false, nil
		}
		scanned += len(rec)
		oldest = seq
		if h, ok := readHeader(rec); ok {
			if !priorTags[h.payload] {
				return true, nil
			}
			if h.rsvp && len(s.open[AuditSubject{Kind: SubjectRSVP, ID: string(h.unit), Event: string(h.event)}]) == 0 {
				return true, nil // an answer nobody asks about
			}
		}
		c, err := DecodeChange(rec)
		if err != nil {
			return false, fmt.Errorf("wedding %s seq %d: %w", wedding, seq, err)
		}
		s.settle(&c)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if exhausted && oldest == 1 {
		// Every change since the wedding's first was read: what was not
		// found did not exist (an RSVP not answered is pending).
		for subj, idx := range s.open {
			for _, i := range idx {
				s.out[i].Known = true
				if subj.Kind == SubjectRSVP {
					s.out[i].RSVP = &domain.RSVP{Status: domain.Pending}
				}
			}
		}
	}
	return out, nil
}

// priorSearch is AuditPriors' state: the requests still open, by subject.
type priorSearch struct {
	reqs  []PriorRequest
	out   []AuditPrior
	open  map[AuditSubject][]int
	seats []int32 // per RSVP request: the fewest seats a later re-invite left (0: none)
	left  int
}

// resolve answers the open requests for subj newer than c with what set
// sets (nil: the subject did not exist), or with unknown when known is
// false.
func (s *priorSearch) resolve(subj AuditSubject, c *domain.Change, known bool, set func(p *AuditPrior, i int)) {
	idx := s.open[subj]
	if len(idx) == 0 {
		return
	}
	rest := idx[:0]
	for _, i := range idx {
		if s.reqs[i].Seq <= c.Seq {
			rest = append(rest, i)
			continue
		}
		s.out[i].Known = known
		if known && set != nil {
			set(&s.out[i], i)
		}
		s.left--
	}
	if len(rest) == 0 {
		delete(s.open, subj)
	} else {
		s.open[subj] = rest
	}
}

// resolveAll resolves every open request whose subject keep selects.
func (s *priorSearch) resolveAll(c *domain.Change, known bool, keep func(AuditSubject) bool, set func(p *AuditPrior, i int)) {
	for subj := range s.open {
		if keep(subj) {
			s.resolve(subj, c, known, set)
		}
	}
}

// settle applies one change, read walking down the trail, to the open
// requests: the first change below a request that sets its subject
// answers it.
func (s *priorSearch) settle(c *domain.Change) {
	pending := func(p *AuditPrior, _ int) { p.RSVP = &domain.RSVP{Status: domain.Pending} }
	switch {
	case c.UnitsSaved != nil:
		for i := range c.UnitsSaved.Units {
			u := &c.UnitsSaved.Units[i]
			s.resolve(AuditSubject{Kind: SubjectUnit, ID: u.ID}, c, true, func(p *AuditPrior, _ int) { p.Unit = u })
		}
	case c.UnitDeleted != nil:
		id := c.UnitDeleted.ID
		s.resolve(AuditSubject{Kind: SubjectUnit, ID: id}, c, true, nil)
		s.resolveAll(c, true, func(a AuditSubject) bool { return a.Kind == SubjectRSVP && a.ID == id }, pending)
	case c.EventSaved != nil:
		e := c.EventSaved
		s.resolve(AuditSubject{Kind: SubjectEvent, ID: e.ID}, c, true, func(p *AuditPrior, _ int) { p.Event = e })
	case c.EventDeleted != nil:
		id := c.EventDeleted.ID
		s.resolve(AuditSubject{Kind: SubjectEvent, ID: id}, c, true, nil)
		s.resolveAll(c, true, func(a AuditSubject) bool { return a.Kind == SubjectRSVP && a.Event == id }, pending)
	case c.Uninvited != nil:
		for _, pr := range c.Uninvited.Pairs {
			s.resolve(AuditSubject{Kind: SubjectRSVP, ID: pr.UnitID, Event: pr.EventID}, c, true, pending)
		}
	case c.Invited != nil:
		// A re-invite with fewer seats cut the headcount down to them.
		for _, g := range c.Invited.Grants {
			for _, i := range s.open[AuditSubject{Kind: SubjectRSVP, ID: g.UnitID, Event: g.EventID}] {
				if s.reqs[i].Seq > c.Seq && (s.seats[i] == 0 || g.Seats < s.seats[i]) {
					s.seats[i] = g.Seats
				}
			}
		}
	case c.RSVPRecorded != nil:
		r := c.RSVPRecorded
		s.resolve(AuditSubject{Kind: SubjectRSVP, ID: r.UnitID, Event: r.EventID}, c, true, func(p *AuditPrior, i int) {
			p.RSVP = &domain.RSVP{Status: r.Status, Headcount: r.Headcount, Source: r.Source, AnsweredAt: r.AnsweredAt, Note: r.Note, Seq: c.Seq}
			if s.seats[i] > 0 && p.RSVP.Headcount > s.seats[i] {
				p.RSVP.Headcount = s.seats[i]
			}
		})
	case c.WeddingCreated != nil:
		info := c.WeddingCreated.Info
		s.resolve(AuditSubject{Kind: SubjectWedding}, c, true, func(p *AuditPrior, _ int) { p.Wedding = &info })
	case c.WeddingUpdated != nil:
		info := c.WeddingUpdated.Info
		s.resolve(AuditSubject{Kind: SubjectWedding}, c, true, func(p *AuditPrior, _ int) { p.Wedding = &info })
	case c.ConsentRecorded != nil:
		e := c.ConsentRecorded.Entry
		s.resolve(AuditSubject{Kind: SubjectConsent, ID: c.ConsentRecorded.Phone}, c, true, func(p *AuditPrior, _ int) { p.Consent = &e })
	case c.TokenIssued != nil:
		t := c.TokenIssued
		s.resolve(AuditSubject{Kind: SubjectToken, ID: t.ID}, c, true, func(p *AuditPrior, _ int) { p.Token = t })
	case c.CampaignCreated != nil:
		st := c.CampaignCreated.Campaign.State
		s.resolve(AuditSubject{Kind: SubjectCampaign, ID: c.CampaignCreated.Campaign.ID}, c, true, func(p *AuditPrior, _ int) { p.Campaign = &st })
	case c.CampaignStateSet != nil:
		st := c.CampaignStateSet.State
		s.resolve(AuditSubject{Kind: SubjectCampaign, ID: c.CampaignStateSet.ID}, c, true, func(p *AuditPrior, _ int) { p.Campaign = &st })
	case c.AttentionAdded != nil:
		it := c.AttentionAdded.Item
		s.resolve(AuditSubject{Kind: SubjectAttention, ID: it.ID}, c, true, func(p *AuditPrior, _ int) { p.Attention = &it })
	case c.PeopleMerged != nil:
		// Members, invitations, consent entries and attention items moved
		// between units and phones that the change does not name.
		s.resolveAll(c, false, func(a AuditSubject) bool {
			return a.Kind == SubjectUnit || a.Kind == SubjectRSVP || a.Kind == SubjectConsent || a.Kind == SubjectAttention
		}, nil)
	case c.TokenRevoked != nil, c.MessagesUpdated != nil, c.AttentionResolved != nil,
		c.ImportRecorded != nil, c.MergeResolved != nil:
		// Nothing a request asks about: tokens are revoked once, messages'
		// statuses are not subjects, imports' units are units_saved changes
		// of their own.
	default:
		// A kind this code does not know may have changed anything.
		s.resolveAll(c, false, func(AuditSubject) bool { return true }, nil)
	}
}

// ---- restore ----

// checkAuditRecords checks records for RestoreWeddingWithAudit: in
// sequence order, none past seq, each a journal record of its change.
func checkAuditRecords(wedding string, seq uint64, records []AuditRecord) error {
	var prev uint64
	for _, r := range records {
		if r.Seq == 0 || r.Seq <= prev || r.Seq > seq {
			return fmt.Errorf("%w: wedding %s audit record seq %d after %d (restoring at seq %d)", ErrCorrupt, wedding, r.Seq, prev, seq)
		}
		c, err := DecodeChange(r.Record)
		if err != nil {
			return fmt.Errorf("wedding %s audit record seq %d: %w", wedding, r.Seq, err)
		}
		if c.Seq != r.Seq {
			return fmt.Errorf("%w: wedding %s audit record seq %d holds seq %d", ErrCorrupt, wedding, r.Seq, c.Seq)
		}
		prev = r.Seq
	}
	return nil
}

// AuditSpan describes a wedding's audit trail as stored: how many changes
// it holds, its first and last sequence, and the gaps where sequences are
// missing (a trail starting after 1 is no gap: a data directory from
// before the archive, or an export without audit records, keeps history
// from where it had it). It decodes nothing.
type AuditSpan struct {
	Changes     int
	First, Last uint64
	Gaps        [][2]uint64 // missing sequences, from and to inclusive
}

// AuditSpan reads the keys of a wedding's audit trail.
func (d *DB) AuditSpan(wedding string) (AuditSpan, error) {
	var s AuditSpan
	err := d.AuditRecords(wedding, 0, 0, func(seq uint64, _ []byte) error {
		switch {
		case s.Changes == 0:
			s.First = seq
		case seq != s.Last+1:
			s.Gaps = append(s.Gaps, [2]uint64{s.Last + 1, seq - 1})
		}
		s.Last = seq
		s.Changes++
		return nil
	})
	return s, err
}
