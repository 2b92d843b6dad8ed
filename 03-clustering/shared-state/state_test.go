package sharedstate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// TestMain turns the test binary into a worker when it is started as one:
// the tests run their worker processes by running this binary again.
func TestMain(m *testing.M) {
	if IsWorker() {
		if err := RunWorker(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const where = "State in state.go: each worker process keeps its own map and counter; " +
	"move the state to the one place every worker shares (the Redis client it is given, keys starting with its prefix)"

// startWorkers runs n worker processes against r and stops them at
// cleanup.
func startWorkers(t *testing.T, r *testkit.RedisServer, n, limit int, win time.Duration) []string {
	t.Helper()
	c, err := Start(n, Config{RedisURL: r.URL, Prefix: r.Prefix, Limit: limit, Window: win},
		func() *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Stderr = os.Stderr
			return cmd
		})
	if err != nil {
		t.Fatalf("starting workers: %v", err)
	}
	t.Cleanup(c.Stop)
	return c.Addrs
}

// balancer sends requests to the workers round-robin, as the supervisor
// in the process-cluster lab does.
type balancer struct {
	t     *testing.T
	addrs []string
	next  int
	c     *http.Client
}

func newBalancer(t *testing.T, addrs []string) *balancer {
	b := &balancer{t: t, addrs: addrs, c: &http.Client{Timeout: 5 * time.Second}}
	t.Cleanup(b.c.CloseIdleConnections)
	return b
}

// get sends one request to the next worker and returns the status and
// body.
func (b *balancer) get(path string) (int, string) {
	b.t.Helper()
	addr := b.addrs[b.next%len(b.addrs)]
	b.next++
	resp, err := b.c.Get("http://" + addr + path)
	if err != nil {
		b.t.Fatalf("GET %s from worker %s: %v", path, addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// burst sends n requests by client and returns how many were allowed and
// how many refused with 429.
func (b *balancer) burst(client string, n int) (allowed, limited int) {
	b.t.Helper()
	for range n {
		switch code, body := b.get("/api?client=" + client); code {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
			limited++
		default:
			b.t.Fatalf("GET /api?client=%s: %d %s", client, code, body)
		}
	}
	return allowed, limited
}

// TestLimitIsGlobal runs 3 workers with a limit of 100 requests per client
// per minute and sends 300 requests by alice and 30 by bob, round-robin.
// Alice must get exactly 100 through and 200 refusals, whichever workers
// her requests land on; bob, under his limit, all 30. And every worker
// must report the service's total, 330 hits.
func TestLimitIsGlobal(t *testing.T) {
	r := testkit.Redis(t)
	b := newBalancer(t, startWorkers(t, r, 3, 100, time.Minute))

	allowed, limited := b.burst("alice", 300)
	if allowed != 100 || limited != 200 {
		t.Errorf("alice, 300 requests over 3 workers with a limit of 100: %d allowed, %d refused (429), want exactly 100 and 200; look at %s", allowed, limited, where)
	}
	if allowed, limited := b.burst("bob", 30); allowed != 30 {
		t.Errorf("bob, 30 requests with a limit of 100: %d allowed, %d refused, want 30 allowed: the limit is per client", allowed, limited)
	}
	for i := range 3 {
		code, body := b.get("/stats")
		var st struct{ Hits int64 }
		if err := json.Unmarshal([]byte(body), &st); code != http.StatusOK || err != nil {
			t.Fatalf("GET /stats: %d %q (%v)", code, body, err)
		}
		if st.Hits != 330 {
			t.Errorf("worker %d counts %d hits, want 330, the requests the service got from alice and bob, whichever worker served them; look at %s", i, st.Hits, where)
		}
	}
	for _, k := range r.Keys() {
		if !strings.HasPrefix(k, r.Prefix) {
			t.Errorf("key %q does not start with the prefix %q", k, r.Prefix)
		}
	}
}

// TestLimitUnderConcurrency sends 300 requests by dave from 6 goroutines
// at once: two workers counting the same client at the same moment must
// not both see the same count (read, add one, write back is a race across
// processes; an atomic increment is not).
func TestLimitUnderConcurrency(t *testing.T) {
	r := testkit.Redis(t)
	addrs := startWorkers(t, r, 3, 100, time.Minute)
	type tally struct{ allowed, limited int }
	results := make(chan tally, 6)
	for g := range 6 {
		go func() {
			b := &balancer{t: t, addrs: addrs, next: g, c: &http.Client{Timeout: 5 * time.Second}}
			defer b.c.CloseIdleConnections()
			var x tally
			for range 50 {
				resp, err := b.c.Get("http://" + b.addrs[b.next%3] + "/api?client=dave")
				b.next++
				if err != nil {
					t.Errorf("GET /api: %v", err)
					break
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					x.allowed++
				case http.StatusTooManyRequests:
					x.limited++
				}
			}
			results <- x
		}()
	}
	var sum tally
	for range 6 {
		x := <-results
		sum.allowed += x.allowed
		sum.limited += x.limited
	}
	if sum.allowed != 100 || sum.limited != 200 {
		t.Errorf("dave, 300 concurrent requests over 3 workers with a limit of 100: %d allowed, %d refused, want exactly 100 and 200; look at %s (count with one atomic command, such as INCR)", sum.allowed, sum.limited, where)
	}
}

// TestLimitWindowExpires checks that a client's window ends: with a limit
// of 3 per second, 6 quick requests get 3 through; a second later, 3 more
// get through again.
func TestLimitWindowExpires(t *testing.T) {
	r := testkit.Redis(t)
	b := newBalancer(t, startWorkers(t, r, 3, 3, time.Second))
	if allowed, limited := b.burst("carol", 6); allowed != 3 {
		t.Fatalf("carol, 6 requests over 3 workers with a limit of 3 per second: %d allowed, %d refused, want exactly 3 allowed; look at %s", allowed, limited, where)
	}
	r.FastForward(1100 * time.Millisecond)
	if allowed, limited := b.burst("carol", 3); allowed != 3 {
		t.Errorf("carol, 3 requests after her 1s window ended: %d allowed, %d refused, want 3 allowed: give the counter a time to live (EXPIRE) when the window starts", allowed, limited)
	}
}

// TestLimitWindowStartsAtFirstRequest checks that a window is fixed by
// the client's first request and that later requests do not move its end:
// with a limit of 3 per second, erin sends 2 requests, 0.6s later 2 more
// (only one fits), and 0.6s after that, 1.2s after her first request, a
// new window has begun and 3 more get through. A time to live set again
// on every request (EXPIRE without NX) would still be running then.
func TestLimitWindowStartsAtFirstRequest(t *testing.T) {
	r := testkit.Redis(t)
	b := newBalancer(t, startWorkers(t, r, 3, 3, time.Second))
	if allowed, limited := b.burst("erin", 2); allowed != 2 {
		t.Fatalf("erin, 2 requests with a limit of 3 per second: %d allowed, %d refused, want 2 allowed", allowed, limited)
	}
	r.FastForward(600 * time.Millisecond)
	if allowed, limited := b.burst("erin", 2); allowed != 1 || limited != 1 {
		t.Fatalf("erin, 2 more requests 0.6s into her 1s window with a limit of 3: %d allowed, %d refused, want exactly 1 and 1; look at %s", allowed, limited, where)
	}
	r.FastForward(600 * time.Millisecond)
	if allowed, limited := b.burst("erin", 3); allowed != 3 {
		t.Errorf("erin, 3 requests 1.2s after the first one of her 1s window: %d allowed, %d refused, want 3 allowed: the window must end 1s after its first request, however many came later; set the time to live only when the key has none (EXPIRE … NX)", allowed, limited)
	}
}

// BenchmarkAllow calls Allow round-robin on three States, each standing
// for one worker process, with a limit of 100. allowed/limit is how many
// requests got through per the limit (1 is right); round-trips/op counts
// Redis round trips.
func BenchmarkAllow(b *testing.B) {
	r := testkit.Redis(b)
	rt := testkit.CountRoundTrips(r.Client)
	var workers []*State
	for range 3 {
		workers = append(workers, NewState(r.Client, r.Prefix, 100, time.Hour))
	}
	ctx := context.Background()
	allowed, i := 0, 0
	for b.Loop() {
		ok, err := workers[i%3].Allow(ctx, "alice")
		if err != nil {
			b.Fatal(err)
		}
		if ok {
			allowed++
		}
		i++
	}
	b.ReportMetric(float64(allowed)/100, "allowed/limit")
	b.ReportMetric(float64(rt.Count())/float64(b.N), "round-trips/op")
}
