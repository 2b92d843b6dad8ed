// Command sampling shows the rates Go's profilers sample at: it prints the
// heap profiler's sampling interval, then burns CPU for one second under
// the CPU profiler and writes the profile to /tmp/sampling-cpu.pprof, for
// go tool pprof -raw to show its sampling period. At the end it writes a
// heap profile to /tmp/sampling-heap.pprof: a binary that never writes one
// has heap sampling switched off by the linker (MemProfileRate 0), and
// -tags noheap builds that case.
//
//	go run ./02-profiling/examples/sampling
//	go run -tags noheap ./02-profiling/examples/sampling
package main

import (
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var sink uint64

func main() {
	fmt.Printf("runtime.MemProfileRate = %d bytes (one heap sample per %d KiB allocated, on average)\n",
		runtime.MemProfileRate, runtime.MemProfileRate/1024)

	f, err := os.Create("/tmp/sampling-cpu.pprof")
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	for time.Since(start) < time.Second {
		for i := range uint64(1 << 16) {
			sink += i * i
		}
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote /tmp/sampling-cpu.pprof after 1s of busy loop")
	writeHeapProfile()
}
