package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/goperflabs/labs/internal/overlay"
)

// go test has no flag for a goroutine profile, so for one, an extra test
// file swapped in with -overlay samples the goroutines while the tests run
// and keeps the profile of the moment the most were alive: a leak shows
// at its peak. Its own goroutine is taken out of the profile afterwards.

const goroutineEnv = "PERFLAB_GOROUTINE_PROFILE"

const samplerSource = `package %s

import (
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

func init() {
	if path := os.Getenv(%q); path != "" {
		go perflabSampleGoroutines(path)
	}
}

// perflabSampleGoroutines keeps in path the goroutine profile of the
// moment the most goroutines were alive.
func perflabSampleGoroutines(path string) {
	peak := 0
	for {
		if n := runtime.NumGoroutine(); n > peak {
			peak = n
			perflabWriteGoroutines(path)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func perflabWriteGoroutines(path string) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return
	}
	err = pprof.Lookup("goroutine").WriteTo(f, 0)
	if cerr := f.Close(); err == nil && cerr == nil {
		_ = os.Rename(tmp, path)
	}
}
`

// goroutineOverlay writes the sampler, in the package's own package, and
// the overlay that adds it to the package's folder.
func goroutineOverlay(s Spec) (string, error) {
	name, err := overlay.PackageName(s.Dir)
	if err != nil {
		return "", err
	}
	src := filepath.Join(s.Work, "sampler.go")
	if err := os.WriteFile(src, fmt.Appendf(nil, samplerSource, name, goroutineEnv), 0o644); err != nil {
		return "", fmt.Errorf("writing the goroutine sampler: %w", err)
	}
	path := filepath.Join(s.Work, "overlay.json")
	return path, overlay.Write(path, map[string]string{filepath.Join(s.Dir, "zz_perflab_goroutines_test.go"): src})
}

// dropSampler removes the sampler's own goroutine from the profile at path.
func dropSampler(path string) error {
	p, err := Load(path)
	if err != nil {
		return err
	}
	p.FilterSamplesByName(nil, regexp.MustCompile(`perflabSampleGoroutines`), nil, nil)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("rewriting %s: %w", path, err)
	}
	if err := p.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("rewriting %s: %w", path, err)
	}
	return f.Close()
}
