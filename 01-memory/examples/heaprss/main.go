// Command heaprss shows the gap between the Go heap and the memory the
// process holds from the operating system. It allocates 256 MiB in 1 MiB
// blocks, drops them, collects, and prints after each step the heap's
// live objects, the heap memory that is free but still mapped, what the
// runtime has already given back (released), the runtime's total, and
// the resident set size the kernel reports (what top shows). Then it calls
// debug.FreeOSMemory and prints the same again.
//
//	go run ./01-memory/examples/heaprss
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"
)

var blocks [][]byte

func main() {
	report("start")
	for range 256 {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1 // touch every page, so it is resident
		}
		blocks = append(blocks, b)
	}
	report("256 MiB allocated")
	blocks = nil
	runtime.GC()
	report("dropped, runtime.GC()")
	time.Sleep(2 * time.Second)
	report("2 s later")
	debug.FreeOSMemory()
	report("debug.FreeOSMemory()")
}

var names = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/total:bytes",
}

func report(when string) {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	fmt.Printf("%-22s objects %6.1f  free %6.1f  released %6.1f  total %6.1f MiB   RSS %s\n", when,
		mib(s[0].Value.Uint64()), mib(s[1].Value.Uint64()), mib(s[2].Value.Uint64()), mib(s[3].Value.Uint64()), rss())
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
