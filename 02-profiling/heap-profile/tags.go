package heapprofile

import "strings"

// A tag is one tag as scanTag reads it from the HTML.
type tag struct {
	name    string // as written, such as "B" or "blockquote"
	closing bool   // </name>
	end     int    // index just past its '>'
}

// scanTag reads the tag that starts at html[i] == '<'. ok is false if no
// tag starts there: a tag is '<', an optional '/', a name of ASCII letters
// and digits that starts with a letter, then anything up to the next '>'.
func scanTag(html string, i int) (t tag, ok bool) {
	j := i + 1
	if j < len(html) && html[j] == '/' {
		t.closing = true
		j++
	}
	start := j
	for j < len(html) && isAlnum(html[j]) {
		j++
	}
	if j == start || !isLetter(html[start]) {
		return tag{}, false
	}
	gt := strings.IndexByte(html[j:], '>')
	if gt < 0 {
		return tag{}, false
	}
	t.name, t.end = html[start:j], j+gt+1
	return t, true
}

// writeTag writes t in lower case with no attributes: <b>, </b>, <br>.
func writeTag(b *strings.Builder, t tag) {
	b.WriteByte('<')
	if t.closing {
		b.WriteByte('/')
	}
	for i := range len(t.name) {
		b.WriteByte(lower(t.name[i]))
	}
	b.WriteByte('>')
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool  { return isLetter(c) || '0' <= c && c <= '9' }
