// Package chart samples the Go runtime's memory metrics while a lab's
// workload (one test or benchmark) runs, once on the learner's code and once
// on the shipped code, and renders the two series over time as one
// self-contained HTML page of inline SVG: a leak is seen to climb, its fix
// to stay flat.
//
// The sampler is a test file added to the lab's package through
// `go test -overlay` (the learner's files are never touched); its init
// starts a goroutine that reads runtime/metrics every few milliseconds and
// appends one JSON line per sample to the file named by SamplesEnv.
package chart

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// Sample is one reading of the runtime's metrics, T seconds after the test
// binary started.
type Sample struct {
	T          float64 `json:"t"`
	Live       float64 `json:"live"`       // /gc/heap/live:bytes
	Goal       float64 `json:"goal"`       // /gc/heap/goal:bytes
	Goroutines float64 `json:"goroutines"` // /sched/goroutines:goroutines
	GC         float64 `json:"gc"`         // /gc/cycles/total:gc-cycles
}

// Series is what one version of the code did under the workload.
type Series struct {
	Name    string // "yours" or "shipped"
	Samples []Sample
	// Failed says the workload failed (as a lab's does until it is fixed);
	// the samples cover what ran.
	Failed bool
	// TimedOut says the workload hit the lab's time limit and was stopped.
	TimedOut bool
}

// Metric is one panel of the page: a figure read from each sample.
type Metric struct {
	Name  string // "live heap"
	About string // what the runtime means by it
	Unit  string // "bytes", "goroutines" or "cycles"
	Value func(Sample) float64
}

// Metrics are the page's panels, in order.
var Metrics = []Metric{
	{"live heap", "heap marked live by the last GC, 0 before the first (/gc/heap/live:bytes)", "bytes", func(s Sample) float64 { return s.Live }},
	{"heap goal", "heap size at which the next GC starts (/gc/heap/goal:bytes)", "bytes", func(s Sample) float64 { return s.Goal }},
	{"goroutines", "goroutines alive (/sched/goroutines:goroutines)", "goroutines", func(s Sample) float64 { return s.Goroutines }},
	{"GC cycles", "collections completed so far (/gc/cycles/total:gc-cycles)", "cycles", func(s Sample) float64 { return s.GC }},
}

// ReadSamples reads the sampler's JSON lines. A last line cut short by the
// binary's exit is dropped.
func ReadSamples(r io.Reader) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var s Sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			continue
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the samples: %w", err)
	}
	return out, nil
}
