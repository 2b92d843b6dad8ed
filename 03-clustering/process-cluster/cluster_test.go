package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// TestMain turns the test binary into a worker when the supervisor starts
// it as one: the tests start their workers by running this same binary
// again, with WorkerEnv set.
func TestMain(m *testing.M) {
	if IsWorker() {
		if err := RunWorker(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const where = "Supervisor.run in supervisor.go (what does it do once a worker has exited? " +
	"run go run ./03-clustering/process-cluster/cmd/cluster and read the supervisor's log)"

// children returns the running child processes of the test binary and
// those that exited but were never waited for (zombies), from /proc.
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
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid != me {
			continue
		}
		if f[0] == "Z" {
			zombies = append(zombies, pid)
		} else {
			running = append(running, pid)
		}
	}
	return running, zombies
}

// start runs a supervisor of n workers (this test binary, re-run) and
// returns it with its front address. At cleanup it is shut down, and any
// child process still running is killed.
func start(t *testing.T, n int) (*Supervisor, string) {
	t.Helper()
	s := &Supervisor{
		Workers: n,
		Command: func() *exec.Cmd { return exec.Command(os.Args[0], "-test.run=^$") },
	}
	cleanup(t, s)
	addr, err := s.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if !testkit.Poll(t, 5*time.Second, "every worker to start", func() (bool, string) {
		pids := s.Pids()
		return !slices.Contains(pids, 0), fmt.Sprintf("Pids() = %v", pids)
	}) {
		t.FailNow()
	}
	return s, addr
}

// cleanup shuts s down when t ends and kills any child process still
// running after that.
func cleanup(t *testing.T, s *Supervisor) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		done := make(chan struct{})
		go func() { s.Shutdown(ctx); close(done) }()
		select {
		case <-done:
		case <-time.After(4 * time.Second):
		}
		running, _ := children(t)
		for _, pid := range running {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// send makes n GET requests to the front address, one after the other,
// and returns how many each worker pid answered and how many failed.
func send(t *testing.T, addr string, n int) (perPID map[int]int, failed int, firstErr string) {
	t.Helper()
	c := &http.Client{Timeout: 3 * time.Second}
	defer c.CloseIdleConnections()
	perPID = map[int]int{}
	deadline := time.Now().Add(8 * time.Second)
	for i := range n {
		if time.Now().After(deadline) {
			t.Fatalf("sending %d requests took more than 8s (%d sent); look at %s", n, i, where)
		}
		resp, err := c.Get("http://" + addr + "/")
		if err != nil {
			failed++
			if firstErr == "" {
				firstErr = err.Error()
			}
			continue
		}
		var r Reply
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			failed++
			if firstErr == "" {
				firstErr = fmt.Sprintf("%s (%v)", resp.Status, err)
			}
			continue
		}
		perPID[r.PID]++
	}
	return perPID, failed, firstErr
}

// checkSpread fails t unless every pid in pids answered a fair share of n
// requests (within 20 % of n/len(pids)) and no other pid answered.
func checkSpread(t *testing.T, what string, pids []int, perPID map[int]int, n int) {
	t.Helper()
	fair := n / len(pids)
	for pid, c := range perPID {
		if !slices.Contains(pids, pid) {
			t.Errorf("%s: pid %d answered %d requests but is not one of the workers %v", what, pid, c, pids)
		}
	}
	for _, pid := range pids {
		if c := perPID[pid]; c < fair*8/10 || c > fair*12/10 {
			t.Errorf("%s: worker pid %d answered %d of %d requests, want %d ± 20%% (answers per pid: %v); look at Supervisor.pick in supervisor.go", what, pid, c, n, fair, perPID)
		}
	}
}

// TestRequestsSpreadOverWorkers sends 300 requests through the front and
// checks that all three workers share them. It passes as shipped: keep it
// passing.
func TestRequestsSpreadOverWorkers(t *testing.T) {
	testkit.NoLeaks(t, "Supervisor in supervisor.go")
	s, addr := start(t, 3)
	perPID, failed, first := send(t, addr, 300)
	if failed > 0 {
		t.Fatalf("%d of 300 requests failed (first: %s)", failed, first)
	}
	checkSpread(t, "3 workers", s.Pids(), perPID, 300)
}

// TestCrashedWorkerIsReplaced kills one worker with SIGKILL, as the
// kernel's OOM killer or a panic would end it, and requires the supervisor
// to start a replacement in the same slot, which then takes its share.
func TestCrashedWorkerIsReplaced(t *testing.T) {
	testkit.NoLeaks(t, "Supervisor in supervisor.go")
	s, addr := start(t, 3)
	before := s.Pids()
	victim := before[1]
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", victim, err)
	}
	ok := testkit.Poll(t, 3*time.Second, fmt.Sprintf("a new worker in slot 1 after pid %d was killed", victim), func() (bool, string) {
		pids := s.Pids()
		return pids[1] != 0 && pids[1] != victim, fmt.Sprintf("Pids() = %v, was %v: replacements started = 0, budget ≥ 1; look at %s", pids, before, where)
	})
	if !ok {
		t.FailNow()
	}
	after := s.Pids()
	if after[0] != before[0] || after[2] != before[2] {
		t.Errorf("Pids() = %v after killing slot 1 of %v: the other workers should have kept running", after, before)
	}
	perPID, failed, first := send(t, addr, 300)
	if failed > 0 {
		t.Fatalf("after the restart, %d of 300 requests failed (first: %s); look at %s", failed, first, where)
	}
	if perPID[victim] > 0 {
		t.Errorf("the killed worker, pid %d, answered %d requests", victim, perPID[victim])
	}
	checkSpread(t, "after the restart", after, perPID, 300)
}

// TestShutdownLeavesNoWorkers checks that after Shutdown no worker process
// is left, not even one restarted while the others were being stopped. It
// passes as shipped: keep it passing when you add restarts.
func TestShutdownLeavesNoWorkers(t *testing.T) {
	testkit.NoLeaks(t, "Supervisor in supervisor.go")
	s, addr := start(t, 3)
	if _, failed, first := send(t, addr, 30); failed > 0 {
		t.Fatalf("%d of 30 requests failed (first: %s)", failed, first)
	}
	pids := s.Pids()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.Shutdown(ctx) }()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Shutdown: %v; the workers should exit on SIGTERM well within 5s (does run start a new worker when one exits during Shutdown?)", err)
		}
	case <-time.After(7 * time.Second):
		t.Fatalf("Shutdown did not return within 7s; look at Supervisor.run and Shutdown in supervisor.go")
	}
	// Give a supervisor that restarts workers during Shutdown the time to
	// do it, so the check below can see it.
	time.Sleep(200 * time.Millisecond)
	running, zombies := children(t)
	if len(running) > 0 {
		t.Errorf("worker processes still running after Shutdown: %v (workers were %v), budget 0; look at Supervisor.run in supervisor.go: a worker that exits while the supervisor is shutting down must not be replaced", running, pids)
	}
	if len(zombies) > 0 {
		t.Errorf("worker processes that exited but were never waited for (zombies): %v, budget 0; every started exec.Cmd needs a Wait", zombies)
	}
	if got := s.Pids(); slices.ContainsFunc(got, func(p int) bool { return p != 0 }) {
		t.Errorf("Pids() = %v after Shutdown, want all 0", got)
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Errorf("the front address %s still answers after Shutdown", addr)
	}
}

// TestCrashingWorkerBacksOff runs, for two seconds, one "worker" that
// exits with status 1 as soon as it starts (false(1)), as a worker with a
// bad config or a port in use would. Restarting it is right; restarting it as fast as the machine
// can fork is a fork loop that burns a core and floods the log. It passes
// as shipped (no restarts at all): keep it passing when you add them.
func TestCrashingWorkerBacksOff(t *testing.T) {
	testkit.NoLeaks(t, "Supervisor in supervisor.go")
	var started atomic.Int32
	s := &Supervisor{
		Workers: 1,
		Command: func() *exec.Cmd {
			started.Add(1)
			return exec.Command("false")
		},
	}
	cleanup(t, s)
	if _, err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	const window, budget = 2 * time.Second, 20
	time.Sleep(window)
	n := started.Load()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v; a supervisor waiting to restart a crashed worker should still stop within 5s", err)
	}
	if n > budget {
		t.Errorf("a worker that exits as soon as it starts was started %d times in %v, budget %d: pause before each restart and double the pause while the worker keeps dying young; look at Supervisor.run in supervisor.go", n, window, budget)
	}
	t.Logf("a worker that crashes on start was started %d times in %v (budget %d)", n, window, budget)
}

// BenchmarkFront sends requests through the front of a 3-worker cluster
// whose slot-1 worker was killed just before. failed% is the share of
// requests that got no answer within 200ms; a request to a slot nobody
// serves waits in the socket's queue until then.
func BenchmarkFront(b *testing.B) {
	s := &Supervisor{Workers: 3, Command: func() *exec.Cmd { return exec.Command(os.Args[0], "-test.run=^$") }}
	addr, err := s.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}()
	for deadline := time.Now().Add(5 * time.Second); slices.Contains(s.Pids(), 0) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(s.Pids()[1], syscall.SIGKILL)
	time.Sleep(200 * time.Millisecond)
	c := &http.Client{Timeout: 200 * time.Millisecond}
	defer c.CloseIdleConnections()
	failed := 0
	for b.Loop() {
		resp, err := c.Get("http://" + addr + "/")
		if err != nil {
			failed++
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failed++
		}
	}
	b.ReportMetric(100*float64(failed)/float64(b.N), "failed%")
}
