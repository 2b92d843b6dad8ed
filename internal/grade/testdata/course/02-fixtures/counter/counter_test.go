package counter

import (
	"sync"
	"testing"
)

func TestCounts(t *testing.T) {
	c := New()
	for range 3 {
		c.Inc("a")
	}
	if got := c.Get("a"); got != 3 {
		t.Errorf("Get(a) = %d after 3 Inc, want 3", got)
	}
}

// TestConcurrentInc has two goroutines call Inc at the same moment, every
// run, so that -race sees an unguarded map.
func TestConcurrentInc(t *testing.T) {
	c := New()
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	for range 2 {
		ready.Add(1)
		wg.Go(func() {
			ready.Done()
			<-start
			for range 200 {
				c.Inc("a")
			}
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	if got := c.Get("a"); got != 400 {
		t.Errorf("Get(a) = %d after 400 Inc, want 400", got)
	}
}
