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
	"sync"
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

// tools names what shows the supervisor at work; failure messages end with
// it. Which code to change is for the hints (perflab hint).
const tools = "run go run ./03-clustering/process-cluster/cmd/cluster and read the supervisor's log " +
	"(ps -o pid,ppid,stat,args --ppid <pid> lists the workers of a running supervisor)"

// leakWhere completes NoLeaks's "look at …".
const leakWhere = "the stacks below, and the supervisor's log (go run ./03-clustering/process-cluster/cmd/cluster)"

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

// hung holds the supervisors whose Shutdown did not return in time, so
// that cleanup does not wait for them a second time.
var hung sync.Map

// cleanup shuts s down when t ends and kills any child process still
// running after that.
func cleanup(t *testing.T, s *Supervisor) {
	t.Cleanup(func() {
		if _, ok := hung.Load(s); !ok {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			done := make(chan struct{})
			go func() { s.Shutdown(ctx); close(done) }()
			select {
			case <-done:
			case <-time.After(1500 * time.Millisecond):
			}
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
			t.Fatalf("sending %d requests took more than 8s (%d sent); %s", n, i, tools)
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
			t.Errorf("%s: worker pid %d answered %d of %d requests, want %d ± 20%% (answers per pid: %v); %s", what, pid, c, n, fair, perPID, tools)
		}
	}
}

// TestRequestsSpreadOverWorkers sends 300 requests through the front and
// checks that all three workers share them. It passes as shipped: keep it
// passing.
func TestRequestsSpreadOverWorkers(t *testing.T) {
	testkit.NoLeaks(t, leakWhere)
	s, addr := start(t, 3)
	perPID, failed, first := send(t, addr, 300)
	if failed > 0 {
		t.Fatalf("%d of 300 requests failed (first: %s)", failed, first)
	}
	checkSpread(t, "3 workers", s.Pids(), perPID, 300)
}

// TestCrashedWorkerIsReplaced kills one worker with SIGKILL, as the
// kernel's OOM killer or a panic would end it, and requires the supervisor
// to start a replacement in the same slot; then it kills the replacement
// too, since a worker can die more than once. The second replacement must
// take its share of the requests.
func TestCrashedWorkerIsReplaced(t *testing.T) {
	testkit.NoLeaks(t, leakWhere)
	s, addr := start(t, 3)
	before := s.Pids()
	pids := before
	replaced := 0
	var victims []int
	for kill := range 2 {
		victim := pids[1]
		victims = append(victims, victim)
		if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", victim, err)
		}
		ok := testkit.Poll(t, 3*time.Second, fmt.Sprintf("a new worker in slot 1 after pid %d was killed (kill %d of 2)", victim, kill+1), func() (bool, string) {
			now := s.Pids()
			return now[1] != 0 && now[1] != victim, fmt.Sprintf("Pids() = %v, was %v: replacements started = %d, budget ≥ %d; %s", now, pids, replaced, kill+1, tools)
		})
		testkit.Report(t, testkit.Figure{Name: "replacements", Value: float64(replaced + btoi(ok)), Op: ">=", Budget: float64(kill + 1), Unit: "workers"})
		if !ok {
			t.FailNow()
		}
		replaced++
		pids = s.Pids()
		if pids[0] != before[0] || pids[2] != before[2] {
			t.Errorf("Pids() = %v after killing slot 1 of %v: the other workers should have kept running", pids, before)
		}
	}
	perPID, failed, first := send(t, addr, 300)
	testkit.Report(t, testkit.Figure{Name: "failed requests", Value: float64(failed), Op: "<=", Budget: 0, Unit: "requests"})
	if failed > 0 {
		t.Fatalf("after two restarts, failed requests = %d of 300, budget 0 (first: %s); %s", failed, first, tools)
	}
	for _, dead := range victims {
		if perPID[dead] > 0 {
			t.Errorf("the killed worker, pid %d, answered %d requests", dead, perPID[dead])
		}
	}
	checkSpread(t, "after the restarts", pids, perPID, 300)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestShutdownLeavesNoWorkers checks that after Shutdown no worker process
// is left, not even one restarted while the others were being stopped. It
// passes as shipped: keep it passing when you add restarts.
func TestShutdownLeavesNoWorkers(t *testing.T) {
	testkit.NoLeaks(t, leakWhere)
	s, addr := start(t, 3)
	if _, failed, first := send(t, addr, 30); failed > 0 {
		t.Fatalf("%d of 30 requests failed (first: %s)", failed, first)
	}
	pids := s.Pids()
	shutdownWithin(t, 2*time.Second, 2500*time.Millisecond, s)
	// Give a supervisor that restarts workers during Shutdown the time to
	// do it, so the check below can see it.
	time.Sleep(200 * time.Millisecond)
	running, zombies := children(t)
	testkit.Report(t, testkit.Figure{Name: "workers left", Value: float64(len(running) + len(zombies)), Op: "<=", Budget: 0, Unit: "processes"})
	if len(running) > 0 {
		t.Errorf("worker processes running 200ms after Shutdown returned = %d %v (workers were %v), budget 0; %s", len(running), running, pids, tools)
	}
	if len(zombies) > 0 {
		t.Errorf("worker processes that exited but were never waited for (zombies) = %d %v, budget 0; ps -o pid,stat,args --ppid <pid> shows them as Z <defunct>", len(zombies), zombies)
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
// bad config or a port in use would. Restarting it is right, and it must
// go on: the bad config may be fixed a minute later. Restarting it as fast
// as the machine can fork is a fork loop that burns a core and floods the
// log. So the starts must be few, keep coming until the end of the window,
// and come further and further apart. It passes as shipped (no restarts
// at all) except for going on: keep the rest passing when you add them.
func TestCrashingWorkerBacksOff(t *testing.T) {
	testkit.NoLeaks(t, leakWhere)
	var (
		mu     sync.Mutex
		starts []time.Duration // since Start, one per worker started
	)
	var t0 time.Time
	s := &Supervisor{
		Workers: 1,
		Command: func() *exec.Cmd {
			mu.Lock()
			starts = append(starts, time.Since(t0))
			mu.Unlock()
			return exec.Command("false")
		},
	}
	cleanup(t, s)
	t0 = time.Now()
	if _, err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	const window = 2 * time.Second
	time.Sleep(window)
	mu.Lock()
	seen := slices.Clone(starts)
	mu.Unlock()
	shutdownWithin(t, 2*time.Second, 2500*time.Millisecond, s)
	t.Logf("a worker that crashes on start was started %d times in %v, at %v", len(seen), window, roundAll(seen))
	checkBackoff(t, seen, window)
}

// shutdownWithin calls s.Shutdown with a context of timeout d and fails t
// at once if it has not returned after hard, so that a supervisor that
// never stops fails quickly instead of hanging the run.
func shutdownWithin(t *testing.T, d, hard time.Duration, s *Supervisor) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.Shutdown(ctx) }()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Shutdown: %v; workers exit on SIGTERM in milliseconds, and a supervisor pausing before a restart should stop too, well within %v; %s", err, d, tools)
		}
	case <-time.After(hard):
		hung.Store(s, true)
		t.Fatalf("Shutdown with a %v context did not return within %v (for a goroutine dump: go test -run %s -timeout 15s ./03-clustering/process-cluster; the timeout panic shows where each goroutine waits)", d, hard, t.Name())
	}
}

// checkBackoff fails t unless the start times of a worker that crashes on
// start show a restart loop that backs off and goes on: at most 20 and at
// least 3 starts in the window, one in its second half, and pauses that
// grow (the median gap between starts in the later half of the starts at
// least 1.5 times the median in the earlier half).
func checkBackoff(t *testing.T, starts []time.Duration, window time.Duration) {
	t.Helper()
	const most, least = 20, 3
	n := len(starts)
	testkit.Report(t, testkit.Figure{Name: "starts", Value: float64(n), Op: "<=", Budget: most, Unit: "starts"})
	if n > most {
		t.Errorf("starts of a worker that exits as soon as it starts = %d in %v, budget ≤ %d: that is a fork loop; %s", n, window, most, tools)
		return
	}
	late := 0
	for _, at := range starts {
		if at >= window/2 {
			late++
		}
	}
	testkit.Report(t, testkit.Figure{Name: "starts in the second half", Value: float64(late), Op: ">=", Budget: 1, Unit: "starts"})
	if n < least || late == 0 {
		t.Errorf("starts of a worker that exits as soon as it starts = %d in %v (at %v), %d of them after %v; want %d to %d, and at least 1 after %v: restarts must go on, further and further apart, for as long as the supervisor runs; %s",
			n, window, roundAll(starts), late, window/2, least, most, window/2, tools)
		return
	}
	gaps := make([]time.Duration, n-1)
	for i := range gaps {
		gaps[i] = starts[i+1] - starts[i]
	}
	early, later := median(gaps[:len(gaps)/2+len(gaps)%2]), median(gaps[len(gaps)/2:])
	growth := float64(later) / float64(max(early, time.Microsecond))
	testkit.Report(t, testkit.Figure{Name: "pause growth", Value: growth, Op: ">=", Budget: 1.5, Unit: "×"})
	if growth < 1.5 {
		t.Errorf("pause growth = %.1f×, budget ≥ 1.5×: the pauses between the starts of a worker that keeps crashing (%v) do not grow (median %v early, %v later), so it keeps being restarted at the same rate for ever; %s",
			growth, roundAll(gaps), early.Round(time.Millisecond), later.Round(time.Millisecond), tools)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
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
