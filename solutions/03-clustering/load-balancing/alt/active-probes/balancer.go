package balance

import (
	"context"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// How the balancer checks a backend it has taken out of rotation.
const (
	probeEvery   = 100 * time.Millisecond
	probeTimeout = 300 * time.Millisecond
)

// Balancer is the front of the cluster: an http.Handler that sends each
// request to one of its backends through a reverse proxy. It picks with
// the power of two random choices (of two healthy backends drawn at
// random, the one with fewer requests in flight), and checks health
// passively: a backend whose request fails is taken out of rotation and
// probed until it answers again.
type Balancer struct {
	backends []*backend
	tr       *http.Transport
	probe    *http.Client

	mu  sync.Mutex // guards rng: a *rand.Rand is not safe for concurrent use
	rng *rand.Rand

	ctx    context.Context // ends at Close, and with it every prober
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// backend is one worker and what the balancer knows about it.
type backend struct {
	url      *url.URL
	proxy    *httputil.ReverseProxy
	inFlight atomic.Int64
	down     atomic.Bool
}

// New returns a balancer over backends (base URLs such as
// http://127.0.0.1:8001). seed seeds its source of randomness.
func New(backends []*url.URL, seed uint64) *Balancer {
	ctx, cancel := context.WithCancel(context.Background())
	b := &Balancer{
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		tr: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: time.Second}).DialContext,
			ResponseHeaderTimeout: 500 * time.Millisecond,
			MaxIdleConnsPerHost:   64,
		},
		ctx:    ctx,
		cancel: cancel,
	}
	b.probe = &http.Client{Transport: b.tr, Timeout: probeTimeout}
	for _, u := range backends {
		be := &backend{url: u}
		be.proxy = &httputil.ReverseProxy{
			Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u) },
			Transport: b.tr,
			ErrorLog:  log.New(io.Discard, "", 0),
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				if r.Context().Err() == nil { // the backend failed, not the client
					b.takeOut(be)
				}
				http.Error(w, "backend unavailable: "+err.Error(), http.StatusBadGateway)
			},
		}
		b.backends = append(b.backends, be)
	}
	b.wg.Go(b.probeAll)
	return b
}

// pick returns the backend for the next request: of two healthy backends
// drawn at random, the one with fewer requests in flight. With every
// backend down it draws from all of them, so that traffic still flows.
func (b *Balancer) pick() *backend {
	healthy := make([]*backend, 0, len(b.backends))
	for _, be := range b.backends {
		if !be.down.Load() {
			healthy = append(healthy, be)
		}
	}
	if len(healthy) == 0 {
		healthy = b.backends
	}
	if len(healthy) == 1 {
		return healthy[0]
	}
	b.mu.Lock()
	i := b.rng.IntN(len(healthy))
	j := b.rng.IntN(len(healthy) - 1)
	b.mu.Unlock()
	if j >= i {
		j++ // two different backends
	}
	if healthy[j].inFlight.Load() < healthy[i].inFlight.Load() {
		return healthy[j]
	}
	return healthy[i]
}

// ServeHTTP sends r to a backend and copies its response to w.
func (b *Balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	be := b.pick()
	be.inFlight.Add(1)
	defer be.inFlight.Add(-1)
	be.proxy.ServeHTTP(w, r)
}

// takeOut marks be down; the prober puts it back when it answers.
func (b *Balancer) takeOut(be *backend) { be.down.Store(true) }

// probeAll checks every backend every probeEvery, all at once, and marks
// each up or down by its answer, until Close.
func (b *Balancer) probeAll() {
	t := time.NewTicker(probeEvery)
	defer t.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
		var wg sync.WaitGroup
		for _, be := range b.backends {
			wg.Go(func() { be.down.Store(!b.healthy(be)) })
		}
		wg.Wait()
	}
}

// healthy reports whether be answers its health check with 200.
func (b *Balancer) healthy(be *backend) bool {
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, be.url.JoinPath(HealthPath).String(), nil)
	if err != nil {
		return false
	}
	resp, err := b.probe.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Close stops the probers and closes the idle connections.
func (b *Balancer) Close() {
	b.cancel()
	b.wg.Wait()
	b.tr.CloseIdleConnections()
}
