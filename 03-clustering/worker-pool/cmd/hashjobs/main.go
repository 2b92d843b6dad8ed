// Command hashjobs stretches a batch of passwords with the lab's Pool and
// reports how many cores it kept busy:
//
//	go run ./03-clustering/worker-pool/cmd/hashjobs
//	GOMAXPROCS=1 go run ./03-clustering/worker-pool/cmd/hashjobs
//
// "cores busy" is the CPU time the process used (user + system, from
// getrusage) divided by the wall time: 1.0 means one core did all the work.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"runtime"
	"syscall"
	"time"

	workerpool "github.com/goperflabs/labs/03-clustering/worker-pool"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	n := flag.Int("jobs", 64, "how many passwords to stretch")
	rounds := flag.Int("rounds", 100000, "hash rounds per password")
	workers := flag.Int("workers", 0, "Pool.Workers (0 = GOMAXPROCS)")
	flag.Parse()

	jobs := make([]workerpool.Job, *n)
	for i := range jobs {
		jobs[i] = workerpool.Job{ID: i, Password: fmt.Sprintf("hunter%d", i), Salt: "perflab", Rounds: *rounds}
	}
	fmt.Printf("NumCPU=%d GOMAXPROCS=%d, %d jobs × %d rounds\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), *n, *rounds)

	p := &workerpool.Pool{Workers: *workers}
	cpu0, t0 := cpuTime(), time.Now()
	res, err := p.Run(context.Background(), jobs)
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("first key %x…, last key %x…\n", res[0].Key[:6], res[len(res)-1].Key[:6])
	fmt.Printf("wall %v, cpu %v, cores busy %.2f, %.0f jobs/s\n",
		wall.Round(time.Millisecond), cpu.Round(time.Millisecond), cpu.Seconds()/wall.Seconds(), float64(*n)/wall.Seconds())
}
