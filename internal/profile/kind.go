// Package profile profiles a lab: it builds the lab's test binary (outside
// the lab's folder), runs its benchmarks, or its tests when it has none,
// with one of Go's profiles turned on, keeps every profile under
// .perflab/profiles/ without ever overwriting one, and reads profiles with
// github.com/google/pprof/profile to list the top functions, diff two
// profiles the way `go tool pprof -diff_base` does, and draw a flame graph
// as a self-contained SVG (no Graphviz).
//
// # Usage
//
//	res, err := profile.Run(ctx, profile.Spec{Root: root, Package: "./02-profiling/cpu-hotspot",
//		Dir: labDir, Kind: profile.CPU, Out: path, Work: tmp})
//	p, err := profile.Load(path)
//	top := profile.Top(p, profile.CPU.SampleIndex(), mine)
//	top.Write(os.Stdout, 10)
package profile

import (
	"fmt"
	"strings"
)

// Kind is a kind of profile.
type Kind string

// The kinds of profile a lab can be run with.
const (
	CPU       Kind = "cpu"
	Heap      Kind = "heap"
	Allocs    Kind = "allocs"
	Mutex     Kind = "mutex"
	Block     Kind = "block"
	Goroutine Kind = "goroutine"
	Trace     Kind = "trace"
)

// Kinds lists every kind, CPU (the default) first.
var Kinds = []Kind{CPU, Heap, Allocs, Mutex, Block, Goroutine, Trace}

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("no profile kind %q; the kinds are %s", s, strings.Join(names, ", "))
}

// Ext is the file name extension of the kind's files.
func (k Kind) Ext() string {
	if k == Trace {
		return ".trace"
	}
	return ".pprof"
}

// SampleIndex is the sample type whose values the top lists and flame
// graph show: what `go tool pprof` shows by default for the kind, except
// for a heap profile taken by go test, which holds both the allocations
// (allocs) and what is still in use (heap).
func (k Kind) SampleIndex() string {
	switch k {
	case CPU:
		return "cpu"
	case Heap:
		return "inuse_space"
	case Allocs:
		return "alloc_space"
	case Mutex, Block:
		return "delay"
	case Goroutine:
		return "goroutine"
	}
	return ""
}

// flags are the test binary's flags that write the kind's profile to path.
// The goroutine profile has none: an extra test file writes it (see
// goroutineSampler).
func (k Kind) flags(path string) []string {
	switch k {
	case CPU:
		return []string{"-test.cpuprofile=" + path}
	case Heap, Allocs:
		// Every allocation, not one per 512 KiB: a lab's functions are
		// small, and a sampled profile could miss them.
		return []string{"-test.memprofile=" + path, "-test.memprofilerate=1"}
	case Mutex:
		return []string{"-test.mutexprofile=" + path, "-test.mutexprofilefraction=1"}
	case Block:
		return []string{"-test.blockprofile=" + path, "-test.blockprofilerate=1"}
	case Trace:
		return []string{"-test.trace=" + path}
	}
	return nil
}
