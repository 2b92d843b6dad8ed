// Command twochoices places 10,000 long-lived connections on 100 backends
// three ways and prints the busiest backend's count: a random backend; the
// less loaded of two random backends ("power of two choices"); and the
// least loaded of all, which needs every backend's count for every pick.
// The seed is fixed, so the output is the same on every machine.
//
//	go run ./03-clustering/examples/twochoices
package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

const backends, conns = 100, 10_000

func place(pick func(load []int, r *rand.Rand) int) (most int) {
	r := rand.New(rand.NewPCG(1, 2))
	load := make([]int, backends)
	for range conns {
		load[pick(load, r)]++
	}
	return slices.Max(load)
}

func main() {
	random := place(func(load []int, r *rand.Rand) int { return r.IntN(backends) })
	two := place(func(load []int, r *rand.Rand) int {
		a, b := r.IntN(backends), r.IntN(backends)
		if load[b] < load[a] {
			return b
		}
		return a
	})
	least := place(func(load []int, _ *rand.Rand) int {
		return slices.Index(load, slices.Min(load))
	})
	fmt.Printf("%d connections on %d backends, %d each on average; the busiest backend holds:\n", conns, backends, conns/backends)
	fmt.Printf("  random backend:            %d\n", random)
	fmt.Printf("  less loaded of 2 random:   %d\n", two)
	fmt.Printf("  least loaded of all %d:   %d\n", backends, least)
}
