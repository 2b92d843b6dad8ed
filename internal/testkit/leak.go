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
		err := goleak.Find(opts...)
		if err == nil {
			return
		}
		leaks := summarizeLeaks(err.Error())
		t.Errorf("goroutines left running: %d, budget 0; look at %s\n%s",
			len(leaks), where, strings.Join(leaks, "\n"))
	})
}

// Goroutines returns the number of goroutines that exist now.
func Goroutines() int { return runtime.NumGoroutine() }

var goroutineHeader = regexp.MustCompile(`^goroutine (\d+) \[([^\]]+)\]`)

// summarizeLeaks turns goleak's report, which holds one full stack for each
// goroutine, into one line per goroutine: the first frame outside the
// runtime, with its file and line, and the function that started it.
func summarizeLeaks(report string) []string {
	var out []string
	for _, block := range strings.Split(report, "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		start := -1
		for i, l := range lines {
			if goroutineHeader.MatchString(strings.TrimSpace(strings.TrimPrefix(l, "[Goroutine"))) || strings.Contains(l, "goroutine ") && strings.Contains(l, " [") && strings.HasSuffix(strings.TrimSpace(l), ":") {
				start = i
				break
			}
		}
		if start < 0 {
			continue
		}
		header := lines[start]
		state := ""
		if m := goroutineHeader.FindStringSubmatch(strings.TrimSpace(header[strings.Index(header, "goroutine "):])); m != nil {
			state = m[2]
		}
		fn, at, createdBy := "", "", ""
		for i := start + 1; i+1 < len(lines); i += 2 {
			name := strings.TrimSpace(lines[i])
			loc := strings.TrimSpace(lines[i+1])
			if strings.HasPrefix(name, "created by ") {
				createdBy = strings.TrimPrefix(name, "created by ")
				if j := strings.Index(createdBy, " in goroutine"); j >= 0 {
					createdBy = createdBy[:j]
				}
				createdBy += " at " + shortLocation(loc)
				break
			}
			if fn == "" && !isRuntimeFrame(name) {
				fn, at = trimArgs(name), shortLocation(loc)
			}
		}
		if fn == "" {
			fn = "(runtime only)"
		}
		line := fmt.Sprintf("  - %s [%s] at %s", fn, state, at)
		if createdBy != "" {
			line += ", started by " + createdBy
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		out = append(out, report)
	}
	return out
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
