package benchmarkslie

// lru is a fixed-size cache that forgets the least recently used entry
// when it is full. It is not safe for concurrent use; Pricer locks it.
type lru[K comparable, V any] struct {
	max   int
	items map[K]*entry[K, V]
	head  entry[K, V] // sentinel: head.next is the most recent entry
}

type entry[K comparable, V any] struct {
	key        K
	val        V
	prev, next *entry[K, V]
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	c := &lru[K, V]{max: max, items: make(map[K]*entry[K, V], max)}
	c.head.prev, c.head.next = &c.head, &c.head
	return c
}

// get returns the value for k and marks it as the most recent.
func (c *lru[K, V]) get(k K) (V, bool) {
	e, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.unlink(e)
	c.pushFront(e)
	return e.val, true
}

// put stores v for k, evicting the least recent entry if the cache is full.
func (c *lru[K, V]) put(k K, v V) {
	if e, ok := c.items[k]; ok {
		e.val = v
		c.unlink(e)
		c.pushFront(e)
		return
	}
	var e *entry[K, V]
	if len(c.items) >= c.max {
		e = c.head.prev // reuse the oldest entry's node
		c.unlink(e)
		delete(c.items, e.key)
	} else {
		e = new(entry[K, V])
	}
	e.key, e.val = k, v
	c.items[k] = e
	c.pushFront(e)
}

func (c *lru[K, V]) len() int { return len(c.items) }

func (c *lru[K, V]) unlink(e *entry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *lru[K, V]) pushFront(e *entry[K, V]) {
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
}
