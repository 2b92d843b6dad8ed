package racy

import (
	"sync"
	"testing"
)

func TestCountFromTwoGoroutines(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 100 {
				c.Add()
			}
		})
	}
	wg.Wait()
	if c.Value() == 0 {
		t.Fatal("no hit counted")
	}
}
