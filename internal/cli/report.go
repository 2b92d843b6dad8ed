package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/labrun"
)

const (
	maxFailuresShown = 8
	maxLinesPerTest  = 15
)

// writeDetails prints what a learner needs to fix a lab that did not
// pass: failing tests with their messages, compile errors as
// file:line: message, or what the binary printed.
func (a *app) writeDetails(w io.Writer, r labrun.Result) {
	const in = "    "
	switch r.Outcome {
	case labrun.Passed:
		return
	case labrun.BuildFailed:
		for _, l := range r.BuildErrors {
			fmt.Fprintln(w, in+compileError(l))
		}
		return
	case labrun.Rejected:
		for _, p := range r.Problems {
			fmt.Fprintln(w, in+p.String())
		}
		fmt.Fprintln(w, in+"no test ran: a fix must make the program right, not tell the tests from production; take that code out")
		return
	case labrun.TimedOut:
		fmt.Fprintln(w, in+"a test that never ends usually waits on a channel, a lock or a WaitGroup that nothing releases;")
		fmt.Fprintln(w, in+"see where it waits: go test -run '"+testPattern(r.TimedOutTest)+"' -timeout 5s ./"+r.Lab.ID())
	case labrun.Crashed:
		lines := r.Output
		if len(lines) > maxLinesPerTest {
			lines = lines[len(lines)-maxLinesPerTest:]
		}
		for _, l := range lines {
			fmt.Fprintln(w, in+l)
		}
	}
	for i, f := range r.Failures {
		if i == maxFailuresShown {
			fmt.Fprintf(w, "%s… and %d more failed tests\n", in, len(r.Failures)-i)
			break
		}
		fmt.Fprintln(w, in+a.bold("--- "+f.Test)+underRace(f))
		for _, race := range f.Races {
			for i, l := range race.Lines() {
				lead := "data race: "
				if i > 0 {
					lead = "      and "
				}
				fmt.Fprintln(w, in+"    "+lead+l)
			}
		}
		if len(f.Races) > 0 {
			fmt.Fprintf(w, "%s    the whole report, with every goroutine's stack: go test -race -count=1 -run '%s' ./%s\n", in, testPattern(f.Test), r.Lab.ID())
		}
		msgs := f.Messages
		if f.Panicked {
			msgs = panicSummary(msgs)
		}
		if len(msgs) > maxLinesPerTest {
			msgs = append(msgs[:maxLinesPerTest:maxLinesPerTest], fmt.Sprintf("… %d more lines: go test -run '%s' ./%s", len(f.Messages)-maxLinesPerTest, testPattern(f.Test), r.Lab.ID()))
		}
		for _, m := range msgs {
			fmt.Fprintln(w, in+"    "+strings.TrimSpace(m))
		}
	}
}

var compileLine = regexp.MustCompile(`^(.+?\.go):(\d+)(?::\d+)?: (.*)$`)

// compileError turns "dir/file.go:12:3: msg" into "dir/file.go:12: msg".
func compileError(l string) string {
	if m := compileLine.FindStringSubmatch(l); m != nil {
		return filepath.ToSlash(m[1]) + ":" + m[2] + ": " + m[3]
	}
	return l
}

// testPattern anchors each part of a (sub)test name for go test -run.
func testPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// panicSummary keeps, of a panic's output, the panic line and the frames
// outside the Go runtime and the testing package, with their locations:
// where in the lab's code it happened.
func panicSummary(lines []string) []string {
	var out []string
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case strings.HasPrefix(l, "panic: ") && len(out) == 0:
			out = append(out, l)
		case strings.HasPrefix(l, "goroutine "), strings.HasPrefix(l, "created by"):
		case strings.HasPrefix(l, "/"), strings.Contains(l, ".go:"):
		case strings.HasPrefix(l, "runtime."), strings.HasPrefix(l, "testing."), strings.HasPrefix(l, "panic("):
		default:
			if i+1 < len(lines) && len(out) > 0 {
				loc := strings.TrimSpace(lines[i+1])
				if j := strings.LastIndex(loc, " +0x"); j > 0 {
					loc = loc[:j]
				}
				out = append(out, "in "+trimArgs(l)+" at "+filepath.Base(loc))
			}
		}
	}
	if len(out) == 0 {
		return lines
	}
	return out
}

func trimArgs(fn string) string {
	if i := strings.LastIndex(fn, "("); i > 0 {
		fn = fn[:i]
	}
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	return fn
}

func underRace(f labrun.Failure) string {
	if f.Race {
		return " (under -race)"
	}
	return ""
}
