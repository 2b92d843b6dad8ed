package cacheaside

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/goperflabs/labs/internal/catalog/catalogtest"
	"github.com/goperflabs/labs/internal/testkit"
	"github.com/redis/go-redis/v9"
)

// go-redis prints every failed dial to stderr; these tests check what the
// service logs, so its own chatter is dropped.
func init() { redis.SetLogger(quietRedis{}) }

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// logRecorder is a slog.Handler that keeps every record, so a test can
// check that a failure was logged.
type logRecorder struct {
	mu   sync.Mutex
	recs []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Level >= slog.LevelWarn {
		h.recs = append(h.recs, b.String())
	}
	return nil
}

// warnings returns the records logged at Warn level or above.
func (h *logRecorder) warnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.recs...)
}

type fixture struct {
	r   *testkit.RedisServer
	db  *catalog.DB
	log *logRecorder
	svc *Service
}

func setup(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{r: testkit.Redis(t), log: &logRecorder{}}
	f.db = catalogtest.Open(t, 100)
	f.svc = NewService(f.r.Client, f.r.Prefix, f.db, slog.New(f.log))
	return f
}

// get calls Product and checks the answer against the generated data.
func get(t *testing.T, svc *Service, id int64) {
	t.Helper()
	got, err := svc.Product(context.Background(), id)
	if err != nil {
		t.Fatalf("Product(%d) failed: %v", id, err)
	}
	if want := catalog.Generated(id); got != want {
		t.Fatalf("Product(%d) = %+v, want %+v", id, got, want)
	}
}

// TestReadsHitTheCache: 1,000 reads over 10 products may reach the
// database at most once per product. The reads alternate, ten at a time,
// between two instances of the service that share one Redis (as two
// processes behind a load balancer would), so the cache that counts is the
// one in Redis: a copy kept in process memory is not shared.
func TestReadsHitTheCache(t *testing.T) {
	f := setup(t)
	instances := []*Service{f.svc, NewService(f.r.NewClient(), f.r.Prefix, f.db, slog.New(f.log))}
	for i := range 1000 {
		get(t, instances[i/10%2], int64(i%10+1))
	}
	q := f.db.Queries()
	testkit.Report(t, testkit.Figure{Name: "database queries", Value: float64(q), Op: "<=", Budget: 10, Unit: "queries"})
	if q > 10 {
		t.Errorf("database queries for 1,000 reads of 10 products over 2 instances = %d, budget ≤ 10 (hit ratio %.1f%%); "+
			"the two instances share only Redis, not memory. See it with: go run ./04-caching/cache-aside/cmd/productd -bench "+
			"(the DB queries and hit columns), and against a real server redis-cli MONITOR shows what each request asks Redis",
			q, 100*(1-float64(q)/1000))
	}
}

// TestRedisIsTheCache: when Redis forgets everything (a restart, a flush,
// an eviction) and the prices change in the database meanwhile, every
// instance must read the new prices: the only cache is Redis. A copy kept
// in process memory, even behind the Redis lookup, would still answer the
// old prices.
func TestRedisIsTheCache(t *testing.T) {
	f := setup(t)
	instances := []*Service{f.svc, NewService(f.r.NewClient(), f.r.Prefix, f.db, slog.New(f.log))}
	ctx := context.Background()
	for id := int64(1); id <= 10; id++ {
		get(t, instances[id%2], id)
	}
	// Behind the services' back: new prices in the database, and an empty
	// cache in Redis (whatever layout the service chose for its keys).
	for id := int64(1); id <= 10; id++ {
		if err := f.db.SetPrice(ctx, id, 100_000+id); err != nil {
			t.Fatal(err)
		}
	}
	if keys := f.r.Keys(); len(keys) > 0 {
		if err := f.r.Client.Del(ctx, keys...).Err(); err != nil {
			t.Fatalf("DEL: %v", err)
		}
	}
	stale := 0
	var first string
	for i := range 20 {
		id := int64(i%10 + 1)
		got, err := instances[i%2].Product(ctx, id)
		if err != nil {
			t.Fatalf("Product(%d) failed: %v", id, err)
		}
		if got.PriceCents != 100_000+id {
			if stale == 0 {
				first = fmt.Sprintf("Product(%d) has price %d, the database %d", id, got.PriceCents, 100_000+id)
			}
			stale++
		}
	}
	testkit.Report(t, testkit.Figure{Name: "stale answers", Value: float64(stale), Op: "<=", Budget: 0, Unit: "answers"})
	if stale > 0 {
		t.Errorf("after Redis was emptied and the prices changed in the database, stale answers = %d of 20, budget 0 (first: %s); "+
			"the answers came from somewhere other than Redis or the database. Against a real server, redis-cli MONITOR shows "+
			"whether each request asks Redis: PERFLAB_REDIS_URL=redis://127.0.0.1:6379/0 go test -run TestRedisIsTheCache ./04-caching/cache-aside",
			stale, first)
	}
}

// TestEveryKeyHasATTL: nothing the service writes may live forever. Any
// representation the service reads back is fine (a JSON string, a hash…);
// what counts is that every key it leaves expires.
func TestEveryKeyHasATTL(t *testing.T) {
	f := setup(t)
	for id := int64(1); id <= 10; id++ {
		get(t, f.svc, id)
	}
	keys := f.r.Keys()
	if len(keys) == 0 {
		t.Fatalf("keys under the prefix after reading 10 products = 0, want some; the service must store what it reads in Redis (redis-cli --scan shows the keys)")
	}
	var forever []string
	for _, k := range keys {
		if d := f.r.TTL(k); d <= 0 {
			forever = append(forever, k)
		}
	}
	testkit.Report(t, testkit.Figure{Name: "keys without a TTL", Value: float64(len(forever)), Op: "<=", Budget: 0, Unit: "keys"})
	if len(forever) > 0 {
		t.Errorf("keys without a TTL = %d of %d, budget 0 (e.g. %s); check with redis-cli TTL <key> (-1 means it never expires)",
			len(forever), len(keys), strings.TrimPrefix(forever[0], f.r.Prefix))
	}
	// And what was stored is what the service reads back.
	for id := int64(1); id <= 10; id++ {
		get(t, f.svc, id)
	}
}

// TestConcurrentReads: the service is used by many requests at once. Two
// requests for product 3 are held inside the database read until both
// have arrived, so two loads of one key always overlap (and the race
// detector sees them); every answer must still be right.
func TestConcurrentReads(t *testing.T) {
	f := setup(t)
	other := NewService(f.r.NewClient(), f.r.Prefix, f.db, slog.New(f.log))
	both := make(chan struct{})
	var once sync.Once
	var inside atomic.Int32
	f.db.SetHooks(catalog.Hooks{AfterRead: func(id int64, _ catalog.Product) {
		if id != 3 {
			return
		}
		if inside.Add(1) == 2 {
			once.Do(func() { close(both) })
		}
		select {
		case <-both:
		case <-time.After(2 * time.Second):
		}
	}})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		svc := []*Service{f.svc, other}[g%2]
		wg.Go(func() {
			for i := range 40 {
				id := int64((g+i)%10 + 1)
				if g < 2 {
					id = 3 // the two callers that meet inside the database
				}
				got, err := svc.Product(context.Background(), id)
				if err == nil && got != catalog.Generated(id) {
					err = fmt.Errorf("Product(%d) = %+v, want %+v", id, got, catalog.Generated(id))
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
}

func TestNotFound(t *testing.T) {
	f := setup(t)
	for range 2 {
		if _, err := f.svc.Product(context.Background(), 5000); !errors.Is(err, catalog.ErrNotFound) {
			t.Fatalf("Product(5000) error = %v, want catalog.ErrNotFound", err)
		}
	}
}

// checkDown reads products 1..10 twice through svc, whose Redis is down:
// every request must be answered, and the failure must be logged.
func checkDown(t *testing.T, f *fixture, svc *Service) {
	t.Helper()
	failed := 0
	var first error
	for i := range 20 {
		id := int64(i%10 + 1)
		got, err := svc.Product(context.Background(), id)
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
			continue
		}
		if want := catalog.Generated(id); got != want {
			t.Fatalf("with Redis down, Product(%d) = %+v, want %+v", id, got, want)
		}
	}
	testkit.Report(t, testkit.Figure{Name: "failed requests with Redis down", Value: float64(failed), Op: "<=", Budget: 0, Unit: "requests"})
	if failed > 0 {
		t.Errorf("with Redis down, %d of 20 requests failed, budget 0 (first: %v); the database was up the whole time. "+
			"See it over HTTP with: go run ./04-caching/cache-aside/cmd/productd -bench (the redis down row)", failed, first)
	}
	w := f.log.warnings()
	testkit.Report(t, testkit.Figure{Name: "warnings logged with Redis down", Value: float64(len(w)), Op: ">=", Budget: 1, Unit: "records"})
	if len(w) == 0 {
		t.Errorf("with Redis down, Warn or Error records logged to the service's *slog.Logger = 0, budget ≥ 1: operators would not see that the cache is gone " +
			"(productd -bench prints the count too)")
	} else {
		t.Logf("logged %d warnings, first: %s", len(w), w[0])
	}
}

// TestRedisDown: a dead Redis must not take the service down.
func TestRedisDown(t *testing.T) {
	f := setup(t)
	start := time.Now()
	checkDown(t, f, NewService(testkit.DownRedis(t), f.r.Prefix, f.db, slog.New(f.log)))
	t.Logf("20 requests with Redis down took %v", time.Since(start).Round(time.Millisecond))
}

// TestRedisDiesMidway stops the embedded server after the cache is warm
// (miniredis only: a real server is not ours to stop). The client gives up
// on the first failed dial: go-redis's default of 5 dial attempts 100ms
// apart would make every request wait half a second.
func TestRedisDiesMidway(t *testing.T) {
	f := setup(t)
	if f.r.Mini == nil {
		t.Skip("needs the embedded miniredis; TestRedisDown covers a real server")
	}
	c := redis.NewClient(&redis.Options{Addr: f.r.Mini.Addr(), DialerRetries: 1, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	svc := NewService(c, f.r.Prefix, f.db, slog.New(f.log))
	for id := int64(1); id <= 10; id++ {
		get(t, svc, id)
	}
	f.r.Mini.Close()
	checkDown(t, f, svc)
}

// BenchmarkProduct reads 10 products round robin through the service. The
// sub-benchmarks differ in the database: local SQLite as it is, and SQLite
// with 1ms added per query, like a database across a network.
func BenchmarkProduct(b *testing.B) {
	for _, bc := range []struct {
		name  string
		delay time.Duration
	}{{"db=sqlite", 0}, {"db=sqlite+1ms", time.Millisecond}} {
		b.Run(bc.name, func(b *testing.B) {
			f := setup(b)
			f.db.SetDelay(bc.delay)
			ctx := context.Background()
			n := 0
			for b.Loop() {
				if _, err := f.svc.Product(ctx, int64(n%10+1)); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(1000*float64(f.db.Queries())/float64(n), "queries/1000ops")
			b.ReportMetric(100*(1-float64(f.db.Queries())/float64(n)), "hit%")
		})
	}
}
