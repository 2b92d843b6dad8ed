package balance

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
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

// TestMain turns the test binary into a worker when the cluster starts it
// as one: the tests start their workers by running this same binary again.
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

// tool is what the failure messages tell the learner to run.
const tool = "watch each worker's share and the latencies: go run ./03-clustering/load-balancing/cmd/front"

// seed seeds the balancer's randomness in every test.
const seed = 42

// children returns the child processes of the test binary, running or
// exited but never waited for, from /proc.
func children(t testing.TB) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("reading /proc: %v (these tests need Linux)", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) >= 2 && f[1] == strconv.Itoa(os.Getpid()) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// setup starts n workers and a balancer in front of them, served on a
// loopback address, and returns the cluster, the balancer and the front
// URL. At cleanup everything is stopped and no child process may be left.
func setup(t *testing.T, n int) (*Cluster, *Balancer, string) {
	t.Helper()
	c, err := StartCluster(n, func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Stderr = os.Stderr
		return cmd
	})
	if err != nil {
		t.Fatalf("StartCluster: %v", err)
	}
	b := New(c.URLs(), seed)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: b}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		b.Close()
		c.Close()
		left := children(t)
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		testkit.Report(t, testkit.Figure{Name: "worker processes left", Value: float64(len(left)), Op: "<=", Unit: "processes"})
		if len(left) > 0 {
			t.Errorf("worker processes left after the test: %v, budget 0 (ps -o pid,stat,cmd --ppid %d)", left, os.Getpid())
		}
	})
	return c, b, "http://" + ln.Addr().String() + "/"
}

// stats returns every worker's counters.
func stats(t *testing.T, c *Cluster, n int) []Stats {
	t.Helper()
	out := make([]Stats, n)
	for i := range n {
		st, err := c.Stats(i)
		if err != nil {
			t.Fatalf("stats of worker %d: %v", i, err)
		}
		out[i] = st
	}
	return out
}

// TestStalledWorkerGetsLittleTraffic stalls one worker of four and sends
// 16 clients' worth of load (at most 2000 requests, at most 2 s, a 1 s
// timeout each). While it stalls, the stalled worker may receive at most
// 10 % of the requests (round-robin gives it 25 %) and hold at most 10 at
// once (round-robin lets it hold all 16).
func TestStalledWorkerGetsLittleTraffic(t *testing.T) {
	testkit.NoLeaks(t, "the goroutines the balancer starts")
	const n, slow = 4, 2
	c, _, front := setup(t, n)
	if err := c.Stall(slow, true); err != nil {
		t.Fatal(err)
	}
	res := Load{Clients: 16, Max: 2000, Within: 2 * time.Second, Timeout: time.Second}.Run(front)
	st := stats(t, c, n)
	total := 0
	for _, s := range st {
		total += s.Received
	}
	share := float64(st[slow].Received) / float64(max(total, 1))
	t.Logf("sent %d, failed %d, p50 %v, p99 %v; received per worker: %v; most held by the stalled one: %d", res.Sent, res.Failed,
		res.Percentile(50), res.Percentile(99), received(st), st[slow].MaxInFlight)
	testkit.Report(t, testkit.Figure{Name: "share sent to the stalled worker", Value: 100 * share, Op: "<=", Budget: 10, Unit: "%"})
	if share > 0.10 {
		t.Errorf("the stalled worker received %d of %d requests (%.0f %%), budget 10 %% (round-robin gives 1/%d); %s",
			st[slow].Received, total, 100*share, n, tool)
	}
	testkit.Report(t, testkit.Figure{Name: "most requests held by the stalled worker", Value: float64(st[slow].MaxInFlight), Op: "<=", Budget: 10, Unit: "requests"})
	if st[slow].MaxInFlight > 10 {
		t.Errorf("the stalled worker held up to %d requests at once, of 16 clients, budget 10; %s", st[slow].MaxInFlight, tool)
	}
}

func received(st []Stats) []int {
	out := make([]int, len(st))
	for i, s := range st {
		out[i] = s.Received
	}
	return out
}

// tripwire listens on a dead worker's address and counts the requests
// that still arrive there, answering none: it reads the request line and
// closes the connection, as a crashed process's port would fail them.
type tripwire struct {
	ln       net.Listener
	mu       sync.Mutex
	requests int // not counting health checks
	health   int
	wg       sync.WaitGroup
}

func listenTripwire(t *testing.T, addr string) *tripwire {
	t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("listening on the dead worker's address %s: %v", addr, err)
	}
	tw := &tripwire{ln: ln}
	tw.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			tw.wg.Go(func() { tw.serve(conn) })
		}
	})
	return tw
}

func (tw *tripwire) serve(conn net.Conn) {
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return
	}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if f := strings.Fields(line); len(f) >= 2 && f[1] == HealthPath {
		tw.health++
	} else {
		tw.requests++
	}
}

func (tw *tripwire) close() (requests, health int) {
	tw.ln.Close()
	tw.wg.Wait()
	return tw.requests, tw.health
}

// TestDeadWorkerIsTakenOutOfRotation kills one worker of four, then sends
// 300 requests from 4 clients. At most 4 may fail, and at most 4 may be
// sent to the dead worker's address (round-robin sends it every fourth).
// Then the worker is restarted on its address: within 3 s it must get
// requests again.
func TestDeadWorkerIsTakenOutOfRotation(t *testing.T) {
	testkit.NoLeaks(t, "the goroutines the balancer starts")
	const n, dead = 4, 1
	c, _, front := setup(t, n)
	Load{Clients: 4, Max: 40, Within: 2 * time.Second, Timeout: time.Second}.Run(front) // warm up
	if err := c.Kill(dead); err != nil {
		t.Fatal(err)
	}
	tw := listenTripwire(t, c.Addr(dead))
	res := Load{Clients: 4, Max: 300, Within: 3 * time.Second, Timeout: time.Second}.Run(front)
	sentToDead, probes := tw.close()
	t.Logf("sent %d, failed %d; the dead worker's address got %d requests and %d health checks", res.Sent, res.Failed, sentToDead, probes)
	testkit.Report(t, testkit.Figure{Name: "failed requests after the kill", Value: float64(res.Failed), Op: "<=", Budget: 4, Unit: "requests"})
	testkit.Report(t, testkit.Figure{Name: "requests sent to the dead worker", Value: float64(sentToDead), Op: "<=", Budget: 4, Unit: "requests"})
	if res.Failed > 4 || sentToDead > 4 {
		t.Errorf("after a worker of %d was killed, %d of %d requests failed (budget 4) and %d were sent to its address (budget 4); %s",
			n, res.Failed, res.Sent, sentToDead, tool)
	}

	if err := c.Restart(dead); err != nil {
		t.Fatal(err)
	}
	back := 0
	testkit.Poll(t, 3*time.Second, "the restarted worker to get requests", func() (bool, string) {
		Load{Clients: 1, Max: 20, Within: time.Second, Timeout: time.Second}.Run(front)
		st, err := c.Stats(dead)
		back = st.Received
		return err == nil && back > 0, fmt.Sprintf("requests received by the restarted worker = %d, budget ≥ 1 (err %v); %s", back, err, tool)
	})
	testkit.Report(t, testkit.Figure{Name: "requests to the restarted worker", Value: float64(back), Op: ">=", Budget: 1, Unit: "requests"})
}

// TestRequestsSpreadEvenly sends 300 requests one after the other to four
// healthy workers: each must answer between half and twice its even share
// (75).
func TestRequestsSpreadEvenly(t *testing.T) {
	testkit.NoLeaks(t, "the goroutines the balancer starts")
	const n, total = 4, 300
	c, _, front := setup(t, n)
	res := Load{Clients: 1, Max: total, Within: 8 * time.Second, Timeout: time.Second}.Run(front)
	if res.Failed > 0 || res.Sent != total {
		t.Fatalf("%d of %d requests failed (%d sent) with every worker healthy, budget 0; %s", res.Failed, total, res.Sent, tool)
	}
	fair := total / n
	lo, hi := total, 0
	for i := range n {
		got := res.ByPID[c.Pid(i)]
		lo, hi = min(lo, got), max(hi, got)
	}
	testkit.Report(t, testkit.Figure{Name: "fewest requests at a worker", Value: float64(lo), Op: ">=", Budget: float64(fair / 2), Unit: "requests"})
	testkit.Report(t, testkit.Figure{Name: "most requests at a worker", Value: float64(hi), Op: "<=", Budget: float64(2 * fair), Unit: "requests"})
	if lo < fair/2 || hi > 2*fair {
		t.Errorf("of %d requests one at a time, the workers answered between %d and %d (per pid: %v), budget %d to %d (half to twice even); %s",
			total, lo, hi, res.ByPID, fair/2, 2*fair, tool)
	}
}

// BenchmarkStalledWorker sends b.N requests from 16 clients (1 s timeout
// each) through a balancer over four workers, one of them stalled. slow%
// is the share of requests the stalled worker received, failed% the share
// that got no answer; p50 and p99 are the clients' latencies. Run it with
// a fixed count, such as -benchtime 2000x.
func BenchmarkStalledWorker(b *testing.B) {
	c, err := StartCluster(4, func() *exec.Cmd { return exec.Command(os.Args[0], "-test.run=^$") })
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	bal := New(c.URLs(), seed)
	defer bal.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: bal}
	go srv.Serve(ln)
	defer srv.Close()
	if err := c.Stall(2, true); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	res := Load{Clients: 16, Max: b.N, Within: time.Minute, Timeout: time.Second}.Run("http://" + ln.Addr().String() + "/")
	b.StopTimer()
	total, slow := 0, 0
	for i := range 4 {
		st, err := c.Stats(i)
		if err != nil {
			b.Fatal(err)
		}
		total += st.Received
		if i == 2 {
			slow = st.Received
		}
	}
	b.ReportMetric(100*float64(slow)/float64(max(total, 1)), "slow%")
	b.ReportMetric(100*float64(res.Failed)/float64(max(res.Sent, 1)), "failed%")
	b.ReportMetric(float64(res.Percentile(50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(res.Percentile(99).Microseconds())/1000, "p99-ms")
}
