package proc

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that the copying goroutine and the test can
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// alive reports whether pid is a running process (a zombie is not).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat))
	return len(fields) > 2 && fields[2] != "Z"
}

func TestWaitKillsOrphans(t *testing.T) {
	var out syncBuffer
	g, err := Start(context.Background(), Spec{Name: "sh", Args: []string{"-c", "sleep 300 & echo $!"}, Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Errorf("exit code = %d, want 0", res.ExitCode)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Wait took %v: the orphan holding the pipe delayed it", d)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("child printed %q, want its background pid", out.String())
	}
	deadline := time.Now().Add(2 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("orphan %d still running after Wait", pid)
	}
}

func TestDeadlineKillsTheGroup(t *testing.T) {
	g, err := Start(context.Background(), Spec{Name: "sleep", Args: []string{"300"}})
	if err != nil {
		t.Fatal(err)
	}
	g.Deadline(100 * time.Millisecond)
	res, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Expired || res.ExitCode != -1 {
		t.Errorf("result = %+v, want expired and killed", res)
	}
	if res.Wall > 5*time.Second {
		t.Errorf("took %v to kill", res.Wall)
	}
}

func TestCancelKillsTheGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	g, err := Start(ctx, Spec{Name: "sleep", Args: []string{"300"}})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	res, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != -1 {
		t.Errorf("exit code = %d, want -1 (killed)", res.ExitCode)
	}
}

func TestMaxRSSIsReported(t *testing.T) {
	g, err := Start(context.Background(), Spec{Name: "sh", Args: []string{"-c", "true"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRSS <= 0 {
		t.Errorf("MaxRSS = %d, want the child's peak resident set", res.MaxRSS)
	}
}
