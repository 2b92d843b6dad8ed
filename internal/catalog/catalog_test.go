package catalog

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func open(t *testing.T, n int) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestProductMatchesGenerated(t *testing.T) {
	ctx := context.Background()
	db := open(t, 100)
	zero := 0
	for id := int64(1); id <= 100; id++ {
		got, err := db.Product(ctx, id)
		if err != nil {
			t.Fatalf("Product(%d): %v", id, err)
		}
		if want := Generated(id); got != want {
			t.Fatalf("Product(%d) = %+v, want %+v", id, got, want)
		}
		if got.Reviews == 0 {
			zero++
		}
	}
	if zero == 0 || zero == 100 {
		t.Errorf("products without reviews = %d of 100; want some but not all", zero)
	}
	if q, r := db.Queries(), db.Reads(); q != 100 || r != 100 {
		t.Errorf("Queries, Reads = %d, %d; want 100, 100", q, r)
	}
	if _, err := db.Product(ctx, 101); !errors.Is(err, ErrNotFound) {
		t.Errorf("Product(101) error = %v, want ErrNotFound", err)
	}
	db.ResetQueries()
	if db.Queries() != 0 || db.Reads() != 0 {
		t.Errorf("after ResetQueries: %d, %d", db.Queries(), db.Reads())
	}
}

func TestWrites(t *testing.T) {
	ctx := context.Background()
	db := open(t, 10)
	if err := db.SetPrice(ctx, 3, 12345); err != nil {
		t.Fatal(err)
	}
	if p, _ := db.Product(ctx, 3); p.PriceCents != 12345 {
		t.Errorf("price after SetPrice = %d, want 12345", p.PriceCents)
	}
	if err := db.SetPrice(ctx, 99, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetPrice(99) error = %v, want ErrNotFound", err)
	}
	p, err := db.Insert(ctx, Product{Name: "New", Category: "home", PriceCents: 500, Rating: 4, Reviews: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != 11 || p.Rating != 0 || p.Reviews != 0 {
		t.Errorf("Insert returned %+v; want id 11, no reviews", p)
	}
	if got, _ := db.Product(ctx, 11); got != p {
		t.Errorf("Product(11) = %+v, want %+v", got, p)
	}
	if p, err := db.Insert(ctx, Product{ID: 500, Name: "Far", Category: "home", PriceCents: 1}); err != nil || p.ID != 500 {
		t.Errorf("Insert with ID 500 = %+v, %v", p, err)
	}
	if q, r := db.Queries(), db.Reads(); q != 6 || r != 2 {
		t.Errorf("Queries, Reads = %d, %d; want 6, 2", q, r)
	}
}

func TestHooks(t *testing.T) {
	ctx := context.Background()
	db := open(t, 5)
	var reads, writes atomic.Int64
	db.SetHooks(Hooks{
		AfterRead:  func(id int64, p Product) { reads.Add(id) },
		AfterWrite: func(id int64) { writes.Add(id) },
	})
	db.Product(ctx, 2)
	db.Product(ctx, 9) // not found: no hook
	db.SetPrice(ctx, 4, 1)
	db.SetPrice(ctx, 9, 1) // not found: no hook
	if reads.Load() != 2 || writes.Load() != 4 {
		t.Errorf("hooks saw reads %d, writes %d; want 2, 4", reads.Load(), writes.Load())
	}
	db.SetHooks(Hooks{})
	db.Product(ctx, 1)
	if reads.Load() != 2 {
		t.Errorf("hook still called after SetHooks(Hooks{})")
	}
}

func TestDelay(t *testing.T) {
	db := open(t, 5)
	db.SetDelay(20 * time.Millisecond)
	start := time.Now()
	if _, err := db.Product(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("read with 20ms delay took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db.SetDelay(time.Hour)
	if _, err := db.Product(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read error = %v", err)
	}
}

// TestConcurrent runs readers and writers at once: no query may fail
// (WAL and busy_timeout), and the race detector must stay quiet.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	db := open(t, 50)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				id := int64(1 + (g*7+i)%50)
				var err error
				if i%4 == 0 {
					err = db.SetPrice(ctx, id, int64(i))
				} else {
					_, err = db.Product(ctx, id)
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
		t.Error(err)
	}
	if db.Queries() != 800 {
		t.Errorf("Queries = %d, want 800", db.Queries())
	}
}

func TestOpenIsFast(t *testing.T) {
	start := time.Now()
	db := open(t, 1000)
	d := time.Since(start)
	t.Logf("Open(n=1000) took %v", d)
	if p, err := db.Product(context.Background(), 1000); err != nil || p != Generated(1000) {
		t.Errorf("Product(1000) = %+v, %v", p, err)
	}
}

func BenchmarkOpen1000(b *testing.B) {
	for b.Loop() {
		db, err := Open(context.Background(), b.TempDir(), 1000)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

func BenchmarkProduct(b *testing.B) {
	db, err := Open(context.Background(), b.TempDir(), 1000)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var id int64
	for b.Loop() {
		id = id%1000 + 1
		if _, err := db.Product(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
