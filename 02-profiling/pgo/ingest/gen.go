package ingest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var (
	services = []string{"api", "cart", "search", "auth", "billing", "mailer"}
	metrics  = []string{"latency", "requests", "errors", "queue_depth", "cache.hits", "db.rows"}
	routes   = []string{"/", "/cart", "/search", "/login", "/checkout", "/product/42"}
	codes    = []string{"200", "200", "200", "201", "304", "404", "500"}
)

// SampleBatch returns n StatsD lines joined by '\n', the same for the same
// seed, as the collector receives them from a fleet of services: timers,
// counters (some sampled) and gauges, with two or three tags each. About
// one line in fifty is malformed.
func SampleBatch(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 11))
	var b strings.Builder
	for range n {
		svc := services[rng.IntN(len(services))]
		m := metrics[rng.IntN(len(metrics))]
		tags := fmt.Sprintf("#route:%s,code:%s,host:web-%d", routes[rng.IntN(len(routes))], codes[rng.IntN(len(codes))], 1+rng.IntN(4))
		switch rng.IntN(4) {
		case 0, 1:
			fmt.Fprintf(&b, "%s.%s:%.1f|ms|%s", svc, m, rng.Float64()*500, tags)
		case 2:
			fmt.Fprintf(&b, "%s.%s:%d|c|@0.5|%s", svc, m, 1+rng.IntN(5), tags)
		default:
			fmt.Fprintf(&b, "%s.%s:%d|g|%s", svc, m, rng.IntN(1000), tags)
		}
		if rng.IntN(50) == 0 {
			b.WriteString("|oops")
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
