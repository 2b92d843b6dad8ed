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

// where tells a failing round-trip gate what to look at.
func where(page string) string {
	return "Service.Page in page.go (" + page + "): it sends one GET per product, and one SET per miss. " +
		"Fetch the whole page with one MGET, read the misses from the database, and write them back in one pipeline (rdb.Pipelined) with their TTLs"
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
	if q := db.Reads(); q != 0 {
		t.Errorf("a page that another instance had just cached made %d database queries, budget 0; look at Service.Page in page.go: hits must come from Redis (the instances share only Redis)", q)
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
			t.Fatalf("after a cold page, %s is not in Redis: every product read from the database must be written back; look at Service.Page in page.go", svc.Key(ids[i]))
		case d <= 0:
			t.Fatalf("after a cold page, %s has no expiry: every product written back needs a TTL (SET … PX, in the same pipeline); look at Service.Page in page.go", svc.Key(ids[i]))
		}
	}
	// And the next page costs no database query.
	db.ResetQueries()
	if _, err := svc.Page(ctx, ids); err != nil {
		t.Fatalf("Page: %v", err)
	}
	if q := db.Reads(); q != 0 {
		t.Errorf("the second read of a page made %d database queries, budget 0: the first must have cached every product; look at Service.Page in page.go", q)
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
