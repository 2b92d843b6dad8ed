package livepprof_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/goperflabs/labs/internal/testkit"
)

// TestProfileLabelsByRoute takes CPU profiles while requests of every
// route are served, and checks that the samples taken in the service's
// code carry a pprof label route=PATTERN, the route's pattern as
// registered, so that `go tool pprof -tagfocus` can keep one route's
// samples. Profiles are taken one second at a time, up to six, until
// every route has samples; after the first, only routes that have none
// yet are served. If the first second holds no labelled sample at all,
// the test stops there.
func TestProfileLabelsByRoute(t *testing.T) {
	srv := start(t, 0, rand64())
	h := srv.Handler()
	m := newMix(srv.Catalog().Len())
	counts := map[string]int{}
	others := map[string]int{}
	total := 0
	var window int
	for window = 1; window <= 6; window++ {
		todo := unsampled(counts)
		if len(todo) == 0 || (window > 1 && len(todo) == len(routes)) {
			break // done, or no route is labelled at all: more profiling will not change that
		}
		p := profileWhile(t, func() { drive(t, h, m, todo, time.Second) })
		for _, s := range p.Sample {
			total++
			for _, v := range s.Label["route"] {
				if isRoute(v) {
					counts[v]++
				} else {
					others[v]++
				}
			}
		}
	}
	missing := 0
	for _, r := range routes {
		if counts[r] == 0 {
			missing++
		}
	}
	testkit.Report(t, testkit.Figure{Name: "routes without labelled samples", Value: float64(missing), Op: "<=", Budget: 0, Unit: "routes"})
	if missing > 0 {
		t.Errorf("CPU samples with the label route=PATTERN, after %d s of profiling: %s; other values of the label: %s; want samples for each of the %d routes, labelled with its pattern "+
			"(go tool pprof -tags 'http://ADDR/debug/pprof/profile?seconds=10' while cmd/shopd -load runs lists the labels a CPU profile holds)",
			window-1, describe(counts, routes), describeOthers(others), len(routes))
		return
	}
	t.Logf("labelled samples after %d s: %s (of %d samples)", window-1, describe(counts, routes), total)
}

// profileWhile returns a CPU profile of the process while f runs.
func profileWhile(t *testing.T, f func()) *profile.Profile {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Fatalf("starting a CPU profile: %v (is one already running? run this test without -cpuprofile)", err)
	}
	f()
	pprof.StopCPUProfile()
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatalf("parsing the CPU profile: %v", err)
	}
	return p
}

// drive serves requests of the given routes in turn, 25ms of one route at
// a time, for about d.
func drive(t *testing.T, h http.Handler, m *mix, which []string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, r := range which {
			slice := time.Now().Add(25 * time.Millisecond)
			for time.Now().Before(slice) {
				req := m.request(r)
				if code := serve(h, req); code/100 != 2 {
					t.Fatalf("%s %s: status %d, want 2xx", req.method, req.path, code)
				}
			}
		}
	}
}

func unsampled(counts map[string]int) []string {
	var out []string
	for _, r := range routes {
		if counts[r] == 0 {
			out = append(out, r)
		}
	}
	return out
}

func isRoute(v string) bool {
	for _, r := range routes {
		if v == r {
			return true
		}
	}
	return false
}

func describe(counts map[string]int, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

func describeOthers(others map[string]int) string {
	if len(others) == 0 {
		return "none"
	}
	var parts []string
	for v, n := range others {
		parts = append(parts, fmt.Sprintf("%q %d", v, n))
		if len(parts) == 5 {
			parts = append(parts, "…")
			break
		}
	}
	return strings.Join(parts, ", ")
}

func rand64() uint64 { return rand.Uint64() }
