package balance

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Load is a bounded load generator: Clients goroutines send GET requests
// to a front address until Max requests were sent or Within has passed,
// whichever comes first. Each request gives up after Timeout.
type Load struct {
	Clients int
	Max     int
	Within  time.Duration
	Timeout time.Duration
}

// LoadResult is what a Load run saw.
type LoadResult struct {
	Sent, Failed int
	ByPID        map[int]int     // answers per worker pid
	Latencies    []time.Duration // of every request, sorted
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the latencies.
func (r LoadResult) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies))*p/100+0.5) - 1
	return r.Latencies[min(max(i, 0), len(r.Latencies)-1)]
}

// Run sends the load to url (such as http://127.0.0.1:8000/).
func (l Load) Run(url string) LoadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: l.Clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: l.Timeout}
	var (
		sent     atomic.Int64
		mu       sync.Mutex
		res      = LoadResult{ByPID: map[int]int{}}
		wg       sync.WaitGroup
		deadline = time.Now().Add(l.Within)
	)
	for range l.Clients {
		wg.Go(func() {
			for sent.Add(1) <= int64(l.Max) && time.Now().Before(deadline) {
				t0 := time.Now()
				pid, ok := get(client, url)
				took := time.Since(t0)
				mu.Lock()
				res.Sent++
				res.Latencies = append(res.Latencies, took)
				if ok {
					res.ByPID[pid]++
				} else {
					res.Failed++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(res.Latencies)
	return res
}

// get sends one request and returns the pid that answered it.
func get(c *http.Client, url string) (int, bool) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var r Reply
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&r) != nil {
		return 0, false
	}
	return r.PID, true
}
