// Package counter counts events by name.
package counter

import "sync"

// Counter counts events by name; it is meant for concurrent use.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

// New returns an empty counter.
func New() *Counter { return &Counter{n: map[string]int{}} }

// Inc counts one event called name.
func (c *Counter) Inc(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[name]++
}

// Get returns how many events called name were counted.
func (c *Counter) Get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}
