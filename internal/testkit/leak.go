package testkit

import (
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// NoLeaks fails t if, when the test ends, goroutines are running that were
// not running when NoLeaks was called. Goroutines that existed before the
// call are ignored, so earlier tests cannot cause a failure here.
//
// goleak retries for a short while before it reports, so goroutines that
// are already on their way out do not count. The failure names, for each
// leaked goroutine, the function it is stuck in, its state and the file and
// line, followed by where; where says which code to look at.
func NoLeaks(t testing.TB, where string, opts ...goleak.Option) {
	t.Helper()
	opts = append([]goleak.Option{goleak.IgnoreCurrent()}, opts...)
	t.Cleanup(func() {
		t.Helper()
		err := goleak.Find(opts...)
		if err == nil {
			Report(t, Figure{Name: "goroutines left", Op: "<=", Unit: "goroutines"})
			return
		}
		n, leaks := summarizeLeaks(err.Error())
		Report(t, Figure{Name: "goroutines left", Value: float64(max(n, 1)), Op: "<=", Unit: "goroutines"})
		figure := fmt.Sprint(n)
		if n == 0 {
			figure = "some"
		}
		t.Errorf("goroutines left running: %s, budget 0; look at %s\n%s",
			figure, where, strings.Join(leaks, "\n"))
	})
}

// Goroutines returns the number of goroutines that exist now.
func Goroutines() int { return runtime.NumGoroutine() }

var (
	// goroutineHeader matches the runtime's "goroutine 7 [chan send]:".
	goroutineHeader = regexp.MustCompile(`^goroutine (\d+) \[([^\],]+)[^\]]*\]:?$`)
	// goleakHeader matches goleak's "Goroutine 7 in state chan send, with
	// pkg.f on top of the stack:", which may follow a "[" or a space.
	goleakHeader = regexp.MustCompile(`^\[?\s*Goroutine (\d+) in state ([^,]+), with .* on top of the stack:$`)
)

// summarizeLeaks turns goleak's report, which holds one full stack for each
// goroutine, into one line per distinct place: the first frame outside the
// runtime, its state, file and line, and the function that started it,
// followed by "×N" when N goroutines are stuck at the same place. It returns
// how many goroutines the report holds and those lines; if it can parse
// nothing, it returns 0 and the report itself.
func summarizeLeaks(report string) (int, []string) {
	type leak struct{ state, fn, at, createdBy string }
	var (
		leaks  []leak
		cur    *leak
		frame  string
		inCall bool
	)
	for _, raw := range strings.Split(report, "\n") {
		l := strings.TrimSpace(raw)
		if m := goleakHeader.FindStringSubmatch(l); m != nil {
			leaks = append(leaks, leak{state: m[2]})
			cur, frame, inCall = &leaks[len(leaks)-1], "", false
			continue
		}
		if m := goroutineHeader.FindStringSubmatch(l); m != nil {
			if cur == nil || cur.fn != "" || frame != "" {
				leaks = append(leaks, leak{state: m[2]})
				cur = &leaks[len(leaks)-1]
			}
			frame, inCall = "", false
			continue
		}
		if cur == nil || l == "" || l == "]" {
			continue
		}
		if strings.HasPrefix(raw, "\t") || strings.HasPrefix(l, "/") {
			// The location of the frame named on the line before.
			switch {
			case inCall && cur.createdBy == "":
				cur.createdBy = frame + " at " + shortLocation(l)
			case !inCall && cur.fn == "" && frame != "" && !isRuntimeFrame(frame):
				cur.fn, cur.at = trimArgs(frame), shortLocation(l)
			}
			continue
		}
		frame = l
		if name, ok := strings.CutPrefix(l, "created by "); ok {
			if j := strings.Index(name, " in goroutine"); j >= 0 {
				name = name[:j]
			}
			frame, inCall = name, true
		}
	}
	if len(leaks) == 0 {
		return 0, []string{report}
	}
	count := map[string]int{}
	var order []string
	for _, lk := range leaks {
		fn := lk.fn
		if fn == "" {
			fn = "(runtime only)"
		}
		line := fmt.Sprintf("  - %s [%s] at %s", fn, lk.state, lk.at)
		if lk.createdBy != "" {
			line += ", started by " + lk.createdBy
		}
		if count[line] == 0 {
			order = append(order, line)
		}
		count[line]++
	}
	out := make([]string, 0, len(order))
	for _, line := range order {
		if n := count[line]; n > 1 {
			line += fmt.Sprintf(" ×%d", n)
		}
		out = append(out, line)
	}
	return len(leaks), out
}

func isRuntimeFrame(name string) bool {
	for _, p := range []string{"runtime.", "sync.", "internal/", "time.Sleep", "syscall."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func trimArgs(name string) string {
	if i := strings.LastIndex(name, "("); i > 0 {
		return name[:i]
	}
	return name
}

// shortLocation keeps the file name and line of a stack location such as
// "/home/me/labs/01-memory/goroutine-leak/search.go:42 +0x1d".
func shortLocation(loc string) string {
	if i := strings.LastIndex(loc, " +0x"); i > 0 {
		loc = loc[:i]
	}
	return filepath.Base(loc)
}
