// Command timers creates 100,000 tickers, never stops them and drops every
// reference to them. Since Go 1.23 the collector reclaims them anyway, when
// the main module's go.mod says go 1.23 or later (this one says 1.26):
//
//	go run ./01-memory/examples/timers
//
// GODEBUG=asynctimerchan=1 brings back the old behaviour, in which a
// ticker that was not stopped stays in the runtime's timer heap, and so in
// memory, for good:
//
//	GODEBUG=asynctimerchan=1 go run ./01-memory/examples/timers
package main

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"
)

func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func main() {
	before := liveHeap()
	for range 100_000 {
		t := time.NewTicker(time.Hour)
		_ = t // no t.Stop(): forgotten
	}
	after := liveHeap()
	fmt.Printf("live heap before: %6d KiB\n", before>>10)
	fmt.Printf("live heap after 100,000 forgotten tickers: %6d KiB\n", after>>10)
}
