package roundtrips

import (
	"context"
	"testing"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/goperflabs/labs/internal/catalog/catalogtest"
	"github.com/goperflabs/labs/internal/testkit"
	"github.com/redis/go-redis/v9"
)

const (
	products = 1000 // the catalogue holds products 1..products
	pageSize = 100
)

// pageIDs returns a page of pageSize product IDs in a scrambled order (as a
// search result would list them), starting from product first.
func pageIDs(first int64) []int64 {
	ids := make([]int64, pageSize)
	for i := range ids {
		ids[i] = first + int64(i*37%pageSize) // 37 is coprime with 100: a permutation
	}
	return ids
}

// expected is what Page must return for ids: the generated products, in
// order, leaving out IDs with no product.
func expected(ids []int64) []catalog.Product {
	var out []catalog.Product
	for _, id := range ids {
		if id >= 1 && id <= products {
			out = append(out, catalog.Generated(id))
		}
	}
	return out
}

// setup returns a Service whose own Redis client counts its round trips.
// The connection is opened (and counted) before the counter is returned,
// so the figures are those of Page alone.
func setup(t testing.TB) (*testkit.RedisServer, *catalog.DB, *Service, *testkit.RoundTrips) {
	t.Helper()
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	rdb := r.NewClient()
	rt := testkit.CountRoundTrips(rdb)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	rt.Reset()
	return r, db, NewService(rdb, r.Prefix, db), rt
}

// checkPage fails t unless got is want, item for item.
func checkPage(t *testing.T, what string, got, want []catalog.Product) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: Page returned %d products, want %d (IDs with no product left out, all others in the order asked)", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: product %d of the page is %+v, want %+v: Page must return the products in the order of ids", what, i, got[i], want[i])
		}
	}
}

// where tells a failing round-trip gate what to look at: the commands one
// page sends, not the code.
func where(page string) string {
	return "the commands of " + page + " in redis-cli MONITOR (PERFLAB_REDIS_URL=redis://127.0.0.1:6379/0 go test -run <test> ./04-caching/round-trips; the README shows how)"
}

// TestWarmPageRoundTrips: a page whose products are all in Redis costs at
// most 2 round trips and no database query. Another instance of the
// service (its own client, same Redis) warms the cache, so the hits have to
// come from Redis, not from memory in the instance under test.
func TestWarmPageRoundTrips(t *testing.T) {
	r, db, svc, rt := setup(t)
	ctx := context.Background()
	ids := pageIDs(101)
	other := NewService(r.NewClient(), r.Prefix, db)
	if _, err := other.Page(ctx, ids); err != nil { // warm the cache
		t.Fatalf("Page: %v", err)
	}
	rt.Reset()
	db.ResetQueries()

	got, err := svc.Page(ctx, ids)
	if err != nil {
		t.Fatalf("Page: %v", err)
	}
	checkPage(t, "warm page", got, expected(ids))
	t.Logf("warm page of %d: %d Redis round trips, %d database queries", pageSize, rt.Count(), db.Reads())
	q := db.Reads()
	testkit.Report(t, testkit.Figure{Name: "database queries", Value: float64(q), Op: "<=", Budget: 0, Unit: "queries"})
	if q != 0 {
		t.Errorf("a page that another instance had just cached made %d database queries, budget 0: the instances share only Redis, so the hits must come from there (redis-cli MONITOR shows what the page asks)", q)
	}
	testkit.RoundTripsAtMost(t, rt, 2, where("a warm page of 100 products"))
}

// TestColdPageRoundTrips: a page of products not in Redis yet costs at most
// 3 round trips, and leaves every product cached with a TTL.
func TestColdPageRoundTrips(t *testing.T) {
	r, db, svc, rt := setup(t)
	ctx := context.Background()
	ids := pageIDs(301)

	got, err := svc.Page(ctx, ids)
	if err != nil {
		t.Fatalf("Page: %v", err)
	}
	checkPage(t, "cold page", got, expected(ids))
	t.Logf("cold page of %d: %d Redis round trips, %d database queries", pageSize, rt.Count(), db.Reads())
	testkit.RoundTripsAtMost(t, rt, 3, where("a cold page of 100 products"))

	// Every product must now be cached, with an expiry.
	pipe := r.Client.Pipeline()
	ttls := make([]*redis.DurationCmd, len(ids))
	for i, id := range ids {
		ttls[i] = pipe.PTTL(ctx, svc.Key(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("reading TTLs: %v", err)
	}
	for i, c := range ttls {
		switch d := c.Val(); {
		case d == -2: // go-redis: no such key
			t.Fatalf("after a cold page, %s is not in Redis: every product read from the database must be written back (redis-cli --scan shows the keys)", svc.Key(ids[i]))
		case d <= 0:
			t.Fatalf("after a cold page, %s has no expiry, budget: every key expires; check with redis-cli PTTL <key> (-1 means never)", svc.Key(ids[i]))
		}
	}
	// And the next page costs no database query.
	db.ResetQueries()
	if _, err := svc.Page(ctx, ids); err != nil {
		t.Fatalf("Page: %v", err)
	}
	if q := db.Reads(); q != 0 {
		t.Errorf("the second read of a page made %d database queries, budget 0: the first must have cached every product", q)
	}
}

// TestPageWithMissingIDs: IDs with no product are left out, the rest stay
// in order, and the round-trip budgets still hold.
func TestPageWithMissingIDs(t *testing.T) {
	_, _, svc, rt := setup(t)
	ctx := context.Background()
	ids := pageIDs(501)
	for i := 0; i < len(ids); i += 10 {
		ids[i] = products + 1 + int64(i) // 10 IDs that do not exist, spread over the page
	}
	want := expected(ids)

	got, err := svc.Page(ctx, ids)
	if err != nil {
		t.Fatalf("Page with 10 unknown IDs: %v (unknown IDs are left out, not an error)", err)
	}
	checkPage(t, "cold page with 10 unknown IDs", got, want)
	testkit.RoundTripsAtMost(t, rt, 3, where("a cold page with 10 unknown IDs"))

	rt.Reset()
	got, err = svc.Page(ctx, ids)
	if err != nil {
		t.Fatalf("Page: %v", err)
	}
	checkPage(t, "warm page with 10 unknown IDs", got, want)
	testkit.RoundTripsAtMost(t, rt, 2, where("a warm page with 10 unknown IDs"))
}

// TestHalfCachedPage: another instance has cached every other product of
// the page; the page must still come back in the order asked, read only
// the 50 misses from the database, and keep the round-trip budget.
func TestHalfCachedPage(t *testing.T) {
	r, db, svc, rt := setup(t)
	ctx := context.Background()
	ids := pageIDs(601)
	var half []int64
	for i := 0; i < len(ids); i += 2 {
		half = append(half, ids[i])
	}
	if _, err := NewService(r.NewClient(), r.Prefix, db).Page(ctx, half); err != nil {
		t.Fatalf("Page: %v", err)
	}
	rt.Reset()
	db.ResetQueries()
	got, err := svc.Page(ctx, ids)
	if err != nil {
		t.Fatalf("Page: %v", err)
	}
	checkPage(t, "half-cached page (every other product cached)", got, expected(ids))
	q := db.Reads()
	testkit.Report(t, testkit.Figure{Name: "database queries", Value: float64(q), Op: "<=", Budget: pageSize / 2, Unit: "queries"})
	if q > pageSize/2 {
		t.Errorf("a page of %d with %d products cached made %d database queries, budget ≤ %d (the misses only)", pageSize, pageSize/2, q, pageSize/2)
	}
	testkit.RoundTripsAtMost(t, rt, 3, where("a half-cached page"))
}

// TestRedisIsTheCache: when Redis forgets everything and the prices change
// in the database meanwhile, the next page must show the new prices: the
// only cache is Redis. A copy kept in process memory would still answer
// the old ones.
func TestRedisIsTheCache(t *testing.T) {
	r, db, svc, _ := setup(t)
	ctx := context.Background()
	ids := pageIDs(701)
	if _, err := svc.Page(ctx, ids); err != nil {
		t.Fatalf("Page: %v", err)
	}
	for _, id := range ids {
		if err := db.SetPrice(ctx, id, 900_000+id); err != nil {
			t.Fatal(err)
		}
	}
	if keys := r.Keys(); len(keys) > 0 {
		if err := r.Client.Del(ctx, keys...).Err(); err != nil {
			t.Fatalf("DEL: %v", err)
		}
	}
	got, err := svc.Page(ctx, ids)
	if err != nil {
		t.Fatalf("Page: %v", err)
	}
	stale := 0
	for _, p := range got {
		if p.PriceCents != 900_000+p.ID {
			stale++
		}
	}
	testkit.Report(t, testkit.Figure{Name: "stale products", Value: float64(stale), Op: "<=", Budget: 0, Unit: "products"})
	if stale > 0 || len(got) != len(ids) {
		t.Errorf("after Redis was emptied and the prices changed in the database, the page had %d stale products of %d, budget 0: "+
			"the answers came from somewhere other than Redis or the database (redis-cli MONITOR shows whether the page asks Redis)", stale, len(got))
	}
}

// TestSmallPages: an empty page and a page of one work.
func TestSmallPages(t *testing.T) {
	_, _, svc, _ := setup(t)
	ctx := context.Background()
	got, err := svc.Page(ctx, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("Page(nil) = (%v, %v), want an empty page and no error (Redis rejects an MGET with no keys)", got, err)
	}
	for range 2 {
		got, err = svc.Page(ctx, []int64{42})
		if err != nil {
			t.Fatalf("Page([42]): %v", err)
		}
		checkPage(t, "page of one", got, expected([]int64{42}))
	}
}

// BenchmarkPage measures one page of 100 products: warm (all cached) and
// cold (none cached; the keys are deleted before each page, outside the
// timer). It reports Redis round trips per page.
func BenchmarkPage(b *testing.B) {
	for _, warm := range []bool{true, false} {
		name := map[bool]string{true: "warm", false: "cold"}[warm]
		b.Run(name, func(b *testing.B) {
			r, _, svc, rt := setup(b)
			ctx := context.Background()
			ids := pageIDs(101)
			keys := make([]string, len(ids))
			for i, id := range ids {
				keys[i] = svc.Key(id)
			}
			if _, err := svc.Page(ctx, ids); err != nil {
				b.Fatal(err)
			}
			rt.Reset()
			for b.Loop() {
				if !warm {
					b.StopTimer()
					if err := r.Client.Del(ctx, keys...).Err(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				got, err := svc.Page(ctx, ids)
				if err != nil || len(got) != pageSize {
					b.Fatalf("Page: %d products, %v", len(got), err)
				}
			}
			b.ReportMetric(float64(rt.Count())/float64(b.N), "roundtrips/op")
		})
	}
}
