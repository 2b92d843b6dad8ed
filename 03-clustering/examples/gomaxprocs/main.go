// Command gomaxprocs prints how many CPUs the process may use and how many
// goroutines the scheduler runs at once, then keeps every P busy for a
// moment and reports how many cores that used:
//
//	go run ./03-clustering/examples/gomaxprocs
//	taskset -c 0 go run ./03-clustering/examples/gomaxprocs
package main

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}

func main() {
	fmt.Printf("NumCPU=%d GOMAXPROCS=%d\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	for _, g := range []int{1, runtime.GOMAXPROCS(0), 8} {
		c0, t0 := cpuTime(), time.Now()
		var wg sync.WaitGroup
		for range g {
			wg.Go(func() { spin(300 * time.Millisecond) })
		}
		wg.Wait()
		fmt.Printf("%d spinning goroutines: wall %v, cores busy %.2f\n", g, time.Since(t0).Round(10*time.Millisecond), (cpuTime()-c0).Seconds()/time.Since(t0).Seconds())
	}
}
