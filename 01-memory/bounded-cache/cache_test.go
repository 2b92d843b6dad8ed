package boundedcache

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// fakeClock is a clock the test moves by hand, so TTLs are tested without
// sleeping.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	onNow func() // called, once, by the next Now after OnNextNow
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.onNow; f != nil {
		c.onNow = nil
		f()
	}
	return c.t
}

// OnNextNow makes the next call of Now, by any goroutine, call f first.
func (c *fakeClock) OnNextNow(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onNow = f
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// loader stands in for Render: it counts its calls and returns a value
// that says which key it was for and how many times that key was loaded.
type loader struct {
	calls atomic.Int64
	mu    sync.Mutex
	per   map[string]int
	pad   int // bytes of padding in each value
}

func newLoader(pad int) *loader { return &loader{per: map[string]int{}, pad: pad} }

func (l *loader) load(key string) string {
	l.calls.Add(1)
	l.mu.Lock()
	l.per[key]++
	n := l.per[key]
	l.mu.Unlock()
	return valueFor(key, n, l.pad)
}

func (l *loader) loads(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.per[key]
}

// valueFor is what the n-th load of key returns: a fresh string.
func valueFor(key string, n, pad int) string {
	return key + "#" + strconv.Itoa(n) + "|" + padding[:pad]
}

var padding = strings.Repeat("x", 1024)

// key returns prefix + i + suffix, such as "sku-17/en-GB".
func key(prefix string, i int, suffix string) string {
	return prefix + strconv.Itoa(i) + suffix
}

func keyOf(prefix string, i int) string { return key(prefix, i, "") }

func isValueOf(v, key string) bool { return strings.HasPrefix(v, key+"#") }

// underRace returns n, or a fifth of it under the race detector, which
// makes every map and list operation many times slower. A fifth is still
// 20 times the caches' capacity.
func underRace(n int) int {
	if testkit.RaceEnabled {
		return n / 5
	}
	return n
}

func TestLenNeverExceedsCapacity(t *testing.T) {
	const capacity = 1000
	keys := underRace(100_000)
	l := newLoader(0)
	c := New(capacity, time.Hour, l.load, newFakeClock().Now)

	maxLen, firstOver := 0, 0
	for i := range keys {
		key := key("sku-", i, "/en-GB")
		if v := c.Get(key); !isValueOf(v, key) {
			t.Fatalf("Get(%q) = %q, want the value loaded for that key", key, v)
		}
		n := c.Len()
		if n > maxLen {
			maxLen = n
		}
		if n > capacity && firstOver == 0 {
			firstOver = i + 1
		}
	}
	if maxLen <= capacity {
		t.Logf("capacity %d, %d distinct keys: largest Len() seen = %d", capacity, keys, maxLen)
	} else {
		t.Errorf("Len() reached %d after %d distinct keys (first over the capacity after %d), budget ≤ %d (the capacity given to New); "+
			"watch the entries grow with traffic: go run ./01-memory/bounded-cache/cmd/traffic",
			maxLen, keys, firstOver, capacity)
	}
}

func TestRetainedHeapIsBounded(t *testing.T) {
	// 100,000 distinct keys (20,000 under -race) with a ~512-byte value
	// each: kept forever that is about 60 MiB (12 MiB); with 1,000 entries
	// at most it is well under 1 MiB.
	const capacity = 1000
	keys := underRace(100_000)
	const budget = 4 << 20
	got := testkit.RetainedAtMost(t, budget, "who allocated what stays live (go run ./01-memory/bounded-cache/cmd/traffic -heapprofile /tmp/heap.pprof, then go tool pprof -sample_index=inuse_space -top /tmp/heap.pprof)", func() any {
		// A loader without bookkeeping, so only what the cache keeps counts.
		load := func(key string) string { return valueFor(key, 1, 500) }
		c := New(capacity, time.Hour, load, newFakeClock().Now)
		for i := range keys {
			c.Get(key("sku-", i, "/en-GB"))
		}
		return c
	})
	if !t.Failed() {
		t.Logf("heap retained by a cache of capacity %d after %d distinct keys: %s (budget %s)",
			capacity, keys, testkit.Bytes(got), testkit.Bytes(budget))
	}
}

func TestHotKeysStayCached(t *testing.T) {
	// Half the traffic goes to 200 popular products, the other half to a
	// long tail of keys that are each seen once. A cache that keeps what
	// is used serves nearly every popular request from memory; one that
	// throws everything away when it fills up does not.
	const capacity, hot = 1000, 200
	requests := underRace(100_000)
	const want = 0.90
	l := newLoader(0)
	c := New(capacity, time.Hour, l.load, newFakeClock().Now)
	rng := rand.New(rand.NewPCG(1, 2))
	hotRequests, cold := 0, 0
	for range requests {
		var key string
		if rng.IntN(2) == 0 {
			key = keyOf("hot-", rng.IntN(hot))
			hotRequests++
		} else {
			key = keyOf("tail-", cold)
			cold++
		}
		if v := c.Get(key); !isValueOf(v, key) {
			t.Fatalf("Get(%q) = %q, want the value loaded for that key", key, v)
		}
	}
	hotLoads := 0
	for i := range hot {
		hotLoads += l.loads(keyOf("hot-", i))
	}
	ratio := 1 - float64(hotLoads)/float64(hotRequests)
	if ratio >= want {
		t.Logf("hot keys: %d requests, %d loads, hit ratio %.1f%% (gate ≥ %.0f%%); calls to load in all: %d",
			hotRequests, hotLoads, 100*ratio, 100*want, l.calls.Load())
	} else {
		t.Errorf("hit ratio on the %d hot keys = %.1f%%, budget ≥ %.0f%% (%d loads for %d requests); "+
			"the hit%% column of go run ./01-memory/bounded-cache/cmd/traffic shows the same figure for this traffic",
			hot, 100*ratio, 100*want, hotLoads, hotRequests)
	}
}

func TestTTLIsHonoured(t *testing.T) {
	const ttl = time.Minute
	clock := newFakeClock()
	l := newLoader(0)
	c := New(10, ttl, l.load, clock.Now)

	check := func(at string, wantLoads int) {
		t.Helper()
		v := c.Get("sku-1/en-GB")
		want := valueFor("sku-1/en-GB", wantLoads, 0)
		if got := l.loads("sku-1/en-GB"); got != wantLoads || v != want {
			t.Fatalf("%s: Get returned %q after %d loads, want %q after %d loads (ttl %v); "+
				"(go test -v -run TestTTLIsHonoured ./01-memory/bounded-cache)",
				at, v, got, want, wantLoads, ttl)
		}
	}
	check("first Get", 1)
	clock.Advance(40 * time.Second)
	check("40s after the load (fresh)", 1)
	clock.Advance(30 * time.Second)
	check("70s after the load, though read 30s ago (stale: ttl counts from the load)", 2)
	clock.Advance(59 * time.Second)
	check("59s after the second load (fresh)", 2)
	clock.Advance(2 * time.Second)
	check("61s after the second load (stale)", 3)
}

// waitFor waits up to 2s for ch to close, and reports whether it did.
func waitFor(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

// TestMissWhileAnotherGetHits scripts, with hooks, the interleaving in which
// an entry is read and written at once. Two Gets miss the same key and both
// load it: the loader holds the first load until the second has started,
// then holds the second until a third Get, a hit on the entry the first one
// stored, is reading the clock. The second load then stores its value while
// the hit is finishing. A cache that reads an entry outside its mutex, or
// has no mutex, does that read concurrently with the store on every run,
// and go test -race reports it every run.
func TestMissWhileAnotherGetHits(t *testing.T) {
	for round := range 5 {
		key := key("sku-", round, "/fr-FR")
		clock := newFakeClock()
		secondStarted, hitting := make(chan struct{}), make(chan struct{})
		var calls atomic.Int64
		held := 0 // loads that waited for their signal in vain; read after wg.Wait
		var heldMu sync.Mutex
		load := func(k string) string {
			n := calls.Add(1)
			var ok bool
			switch n {
			case 1:
				ok = waitFor(secondStarted)
			case 2:
				close(secondStarted)
				ok = waitFor(hitting)
			default:
				ok = true
			}
			if !ok {
				heldMu.Lock()
				held++
				heldMu.Unlock()
			}
			return valueFor(k, int(n), 8)
		}
		c := New(10, time.Hour, load, clock.Now)
		got := make(chan string, 2)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { got <- c.Get(key) })
		}
		first := <-got // one miss has stored its value; the other is loading
		var once sync.Once
		hit := func() { once.Do(func() { close(hitting) }) }
		clock.OnNextNow(hit)
		third := c.Get(key)
		hit() // a Get that never reads the clock releases the load here
		wg.Wait()
		second := <-got
		for _, v := range []string{first, second, third} {
			if !isValueOf(v, key) {
				t.Fatalf("round %d: Get(%q) returned %q, want a value loaded for that key", round, key, v)
			}
		}
		if v := c.Get(key); !isValueOf(v, key) {
			t.Fatalf("round %d: after the three Gets, Get(%q) = %q", round, key, v)
		}
		if held > 0 {
			t.Logf("the first load waited 2s in vain for a second load of its key (a cache that shares one load per key, or that loads under its lock, never starts one); skipping the other rounds")
			break
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	// Run with -race too: several goroutines read, load, evict and expire
	// entries at the same time, and often miss the same key at once.
	const capacity, keys, workers, perWorker = 200, 300, 8, 10000
	clock := newFakeClock()
	l := newLoader(16)
	slowLoad := func(key string) string {
		runtime.Gosched() // let other goroutines reach the same miss
		return l.load(key)
	}
	c := New(capacity, time.Second, slowLoad, clock.Now)
	var wg sync.WaitGroup
	var wrong atomic.Int64
	var maxLen atomic.Int64
	for w := range workers {
		wg.Go(func() {
			defer func() {
				// A cache with no lock can corrupt its list and crash; say
				// so as a failure of this test rather than end the run.
				if r := recover(); r != nil {
					t.Errorf("a Get panicked while 8 goroutines used the cache at once: %v (go test -race -run TestConcurrentUse ./01-memory/bounded-cache)", r)
				}
			}()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range perWorker {
				key := keyOf("k", rng.IntN(keys))
				if i%2 == 0 {
					key = keyOf("k", rng.IntN(8)) // a few keys everyone wants
				}
				if !isValueOf(c.Get(key), key) {
					wrong.Add(1)
				}
				if w == 0 && i%20 == 0 {
					clock.Advance(300 * time.Millisecond)
				}
				if i%500 == 0 { // Len is read concurrently as well
					n := int64(c.Len())
					for m := maxLen.Load(); n > m && !maxLen.CompareAndSwap(m, n); m = maxLen.Load() {
					}
				}
			}
		})
	}
	wg.Wait()
	if n := wrong.Load(); n > 0 {
		t.Errorf("%d Gets returned a value that belongs to another key, budget 0 (go test -race -run TestConcurrentUse ./01-memory/bounded-cache)", n)
	}
	if n := max(int64(c.Len()), maxLen.Load()); n > capacity {
		t.Errorf("during %d concurrent Gets over %d keys, Len() reached %d, budget ≤ %d (the capacity); go test -race -run TestConcurrentUse ./01-memory/bounded-cache runs it under the race detector",
			workers*perWorker, keys, n, capacity)
	}
}

func TestZeroTTLNeverGoesStale(t *testing.T) {
	// New documents ttl <= 0 as "values never go stale".
	for _, ttl := range []time.Duration{0, -time.Minute} {
		clock := newFakeClock()
		l := newLoader(0)
		c := New(10, ttl, l.load, clock.Now)
		const k = "sku-1/en-GB"
		for i := range 5 {
			if v := c.Get(k); !isValueOf(v, k) {
				t.Fatalf("ttl %v: Get(%q) = %q, want the value loaded for that key", ttl, k, v)
			}
			clock.Advance(time.Duration(i+1) * 24 * time.Hour)
		}
		if n := l.loads(k); n != 1 {
			t.Errorf("ttl %v: 5 Gets of one key over 15 days made %d loads, want 1 (New says ttl <= 0 means values never go stale)", ttl, n)
		}
	}
}

// TestSlowLoadDoesNotBlockOtherKeys holds one load open and requires that
// a Get of another key still completes.
func TestSlowLoadDoesNotBlockOtherKeys(t *testing.T) {
	release := make(chan struct{})
	load := func(k string) string {
		if k == "slow" {
			<-release
		}
		return valueFor(k, 1, 0)
	}
	c := New(10, time.Hour, load, newFakeClock().Now)
	done := make(chan struct{})
	go func() { defer close(done); c.Get("slow") }()
	defer func() { close(release); <-done }()
	fast := make(chan string, 1)
	go func() { fast <- c.Get("fast") }()
	select {
	case v := <-fast:
		if !isValueOf(v, "fast") {
			t.Fatalf("Get(%q) = %q", "fast", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("while one key was loading, a Get of another key waited over 5s, budget: it does not wait; " +
			"a goroutine dump shows where it waits (go test -run TestSlowLoadDoesNotBlockOtherKeys -timeout 10s ./01-memory/bounded-cache prints one when it times out)")
	}
}

// BenchmarkGet replays a mix of traffic: every other request asks for one
// of 200 popular keys, the others for a key never seen before (the long
// tail: search terms, session IDs, product variants). Besides time and
// allocations it reports the hit ratio, the entries held at the end and
// the heap that stays live after the run, per request.
func BenchmarkGet(b *testing.B) {
	const hot, capacity = 200, 1000
	hotKeys := make([]string, hot)
	for i := range hotKeys {
		hotKeys[i] = fmt.Sprintf("sku-%d/en-GB", i)
	}
	var loads atomic.Int64
	c := New(capacity, time.Hour, func(key string) string {
		loads.Add(1)
		return Render(key)
	}, nil)
	before := liveHeap()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			c.Get(hotKeys[(i*7919)%hot])
		} else {
			c.Get(fmt.Sprintf("sku-%d/de-DE", i))
		}
		i++
	}
	b.StopTimer()
	after := liveHeap()
	b.ReportMetric(100*(1-float64(loads.Load())/float64(i)), "hit%")
	b.ReportMetric(float64(c.Len()), "entries")
	b.ReportMetric(float64(int64(after)-int64(before))/float64(i), "retained-B/op")
	runtime.KeepAlive(c)
}

// liveHeap collects garbage and returns the bytes still reachable.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
