package boundedcache

import (
	"fmt"
	"hash/fnv"
	"strings"
)

// Render is the expensive function the shop memoizes: it builds the HTML
// fragment of a product page for a key such as "sku-123/en-GB". Here it
// only hashes the key a hundred times and pads the result to about
// 600 bytes, which is enough to make a miss cost something and a cached
// entry weigh something. Render is not part of the exercise.
func Render(key string) string {
	h := fnv.New64a()
	var sum uint64
	for range 100 {
		h.Write([]byte(key))
		sum ^= h.Sum64()
	}
	var b strings.Builder
	b.Grow(640)
	fmt.Fprintf(&b, "<article class=\"product\" data-key=%q data-v=\"%016x\">", key, sum)
	for i := range 8 {
		fmt.Fprintf(&b, "<p>section %d of %s: %s</p>", i, key, strings.Repeat("·", 12))
	}
	b.WriteString("</article>")
	return b.String()
}
