// Package racy is a fixture lab whose tests pass plain but that has a data
// race, so only its -race run fails.
package racy

import "sync/atomic"

// Counter counts hits from many goroutines.
type Counter struct{ n atomic.Int64 }

// Add counts one hit.
func (c *Counter) Add() { c.n.Add(1) }

// Value returns the hits counted so far.
func (c *Counter) Value() int { return int(c.n.Load()) }
