package invalidation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/goperflabs/labs/internal/catalog/catalogtest"
	"github.com/goperflabs/labs/internal/testkit"
	"github.com/redis/go-redis/v9"
)

// stepTimeout bounds every wait in a script: a step that does not arrive
// fails the test instead of hanging it.
const stepTimeout = 3 * time.Second

// gate pauses one database call inside a catalog hook until the script
// releases it.
type gate struct {
	arrived chan catalog.Product
	release chan struct{}
}

// scheduler hands out gates to hook calls in the order the script armed
// them: the next AfterRead takes the next read gate, the next AfterWrite
// the next write gate. Calls with no gate armed pass straight through.
type scheduler struct {
	mu            sync.Mutex
	reads, writes []*gate
}

func newScheduler(db *catalog.DB) *scheduler {
	s := &scheduler{}
	db.SetHooks(catalog.Hooks{
		AfterRead:  func(_ int64, p catalog.Product) { s.pause(&s.reads, p) },
		AfterWrite: func(int64) { s.pause(&s.writes, catalog.Product{}) },
	})
	return s
}

func (s *scheduler) pause(q *[]*gate, p catalog.Product) {
	s.mu.Lock()
	if len(*q) == 0 {
		s.mu.Unlock()
		return
	}
	g := (*q)[0]
	*q = (*q)[1:]
	s.mu.Unlock()
	g.arrived <- p
	select {
	case <-g.release:
	case <-time.After(2 * stepTimeout): // never leave a goroutine behind
	}
}

func (s *scheduler) arm(q *[]*gate) *gate {
	g := &gate{arrived: make(chan catalog.Product, 1), release: make(chan struct{})}
	s.mu.Lock()
	*q = append(*q, g)
	s.mu.Unlock()
	return g
}

// pausedRead arms a gate for the next database read; pausedWrite for the
// next committed write.
func (s *scheduler) pausedRead() *gate  { return s.arm(&s.reads) }
func (s *scheduler) pausedWrite() *gate { return s.arm(&s.writes) }

// wait blocks until a call has reached the gate and returns what it read.
func (g *gate) wait(t *testing.T, what string) catalog.Product {
	t.Helper()
	select {
	case p := <-g.arrived:
		return p
	case <-time.After(stepTimeout):
		t.Fatalf("%s never reached the database within %v; does Service read the database on a miss, once?", what, stepTimeout)
	}
	return catalog.Product{}
}

func (g *gate) open() { close(g.release) }

// actor runs one Service call in its own goroutine.
type actor struct {
	what string
	done chan error
	p    catalog.Product
}

func start(what string, f func() (catalog.Product, error)) *actor {
	a := &actor{what: what, done: make(chan error, 1)}
	go func() {
		p, err := f()
		a.p = p
		a.done <- err
	}()
	return a
}

func (a *actor) finish(t *testing.T) catalog.Product {
	t.Helper()
	select {
	case err := <-a.done:
		if err != nil {
			t.Fatalf("%s failed: %v", a.what, err)
		}
		return a.p
	case <-time.After(stepTimeout):
		t.Fatalf("%s did not return within %v; does it wait for a lease held by a paused reader? A reader that cannot fill should just read the database", a.what, stepTimeout)
	}
	return catalog.Product{}
}

type fixture struct {
	r     *testkit.RedisServer
	db    *catalog.DB
	sched *scheduler
	svc   *Service
	ctx   context.Context
}

func setup(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{r: testkit.Redis(t), ctx: context.Background()}
	f.db = catalogtest.Open(t, 20)
	f.sched = newScheduler(f.db)
	f.svc = NewService(f.r.Client, f.r.Prefix, f.db)
	return f
}

func (f *fixture) read(svc *Service, id int64) func() (catalog.Product, error) {
	return func() (catalog.Product, error) { return svc.Product(f.ctx, id) }
}

func (f *fixture) write(svc *Service, id, cents int64) func() (catalog.Product, error) {
	return func() (catalog.Product, error) { return catalog.Product{}, svc.SetPrice(f.ctx, id, cents) }
}

// consistent fails t unless the cached copy of id, if there is one, equals
// the database row, and a read through the service returns the row.
func (f *fixture) consistent(t *testing.T, id int64, story string) {
	t.Helper()
	truth, err := f.db.Product(f.ctx, id)
	if err != nil {
		t.Fatalf("reading product %d from the database: %v", id, err)
	}
	data, err := f.r.Client.Get(f.ctx, f.svc.Key(id)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		// Nothing cached: the next read goes to the database.
	case err != nil:
		t.Fatalf("GET %s: %v", f.svc.Key(id), err)
	default:
		var cached catalog.Product
		if err := json.Unmarshal(data, &cached); err != nil {
			t.Fatalf("cached value of product %d is not JSON: %q", id, data)
		}
		stale := 0
		if cached != truth {
			stale = 1
		}
		testkit.Report(t, testkit.Figure{Name: "stale copies cached", Value: float64(stale), Op: "<=", Budget: 0, Unit: "keys"})
		if stale > 0 {
			t.Errorf("%s\n  → the cache holds price %d for product %d, the database %d: stale copies cached = 1, budget 0. "+
				"It will be served for up to %v (TTL %v). Replay the script and watch the commands of each step with redis-cli MONITOR: "+
				"PERFLAB_REDIS_URL=redis://127.0.0.1:6379/0 go test -run '%s' -v ./04-caching/invalidation",
				story, cached.PriceCents, id, truth.PriceCents, f.r.TTL(f.svc.Key(id)).Round(time.Second), f.svc.TTL, t.Name())
			return
		}
	}
	got, err := f.svc.Product(f.ctx, id)
	if err != nil || got != truth {
		t.Errorf("%s\n  → Product(%d) = price %d, %v; the database has %d", story, id, got.PriceCents, err, truth.PriceCents)
	}
}

// TestStaleSetAfterDelete is the classic race, forced step by step:
// a reader misses and reads the row; a writer changes the price and
// deletes the key; then the reader stores what it read.
func TestStaleSetAfterDelete(t *testing.T) {
	f := setup(t)
	g := f.sched.pausedRead()
	reader := start("reader Product(1)", f.read(f.svc, 1))
	old := g.wait(t, "the reader")
	if err := f.svc.SetPrice(f.ctx, 1, old.PriceCents+100); err != nil {
		t.Fatal(err)
	}
	g.open()
	if got := reader.finish(t); got != old {
		t.Errorf("reader got %+v, want the row it read %+v", got, old)
	}
	f.consistent(t, 1, "1. reader misses, reads price "+fmt.Sprint(old.PriceCents)+
		" and pauses; 2. writer SetPrice(1) commits and invalidates; 3. reader stores what it read")
}

// TestInterleavings runs more scripts, with two writers in some, and
// checks after each that the cache equals the database.
func TestInterleavings(t *testing.T) {
	scripts := []struct {
		name, story string
		run         func(t *testing.T, f *fixture)
	}{
		{"write-pauses-before-invalidating", "1. writer commits and pauses before invalidating; 2. reader misses, reads and fills the new price; 3. writer invalidates",
			func(t *testing.T, f *fixture) {
				w := f.sched.pausedWrite()
				writer := start("writer SetPrice(2)", f.write(f.svc, 2, 4242))
				w.wait(t, "the writer")
				start("reader Product(2)", f.read(f.svc, 2)).finish(t)
				w.open()
				writer.finish(t)
			}},
		{"second-reader-fills-then-first-overwrites", "1. reader A misses, reads the old row and pauses; 2. writer commits and invalidates; 3. reader B misses, reads and fills the new price; 4. reader A stores the old row",
			func(t *testing.T, f *fixture) {
				g := f.sched.pausedRead()
				a := start("reader A Product(3)", f.read(f.svc, 3))
				old := g.wait(t, "reader A")
				if err := f.svc.SetPrice(f.ctx, 3, old.PriceCents+1); err != nil {
					t.Fatal(err)
				}
				start("reader B Product(3)", f.read(f.svc, 3)).finish(t)
				g.open()
				a.finish(t)
			}},
		{"two-writers-stale-fill-cleaned-up", "1. writer 1 commits price 1111 and pauses; 2. reader misses, reads 1111 and pauses; 3. writer 2 commits 2222 and invalidates; 4. reader stores 1111; 5. writer 1 invalidates",
			func(t *testing.T, f *fixture) {
				w1 := f.sched.pausedWrite()
				writer1 := start("writer 1 SetPrice(4, 1111)", f.write(f.svc, 4, 1111))
				w1.wait(t, "writer 1")
				g := f.sched.pausedRead()
				reader := start("reader Product(4)", f.read(f.svc, 4))
				g.wait(t, "the reader")
				start("writer 2 SetPrice(4, 2222)", f.write(f.svc, 4, 2222)).finish(t)
				g.open()
				reader.finish(t)
				w1.open()
				writer1.finish(t)
			}},
		{"two-writers-both-invalidate-before-the-fill", "1. reader misses, reads the old row and pauses; 2. writer 1 commits 1111 and pauses; 3. writer 2 commits 2222 and invalidates; 4. writer 1 invalidates; 5. reader stores the old row",
			func(t *testing.T, f *fixture) {
				g := f.sched.pausedRead()
				reader := start("reader Product(7)", f.read(f.svc, 7))
				g.wait(t, "the reader")
				w1 := f.sched.pausedWrite()
				writer1 := start("writer 1 SetPrice(7, 1111)", f.write(f.svc, 7, 1111))
				w1.wait(t, "writer 1")
				start("writer 2 SetPrice(7, 2222)", f.write(f.svc, 7, 2222)).finish(t)
				w1.open()
				writer1.finish(t)
				g.open()
				reader.finish(t)
			}},
		{"two-instances", "1. instance A misses, reads the old row and pauses; 2. instance B (another client) changes the price; 3. instance A stores the old row",
			func(t *testing.T, f *fixture) {
				other := NewService(f.r.NewClient(), f.r.Prefix, f.db)
				g := f.sched.pausedRead()
				a := start("instance A Product(5)", f.read(f.svc, 5))
				old := g.wait(t, "instance A")
				if err := other.SetPrice(f.ctx, 5, old.PriceCents+7); err != nil {
					t.Fatal(err)
				}
				g.open()
				a.finish(t)
			}},
		{"hit-during-write", "1. product cached; 2. writer commits and pauses; 3. reader hits the old copy; 4. writer invalidates",
			func(t *testing.T, f *fixture) {
				f.svc.Product(f.ctx, 6)
				w := f.sched.pausedWrite()
				writer := start("writer SetPrice(6)", f.write(f.svc, 6, 606))
				w.wait(t, "the writer")
				start("reader Product(6)", f.read(f.svc, 6)).finish(t)
				w.open()
				writer.finish(t)
			}},
	}
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			f := setup(t)
			sc.run(t, f)
			for id := int64(1); id <= 7; id++ {
				f.consistent(t, id, sc.story)
			}
		})
	}
}

// TestStillCaches: the fix must keep the cache useful and every key must
// expire.
func TestStillCaches(t *testing.T) {
	f := setup(t)
	for i := range 200 {
		id := int64(i%5 + 1)
		p, err := f.svc.Product(f.ctx, id)
		if err != nil || p != catalog.Generated(id) {
			t.Fatalf("Product(%d) = %+v, %v; want %+v", id, p, err, catalog.Generated(id))
		}
	}
	q := f.db.Reads()
	testkit.Report(t, testkit.Figure{Name: "database reads", Value: float64(q), Op: "<=", Budget: 5, Unit: "queries"})
	if q > 5 {
		t.Errorf("database reads for 200 reads of 5 products = %d, budget ≤ 5: the cache must still be filled on a miss (the read-mostly benchmark shows queries/1000ops: go test -run '^$' -bench ReadMostly ./04-caching/invalidation)", q)
	}
	if err := f.svc.SetPrice(f.ctx, 1, 99); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.svc.Product(f.ctx, 1); p.PriceCents != 99 {
		t.Errorf("after SetPrice(1, 99), Product(1) has price %d", p.PriceCents)
	}
	if err := f.svc.SetPrice(f.ctx, 999, 1); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("SetPrice(999) error = %v, want catalog.ErrNotFound", err)
	}
	for _, k := range f.r.Keys() {
		if d := f.r.TTL(k); d <= 0 {
			t.Errorf("key %s has no TTL, budget: every key expires (values and any lease or version keys); check with redis-cli PTTL <key>", strings.TrimPrefix(k, f.r.Prefix))
		}
	}
}

// TestConcurrentStress runs readers and writers on two instances at random
// for a bounded number of operations, then checks cache == database for
// every product touched.
func TestConcurrentStress(t *testing.T) {
	f := setup(t)
	other := NewService(f.r.NewClient(), f.r.Prefix, f.db)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		svc := f.svc
		if g%2 == 1 {
			svc = other
		}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 42))
			for range 150 {
				id := int64(1 + rng.IntN(3))
				var err error
				if g < 2 { // two writers, one per instance
					err = svc.SetPrice(f.ctx, id, int64(rng.IntN(100000)))
				} else {
					_, err = svc.Product(f.ctx, id)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for id := int64(1); id <= 3; id++ {
		f.consistent(t, id, "after 1,200 random reads and writes from two instances")
	}
}

// BenchmarkStaleAfterRace forces the race of TestStaleSetAfterDelete once
// per iteration and reports how often the cache ended stale.
func BenchmarkStaleAfterRace(b *testing.B) {
	f := setup(b)
	stale, n := 0, 0
	for b.Loop() {
		id := int64(n%20 + 1)
		f.r.Client.Del(f.ctx, f.svc.Key(id)) // start from a miss
		g := f.sched.pausedRead()
		done := make(chan struct{})
		go func() { f.svc.Product(f.ctx, id); close(done) }()
		var old catalog.Product
		select {
		case old = <-g.arrived:
		case <-time.After(stepTimeout):
			b.Fatal("the reader never reached the database")
		}
		f.svc.SetPrice(f.ctx, id, old.PriceCents+1)
		close(g.release)
		<-done
		if data, err := f.r.Client.Get(f.ctx, f.svc.Key(id)).Bytes(); err == nil {
			var p catalog.Product
			if json.Unmarshal(data, &p) == nil && p.PriceCents == old.PriceCents {
				stale++
			}
		}
		n++
	}
	b.ReportMetric(100*float64(stale)/float64(n), "stale%")
}

// BenchmarkReadMostly serves 95% reads and 5% price changes over 20
// products, and reports database queries and Redis round trips per
// operation (queries per 1,000 operations): what the lease costs.
func BenchmarkReadMostly(b *testing.B) {
	f := setup(b)
	rt := testkit.CountRoundTrips(f.r.Client)
	n := 0
	for b.Loop() {
		id := int64(n%20 + 1)
		if n%20 == 7 { // every 20th operation changes a different product
			f.svc.SetPrice(f.ctx, int64(n/20%20+1), int64(n))
		} else if _, err := f.svc.Product(f.ctx, id); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(1000*float64(f.db.Queries())/float64(n), "queries/1000ops")
	b.ReportMetric(float64(rt.Count())/float64(n), "roundtrips/op")
}
