package workerpool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// where tells a failing test's reader where to look.
const where = "Pool.Run in pool.go (how many goroutines call work at once? " +
	"run go run ./03-clustering/worker-pool/cmd/hashjobs and compare \"cores busy\" with GOMAXPROCS)"

// batch returns n jobs of varying cost.
func batch(n, rounds int) []Job {
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = Job{ID: 1000 + i, Password: fmt.Sprintf("hunter%d", i), Salt: "perflab", Rounds: rounds + i%7*rounds/4}
	}
	return jobs
}

// checkResults fails t unless got holds Stretch(jobs[i]) at every i.
func checkResults(t *testing.T, jobs []Job, got []Result) {
	t.Helper()
	if len(got) != len(jobs) {
		t.Fatalf("Run returned %d results for %d jobs; want one result per job", len(got), len(jobs))
	}
	for i, j := range jobs {
		if want := Stretch(j); got[i] != want {
			t.Fatalf("results[%d] = {ID %d, Key %x…}, want {ID %d, Key %x…}: results must be in the order of jobs", i, got[i].ID, got[i].Key[:4], want.ID, want.Key[:4])
		}
	}
}

// TestRunResults checks what Run returns: every job done exactly once, the
// results right and in the order of the jobs.
func TestRunResults(t *testing.T) {
	testkit.NoLeaks(t, where)
	for _, workers := range []int{0, 1, 3, 100} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			jobs := batch(64, 400)
			calls := make([]atomic.Int32, len(jobs))
			p := &Pool{Workers: workers, Work: func(j Job) Result {
				calls[j.ID-1000].Add(1)
				return Stretch(j)
			}}
			got, err := p.Run(context.Background(), jobs)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			checkResults(t, jobs, got)
			for i := range calls {
				if n := calls[i].Load(); n != 1 {
					t.Fatalf("job %d was done %d times, want exactly once", jobs[i].ID, n)
				}
			}
		})
	}
	if got, err := (&Pool{}).Run(context.Background(), nil); err != nil || len(got) != 0 {
		t.Fatalf("Run(no jobs) = %d results, %v; want 0 results, nil", len(got), err)
	}
}

// gauge is a Work function that records how many calls are running at
// once. Each call waits until release is closed, so the calls a pool has
// started pile up where the test can count them; the count does not
// depend on how fast the machine is.
type gauge struct {
	active, peak atomic.Int64
	release      chan struct{}
}

func (g *gauge) work(j Job) Result {
	n := g.active.Add(1)
	for {
		m := g.peak.Load()
		if n <= m || g.peak.CompareAndSwap(m, n) {
			break
		}
	}
	<-g.release
	g.active.Add(-1)
	return Stretch(j)
}

// peakWorkers runs jobs through p with a gauge and returns the most calls
// of Work that were running at the same time, and how many goroutines Run
// had started by then. It waits up to two seconds for want calls to start,
// then a moment more for any extra ones, then lets them all finish.
func peakWorkers(t *testing.T, p *Pool, jobs []Job, want int) (peak, goroutines int) {
	t.Helper()
	g := &gauge{release: make(chan struct{})}
	p.Work = g.work
	before := runtime.NumGoroutine()
	type out struct {
		res []Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := p.Run(context.Background(), jobs)
		done <- out{res, err}
	}()
	for deadline := time.Now().Add(2 * time.Second); g.active.Load() < int64(want) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // room for a pool that starts too many
	// Every goroutine started since before, minus the one above that calls
	// Run: the pool's own goroutines, whether they compute or wait.
	goroutines = runtime.NumGoroutine() - before - 1
	close(g.release)
	select {
	case o := <-done:
		if o.err != nil {
			t.Fatalf("Run: %v", o.err)
		}
		checkResults(t, jobs, o.res)
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not return within 10s of its jobs being let through; look at %s", where)
	}
	return int(g.peak.Load()), goroutines
}

// TestRunUsesEveryProcessor requires Run to keep exactly as many jobs
// running as the pool has workers: GOMAXPROCS of them by default. Fewer
// leaves processors idle; more (a goroutine per job) only adds goroutines,
// memory and latency, since no more than GOMAXPROCS can compute at once.
func TestRunUsesEveryProcessor(t *testing.T) {
	testkit.NoLeaks(t, where)
	// 4 whatever this machine has (6 on a 4-CPU machine): never the CPU
	// count, so the pool must ask the scheduler (runtime.GOMAXPROCS(0))
	// rather than count the CPUs itself.
	procs := 4
	if runtime.NumCPU() == procs {
		procs = 6
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	for _, tc := range []struct {
		name          string
		workers, want int
	}{
		{fmt.Sprintf("default (GOMAXPROCS=%d)", procs), 0, procs},
		{"Workers=3", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, goroutines := peakWorkers(t, &Pool{Workers: tc.workers}, batch(40, 50), tc.want)
			if got != tc.want {
				t.Errorf("%s: at most %d jobs ran at the same time, want exactly %d (≥ 2 to use more than one core, ≤ the worker count so a batch of 40 does not become 40 goroutines); look at %s", tc.name, got, tc.want, where)
			}
			// The workers, plus one to feed them if Run does not do it itself.
			if budget := tc.want + 1; goroutines > budget {
				t.Errorf("%s: Run had %d goroutines while %d jobs ran, budget %d: start the workers once and hand them jobs, not a goroutine per job that waits for its turn; look at %s", tc.name, goroutines, got, budget, where)
			}
		})
	}
}

// TestRunStopsOnCancel cancels the batch after a few jobs: Run must stop
// handing out jobs, wait for the ones running, and return ctx.Err(), with
// no goroutine left behind.
func TestRunStopsOnCancel(t *testing.T) {
	testkit.NoLeaks(t, where)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := batch(400, 50)
	var started atomic.Int32
	p := &Pool{Workers: 2, Work: func(j Job) Result {
		if started.Add(1) == 10 {
			cancel()
		}
		return Stretch(j)
	}}
	res, err := p.Run(ctx, jobs)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run cancelled after 10 jobs: err = %v, want context.Canceled", err)
	}
	if res != nil {
		t.Fatalf("Run cancelled after 10 jobs returned %d results, want nil with the error", len(res))
	}
	if n := started.Load(); n > 20 {
		t.Fatalf("Run cancelled after 10 jobs started %d jobs, want it to stop handing out jobs (≤ 20 with 2 workers)", n)
	}
}

// BenchmarkRun stretches a batch of 32 passwords with the default pool.
// max-workers is the most jobs running at once; cores-busy is the CPU time
// the process used (getrusage) per second of wall time.
func BenchmarkRun(b *testing.B) {
	jobs := batch(32, 4000)
	var active, peak atomic.Int64
	p := &Pool{Work: func(j Job) Result {
		n := active.Add(1)
		for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
		}
		defer active.Add(-1)
		return Stretch(j)
	}}
	ctx := context.Background()
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	for b.Loop() {
		if _, err := p.Run(ctx, jobs); err != nil {
			b.Fatal(err)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	b.ReportMetric(cpu.Seconds()/b.Elapsed().Seconds(), "cores-busy")
	b.ReportMetric(float64(peak.Load()), "max-workers")
	b.ReportMetric(float64(len(jobs)*b.N)/b.Elapsed().Seconds(), "jobs/s")
}
