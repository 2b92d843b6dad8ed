package benchmarkslie

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Product is one entry of the catalogue.
type Product struct {
	SKU       string // SKU-01234
	Name      string
	Category  string // such as "garden" or "kitchen"
	UnitCents int64
}

// Catalog finds products by SKU. It is built once, when the service
// starts, and read by every request; it is never changed.
type Catalog struct {
	bySKU      []Product         // sorted by SKU
	categories map[string][]int  // category → indexes into bySKU
	names      map[string]string // lower-case name → SKU, for search
}

// ErrNoProduct is returned by Find for a SKU the catalogue does not hold.
var ErrNoProduct = errors.New("no such product")

// NewCatalog builds a catalogue from products, which it copies. It
// rejects an empty SKU and a SKU listed twice.
func NewCatalog(products []Product) (*Catalog, error) {
	c := &Catalog{
		bySKU:      slices.Clone(products),
		categories: make(map[string][]int),
		names:      make(map[string]string, len(products)),
	}
	slices.SortFunc(c.bySKU, func(a, b Product) int { return cmp.Compare(a.SKU, b.SKU) })
	for i, p := range c.bySKU {
		if p.SKU == "" {
			return nil, fmt.Errorf("catalogue: product %d (%q) has no SKU", i, p.Name)
		}
		if i > 0 && c.bySKU[i-1].SKU == p.SKU {
			return nil, fmt.Errorf("catalogue: SKU %s listed twice", p.SKU)
		}
		c.categories[p.Category] = append(c.categories[p.Category], i)
		c.names[strings.ToLower(p.Name)] = p.SKU
	}
	return c, nil
}

// Len is the number of products.
func (c *Catalog) Len() int { return len(c.bySKU) }

// Find returns the product with the given SKU.
func (c *Catalog) Find(sku string) (Product, error) {
	if w := probe; w != nil {
		w.saw("find", sku)
	}
	i, ok := slices.BinarySearchFunc(c.bySKU, sku, func(p Product, s string) int { return cmp.Compare(p.SKU, s) })
	if !ok {
		return Product{}, fmt.Errorf("%w: %s", ErrNoProduct, sku)
	}
	return c.bySKU[i], nil
}

// InCategory returns the SKUs of a category, in SKU order.
func (c *Catalog) InCategory(category string) []string {
	idx := c.categories[category]
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = c.bySKU[j].SKU
	}
	return out
}
