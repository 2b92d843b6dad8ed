// Command heapprofile shows why you call runtime.GC() before you write a
// heap profile. The in-use figures of a heap profile are those of the last
// completed collection: memory allocated since then is not in them yet.
//
//	go run ./01-memory/examples/heapprofile
//	go tool pprof -sample_index=inuse_space -top /tmp/heap-nogc.pprof
//	go tool pprof -sample_index=inuse_space -top /tmp/heap-gc.pprof
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
)

var cache [][]byte

func fill() {
	for range 64 {
		cache = append(cache, make([]byte, 256<<10)) // 16 MiB, all kept
	}
}

func write(path string) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		panic(err)
	}
	fmt.Println("wrote", path)
}

func main() {
	runtime.MemProfileRate = 1 // record every allocation, for exact figures
	debug.SetGCPercent(-1)     // and no collection unless we ask for one
	runtime.GC()
	fill()
	write("/tmp/heap-nogc.pprof") // no collection since fill: cache is missing
	runtime.GC()
	write("/tmp/heap-gc.pprof") // cache is there
	runtime.KeepAlive(cache)
}
