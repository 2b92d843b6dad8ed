package penetration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/goperflabs/labs/internal/catalog/catalogtest"
	"github.com/goperflabs/labs/internal/testkit"
)

// The catalogue in these tests holds products 1..products; the IDs from
// missingBase+1 on do not exist.
const (
	products    = 100
	missingBase = 1_000_000
)

// wantMissing fails t unless err says "no such product".
func wantMissing(t *testing.T, id int64, p catalog.Product, err error) {
	t.Helper()
	if !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("Product(%d) = (%+v, %v), want catalog.ErrNotFound: a missing product must stay an error the caller can test with errors.Is, not a zero Product", id, p, err)
	}
}

// TestMissingIDsQueryOnce: 1,000 requests for 10 IDs that do not exist
// must reach the database at most once per ID.
func TestMissingIDsQueryOnce(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	svc := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()

	const ids, rounds = 10, 100
	for range rounds {
		for i := range int64(ids) {
			id := missingBase + 1 + i
			p, err := svc.Product(ctx, id)
			wantMissing(t, id, p, err)
		}
	}
	got := db.Reads()
	t.Logf("%d requests for %d missing IDs: %d database queries", ids*rounds, ids, got)
	testkit.Report(t, testkit.Figure{Name: "database queries", Value: float64(got), Op: "<=", Budget: ids, Unit: "queries"})
	if got > ids {
		t.Errorf("%d requests for %d product IDs that do not exist made %d database queries, budget ≤ %d (one per ID); "+
			"see the hit ratio with go test -run '^$' -bench Lookup ./04-caching/penetration, and against a real server "+
			"redis-cli MONITOR shows what each request asks Redis",
			ids*rounds, ids, got, ids)
	}
}

// TestNegativeEntryIsShortLived: what Redis remembers about a missing ID
// must expire soon, so a product created behind the service's back shows
// up within a bounded time. Any key layout is fine: the test looks at
// every key the lookup added under the prefix.
func TestNegativeEntryIsShortLived(t *testing.T) {
	const budget = 60 * time.Second
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	svc := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()

	before := map[string]bool{}
	for _, k := range r.Keys() {
		before[k] = true
	}
	id := int64(missingBase + 42)
	p, err := svc.Product(ctx, id)
	wantMissing(t, id, p, err)

	var added []string
	var longest time.Duration
	forever := 0
	for _, k := range r.Keys() {
		if before[k] {
			continue
		}
		added = append(added, strings.TrimPrefix(k, r.Prefix))
		switch d := r.TTL(k); {
		case d == 0:
			forever++
		case d > longest:
			longest = d
		}
	}
	if len(added) == 0 {
		t.Fatalf("after Product(%d) found no such product, Redis gained no key under the prefix: nothing remembers the answer, "+
			"so the next request for it reaches the database again (redis-cli --scan shows the keys)", id)
	}
	testkit.Report(t, testkit.Figure{Name: "keys without a TTL", Value: float64(forever), Op: "<=", Budget: 0, Unit: "keys"})
	if forever > 0 {
		t.Fatalf("the lookup of missing product %d added %d keys (%s), %d of them with no expiry, budget 0: "+
			"if the product is created later without going through the service, it stays invisible forever (redis-cli PTTL <key>: -1)",
			id, len(added), strings.Join(added, ", "), forever)
	}
	testkit.Report(t, testkit.Figure{Name: "negative entry TTL", Value: longest.Seconds(), Op: "<=", Budget: budget.Seconds(), Unit: "s"})
	if longest > budget {
		t.Errorf("the lookup of missing product %d added keys (%s) that live up to %v, budget ≤ %v; a missing product should be remembered briefly "+
			"(seconds, not the lifetime of a real product); see it with redis-cli PTTL <key>", id, strings.Join(added, ", "), longest, budget)
	}
	t.Logf("the lookup of missing product %d added %s; longest TTL %v", id, strings.Join(added, ", "), longest)

	// On miniredis time can be moved on: once the entries have expired, a
	// product inserted behind the service's back becomes visible.
	if r.Mini != nil && longest > 0 {
		want, err := db.Insert(ctx, catalog.Product{ID: id, Name: "Late Lamp", Category: "home", PriceCents: 2500})
		if err != nil {
			t.Fatal(err)
		}
		r.FastForward(longest + time.Millisecond)
		if got, err := svc.Product(ctx, id); err != nil || got != want {
			t.Errorf("after the negative entry expired, Product(%d) = (%+v, %v), want (%+v, nil)", id, got, err, want)
		}
	}
}

// TestExistingProductsStillServed: products that exist are served, and
// served from Redis after the first read.
func TestExistingProductsStillServed(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	svc := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()

	for round := range 3 {
		for id := int64(1); id <= products; id++ {
			got, err := svc.Product(ctx, id)
			if want := catalog.Generated(id); err != nil || got != want {
				t.Fatalf("round %d: Product(%d) = (%+v, %v), want (%+v, nil)", round, id, got, err, want)
			}
			// Interleave misses, so their entries sit next to real ones.
			_, err = svc.Product(ctx, missingBase+id%7)
			wantMissing(t, missingBase+id%7, catalog.Product{}, err)
		}
	}
	got := db.Reads()
	testkit.Report(t, testkit.Figure{Name: "database queries", Value: float64(got), Op: "<=", Budget: products + 7, Unit: "queries"})
	if got > products+7 {
		t.Errorf("3 rounds over %d products, each followed by a request for one of 7 missing IDs, made %d database queries, budget ≤ %d (one per product, one per missing ID); "+
			"after its first read, a product and a \"no such product\" answer must both come from Redis (go test -run '^$' -bench Lookup ./04-caching/penetration shows the hit ratio of each)",
			products, got, products+7)
	}
}

// TestInsertedLaterVisibleAfterInvalidate: a product created behind the
// service's back is visible as soon as its key is invalidated.
func TestInsertedLaterVisibleAfterInvalidate(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	svc := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()

	id := int64(missingBase + 7)
	p, err := svc.Product(ctx, id)
	wantMissing(t, id, p, err)

	want, err := db.Insert(ctx, catalog.Product{ID: id, Name: "Fresh Mug", Category: "kitchen", PriceCents: 899})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Invalidate(ctx, id); err != nil {
		t.Fatalf("Invalidate(%d): %v", id, err)
	}
	if got, err := svc.Product(ctx, id); err != nil || got != want {
		t.Errorf("after the product was inserted and Invalidate(%d) was called, Product(%d) = (%+v, %v), want (%+v, nil); "+
			"whatever Redis remembered about the ID must go with it (redis-cli --scan shows what is left)", id, id, got, err, want)
	}
}

// TestInsertVisibleRightAway: a product inserted through the service is
// visible at once, even if someone asked for that ID before it existed.
func TestInsertVisibleRightAway(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	svc := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()

	id := int64(missingBase + 8)
	for range 3 {
		p, err := svc.Product(ctx, id)
		wantMissing(t, id, p, err)
	}
	want, err := svc.Insert(ctx, catalog.Product{ID: id, Name: "Brand New Chair", Category: "office", PriceCents: 15900})
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if got, err := svc.Product(ctx, id); err != nil || got != want {
		t.Errorf("right after Service.Insert of product %d, Product(%d) = (%+v, %v), want (%+v, nil); "+
			"the cache still says the product does not exist (redis-cli --scan and GET show what is left)", id, id, got, err, want)
	}
}

// TestDatabaseErrorNotCachedAsMissing: only "no such product" may be
// remembered; a failing database must not make a real product vanish. One
// instance's database fails; another instance, sharing the Redis, has a
// healthy database and must still find the product.
func TestDatabaseErrorNotCachedAsMissing(t *testing.T) {
	r := testkit.Redis(t)
	broken := catalogtest.Open(t, products)
	broken.Close() // every query fails from now on
	healthy := catalogtest.Open(t, products)
	ctx := context.Background()

	_, err := NewService(r.Client, r.Prefix, broken).Product(ctx, 5)
	if err == nil || errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("with the database closed, Product(5) returned %v, want the database's error (not catalog.ErrNotFound)", err)
	}
	got, err := NewService(r.NewClient(), r.Prefix, healthy).Product(ctx, 5)
	vanished := 0
	if err != nil || got != catalog.Generated(5) {
		vanished = 1
	}
	testkit.Report(t, testkit.Figure{Name: "products lost to a database error", Value: float64(vanished), Op: "<=", Budget: 0, Unit: "products"})
	if vanished > 0 {
		t.Errorf("after a database failure on one instance, another instance's Product(5) = (%+v, %v), want product 5: "+
			"the failure was remembered in Redis as if the product did not exist (redis-cli --scan and GET show what was stored)", got, err)
	}
}

// TestReaderInEveryGapOfAnInsert: in each gap between the Redis commands
// Insert sends in turn (before the first, after each), another instance
// asks for the new ID. Once Insert has returned, the product must be
// visible: a reader that ran before the database insert must not leave a
// "no such product" answer behind.
func TestReaderInEveryGapOfAnInsert(t *testing.T) {
	for k := 0; k <= 8; k++ {
		reached := true
		ok := t.Run(fmt.Sprintf("gap-%d", k), func(t *testing.T) { reached = readerInGap(t, k) })
		if !reached || !ok {
			return
		}
	}
}

// readerInGap runs one gap of TestReaderInEveryGapOfAnInsert and reports
// whether Insert reached it.
func readerInGap(t *testing.T, k int) bool {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	reader := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()
	id := int64(missingBase + 9)
	for range 2 { // the ID has been asked for before it exists
		p, err := reader.Product(ctx, id)
		wantMissing(t, id, p, err)
	}
	writer := NewService(r.NewClient(), r.Prefix, db)
	gap := catalogtest.PauseInGap(writer.rdb, k)
	gap.Arm()
	type result struct {
		p   catalog.Product
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := writer.Insert(ctx, catalog.Product{ID: id, Name: "Quick Stool", Category: "home", PriceCents: 4200})
		done <- result{p, err}
	}()
	var where string
	select {
	case where = <-gap.Arrived():
	case res := <-done:
		if res.err != nil {
			t.Fatalf("Insert: %v", res.err)
		}
		return false // fewer gaps than k
	case <-time.After(5 * time.Second):
		t.Fatalf("Insert neither sent a Redis command nor returned within 5s")
	}
	reader.Product(ctx, id) // may find it or not, depending on the gap
	gap.Release()
	var res result
	select {
	case res = <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("Insert did not return within 5s")
	}
	if res.err != nil {
		t.Fatalf("Insert: %v", res.err)
	}
	got, err := reader.Product(ctx, id)
	hidden := 0
	if err != nil || got != res.p {
		hidden = 1
	}
	testkit.Report(t, testkit.Figure{Name: "inserted products not visible", Value: float64(hidden), Op: "<=", Budget: 0, Unit: "products"})
	if hidden > 0 {
		t.Errorf("1. product %d is asked for and does not exist; 2. Insert starts; 3. %s, another instance asks for it; 4. Insert returns\n"+
			"  → Product(%d) = (%+v, %v), want (%+v, nil): inserted products not visible = 1, budget 0. "+
			"Replay it against a real server and watch the order of the commands with redis-cli MONITOR: "+
			"PERFLAB_REDIS_URL=redis://127.0.0.1:6379/0 go test -run 'TestReaderInEveryGapOfAnInsert/gap-%d' ./04-caching/penetration",
			id, where, id, got, err, res.p, k)
	}
	return true
}

// BenchmarkLookup measures one lookup of a product that does not exist
// (cycling over 10 IDs) and one of a product that does (cycling over 10),
// against a database that takes 1ms per read, as if it were across a
// network. It reports the cache hit ratio: the share of lookups that did
// not reach the database.
func BenchmarkLookup(b *testing.B) {
	for _, kind := range []string{"missing", "existing"} {
		b.Run(kind, func(b *testing.B) {
			r := testkit.Redis(b)
			db := catalogtest.Open(b, products)
			db.SetDelay(time.Millisecond)
			svc := NewService(r.Client, r.Prefix, db)
			ctx := context.Background()
			base := int64(1)
			if kind == "missing" {
				base = missingBase + 1
			}
			db.ResetQueries()
			i := int64(0)
			for b.Loop() {
				id := base + i%10
				i++
				_, err := svc.Product(ctx, id)
				if (kind == "missing") != errors.Is(err, catalog.ErrNotFound) {
					b.Fatalf("Product(%d): %v", id, err)
				}
			}
			// The share of lookups answered without a database query.
			b.ReportMetric(100*(1-float64(db.Reads())/float64(b.N)), "hit-%")
		})
	}
}
