// Package work does a little of everything a profile can see.
package work

import (
	"sync"
	"time"
)

// Spin burns CPU: the hottest function of every CPU profile here.
func Spin(n int) int {
	x := 0
	for i := range n {
		x += i * i % 7
	}
	return x
}

// Keeper keeps what it allocates, so a heap profile sees it in use.
type Keeper struct{ kept [][]byte }

// Keep allocates 4 KiB and keeps it.
func (k *Keeper) Keep() { k.kept = append(k.kept, make([]byte, 4096)) }

// Contend has four goroutines take turns on one mutex, so that the mutex
// and block profiles see waiting.
func Contend() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				mu.Lock()
				Spin(2000)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// Park starts n goroutines that wait for d, and returns once they are all
// waiting.
func Park(n int, d time.Duration) {
	var started sync.WaitGroup
	release := make(chan struct{})
	for range n {
		started.Add(1)
		go func() {
			started.Done()
			<-release
		}()
	}
	started.Wait()
	time.Sleep(d)
	close(release)
}
