package lockcontention

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// upstream is a fake pricing service that answers like PriceOf and
// records how many fetches were in flight at once.
//
// With want > 0 it is also a rendezvous: a fetch waits until want fetches
// are in flight together, or until deadline. A pool of want workers that
// really fetches in parallel meets there at once, whatever the machine's
// load; a pool that lets only one fetch run at a time never does, and the
// peak stays at 1. The result is a count, not a timing.
type upstream struct {
	want     int
	deadline time.Time
	full     chan struct{} // closed when want fetches are in flight together

	mu       sync.Mutex
	inflight int
	peak     int
	calls    map[string]int
}

func newUpstream(want int, wait time.Duration) *upstream {
	return &upstream{want: want, deadline: time.Now().Add(wait), full: make(chan struct{}), calls: map[string]int{}}
}

func (u *upstream) fetch(sku string) (int, error) {
	u.mu.Lock()
	u.inflight++
	u.calls[sku]++
	if u.inflight > u.peak {
		u.peak = u.inflight
		if u.peak == u.want {
			close(u.full)
		}
	}
	u.mu.Unlock()

	if u.want > 0 {
		t := time.NewTimer(time.Until(u.deadline))
		select {
		case <-u.full:
		case <-t.C:
		}
		t.Stop()
	}

	u.mu.Lock()
	u.inflight--
	u.mu.Unlock()
	return PriceOf(sku)
}

func (u *upstream) peakInFlight() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.peak
}

func TestRefreshStoresPrices(t *testing.T) {
	testkit.NoLeaks(t, "the worker goroutines started by Aggregator.Refresh in quotes.go")
	up := newUpstream(0, 0)
	a := New(up.fetch, 8)
	skus := SKUs(300)

	// Readers ask for prices while the refresh runs, as the shop's
	// handlers would; run with -race to check the locking.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					a.Price("sku-00001")
				}
			}
		})
	}
	failed := a.Refresh(skus)
	close(stop)
	readers.Wait()

	wantFailed := 0
	for _, sku := range skus {
		if n := up.calls[sku]; n != 1 {
			t.Errorf("%s was fetched %d times, want once (look at Aggregator.Refresh in quotes.go)", sku, n)
		}
		want, err := PriceOf(sku)
		got, ok := a.Price(sku)
		switch {
		case errors.Is(err, ErrUnknownSKU):
			wantFailed++
			if ok {
				t.Errorf("Price(%q) = %d, true after a failed fetch; want no price", sku, got)
			}
		case !ok || got != want:
			t.Errorf("Price(%q) = %d, %v; want %d, true (look at Aggregator.worker in quotes.go)", sku, got, ok, want)
		}
	}
	if failed != wantFailed {
		t.Errorf("Refresh returned %d failures, want %d", failed, wantFailed)
	}
	if got := a.Fetched(); got != len(skus)-wantFailed {
		t.Errorf("Fetched() = %d after one refresh, want %d", got, len(skus)-wantFailed)
	}
	if failed := a.Refresh(skus[:100]); failed != 10 {
		t.Errorf("a second Refresh of 100 SKUs returned %d failures, want 10 (failures are counted per refresh)", failed)
	}
	if got := a.Fetched(); got != len(skus)-wantFailed+90 {
		t.Errorf("Fetched() = %d after two refreshes, want %d", got, len(skus)-wantFailed+90)
	}
}

// TestWorkersFetchInParallel gates how many fetches the pool has in flight
// at once. Eight workers should keep eight requests waiting on the
// upstream together.
func TestWorkersFetchInParallel(t *testing.T) {
	testkit.NoLeaks(t, "the worker goroutines started by Aggregator.Refresh in quotes.go")
	const workers = 8
	up := newUpstream(workers, 2*time.Second)
	a := New(up.fetch, workers)
	skus := SKUs(64)
	failed := a.Refresh(skus)
	if failed != 6 {
		t.Errorf("Refresh of 64 SKUs returned %d failures, want 6", failed)
	}
	for _, sku := range skus {
		if n := up.calls[sku]; n != 1 {
			t.Fatalf("%s was fetched %d times, want once (look at Aggregator.Refresh in quotes.go)", sku, n)
		}
	}
	peak := up.peakInFlight()
	if peak < workers {
		t.Errorf("fetches in flight at once = %d, gate ≥ %d (one per worker); look at Aggregator.worker in quotes.go: what does each worker hold while it waits on the upstream? "+
			"(go test -run '^$' -bench . -mutexprofile /tmp/mutex.pprof ./02-profiling/lock-contention, then go tool pprof -top /tmp/mutex.pprof)", peak, workers)
	} else {
		t.Logf("fetches in flight at once: %d (gate ≥ %d)", peak, workers)
	}
}

// BenchmarkRefresh refreshes 64 SKUs per op with 8 workers against an
// upstream that takes 1ms per request.
func BenchmarkRefresh(b *testing.B) {
	a := New(SimulatedUpstream(time.Millisecond), 8)
	skus := SKUs(64)
	for b.Loop() {
		if failed := a.Refresh(skus); failed != 6 {
			b.Fatalf("Refresh: %d failures, want 6", failed)
		}
	}
}
