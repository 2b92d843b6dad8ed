// Package boundedcache memoizes an expensive per-key computation: the
// product-page fragment that a shop renders for each product and locale.
//
// Every request goes through Cache.Get. A key seen before is answered from
// memory; a new one is loaded (rendered) once and remembered.
package boundedcache

import (
	"container/list"
	"sync"
	"time"
)

// Cache remembers the value that load returned for each key, so that a key
// asked for again is served without calling load. It is safe for use by
// many goroutines at once.
//
// It holds at most capacity entries. When a new entry would go over, the
// least recently used one is dropped. A value older than ttl is loaded
// again: expiry counts from when the value was loaded, not from when it
// was last read, so a hot key is still refreshed every ttl.
type Cache struct {
	capacity int
	ttl      time.Duration
	load     func(key string) string
	now      func() time.Time

	mu    sync.Mutex
	items map[string]*list.Element // key -> element of order holding *entry
	order *list.List               // front: most recently used
}

type entry struct {
	key     string
	value   string
	expires time.Time // zero: never
}

// New returns a cache that holds at most capacity entries and serves each
// value for at most ttl after it was loaded (ttl <= 0: values never go
// stale). load computes the value of a key the cache does not hold. now is
// the clock the cache reads; nil means time.Now (tests pass a fake clock).
func New(capacity int, ttl time.Duration, load func(key string) string, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	if capacity < 1 {
		capacity = 1
	}
	return &Cache{
		capacity: capacity,
		ttl:      ttl,
		load:     load,
		now:      now,
		// A map never gives back the memory of its buckets, even after
		// delete, so size it once for the bound it will live with.
		items: make(map[string]*list.Element, capacity),
		order: list.New(),
	}
}

// Get returns the value of key, from memory if the cache holds a fresh
// copy and otherwise by calling load and remembering the result.
func (c *Cache) Get(key string) string {
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry)
		if e.expires.IsZero() || c.now().Before(e.expires) {
			c.order.MoveToFront(el)
			c.mu.Unlock()
			return e.value // read after Unlock: a load of the same key may be storing it now
		}
		c.remove(el) // stale
	}
	c.mu.Unlock()

	// Load outside the lock: rendering is slow and other keys should not
	// wait for it. Two goroutines that miss the same key at once both
	// load it; the second store wins, which is harmless.
	v := c.load(key)

	c.mu.Lock()
	defer c.mu.Unlock()
	var expires time.Time
	if c.ttl > 0 {
		expires = c.now().Add(c.ttl)
	}
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry)
		e.value, e.expires = v, expires
		c.order.MoveToFront(el)
		return v
	}
	c.items[key] = c.order.PushFront(&entry{key: key, value: v, expires: expires})
	for c.order.Len() > c.capacity {
		c.remove(c.order.Back())
	}
	return v
}

// remove drops one entry; c.mu must be held.
func (c *Cache) remove(el *list.Element) {
	c.order.Remove(el)
	delete(c.items, el.Value.(*entry).key)
}

// Len returns how many entries the cache holds now.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
