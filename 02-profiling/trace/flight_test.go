package orders_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	xtrace "golang.org/x/exp/trace"

	orders "github.com/goperflabs/labs/02-profiling/trace"
	"github.com/goperflabs/labs/internal/testkit"
)

// TestSlowCheckoutLeavesATrace runs fast checkouts and then one that the
// ledger holds up for 500ms, with a budget of 200ms per checkout. The slow
// one must leave, in DumpDir, an execution trace of the moments before it
// ended (what runtime/trace.FlightRecorder keeps), holding a task of type
// "checkout" that logged the key "order" with the order's ID, and a region
// in that task. The fast checkouts must leave nothing. Then, since only
// one flight recorder can run in a process, it checks that a second
// service can start once the first is closed.
func TestSlowCheckoutLeavesATrace(t *testing.T) {
	dir := t.TempDir()
	batch := freshOrders(21)
	slow := batch[20]
	led := newLedger(time.Millisecond)
	led.slowID, led.slowBy = slow.ID, 500*time.Millisecond
	svc, err := orders.New(orders.Config{Ledger: led, SlowAfter: 200 * time.Millisecond, DumpDir: dir, Logger: quiet()})
	if err != nil {
		t.Fatalf("starting the checkout service: %v", err)
	}
	defer func() {
		if err := svc.Close(); err != nil {
			t.Errorf("closing the service: %v", err)
		}
		second, err := orders.New(orders.Config{Ledger: led, DumpDir: t.TempDir(), Logger: quiet()})
		if err != nil {
			t.Errorf("starting a second service with a DumpDir after closing the first: %v (does closing stop everything the service started?)", err)
			return
		}
		if err := second.Close(); err != nil {
			t.Errorf("closing the second service: %v", err)
		}
	}()

	_, errs := checkoutAll(svc, batch[:20], 4)
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("checkout: %v", err)
	}
	if files := dumps(t, dir); len(files) > 0 {
		t.Fatalf("fast checkouts left %s in DumpDir; want nothing until a checkout is slow", files)
	}
	start := time.Now()
	if _, err := svc.Checkout(context.Background(), slow); err != nil {
		t.Fatalf("the checkout of %s: %v", slow.ID, err)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Fatalf("the checkout of %s took %v; the test's ledger should have held it for 500ms", slow.ID, took)
	}
	var files []string
	testkit.Poll(t, 3*time.Second, "a file in DumpDir after the slow checkout", func() (bool, string) {
		files = dumps(t, dir)
		return len(files) > 0, fmt.Sprintf("%d files", len(files))
	})
	if len(files) == 0 {
		return
	}
	found := 0
	var notes []string
	for _, f := range files {
		n, note := inspect(t, f, slow.ID)
		found += n
		notes = append(notes, filepath.Base(f)+": "+note)
	}
	testkit.Report(t, testkit.Figure{Name: "slow checkout regions in the dump", Value: float64(found), Op: ">=", Budget: 1, Unit: "regions"})
	if found == 0 {
		t.Errorf("the slow checkout %s left %d file(s), but no execution trace holding a region of a %q task that logged order=%s: %v; "+
			"want the last seconds of execution trace (go tool trace FILE opens one; its User-defined tasks page lists the tasks)",
			slow.ID, len(files), "checkout", slow.ID, notes)
	}
}

func dumps(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading DumpDir: %v", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// inspect reads path as an execution trace and returns how many regions
// it holds in checkout tasks that logged order=orderID, and what it found.
func inspect(t *testing.T, path, orderID string) (int, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	defer f.Close()
	r, err := xtrace.NewReader(f)
	if err != nil {
		return 0, "not an execution trace: " + err.Error()
	}
	checkout := map[xtrace.TaskID]bool{} // checkout tasks seen
	theOrder := map[xtrace.TaskID]bool{} // tasks that logged order=orderID
	regions := map[xtrace.TaskID]int{}
	tasks, logs := 0, 0
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, "reading the trace: " + err.Error()
		}
		switch ev.Kind() {
		case xtrace.EventTaskBegin:
			tasks++
			if task := ev.Task(); task.Type == "checkout" {
				checkout[task.ID] = true
			}
		case xtrace.EventLog:
			logs++
			if l := ev.Log(); l.Category == "order" && l.Message == orderID {
				theOrder[l.Task] = true
			}
		case xtrace.EventRegionBegin:
			regions[ev.Region().Task]++
		}
	}
	n := 0
	for id := range theOrder {
		if checkout[id] {
			n += regions[id]
		}
	}
	return n, fmt.Sprintf("an execution trace with %d tasks (%d of type checkout), %d log events, %d of them order=%s", tasks, len(checkout), logs, len(theOrder), orderID)
}
