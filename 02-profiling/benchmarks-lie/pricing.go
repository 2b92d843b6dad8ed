package benchmarkslie

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Rule is one promotion: a percentage off for products whose SKU starts
// with SKUPrefix (all if empty) in Category (any if empty), when at least
// MinQty units are bought.
type Rule struct {
	Name       string
	SKUPrefix  string
	Category   string
	MinQty     int
	PercentOff int64 // 0 to 100
}

// Quote is the price of qty units of one product, with the best rule that
// applied (none if Rule is empty).
type Quote struct {
	Ref        string // Q-<sku>-<qty>, printed on the receipt
	SKU        string
	Qty        int
	UnitCents  int64
	TotalCents int64
	Rule       string
}

// Pricer quotes prices. Evaluating the rules is slow, so it keeps the
// last quotes in a cache. It is safe for concurrent use.
type Pricer struct {
	catalog *Catalog
	rules   []Rule

	mu     sync.Mutex
	cache  *lru[quoteKey, Quote]
	hits   int
	misses int
}

type quoteKey struct {
	sku string
	qty int
}

// NewPricer returns a Pricer that remembers up to cacheSize quotes.
func NewPricer(c *Catalog, rules []Rule, cacheSize int) *Pricer {
	return &Pricer{catalog: c, rules: rules, cache: newLRU[quoteKey, Quote](max(cacheSize, 1))}
}

// Quote prices qty units of the product with the given SKU.
func (p *Pricer) Quote(sku string, qty int) (Quote, error) {
	k := quoteKey{sku, qty}
	if w := probe; w != nil {
		w.saw("quote", quoteRef(sku, qty))
	}
	p.mu.Lock()
	q, ok := p.cache.get(k)
	if ok {
		p.hits++
	} else {
		p.misses++
	}
	p.mu.Unlock()
	if ok {
		return q, nil
	}
	if w := probe; w != nil {
		w.missed()
	}
	q, err := p.price(sku, qty)
	if err != nil {
		return Quote{}, err
	}
	p.mu.Lock()
	p.cache.put(k, q)
	p.mu.Unlock()
	return q, nil
}

// Stats says how many quotes came from the cache and how many were priced.
func (p *Pricer) Stats() (hits, misses int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits, p.misses
}

// price evaluates every rule for one product and keeps the best discount.
func (p *Pricer) price(sku string, qty int) (Quote, error) {
	if qty < 1 {
		return Quote{}, fmt.Errorf("pricing %s: quantity %d", sku, qty)
	}
	prod, err := p.catalog.Find(sku)
	if err != nil {
		return Quote{}, fmt.Errorf("pricing: %w", err)
	}
	best, bestRule := int64(0), ""
	for _, r := range p.rules {
		if r.applies(prod, qty) && r.PercentOff > best {
			best, bestRule = r.PercentOff, r.Name
		}
	}
	gross := prod.UnitCents * int64(qty)
	total := gross - (gross*best+50)/100
	return Quote{Ref: quoteRef(sku, qty), SKU: prod.SKU, Qty: qty, UnitCents: prod.UnitCents, TotalCents: total, Rule: bestRule}, nil
}

func (r Rule) applies(p Product, qty int) bool {
	return qty >= r.MinQty &&
		(r.Category == "" || strings.EqualFold(r.Category, p.Category)) &&
		strings.HasPrefix(p.SKU, r.SKUPrefix)
}

func quoteRef(sku string, qty int) string {
	b := make([]byte, 0, 2+len(sku)+1+4)
	b = append(b, "Q-"...)
	b = append(b, sku...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(qty), 10)
	return string(b)
}
