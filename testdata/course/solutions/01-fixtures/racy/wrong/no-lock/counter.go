// Package racy is a fixture lab whose tests pass plain but that has a data
// race, so only its -race run fails.
package racy

// Counter counts hits from many goroutines.
type Counter struct{ n int }

// Add counts one hit.
func (c *Counter) Add() { c.n++ }

// Value returns the hits counted so far.
func (c *Counter) Value() int { return c.n }
