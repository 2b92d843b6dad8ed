// Package racy is a fixture lab whose tests pass plain but that has a data
// race, so only its -race run fails.
package racy

import "sync"

// Counter counts hits from many goroutines.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Add counts one hit.
func (c *Counter) Add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

// Value returns the hits counted so far.
func (c *Counter) Value() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
