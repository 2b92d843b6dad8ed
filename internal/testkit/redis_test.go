package testkit

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// fakeTB records what a testkit helper reports instead of failing the
// real test. Fatal ends the calling goroutine, as in testing.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	msgs     []string
	failed   bool
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
	f.failed = true
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// run calls fn with f in a goroutine so that Fatalf can end it.
func (f *fakeTB) run(fn func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
}

func TestRedisCleanupKeepsKeysItDidNotCreate(t *testing.T) {
	ctx := context.Background()
	outer := Redis(t)
	const userKey = "perflab:user-owned"
	otherRun := outer.Key("other-run", "x")
	for _, k := range []string{userKey, otherRun} {
		if err := outer.Client.Set(ctx, k, "keep", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { outer.Client.Del(ctx, userKey) }) // ours to remove on a real server

	// The inner test sees a "real" server at outer's URL, so the real-server
	// code path (refusal check, SCAN+UNLINK cleanup) runs on both backends.
	t.Setenv(RedisURLEnv, outer.URL)
	var innerPrefix string
	t.Run("inner", func(t *testing.T) {
		r := Redis(t)
		if r.Mini != nil {
			t.Fatal("with PERFLAB_REDIS_URL set, Redis returned a miniredis")
		}
		if !strings.HasPrefix(r.Prefix, "perflab:test:") || r.Prefix == outer.Prefix {
			t.Fatalf("Prefix = %q; want a fresh perflab:test:<random>: prefix", r.Prefix)
		}
		innerPrefix = r.Prefix
		for i := range 2500 { // more than one SCAN page
			if err := r.Client.Set(ctx, r.Key("k", fmt.Sprint(i)), i, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	for _, k := range []string{userKey, otherRun} {
		if v, err := outer.Client.Get(ctx, k).Result(); err != nil || v != "keep" {
			t.Errorf("key %q the test did not create: got %q, %v after the test's cleanup; want it kept", k, v, err)
		}
	}
	if left, _, err := outer.Client.Scan(ctx, 0, innerPrefix+"*", 10000).Result(); err != nil || len(left) != 0 {
		t.Errorf("keys left under the inner test's prefix after cleanup: %d (%v)", len(left), err)
	}
}

func TestRedisRefusesSharedDatabase(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t) // a private server, even when PERFLAB_REDIS_URL is set
	m.Set("sessions:42", "someone else's data")
	t.Setenv(RedisURLEnv, "redis://"+m.Addr()+"/0")

	f := &fakeTB{TB: t}
	f.run(func(tb testing.TB) { Redis(tb) })
	f.runCleanups()
	if !f.failed || len(f.msgs) != 1 || !strings.Contains(f.msgs[0], "PERFLAB_REDIS_ALLOW_SHARED=1") || !strings.Contains(f.msgs[0], m.Addr()) {
		t.Fatalf("Redis on a database with foreign keys reported %q; want one fatal line naming the URL and PERFLAB_REDIS_ALLOW_SHARED=1", f.msgs)
	}
	t.Logf("refusal: %s", f.msgs[0])

	t.Setenv(RedisAllowSharedEnv, "1")
	f = &fakeTB{TB: t}
	f.run(func(tb testing.TB) {
		r := Redis(tb)
		r.Client.Set(ctx, r.Key("mine"), 1, 0)
	})
	f.runCleanups()
	if f.failed {
		t.Fatalf("with PERFLAB_REDIS_ALLOW_SHARED=1: %q", f.msgs)
	}
	if !m.Exists("sessions:42") {
		t.Error("a shared database's key was deleted")
	}
	if keys := m.Keys(); len(keys) != 1 {
		t.Errorf("keys after cleanup = %q; want only sessions:42", keys)
	}
}

func TestRedisUnreachableIsOneFatalLine(t *testing.T) {
	down := DownRedis(t)
	url := "redis://" + down.Options().Addr + "/0"
	t.Setenv(RedisURLEnv, url)
	f := &fakeTB{TB: t}
	f.run(func(tb testing.TB) { Redis(tb) })
	f.runCleanups()
	if len(f.msgs) != 1 || !strings.Contains(f.msgs[0], url) || strings.Contains(f.msgs[0], "\n") {
		t.Fatalf("unreachable server reported %q; want one line naming %s", f.msgs, url)
	}
	t.Logf("unreachable: %s", f.msgs[0])

	t.Setenv(RedisURLEnv, "http://nope")
	f = &fakeTB{TB: t}
	f.run(func(tb testing.TB) { Redis(tb) })
	if len(f.msgs) != 1 || !strings.Contains(f.msgs[0], "http://nope") {
		t.Fatalf("bad URL reported %q", f.msgs)
	}
}

func TestRedisTTLAndFastForward(t *testing.T) {
	ctx := context.Background()
	r := Redis(t)
	r.Client.Set(ctx, r.Key("short"), "v", time.Second)
	r.Client.Set(ctx, r.Key("forever"), "v", 0)
	if d := r.TTL(r.Key("short")); d <= 0 || d > time.Second {
		t.Errorf("TTL(short) = %v, want in (0, 1s]", d)
	}
	if d := r.TTL(r.Key("forever")); d != 0 {
		t.Errorf("TTL(forever) = %v, want 0", d)
	}
	if d := r.TTL(r.Key("missing")); d >= 0 {
		t.Errorf("TTL(missing) = %v, want negative", d)
	}
	if got := len(r.Keys()); got != 2 {
		t.Errorf("Keys() = %d keys, want 2", got)
	}
	r.FastForward(1100 * time.Millisecond)
	if n, _ := r.Client.Exists(ctx, r.Key("short")).Result(); n != 0 {
		t.Error("key with a 1s TTL still exists after FastForward(1.1s)")
	}
	if n, _ := r.NewClient().Exists(ctx, r.Key("forever")).Result(); n != 1 {
		t.Error("second client does not see the key without TTL")
	}
}

func TestDownRedisFailsFast(t *testing.T) {
	c := DownRedis(t)
	start := time.Now()
	err := c.Get(context.Background(), "perflab:x").Err()
	if err == nil || err == redis.Nil {
		t.Fatalf("GET on a down server: err = %v, want a connection error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("GET on a down server took %v", d)
	}
}

func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	r := Redis(t)
	c := r.NewClient()
	rt := CountRoundTrips(c)
	c.Set(ctx, r.Key("a"), 1, time.Minute) // the first command also opens the connection
	if got := rt.Count(); got != 1 {
		t.Errorf("after the first SET (with connection setup): %d round trips, want 1", got)
	}
	rt.Reset()
	c.Get(ctx, r.Key("a"))
	c.MGet(ctx, r.Key("a"), r.Key("b"), r.Key("c"))
	if got := rt.Count(); got != 2 {
		t.Errorf("GET + MGET: %d round trips, want 2", got)
	}
	rt.Reset()
	c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range 10 {
			p.Get(ctx, r.Key(fmt.Sprint(i)))
		}
		return nil
	})
	c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, r.Key("n"))
		p.Expire(ctx, r.Key("n"), time.Minute)
		return nil
	})
	if got := rt.Count(); got != 2 {
		t.Errorf("pipeline of 10 + transaction of 2: %d round trips, want 2", got)
	}

	f := &fakeTB{TB: t}
	if got := RoundTripsAtMost(f, rt, 1, "the test"); got != 2 || len(f.msgs) != 1 || !strings.Contains(f.msgs[0], "= 2, budget ≤ 1") {
		t.Errorf("RoundTripsAtMost over budget: %d, %q", got, f.msgs)
	}
	f = &fakeTB{TB: t}
	RoundTripsAtMost(f, rt, 2, "the test")
	if f.failed {
		t.Errorf("RoundTripsAtMost within budget failed: %q", f.msgs)
	}
}
