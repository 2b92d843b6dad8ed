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

// Cache remembers the value that load returned for each key, so that a key
// asked for again is served without calling load. It is safe for use by
// many goroutines at once.
type Cache struct {
	capacity int
	ttl      time.Duration
	load     func(key string) string
	now      func() time.Time

	mu   sync.Mutex
	memo map[string]string
}

// New returns a cache that holds at most capacity entries and serves each
// value for at most ttl after it was loaded (ttl <= 0: values never go
// stale). load computes the value of a key the cache does not hold. now is
// the clock the cache reads; nil means time.Now (tests pass a fake clock).
func New(capacity int, ttl time.Duration, load func(key string) string, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{
		capacity: capacity,
		ttl:      ttl,
		load:     load,
		now:      now,
		memo:     make(map[string]string),
	}
}

// Get returns the value of key, from memory if the cache holds it and
// otherwise by calling load and remembering the result.
func (c *Cache) Get(key string) string {
	c.mu.Lock()
	v, ok := c.memo[key]
	c.mu.Unlock()
	if ok {
		return v
	}

	// Load outside the lock: rendering is slow and other keys should not
	// wait for it.
	v = c.load(key)

	c.mu.Lock()
	c.memo[key] = v
	c.mu.Unlock()
	return v
}

// Len returns how many entries the cache holds now.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.memo)
}
