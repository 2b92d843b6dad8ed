// Command maxprocswatch shows that GOMAXPROCS can change while a program
// runs (Go 1.25 and later, on Linux): it narrows its own CPU affinity to
// one CPU with taskset, as an operator or a container runtime might, and
// prints runtime.GOMAXPROCS(0) as the runtime notices. A worker pool sized
// once at start-up keeps the old number.
//
//	go run ./03-clustering/examples/maxprocswatch
package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"
)

func main() {
	start := time.Now()
	sized := runtime.GOMAXPROCS(0) // what a pool sized at start-up would use
	fmt.Printf("0s: NumCPU=%d GOMAXPROCS=%d\n", runtime.NumCPU(), sized)
	// -a: every thread of the process, not only the main one.
	out, err := exec.Command("taskset", "-a", "-p", "-c", "0", strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		log.Fatalf("taskset: %v: %s", err, out)
	}
	fmt.Printf("%v: taskset -a -p -c 0 %d (all threads now on CPU 0)\n", time.Since(start).Round(time.Millisecond), os.Getpid())
	last := sized
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if n := runtime.GOMAXPROCS(0); n != last {
			fmt.Printf("%v: GOMAXPROCS=%d\n", time.Since(start).Round(time.Millisecond), n)
			last = n
		}
	}
	fmt.Printf("%v: GOMAXPROCS=%d, the pool sized at start still says %d\n", time.Since(start).Round(time.Millisecond), last, sized)
}
