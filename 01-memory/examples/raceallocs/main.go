// Command raceallocs counts the heap allocations of a function that reuses
// scratch space from a sync.Pool, with testing.AllocsPerRun. Run it with
// and without the race detector and the count changes: under -race,
// sync.Pool drops one in four of the items you Put back, on purpose (to
// shake out code that relies on getting the same item back), so Get has to
// build a new one more often. That is why allocation budgets in this
// course are only logged under -race:
//
//	go run ./01-memory/examples/raceallocs
//	go run -race ./01-memory/examples/raceallocs
package main

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// scratch is expensive to build: five allocations.
type scratch struct{ num, key, val, line []byte }

var pool = sync.Pool{New: func() any {
	return &scratch{
		num:  make([]byte, 0, 32),
		key:  make([]byte, 0, 64),
		val:  make([]byte, 0, 64),
		line: make([]byte, 0, 256),
	}
}}

func format(key string, n int) int {
	s := pool.Get().(*scratch)
	defer pool.Put(s)
	s.num = strconv.AppendInt(s.num[:0], int64(n), 10)
	s.key = append(s.key[:0], key...)
	s.line = append(append(append(s.line[:0], s.key...), '='), s.num...)
	return len(s.line)
}

func main() {
	total := 0
	n := testing.AllocsPerRun(10_000, func() { total += format("requests", 123456789) })
	fmt.Printf("testing.AllocsPerRun: %.0f allocations per call\n", n)
}
