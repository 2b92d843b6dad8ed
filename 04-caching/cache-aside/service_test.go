package cacheaside

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
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
	if q := f.db.Queries(); q > 10 {
		t.Errorf("database queries for 1,000 reads of 10 products over 2 instances = %d, budget ≤ 10 (hit ratio %.1f%%); look at Service.Product in service.go: "+
			"look in Redis first and read the database only on a miss; the two instances share only Redis, not memory "+
			"(see it with go run ./04-caching/cache-aside/cmd/productd -bench)",
			q, 100*(1-float64(q)/1000))
	}
}

// TestEveryKeyHasATTL: nothing the service writes may live forever.
func TestEveryKeyHasATTL(t *testing.T) {
	f := setup(t)
	for id := int64(1); id <= 10; id++ {
		get(t, f.svc, id)
	}
	keys := f.r.Keys()
	if len(keys) != 10 {
		t.Fatalf("keys under the prefix after reading 10 products = %d, want 10 (one per product, Service.Key)", len(keys))
	}
	var forever []string
	for _, k := range keys {
		if d := f.r.TTL(k); d <= 0 {
			forever = append(forever, k)
		}
	}
	if len(forever) > 0 {
		t.Errorf("keys without a TTL = %d of %d, budget 0 (e.g. %s); look at the SET in Service.Product (service.go): give every key an expiry, "+
			"check with redis-cli TTL <key> (-1 means it never expires)", len(forever), len(keys), strings.TrimPrefix(forever[0], f.r.Prefix))
	}
	// The cached value must be the product in JSON, so other programs
	// (and the next version of this one) can read it.
	for id := int64(1); id <= 10; id++ {
		data, err := f.r.Client.Get(context.Background(), f.svc.Key(id)).Bytes()
		if err != nil {
			t.Fatalf("GET %s: %v", f.svc.Key(id), err)
		}
		var p catalog.Product
		if err := json.Unmarshal(data, &p); err != nil || p != catalog.Generated(id) {
			t.Fatalf("cached value for product %d = %s (%v); want the product as JSON", id, data, err)
		}
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
	if failed > 0 {
		t.Errorf("with Redis down, %d of 20 requests failed, budget 0 (first: %v); look at Service.Product in service.go: a Redis error is not the user's problem, read the database instead", failed, first)
	}
	if w := f.log.warnings(); len(w) == 0 {
		t.Errorf("with Redis down, warnings logged = 0, want at least 1; log the Redis failure with s.log.Warn (or Error) in Service.Product (service.go) so operators see the cache is gone")
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
