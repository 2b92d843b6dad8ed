//go:build cgoexample

// Command cgoheap shows that memory allocated by C code, through cgo, is
// invisible to the Go runtime: it mallocs 256 MiB in C and touches every
// page, then prints what runtime/metrics and a heap profile would see,
// next to the process's resident set size as the kernel reports it.
//
// It needs a C compiler, so it only builds with its own build tag:
//
//	go run -tags cgoexample ./01-memory/examples/cgoheap
package main

/*
#include <stdlib.h>
#include <string.h>

static void *grab(size_t n) {
	void *p = malloc(n);
	if (p != NULL) memset(p, 1, n);
	return p;
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/metrics"
	"strings"
)

func main() {
	report("before")
	p := C.grab(256 << 20)
	if p == nil {
		fmt.Println("malloc failed")
		os.Exit(1)
	}
	report("after C malloc of 256 MiB")
	C.free(p)
	report("after C free")
}

func report(when string) {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	fmt.Printf("%-26s Go runtime total %6.1f MiB, Go heap objects %6.1f MiB, RSS %s\n",
		when, mib(s[0].Value.Uint64()), mib(s[1].Value.Uint64()), rss())
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// rss returns the VmRSS line of /proc/self/status (Linux only).
func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
