// Command statsd is a metrics collector. Services send it StatsD lines
// over UDP ("api.latency:12.5|ms|#route:/cart,code:200"), many to a
// datagram; it aggregates them and prints the figures every interval.
//
//	go run ./02-profiling/pgo -listen 127.0.0.1:8125
//	go run ./02-profiling/pgo -selfload 5s -cpuprofile /tmp/statsd.pprof
//
// With -selfload it feeds itself generated batches for that long instead,
// and prints what one batch of 1,000 lines cost.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime/pprof"
	"time"

	"github.com/goperflabs/labs/02-profiling/pgo/ingest"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8125", "UDP address to receive on (loopback only)")
	every := flag.Duration("flush", 10*time.Second, "how often to print and reset the figures")
	selfload := flag.Duration("selfload", 0, "feed generated batches for this long, print the cost, and exit")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*listen, *every, *selfload, *cpuprofile); err != nil {
		log.Fatal(err)
	}
}

func run(listen string, every, selfload time.Duration, cpuprofile string) error {
	if cpuprofile != "" {
		stop, err := startCPUProfile(cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	a := ingest.NewAggregator()
	if selfload > 0 {
		return selfLoad(os.Stdout, a, selfload)
	}
	return serve(a, listen, every)
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Printf("cpu profile: %v", err)
		}
		log.Printf("wrote %s", path)
	}, nil
}

// serve receives datagrams on addr and flushes every interval, until the
// socket fails.
func serve(a *ingest.Aggregator, addr string, every time.Duration) error {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return fmt.Errorf("listen address: %w", err)
	}
	if !ua.IP.IsLoopback() {
		return errors.New("listen address: use a loopback address such as 127.0.0.1:8125")
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer conn.Close()
	log.Printf("statsd: receiving on udp://%s, flushing every %s", conn.LocalAddr(), every)
	go func() {
		for range time.Tick(every) {
			printFlush(os.Stdout, a)
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		a.Ingest(buf[:n])
	}
}
