// Command sizeclasses shows that the allocator rounds every small request
// up to one of its size classes. For each size it allocates a []byte of
// that length 100,000 times and prints the bytes the heap counted per
// allocation (runtime.MemStats.TotalAlloc, which ReadMemStats brings up to
// date), and the capacity append gives a slice of that length, which is
// rounded up the same way.
//
//	go run ./01-memory/examples/sizeclasses
package main

import (
	"fmt"
	"runtime"
)

var sink []byte

//go:noinline
func alloc(n int) { sink = make([]byte, n) }

func heapAllocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

func main() {
	const rounds = 100_000
	for _, n := range []int{9, 17, 25, 33, 49, 65, 100, 1000, 1025, 10_000, 33_000} {
		before := heapAllocs()
		for range rounds {
			alloc(n)
		}
		per := float64(heapAllocs()-before) / rounds
		grown := append([]byte(nil), make([]byte, n)...)
		fmt.Printf("asked for %6d bytes: the heap counted %8.0f per allocation; append gave cap %6d\n", n, per, cap(grown))
	}
}
