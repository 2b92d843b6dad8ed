// Command primary starts three workers (this same program, run again as a
// worker) and talks to them over their pipes: it asks one worker 24
// questions at once, kills another and broadcasts a config reload, sums
// the counters, and last sends one worker a burst of 2000 questions.
//
//	go run ./03-clustering/ipc/cmd/primary
//	go run ./03-clustering/ipc/cmd/primary -trace   # the workers log every message
//
// Every step gives up after -wait (3s) and says so; press Ctrl-\ while a
// step hangs to see where every goroutine waits. Nothing listens on the
// network.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/goperflabs/labs/03-clustering/ipc"
)

func main() {
	if ipc.IsWorker() {
		if err := ipc.RunWorker(os.Stdin, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	trace := flag.Bool("trace", false, "the workers log every message they read and write")
	wait := flag.Duration("wait", 3*time.Second, "how long each step may take")
	burst := flag.Int("burst", 2000, "questions in the last step's burst")
	flag.Parse()
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	c, err := ipc.StartCluster(3, func(int) *exec.Cmd {
		cmd := exec.Command(exe)
		cmd.Stderr = os.Stderr
		if *trace {
			cmd.Env = append(os.Environ(), ipc.TraceEnv+"=1")
		}
		return cmd
	})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { fmt.Printf("close: %v\n", c.Close()) }()
	fmt.Printf("primary pid %d, workers %d %d %d\n", os.Getpid(), c.Workers[0].Pid(), c.Workers[1].Pid(), c.Workers[2].Pid())

	step(*wait, "24 questions at once to worker 0", func(ctx context.Context) string { return concurrent(ctx, c.Workers[0], 24) })
	step(*wait, "kill worker 1, then broadcast version 2", func(ctx context.Context) string { return broadcast(ctx, c) })
	step(*wait, "sum the counters", func(ctx context.Context) string {
		s, err := c.Totals(ctx)
		return fmt.Sprintf("answered %d, most held at once %d, err %v", s.Answered, s.MaxInFlight, err)
	})
	step(*wait, fmt.Sprintf("a burst of %d questions to worker 2", *burst), func(ctx context.Context) string {
		qs := make([]string, *burst)
		for i := range qs {
			qs[i] = fmt.Sprintf("burst question %05d %s", i, strings.Repeat("x", 90))
		}
		a, err := c.Workers[2].AskMany(ctx, qs)
		return fmt.Sprintf("%d answers, err %v", len(a), err)
	})
}

// step runs f with a deadline and prints what it returned, or that it did
// not return in time.
func step(wait time.Duration, what string, f func(ctx context.Context) string) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	t0 := time.Now()
	res := make(chan string, 1)
	go func() { res <- f(ctx) }()
	select {
	case r := <-res:
		fmt.Printf("%s: %s (%v)\n", what, r, time.Since(t0).Round(time.Millisecond))
	case <-time.After(wait + time.Second):
		fmt.Printf("%s: still waiting after %v, giving up\n", what, wait+time.Second)
	}
}

// concurrent asks w n questions from n goroutines and counts the answers
// that belong to another question.
func concurrent(ctx context.Context, w *ipc.Worker, n int) string {
	var (
		wg           sync.WaitGroup
		mu           sync.Mutex
		wrong, fails int
		example      string
	)
	for i := range n {
		wg.Go(func() {
			q := fmt.Sprintf("question %02d", i)
			a, err := w.Ask(ctx, q)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				fails++
			case a != ipc.Answer(q):
				wrong++
				if example == "" {
					example = fmt.Sprintf("; e.g. asked %q, got %q", q, a)
				}
			}
		})
	}
	wg.Wait()
	return fmt.Sprintf("%d of %d got another question's answer, %d failed%s", wrong, n, fails, example)
}

// broadcast kills worker 1, broadcasts, and reports what each worker runs
// and whether worker 1's Done closed.
func broadcast(ctx context.Context, c *ipc.Cluster) string {
	dead := c.Workers[1]
	syscall.Kill(dead.Pid(), syscall.SIGKILL)
	time.Sleep(100 * time.Millisecond)
	err := c.Broadcast(ctx, 2)
	var vs []string
	for i, w := range c.Workers {
		if w == dead {
			continue
		}
		s, err := w.Stats(ctx)
		vs = append(vs, fmt.Sprintf("worker %d v%d (%v)", i, s.Version, err))
	}
	done := "still open"
	select {
	case <-dead.Done():
		done = "closed"
	case <-time.After(time.Second):
	}
	return fmt.Sprintf("%s; Broadcast: %v; worker 1's Done(): %s", strings.Join(vs, ", "), err, done)
}
