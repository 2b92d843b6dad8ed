package workerpool

import (
	"context"
	"runtime"
	"sort"
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

// Run does every job once and returns the results sorted by ID.
func (p *Pool) Run(ctx context.Context, jobs []Job) ([]Result, error) {
	work := p.work()
	idx := make(chan int)
	out := make(chan Result, len(jobs))
	var wg sync.WaitGroup
	for range min(p.workers(), len(jobs)) {
		wg.Go(func() {
			for i := range idx {
				out <- work(jobs[i])
			}
		})
	}
	var err error
feed:
	for i := range jobs {
		select {
		case idx <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(idx)
	wg.Wait()
	close(out)
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(jobs))
	for r := range out {
		results = append(results, r)
	}
	sort.Slice(results, func(a, b int) bool { return results[a].ID < results[b].ID })
	return results, nil
}
