package stampede

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/goperflabs/labs/internal/testkit"
	"github.com/redis/go-redis/v9"
)

// callerKey tags a request's context with the number of the goroutine that
// makes it, so missBarrier can tell the callers apart.
type callerKey struct{}

// missBarrier is a go-redis hook that makes a burst of requests overlap
// for certain, whatever the scheduler does: each tagged caller, once the
// reply to its first GET has arrived, waits until all n callers have had
// theirs (or until timeout). So every caller has seen the miss before any
// of them goes on to the database, which is exactly the moment after a hot
// key expires. Untagged calls and later commands pass straight through.
type missBarrier struct {
	n       int
	timeout time.Duration

	mu   sync.Mutex
	seen map[int]bool
	all  chan struct{}

	timedOut atomic.Bool
}

func newMissBarrier(n int) *missBarrier {
	return &missBarrier{n: n, timeout: 3 * time.Second, seen: map[int]bool{}, all: make(chan struct{})}
}

// reset makes the barrier ready for the next burst.
func (b *missBarrier) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen = map[int]bool{}
	b.all = make(chan struct{})
}

func (b *missBarrier) DialHook(next redis.DialHook) redis.DialHook { return next }

func (b *missBarrier) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (b *missBarrier) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		who, tagged := ctx.Value(callerKey{}).(int)
		if !tagged || cmd.Name() != "get" {
			return err
		}
		b.mu.Lock()
		first, all := !b.seen[who], b.all
		if first {
			b.seen[who] = true
			if len(b.seen) == b.n {
				close(b.all)
			}
		}
		b.mu.Unlock()
		if first {
			t := time.NewTimer(b.timeout)
			select {
			case <-all:
			case <-t.C:
				b.timedOut.Store(true)
			}
			t.Stop()
		}
		return err
	}
}

// heldKeys watches Redis while a loader is inside the database read (from
// a catalog AfterRead hook): every key under the prefix at that moment,
// whatever made it (SET NX, a Lua script, …), must expire, or a loader
// that crashed there would leave it behind for good.
type heldKeys struct {
	c      *redis.Client
	prefix string

	mu      sync.Mutex
	looks   int
	seen    int
	forever []string
	err     error
}

// look scans the keys under the prefix and records those without a TTL.
func (h *heldKeys) look() {
	ctx := context.Background()
	var cursor uint64
	var seen int
	var forever []string
	for {
		keys, next, err := h.c.Scan(ctx, cursor, h.prefix+"*", 1000).Result()
		if err != nil {
			h.record(0, nil, err)
			return
		}
		for _, k := range keys {
			ms, err := h.c.PTTL(ctx, k).Result()
			if err != nil {
				h.record(0, nil, err)
				return
			}
			seen++
			if ms == -1 { // exists, no expiry (go-redis returns -1ns)
				forever = append(forever, strings.TrimPrefix(k, h.prefix))
			}
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	h.record(seen, forever, nil)
}

func (h *heldKeys) record(seen int, forever []string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.looks++
	h.seen += seen
	h.forever = append(h.forever, forever...)
	if h.err == nil {
		h.err = err
	}
}

// burst calls Product from n goroutines at once, spread round-robin over
// services; caller i asks for ids[i%len(ids)], so one burst mixes
// products. All goroutines are started and parked at a gate first, then
// released together. It returns each caller's product and error.
func burst(services []*Service, n int, ids []int64) ([]catalog.Product, []error) {
	products := make([]catalog.Product, n)
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ctx := context.WithValue(context.Background(), callerKey{}, i)
			ready.Done()
			<-start
			products[i], errs[i] = services[i%len(services)].Product(ctx, ids[i%len(ids)])
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return products, errs
}

// checkBurstResults fails t unless every caller got the product it asked
// for (ids[i%len(ids)]) as the generator made it.
func checkBurstResults(t *testing.T, ids []int64, products []catalog.Product, errs []error) {
	t.Helper()
	bad := 0
	for i := range products {
		want := catalog.Generated(ids[i%len(ids)])
		if errs[i] != nil || products[i] != want {
			if bad == 0 {
				t.Errorf("caller %d asked for product %d and got (%+v, %v), want (%+v, nil): every caller must get the product it asked for", i, want.ID, products[i], errs[i], want)
			}
			bad++
		}
	}
	testkit.Report(t, testkit.Figure{Name: "wrong answers", Value: float64(bad), Op: "<=", Budget: 0, Unit: "callers"})
	if bad > 1 {
		t.Errorf("… wrong answers = %d of %d callers, budget 0", bad, len(products))
	}
}

// ownCalls counts, for one instance, the round trips it makes besides each
// tagged caller's first GET (lock attempts, polls, re-checks, fills); the
// commands go-redis sends by itself to open a connection are not counted.
// Two instances of a real application are two processes that share only
// Redis, so each has to ask Redis something more than its callers' first
// GETs to learn that the other one is loading. An instance that asks
// nothing more was served through memory the two Services share inside the
// test process, such as a package-level singleflight.Group.
type ownCalls struct {
	rt *testkit.RoundTrips

	mu   sync.Mutex
	seen map[int]bool
}

// countOwnCalls installs an ownCalls on c.
func countOwnCalls(c *redis.Client) *ownCalls {
	o := &ownCalls{rt: testkit.CountRoundTrips(c), seen: map[int]bool{}}
	c.AddHook(o)
	return o
}

func (o *ownCalls) DialHook(next redis.DialHook) redis.DialHook { return next }

func (o *ownCalls) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (o *ownCalls) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if who, tagged := ctx.Value(callerKey{}).(int); tagged && cmd.Name() == "get" {
			o.mu.Lock()
			o.seen[who] = true
			o.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

// count returns the round trips beyond the tagged callers' first GETs.
func (o *ownCalls) count() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rt.Count() - int64(len(o.seen))
}
