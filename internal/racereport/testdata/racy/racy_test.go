//go:build perflabfixture

// Package racy is a fixture: a counter updated from two goroutines with no
// lock, so `go test -race` reports a data race. It is built only with the
// perflabfixture tag, to make the capture in ../race.jsonl.
package racy

import (
	"sync"
	"testing"
)

type counter struct{ n int }

func (c *counter) add() { c.n++ }

func TestCounter(t *testing.T) {
	var c counter
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 100 {
				c.add()
			}
		})
	}
	wg.Wait()
}
