// Command schedstats reads the scheduler's figures from runtime/metrics
// while goroutines compete for the processors: how many goroutines are in
// each state, how many threads the runtime owns, and how long runnable
// goroutines waited for a processor.
//
//	go run ./02-profiling/examples/schedstats
//	GODEBUG=schedtrace=1000 go run ./02-profiling/examples/schedstats
package main

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

func main() {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 * runtime.GOMAXPROCS(0) { // more busy goroutines than processors
		wg.Go(func() { burn(stop) })
	}
	for range 10 { // and some that sleep
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	report()
	close(stop)
	wg.Wait()
}

func burn(stop <-chan struct{}) {
	h := sha256.Sum256(nil)
	for {
		select {
		case <-stop:
			return
		default:
			for range 1000 {
				h = sha256.Sum256(h[:])
			}
		}
	}
}

// report prints the scheduler metrics.
func report() {
	names := []string{
		"/sched/gomaxprocs:threads",
		"/sched/goroutines:goroutines",
		"/sched/goroutines/running:goroutines",
		"/sched/goroutines/runnable:goroutines",
		"/sched/goroutines/waiting:goroutines",
		"/sched/threads/total:threads",
		"/sched/latencies:seconds",
	}
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n
	}
	metrics.Read(samples)
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			fmt.Printf("%-40s %d\n", s.Name, s.Value.Uint64())
		case metrics.KindFloat64Histogram:
			h := s.Value.Float64Histogram()
			fmt.Printf("%-40s p50 %v, p99 %v\n", s.Name, quantile(h, 0.5), quantile(h, 0.99))
		}
	}
}

// quantile returns the upper bound of the histogram bucket that holds the
// q-th quantile.
func quantile(h *metrics.Float64Histogram, q float64) time.Duration {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if float64(seen) >= q*float64(total) {
			return time.Duration(h.Buckets[i+1] * float64(time.Second)).Round(time.Microsecond)
		}
	}
	return 0
}
