package bench

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

// Version is one side of a comparison: a name for the table and the
// `go test -overlay` file that makes it ("" for the files as they are).
type Version struct {
	Name    string
	Overlay string
}

// Spec says what to compare.
type Spec struct {
	Root       string        // the module root, where go runs
	Package    string        // "./02-profiling/cpu-hotspot"
	Base, Head Version       // the old and the new code
	Rounds     int           // runs of each binary, interleaved; 0 means 10
	Bench      string        // -test.bench pattern; "" means "."
	Benchtime  string        // -test.benchtime; "" means go's default
	Timeout    time.Duration // per run; 0 means 2 minutes
	Work       string        // a folder for the test binaries
	// Progress, if set, is called after each run.
	Progress func(done, total int)
}

// ErrNoBenchmarks means the package's tests hold no benchmark that ran.
var ErrNoBenchmarks = errors.New("no benchmark")

// Run builds one test binary per version, runs them in turn Rounds times
// each (base, head, base, head, …) so that both see the same machine, and
// compares what they measured.
func Run(ctx context.Context, s Spec) (Comparison, error) {
	if s.Rounds <= 0 {
		s.Rounds = 10
	}
	if s.Timeout <= 0 {
		s.Timeout = 2 * time.Minute
	}
	bins := make([]string, 2)
	for i, v := range []Version{s.Base, s.Head} {
		bin, err := build(ctx, s, v, i)
		if err != nil {
			return Comparison{}, err
		}
		bins[i] = bin
	}
	samples := make([]Samples, 2)
	for round := range s.Rounds {
		for i, v := range []Version{s.Base, s.Head} {
			out, err := runOnce(ctx, s, bins[i])
			if err != nil {
				return Comparison{}, fmt.Errorf("%s, round %d: %w", v.Name, round+1, err)
			}
			if err := samples[i].Parse(bytes.NewReader(out), v.Name); err != nil {
				return Comparison{}, err
			}
			if s.Progress != nil {
				s.Progress(2*round+i+1, 2*s.Rounds)
			}
		}
	}
	if len(samples[0].Order) == 0 && len(samples[1].Order) == 0 {
		return Comparison{}, fmt.Errorf("%s: %w matches %q", s.Package, ErrNoBenchmarks, pattern(s))
	}
	return Compare(s.Base.Name, samples[0], s.Head.Name, samples[1]), nil
}

func pattern(s Spec) string {
	if s.Bench == "" {
		return "."
	}
	return s.Bench
}

// build compiles the package's test binary for one version.
func build(ctx context.Context, s Spec, v Version, i int) (string, error) {
	bin := filepath.Join(s.Work, fmt.Sprintf("v%d-%s.test", i, strings.ReplaceAll(v.Name, "/", "-")))
	args := []string{"test", "-c", "-o", bin}
	if v.Overlay != "" {
		args = append(args, "-overlay="+v.Overlay)
	}
	out, err := runGroup(ctx, s.Root, 10*time.Minute, "go", append(args, s.Package)...)
	if err != nil {
		return "", fmt.Errorf("building %s: %w", v.Name, err)
	}
	if _, statErr := os.Stat(bin); statErr != nil {
		return "", fmt.Errorf("building %s: %s", v.Name, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// runOnce runs a test binary's benchmarks once, in the package's folder as
// go test would.
func runOnce(ctx context.Context, s Spec, bin string) ([]byte, error) {
	args := []string{"-test.run=^$", "-test.bench=" + pattern(s), "-test.benchmem", "-test.count=1", "-test.timeout=" + s.Timeout.String()}
	if s.Benchtime != "" {
		args = append(args, "-test.benchtime="+s.Benchtime)
	}
	out, err := runGroup(ctx, filepath.Join(s.Root, s.Package), s.Timeout+10*time.Second, bin, args...)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(out, []byte("\nFAIL")) || bytes.HasPrefix(out, []byte("FAIL")) {
		return nil, fmt.Errorf("the benchmarks failed:\n%s", proc.Tail(out, 15))
	}
	return out, nil
}

// runGroup runs a command in its own process group, killed at the
// deadline, and returns its output; a non-zero exit is an error.
func runGroup(ctx context.Context, dir string, limit time.Duration, name string, args ...string) ([]byte, error) {
	out, code, err := proc.Output(ctx, proc.Spec{Dir: dir, Name: name, Args: args}, limit)
	if err == nil && code != 0 {
		err = fmt.Errorf("exit status %d:\n%s", code, proc.Tail(out, 15))
	}
	return out, err
}
