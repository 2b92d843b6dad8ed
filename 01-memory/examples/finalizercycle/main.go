// Command finalizercycle builds 1,000 pairs of 64 KiB nodes that point at
// each other, drops them, and collects. The collector frees plain cycles
// without trouble. A cycle with a finalizer (runtime.SetFinalizer) on one of
// its nodes is never freed: the finalizer would have to run before the
// node is freed, and the node it points to would have to stay, and so on
// round the cycle. runtime.AddCleanup (Go 1.24) has no such problem.
//
//	go run ./01-memory/examples/finalizercycle
package main

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"
)

type node struct {
	next    *node
	payload [64<<10 - 8]byte // a node is exactly 64 KiB
}

func liveHeap() uint64 {
	for range 3 { // let finalizers and cleanups run between collections
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	// Bytes in heap objects; right after a full collection, the live ones.
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func pairs(n int, attach func(*node)) {
	for range n {
		a, b := new(node), new(node)
		a.next, b.next = b, a
		attach(a)
	}
}

func main() {
	base := liveHeap()
	pairs(1000, func(*node) {})
	fmt.Printf("plain cycles:              %6d KiB still live\n", (liveHeap()-base)>>10)

	base = liveHeap()
	pairs(1000, func(a *node) { runtime.AddCleanup(a, func(int) {}, 0) })
	fmt.Printf("cycles with AddCleanup:    %6d KiB still live\n", (liveHeap()-base)>>10)

	base = liveHeap()
	pairs(1000, func(a *node) { runtime.SetFinalizer(a, func(*node) {}) })
	fmt.Printf("cycles with SetFinalizer:  %6d KiB still live\n", (liveHeap()-base)>>10)
}
