package heapprofile

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

// childEnv, set in the environment, makes TestFirstPagesInParallel's child
// run: the child is this test binary, started again so that the pages it
// sanitizes are the first the package ever sees.
const childEnv = "HEAPPROFILE_FIRST_USE_CHILD"

// TestFirstPagesInParallel sanitizes the first pages of a fresh process on
// eight goroutines at once, as the forum's handlers do when its first
// comments arrive together, and fails if the child reports a data race or
// a wrong page. Anything the package prepares on first use is then
// prepared while other goroutines sanitize, every run; under -race the
// detector sees any of it that is not synchronised.
func TestFirstPagesInParallel(t *testing.T) {
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
		t.Errorf("data races = %d when eight goroutines sanitize a fresh process's first pages at once, budget 0; "+
			"see both stacks of each with: %s=1 go test -race -run TestFirstUseChild ./02-profiling/heap-profile\n%s", races, childEnv, tail(out.String(), 40))
	case err != nil || !strings.Contains(out.String(), "--- PASS: TestFirstUseChild"):
		t.Errorf("eight goroutines sanitizing a fresh process's first pages at once: %v\n%s", err, tail(out.String(), 40))
	}
}

// TestFirstUseChild runs only as TestFirstPagesInParallel's child. Eight
// goroutines sanitize one small page each, together, then a full page
// each, together. Each makes one call per step, so whatever the first call
// prepares, the other seven touch it in the same step, and the race
// detector compares their accesses before any later access can hide them.
func TestFirstUseChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("runs only as the child of TestFirstPagesInParallel")
	}
	const workers = 8
	small := []string{"<B>a</B>", "<p>b", "<I>c</i>", "<EM>d", "<li>e", "<Div>f", "<br/>g", "<CODE>h"}
	together(workers, func(i int) {
		if got, want := Sanitize(small[i]), reference(small[i]); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", small[i], got, want)
		}
	})
	pages, want := testPages(workers, 500)
	together(workers, func(i int) {
		if Sanitize(pages[i]) != want[i] {
			t.Errorf("Sanitize of page %d differs from the reference", i)
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
