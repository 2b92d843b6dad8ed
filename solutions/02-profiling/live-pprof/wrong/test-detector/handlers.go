package livepprof

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
)

// Page sizes of the listing and search routes.
const (
	pageSize    = 20
	searchLimit = 20
)

// api serves the public routes of shopd.
type api struct {
	cat   *Catalog
	stats *routeStats
}

// routes registers the public routes on mux.
func (a *api) routes(mux *http.ServeMux) {
	a.handle(mux, "GET /products/{id}", a.getProduct)
	a.handle(mux, "PUT /products/{id}/price", a.putPrice)
	a.handle(mux, "GET /categories/{name}", a.listCategory)
	a.handle(mux, "GET /search", a.search)
}

// handle registers h for pattern and counts its requests.
func (a *api) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	counter := a.stats.add(pattern)
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		counter.Add(1)
		pprof.Do(r.Context(), pprof.Labels("route", pattern), func(context.Context) { h(w, r) })
	})
}

func (a *api) getProduct(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		http.Error(w, "id: want a number", http.StatusBadRequest)
		return
	}
	p, err := a.cat.Get(id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, p)
}

type priceUpdate struct {
	PriceCents int `json:"price_cents"`
}

func (a *api) putPrice(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		http.Error(w, "id: want a number", http.StatusBadRequest)
		return
	}
	var u priceUpdate
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&u); err != nil {
		http.Error(w, "body: want {\"price_cents\": N}", http.StatusBadRequest)
		return
	}
	if err := a.cat.SetPrice(id, u.PriceCents); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) listCategory(w http.ResponseWriter, r *http.Request) {
	page := 1
	if s := r.URL.Query().Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			http.Error(w, "page: want a number from 1", http.StatusBadRequest)
			return
		}
		page = n
	}
	writeJSON(w, a.cat.InCategory(r.PathValue("name"), page, pageSize))
}

func (a *api) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if q == "" {
		http.Error(w, "q: want a query", http.StatusBadRequest)
		return
	}
	hits := a.cat.Search(q, searchLimit)
	if hits == nil {
		hits = []Hit{}
	}
	writeJSON(w, hits)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		// The client has gone; there is no one left to tell.
		return
	}
}

func writeError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrNotFound) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	http.Error(w, err.Error(), http.StatusBadRequest)
}

// routeStats counts requests per route for the admin listener's /stats.
type routeStats struct {
	patterns []string
	counts   []*atomic.Int64
}

func (s *routeStats) add(pattern string) *atomic.Int64 {
	c := new(atomic.Int64)
	s.patterns = append(s.patterns, pattern)
	s.counts = append(s.counts, c)
	return c
}

// snapshot returns the count of each route so far.
func (s *routeStats) snapshot() map[string]int64 {
	out := make(map[string]int64, len(s.patterns))
	for i, p := range s.patterns {
		out[p] = s.counts[i].Load()
	}
	return out
}
