package finalizers

import (
	"errors"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// forget dials n sessions, writes to each and drops them all without
// Close, as a caller with a bug would.
func forget(t *Table, n int) {
	msg := []byte("hello")
	for range n {
		s := Dial(t)
		if _, err := s.Write(msg); err != nil {
			panic(err)
		}
	}
}

// collectUntil runs the collector and waits, up to within, for cond. Cleanups
// and finalizers run on their own goroutines after a collection has found
// their objects unreachable, so runtime.GC returning says nothing about
// whether they have run yet: a test has to wait for their effect.
func collectUntil(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		runtime.GC()
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestForgottenSessionsReleaseTheirHandles(t *testing.T) {
	const n, within = 1000, 3 * time.Second
	table := NewTable()
	forget(table, n)
	ok := collectUntil(within, func() bool { open, _, _ := table.Stats(); return open == 0 })
	open, released, double := table.Stats()
	if !ok {
		t.Errorf("%d of %d handles still open %v after their sessions became unreachable (collecting every 10ms), budget 0; "+
			"ask the runtime why their safety net has not run: GODEBUG=checkfinalizers=1 go test -run %s ./01-memory/finalizers (the lab README shows how to read it)",
			open, n, within, t.Name())
	}
	if double > 0 {
		t.Errorf("%d handles were released twice, budget 0", double)
	}
	if !t.Failed() {
		t.Logf("%d forgotten sessions: %d handles released, %d still open, %d double releases", n, released, open, double)
	}
}

func TestForgottenSessionsAreFreed(t *testing.T) {
	// 2,000 forgotten sessions with a 4 KiB buffer each: about 8 MiB if
	// they are never freed.
	const n, budget = 2000, 1 << 20
	// No automatic collection while the sessions are made and measured:
	// the one collection that counts is the measurement's own, so the
	// figure does not depend on how many sessions an automatic cycle
	// happened to free (and queue for their finalizers) on the way.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	got := testkit.RetainedAtMost(t, budget,
		"the heap that the first collection after the sessions were dropped did not free "+
			"(GODEBUG=gctrace=1 go test -run TestForgottenSessionsAreFreed ./01-memory/finalizers shows each cycle's heap)",
		func() any {
			forget(NewTable(), n)
			return nil
		})
	if !t.Failed() {
		t.Logf("heap retained after one collection by %d forgotten sessions: %s (budget %s)", n, testkit.Bytes(got), testkit.Bytes(budget))
	}
}

func TestCloseReleasesOnce(t *testing.T) {
	const n = 200
	table := NewTable()
	sessions := make([]*Session, n)
	for i := range sessions {
		sessions[i] = Dial(table)
		if _, err := sessions[i].Write([]byte("hi")); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range sessions {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := s.Close(); !errors.Is(err, ErrClosed) {
			t.Fatalf("second Close returned %v, want ErrClosed", err)
		}
		if _, err := s.Write([]byte("late")); !errors.Is(err, ErrClosed) {
			t.Fatalf("Write after Close returned %v, want ErrClosed", err)
		}
	}
	if open, released, _ := table.Stats(); open != 0 || released != n {
		t.Fatalf("after closing all %d sessions: %d handles open, %d released; want 0 open and %d released at once by Close", n, open, released, n)
	}

	// Now let the closed sessions become garbage. A safety net that was
	// not disarmed by Close would release their handles a second time.
	// Wait for a signal that a collection has found them unreachable and
	// that cleanups queued by it have started to run: a cleanup of the
	// test's own, on an object dropped at the same time.
	sessions = nil
	signal := make(chan struct{})
	runtime.AddCleanup(new([64]byte), func(ch chan struct{}) { close(ch) }, signal)
	seen := collectUntil(3*time.Second, func() bool {
		select {
		case <-signal:
			return true
		default:
			return false
		}
	})
	if !seen {
		t.Fatal("the test's own cleanup did not run within 3s")
	}
	collectUntil(50*time.Millisecond, func() bool { return false }) // a few more cycles for stragglers
	if _, _, double := table.Stats(); double > 0 {
		t.Errorf("%d of %d closed sessions had their handle released again after they became garbage, budget 0: "+
			"the safety net ran for sessions that Close had already closed",
			double, n)
	}
}

// BenchmarkDialClose measures the normal, correct use: Dial, one Write,
// Close. After the loop it forgets 2,000 sessions, collects, waits up to
// a second for the safety net and reports how many handles are still
// open and how much heap those sessions still hold.
func BenchmarkDialClose(b *testing.B) {
	table := NewTable()
	msg := []byte("hello")
	for b.Loop() {
		s := Dial(table)
		if _, err := s.Write(msg); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()

	const n = 2000
	leak := NewTable()
	retained := testkit.Retained(func() any {
		forget(leak, n)
		collectUntil(time.Second, func() bool { open, _, _ := leak.Stats(); return open == 0 })
		return nil
	})
	open, _, _ := leak.Stats()
	b.ReportMetric(float64(open)/n*100, "leaked-handles-%")
	b.ReportMetric(float64(retained)/n, "retained-B/forgotten")
}
