package balance

import (
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// Balancer is the front of the cluster: an http.Handler that sends each
// request to one of its backends through a reverse proxy, round-robin.
type Balancer struct {
	backends []*url.URL
	proxy    *httputil.ReverseProxy
	tr       *http.Transport
	mu       sync.Mutex

	// rng is seeded by New, so that a balancer that chooses at random
	// makes the same choices in every run. A *rand.Rand is not safe for
	// concurrent use.
	rng *rand.Rand
}

// New returns a balancer over backends (base URLs such as
// http://127.0.0.1:8001). seed seeds its source of randomness.
func New(backends []*url.URL, seed uint64) *Balancer {
	b := &Balancer{
		backends: backends,
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		tr: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: time.Second}).DialContext,
			ResponseHeaderTimeout: 500 * time.Millisecond,
			MaxIdleConnsPerHost:   64,
		},
	}
	b.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(b.backends[b.pick()])
		},
		Transport: b.tr,
		ErrorLog:  log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "backend unavailable: "+err.Error(), http.StatusBadGateway)
		},
	}
	return b
}

// pick returns the index of the backend for the next request.
func (b *Balancer) pick() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rng.IntN(len(b.backends))
}

// ServeHTTP sends r to a backend and copies its response to w.
func (b *Balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.proxy.ServeHTTP(w, r)
}

// Close stops whatever the balancer runs in the background and closes its
// idle connections.
func (b *Balancer) Close() {
	b.tr.CloseIdleConnections()
}
