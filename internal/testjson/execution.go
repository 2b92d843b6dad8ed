package testjson

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Status is how a test or a package ended.
type Status string

// The statuses. A test that started and has no terminal event when the
// stream ends is Running: go test -json sends no fail event for a test that
// was killed by -timeout or by a signal.
const (
	StatusPass    Status = "pass"
	StatusFail    Status = "fail"
	StatusSkip    Status = "skip"
	StatusRunning Status = "running"
)

// TestCase is one test (or subtest) of a package.
type TestCase struct {
	Name    string
	Status  Status
	Elapsed time.Duration
	// Output holds the test's output lines, with "=== RUN" and "--- FAIL"
	// framing left out; Cut counts the bytes dropped over the limit.
	Output []string
	Cut    int
	outLen int // bytes in Output
	// Panicked is set when the test's output holds a panic that is not the
	// -timeout alarm.
	Panicked bool
	// Attrs are the test's t.Attr calls, in order.
	Attrs []Attr
}

// Attr is one t.Attr(key, value) call of a test.
type Attr struct{ Key, Value string }

// Messages returns the test's own output: the t.Error, t.Fatal and t.Log
// lines, with their "file_test.go:12: " prefix kept, and continuation lines.
func (tc *TestCase) Messages() []string {
	var out []string
	for _, l := range tc.Output {
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, strings.TrimRight(l, "\n"))
	}
	return out
}

// Package is one package's results.
type Package struct {
	ImportPath string
	Status     Status // StatusRunning until the package's terminal event
	Started    bool   // the test binary started
	Elapsed    time.Duration
	// BuildErrors are the compiler's lines, "file.go:12:3: message", for a
	// package whose test binary failed to build.
	BuildErrors []string
	// Output holds lines not tied to a test (package-level output).
	Output []string
	// Timeout is set when the binary reported "panic: test timed out after D".
	Timeout time.Duration

	tests  map[string]*TestCase
	order  []string
	outCap int
	outLen int
}

// Tests returns the package's tests in the order they started.
func (p *Package) Tests() []*TestCase {
	out := make([]*TestCase, 0, len(p.order))
	for _, n := range p.order {
		out = append(out, p.tests[n])
	}
	return out
}

// Test returns the named test, or nil.
func (p *Package) Test(name string) *TestCase { return p.tests[name] }

// Failed returns the tests that failed, leaves first: a parent test that
// failed only because a subtest did is left out when the subtest is listed.
func (p *Package) Failed() []*TestCase {
	var out []*TestCase
	for _, tc := range p.Tests() {
		if tc.Status != StatusFail {
			continue
		}
		if p.hasFailedSubtest(tc.Name) && len(tc.Messages()) == 0 {
			continue
		}
		out = append(out, tc)
	}
	return out
}

func (p *Package) hasFailedSubtest(name string) bool {
	for n, tc := range p.tests {
		if strings.HasPrefix(n, name+"/") && tc.Status == StatusFail {
			return true
		}
	}
	return false
}

// Unfinished returns tests that started and never ended, leaves first.
func (p *Package) Unfinished() []*TestCase {
	var out []*TestCase
	for _, tc := range p.Tests() {
		if tc.Status == StatusRunning {
			out = append(out, tc)
		}
	}
	slices.SortStableFunc(out, func(a, b *TestCase) int { return strings.Count(b.Name, "/") - strings.Count(a.Name, "/") })
	return out
}

// BuildFailed reports whether the package's test binary did not build.
func (p *Package) BuildFailed() bool { return len(p.BuildErrors) > 0 }

// Execution is everything read from one `go test -json` run.
type Execution struct {
	packages map[string]*Package
	order    []string
	// building maps a build's ImportPath ("pkg [pkg.test]") to its lines,
	// until the package's fail event names it in FailedBuild.
	building map[string][]string
	failed   []string // import paths of builds that failed, in order
	// Loose holds lines that were not JSON events, such as go command
	// errors ("no Go files in …", "pattern matched no packages").
	Loose  []string
	outCap int
}

// FailedBuild returns the first build that failed (its import path and
// the compiler's lines), as `go build -json` and `go test -c -json`
// report it, where no test event names it; ok is false when none failed.
func (e *Execution) FailedBuild() (importPath string, lines []string, ok bool) {
	if len(e.failed) == 0 {
		return "", nil, false
	}
	return e.failed[0], e.building[e.failed[0]], true
}

func newExecution(outCap int) *Execution {
	return &Execution{packages: map[string]*Package{}, building: map[string][]string{}, outCap: outCap}
}

// Packages returns the packages in the order their first event arrived.
func (e *Execution) Packages() []*Package {
	out := make([]*Package, 0, len(e.order))
	for _, n := range e.order {
		out = append(out, e.packages[n])
	}
	return out
}

// Package returns the named package, or nil.
func (e *Execution) Package(importPath string) *Package { return e.packages[importPath] }

func (e *Execution) pkg(name string) *Package {
	p, ok := e.packages[name]
	if !ok {
		p = &Package{ImportPath: name, Status: StatusRunning, tests: map[string]*TestCase{}, outCap: e.outCap}
		e.packages[name] = p
		e.order = append(e.order, name)
	}
	return p
}

var timeoutPanic = regexp.MustCompile(`^panic: test timed out after (\S+)`)

func (e *Execution) add(ev Event) {
	switch ev.Action {
	case ActionBuildOutput:
		line := strings.TrimRight(ev.Output, "\n")
		if !strings.HasPrefix(line, "# ") && line != "" {
			e.building[ev.ImportPath] = append(e.building[ev.ImportPath], line)
		}
		return
	case ActionBuildFail:
		e.failed = append(e.failed, ev.ImportPath)
		return
	}
	if ev.Package == "" {
		return
	}
	p := e.pkg(ev.Package)
	if ev.Test == "" {
		switch ev.Action {
		case ActionStart:
			p.Started = true
		case ActionOutput:
			p.addOutput(ev.Output)
		case ActionPass, ActionFail, ActionSkip:
			p.Status = Status(ev.Action)
			p.Elapsed = seconds(ev.Elapsed)
			if ev.FailedBuild != "" {
				p.BuildErrors = append(p.BuildErrors, e.building[ev.FailedBuild]...)
				if len(p.BuildErrors) == 0 {
					p.BuildErrors = []string{"build failed: " + ev.FailedBuild}
				}
			} else if ev.Action == ActionFail && len(p.tests) == 0 && len(e.building[""]) > 0 {
				// A step of no package failed, such as the preprofile
				// run on a default.pgo go build cannot read: its lines
				// come with no ImportPath and the fail names no build.
				p.BuildErrors = append(p.BuildErrors, e.building[""]...)
			}
		}
		return
	}
	tc, ok := p.tests[ev.Test]
	if !ok {
		tc = &TestCase{Name: ev.Test, Status: StatusRunning}
		p.tests[ev.Test] = tc
		p.order = append(p.order, ev.Test)
	}
	switch ev.Action {
	case ActionOutput:
		if m := timeoutPanic.FindStringSubmatch(ev.Output); m != nil {
			if d, err := time.ParseDuration(m[1]); err == nil {
				p.Timeout = d
			}
			return
		}
		if p.Timeout > 0 {
			// After the alarm, output is the dump of every goroutine.
			return
		}
		if strings.HasPrefix(ev.Output, "panic: ") {
			tc.Panicked = true
		}
		if isFraming(ev.Output) {
			return
		}
		if tc.outLen+len(ev.Output) > p.outCap {
			tc.Cut += len(ev.Output)
			return
		}
		tc.outLen += len(ev.Output)
		tc.Output = append(tc.Output, ev.Output)
	case ActionAttr:
		tc.Attrs = append(tc.Attrs, Attr{Key: ev.Key, Value: ev.Value})
	case ActionPass, ActionFail, ActionSkip:
		tc.Status = Status(ev.Action)
		tc.Elapsed = seconds(ev.Elapsed)
	}
}

func (p *Package) addOutput(s string) {
	if p.outLen+len(s) > p.outCap {
		return
	}
	p.outLen += len(s)
	p.Output = append(p.Output, s)
}

func (e *Execution) addLoose(line string) {
	if len(e.Loose) < 200 {
		e.Loose = append(e.Loose, line)
	}
}

// isFraming reports whether a line is go test's own framing of a test's
// output rather than something the test said.
func isFraming(s string) bool {
	t := strings.TrimSpace(s)
	for _, p := range []string{"=== RUN", "=== ATTR", "=== PAUSE", "=== CONT", "=== NAME", "--- FAIL", "--- PASS", "--- SKIP"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
