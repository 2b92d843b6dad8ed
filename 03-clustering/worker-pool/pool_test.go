package workerpool

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// tools names the commands that show what the pool does; failure messages
// end with it. Which code to change is for the hints (perflab hint).
const tools = "run go run ./03-clustering/worker-pool/cmd/hashjobs and compare \"cores busy\" with GOMAXPROCS, " +
	"or trace it: go test -run '^$' -bench . -trace /tmp/trace.out ./03-clustering/worker-pool && go tool trace /tmp/trace.out"

// leakWhere completes NoLeaks's "look at …".
const leakWhere = "the stacks below, and the Goroutines view of a trace (go test -run '^$' -bench . -trace /tmp/trace.out ./03-clustering/worker-pool && go tool trace /tmp/trace.out)"

// batch returns n jobs of varying cost. Their IDs are shuffled and some
// repeat (two passwords may share a user ID), so results can be put in
// order only by their position in jobs, never by sorting or indexing on
// ID. The shuffle changes every run.
func batch(n, rounds int) []Job {
	ids := rand.Perm(n)
	for i := 3; i < n; i += 5 {
		ids[i] = ids[i-3] // a repeated ID, well apart from its twin
	}
	if n > 1 && ids[0] < ids[1] {
		ids[0], ids[1] = ids[1], ids[0] // never in ascending order
	}
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = Job{ID: 1000 + ids[i], Password: fmt.Sprintf("hunter%d", i), Salt: "perflab", Rounds: rounds + i%7*rounds/4}
	}
	return jobs
}

// byPassword maps each job's password to its position in jobs: unlike IDs,
// the passwords batch makes are unique.
func byPassword(jobs []Job) map[string]int {
	m := make(map[string]int, len(jobs))
	for i, j := range jobs {
		m[j.Password] = i
	}
	return m
}

// checkResults fails t unless got holds Stretch(jobs[i]) at every i.
func checkResults(t *testing.T, jobs []Job, got []Result) {
	t.Helper()
	if len(got) != len(jobs) {
		t.Fatalf("Run returned %d results for %d jobs; want one result per job", len(got), len(jobs))
	}
	wrong := 0
	first := -1
	for i, j := range jobs {
		if Stretch(j) != got[i] {
			wrong++
			if first < 0 {
				first = i
			}
		}
	}
	testkit.Report(t, testkit.Figure{Name: "results out of place", Value: float64(wrong), Op: "<=", Budget: 0, Unit: "results"})
	if wrong > 0 {
		want := Stretch(jobs[first])
		t.Fatalf("results out of place = %d of %d, budget 0: results[%d] = {ID %d, Key %x…}, want {ID %d, Key %x…}, the result of jobs[%d] (IDs are shuffled and repeat: only the position in jobs says where a result goes)",
			wrong, len(jobs), first, got[first].ID, got[first].Key[:4], want.ID, want.Key[:4], first)
	}
}

// TestRunResults checks what Run returns: every job done exactly once, the
// results right and in the order of the jobs.
func TestRunResults(t *testing.T) {
	testkit.NoLeaks(t, leakWhere)
	for _, workers := range []int{0, 1, 3, 100} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			jobs := batch(64, 400)
			pos := byPassword(jobs)
			calls := make([]atomic.Int32, len(jobs))
			p := &Pool{Workers: workers, Work: func(j Job) Result {
				calls[pos[j.Password]].Add(1)
				return Stretch(j)
			}}
			got, err := p.Run(context.Background(), jobs)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			checkResults(t, jobs, got)
			for i := range calls {
				if n := calls[i].Load(); n != 1 {
					t.Fatalf("jobs[%d] (ID %d) was done %d times, want exactly once", i, jobs[i].ID, n)
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
// then a moment more for any extra ones, then lets them all finish at
// once, so that the workers write their results at the same moment (which
// gives -race something to see).
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
		t.Fatalf("Run did not return within 10s of its jobs being let through (for a goroutine dump: go test -run TestRunUsesEveryProcessor -timeout 15s ./03-clustering/worker-pool; the timeout panic lists every goroutine and where it waits)")
	}
	return int(g.peak.Load()), goroutines
}

// spareGoroutines is how many goroutines a correct pool may run besides
// its workers: a feeder, a goroutine that closes the results channel once
// the workers are done, one that watches the context. A constant few, not
// one per job.
const spareGoroutines = 3

// TestRunUsesEveryProcessor requires Run to keep exactly as many jobs
// running as the pool has workers: GOMAXPROCS of them by default. Fewer
// leaves processors idle; more (a goroutine per job) only adds goroutines,
// memory and latency, since no more than GOMAXPROCS can compute at once.
func TestRunUsesEveryProcessor(t *testing.T) {
	testkit.NoLeaks(t, leakWhere)
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
			testkit.Report(t, testkit.Figure{Name: "jobs at once", Value: float64(got), Op: "==", Budget: float64(tc.want), Unit: "jobs"})
			if got != tc.want {
				t.Errorf("%s: jobs running at the same time = %d, want exactly %d (fewer leaves processors idle, more than the worker count only queues goroutines); %s", tc.name, got, tc.want, tools)
			}
			budget := tc.want + spareGoroutines
			testkit.Report(t, testkit.Figure{Name: "goroutines", Value: float64(goroutines), Op: "<=", Budget: float64(budget), Unit: "goroutines"})
			if goroutines > budget {
				t.Errorf("%s: goroutines Run had started while %d of 40 jobs ran = %d, budget ≤ %d (the %d workers and %d more); %s (its Goroutines view counts them)", tc.name, got, goroutines, budget, tc.want, spareGoroutines, tools)
			}
		})
	}
}

// TestRunStopsOnCancel cancels the batch after a few jobs: Run must stop
// handing out jobs, wait for the ones running (the tenth holds on until
// Run returns, or half a second), and return ctx.Err(), with no goroutine
// left behind.
func TestRunStopsOnCancel(t *testing.T) {
	testkit.NoLeaks(t, leakWhere)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := batch(400, 50)
	var started, running atomic.Int32
	returned := make(chan struct{})
	p := &Pool{Workers: 2, Work: func(j Job) Result {
		running.Add(1)
		defer running.Add(-1)
		if started.Add(1) == 10 {
			cancel()
			select {
			case <-returned:
			case <-time.After(500 * time.Millisecond):
			}
		}
		return Stretch(j)
	}}
	res, err := p.Run(ctx, jobs)
	left := running.Load()
	close(returned)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run cancelled after 10 jobs: err = %v, want context.Canceled", err)
	}
	if res != nil {
		t.Fatalf("Run cancelled after 10 jobs returned %d results, want nil with the error", len(res))
	}
	testkit.Report(t, testkit.Figure{Name: "jobs running after Run returned", Value: float64(left), Op: "<=", Budget: 0, Unit: "jobs"})
	if left > 0 {
		t.Fatalf("jobs still running when Run returned after a cancel = %d, budget 0: Run must wait for the jobs it started; %s", left, tools)
	}
	n := started.Load()
	testkit.Report(t, testkit.Figure{Name: "jobs started", Value: float64(n), Op: "<=", Budget: 20, Unit: "jobs"})
	if n > 20 {
		t.Fatalf("jobs started by a Run cancelled after 10 = %d of 400, budget ≤ 20 with 2 workers: after a cancel no new job may start; %s", n, tools)
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
