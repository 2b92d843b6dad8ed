// Command mapshrink fills a map with a million entries, deletes every one
// of them, and shows that the map's memory stays: a Go map never gives
// back the room it grew. Copying the survivors into a new map (here: none)
// and dropping the old one is how you reclaim it.
//
//	go run ./01-memory/examples/mapshrink
package main

import (
	"fmt"
	"runtime"
	"runtime/metrics"
)

func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func report(what string, m map[int][64]byte) {
	fmt.Printf("%-34s len=%7d  live heap %6.1f MiB\n", what, len(m), float64(liveHeap())/(1<<20))
}

func main() {
	m := make(map[int][64]byte)
	report("empty map", m)
	for i := range 1_000_000 {
		m[i] = [64]byte{}
	}
	report("after 1,000,000 inserts", m)
	for i := range 1_000_000 {
		delete(m, i)
	}
	report("after deleting every key", m)
	clear(m)
	report("after clear(m)", m)

	fresh := make(map[int][64]byte, len(m))
	for k, v := range m {
		fresh[k] = v
	}
	m = fresh
	report("after copying into a new map", m)
}
