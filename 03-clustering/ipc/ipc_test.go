package ipc

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// TestMain turns the test binary into a worker when the primary starts it
// as one: the tests start their workers by running this same binary again,
// with WorkerEnv set.
func TestMain(m *testing.M) {
	if IsWorker() {
		if err := RunWorker(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The tools the failure messages point to.
const (
	stackTool = "see where every goroutine waits: go test -run %s -timeout 15s ./03-clustering/ipc " +
		"(the timeout prints every goroutine's stack), or go run ./03-clustering/ipc/cmd/primary and press Ctrl-\\"
	traceTool = "watch the messages go by: go run ./03-clustering/ipc/cmd/primary -trace"
)

// leaks is what NoLeaks says to look at.
const leaks = "the goroutines the primary starts (go test -run <test> -v ./03-clustering/ipc shows the stacks)"

// children returns the child processes of the test binary that are still
// running and those that exited but were never waited for (zombies), from
// /proc.
func children(t testing.TB) (running, zombies []int) {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("reading /proc: %v (these tests need Linux)", err)
	}
	me := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, ppid, ok := procStat(pid)
		if !ok || ppid != me {
			continue
		}
		if state == "Z" {
			zombies = append(zombies, pid)
		} else {
			running = append(running, pid)
		}
	}
	return running, zombies
}

// procStat reads a process's state and parent pid from /proc/pid/stat.
func procStat(pid int) (state string, ppid int, ok bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false // gone
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(f) < 2 {
		return "", 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	return f[0], ppid, true
}

// workerCmd returns the command for one worker: this test binary, run
// again. A stalled worker never answers questions.
func workerCmd(stall bool) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Stderr = os.Stderr
	if stall {
		cmd.Env = append(os.Environ(), StallEnv+"=1")
	}
	return cmd
}

// startCluster starts n workers. When t ends it closes them, checks that
// no worker process is left running or unreaped, and kills any that is.
func startCluster(t *testing.T, n int, stall bool) *Cluster {
	t.Helper()
	c, err := StartCluster(n, func(int) *exec.Cmd { return workerCmd(stall) })
	if err != nil {
		t.Fatalf("StartCluster: %v", err)
	}
	t.Cleanup(func() { closeAndCheck(t, c) })
	return c
}

// closeAndCheck closes c (for at most 5 s) and then requires that no
// child process is left, running or as a zombie.
func closeAndCheck(t *testing.T, c *Cluster) {
	t.Helper()
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Errorf("Close did not return within 5s; budget 5s; %s", fmt.Sprintf(stackTool, t.Name()))
	}
	running, zombies := children(t)
	testkit.Report(t, testkit.Figure{Name: "worker processes left", Value: float64(len(running) + len(zombies)), Op: "<=", Unit: "processes"})
	for _, pid := range running {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(running)+len(zombies) > 0 {
		t.Errorf("after Close, %d worker processes still run (%v) and %d exited but were never waited for (%v); budget 0; "+
			"see them with ps -o pid,stat,cmd --ppid %d while the test runs", len(running), running, len(zombies), zombies, os.Getpid())
	}
	if len(running) > 0 {
		<-closed // the kill lets a Close stuck on a worker return
	}
}

// question returns a question of about 120 bytes that no other call asks.
func question(rng *rand.Rand, i int) string {
	return fmt.Sprintf("q%05d-%016x-%s", i, rng.Uint64(), strings.Repeat("x", 90))
}

// TestBurstLargerThanThePipes asks one worker 2000 questions at once:
// about 250 KB each way, while a pipe holds 64 KiB on Linux. Every answer
// must come back, to the right question.
func TestBurstLargerThanThePipes(t *testing.T) {
	testkit.NoLeaks(t, leaks)
	c := startCluster(t, 1, false)
	rng := rand.New(rand.NewPCG(1, 2))
	qs := make([]string, 2000)
	for i := range qs {
		qs[i] = question(rng, i)
	}
	type result struct {
		answers []string
		err     error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		a, err := c.Workers[0].AskMany(ctx, qs)
		done <- result{a, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		testkit.Report(t, testkit.Figure{Name: "burst answers", Op: ">=", Budget: 2000, Unit: "answers"})
		t.Fatalf("AskMany of 2000 questions (%d KB; a pipe holds 64 KiB) had not returned after 5s: answers 0, budget 2000; "+stackTool,
			len(qs)*len(qs[0])/1000, t.Name())
	}
	right := 0
	for i, a := range r.answers {
		if a == Answer(qs[i]) {
			right++
		}
	}
	testkit.Report(t, testkit.Figure{Name: "burst answers", Value: float64(right), Op: ">=", Budget: 2000, Unit: "answers"})
	if r.err != nil || right != len(qs) {
		t.Fatalf("AskMany of 2000 questions: %d right answers, budget 2000 (error: %v); "+traceTool, right, r.err)
	}
}

// askAll asks w each question from its own goroutine, all at once, and
// returns how many calls got an answer that is not theirs and how many
// failed, with the first failure.
func askAll(t *testing.T, w *Worker, qs []string, within time.Duration) (wrong, failed int, first error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		start = make(chan struct{})
	)
	for _, q := range qs {
		wg.Go(func() {
			<-start
			a, err := w.Ask(ctx, q)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				failed++
				if first == nil {
					first = err
				}
			case a != Answer(q):
				wrong++
			}
		})
	}
	close(start)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(within + 3*time.Second):
		t.Fatalf("%d concurrent questions had not all returned %v after their %v deadline; budget: every call returns by its deadline; "+stackTool,
			len(qs), 3*time.Second, within, t.Name())
	}
	return wrong, failed, first
}

// TestConcurrentCallersGetTheirOwnAnswers asks one worker 24 questions
// from 24 goroutines at once. The worker answers in batches and not in
// order, as a real worker that handles requests concurrently does. Each
// caller must get the answer to its own question, and the questions must
// really be in flight together: the worker must have held at least 8 at
// once.
func TestConcurrentCallersGetTheirOwnAnswers(t *testing.T) {
	testkit.NoLeaks(t, leaks)
	c := startCluster(t, 1, false)
	w := c.Workers[0]
	rng := rand.New(rand.NewPCG(3, 4))
	qs := make([]string, 24)
	for i := range qs {
		qs[i] = question(rng, i)
	}
	wrong, failed, first := askAll(t, w, qs, 8*time.Second)
	testkit.Report(t, testkit.Figure{Name: "answers to another caller", Value: float64(wrong), Op: "<=", Unit: "answers"})
	testkit.Report(t, testkit.Figure{Name: "failed calls", Value: float64(failed), Op: "<=", Unit: "calls"})
	if wrong > 0 || failed > 0 {
		t.Errorf("of 24 concurrent callers, %d got the answer to another caller's question and %d failed (first: %v); budget 0 and 0; "+traceTool,
			wrong, failed, first)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s, err := w.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	testkit.Report(t, testkit.Figure{Name: "questions held at once", Value: float64(s.MaxInFlight), Op: ">=", Budget: batchSize, Unit: "questions"})
	if s.MaxInFlight < batchSize {
		t.Errorf("the worker held at most %d of the 24 questions at once, budget ≥ %d: the callers waited for each other "+
			"instead of sharing the pipe; "+traceTool, s.MaxInFlight, batchSize)
	}
}

// TestCountersAddUp has three workers answer a seeded, uneven number of
// questions each, asked concurrently, then sums their counters: the sum
// must be exactly the number of questions asked, no more (a question sent
// twice is counted twice) and no less.
func TestCountersAddUp(t *testing.T) {
	testkit.NoLeaks(t, leaks)
	c := startCluster(t, 3, false)
	rng := rand.New(rand.NewPCG(5, 6))
	var wg sync.WaitGroup
	want := 0
	for _, w := range c.Workers {
		qs := make([]string, 20+rng.IntN(40))
		for i := range qs {
			qs[i] = question(rng, want+i)
		}
		want += len(qs)
		wg.Go(func() { askAll(t, w, qs, 8*time.Second) })
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	sum, err := c.Totals(ctx)
	if err != nil {
		t.Fatalf("Totals: %v", err)
	}
	testkit.Report(t, testkit.Figure{Name: "questions answered, summed", Value: float64(sum.Answered), Op: "==", Budget: float64(want), Unit: "questions"})
	if sum.Answered != want {
		t.Errorf("Totals says the workers answered %d questions; %d were asked, want exactly %d; "+traceTool, sum.Answered, want, want)
	}
}

// waitExited waits until pid has exited (gone, or a zombie).
func waitExited(t *testing.T, pid int) {
	t.Helper()
	testkit.Poll(t, 3*time.Second, fmt.Sprintf("pid %d to exit after SIGKILL", pid), func() (bool, string) {
		state, _, ok := procStat(pid)
		return !ok || state == "Z", "state " + state
	})
}

// TestBroadcastReachesEveryLiveWorker kills the second of three workers
// and broadcasts a config reload: the two live workers must both switch
// to the new version, and the broadcast must report the dead one.
func TestBroadcastReachesEveryLiveWorker(t *testing.T) {
	testkit.NoLeaks(t, leaks)
	c := startCluster(t, 3, false)
	victim := c.Workers[1].Pid()
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", victim, err)
	}
	waitExited(t, victim)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := c.Broadcast(ctx, 7)
	if err == nil {
		t.Errorf("Broadcast returned no error although worker 1 (pid %d) was dead", victim)
	}
	reloaded := 0
	var versions []string
	for i, w := range c.Workers {
		if i == 1 {
			continue
		}
		s, err := w.Stats(ctx)
		if err != nil {
			t.Fatalf("asking worker %d for its version: %v", i, err)
		}
		versions = append(versions, fmt.Sprintf("worker %d: v%d", i, s.Version))
		if s.Version == 7 {
			reloaded++
		}
	}
	testkit.Report(t, testkit.Figure{Name: "live workers reloaded", Value: float64(reloaded), Op: ">=", Budget: 2, Unit: "workers"})
	if reloaded < 2 {
		t.Errorf("after Broadcast(7) with worker 1 dead, %d of the 2 live workers run version 7 (%s), budget 2 (Broadcast said: %v); "+traceTool,
			reloaded, strings.Join(versions, ", "), err)
	}
}

// callStalled makes n calls to a stalled worker, each with its own
// deadline, and returns a channel that gets each call's error and how long
// it took.
func callStalled(w *Worker, n int, deadline time.Duration) <-chan callResult {
	out := make(chan callResult, n)
	for i := range n {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			t0 := time.Now()
			_, err := w.Ask(ctx, fmt.Sprintf("stalled question %d", i))
			out <- callResult{err, time.Since(t0)}
		}()
	}
	return out
}

type callResult struct {
	err  error
	took time.Duration
}

// collect receives n results from rs for at most within and returns them.
func collect(rs <-chan callResult, n int, within time.Duration) []callResult {
	var got []callResult
	timeout := time.After(within)
	for len(got) < n {
		select {
		case r := <-rs:
			got = append(got, r)
		case <-timeout:
			return got
		}
	}
	return got
}

// TestKilledWorkerFailsItsCallers makes 8 calls to a worker that never
// answers, each with a 10 s deadline, then kills the worker: every call
// must fail with ErrWorkerExited within 2 s of the kill, long before its
// deadline, and Done must be closed so that a supervisor can start a
// replacement.
func TestKilledWorkerFailsItsCallers(t *testing.T) {
	testkit.NoLeaks(t, leaks)
	c := startCluster(t, 1, true)
	w := c.Workers[0]
	rs := callStalled(w, 8, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // let the calls reach the worker
	if err := syscall.Kill(w.Pid(), syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", w.Pid(), err)
	}
	got := collect(rs, 8, 2*time.Second)
	failed, other := 0, ""
	for _, r := range got {
		if errors.Is(r.err, ErrWorkerExited) {
			failed++
		} else if other == "" {
			other = fmt.Sprintf("%v", r.err)
		}
	}
	testkit.Report(t, testkit.Figure{Name: "calls failed with ErrWorkerExited", Value: float64(failed), Op: ">=", Budget: 8, Unit: "calls"})
	if failed < 8 {
		t.Errorf("2s after the worker was killed, %d of 8 waiting calls had failed with ErrWorkerExited, budget 8 (%d still waiting; another error: %s); "+stackTool,
			failed, 8-len(got), other, t.Name())
	}
	gone := 0
	select {
	case <-w.Done():
		gone = 1
	case <-time.After(2 * time.Second):
	}
	testkit.Report(t, testkit.Figure{Name: "Done closed", Value: float64(gone), Op: ">=", Budget: 1, Unit: "channels"})
	if gone == 0 {
		t.Errorf("Done() was still open 2s after the worker was killed, budget: closed; a supervisor waiting on it would never start a replacement; "+
			stackTool, t.Name())
	}
}

// TestStalledWorkerCallsMeetTheirDeadline makes 8 calls with a 300 ms
// deadline to a worker that never answers: each must return
// context.DeadlineExceeded, within a second of its deadline.
func TestStalledWorkerCallsMeetTheirDeadline(t *testing.T) {
	testkit.NoLeaks(t, leaks)
	c := startCluster(t, 1, true)
	const deadline = 300 * time.Millisecond
	got := collect(callStalled(c.Workers[0], 8, deadline), 8, deadline+time.Second)
	ok := 0
	for _, r := range got {
		if errors.Is(r.err, context.DeadlineExceeded) {
			ok++
		}
	}
	testkit.Report(t, testkit.Figure{Name: "calls that met their deadline", Value: float64(ok), Op: ">=", Budget: 8, Unit: "calls"})
	if ok < 8 {
		t.Errorf("8 calls with a %v deadline to a worker that never answers: %d returned context.DeadlineExceeded within %v of it, budget 8 (%d had not returned at all); "+stackTool,
			deadline, ok, time.Second, 8-len(got), t.Name())
	}
}

// BenchmarkAsk asks one worker questions from 16 goroutines at once.
// wrong% is the share of calls that got another call's answer or an
// error.
func BenchmarkAsk(b *testing.B) {
	w, err := Start(workerCmd(false))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	var (
		mu         sync.Mutex
		calls, bad int
	)
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 0))
		n, wrong := 0, 0
		for pb.Next() {
			q := question(rng, n)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			a, err := w.Ask(ctx, q)
			cancel()
			n++
			if err != nil || a != Answer(q) {
				wrong++
			}
		}
		mu.Lock()
		calls, bad = calls+n, bad+wrong
		mu.Unlock()
	})
	b.ReportMetric(100*float64(bad)/float64(max(calls, 1)), "wrong%")
}
