package restart

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// TestMain turns the test binary into a server when it is started as one:
// the tests start generation 1 by running this same binary again, and
// each generation starts the next the same way.
func TestMain(m *testing.M) {
	if IsServer() {
		if err := Main(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	becomeSubreaper()
	os.Exit(m.Run())
}

// tool is what the failure messages tell the learner to run.
const tool = "watch the upgrades under load: go run ./03-clustering/graceful-restart/cmd/upgrader " +
	"(and while it runs, in another terminal: ss -ltnpe 'sport = :PORT' to see the listening socket and who holds it)"

// launch starts generation 1 with a fault file in t's temporary folder.
// At cleanup every generation is stopped and none may be left running.
func launch(t *testing.T) (*Launcher, string) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skipf("these tests read /proc, which this system does not have (%v): run them on Linux", err)
	}
	fault := filepath.Join(t.TempDir(), "fault")
	l, err := Launch(os.Args[0], []string{"-test.run=^$"}, fault)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		killed := l.Stop()
		testkit.Report(t, testkit.Figure{Name: "server processes left", Value: float64(len(killed)), Op: "<=", Unit: "processes"})
		if len(killed) > 0 {
			t.Errorf("server processes still running 2s after the test ended (killed now): %v, budget 0", killed)
		}
	})
	return l, fault
}

// TestThreeUpgradesDropNothing upgrades the server three times in a row
// while 8 clients send requests: no connection may be refused, no request
// may fail, each old process must exit, and the listening socket must be
// the same one (its inode, from /proc/net/tcp) from start to end.
func TestThreeUpgradesDropNothing(t *testing.T) {
	testkit.NoLeaks(t, "the goroutines of the test's load generator")
	l, _ := launch(t)
	inode, inodeErr := ListenInode(l.Addr)
	if inodeErr != nil {
		t.Logf("no /proc/net/tcp (%v): the socket check is skipped", inodeErr)
	}
	load := StartLoad(l.Addr)
	time.Sleep(200 * time.Millisecond)
	pids := []int{l.FirstPID()}
	var upgradeErr error
	var inodes []string
	for range 3 {
		next, err := l.Upgrade(pids[len(pids)-1])
		if err != nil {
			upgradeErr = err
			break
		}
		pids = append(pids, next)
		if inodeErr == nil {
			in, _ := ListenInode(l.Addr)
			inodes = append(inodes, in)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	res := load.Stop()
	t.Logf("generations %v; sent %d: refused %d, failed %d, answers per pid %v", pids, res.Sent, res.Refused, res.Failed, res.ByPID)
	testkit.Report(t, testkit.Figure{Name: "refused connections", Value: float64(res.Refused), Op: "<=", Unit: "connections"})
	testkit.Report(t, testkit.Figure{Name: "failed requests", Value: float64(res.Failed), Op: "<=", Unit: "requests"})
	if res.Refused > 0 || res.Failed > 0 {
		t.Errorf("across %d upgrades, %d of %d connections were refused and %d requests failed (first: %s); budget 0 and 0; %s",
			len(pids)-1, res.Refused, res.Sent, res.Failed, res.FirstFailure, tool)
	}
	if upgradeErr != nil {
		t.Fatalf("upgrade %d: %v; %s", len(pids), upgradeErr, tool)
	}
	if inodeErr == nil {
		changed := 0
		for _, in := range inodes {
			if in != inode {
				changed++
			}
		}
		testkit.Report(t, testkit.Figure{Name: "upgrades that changed the listening socket", Value: float64(changed), Op: "<=", Unit: "upgrades"})
		if changed > 0 {
			t.Errorf("the socket listening on %s was inode %s before the upgrades and %v after each: %d of 3 upgrades opened a new socket, budget 0; %s",
				l.Addr, inode, inodes, changed, tool)
		}
	}
	if n := res.ByPID[pids[len(pids)-1]]; n == 0 {
		t.Errorf("the last generation, pid %d, answered no request, budget ≥ 1; %s", pids[len(pids)-1], tool)
	}
}

// TestFailedUpgradeKeepsServing upgrades to a new process that crashes
// on start, as a new binary with a bad config would: the old process must
// notice, keep serving, and drop nothing.
func TestFailedUpgradeKeepsServing(t *testing.T) {
	testkit.NoLeaks(t, "the goroutines of the test's load generator")
	l, fault := launch(t)
	pid := l.FirstPID()
	load := StartLoad(l.Addr)
	time.Sleep(200 * time.Millisecond)
	if err := os.WriteFile(fault, []byte("crash"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	_, noticed := l.Await(5*time.Second, func(e Event) bool { return e.PID == pid && strings.HasPrefix(e.What, "upgrade-failed") })
	os.Remove(fault)
	time.Sleep(300 * time.Millisecond)
	res := load.Stop()
	up := Alive(pid)
	t.Logf("sent %d: refused %d, failed %d, answers per pid %v", res.Sent, res.Refused, res.Failed, res.ByPID)
	testkit.Report(t, testkit.Figure{Name: "refused or failed during a failed upgrade", Value: float64(res.Refused + res.Failed), Op: "<=", Unit: "requests"})
	if res.Refused+res.Failed > 0 {
		t.Errorf("during an upgrade whose new process crashed on start, %d connections were refused and %d requests failed (first: %s) of %d; budget 0; %s",
			res.Refused, res.Failed, res.FirstFailure, res.Sent, tool)
	}
	if !noticed || !up {
		t.Errorf("after the new process crashed: the old process (pid %d) said upgrade-failed: %v, still runs: %v; want both; %s", pid, noticed, up, tool)
	}
}

// BenchmarkUpgrade upgrades the server once per iteration while the 8
// clients send requests (run it with -benchtime 3x). refused/op and
// failed/op count what the clients saw per upgrade.
func BenchmarkUpgrade(b *testing.B) {
	l, err := Launch(os.Args[0], []string{"-test.run=^$"}, filepath.Join(b.TempDir(), "fault"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Stop()
	load := StartLoad(l.Addr)
	time.Sleep(200 * time.Millisecond)
	pid := l.FirstPID()
	for b.Loop() {
		if pid, err = l.Upgrade(pid); err != nil {
			b.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	res := load.Stop()
	b.ReportMetric(float64(res.Refused)/float64(b.N), "refused/op")
	b.ReportMetric(float64(res.Failed)/float64(b.N), "failed/op")
	b.ReportMetric(float64(res.Sent)/float64(b.N), "sent/op")
}
