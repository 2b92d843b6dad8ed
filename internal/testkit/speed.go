package testkit

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// SpeedRatio measures how many times faster candidate runs than baseline,
// both in this process. It sets GOMAXPROCS to 1 and finds, for each
// function, how many calls fill about 10ms; then it runs rounds in which
// baseline and candidate take turns with their call counts, and returns
// the median of the per-round ratios of time per call. Interleaving the
// rounds spreads any change in machine load over both sides, and each side
// is timed by its own call count, so a candidate much slower than the
// baseline still finishes quickly.
func SpeedRatio(rounds int, baseline, candidate func()) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	nb := calibrate(baseline, 10*time.Millisecond)
	nc := calibrate(candidate, 10*time.Millisecond)
	ratios := make([]float64, 0, rounds)
	for range rounds {
		b := timeCalls(nb, baseline)
		c := timeCalls(nc, candidate)
		if c <= 0 {
			c = time.Nanosecond
		}
		ratios = append(ratios, (float64(b)/float64(nb))/(float64(c)/float64(nc)))
	}
	slices.Sort(ratios)
	return ratios[len(ratios)/2]
}

// FasterThan fails t unless candidate is at least atLeast times faster than
// baseline, as SpeedRatio measures it over 7 rounds, and returns the ratio.
//
// Machines that run tests are shared and noisy, so gate only gaps expected
// to be 10× or more, and set atLeast to a quarter of the expected gap or
// less. Under -race the ratio is logged, not checked.
func FasterThan(t testing.TB, atLeast float64, where string, baseline, candidate func()) float64 {
	t.Helper()
	got := SpeedRatio(7, baseline, candidate)
	if RaceEnabled {
		t.Logf("speed ratio = %.1f× (gate %.1f× not checked under -race)", got, atLeast)
		return got
	}
	Report(t, Figure{Name: "speed ratio", Value: got, Op: ">=", Budget: atLeast, Unit: "×"})
	if got < atLeast {
		t.Errorf("speed ratio against the baseline = %.1f×, gate ≥ %.1f×; look at %s (go test -bench . -cpuprofile cpu.pprof, then go tool pprof -top cpu.pprof)", got, atLeast, where)
	}
	return got
}

func calibrate(f func(), target time.Duration) int {
	n := 1
	for {
		if d := timeCalls(n, f); d >= target || n >= 1<<24 {
			return n
		}
		n *= 2
	}
}

func timeCalls(n int, f func()) time.Duration {
	start := time.Now()
	for range n {
		f()
	}
	return time.Since(start)
}
