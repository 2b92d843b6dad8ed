// Command gctrace keeps about 20 MiB live and churns through short-lived
// garbage, so the collector runs a few dozen times. Run it with the
// collector's trace on:
//
//	GODEBUG=gctrace=1 go run ./01-memory/examples/gctrace
package main

import (
	"fmt"
	"runtime"
)

var sink []byte

func main() {
	live := make([][]byte, 0, 20<<10)
	for range 20 << 10 {
		live = append(live, make([]byte, 1<<10)) // 20 MiB that stays
	}
	for range 200_000 {
		sink = make([]byte, 4<<10) // 800 MB of garbage, 4 KiB at a time
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("%d collections; live slices kept: %d\n", ms.NumGC, len(live))
	runtime.KeepAlive(live)
}
