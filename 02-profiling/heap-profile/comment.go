package heapprofile

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxCommentBytes is the largest comment body the forum accepts.
const MaxCommentBytes = 64 << 10

// A Comment is what a user submits.
type Comment struct {
	Author string
	Body   string // HTML
}

// A Stored comment is what the forum keeps: the cleaned body and a few
// figures for the listing pages.
type Stored struct {
	Author   string
	Body     string   // sanitized HTML
	Words    int      // words of text, tags not counted
	Mentions []string // @names in the text, in order, without repeats
}

// ErrTooLong is returned for a comment over MaxCommentBytes.
var ErrTooLong = errors.New("comment too long")

// Prepare checks a comment, cleans its body and counts what the listing
// pages show.
func Prepare(c Comment) (Stored, error) {
	switch {
	case len(c.Body) > MaxCommentBytes:
		return Stored{}, fmt.Errorf("comment by %s: %d bytes: %w", c.Author, len(c.Body), ErrTooLong)
	case !utf8.ValidString(c.Body):
		return Stored{}, fmt.Errorf("comment by %s: body is not UTF-8", c.Author)
	}
	body := Sanitize(c.Body)
	text := stripTags(body)
	return Stored{Author: c.Author, Body: body, Words: len(strings.Fields(text)), Mentions: mentions(text)}, nil
}

// stripTags returns the text of sanitized HTML: every tag removed, each
// one replaced by a space so that words on either side stay apart.
func stripTags(html string) string {
	var b strings.Builder
	b.Grow(len(html))
	in := false
	for i := range len(html) {
		switch c := html[i]; {
		case c == '<':
			in = true
		case c == '>' && in:
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mentions returns the @names in text, in order of first appearance. A
// name is letters, digits, '-' and '_' after an '@' that starts a word.
func mentions(text string) []string {
	var out []string
	for _, w := range strings.Fields(text) {
		name, ok := strings.CutPrefix(w, "@")
		if !ok {
			continue
		}
		name = strings.TrimRightFunc(name, func(r rune) bool {
			return !(r == '-' || r == '_' || r < utf8.RuneSelf && isAlnum(byte(r)))
		})
		if name != "" && !contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
