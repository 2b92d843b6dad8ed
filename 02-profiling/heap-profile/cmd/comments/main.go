// Command comments sanitizes a day's worth of forum comments, the way the
// forum's import job does, and reports how much the garbage collector had
// to do. With -memprofile it writes an allocation profile when it is done.
//
//	go run ./02-profiling/heap-profile/cmd/comments -memprofile /tmp/comments.pprof
//	go tool pprof -sample_index=alloc_space -top /tmp/comments.pprof
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"

	heapprofile "github.com/goperflabs/labs/02-profiling/heap-profile"
)

func main() {
	n := flag.Int("n", 2000, "comments to sanitize")
	size := flag.Int("size", 8<<10, "bytes per comment")
	memProfile := flag.String("memprofile", "", "write an allocation profile here when done")
	flag.Parse()

	pages := make([]string, 100)
	for i := range pages {
		pages[i] = heapprofile.SamplePage(*size, uint64(i))
	}
	before := read()
	start := time.Now()
	var in, out int
	for i := range *n {
		p := pages[i%len(pages)]
		in += len(p)
		out += len(heapprofile.Sanitize(p))
	}
	elapsed := time.Since(start)
	after := read()
	fmt.Printf("sanitized %d comments (%.1f MiB in, %.1f MiB out) in %v\n",
		*n, float64(in)/(1<<20), float64(out)/(1<<20), elapsed.Round(time.Millisecond))
	fmt.Printf("allocated %.1f MiB in %d objects; %d garbage collections\n",
		float64(after[0]-before[0])/(1<<20), after[1]-before[1], after[2]-before[2])

	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			log.Fatal(err)
		}
		// The "allocs" profile is the heap profile, read with alloc_space
		// as its default view. It covers every sampled allocation since
		// the program started.
		runtime.GC()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", *memProfile)
	}
}

// read returns bytes allocated, objects allocated and collections so far,
// from runtime/metrics.
func read() [3]uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/allocs:objects"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return [3]uint64{s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()}
}
