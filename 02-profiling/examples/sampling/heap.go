//go:build !noheap

package main

import (
	"fmt"
	"log"
	"os"
	"runtime/pprof"
)

// writeHeapProfile writes a heap profile. Because this code is in the
// binary, the linker leaves heap sampling on.
func writeHeapProfile() {
	f, err := os.Create("/tmp/sampling-heap.pprof")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote /tmp/sampling-heap.pprof")
}
