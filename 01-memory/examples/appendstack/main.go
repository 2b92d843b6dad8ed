// Command appendstack shows Go 1.26's stack buffer for slices grown by
// append: a slice that starts empty, grows by append and does not escape
// gets its first backing array from a 32-byte buffer on the stack, so
// collecting a few small values costs no heap allocation. Past 32 bytes,
// append moves it to the heap as before.
//
//	go run ./01-memory/examples/appendstack
//	go build -gcflags=-m -o /dev/null ./01-memory/examples/appendstack
package main

import (
	"fmt"
	"testing"
)

//go:noinline
func sumOfSquares(n int) int {
	var xs []int // grows by append; never leaves this function
	for i := range n {
		xs = append(xs, i*i)
	}
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
}

func main() {
	for _, n := range []int{1, 4, 5, 8, 100} {
		allocs := testing.AllocsPerRun(1000, func() { sumOfSquares(n) })
		fmt.Printf("append %3d ints (%4d bytes): %.0f heap allocations per call\n", n, 8*n, allocs)
	}
}
