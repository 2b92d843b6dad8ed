package heapprofile

import (
	"math/rand/v2"
	"strings"
)

var (
	keptTags    = []string{"p", "b", "i", "em", "strong", "a", "ul", "li", "code", "pre", "br", "blockquote", "h2", "h3", "P", "B", "Em", "LI"}
	droppedTags = []string{"div", "span", "font", "img", "script", "iframe", "style", "DIV", "Span", "object", "center", "marquee"}
	attributes  = []string{"", "", " class=\"x\"", " href=\"https://example.com/a?b=1&c=2\"", " onclick=\"steal()\"", " style=\"color:red\"", "/"}
	words       = strings.Fields("the quick brown fox jumps over a lazy dog while gophers profile heaps and flame graphs burn bright 3 < 4 > 2 & so on")
)

// SamplePage returns a user-submitted HTML fragment of about size bytes,
// the same one for the same seed: text with allowed and disallowed tags in
// both cases, attributes, self-closing tags and a few stray '<'.
func SamplePage(size int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 99))
	var b strings.Builder
	for b.Len() < size {
		switch r := rng.IntN(10); {
		case r < 5:
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		case r < 8:
			tags := keptTags
			if rng.IntN(3) == 0 {
				tags = droppedTags
			}
			name := tags[rng.IntN(len(tags))]
			b.WriteString("<")
			if rng.IntN(2) == 0 {
				b.WriteString("/")
			}
			b.WriteString(name + attributes[rng.IntN(len(attributes))] + ">")
		case r < 9:
			b.WriteString("\n")
		default:
			b.WriteString("<!-- note --> <3 ")
		}
	}
	return b.String()
}
