package chart

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/goperflabs/labs/internal/overlay"
)

// SamplesEnv names the file the sampler appends its samples to; without
// it, the sampler does nothing.
const SamplesEnv = "PERFLAB_CHART_SAMPLES"

// SamplerFile is the name the sampler takes in the lab's folder, through
// the overlay only.
const SamplerFile = "zz_perflab_chart_test.go"

// Every is how often the sampler reads the metrics.
const Every = 2 // milliseconds

const samplerSource = `package %s

import (
	"fmt"
	"os"
	"runtime/metrics"
	"time"
)

func init() {
	if path := os.Getenv(%q); path != "" {
		go perflabChartSample(path)
	}
}

// perflabChartSample appends a JSON line of the runtime's memory metrics
// to path every few milliseconds until the binary exits.
func perflabChartSample(path string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	m := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/sched/goroutines:goroutines"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	start := time.Now()
	for {
		metrics.Read(m)
		fmt.Fprintf(f, "{\"t\":%%.4f,\"live\":%%d,\"goal\":%%d,\"goroutines\":%%d,\"gc\":%%d}\n",
			time.Since(start).Seconds(), m[0].Value.Uint64(), m[1].Value.Uint64(), m[2].Value.Uint64(), m[3].Value.Uint64())
		time.Sleep(%d * time.Millisecond)
	}
}
`

// writeOverlay writes the sampler for the package in dir into work and an
// overlay, named after version, that adds it to dir besides replace.
func writeOverlay(work, dir, version string, replace map[string]string) (string, error) {
	name, err := overlay.PackageName(dir)
	if err != nil {
		return "", err
	}
	src := filepath.Join(work, "sampler-"+version+".go")
	if err := os.WriteFile(src, fmt.Appendf(nil, samplerSource, name, SamplesEnv, Every), 0o644); err != nil {
		return "", fmt.Errorf("writing the sampler: %w", err)
	}
	all := maps.Clone(replace)
	if all == nil {
		all = map[string]string{}
	}
	all[filepath.Join(dir, SamplerFile)] = src
	path := filepath.Join(work, "overlay-"+version+".json")
	return path, overlay.Write(path, all)
}
