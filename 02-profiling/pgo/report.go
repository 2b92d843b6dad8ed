package main

import (
	"fmt"
	"io"
	"runtime/metrics"
	"time"

	"github.com/goperflabs/labs/02-profiling/pgo/ingest"
)

// batchLines is how many lines a generated batch has.
const batchLines = 1000

// selfLoad ingests generated batches for d, flushing every 100 batches,
// and prints the cost of one batch.
func selfLoad(w io.Writer, a *ingest.Aggregator, d time.Duration) error {
	batches := make([][]byte, 16)
	for i := range batches {
		batches[i] = ingest.SampleBatch(batchLines, uint64(i+1))
	}
	allocs0 := heapAllocs()
	start := time.Now()
	n := 0
	for time.Since(start) < d {
		if lines, _ := a.Ingest(batches[n%len(batches)]); lines != batchLines {
			return fmt.Errorf("selfload: a batch had %d lines, want %d", lines, batchLines)
		}
		n++
		if n%100 == 0 {
			a.Flush()
		}
	}
	elapsed := time.Since(start)
	allocs := heapAllocs() - allocs0
	fmt.Fprintf(w, "%d batches of %d lines in %s: %.0f µs and %.0f heap allocations per batch\n",
		n, batchLines, elapsed.Round(time.Millisecond), float64(elapsed.Microseconds())/float64(n), float64(allocs)/float64(n))
	return nil
}

// printFlush prints the figures of one interval and starts the next.
func printFlush(w io.Writer, a *ingest.Aggregator) {
	points, lines, bad := a.Flush()
	fmt.Fprintf(w, "%s: %d lines, %d rejected, %d series\n", time.Now().Format(time.TimeOnly), lines, bad, len(points))
	for i, p := range points {
		if i == 10 {
			fmt.Fprintf(w, "  … and %d more\n", len(points)-10)
			break
		}
		fmt.Fprintf(w, "  %-60s %c n=%-5d %.1f\n", p.Key, p.Kind, p.Count, p.Value)
	}
}

// heapAllocs is the number of heap objects allocated since the start.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
