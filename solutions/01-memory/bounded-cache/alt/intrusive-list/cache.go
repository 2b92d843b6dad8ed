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
// most capacity entries and drops the least recently used one when full;
// the recency order is a doubly linked list threaded through the entries
// themselves, around a sentinel. It is safe for use by many goroutines at
// once.
type Cache struct {
	capacity int
	ttl      time.Duration
	load     func(key string) string
	now      func() time.Time

	mu    sync.Mutex
	items map[string]*entry
	ring  entry // sentinel: ring.next is the most recently used entry
}

type entry struct {
	key        string
	value      string
	loaded     time.Time
	prev, next *entry
}

// New returns a cache that holds at most capacity entries and serves each
// value for at most ttl after it was loaded (ttl <= 0: values never go
// stale). load computes the value of a key the cache does not hold. now is
// the clock the cache reads; nil means time.Now (tests pass a fake clock).
func New(capacity int, ttl time.Duration, load func(key string) string, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	c := &Cache{capacity: max(capacity, 1), ttl: ttl, load: load, now: now, items: make(map[string]*entry, capacity)}
	c.ring.prev, c.ring.next = &c.ring, &c.ring
	return c
}

// Get returns the value of key, from memory if the cache holds a fresh
// copy and otherwise by calling load and remembering the result.
func (c *Cache) Get(key string) string {
	c.mu.Lock()
	if e, ok := c.items[key]; ok && (c.ttl <= 0 || c.now().Sub(e.loaded) < c.ttl) {
		c.unlink(e)
		c.pushFront(e)
		v := e.value
		c.mu.Unlock()
		return v
	}
	c.mu.Unlock()

	v := c.load(key)

	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.items[key]; ok {
		c.unlink(old)
		delete(c.items, key)
	}
	e := &entry{key: key, value: v, loaded: c.now()}
	c.items[key] = e
	c.pushFront(e)
	for len(c.items) > c.capacity {
		last := c.ring.prev
		c.unlink(last)
		delete(c.items, last.key)
	}
	return v
}

// unlink takes e out of the recency list; c.mu must be held.
func (c *Cache) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// pushFront makes e the most recently used entry; c.mu must be held.
func (c *Cache) pushFront(e *entry) {
	e.prev, e.next = &c.ring, c.ring.next
	c.ring.next.prev = e
	c.ring.next = e
}

// Len returns how many entries the cache holds now.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
