package livepprof

import (
	"cmp"
	"slices"
	"strings"
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
	var hits []Hit
	for i, p := range c.products {
		if s := score(words, c.titles[i], c.tags[i]); s > 0 {
			hits = append(hits, Hit{Product: p, Score: s})
		}
	}
	rank(hits)
	if len(hits) > limit {
		hits = hits[:limit]
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
func score(words, title, tags []string) int {
	s := 0
	for _, w := range words {
		if slices.Contains(title, w) {
			s += titleWeight
		}
		if slices.Contains(tags, w) {
			s += tagWeight
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
