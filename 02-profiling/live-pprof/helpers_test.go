package livepprof_test

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	livepprof "github.com/goperflabs/labs/02-profiling/live-pprof"
)

// The four routes of the public listener, as registered.
var routes = []string{"GET /search", "GET /products/{id}", "GET /categories/{name}", "PUT /products/{id}/price"}

// start starts a shopd on loopback ports chosen by the system and closes it
// when the test ends.
func start(t *testing.T, products int, seed uint64) *livepprof.Server {
	t.Helper()
	srv, err := livepprof.Start(livepprof.Config{
		Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", Products: products, Seed: seed,
		Logger: discardLogger(),
	})
	if err != nil {
		t.Fatalf("starting the service: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the service: %v", err)
		}
	})
	return srv
}

// request is one request of the test's mix.
type request struct {
	route, method, path, body string
}

// mix makes requests like the shop's customers send, with fresh
// parameters from r: every search has two or three words, so that the same
// query hardly ever comes twice.
type mix struct {
	r        *rand.Rand
	products int
	words    []string
	cats     []string
}

func newMix(products int) *mix {
	return &mix{r: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), products: products,
		words: livepprof.Vocabulary(), cats: livepprof.Categories()}
}

func (m *mix) query() string {
	words := make([]string, 2+m.r.IntN(2))
	for i := range words {
		words[i] = m.words[m.r.IntN(len(m.words))]
	}
	return strings.Join(words, " ")
}

func (m *mix) request(route string) request {
	switch route {
	case "GET /search":
		return request{route, "GET", "/search?q=" + strings.ReplaceAll(m.query(), " ", "+"), ""}
	case "GET /products/{id}":
		return request{route, "GET", fmt.Sprintf("/products/%d", 1+m.r.IntN(m.products)), ""}
	case "GET /categories/{name}":
		return request{route, "GET", fmt.Sprintf("/categories/%s?page=%d", m.cats[m.r.IntN(len(m.cats))], 1+m.r.IntN(5)), ""}
	default:
		return request{route, "PUT", fmt.Sprintf("/products/%d/price", 1+m.r.IntN(m.products)), fmt.Sprintf(`{"price_cents": %d}`, 499+m.r.IntN(50000))}
	}
}

// round returns ten requests in the proportions of the load generator:
// four searches, three product pages, two category pages, one price change.
func (m *mix) round() []request {
	var out []request
	for i, n := range []int{4, 3, 2, 1} {
		for range n {
			out = append(out, m.request(routes[i]))
		}
	}
	return out
}

// serve sends req to h in this goroutine, with no network in between, and
// returns the status code.
func serve(h http.Handler, req request) int {
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(req.method, req.path, body))
	return w.Code
}

// refCatalog is the test's copy of a catalogue, for its own search: the
// products, and the terms of each title and tag, split once.
type refCatalog struct {
	products []livepprof.Product
	titles   [][]string
	tags     [][][]string
}

func newRefCatalog(products []livepprof.Product) *refCatalog {
	rc := &refCatalog{products: products}
	for _, p := range products {
		rc.titles = append(rc.titles, refTerms(p.Title))
		var tags [][]string
		for _, tag := range p.Tags {
			tags = append(tags, refTerms(tag))
		}
		rc.tags = append(rc.tags, tags)
	}
	return rc
}

// search is the test's own search, written for clarity: what
// Catalog.Search must return.
func (rc *refCatalog) search(query string, limit int) []livepprof.Hit {
	words := refTerms(query)
	slices.Sort(words)
	words = slices.Compact(words)
	var hits []livepprof.Hit
	for i, p := range rc.products {
		s := 0
		for _, w := range words {
			if slices.Contains(rc.titles[i], w) {
				s += 2
			}
			if slices.ContainsFunc(rc.tags[i], func(tag []string) bool { return slices.Contains(tag, w) }) {
				s++
			}
		}
		if s > 0 {
			hits = append(hits, livepprof.Hit{Product: p, Score: s})
		}
	}
	slices.SortFunc(hits, func(a, b livepprof.Hit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Popularity, a.Popularity), cmp.Compare(a.ID, b.ID))
	})
	return hits[:min(limit, len(hits))]
}

func refTerms(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func allProducts(t *testing.T, c *livepprof.Catalog) []livepprof.Product {
	t.Helper()
	out := make([]livepprof.Product, c.Len())
	for i := range out {
		p, err := c.Get(i + 1)
		if err != nil {
			t.Fatalf("product %d: %v", i+1, err)
		}
		out[i] = p
	}
	return out
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
