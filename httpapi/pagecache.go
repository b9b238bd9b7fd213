package httpapi

import (
	"hash/maphash"
	"sync"

	"github.com/parinayaos/engine/domain"
)

// The guests' pages are cached as rendered bytes, per wedding, scope (the
// site, or one guest link) and language, so that a link shared in a family
// group and opened by a hundred phones at once is rendered once.
//
// A cached page says what it was made from: the view's Edition (website,
// events, links, info), the view's sequence, and for a household's page a
// tag of the household (its name and its invitations with their answers).
// It is served as is while the wedding's view is the same; after the
// wedding moved, a site page is still good while the Edition is, and a
// household's page while the Edition is and the household, read again
// from the wedding, has the same tag. So an answer elsewhere in the
// wedding costs one read of the household, not a render; an answer of the
// household, a website saved or published, an event edited, or any link of
// the wedding issued or revoked renders it again.

// DefaultPageCacheBytes bounds the rendered pages kept (Config.PageCacheBytes).
const DefaultPageCacheBytes = 64 << 20

// pageKey names a cached page.
type pageKey struct {
	wedding string
	scope   string // "" for the site; a guest link's id
	lang    string
	// bucket is the CSRF token's time bucket a household's page carries.
	bucket int64
}

// cachedPage is a rendered page and what it was made from. Immutable once
// in the cache.
type cachedPage struct {
	edition domain.Edition
	seq     uint64
	unit    uint64 // the household's tag (unitTag); 0 for a site page
	body    []byte // a 200's
}

// pageEntryBytes is what a cached page costs beside its body and key
// strings: the map entry, the key and the cachedPage.
const pageEntryBytes = 160

// size is what a page kept under k counts against the budget.
func (p *cachedPage) size(k pageKey) int {
	return len(p.body) + len(k.wedding) + len(k.scope) + pageEntryBytes
}

// pageCache holds rendered pages up to a byte budget. Past it, entries go
// in the map's (random) order until three quarters of the budget is left:
// nothing to keep in order on the hot path, and a page evicted is only
// rendered again.
type pageCache struct {
	budget int
	mu     struct {
		sync.RWMutex
		m     map[pageKey]*cachedPage
		bytes int
	}
}

func (c *pageCache) get(k pageKey) *cachedPage {
	c.mu.RLock()
	p := c.mu.m[k]
	c.mu.RUnlock()
	return p
}

func (c *pageCache) put(k pageKey, p *cachedPage) {
	n := p.size(k)
	if c.budget <= 0 || n > c.budget/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.m == nil {
		c.mu.m = make(map[pageKey]*cachedPage)
	}
	if old := c.mu.m[k]; old != nil {
		c.mu.bytes -= old.size(k)
	}
	c.mu.m[k] = p
	c.mu.bytes += n
	if c.mu.bytes <= c.budget {
		return
	}
	for k2, p2 := range c.mu.m {
		if c.mu.bytes <= c.budget*3/4 {
			break
		}
		if k2 != k {
			delete(c.mu.m, k2)
			c.mu.bytes -= p2.size(k2)
		}
	}
}

// len is the number of pages kept (tests).
func (c *pageCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.mu.m)
}

// unitTagSeed keys unitTag's hash: one per process is enough, tags are
// never stored.
var unitTagSeed = maphash.MakeSeed()

// unitTag is a hash of what a household's page shows of the household:
// its name and, per invitation, the event, the seats and the answer.
func unitTag(u *domain.Unit) uint64 {
	var h maphash.Hash
	h.SetSeed(unitTagSeed)
	h.WriteString(u.Name)
	for i := range u.Invitations {
		inv := &u.Invitations[i]
		h.WriteByte(0)
		h.WriteString(inv.EventID)
		h.WriteByte(0)
		var b [9]byte
		putU32(b[0:], uint32(inv.Seats))
		putU32(b[4:], uint32(inv.RSVP.Headcount))
		b[8] = byte(inv.RSVP.Status)
		h.Write(b[:])
	}
	t := h.Sum64()
	if t == 0 {
		t = 1 // 0 is a site page's
	}
	return t
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
