package cpuhotspot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/testkit"
)

// profileHint is the tool every cost gate of this lab points to.
const profileHint = "go test -run '^$' -bench . -cpuprofile cpu.pprof ./02-profiling/cpu-hotspot && go tool pprof -top -cum cpu.pprof"

// freshLines returns n good lines that differ from each other and from
// every line SampleLog makes, with latencies first, first+1, …
func freshLines(n, first int) []string {
	lines := make([]string, n)
	for i := range lines {
		ms := first + i
		lines[i] = fmt.Sprintf("2026-02-%02dT%02d:%02d:%02dZ %s [svc-%d] latency=%dms request %d served",
			1+ms%28, ms%24, ms%60, (ms/60)%60, levels[ms%len(levels)], ms%97, ms, ms)
	}
	return lines
}

// gateAllocs reports the allocations per call of f and fails t if they are
// above budget. f must be fed a fresh input on every call.
func gateAllocs(t *testing.T, name string, budget float64, f func()) {
	t.Helper()
	got := testing.AllocsPerRun(100, f)
	if testkit.RaceEnabled {
		t.Logf("%s = %.0f (budget %.0f not checked under -race, where counts differ)", name, got, budget)
		return
	}
	testkit.Report(t, testkit.Figure{Name: name, Value: got, Op: "<=", Budget: budget, Unit: "allocs"})
	if got > budget {
		t.Errorf("%s = %.0f, budget ≤ %.0f. Matching a line costs 2; the rest is work that does not depend on the line. Find it with a CPU profile: %s", name, got, budget, profileHint)
		return
	}
	t.Logf("%s: %.0f (budget ≤ %.0f)", name, got, budget)
}

// TestParseLineCost gates the work ParseLine does per line, counted as heap
// allocations, which unlike time do not move with machine load. Matching
// one line against a ready regexp costs 2 (the []int of submatch positions
// and the []string result); anything rebuilt per line costs hundreds.
// Every call gets a line it has not seen before, as in a real feed, so a
// cache of parsed lines does not hide what parsing costs.
func TestParseLineCost(t *testing.T) {
	lines := freshLines(101, 1000)
	next := 0
	gateAllocs(t, "allocations per parsed line", 4, func() {
		e, ok := ParseLine(lines[next])
		if !ok || e.LatencyMS != 1000+next {
			t.Fatalf("ParseLine(%q) = %+v, %v; want latency %d, true", lines[next], e, ok, 1000+next)
		}
		next++
	})
}

// TestIngestCost gates the allocations of Ingest on small batches of ten
// fresh lines: two per line, the figures' map, and a little room. Work
// done once per batch instead of once per line still shows here.
func TestIngestCost(t *testing.T) {
	const perBatch = 10
	var batches []string
	for i := range 101 {
		batches = append(batches, strings.Join(freshLines(perBatch, 5000+i*perBatch), "\n"))
	}
	next := 0
	gateAllocs(t, "allocations per batch of 10 lines", 4*perBatch+4, func() {
		if st := Ingest(batches[next]); st.Lines != perBatch || st.Bad != 0 {
			t.Fatalf("Ingest of %d good lines = %+v", perBatch, st)
		}
		next++
	})
}

// BenchmarkIngest ingests a batch of 1,000 lines per op.
func BenchmarkIngest(b *testing.B) {
	body := strings.Join(SampleLog(1000, 1), "\n")
	for b.Loop() {
		if st := Ingest(body); st.Lines != 1000 {
			b.Fatalf("Ingest saw %d lines", st.Lines)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/line")
}
