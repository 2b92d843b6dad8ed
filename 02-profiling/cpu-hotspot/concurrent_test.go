package cpuhotspot

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// childEnv, set in the environment, makes TestFirstBatchesInParallel's
// child run: the child is this test binary, started again so that the
// batches it parses are the first the package ever sees.
const childEnv = "CPUHOTSPOT_FIRST_USE_CHILD"

// TestFirstBatchesInParallel parses the first batches of a fresh process
// on eight goroutines at once, as logd does when its first requests arrive
// together, and fails if the child reports a data race or a wrong figure.
// Anything the package prepares on first use is then prepared while other
// goroutines parse, every run; under -race the detector sees any of it
// that is not synchronised.
func TestFirstBatchesInParallel(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFirstUseChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	races := strings.Count(out.String(), "WARNING: DATA RACE")
	testkit.Report(t, testkit.Figure{Name: "data races", Value: float64(races), Op: "==", Budget: 0, Unit: "races"})
	switch {
	case races > 0:
		t.Errorf("data races = %d when eight goroutines parse a fresh process's first batches at once, budget 0; "+
			"see both stacks of each with: %s=1 go test -race -run TestFirstUseChild ./02-profiling/cpu-hotspot\n%s", races, childEnv, tail(out.String(), 40))
	case err != nil || !strings.Contains(out.String(), "--- PASS: TestFirstUseChild"):
		t.Errorf("eight goroutines parsing a fresh process's first batches at once: %v\n%s", err, tail(out.String(), 40))
	}
}

// TestFirstUseChild runs only as TestFirstBatchesInParallel's child. It
// makes eight goroutines take each step of the package's use together:
// one line each, then a one-line batch each, then a batch on several
// workers each, then a full batch each. Each goroutine makes one call per
// step, so whatever the first call of a step prepares, the other seven
// touch it in the same step, and the race detector compares their
// accesses before any later access can hide them.
func TestFirstUseChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("runs only as the child of TestFirstBatchesInParallel")
	}
	const workers = 8
	lines := freshLines(workers, 300)
	together(workers, func(i int) {
		if e, ok := ParseLine(lines[i]); !ok || e.LatencyMS != 300+i {
			t.Errorf("ParseLine(%q) = %+v, %v; want latency %d", lines[i], e, ok, 300+i)
		}
	})
	together(workers, func(i int) {
		if st := Ingest(lines[i]); st.Lines != 1 || st.Bad != 0 || st.TotalMS != 300+i {
			t.Errorf("Ingest(%q) = %+v", lines[i], st)
		}
	})
	bodies := make([]string, workers)
	wants := make([]Stats, workers)
	for i := range bodies {
		lines := SampleLog(200, uint64(100+i))
		bodies[i] = strings.Join(lines, "\n")
		wants[i] = referenceIngest(lines)
	}
	together(workers, func(i int) {
		if d := sameStats(IngestParallel(bodies[i], 3), wants[i]); d != "" {
			t.Errorf("IngestParallel of batch %d: %s", i, d)
		}
	})
	together(workers, func(i int) {
		if d := sameStats(Ingest(bodies[i]), wants[i]); d != "" {
			t.Errorf("Ingest of batch %d: %s", i, d)
		}
	})
}

// together runs f(0) … f(n-1) on n goroutines released at the same moment,
// and returns when all have returned.
func together(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
