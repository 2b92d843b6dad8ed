// Package livepprof is a small product-catalogue HTTP service, shopd, with
// a load generator that drives it over loopback. It is the subject of a
// lab in attaching the profiler to a process that is running.
package livepprof

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
)

// ErrNotFound means no product has the ID asked for.
var ErrNotFound = errors.New("product not found")

// Product is one item of the catalogue.
type Product struct {
	ID         int      `json:"id"`
	SKU        string   `json:"sku"`
	Title      string   `json:"title"`
	Category   string   `json:"category"`
	Tags       []string `json:"tags"`
	PriceCents int      `json:"price_cents"`
	Popularity int      `json:"popularity"` // orders in the last 30 days
}

// Catalog holds the products in memory. Titles, categories and tags are
// fixed when the catalogue is built; prices change while it serves.
type Catalog struct {
	mu       sync.RWMutex
	products []Product // products[i].ID == i+1

	// Fixed when the catalogue is built, so read without mu.
	titleTerms [][]string   // titleTerms[i]: terms(products[i].Title)
	tagTerms   [][][]string // tagTerms[i][j]: terms(products[i].Tags[j])
}

// NewCatalog builds a catalogue of n products from the vocabulary, the same
// for the same seed.
func NewCatalog(n int, seed uint64) *Catalog {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	c := &Catalog{products: make([]Product, n)}
	for i := range c.products {
		c.products[i] = newProduct(r, i+1)
	}
	c.titleTerms = make([][]string, n)
	c.tagTerms = make([][][]string, n)
	for i, p := range c.products {
		c.titleTerms[i] = terms(p.Title)
		c.tagTerms[i] = make([][]string, len(p.Tags))
		for j, t := range p.Tags {
			c.tagTerms[i][j] = terms(t)
		}
	}
	return c
}

func newProduct(r *rand.Rand, id int) Product {
	noun := nouns[r.IntN(len(nouns))]
	title := adjectives[r.IntN(len(adjectives))] + " " + materials[r.IntN(len(materials))] + " " + noun.name
	tags := make([]string, 1+r.IntN(3))
	for i := range tags {
		tags[i] = tagWords[r.IntN(len(tagWords))]
	}
	slices.Sort(tags)
	return Product{
		ID:         id,
		SKU:        fmt.Sprintf("SKU-%06d", id),
		Title:      title,
		Category:   noun.category,
		Tags:       slices.Compact(tags),
		PriceCents: 499 + r.IntN(50000),
		Popularity: r.IntN(1000),
	}
}

// Len returns the number of products; their IDs are 1 to Len.
func (c *Catalog) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.products)
}

// Get returns the product with the given ID.
func (c *Catalog) Get(id int) (Product, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if id < 1 || id > len(c.products) {
		return Product{}, fmt.Errorf("id %d: %w", id, ErrNotFound)
	}
	return c.products[id-1], nil
}

// SetPrice changes the price of a product.
func (c *Catalog) SetPrice(id, cents int) error {
	if cents <= 0 {
		return fmt.Errorf("price %d cents: must be positive", cents)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if id < 1 || id > len(c.products) {
		return fmt.Errorf("id %d: %w", id, ErrNotFound)
	}
	c.products[id-1].PriceCents = cents
	return nil
}

// InCategory returns one page of the products of a category, in ID order,
// pageSize to a page, counting pages from 1.
func (c *Catalog) InCategory(category string, page, pageSize int) []Product {
	c.mu.RLock()
	defer c.mu.RUnlock()
	skip := (page - 1) * pageSize
	out := make([]Product, 0, pageSize)
	for _, p := range c.products {
		if p.Category != category {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		out = append(out, p)
		if len(out) == pageSize {
			break
		}
	}
	return out
}
