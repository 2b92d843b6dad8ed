package stampede

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/goperflabs/labs/internal/catalog/catalogtest"
	"github.com/goperflabs/labs/internal/testkit"
)

const (
	// callers is how many requests arrive together for the expired keys.
	callers = 200
	// dbDelay makes each database read slow enough that the burst overlaps.
	dbDelay = 100 * time.Millisecond
	hotID   = 7
)

// hotIDs are the products one burst asks for, mixed: caller i asks for
// hotIDs[i%3], as a popular page's products all expire together.
var hotIDs = []int64{hotID, 12, 31}

// TestStampedeOneInstance: 200 requests for three keys that have just
// expired (here: were never cached), in one process, must make one
// database query per key, and every caller must get its own product.
func TestStampedeOneInstance(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, 100)
	db.SetDelay(dbDelay)

	rdb := r.NewClient()
	barrier := newMissBarrier(callers)
	rdb.AddHook(barrier)
	rt := testkit.CountRoundTrips(rdb)
	svc := NewService(rdb, r.Prefix, db)

	products, errs := burst([]*Service{svc}, callers, hotIDs)
	checkBurstResults(t, hotIDs, products, errs)
	if barrier.timedOut.Load() {
		t.Logf("note: not every caller's first GET passed through the test's hook (pass the request's ctx to Redis calls)")
	}

	queries := db.Reads()
	t.Logf("%d concurrent requests for %d expired keys: %d database queries, %d Redis round trips", callers, len(hotIDs), queries, rt.Count())
	testkit.Report(t, testkit.Figure{Name: "database queries", Value: float64(queries), Op: "<=", Budget: float64(len(hotIDs)), Unit: "queries"})
	if queries > int64(len(hotIDs)) {
		t.Errorf("%d concurrent requests for %d expired keys made %d database queries, budget ≤ %d (one per key); "+
			"count who reads the database with: go test -run TestStampedeOneInstance -v ./04-caching/stampede, "+
			"and against a real server watch the commands arrive with redis-cli MONITOR (the README shows how)",
			callers, len(hotIDs), queries, len(hotIDs))
	}
	// The callers that wait inside the process should not poll Redis:
	// about one GET each plus a few commands per load.
	testkit.RoundTripsAtMost(t, rt, callers*3/2,
		"the commands per request in redis-cli MONITOR: callers waiting inside one process should not each poll Redis")
}

// TestStampedeTwoInstances: the same kind of burst spread over two
// instances of the service (two Redis clients, one database) must still
// make one query per key. First 200 requests for one key: each instance
// must learn through Redis that the other is loading. Then 200 requests
// mixing three other keys: while a loader reads the database, every key in
// Redis must expire.
func TestStampedeTwoInstances(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, 100)
	db.SetDelay(dbDelay)

	barrier := newMissBarrier(callers)
	var services []*Service
	var own []*ownCalls
	for range 2 {
		rdb := r.NewClient()
		rdb.AddHook(barrier)
		own = append(own, countOwnCalls(rdb))
		services = append(services, NewService(rdb, r.Prefix, db))
	}

	one := []int64{hotID}
	products, errs := burst(services, callers, one)
	checkBurstResults(t, one, products, errs)
	twoInstanceQueries(t, db.Reads(), one)
	// Each instance must find out through Redis that the other is loading.
	// If one sent nothing after its callers' first GETs, its callers were
	// answered through memory the two Services share in this process, which
	// two real instances (two processes) do not have.
	for i, o := range own {
		n := o.count()
		testkit.Report(t, testkit.Figure{Name: fmt.Sprintf("instance %d round trips after the first GETs", i+1), Value: float64(n), Op: ">=", Budget: 1, Unit: "round trips"})
		if n == 0 {
			t.Errorf("instance %d sent Redis 0 commands after its callers' first GETs, budget ≥ 1, yet its callers got the product: "+
				"they were served through memory the two Services share inside this test process, which two real instances "+
				"(two processes) do not have. Compare the two client ports in redis-cli MONITOR", i+1)
		}
	}

	mixed := []int64{12, 31, 58}
	held := &heldKeys{c: r.Client, prefix: r.Prefix}
	db.SetHooks(catalog.Hooks{AfterRead: func(int64, catalog.Product) { held.look() }})
	db.ResetQueries()
	barrier.reset()
	products, errs = burst(services, callers, mixed)
	checkBurstResults(t, mixed, products, errs)
	twoInstanceQueries(t, db.Reads(), mixed)
	held.mu.Lock()
	defer held.mu.Unlock()
	if held.err != nil {
		t.Fatalf("scanning Redis while a loader read the database: %v", held.err)
	}
	testkit.Report(t, testkit.Figure{Name: "keys without a TTL while loading", Value: float64(len(held.forever)), Op: "<=", Budget: 0, Unit: "keys"})
	if len(held.forever) > 0 {
		t.Errorf("while a loader was reading the database, Redis held keys without a TTL = %d, budget 0 (e.g. %s): "+
			"if that instance crashed there, the key would block or outlive it for good. Check with redis-cli PTTL <key> during the load (-1: no expiry)",
			len(held.forever), held.forever[0])
	}
}

// twoInstanceQueries gates the database queries of a two-instance burst
// for ids: one per key.
func twoInstanceQueries(t *testing.T, queries int64, ids []int64) {
	t.Helper()
	t.Logf("%d concurrent requests for %d key(s) over 2 instances: %d database queries", callers, len(ids), queries)
	testkit.Report(t, testkit.Figure{Name: fmt.Sprintf("database queries for %d keys", len(ids)), Value: float64(queries), Op: "<=", Budget: float64(len(ids)), Unit: "queries"})
	if queries > int64(len(ids)) {
		t.Errorf("%d concurrent requests for %d expired key(s), spread over 2 instances, made %d database queries, budget ≤ %d in all (one per key); "+
			"the two instances are separate processes that share only Redis. Watch what each one sends with redis-cli MONITOR while running "+
			"PERFLAB_REDIS_URL=redis://127.0.0.1:6379/0 go test -run TestStampedeTwoInstances ./04-caching/stampede",
			callers, len(ids), queries, len(ids))
	}
}

// TestTTLJitter: keys written at the same moment must not all expire in
// the same second, or the stampede comes back for all of them at once.
func TestTTLJitter(t *testing.T) {
	const keys = 1000
	const budget = 0.25
	r := testkit.Redis(t)
	db := catalogtest.Open(t, keys)
	svc := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()

	// Cache every product and read its remaining TTL right after, so the
	// figures are as if all keys had been written at the same instant.
	ttls := make([]time.Duration, 0, keys)
	for id := int64(1); id <= keys; id++ {
		p, err := svc.Product(ctx, id)
		if err != nil || p.ID != id {
			t.Fatalf("Product(%d) = (%+v, %v), want product %d", id, p, err, id)
		}
		ttl, err := r.Client.PTTL(ctx, svc.Key(id)).Result()
		if err != nil {
			t.Fatalf("PTTL %s: %v", svc.Key(id), err)
		}
		if ttl <= 0 {
			t.Fatalf("key %s has TTL %v after Product(%d), budget > 0: every cached product must expire (redis-cli PTTL <key>; -1 means never)", svc.Key(id), ttl, id)
		}
		if ttl < DefaultTTL/2 || ttl > DefaultTTL*2 {
			t.Fatalf("key %s has TTL %v, want within [%v, %v]: jitter should move the TTL by a fraction of DefaultTTL (±10%% is plenty)", svc.Key(id), ttl, DefaultTTL/2, DefaultTTL*2)
		}
		ttls = append(ttls, ttl)
	}

	share, from := busiestSecond(ttls)
	t.Logf("%d keys written together: TTLs from %v to %v; the busiest second (%v–%v) holds %.1f%% of the expiries",
		keys, ttls[0].Round(time.Millisecond), ttls[len(ttls)-1].Round(time.Millisecond),
		from.Round(time.Millisecond), (from + time.Second).Round(time.Millisecond), 100*share)
	testkit.Report(t, testkit.Figure{Name: "expiries in the busiest second", Value: 100 * share, Op: "<=", Budget: 100 * budget, Unit: "%"})
	if share > budget {
		t.Errorf("%d keys written at the same moment: %.0f%% of them expire within the same second (%v–%v), budget ≤ %.0f%%; "+
			"they will all miss together and the stampede repeats for every one of them. "+
			"Inspect the TTLs with: redis-cli --scan --pattern '*product:*' | xargs -n1 redis-cli PTTL | sort -n | uniq -c",
			keys, 100*share, from.Round(time.Millisecond), (from + time.Second).Round(time.Millisecond), 100*budget)
	}
}

// busiestSecond sorts ttls and returns the largest share of them that fall
// within one second, and where that second starts.
func busiestSecond(ttls []time.Duration) (share float64, from time.Duration) {
	slices.Sort(ttls)
	best, j := 0, 0
	for i := range ttls {
		for j < len(ttls) && ttls[j] < ttls[i]+time.Second {
			j++
		}
		if j-i > best {
			best, from = j-i, ttls[i]
		}
	}
	return float64(best) / float64(len(ttls)), from
}

// BenchmarkExpiredHotKey measures one stampede: the hot key is deleted (as
// if it had just expired), then 200 requests arrive together, spread over
// 1 or 2 instances. The database takes 5ms per read. It reports database
// queries and Redis round trips per stampede.
func BenchmarkExpiredHotKey(b *testing.B) {
	for _, instances := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", instances), func(b *testing.B) {
			r := testkit.Redis(b)
			db := catalogtest.Open(b, 100)
			db.SetDelay(5 * time.Millisecond)
			var services []*Service
			var counters []*testkit.RoundTrips
			for range instances {
				rdb := r.NewClient()
				counters = append(counters, testkit.CountRoundTrips(rdb))
				services = append(services, NewService(rdb, r.Prefix, db))
			}
			ctx := context.Background()
			key := services[0].Key(hotID)
			db.ResetQueries()
			var rts int64
			for b.Loop() {
				if err := r.Client.Del(ctx, key).Err(); err != nil {
					b.Fatal(err)
				}
				products, errs := burst(services, callers, []int64{hotID})
				for i := range products {
					if errs[i] != nil || products[i].ID != hotID {
						b.Fatalf("caller %d: (%+v, %v)", i, products[i], errs[i])
					}
				}
			}
			for _, c := range counters {
				rts += c.Count()
			}
			b.ReportMetric(float64(db.Reads())/float64(b.N), "queries/op")
			b.ReportMetric(float64(rts)/float64(b.N), "roundtrips/op")
		})
	}
}
