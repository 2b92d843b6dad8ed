package livepprof_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	livepprof "github.com/goperflabs/labs/02-profiling/live-pprof"
	"github.com/goperflabs/labs/internal/testkit"
)

// TestSearchFindsTheBestMatches compares Search with the test's own
// search on a fresh catalogue, for random queries in any case and with
// punctuation, and after prices change.
func TestSearchFindsTheBestMatches(t *testing.T) {
	c := livepprof.NewCatalog(1500, rand64())
	r := rand.New(rand.NewPCG(rand64(), 1))
	m := newMix(c.Len())
	ref := newRefCatalog(allProducts(t, c))
	for i := range 120 {
		if i%10 == 0 {
			id := 1 + r.IntN(c.Len())
			cents := 100 + r.IntN(90000)
			if err := c.SetPrice(id, cents); err != nil {
				t.Fatalf("changing the price of product %d: %v", id, err)
			}
			ref.products[id-1].PriceCents = cents
		}
		q := m.query()
		switch i % 4 {
		case 1:
			q = strings.ToUpper(q)
		case 2:
			q = strings.ReplaceAll(q, " ", ", ") + "!"
		case 3:
			q = q[:len(q)/2] // half a word, or a word and a half
		}
		limit := []int{1, 5, 20, 500}[i%4]
		want := ref.search(q, limit)
		got := c.Search(q, limit)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("a search for %q (at most %d hits): got %d hits, want %d\n got: %s\nwant: %s", q, limit, len(got), len(want), brief(got), brief(want))
		}
	}
	for _, q := range []string{"", "   ", "?!", "zzzz"} {
		if got := c.Search(q, 20); len(got) != 0 {
			t.Errorf("a search for %q: got %d hits, want none", q, len(got))
		}
	}
}

func brief(hits []livepprof.Hit) string {
	var parts []string
	for i, h := range hits {
		if i == 6 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%d:%q score %d pop %d %d¢", h.ID, h.Title, h.Score, h.Popularity, h.PriceCents))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TestConcurrentSearchesAndPriceChanges sends searches, product pages and
// price changes from eight goroutines at once to a service that has not
// served anything yet, then checks that every page and search shows the
// new prices; three times, each on a new service. Run it with -race: state
// the service builds or changes while it serves must be guarded.
func TestConcurrentSearchesAndPriceChanges(t *testing.T) {
	for range 3 {
		concurrentRound(t)
	}
}

func concurrentRound(t *testing.T) {
	srv := start(t, 2000, rand64())
	h := srv.Handler()
	n := srv.Catalog().Len()
	begin := make(chan struct{})
	var wg sync.WaitGroup
	newPrice := func(id int) int { return 1000 + id*7 }
	for g := range 8 {
		m := newMix(n)
		// Each goroutine builds its requests before the start: building one
		// takes buffers from pools that the others return, and the race
		// detector counts that as synchronisation, which could hide a race
		// between the first requests.
		reqs, built, recs := concurrentRequests(g, m, newPrice)
		wg.Go(func() {
			<-begin
			for i := range built {
				h.ServeHTTP(recs[i], built[i])
				if code := recs[i].Code; code/100 != 2 {
					t.Errorf("%s %s: status %d, want 2xx", reqs[i].method, reqs[i].path, code)
				}
			}
		})
	}
	close(begin)
	wg.Wait()

	for id := 1; id <= 8; id++ {
		var p livepprof.Product
		getJSON(t, h, fmt.Sprintf("/products/%d", id), &p)
		if p.PriceCents != newPrice(id) {
			t.Errorf("GET /products/%d after its price changed: price_cents %d, want %d", id, p.PriceCents, newPrice(id))
		}
		var hits []livepprof.Hit
		getJSON(t, h, "/search?q="+strings.ReplaceAll(strings.ToLower(p.Title), " ", "+"), &hits)
		found := false
		for _, hit := range hits {
			if hit.ID == id {
				found = true
				if hit.PriceCents != newPrice(id) {
					t.Errorf("search for %q after product %d's price changed: price_cents %d, want %d", p.Title, id, hit.PriceCents, newPrice(id))
				}
			}
		}
		if !found && len(hits) < 20 {
			t.Errorf("search for %q: product %d is not among the %d hits", p.Title, id, len(hits))
		}
	}
}

// concurrentRequests builds the requests of goroutine g of
// concurrentRound: the first two change prices (products g+1, g+3, …),
// the next four search, the last two ask for product pages.
func concurrentRequests(g int, m *mix, newPrice func(int) int) ([]request, []*http.Request, []*httptest.ResponseRecorder) {
	reqs := make([]request, 4)
	for i := range reqs {
		switch {
		case g < 2:
			id := g + 1 + 2*i
			reqs[i] = request{"PUT /products/{id}/price", "PUT", fmt.Sprintf("/products/%d/price", id), fmt.Sprintf(`{"price_cents": %d}`, newPrice(id))}
		case g < 6:
			reqs[i] = m.request("GET /search")
		default:
			reqs[i] = m.request("GET /products/{id}")
		}
	}
	built := make([]*http.Request, len(reqs))
	recs := make([]*httptest.ResponseRecorder, len(reqs))
	for i, req := range reqs {
		var body io.Reader
		if req.body != "" {
			body = strings.NewReader(req.body)
		}
		built[i], recs[i] = httptest.NewRequest(req.method, req.path, body), httptest.NewRecorder()
	}
	return reqs, built, recs
}

func getJSON(t *testing.T, h interface {
	ServeHTTP(w http.ResponseWriter, r *http.Request)
}, path string, v any) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	if w.Code != 200 {
		t.Fatalf("GET %s: status %d, want 200", path, w.Code)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestLoadGeneratorStaysOnLoopback checks the load generator's bounds and
// runs it against a service for 200 requests.
func TestLoadGeneratorStaysOnLoopback(t *testing.T) {
	testkit.NoLeaks(t, "the load generator's client goroutines")
	srv := start(t, 300, rand64())
	ok := livepprof.Load{Target: "http://" + srv.Addr(), Workers: 2, Duration: 10 * time.Second, Requests: 200, Products: 300, Seed: rand64()}
	bad := map[string]func(*livepprof.Load){
		"a remote host":     func(l *livepprof.Load) { l.Target = "http://10.1.2.3:8080" },
		"a host name":       func(l *livepprof.Load) { l.Target = "http://example.com" },
		"https":             func(l *livepprof.Load) { l.Target = "https://127.0.0.1:8443" },
		"too many workers":  func(l *livepprof.Load) { l.Workers = livepprof.MaxWorkers + 1 },
		"no time limit":     func(l *livepprof.Load) { l.Duration = 0 },
		"too long":          func(l *livepprof.Load) { l.Duration = livepprof.MaxDuration + time.Second },
		"too many requests": func(l *livepprof.Load) { l.Requests = livepprof.MaxRequests + 1 },
		"no catalogue size": func(l *livepprof.Load) { l.Products = 0 },
	}
	for name, change := range bad {
		l := ok
		change(&l)
		if _, err := l.Run(context.Background()); err == nil {
			t.Errorf("a load run with %s was accepted; want a refusal before any request", name)
		}
	}
	got, err := ok.Run(context.Background())
	if err != nil {
		t.Fatalf("load run: %v", err)
	}
	total := 0
	for _, r := range got {
		total += r.Requests
		if r.Errors > 0 {
			t.Errorf("route %s: %d errors in %d requests", r.Route, r.Errors, r.Requests)
		}
	}
	if total != 200 || len(got) != len(routes) {
		t.Errorf("a load run of 200 requests: sent %d over %d routes; want 200 over %d", total, len(got), len(routes))
	}
}
