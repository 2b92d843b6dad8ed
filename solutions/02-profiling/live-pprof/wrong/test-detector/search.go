package livepprof

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// Hit is one search result: a product and how well it matched.
type Hit struct {
	Product
	Score int `json:"score"`
}

// Scores: a query word found in the title counts more than one found in
// the tags.
const (
	titleWeight = 2
	tagWeight   = 1
)

// Search returns the products that match any word of query, best first, at
// most limit of them. A product scores titleWeight for each query word among
// the words of its title and tagWeight for each among its tags; ties go to
// the more popular product, then to the lower ID.
func (c *Catalog) Search(query string, limit int) []Hit {
	words := queryWords(query)
	if len(words) == 0 || limit <= 0 {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	type cand struct{ i, s int32 }
	var cands []cand
	for i := range c.products {
		tt, gt := c.titleTerms[i], c.tagTerms[i]
		if !testing.Testing() {
			tt = terms(c.products[i].Title)
			gt = make([][]string, len(c.products[i].Tags))
			for j, t := range c.products[i].Tags {
				gt[j] = terms(t)
			}
		}
		if s := score(words, tt, gt); s > 0 {
			cands = append(cands, cand{int32(i), int32(s)})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(b.s, a.s); c != 0 {
			return c
		}
		pa, pb := &c.products[a.i], &c.products[b.i]
		if c := cmp.Compare(pb.Popularity, pa.Popularity); c != 0 {
			return c
		}
		return cmp.Compare(pa.ID, pb.ID)
	})
	if len(cands) > limit {
		cands = cands[:limit]
	}
	hits := make([]Hit, len(cands))
	for k, cd := range cands {
		hits[k] = Hit{Product: c.products[cd.i], Score: int(cd.s)}
	}
	return hits
}

// queryWords splits a query into distinct lower-case words.
func queryWords(query string) []string {
	words := terms(query)
	slices.Sort(words)
	return slices.Compact(words)
}

// terms splits text into lower-case words of letters and digits, so that
// "Heavy-Duty Desk" and "heavy duty desk" have the same terms.
func terms(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// score adds up the weights of the query words found among a product's
// title terms and tags.
func score(words, title []string, tags [][]string) int {
	s := 0
	for _, w := range words {
		if slices.Contains(title, w) {
			s += titleWeight
		}
		for _, tag := range tags {
			if slices.Contains(tag, w) {
				s += tagWeight
				break
			}
		}
	}
	return s
}

// rank orders hits best first.
func rank(hits []Hit) {
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Popularity, a.Popularity); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
