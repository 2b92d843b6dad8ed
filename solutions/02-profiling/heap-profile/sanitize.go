// Package heapprofile cleans user-submitted HTML before a forum stores it:
// text is kept, a short list of harmless tags is kept (without their
// attributes), every other tag is dropped, and a '<' that does not start a
// tag is escaped. The output is right. The service that runs it spends a
// surprising share of its time in the garbage collector.
package heapprofile

import "strings"

// Sanitize returns html with only allowed tags left, each written in lower
// case with no attributes (<B class="x"> becomes <b>, <br/> becomes <br>),
// every other tag removed, text kept as it is, and each '<' that does not
// open a tag written as "&lt;". Sanitize may be called from any number of
// goroutines at once.
func Sanitize(html string) string {
	var b strings.Builder
	b.Grow(len(html)) // the output is rarely longer than the input
	for i := 0; i < len(html); {
		if html[i] != '<' {
			next := strings.IndexByte(html[i:], '<')
			if next < 0 {
				next = len(html) - i
			}
			b.WriteString(html[i : i+next])
			i += next
			continue
		}
		t, ok := scanTag(html, i)
		if !ok {
			b.WriteString("&lt;")
			i++
			continue
		}
		if forumPolicy.allows(t.name) {
			writeTag(&b, t)
		}
		i = t.end
	}
	return b.String()
}
