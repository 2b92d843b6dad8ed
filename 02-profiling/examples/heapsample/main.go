// Command heapsample shows that heap sampling can miss big allocations:
// it makes 1,000 allocations of 512 KiB from one line and counts how many
// of them the heap profile recorded. The runtime samples about one
// allocation per runtime.MemProfileRate bytes (512 KiB), at points spread
// at random over the bytes allocated, so an allocation of 512 KiB holds a
// sample point with probability 1 - 1/e, about 63 %.
//
//	go run ./02-profiling/examples/heapsample
package main

import (
	"fmt"
	"runtime"
)

const (
	allocs = 1000
	size   = 512 << 10
)

// sink keeps each buffer reachable until the next one replaces it.
var sink []byte

func main() {
	for range allocs {
		sink = make([]byte, size) // the only 512 KiB allocation site
	}
	runtime.GC() // the heap profile is brought up to date at a collection
	fmt.Printf("runtime.MemProfileRate = %d bytes\n", runtime.MemProfileRate)
	fmt.Printf("%d allocations of %d KiB; the heap profile recorded %d of them\n", allocs, size>>10, sampled())
}

// sampled returns how many allocations of exactly size bytes the heap
// profile holds. runtime.MemProfile reports the samples as recorded, before
// pprof scales them up into estimates.
func sampled() int64 {
	n, _ := runtime.MemProfile(nil, true)
	records := make([]runtime.MemProfileRecord, n+50)
	n, _ = runtime.MemProfile(records, true)
	var count int64
	for _, r := range records[:n] {
		if r.AllocObjects > 0 && r.AllocBytes/r.AllocObjects == size {
			count += r.AllocObjects
		}
	}
	return count
}
