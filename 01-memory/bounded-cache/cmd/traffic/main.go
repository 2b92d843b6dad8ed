// Command traffic replays a shop's request mix through boundedcache.Cache
// and prints, as it goes, how many entries the cache holds and how much
// heap is live after a collection.
//
//	go run ./01-memory/bounded-cache/cmd/traffic
//	go run ./01-memory/bounded-cache/cmd/traffic -heapprofile /tmp/heap.pprof
//	go tool pprof -sample_index=inuse_space -top /tmp/heap.pprof
//
// Every other request is for one of 200 popular products; the rest are for
// keys seen once (the long tail: product variants, search pages, locales).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync/atomic"
	"time"

	boundedcache "github.com/goperflabs/labs/01-memory/bounded-cache"
)

func main() {
	requests := flag.Int("requests", 200_000, "requests to replay")
	capacity := flag.Int("capacity", 1000, "capacity passed to boundedcache.New")
	ttl := flag.Duration("ttl", 10*time.Minute, "ttl passed to boundedcache.New")
	heapProfile := flag.String("heapprofile", "", "write a heap profile here at the end, while the cache is still in use")
	flag.Parse()

	var loads atomic.Int64
	c := boundedcache.New(*capacity, *ttl, func(key string) string {
		loads.Add(1)
		return boundedcache.Render(key)
	}, nil)

	start := time.Now()
	fmt.Printf("%9s %9s %7s %12s\n", "requests", "entries", "hit%", "live heap")
	for i := range *requests {
		if i%2 == 0 {
			c.Get(fmt.Sprintf("sku-%d/en-GB", (i*7919)%200))
		} else {
			c.Get(fmt.Sprintf("sku-%d/de-DE", i))
		}
		if n := i + 1; n%(*requests/10) == 0 {
			fmt.Printf("%9d %9d %6.1f%% %12s\n", n, c.Len(), 100*(1-float64(loads.Load())/float64(n)), mib(liveHeap()))
		}
	}
	fmt.Printf("done in %v\n", time.Since(start).Round(time.Millisecond))

	if *heapProfile != "" {
		f, err := os.Create(*heapProfile)
		if err != nil {
			log.Fatal(err)
		}
		runtime.GC() // the in-use figures are as of the last collection
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
		fmt.Println("heap profile written to", *heapProfile)
	}
	runtime.KeepAlive(c)
}

func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
