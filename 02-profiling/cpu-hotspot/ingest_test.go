package cpuhotspot

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
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
	if err != nil || ms > 24*60*60*1000 {
		return Entry{}, false
	}
	return Entry{Time: ts, Level: level, Service: svc, LatencyMS: ms, Msg: msg}, true
}

// referenceIngest adds up a batch with referenceParse.
func referenceIngest(lines []string) Stats {
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
	return want
}

// sameStats reports how got differs from want, or "" if it does not. The
// histogram is checked only for its total, which must be the good lines.
func sameStats(got, want Stats) string {
	if got.Lines != want.Lines || got.Bad != want.Bad || got.TotalMS != want.TotalMS || got.Slowest != want.Slowest || got.SlowestMS != want.SlowestMS {
		return fmt.Sprintf("got  %+v\nwant %+v", got, want)
	}
	for lvl, n := range want.ByLevel {
		if got.ByLevel[lvl] != n {
			return fmt.Sprintf("%d %s lines, want %d", got.ByLevel[lvl], lvl, n)
		}
	}
	sum := 0
	for _, n := range got.Histogram {
		sum += n
	}
	if sum != want.Lines-want.Bad {
		return fmt.Sprintf("the latency histogram holds %d lines, want %d", sum, want.Lines-want.Bad)
	}
	return ""
}

func TestParseLine(t *testing.T) {
	good := map[string]Entry{
		"2026-01-02T15:04:05Z INFO [api] latency=12ms request served":          {"2026-01-02T15:04:05Z", "INFO", "api", 12, "request served"},
		"2026-12-31T23:59:59Z ERROR [cart-2] latency=0ms ":                     {"2026-12-31T23:59:59Z", "ERROR", "cart-2", 0, ""},
		"2026-03-04T05:06:07Z WARN [a] latency=1999ms token refreshed [id=7] ": {"2026-03-04T05:06:07Z", "WARN", "a", 1999, "token refreshed [id=7] "},
		"2026-03-04T05:06:07Z DEBUG [b] latency=86400000ms a day":              {"2026-03-04T05:06:07Z", "DEBUG", "b", 86400000, "a day"},
	}
	for line, want := range good {
		got, ok := ParseLine(line)
		if !ok || got != want {
			t.Errorf("ParseLine(%q) = %+v, %v; want %+v, true", line, got, ok, want)
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
		"2026-01-02T15:04:05Z INFO [api] latency=86400001ms x",
		"2026-01-02T15:04:05Z INFO [api] latency=99999999999999999999ms x",
	}
	for _, line := range bad {
		if got, ok := ParseLine(line); ok {
			t.Errorf("ParseLine(%q) = %+v, true; want false", line, got)
		}
	}
	for _, line := range SampleLog(1500, 3) {
		got, ok := ParseLine(line)
		want, wantOK := referenceParse(line)
		if got != want || ok != wantOK {
			t.Fatalf("ParseLine(%q) = %+v, %v; want %+v, %v", line, got, ok, want, wantOK)
		}
	}
}

func TestIngest(t *testing.T) {
	lines := SampleLog(2000, 11)
	want := referenceIngest(lines)
	if want.Bad == 0 || want.Bad == want.Lines {
		t.Fatalf("test data has %d bad lines of %d; want some, not all", want.Bad, want.Lines)
	}
	body := strings.Join(lines, "\n") + "\r\n\n"
	if diff := sameStats(Ingest(body), want); diff != "" {
		t.Errorf("Ingest of 2,000 lines: %s", diff)
	}
	for _, workers := range []int{3, 8} {
		if diff := sameStats(IngestParallel(body, workers), want); diff != "" {
			t.Errorf("IngestParallel of 5,000 lines on %d workers: %s", workers, diff)
		}
	}
}
