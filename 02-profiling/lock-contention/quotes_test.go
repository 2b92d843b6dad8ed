package lockcontention

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/testkit"
)

// upstream is a fake pricing service that answers like PriceOf, counts
// calls per SKU and records how many fetches were in flight at once.
//
// With want > 0 its first fetches also meet: each waits until want fetches
// are in flight together (or until deadline), then everyone waits grace
// more, in case a fetch beyond want arrives, and then all of them go on at
// the same moment. A pool of want workers that fetches in parallel meets
// at once, whatever the machine's load, and reaches a peak of exactly
// want; a pool that lets one fetch run at a time stays at 1; a pool with
// more fetches in flight than workers goes over. The result is a count,
// not a timing. Fetches after the meeting do not wait.
type upstream struct {
	want     int
	deadline time.Time
	grace    time.Duration
	full     chan struct{} // closed when want fetches are in flight together
	release  chan struct{} // closed when the meeting is over
	once     sync.Once
	flaky    func(sku string) bool // SKUs that fail transiently on their first call

	mu       sync.Mutex
	inflight int
	peak     int
	calls    map[string]int
}

func newUpstream(want int, wait time.Duration) *upstream {
	return &upstream{
		want: want, deadline: time.Now().Add(wait), grace: 200 * time.Millisecond,
		full: make(chan struct{}), release: make(chan struct{}), calls: map[string]int{},
	}
}

func (u *upstream) fetch(sku string) (int, error) {
	u.mu.Lock()
	u.inflight++
	u.calls[sku]++
	first := u.calls[sku] == 1
	if u.inflight > u.peak {
		u.peak = u.inflight
		if u.peak == u.want {
			close(u.full)
			time.AfterFunc(u.grace, u.endMeeting)
		}
		if u.want > 0 && u.peak > u.want {
			u.endMeeting()
		}
	}
	u.mu.Unlock()

	if u.want > 0 {
		t := time.NewTimer(time.Until(u.deadline))
		select {
		case <-u.release:
		case <-t.C:
		}
		t.Stop()
	}

	u.mu.Lock()
	u.inflight--
	u.mu.Unlock()
	if first && u.flaky != nil && u.flaky(sku) {
		return 0, fmt.Errorf("%s: 503 Service Unavailable: %w", sku, ErrTransient)
	}
	return PriceOf(sku)
}

func (u *upstream) endMeeting() { u.once.Do(func() { close(u.release) }) }

func (u *upstream) peakInFlight() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.peak
}

func (u *upstream) callsOf(sku string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls[sku]
}

// readWhile calls the Aggregator's read methods from two goroutines, as
// the shop's handlers would, until f returns.
func readWhile(a *Aggregator, f func()) {
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for i := range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					a.Price(fmt.Sprintf("sku-%05d", i))
					a.Fetched()
					a.History()
				}
			}
		})
	}
	f()
	close(stop)
	readers.Wait()
}

func TestRefreshStoresPrices(t *testing.T) {
	testkit.NoLeaks(t, "the worker goroutines that Refresh starts")
	up := newUpstream(0, 0)
	a := New(up.fetch, 8)
	skus := SKUs(300)
	var failed int
	readWhile(a, func() { failed = a.Refresh(append(skus, skus[:20]...)) })

	wantFailed := 0
	for _, sku := range skus {
		if n := up.callsOf(sku); n != 1 {
			t.Errorf("%s (listed twice for the first 20) was fetched %d times, want once", sku, n)
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
			t.Errorf("Price(%q) = %d, %v; want %d, true", sku, got, ok, want)
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
	h := a.History()
	if len(h) != 2 || h[0].Fetched != 270 || h[0].Failed != 30 || h[1].Fetched != 90 || h[1].Failed != 10 {
		t.Errorf("History() = %+v, want two refreshes: 270 fetched and 30 failed, then 90 and 10", h)
	}
}

func TestRefreshRetriesTransientFailures(t *testing.T) {
	up := newUpstream(0, 0)
	up.flaky = func(sku string) bool { return strings.HasSuffix(sku, "3") }
	a := New(up.fetch, 4)
	skus := SKUs(40)
	if failed := a.Refresh(skus); failed != 4 {
		t.Errorf("Refresh of 40 SKUs, 4 flaky once: %d failures, want 4 (the unknown SKUs)", failed)
	}
	for _, sku := range []string{"sku-00003", "sku-00013"} {
		if n := up.callsOf(sku); n != 2 {
			t.Errorf("%s failed transiently once and was fetched %d times, want 2", sku, n)
		}
		if _, ok := a.Price(sku); !ok {
			t.Errorf("Price(%q): no price after a successful retry", sku)
		}
	}
	if h := a.History(); len(h) != 1 || h[0].Retries != 4 {
		t.Errorf("History() = %+v, want one refresh with 4 retries", h)
	}
}

// TestWorkersFetchInParallel gates how many fetches the pool has in flight
// at once: exactly one per worker. Fewer and the pool is not a pool; more
// and it ignores the size it was given, which the upstream's rate limits
// would not forgive.
func TestWorkersFetchInParallel(t *testing.T) {
	testkit.NoLeaks(t, "the worker goroutines that Refresh starts")
	for _, workers := range []int{8, 5} {
		up := newUpstream(workers, 2*time.Second)
		a := New(up.fetch, workers)
		skus := SKUs(64)
		var failed int
		readWhile(a, func() { failed = a.Refresh(skus) })
		if failed != 6 {
			t.Errorf("Refresh of 64 SKUs returned %d failures, want 6", failed)
		}
		for _, sku := range skus {
			if n := up.callsOf(sku); n != 1 {
				t.Fatalf("%s was fetched %d times, want once", sku, n)
			}
		}
		peak := up.peakInFlight()
		name := fmt.Sprintf("fetches in flight with %d workers", workers)
		testkit.Report(t, testkit.Figure{Name: name, Value: float64(peak), Op: "==", Budget: float64(workers), Unit: "fetches"})
		switch {
		case peak < workers:
			t.Errorf("%s = %d, gate = %d (one per worker). The workers are waiting for something other than the upstream; "+
				"see what, and who holds it, with: go test -run '^$' -bench . -mutexprofile mutex.pprof ./02-profiling/lock-contention && go tool pprof -top mutex.pprof", name, peak, workers)
		case peak > workers:
			t.Errorf("%s = %d, gate = %d (one per worker): the pool ignores its size; see how many goroutines fetch at once in the execution trace: "+
				"go test -run '^$' -bench . -trace trace.out ./02-profiling/lock-contention && go tool trace trace.out", name, peak, workers)
		default:
			t.Logf("%s: %d (gate = %d)", name, peak, workers)
		}
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
