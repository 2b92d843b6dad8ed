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

// Run does every job once, in a goroutine each, at most p.workers() at once.
func (p *Pool) Run(ctx context.Context, jobs []Job) ([]Result, error) {
	work := p.work()
	results := make([]Result, len(jobs))
	sem := make(chan struct{}, p.workers())
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			results[i] = work(jobs[i])
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}
