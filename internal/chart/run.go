package chart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/proc"
)

// Version is one side of the chart: a name and the files of the lab that
// stand in for the learner's (none for the files as they are).
type Version struct {
	Name    string
	Replace map[string]string // lab file (absolute) → file to read instead
}

// Spec says what to run and how long it may take.
type Spec struct {
	Root     string        // the module root, where go runs
	Package  string        // "./01-memory/retention"
	Dir      string        // the package's folder, absolute; the binary runs there
	Workload string        // "TestIndexRetention" or "BenchmarkWrite"
	Timeout  time.Duration // the lab's time limit for one run; 0 means 20 s
	Work     string        // a folder for the test binaries and samples
	Env      []string      // added to the environment of the runs
	Versions []Version
}

// ErrNoSamples means the workload ran but the sampler wrote nothing.
var ErrNoSamples = errors.New("no samples")

// Run builds the lab's test binary for each version, with the sampler
// added, runs the workload once with each and returns what each sampled.
// Whether the workload passes does not matter; a build that fails does.
func Run(ctx context.Context, s Spec) ([]Series, error) {
	if s.Timeout <= 0 {
		s.Timeout = 20 * time.Second
	}
	var out []Series
	for _, v := range s.Versions {
		bin, err := build(ctx, s, v)
		if err != nil {
			return nil, err
		}
		if err := hasWorkload(ctx, s, bin); err != nil {
			return nil, err
		}
		series, err := sample(ctx, s, v.Name, bin)
		if err != nil {
			return nil, err
		}
		out = append(out, series)
	}
	return out, nil
}

// build compiles the test binary of one version into s.Work.
func build(ctx context.Context, s Spec, v Version) (string, error) {
	ov, err := writeOverlay(s.Work, s.Dir, v.Name, v.Replace)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(s.Work, v.Name+".test")
	out, code, err := proc.Output(ctx, proc.Spec{Dir: s.Root, Name: "go", Args: []string{"test", "-c", "-o", bin, "-overlay=" + ov, s.Package}}, 10*time.Minute)
	if err != nil {
		return "", fmt.Errorf("building %s's tests with %s code: %w", s.Package, v.Name, err)
	}
	if _, statErr := os.Stat(bin); code != 0 || statErr != nil {
		return "", fmt.Errorf("%s code does not compile: %s", v.Name, firstError(out))
	}
	return bin, nil
}

var compileError = regexp.MustCompile(`(?m)^\S+\.go:\d+(:\d+)?: .*$`)

// firstError is the first file:line: message of go's output (the last
// line when there is none).
func firstError(out []byte) string {
	if m := compileError.Find(out); m != nil {
		return string(m)
	}
	return proc.Tail(out, 1)
}

// ErrNoWorkload means the lab's package has no test or benchmark of the
// workload's name.
var ErrNoWorkload = errors.New("no such test or benchmark")

// hasWorkload lists the binary's tests and benchmarks for the workload.
func hasWorkload(ctx context.Context, s Spec, bin string) error {
	out, _, err := proc.Output(ctx, proc.Spec{Dir: s.Dir, Name: bin, Args: []string{"-test.list=" + anchored(s.Workload)}}, time.Minute)
	if err != nil {
		return fmt.Errorf("listing %s's tests: %w", s.Package, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(line) == s.Workload {
			return nil
		}
	}
	return fmt.Errorf("%s: %w as %s", s.Package, ErrNoWorkload, s.Workload)
}

func anchored(name string) string { return "^" + regexp.QuoteMeta(name) + "$" }

// sample runs the workload once under the sampler.
func sample(ctx context.Context, s Spec, name, bin string) (Series, error) {
	file := filepath.Join(s.Work, name+".jsonl")
	env := append(append(os.Environ(), s.Env...), SamplesEnv+"="+file)
	out, code, err := proc.Output(ctx, proc.Spec{Dir: s.Dir, Env: env, Name: bin, Args: workloadArgs(s)}, s.Timeout+10*time.Second)
	if err != nil {
		return Series{}, fmt.Errorf("running %s on %s code: %w", s.Workload, name, err)
	}
	f, err := os.Open(file)
	if err != nil {
		return Series{}, fmt.Errorf("%s on %s code: %w (exit status %d):\n%s", s.Workload, name, ErrNoSamples, code, proc.Tail(out, 10))
	}
	defer f.Close()
	samples, err := ReadSamples(f)
	if err != nil {
		return Series{}, err
	}
	if len(samples) == 0 {
		return Series{}, fmt.Errorf("%s on %s code: %w (exit status %d):\n%s", s.Workload, name, ErrNoSamples, code, proc.Tail(out, 10))
	}
	return Series{Name: name, Samples: samples, Failed: code != 0,
		TimedOut: bytes.Contains(out, []byte("panic: test timed out after"))}, nil
}

// workloadArgs runs the one test or benchmark named, with the lab's time
// limit as the binary's own alarm.
func workloadArgs(s Spec) []string {
	re := anchored(s.Workload)
	args := []string{"-test.count=1", "-test.timeout=" + s.Timeout.String()}
	if strings.HasPrefix(s.Workload, "Benchmark") {
		return append(args, "-test.run=^$", "-test.bench="+re, "-test.benchmem")
	}
	return append(args, "-test.run="+re)
}
