package workerpool

import (
	"context"
	"runtime"
	"sync"
)

// Pool runs a batch of jobs through Work.
type Pool struct {
	// Workers is how many jobs may run at the same time. 0 means one per
	// processor the Go scheduler runs goroutines on: runtime.GOMAXPROCS(0).
	Workers int
	// Work does one job. nil means Stretch. It must be safe to call from
	// several goroutines at once.
	Work func(Job) Result
}

// workers returns how many jobs may run at once.
func (p *Pool) workers() int {
	if p.Workers > 0 {
		return p.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (p *Pool) work() func(Job) Result {
	if p.Work != nil {
		return p.Work
	}
	return Stretch
}

// Run does every job once and returns the results in the order of jobs.
func (p *Pool) Run(ctx context.Context, jobs []Job) ([]Result, error) {
	type done struct {
		i int
		r Result
	}
	work := p.work()
	idx := make(chan int)
	go func() {
		defer close(idx)
		for i := range jobs {
			select {
			case idx <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	out := make(chan done)
	var wg sync.WaitGroup
	for range min(p.workers(), len(jobs)) {
		wg.Go(func() {
			for i := range idx {
				out <- done{i, work(jobs[i])}
			}
		})
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	results := make([]Result, len(jobs))
	for d := range out {
		results[d.i] = d.r
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}
