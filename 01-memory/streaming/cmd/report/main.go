// Command report runs the nightly sales report on the lab's generated
// 256 MiB log and prints the report, how long it took and how much memory
// it needed.
//
//	go run ./01-memory/streaming/cmd/report
//	GOMEMLIMIT=64MiB GODEBUG=gctrace=1 go run ./01-memory/streaming/cmd/report
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/goperflabs/labs/01-memory/streaming"
)

func main() {
	sizeMiB := flag.Int64("size", streaming.InputSize>>20, "size of the generated sales log in MiB")
	seed := flag.Uint64("seed", 1, "seed of the generated log")
	flag.Parse()

	var peakHeap, peakMapped uint64
	var mu sync.Mutex
	sample := func() {
		s := readMetrics("/memory/classes/heap/objects:bytes", "/memory/classes/total:bytes", "/memory/classes/heap/released:bytes")
		mu.Lock()
		peakHeap = max(peakHeap, s[0])
		peakMapped = max(peakMapped, s[1]-s[2])
		mu.Unlock()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	})

	start := time.Now()
	rep, err := streaming.Run(streaming.Input(*sizeMiB<<20, *seed))
	elapsed := time.Since(start)
	sample()
	close(done)
	wg.Wait()
	if err != nil {
		log.Fatal(err)
	}

	after := readMetrics("/gc/cycles/total:gc-cycles", "/gc/heap/allocs:bytes")
	fmt.Print(rep)
	fmt.Fprintf(os.Stdout, "\n%d MiB log in %v: peak heap %s, peak memory from the OS %s, %s allocated, %d GC cycles\n",
		*sizeMiB, elapsed.Round(time.Millisecond), mib(peakHeap), mib(peakMapped), mib(after[1]), after[0])
}

func readMetrics(names ...string) []uint64 {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	out := make([]uint64, len(s))
	for i := range s {
		out[i] = s[i].Value.Uint64()
	}
	return out
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
