package testkit

import (
	"testing"
)

// AllocsAtMost measures the average number of heap allocations one call of
// f makes, with testing.AllocsPerRun over 100 runs after one warm-up run,
// and fails t if it is above budget. It returns the figure.
//
// AllocsPerRun sets GOMAXPROCS to 1 while it measures, so f should not wait
// for other goroutines. Under -race the runtime allocates for its own
// bookkeeping and the figure is not comparable, so AllocsAtMost only logs
// it.
func AllocsAtMost(t testing.TB, budget float64, where string, f func()) float64 {
	t.Helper()
	got := testing.AllocsPerRun(100, f)
	if RaceEnabled {
		t.Logf("allocs/op = %.1f (budget %.0f not checked under -race, where counts differ)", got, budget)
		return got
	}
	Report(t, Figure{Name: "allocs/op", Value: got, Op: "<=", Budget: budget, Unit: "allocs/op"})
	if got > budget {
		t.Errorf("allocs/op = %.1f, budget ≤ %.0f; look at %s (go test -bench . -benchmem -memprofile mem.pprof, then go tool pprof -sample_index=alloc_objects mem.pprof)", got, budget, where)
	}
	return got
}
