// Command bloop shows the difference between the two ways of writing a
// benchmark loop: for range b.N, where the testing package calls the
// benchmark function again and again with a growing b.N (so setup before
// the loop runs each time), and for b.Loop() (Go 1.24+), where it calls the
// function once and the loop itself decides how long to run.
//
//	go run ./02-profiling/examples/bloop
package main

import (
	"fmt"
	"strings"
	"testing"
)

func main() {
	calls, setups := 0, 0
	r := testing.Benchmark(func(b *testing.B) {
		calls++
		s := setup(&setups)
		for range b.N {
			strings.ToUpper(s)
		}
	})
	fmt.Printf("for range b.N: benchmark function called %d times, setup ran %d times, %d iterations, %d ns/op\n",
		calls, setups, r.N, r.NsPerOp())

	calls, setups = 0, 0
	r = testing.Benchmark(func(b *testing.B) {
		calls++
		s := setup(&setups)
		for b.Loop() {
			strings.ToUpper(s)
		}
	})
	fmt.Printf("for b.Loop():  benchmark function called %d times, setup ran %d times, %d iterations, %d ns/op\n",
		calls, setups, r.N, r.NsPerOp())
}

// setup stands for expensive preparation: loading a fixture, building an
// index. It counts how often it runs.
func setup(n *int) string {
	*n++
	return strings.Repeat("gopher ", 100)
}
