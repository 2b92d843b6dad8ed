package cpuhotspot

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Entry is one parsed log line.
type Entry struct {
	Time      string // 2026-01-02T15:04:05Z
	Level     string // DEBUG, INFO, WARN or ERROR
	Service   string // the name in brackets
	LatencyMS int    // latency=NNms
	Msg       string // the rest of the line
}

// Stats is what Ingest reports for one batch of lines.
type Stats struct {
	Lines     int                          // lines seen, including bad ones
	Bad       int                          // lines that do not parse
	ByLevel   map[string]int               // good lines per level
	Slowest   string                       // service of the slowest good line (first one on a tie)
	SlowestMS int                          // its latency
	TotalMS   int                          // latency summed over good lines
	Histogram [len(latencyBuckets) + 1]int // good lines per latency bucket
}

var (
	levels   = []string{"DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR"}
	services = []string{"api", "auth", "billing", "search", "cart-2", "mailer"}
	messages = []string{"request served", "cache miss for user 42", "retrying upstream: connection reset", "slow query: SELECT * FROM orders", "ok", "token refreshed [id=7]"}
)

// SampleLog returns n log lines, the same ones for the same seed. About
// one line in twenty is malformed, as in a real feed.
func SampleLog(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]string, n)
	for i := range out {
		line := fmt.Sprintf("2026-01-%02dT%02d:%02d:%02dZ %s [%s] latency=%dms %s",
			1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60),
			levels[rng.IntN(len(levels))], services[rng.IntN(len(services))],
			rng.IntN(2000), messages[rng.IntN(len(messages))])
		switch rng.IntN(40) {
		case 0:
			line = strings.Replace(line, "latency=", "latency:", 1)
		case 1:
			line = strings.ToLower(line)
		}
		out[i] = line
	}
	return out
}
