package stampede

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/catalog/catalogtest"
	"github.com/goperflabs/labs/internal/testkit"
)

const (
	// callers is how many requests arrive together for the expired key.
	callers = 200
	// dbDelay makes each database read slow enough that the burst overlaps.
	dbDelay = 100 * time.Millisecond
	hotID   = 7
)

// TestStampedeOneInstance: 200 requests for a key that has just expired
// (here: was never cached), in one process, must make one database query.
func TestStampedeOneInstance(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, 100)
	db.SetDelay(dbDelay)

	rdb := r.NewClient()
	barrier := newMissBarrier(callers)
	rdb.AddHook(barrier)
	rt := testkit.CountRoundTrips(rdb)
	svc := NewService(rdb, r.Prefix, db)

	products, errs := burst([]*Service{svc}, callers, hotID)
	checkBurstResults(t, hotID, products, errs)
	if barrier.timedOut.Load() {
		t.Logf("note: not every caller's first GET passed through the test's hook (pass the request's ctx to Redis calls)")
	}

	queries := db.Reads()
	t.Logf("%d concurrent requests for an expired key: %d database queries, %d Redis round trips", callers, queries, rt.Count())
	if queries > 1 {
		t.Errorf("%d concurrent requests for one expired key made %d database queries, budget ≤ 1 per instance; "+
			"look at Service.Product in products.go: every caller that misses reads the database itself. "+
			"Let one goroutine per key load it and the others wait for its result (golang.org/x/sync/singleflight). "+
			"Run: go test -run TestStampedeOneInstance -v ./04-caching/stampede", callers, queries)
	}
	// The callers that wait inside the process should not poll Redis: with
	// singleflight that is 1 GET each plus a few commands for the loader.
	testkit.RoundTripsAtMost(t, rt, callers*3/2,
		"Service.Product in products.go: the callers waiting for the loader in this process should share its result, not poll Redis each (singleflight inside, the Redis lock only across instances)")
}

// TestStampedeTwoInstances: the same burst spread over two instances of the
// service (two Redis clients, one database) must still make one query.
func TestStampedeTwoInstances(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, 100)
	db.SetDelay(dbDelay)

	barrier := newMissBarrier(callers)
	locks := &lockWatch{}
	var services []*Service
	var own []*ownCalls
	for range 2 {
		rdb := r.NewClient()
		rdb.AddHook(barrier)
		rdb.AddHook(locks)
		own = append(own, countOwnCalls(rdb))
		services = append(services, NewService(rdb, r.Prefix, db))
	}

	products, errs := burst(services, callers, hotID)
	checkBurstResults(t, hotID, products, errs)

	queries := db.Reads()
	t.Logf("%d concurrent requests over 2 instances: %d database queries, %d lock attempts", callers, queries, locks.lockSet.Load())
	if queries > 1 {
		t.Errorf("%d concurrent requests for one expired key, spread over 2 instances, made %d database queries, budget ≤ 1 in all; "+
			"singleflight only merges the callers inside one process. Look at Service.Product in products.go: before reading the database, "+
			"take a short lock in Redis (SET <key>:lock <token> NX PX …); the instance that does not get it polls Redis for the value instead. "+
			"Watch it with: redis-cli MONITOR while running go test -run TestStampedeTwoInstances ./04-caching/stampede against a real Redis",
			callers, queries)
	}
	// Each instance must find out through Redis that the other is loading.
	// If one sent nothing after its callers' first GETs, its callers were
	// answered through memory the two Services share in this process, which
	// two real instances (two processes) do not have.
	for i, o := range own {
		if n := o.count(); n == 0 {
			t.Errorf("instance %d sent Redis nothing after its callers' first GETs (0 lock attempts, polls or fills), yet its callers got the product: "+
				"they were served by the other instance's load through memory the two Services share inside this test process "+
				"(a package-level singleflight.Group, mutex or map). Real instances are separate processes that share only Redis. "+
				"Look at products.go: keep the singleflight.Group in the Service struct, and coordinate the instances with the lock in Redis",
				i+1)
		}
	}
	if len(locks.noTTL) > 0 {
		t.Errorf("a lock was taken with no expiry (%q); if the instance holding it crashed, no one would ever load the key again. "+
			"Look at the lock in products.go: give it a PX (a few seconds)", locks.noTTL[0])
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
			t.Fatalf("key %s has TTL %v after Product(%d); every cached product must expire (SET … PX/EX); look at the SET in products.go", svc.Key(id), ttl, id)
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
	if share > budget {
		t.Errorf("%d keys written at the same moment: %.0f%% of them expire within the same second (%v–%v), budget ≤ %.0f%%; "+
			"they will all miss together and the stampede repeats for every one of them. Look at the SET in Service.Product (products.go): "+
			"add random jitter to each key's TTL (for example ±10%% of TTL, math/rand/v2). Inspect with: redis-cli --scan --pattern '*product:*' and PTTL",
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
				products, errs := burst(services, callers, hotID)
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
