package sharedstate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
	"github.com/redis/go-redis/v9"
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

// tools names what shows where the workers keep their state; failure
// messages end with it. Which code to change is for the hints (perflab
// hint).
const tools = "run go run ./03-clustering/shared-state/cmd/limitd (it prints each worker's answers and the keys in Redis), " +
	"or run the tests against a real Redis and watch the commands arrive: redis-cli -p PORT MONITOR (the README shows how)"

// otherRun matches the keys of another test run sharing a real server:
// testkit.Redis gives every run a prefix of this shape.
var otherRun = regexp.MustCompile(`^perflab:test:[0-9a-f]{12}:`)

// startWorkers runs n worker processes against r and stops them at
// cleanup. At cleanup it also fails t for every worker that did not exit
// cleanly (one built with -race exits with status 66 after a data race)
// and for every key the workers left outside r.Prefix.
func startWorkers(t *testing.T, r *testkit.RedisServer, n, limit int, win time.Duration) []string {
	t.Helper()
	checkKeysStayInPrefix(t, r)
	c, err := Start(n, Config{RedisURL: r.URL, Prefix: r.Prefix, Limit: limit, Window: win},
		func() *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Stderr = os.Stderr
			return cmd
		})
	if err != nil {
		t.Fatalf("starting workers: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("workers that did not exit cleanly on SIGTERM: %v (status 66 means the race detector found a data race in a worker: its report is in the output above)", err)
		}
	})
	return c.Addrs
}

// allKeys returns every key of r's database, with SCAN.
func allKeys(t *testing.T, r *testkit.RedisServer) []string {
	t.Helper()
	if r.Mini != nil {
		return r.Mini.Keys()
	}
	var out []string
	var cursor uint64
	for {
		keys, next, err := r.Client.Scan(context.Background(), cursor, "*", 1000).Result()
		if err != nil {
			t.Fatalf("SCAN * on %s: %v", r.URL, err)
		}
		out = append(out, keys...)
		if next == 0 {
			return out
		}
		cursor = next
	}
}

// checkKeysStayInPrefix notes the keys of r's database now and, when t
// ends, fails t for every key that appeared meanwhile outside r.Prefix.
// On miniredis, a server of this test's own, that is every key outside
// the prefix. On a real server, keys that were there before and keys of
// other test runs (their own perflab:test:… prefixes) are left alone; the
// stray keys are deleted, since the code under test made them during the
// test, so that they do not stay in the user's database.
func checkKeysStayInPrefix(t *testing.T, r *testkit.RedisServer) {
	t.Helper()
	before := map[string]bool{}
	for _, k := range allKeys(t, r) {
		before[k] = true
	}
	t.Cleanup(func() {
		var stray []string
		for _, k := range allKeys(t, r) {
			if strings.HasPrefix(k, r.Prefix) || before[k] || (r.Mini == nil && otherRun.MatchString(k)) {
				continue
			}
			stray = append(stray, k)
		}
		testkit.Report(t, testkit.Figure{Name: "keys outside the prefix", Value: float64(len(stray)), Op: "<=", Budget: 0, Unit: "keys"})
		if len(stray) == 0 {
			return
		}
		slices.Sort(stray)
		t.Errorf("keys written outside the prefix %q = %d %q, budget 0: every key must start with the prefix the workers are given, or workers of two services (or two tests) sharing a Redis count into each other's keys; %s", r.Prefix, len(stray), stray[:min(len(stray), 5)], tools)
		if r.Mini == nil {
			if err := r.Client.Unlink(context.Background(), stray...).Err(); err != nil {
				t.Errorf("deleting the stray keys %q from %s: %v", stray, r.URL, err)
			}
		}
	})
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
		t.Errorf("alice, 300 requests over 3 workers with a limit of 100: allowed = %d, refused (429) = %d, want exactly 100 and 200; %s", allowed, limited, tools)
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
			t.Errorf("worker %d: hits = %d, want 330, the requests the service got from alice and bob, whichever worker served them; %s", i, st.Hits, tools)
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
		t.Errorf("dave, 300 concurrent requests over 3 workers with a limit of 100: allowed = %d, refused = %d, want exactly 100 and 200; %s", sum.allowed, sum.limited, tools)
	}
}

// TestLimitWindowExpires checks that a client's window ends: with a limit
// of 3 per second, 6 quick requests get 3 through; a second later, 3 more
// get through again.
func TestLimitWindowExpires(t *testing.T) {
	r := testkit.Redis(t)
	b := newBalancer(t, startWorkers(t, r, 3, 3, time.Second))
	if allowed, limited := b.burst("carol", 6); allowed != 3 {
		t.Fatalf("carol, 6 requests over 3 workers with a limit of 3 per second: allowed = %d, refused = %d, want exactly 3 allowed; %s", allowed, limited, tools)
	}
	r.FastForward(1100 * time.Millisecond)
	if allowed, limited := b.burst("carol", 3); allowed != 3 {
		t.Errorf("carol, 3 requests 1.1s after the first of her 1s window: allowed = %d, refused = %d, want 3 allowed: the window never ended; redis-cli -p PORT TTL <key> on a real server shows a key's time to live", allowed, limited)
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
		t.Fatalf("erin, 2 more requests 0.6s into her 1s window with a limit of 3: allowed = %d, refused = %d, want exactly 1 and 1; %s", allowed, limited, tools)
	}
	r.FastForward(600 * time.Millisecond)
	if allowed, limited := b.burst("erin", 3); allowed != 3 {
		t.Errorf("erin, 3 requests 1.2s after the first one of her 1s window: allowed = %d, refused = %d, want 3 allowed: the window must end 1s after its first request, however many came later; watch the TTL of her key between requests (redis-cli -p PORT PTTL <key> on a real server)", allowed, limited)
	}
}

// TestLimitWindowIsTheClients checks that a window starts at the client's
// first request, not at a tick of the wall clock: with a limit of 3 per
// second, frank sends 2 requests a quarter of a second before a whole
// second of the clock and 2 more just after it, 0.4s into his window, so
// only 1 of those fits. A window counted per clock second (a key per
// Unix second, or time.Now().Truncate(window)) starts again at the tick
// and lets both through. Real time passes here, on miniredis too:
// FastForward moves only the server's TTLs, never the workers' clocks.
func TestLimitWindowIsTheClients(t *testing.T) {
	r := testkit.Redis(t)
	b := newBalancer(t, startWorkers(t, r, 3, 3, time.Second))
	for attempt := range 3 {
		client := fmt.Sprintf("frank%d", attempt)
		tick := time.Now().Truncate(time.Second).Add(time.Second)
		if time.Until(tick) < 250*time.Millisecond {
			tick = tick.Add(time.Second)
		}
		time.Sleep(time.Until(tick.Add(-250 * time.Millisecond)))
		first := time.Now()
		if allowed, limited := b.burst(client, 2); allowed != 2 {
			t.Fatalf("%s, 2 requests with a limit of 3 per second: allowed = %d, refused = %d, want 2 allowed; %s", client, allowed, limited, tools)
		}
		if time.Now().After(tick.Add(-20 * time.Millisecond)) {
			t.Logf("%s: the first 2 requests ended too close to the clock's tick; trying again", client)
			continue // the machine stalled: the test needs them well before the tick
		}
		time.Sleep(time.Until(tick.Add(150 * time.Millisecond)))
		allowed, limited := b.burst(client, 2)
		if time.Since(first) > 900*time.Millisecond {
			t.Logf("%s: the requests took %v, too close to the end of his window to tell; trying again", client, time.Since(first))
			continue
		}
		testkit.Report(t, testkit.Figure{Name: "allowed after the clock's tick", Value: float64(allowed), Op: "==", Budget: 1, Unit: "requests"})
		if allowed != 1 || limited != 1 {
			t.Errorf("%s, 2 more requests 0.4s into his 1s window, just after the wall clock passed a whole second: allowed = %d, refused = %d, want exactly 1 and 1: the window must start at his first request, not at a tick of the clock; %s", client, allowed, limited, tools)
		}
		return
	}
	t.Fatalf("three attempts to send frank's requests on time (2 in the 230ms before a tick of the clock, 2 more within 0.9s of the first) all ran late; is the machine overloaded?")
}

// slowRedis is a go-redis hook that holds every reply for a moment before
// the caller sees it, as a busy network would. A read-then-write counter
// (GET, add one in Go, SET) then reads the same count in several callers
// every time, and a counter Redis changes atomically (INCR) does not care.
type slowRedis struct{ d time.Duration }

func (h slowRedis) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h slowRedis) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		time.Sleep(h.d)
		return err
	}
}

func (h slowRedis) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		time.Sleep(h.d)
		return err
	}
}

// TestAllowFromManyGoroutines runs three States in this process, each
// with its own client standing for a worker process, and calls Allow for
// gina from two goroutines per State at once, 300 calls in all, with
// every Redis reply held for a millisecond: exactly 100 may be allowed,
// and every State must count 300 hits. Under -race this is also the test
// that shows a State touching its own fields from several goroutines
// without a lock.
func TestAllowFromManyGoroutines(t *testing.T) {
	r := testkit.Redis(t)
	checkKeysStayInPrefix(t, r)
	ctx := context.Background()
	states := make([]*State, 3)
	for i := range states {
		c := r.NewClient()
		c.AddHook(slowRedis{time.Millisecond})
		states[i] = NewState(c, r.Prefix, 100, time.Minute)
	}
	var (
		mu      sync.Mutex
		allowed int
		errs    []error
		wg      sync.WaitGroup
	)
	for g := range 6 {
		wg.Go(func() {
			st := states[g%3]
			for range 50 {
				ok, err := st.Allow(ctx, "gina")
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else if ok {
					allowed++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("Allow failed %d times; first: %v", len(errs), errs[0])
	}
	testkit.Report(t, testkit.Figure{Name: "allowed", Value: float64(allowed), Op: "==", Budget: 100, Unit: "requests"})
	if allowed != 100 {
		t.Errorf("gina, 300 calls of Allow from 6 goroutines on 3 States with a limit of 100, every Redis reply 1ms late: allowed = %d, want exactly 100; %s", allowed, tools)
	}
	for i, st := range states {
		if hits, err := st.Hits(ctx); err != nil || hits != 300 {
			t.Errorf("State %d: Hits = %d, %v; want 300, the calls made on all three States; %s", i, hits, err, tools)
		}
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
