package stampede

import (
	"context"
	"fmt"
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
		first := !b.seen[who]
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
			case <-b.all:
			case <-t.C:
				b.timedOut.Store(true)
			}
			t.Stop()
		}
		return err
	}
}

// lockWatch is a go-redis hook that remembers any lock taken without an
// expiry: a SETNX command, or a SET … NX with no EX/PX/EXAT/PXAT.
type lockWatch struct {
	mu      sync.Mutex
	noTTL   []string
	lockSet atomic.Int64
}

func (w *lockWatch) DialHook(next redis.DialHook) redis.DialHook { return next }

func (w *lockWatch) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			w.inspect(c)
		}
		return next(ctx, cmds)
	}
}

func (w *lockWatch) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		w.inspect(cmd)
		return next(ctx, cmd)
	}
}

func (w *lockWatch) inspect(cmd redis.Cmder) {
	args := cmd.Args()
	name := strings.ToLower(cmd.Name())
	nx, ttl := name == "setnx", false
	if name == "set" {
		for _, a := range args[1:] {
			s, ok := a.(string)
			if !ok {
				continue
			}
			switch strings.ToLower(s) {
			case "nx":
				nx = true
			case "ex", "px", "exat", "pxat", "keepttl":
				ttl = true
			}
		}
	}
	if !nx {
		return
	}
	w.lockSet.Add(1)
	if !ttl {
		w.mu.Lock()
		words := make([]string, len(args))
		for i, a := range args {
			words[i] = fmt.Sprint(a)
		}
		w.noTTL = append(w.noTTL, strings.Join(words, " "))
		w.mu.Unlock()
	}
}

// burst calls Product(id) from n goroutines at once, spread round-robin
// over services. All goroutines are started and parked at a gate first,
// then released together. It returns each caller's product and error.
func burst(services []*Service, n int, id int64) ([]catalog.Product, []error) {
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
			products[i], errs[i] = services[i%len(services)].Product(ctx, id)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return products, errs
}

// checkBurstResults fails t unless every caller got product id as the
// generator made it.
func checkBurstResults(t *testing.T, id int64, products []catalog.Product, errs []error) {
	t.Helper()
	want := catalog.Generated(id)
	bad := 0
	for i := range products {
		if errs[i] != nil || products[i] != want {
			if bad == 0 {
				t.Errorf("caller %d got (%+v, %v), want (%+v, nil): every caller must still get the product", i, products[i], errs[i], want)
			}
			bad++
		}
	}
	if bad > 1 {
		t.Errorf("… and %d more callers got a wrong result", bad-1)
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
