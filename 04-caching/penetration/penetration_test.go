package penetration

import (
	"context"
	"errors"
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
	if got > ids {
		t.Errorf("%d requests for %d product IDs that do not exist made %d database queries, budget ≤ %d (one per ID); "+
			"look at the error path of Service.Product in products.go: a miss that the database answers with catalog.ErrNotFound is never cached, "+
			"so every request for it goes through to the database. Cache the answer \"no such product\" too. "+
			"Run: go test -run TestMissingIDsQueryOnce -v ./04-caching/penetration",
			ids*rounds, ids, got, ids)
	}
}

// TestNegativeEntryIsShortLived: what Redis remembers about a missing ID
// must expire soon, so a product created behind the service's back shows
// up within a bounded time.
func TestNegativeEntryIsShortLived(t *testing.T) {
	const budget = 60 * time.Second
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	svc := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()

	id := int64(missingBase + 42)
	p, err := svc.Product(ctx, id)
	wantMissing(t, id, p, err)

	ttl, err := r.Client.PTTL(ctx, svc.Key(id)).Result()
	if err != nil {
		t.Fatalf("PTTL %s: %v", svc.Key(id), err)
	}
	switch {
	case ttl == -2: // go-redis reports a missing key as -2 (and no expiry as -1)
		t.Fatalf("after Product(%d) found no such product, Redis holds nothing at %s: the next request goes to the database again. "+
			"Look at Service.Product in products.go: store a marker for \"no such product\" under the product's key, with a short TTL", id, svc.Key(id))
	case ttl <= 0:
		t.Fatalf("the \"no such product\" entry %s has no expiry, budget 0 < TTL ≤ %v; "+
			"if the product is created later without going through the service, it would stay invisible forever. Give the marker a short TTL in products.go", svc.Key(id), budget)
	case ttl > budget:
		t.Errorf("the \"no such product\" entry %s lives %v, budget ≤ %v; a missing product should be remembered briefly "+
			"(seconds, not the lifetime of a real product). Look at the TTL of the marker in products.go", svc.Key(id), ttl, budget)
	}
	t.Logf("negative entry %s: TTL %v", svc.Key(id), ttl)

	// On miniredis time can be moved on: once the entry has expired, a
	// product inserted behind the service's back becomes visible.
	if r.Mini != nil && ttl > 0 {
		want, err := db.Insert(ctx, catalog.Product{ID: id, Name: "Late Lamp", Category: "home", PriceCents: 2500})
		if err != nil {
			t.Fatal(err)
		}
		r.FastForward(ttl + time.Millisecond)
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
	if got := db.Reads(); got > products+7 {
		t.Errorf("3 rounds over %d products, each followed by a request for one of 7 missing IDs, made %d database queries, budget ≤ %d (one per product, one per missing ID); "+
			"look at Service.Product in products.go: after its first read, a product and a \"no such product\" answer must both come from Redis",
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
			"look at Service.Invalidate in products.go: it must remove the \"no such product\" entry too", id, id, got, err, want)
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
			"look at Service.Insert in products.go: the cache still says the product does not exist. Invalidate its key after the insert", id, id, got, err, want)
	}
}

// TestDatabaseErrorNotCachedAsMissing: only "no such product" may be
// remembered; a failing database must not make a real product vanish.
func TestDatabaseErrorNotCachedAsMissing(t *testing.T) {
	r := testkit.Redis(t)
	db := catalogtest.Open(t, products)
	svc := NewService(r.Client, r.Prefix, db)
	ctx := context.Background()
	db.Close() // every query fails from now on

	_, err := svc.Product(ctx, 5)
	if err == nil || errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("with the database closed, Product(5) returned %v, want the database's error (not catalog.ErrNotFound)", err)
	}
	n, err := r.Client.Exists(ctx, svc.Key(5)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		v, _ := r.Client.Get(ctx, svc.Key(5)).Result()
		t.Errorf("a database failure was cached at %s (value %q): product 5 exists, but now reads as missing until the entry expires; "+
			"look at Service.Product in products.go: cache the negative answer only when errors.Is(err, catalog.ErrNotFound)", svc.Key(5), v)
	}
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
