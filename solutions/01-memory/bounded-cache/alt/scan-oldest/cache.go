// Package boundedcache memoizes an expensive per-key computation: the
// product-page fragment that a shop renders for each product and locale.
//
// Every request goes through Cache.Get. A key seen before is answered from
// memory; a new one is loaded (rendered) once and remembered.
package boundedcache

import (
	"sync"
	"time"
)

// Cache remembers the value that load returned for each key. It holds at
// most capacity entries; when full, it drops the entry whose last use is
// the oldest, found by scanning the map (no list: slower evictions, less
// bookkeeping). It is safe for use by many goroutines at once.
type Cache struct {
	capacity int
	ttl      time.Duration
	load     func(key string) string
	now      func() time.Time

	mu   sync.Mutex
	tick uint64 // counts uses, so the smallest lastUse is the LRU entry
	memo map[string]entry
}

type entry struct {
	value   string
	loaded  time.Time
	lastUse uint64
}

// New returns a cache that holds at most capacity entries and serves each
// value for at most ttl after it was loaded (ttl <= 0: values never go
// stale). load computes the value of a key the cache does not hold. now is
// the clock the cache reads; nil means time.Now (tests pass a fake clock).
func New(capacity int, ttl time.Duration, load func(key string) string, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{capacity: max(capacity, 1), ttl: ttl, load: load, now: now, memo: make(map[string]entry, capacity)}
}

// Get returns the value of key, from memory if the cache holds a fresh
// copy and otherwise by calling load and remembering the result.
func (c *Cache) Get(key string) string {
	c.mu.Lock()
	if e, ok := c.memo[key]; ok && (c.ttl <= 0 || c.now().Sub(e.loaded) < c.ttl) {
		c.tick++
		e.lastUse = c.tick
		c.memo[key] = e
		c.mu.Unlock()
		return e.value
	}
	c.mu.Unlock()

	v := c.load(key)

	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.memo[key]; !ok && len(c.memo) >= c.capacity {
		c.evictOldest()
	}
	c.tick++
	c.memo[key] = entry{value: v, loaded: c.now(), lastUse: c.tick}
	return v
}

// evictOldest drops the least recently used entry; c.mu must be held.
func (c *Cache) evictOldest() {
	var oldest string
	first := true
	var min uint64
	for k, e := range c.memo {
		if first || e.lastUse < min {
			oldest, min, first = k, e.lastUse, false
		}
	}
	delete(c.memo, oldest)
}

// Len returns how many entries the cache holds now.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.memo)
}
