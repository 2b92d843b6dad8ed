package profile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/proc"
)

// Spec says what to profile and where the profile goes.
type Spec struct {
	Root      string        // the module root, where go runs
	Package   string        // "./02-profiling/cpu-hotspot"
	Dir       string        // the package's folder, absolute; the binary runs there
	Kind      Kind          // the profile to take
	Out       string        // the file the profile is written to
	Work      string        // a folder for the test binary and the overlay
	Bench     string        // -test.bench pattern; "" means "."
	Benchtime string        // -test.benchtime; "" means go's default
	Run       string        // -test.run pattern when there is no benchmark; "" means all
	Timeout   time.Duration // for a run of benchmarks; 0 means 2 minutes
	// TestTimeout is for a run of tests (a lab without benchmarks); 0
	// means Timeout.
	TestTimeout time.Duration
	Env         []string // added to the environment of the run
}

// Mode says what ran under the profiler.
type Mode string

// The modes: a lab's benchmarks, or its tests for a lab without one.
const (
	Benchmarks Mode = "benchmarks"
	Tests      Mode = "tests"
)

// Result says what ran and how it ended.
type Result struct {
	Mode Mode
	// Failed is set when some test or benchmark failed (a lab as shipped
	// fails its tests) yet the profile was written: it covers what ran.
	Failed bool
	// TimedOut is set when the run hit its time limit (a test that never
	// returns); the profile covers what ran until then.
	TimedOut bool
	Limit    time.Duration // the time limit of the run
	// Tail is the end of the run's output.
	Tail string
}

// ErrNoBenchmarks means a benchmark pattern was given and matched none.
var ErrNoBenchmarks = errors.New("no benchmark")

// Run builds the package's test binary in s.Work and runs its benchmarks
// (its tests, if it has no benchmark) with the profile of s.Kind written to
// s.Out.
func Run(ctx context.Context, s Spec) (Result, error) {
	if s.Timeout <= 0 {
		s.Timeout = 2 * time.Minute
	}
	bin, err := build(ctx, s)
	if err != nil {
		return Result{}, err
	}
	mode, err := chooseMode(ctx, s, bin)
	if err != nil {
		return Result{}, err
	}
	limit := s.Timeout
	if mode == Tests && s.TestTimeout > 0 {
		limit = s.TestTimeout
	}
	args := append(modeArgs(s, mode), "-test.count=1", "-test.timeout="+limit.String())
	args = append(args, s.Kind.flags(s.Out)...)
	env := append(os.Environ(), s.Env...)
	if s.Kind == Goroutine {
		env = append(env, goroutineEnv+"="+s.Out)
	}
	out, code, err := runGroup(ctx, s.Dir, env, limit+10*time.Second, bin, args...)
	if err != nil {
		return Result{}, err
	}
	res := Result{Mode: mode, Failed: code != 0, Tail: proc.Tail(out, 15), Limit: limit,
		TimedOut: bytes.Contains(out, []byte("panic: test timed out after"))}
	if st, err := os.Stat(s.Out); err != nil || st.Size() == 0 {
		return res, fmt.Errorf("the %s ran but wrote no %s profile (exit status %d):\n%s", mode, s.Kind, code, res.Tail)
	}
	if s.Kind == Goroutine {
		return res, dropSampler(s.Out)
	}
	return res, nil
}

// build compiles the test binary into s.Work (never into the lab's folder).
func build(ctx context.Context, s Spec) (string, error) {
	bin := filepath.Join(s.Work, "lab.test")
	args := []string{"test", "-c", "-o", bin}
	if s.Kind == Goroutine {
		overlay, err := goroutineOverlay(s)
		if err != nil {
			return "", err
		}
		args = append(args, "-overlay="+overlay)
	}
	out, code, err := runGroup(ctx, s.Root, nil, 10*time.Minute, "go", append(args, s.Package)...)
	if err != nil {
		return "", fmt.Errorf("building %s's tests: %w", s.Package, err)
	}
	if _, statErr := os.Stat(bin); code != 0 || statErr != nil {
		return "", fmt.Errorf("building %s's tests:\n%s", s.Package, proc.Tail(out, 15))
	}
	return bin, nil
}

// chooseMode lists the binary's benchmarks: with any, they run; with none,
// the tests do, unless a pattern asked for benchmarks.
func chooseMode(ctx context.Context, s Spec, bin string) (Mode, error) {
	out, code, err := runGroup(ctx, s.Dir, nil, time.Minute, bin, "-test.list=^Benchmark")
	if err != nil || code != 0 {
		return "", fmt.Errorf("listing %s's benchmarks: %v\n%s", s.Package, err, proc.Tail(out, 15))
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Benchmark") {
			names = append(names, line)
		}
	}
	switch {
	case len(names) > 0:
		return Benchmarks, nil
	case s.Bench != "" && s.Bench != ".":
		return "", fmt.Errorf("%s: %w matches %q", s.Package, ErrNoBenchmarks, s.Bench)
	}
	return Tests, nil
}

func modeArgs(s Spec, m Mode) []string {
	if m == Tests {
		return []string{"-test.run=" + or(s.Run, ".")}
	}
	args := []string{"-test.run=^$", "-test.bench=" + or(s.Bench, "."), "-test.benchmem"}
	if s.Benchtime != "" {
		args = append(args, "-test.benchtime="+s.Benchtime)
	}
	return args
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// runGroup runs a command in its own process group, killed at the
// deadline, and returns its output and exit code.
func runGroup(ctx context.Context, dir string, env []string, limit time.Duration, name string, args ...string) ([]byte, int, error) {
	return proc.Output(ctx, proc.Spec{Dir: dir, Env: env, Name: name, Args: args}, limit)
}
