package httpapi

import (
	"strconv"
	"testing"
)

// TestPageCache_Budget: the cache never holds more than its budget, keeps
// the page just put, and drops a page too large to be worth keeping.
func TestPageCache_Budget(t *testing.T) {
	c := pageCache{budget: 100 << 10}
	body := make([]byte, 10<<10)
	for i := range 1000 {
		k := pageKey{wedding: "w", scope: strconv.Itoa(i)}
		c.put(k, &cachedPage{body: body})
		if c.mu.bytes > c.budget {
			t.Fatalf("after %d puts: %d bytes kept, budget %d", i+1, c.mu.bytes, c.budget)
		}
		if c.get(k) == nil {
			t.Fatalf("put %d is not kept", i)
		}
	}
	sum := 0
	for k, p := range c.mu.m {
		sum += p.size(k)
	}
	if sum != c.mu.bytes || c.len() > 10 {
		t.Errorf("%d pages of %d bytes, counted %d", c.len(), sum, c.mu.bytes)
	}
	// Replacing a page counts its bytes once.
	k := pageKey{wedding: "w", scope: "again"}
	before := c.mu.bytes
	c.put(k, &cachedPage{body: body})
	small := &cachedPage{body: body[:1]}
	c.put(k, small)
	if c.mu.bytes > before+small.size(k) {
		t.Errorf("a replaced page still counted: %d → %d", before, c.mu.bytes)
	}
	c.put(pageKey{scope: "huge"}, &cachedPage{body: make([]byte, c.budget)})
	if c.get(pageKey{scope: "huge"}) != nil {
		t.Errorf("a page of the whole budget was kept")
	}
	none := pageCache{budget: -1}
	none.put(k, &cachedPage{body: body[:1]})
	if none.get(k) != nil {
		t.Errorf("a cache with no budget kept a page")
	}
}
