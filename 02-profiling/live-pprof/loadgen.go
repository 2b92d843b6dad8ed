package livepprof

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Bounds of a load run: the generator is for a service on this machine.
const (
	MaxWorkers  = 8
	MaxDuration = 2 * time.Minute
	MaxRequests = 1_000_000
)

// Load describes a load run against a shopd on a loopback address.
type Load struct {
	Target   string        // base URL, such as "http://127.0.0.1:8080"; the host must be loopback
	Workers  int           // concurrent clients, 1 to MaxWorkers
	Duration time.Duration // how long to run, up to MaxDuration
	Requests int           // stop after this many requests, up to MaxRequests; 0 means MaxRequests
	Products int           // the size of the target's catalogue, for picking IDs
	Seed     uint64        // the same seed sends the same requests
}

// RouteLoad is what a load run saw for one route.
type RouteLoad struct {
	Route    string
	Requests int
	Errors   int           // transport errors and status codes other than 2xx and 404
	Total    time.Duration // the sum of the requests' latencies
}

// Mean returns the mean latency of the route's requests.
func (r RouteLoad) Mean() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.Total / time.Duration(r.Requests)
}

// Run sends requests until the duration or the request count runs out, or
// ctx ends, and returns what each route saw, sorted by route.
func (l Load) Run(ctx context.Context) ([]RouteLoad, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	if l.Requests == 0 {
		l.Requests = MaxRequests
	}
	ctx, cancel := context.WithTimeout(ctx, l.Duration)
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: l.Workers}}
	defer client.CloseIdleConnections()

	var mu sync.Mutex
	byRoute := map[string]*RouteLoad{}
	tickets := make(chan struct{})
	var wg sync.WaitGroup
	for w := range l.Workers {
		gen := newRequestMix(l.Products, l.Seed+uint64(w))
		wg.Go(func() {
			for range tickets {
				route, took, err := gen.send(ctx, client, l.Target)
				mu.Lock()
				rl := byRoute[route]
				if rl == nil {
					rl = &RouteLoad{Route: route}
					byRoute[route] = rl
				}
				rl.Requests++
				rl.Total += took
				if err != nil && ctx.Err() == nil {
					rl.Errors++
				}
				mu.Unlock()
			}
		})
	}
	feed(ctx, tickets, l.Requests)
	wg.Wait()

	out := make([]RouteLoad, 0, len(byRoute))
	for _, rl := range byRoute {
		out = append(out, *rl)
	}
	slices.SortFunc(out, func(a, b RouteLoad) int { return strings.Compare(a.Route, b.Route) })
	return out, nil
}

func feed(ctx context.Context, tickets chan<- struct{}, n int) {
	defer close(tickets)
	for range n {
		select {
		case tickets <- struct{}{}:
		case <-ctx.Done():
			return
		}
	}
}

// check refuses a run that could load anything but this machine, or run
// unbounded.
func (l Load) check() error {
	u, err := url.Parse(l.Target)
	if err != nil {
		return fmt.Errorf("load target %q: %w", l.Target, err)
	}
	if u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return fmt.Errorf("load target %q: want http:// and a loopback host (127.0.0.1, ::1 or localhost)", l.Target)
	}
	switch {
	case l.Workers < 1 || l.Workers > MaxWorkers:
		return fmt.Errorf("load workers %d: want 1 to %d", l.Workers, MaxWorkers)
	case l.Duration <= 0 || l.Duration > MaxDuration:
		return fmt.Errorf("load duration %v: want up to %v", l.Duration, MaxDuration)
	case l.Requests < 0 || l.Requests > MaxRequests:
		return fmt.Errorf("load requests %d: want 0 to %d", l.Requests, MaxRequests)
	case l.Products < 1:
		return errors.New("load products: want the size of the target's catalogue")
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requestMix picks requests the way the shop's customers send them.
type requestMix struct {
	r        *rand.Rand
	products int
	words    []string
	cats     []string
}

func newRequestMix(products int, seed uint64) *requestMix {
	return &requestMix{r: rand.New(rand.NewPCG(seed, 0x10ad)), products: products, words: Vocabulary(), cats: Categories()}
}

// next returns the route, method, path and body of the next request:
// four searches, three product pages, two category pages and one price
// change in every ten requests, on average.
func (m *requestMix) next() (route, method, path string, body []byte) {
	switch n := m.r.IntN(10); {
	case n < 4:
		return "GET /search", http.MethodGet, "/search?q=" + url.QueryEscape(m.query()), nil
	case n < 7:
		return "GET /products/{id}", http.MethodGet, fmt.Sprintf("/products/%d", 1+m.r.IntN(m.products)), nil
	case n < 9:
		return "GET /categories/{name}", http.MethodGet, fmt.Sprintf("/categories/%s?page=%d", m.cats[m.r.IntN(len(m.cats))], 1+m.r.IntN(5)), nil
	default:
		body := fmt.Appendf(nil, `{"price_cents": %d}`, 499+m.r.IntN(50000))
		return "PUT /products/{id}/price", http.MethodPut, fmt.Sprintf("/products/%d/price", 1+m.r.IntN(m.products)), body
	}
}

// query returns one to three words of the vocabulary.
func (m *requestMix) query() string {
	words := make([]string, 1+m.r.IntN(3))
	for i := range words {
		words[i] = m.words[m.r.IntN(len(m.words))]
	}
	return strings.Join(words, " ")
}

func (m *requestMix) send(ctx context.Context, client *http.Client, target string) (string, time.Duration, error) {
	route, method, path, body := m.next()
	req, err := http.NewRequestWithContext(ctx, method, target+path, bytes.NewReader(body))
	if err != nil {
		return route, 0, err
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return route, time.Since(start), err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err == nil && resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotFound {
		err = fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return route, took, err
}
