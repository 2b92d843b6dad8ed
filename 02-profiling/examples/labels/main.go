// Command labels shows profiler labels: it serves two kinds of request,
// each run inside pprof.Do with a "route" label, while a CPU profile is
// on, and writes the profile. pprof can then split the samples by label:
//
//	go run ./02-profiling/examples/labels
//	go tool pprof -tags /tmp/labels-cpu.pprof
//	go tool pprof -tagfocus route=/search -top /tmp/labels-cpu.pprof
package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"time"
)

func main() {
	f, err := os.Create("/tmp/labels-cpu.pprof")
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	var wg sync.WaitGroup
	deadline := time.Now().Add(2 * time.Second)
	for _, route := range []string{"/search", "/checkout"} {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				// Every sample taken inside the function carries the
				// label, and so do goroutines started inside it.
				pprof.Do(context.Background(), pprof.Labels("route", route), func(ctx context.Context) {
					handle(route)
				})
			}
		})
	}
	wg.Wait()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote /tmp/labels-cpu.pprof")
}

// handle does a request's work: /search sorts, /checkout hashes, and both
// call the same helper, which a profile without labels cannot split.
func handle(route string) {
	switch route {
	case "/search":
		xs := make([]int, 20_000)
		for i := range xs {
			xs[i] = (i * 7919) % 20_011
		}
		slices.Sort(xs)
	default:
		h := sha256.Sum256([]byte(route))
		for range 200 {
			h = sha256.Sum256(h[:])
		}
	}
	shared()
}

// shared is work both routes do.
func shared() {
	h := sha256.Sum256(nil)
	for range 100 {
		h = sha256.Sum256(h[:])
	}
}
