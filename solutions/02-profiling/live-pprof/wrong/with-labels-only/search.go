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

// index maps each term of the catalogue to the products that have it, with
// the weight it scores for each. It is built once, when the catalogue is,
// since titles and tags never change.
type index map[string][]posting

type posting struct {
	pos    int32 // index into Catalog.products
	weight int32
}

func buildIndex(products []Product) index {
	idx := index{}
	for i, p := range products {
		weights := map[string]int32{}
		for _, t := range terms(p.Title) {
			weights[t] = titleWeight
		}
		for _, tag := range p.Tags {
			for _, t := range terms(tag) {
				weights[t] += tagWeight
			}
		}
		for t, w := range weights {
			idx[t] = append(idx[t], posting{pos: int32(i), weight: w})
		}
	}
	return idx
}

// Search returns the products that match any word of query, best first, at
// most limit of them. A product scores titleWeight for each query word among
// the words of its title and tagWeight for each among its tags; ties go to
// the more popular product, then to the lower ID.
func (c *Catalog) Search(query string, limit int) []Hit {
	words := queryWords(query)
	if len(words) == 0 || limit <= 0 {
		return nil
	}
	scores := map[int32]int{}
	for _, w := range words {
		for _, p := range c.index[w] {
			scores[p.pos] += int(p.weight)
		}
	}
	if len(scores) == 0 {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	hits := make([]scored, 0, len(scores))
	for pos, s := range scores {
		hits = append(hits, scored{pos: pos, score: s, popularity: c.products[pos].Popularity})
	}
	slices.SortFunc(hits, compareScored)
	out := make([]Hit, min(limit, len(hits)))
	for i := range out {
		out[i] = Hit{Product: c.products[hits[i].pos], Score: hits[i].score}
	}
	return out
}

type scored struct {
	pos        int32
	score      int
	popularity int
}

// compareScored orders hits best first: score, then popularity, then ID.
func compareScored(a, b scored) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	if c := cmp.Compare(b.popularity, a.popularity); c != 0 {
		return c
	}
	return cmp.Compare(a.pos, b.pos)
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
