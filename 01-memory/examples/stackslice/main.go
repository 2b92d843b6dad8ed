// Command stackslice shows that a small slice made with a size known only
// at run time need not touch the heap. Since Go 1.25 the compiler gives
// make([]byte, n) a 32-byte buffer on the stack when the slice does not
// escape, and uses it whenever n fits; larger n falls back to the heap.
//
//	go run ./01-memory/examples/stackslice
//	go build -gcflags=-m ./01-memory/examples/stackslice
package main

import (
	"fmt"
	"testing"
)

//go:noinline
func checksum(n int) byte {
	buf := make([]byte, n) // n is not a constant
	for i := range buf {
		buf[i] = byte(i)
	}
	var sum byte
	for _, b := range buf {
		sum ^= b
	}
	return sum
}

func main() {
	for _, n := range []int{8, 32, 33, 1024} {
		allocs := testing.AllocsPerRun(1000, func() { checksum(n) })
		fmt.Printf("make([]byte, %4d): %.0f heap allocations per call\n", n, allocs)
	}
}
