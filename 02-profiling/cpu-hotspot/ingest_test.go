package cpuhotspot

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/testkit"
)

// referenceParse parses a line by hand, without regexp, to check
// ParseLine against. It is deliberately written differently from any
// fast version.
func referenceParse(line string) (Entry, bool) {
	isDigits := func(s string) bool {
		if s == "" {
			return false
		}
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	ts, rest, ok := strings.Cut(line, " ")
	if !ok || len(ts) != 20 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts[13] != ':' || ts[16] != ':' || ts[19] != 'Z' {
		return Entry{}, false
	}
	for _, part := range []string{ts[0:4], ts[5:7], ts[8:10], ts[11:13], ts[14:16], ts[17:19]} {
		if !isDigits(part) {
			return Entry{}, false
		}
	}
	level, rest, ok := strings.Cut(rest, " ")
	if !ok || (level != "DEBUG" && level != "INFO" && level != "WARN" && level != "ERROR") {
		return Entry{}, false
	}
	svc, rest, ok := strings.Cut(rest, " ")
	if !ok || len(svc) < 3 || svc[0] != '[' || svc[len(svc)-1] != ']' {
		return Entry{}, false
	}
	svc = svc[1 : len(svc)-1]
	if svc[0] < 'a' || svc[0] > 'z' {
		return Entry{}, false
	}
	for _, c := range []byte(svc) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return Entry{}, false
		}
	}
	lat, msg, ok := strings.Cut(rest, " ")
	num, found := strings.CutPrefix(lat, "latency=")
	if !ok || !found {
		return Entry{}, false
	}
	num, found = strings.CutSuffix(num, "ms")
	if !found || !isDigits(num) || strings.ContainsAny(msg, "\n") {
		return Entry{}, false
	}
	ms, err := strconv.Atoi(num)
	if err != nil {
		return Entry{}, false
	}
	return Entry{Time: ts, Level: level, Service: svc, LatencyMS: ms, Msg: msg}, true
}

func TestParseLine(t *testing.T) {
	good := map[string]Entry{
		"2026-01-02T15:04:05Z INFO [api] latency=12ms request served":          {"2026-01-02T15:04:05Z", "INFO", "api", 12, "request served"},
		"2026-12-31T23:59:59Z ERROR [cart-2] latency=0ms ":                     {"2026-12-31T23:59:59Z", "ERROR", "cart-2", 0, ""},
		"2026-03-04T05:06:07Z WARN [a] latency=1999ms token refreshed [id=7] ": {"2026-03-04T05:06:07Z", "WARN", "a", 1999, "token refreshed [id=7] "},
	}
	for line, want := range good {
		got, ok := ParseLine(line)
		if !ok || got != want {
			t.Errorf("ParseLine(%q) = %+v, %v; want %+v, true (look at ParseLine in ingest.go)", line, got, ok, want)
		}
	}
	bad := []string{
		"",
		"2026-01-02T15:04:05Z info [api] latency=12ms x",
		"2026-01-02T15:04:05Z INFO [Api] latency=12ms x",
		"2026-01-02T15:04:05Z INFO [api] latency:12ms x",
		"2026-01-02T15:04:05Z INFO [api] latency=ms x",
		"2026-01-02 15:04:05Z INFO [api] latency=12ms x",
		"2026-01-02T15:04:05Z INFO [api] latency=12ms",
		"2026-01-02T15:04:05Z TRACE [api] latency=12ms x",
	}
	for _, line := range bad {
		if got, ok := ParseLine(line); ok {
			t.Errorf("ParseLine(%q) = %+v, true; want false (look at ParseLine in ingest.go)", line, got)
		}
	}
	for _, line := range SampleLog(3000, 3) {
		got, ok := ParseLine(line)
		want, wantOK := referenceParse(line)
		if got != want || ok != wantOK {
			t.Fatalf("ParseLine(%q) = %+v, %v; want %+v, %v (look at ParseLine in ingest.go)", line, got, ok, want, wantOK)
		}
	}
}

func TestIngest(t *testing.T) {
	lines := SampleLog(5000, 11)
	got := Ingest(strings.Join(lines, "\n") + "\r\n\n")
	want := Stats{ByLevel: map[string]int{}}
	for _, l := range lines {
		want.Lines++
		e, ok := referenceParse(l)
		if !ok {
			want.Bad++
			continue
		}
		want.ByLevel[e.Level]++
		want.TotalMS += e.LatencyMS
		if e.LatencyMS > want.SlowestMS || want.Slowest == "" {
			want.Slowest, want.SlowestMS = e.Service, e.LatencyMS
		}
	}
	if got.Lines != want.Lines || got.Bad != want.Bad || got.TotalMS != want.TotalMS || got.Slowest != want.Slowest || got.SlowestMS != want.SlowestMS {
		t.Errorf("Ingest of 5,000 lines = %+v\nwant %+v\n(look at Ingest and ParseLine in ingest.go)", got, want)
	}
	for lvl, n := range want.ByLevel {
		if got.ByLevel[lvl] != n {
			t.Errorf("Ingest counted %d %s lines, want %d (look at Ingest in ingest.go)", got.ByLevel[lvl], lvl, n)
		}
	}
	if want.Bad == 0 || want.Bad == want.Lines {
		t.Fatalf("test data has %d bad lines of %d; want some, not all", want.Bad, want.Lines)
	}
}

// TestParseLineCost gates the work ParseLine does per line, counted as heap
// allocations, which unlike time do not move with machine load. Matching
// one line against a ready regexp costs 2 (the []string of submatches and
// its backing array); anything that rebuilds per line costs hundreds.
// Every call gets a line it has not seen before, as in a real feed, so a
// cache of parsed lines does not hide what parsing costs.
func TestParseLineCost(t *testing.T) {
	lines := make([]string, 200)
	for i := range lines {
		lines[i] = fmt.Sprintf("2026-01-02T15:%02d:%02dZ INFO [api] latency=%dms request served", i/60, i%60, i)
	}
	const budget = 4
	next := 0
	got := testing.AllocsPerRun(100, func() {
		e, ok := ParseLine(lines[next])
		if !ok || e.LatencyMS != next {
			t.Fatalf("ParseLine(%q) = %+v, %v; want latency %d, true", lines[next], e, ok, next)
		}
		next++
	})
	if testkit.RaceEnabled {
		t.Logf("heap allocations per ParseLine = %.0f (budget %d not checked under -race, where counts differ)", got, budget)
		return
	}
	if got > budget {
		t.Errorf("heap allocations per ParseLine = %.0f, budget ≤ %d; look at ParseLine in ingest.go: what does it do on every call before it even looks at the line? "+
			"A CPU profile shows it: go test -run '^$' -bench . -cpuprofile /tmp/cpu.pprof ./02-profiling/cpu-hotspot, then go tool pprof -top -cum /tmp/cpu.pprof", got, budget)
	} else {
		t.Logf("heap allocations per ParseLine: %.0f (budget ≤ %d)", got, budget)
	}
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
