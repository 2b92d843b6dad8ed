package livepprof_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/goperflabs/labs/internal/testkit"
)

// Budgets per request of the mix. The allocation budget is a fiftieth of
// what the shipped service costs; the byte budget, a quarter of it, keeps
// the work from being moved into a few big allocations per request. Both
// figures are counts, so the machine's load does not move them.
const (
	allocBudget = 300        // heap allocations per request
	byteBudget  = 128 * 1024 // bytes allocated per request
)

const profileHow = "find where the service spends it while it runs: go run ./02-profiling/live-pprof/cmd/shopd -load 30s, " +
	"and meanwhile go tool pprof -top -cum 'http://ADDR/debug/pprof/profile?seconds=10' " +
	"and go tool pprof -sample_index=alloc_space -top http://ADDR/debug/pprof/allocs (ADDR: where shopd's log line says pprof is)"

// TestRequestCost measures what a mix of requests costs the service, in
// allocations and bytes allocated per request, served in this goroutine.
// Every round has fresh product IDs, categories and queries, so the figure
// is the cost of answering, not of remembering an answer.
func TestRequestCost(t *testing.T) {
	srv := start(t, 0, rand64())
	h := srv.Handler()
	m := newMix(srv.Catalog().Len())
	rounds := 15
	if testkit.RaceEnabled {
		rounds = 2
	}
	runRound := func() {
		for _, req := range m.round() {
			if code := serve(h, req); code/100 != 2 {
				t.Fatalf("%s %s: status %d, want 2xx", req.method, req.path, code)
			}
		}
	}
	runRound() // warm up: first-use allocations of the server and the JSON encoder
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range rounds {
		runRound()
	}
	runtime.ReadMemStats(&after)
	n := float64(rounds * 10)
	allocs := float64(after.Mallocs-before.Mallocs) / n
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / n
	if testkit.RaceEnabled {
		t.Logf("per request: %.0f allocations, %.0f bytes (budgets %d and %d not checked under -race)", allocs, bytes, allocBudget, byteBudget)
		return
	}
	a := testkit.Report(t, testkit.Figure{Name: "allocs/request", Value: allocs, Op: "<=", Budget: allocBudget, Unit: "allocs/request"})
	b := testkit.Report(t, testkit.Figure{Name: "bytes/request", Value: bytes, Op: "<=", Budget: byteBudget, Unit: "bytes/request"})
	if !a.Pass || !b.Pass {
		t.Errorf("a mix of %.0f requests (4 in 10 searches, 3 product pages, 2 category pages, 1 price change) cost %.0f allocations and %s per request; budget ≤ %d allocations and ≤ %s; %s",
			n, allocs, kib(bytes), allocBudget, kib(byteBudget), profileHow)
	}
}

func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }
