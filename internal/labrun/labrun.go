// Package labrun runs one lab's tests with `go test -json` in a process
// group of their own and says how the run ended: passed, failed in a test,
// did not compile, timed out in a test, panicked, or crashed outside any
// test.
package labrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/figure"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/proc"
	"github.com/goperflabs/labs/internal/racereport"
	"github.com/goperflabs/labs/internal/screen"
	"github.com/goperflabs/labs/internal/testjson"
)

// Outcome is how a lab's test run ended.
type Outcome string

// The outcomes, from best to worst.
const (
	Passed      Outcome = "passed"
	Failed      Outcome = "failed"       // at least one test failed its assertions
	Panicked    Outcome = "panicked"     // a test panicked
	TimedOut    Outcome = "timed out"    // a test was still running at the time limit
	DataRace    Outcome = "data race"    // the -race run found a data race
	BuildFailed Outcome = "build failed" // the lab or its tests did not compile
	Crashed     Outcome = "crashed"      // the binary failed outside any test, or ran none
	Rejected    Outcome = "rejected"     // an edit file can tell a test from a program; no test ran
)

// Options change how a lab is run.
type Options struct {
	Overlay string   // a `go test -overlay` file, to test the reference solution
	Race    bool     // build with -race
	NoCache bool     // pass -count=1
	Env     []string // added to the environment, such as PERFLAB_REDIS_URL=…
	// Timeout replaces the lab's time limit when set; -race runs need
	// more, since the race detector slows code down several times.
	Timeout time.Duration
	// BuildGrace is how long compiling may take before the test binary
	// starts; 0 means 10 minutes (the first build of SQLite takes minutes).
	BuildGrace time.Duration
	OnEvent    func(testjson.Event)
	// RaceInTurn makes Verdict run its -race pass after the plain one
	// instead of beside it, for callers that already run several labs
	// at once.
	RaceInTurn bool
	// Screen, when set, is read before any test runs: an edit file that
	// can tell a test binary from a program is Rejected.
	Screen *Screening
}

// Failure is one failed test and what it said.
type Failure struct {
	Test     string
	Messages []string // what the test said, race reports left out
	Panicked bool
	Races    []racereport.Report // data races found while it ran
	Figures  []figure.Figure     // the figures its gates measured
	Race     bool                // it failed in the -race run
}

// Test is one test that ran, with the figures its gates measured.
type Test struct {
	Name    string
	Passed  bool
	Skipped bool
	Figures []figure.Figure
}

// Result is what one run of a lab's tests showed.
type Result struct {
	Lab         manifest.Lab
	Outcome     Outcome
	Failures    []Failure // failed tests, leaves first
	BuildErrors []string  // "file.go:12:3: message", paths relative to the course root
	// TimedOutTest is the test still running at the time limit, and
	// TimedOutAfter the limit.
	TimedOutTest  string
	TimedOutAfter time.Duration
	Output        []string      // what the binary or go command printed outside any test
	Elapsed       time.Duration // the test binary's run time, as go test reports it
	Wall          time.Duration // the whole go test command, build included
	MaxRSS        int64         // bytes; an upper bound, since compiler and linker count too
	Passed        int           // tests that passed
	Tests         []Test        // every test that ran, in order
	// Race says the result is of a -race run; RaceElapsed is that run's
	// time where a Verdict made one.
	Race        bool
	RaceElapsed time.Duration
	// Problems are what the screen found in a Rejected run.
	Problems []screen.Problem
}

// ErrNoGo means the go command is not on PATH.
var ErrNoGo = errors.New("the go command is not on PATH: install Go 1.26 from https://go.dev/dl/ and open a new shell")

// Run runs the lab's tests and sums up the result. The error is for the
// tool itself failing, not for failing tests.
func Run(ctx context.Context, c *course.Course, l manifest.Lab, opts Options) (Result, error) {
	res := Result{Lab: l}
	if _, err := os.Stat(c.Dir(l)); err != nil {
		return res, fmt.Errorf("lab %s: its folder %s is missing (deleted?); restore it with `git checkout -- %s` or `go run ./cmd/perflab reset %s`", l.ID(), l.ID(), l.ID(), l.ID())
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return res, ErrNoGo
	}
	limit := l.Timeout.Duration
	if opts.Timeout > 0 {
		limit = opts.Timeout
	}
	args := []string{"test", "-json", "-timeout=" + limit.String()}
	if opts.Race {
		args = append(args, "-race")
	}
	if opts.NoCache {
		args = append(args, "-count=1")
	}
	if opts.Overlay != "" {
		args = append(args, "-overlay="+opts.Overlay)
	}
	args = append(args, "./"+l.ID())

	pr, pw := io.Pipe()
	g, err := proc.Start(ctx, proc.Spec{Dir: c.Root, Env: append(os.Environ(), opts.Env...), Name: goBin, Args: args, Output: pw})
	if err != nil {
		return res, err
	}
	grace := opts.BuildGrace
	if grace <= 0 {
		grace = 10 * time.Minute
	}
	g.Deadline(grace + limit)
	onEvent := func(ev testjson.Event) {
		if ev.Action == testjson.ActionStart && ev.Test == "" {
			// The binary is running: its own -timeout alarm should fire
			// first; this is the backstop.
			g.Deadline(limit + 10*time.Second)
		}
		if opts.OnEvent != nil {
			opts.OnEvent(ev)
		}
	}
	type read struct {
		exec *testjson.Execution
		err  error
	}
	done := make(chan read, 1)
	go func() {
		e, err := testjson.Read(pr, testjson.Options{OnEvent: onEvent})
		done <- read{e, err}
	}()
	pres, err := g.Wait()
	pw.Close()
	r := <-done
	if err != nil {
		return res, err
	}
	if r.err != nil {
		return res, r.err
	}
	res.Wall, res.MaxRSS = pres.Wall, pres.MaxRSS
	res.Race = opts.Race
	summarize(&res, r.exec, pres, limit, c.Dir(l))
	return res, ctx.Err()
}

func summarize(res *Result, e *testjson.Execution, pres proc.Result, limit time.Duration, labDir string) {
	var p *testjson.Package
	for _, cand := range e.Packages() {
		if strings.HasSuffix(cand.ImportPath, "/"+res.Lab.ID()) {
			p = cand
			break
		}
	}
	if p == nil {
		res.Outcome = Crashed
		res.Output = e.Loose
		if pres.Expired {
			res.Outcome = TimedOut
			res.TimedOutAfter = limit
			res.Output = append(res.Output, "the build did not finish in time")
		}
		return
	}
	res.Elapsed = p.Elapsed
	for _, l := range p.Output {
		if strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "FAIL") || strings.HasPrefix(l, "PASS") {
			continue
		}
		res.Output = append(res.Output, strings.TrimRight(l, "\n"))
	}
	for _, tc := range p.Tests() {
		if tc.Status == testjson.StatusPass {
			res.Passed++
		}
		res.Tests = append(res.Tests, Test{Name: tc.Name, Passed: tc.Status == testjson.StatusPass, Skipped: tc.Status == testjson.StatusSkip, Figures: figures(tc)})
	}
	raced := false
	for _, tc := range p.Failed() {
		f := Failure{Test: tc.Name, Messages: tc.Messages(), Panicked: tc.Panicked, Figures: figures(tc), Race: res.Race}
		if racereport.Found(f.Messages) {
			f.Races = racereport.Parse(f.Messages, racereport.InDir(labDir))
			f.Messages = withoutRaceReports(f.Messages)
			f.Panicked = false
			raced = true
		}
		res.Failures = append(res.Failures, f)
	}
	switch {
	case p.BuildFailed():
		res.Outcome = BuildFailed
		res.BuildErrors = p.BuildErrors
	case p.Timeout > 0 || pres.Expired:
		res.Outcome = TimedOut
		res.TimedOutAfter = p.Timeout
		if res.TimedOutAfter == 0 {
			res.TimedOutAfter = limit
		}
		if u := p.Unfinished(); len(u) > 0 {
			res.TimedOutTest = u[0].Name
		}
	case raced || racereport.Found(p.Output):
		res.Outcome = DataRace
	case anyPanicked(res.Failures):
		res.Outcome = Panicked
	case len(res.Failures) > 0:
		res.Outcome = Failed
	case p.Status == testjson.StatusPass && res.Passed > 0:
		res.Outcome = Passed
	case p.Status == testjson.StatusPass || p.Status == testjson.StatusSkip:
		res.Outcome = Crashed
		res.Output = append(res.Output, "no test ran")
	default:
		res.Outcome = Crashed
	}
}

func anyPanicked(fs []Failure) bool {
	for _, f := range fs {
		if f.Panicked {
			return true
		}
	}
	return false
}

// figures returns the gate figures a test recorded with testkit.Report.
func figures(tc *testjson.TestCase) []figure.Figure {
	var out []figure.Figure
	for _, a := range tc.Attrs {
		if !figure.IsKey(a.Key) {
			continue
		}
		if f, err := figure.Parse(a.Value); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// withoutRaceReports drops the race detector's report blocks, and its
// "race detected during execution of test" line, from a test's messages.
func withoutRaceReports(lines []string) []string {
	var out []string
	in := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "=================="):
			in = !in
		case in, strings.HasSuffix(t, "race detected during execution of test"):
		default:
			out = append(out, l)
		}
	}
	return out
}
