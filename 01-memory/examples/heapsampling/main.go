// Command heapsampling shows that the heap profiler samples allocations at
// random: it makes 1,000 allocations of exactly runtime.MemProfileRate
// bytes (512 KiB) and counts how many of them the profile recorded.
//
//	go run ./01-memory/examples/heapsampling
package main

import (
	"fmt"
	"runtime"
	"strings"
)

var sink []byte

//go:noinline
func allocate(n int) { sink = make([]byte, n) }

func main() {
	const n = 1000
	size := runtime.MemProfileRate
	for range n {
		allocate(size)
	}
	runtime.GC() // the profile is published at the end of a cycle
	runtime.GC()
	var recs []runtime.MemProfileRecord
	k, _ := runtime.MemProfile(nil, true)
	recs = make([]runtime.MemProfileRecord, k+50)
	k, _ = runtime.MemProfile(recs, true)
	sampled := int64(0)
	for _, r := range recs[:k] {
		for _, pc := range r.Stack() {
			if f := runtime.FuncForPC(pc); f != nil && strings.HasSuffix(f.Name(), "main.allocate") {
				sampled += r.AllocObjects
				break
			}
		}
	}
	fmt.Printf("MemProfileRate %d bytes: %d allocations of %d bytes, %d recorded in the profile (%.0f%% missed)\n",
		runtime.MemProfileRate, n, size, sampled, 100*float64(n-int(sampled))/n)
}
