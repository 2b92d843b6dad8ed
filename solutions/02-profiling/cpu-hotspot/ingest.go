// Package cpuhotspot is the ingest endpoint of a log collector: services
// POST batches of log lines, the collector parses each line and keeps a
// few figures per batch. It is correct, and it is slow: a CPU profile
// shows why at a glance.
package cpuhotspot

import (
	"regexp"
	"strconv"
	"strings"
)

// lineRE is compiled once, when the package is initialised; a compiled
// *regexp.Regexp is safe for concurrent use.
var lineRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) (DEBUG|INFO|WARN|ERROR) \[([a-z][a-z0-9-]*)\] latency=(\d+)ms (.*)$`)

// ParseLine parses one line of the form
//
//	2026-01-02T15:04:05Z INFO [api] latency=12ms request served
//
// and reports whether it is well formed.
func ParseLine(line string) (Entry, bool) {
	m := lineRE.FindStringSubmatch(line)
	if m == nil {
		return Entry{}, false
	}
	ms, err := strconv.Atoi(m[4])
	if err != nil {
		return Entry{}, false
	}
	return Entry{Time: m[1], Level: m[2], Service: m[3], LatencyMS: ms, Msg: m[5]}, true
}

// Ingest parses a batch of newline-separated lines and returns its figures.
func Ingest(body string) Stats {
	st := Stats{ByLevel: map[string]int{}}
	for line := range strings.Lines(body) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		st.Lines++
		e, ok := ParseLine(line)
		if !ok {
			st.Bad++
			continue
		}
		st.ByLevel[e.Level]++
		st.TotalMS += e.LatencyMS
		if st.Slowest == "" || e.LatencyMS > st.SlowestMS {
			st.Slowest, st.SlowestMS = e.Service, e.LatencyMS
		}
	}
	return st
}
