package cpuhotspot

import (
	"regexp"
	"strings"
	"testing"
)

// A lineFormat describes one layout of log line that the collector
// accepts: the fields of the line, in order, each with the pattern its
// text must match, separated by single spaces.
type lineFormat struct {
	name   string
	fields []field
}

// A field is one space-separated part of a log line. A field with a name
// is captured; prefix and suffix are literal text around the capture.
type field struct {
	name    string // "" for a field that is matched but not kept
	prefix  string // literal text before the value, such as "latency="
	pattern string // regexp syntax for the value
	suffix  string // literal text after the value, such as "ms"
}

// standardFormat is the layout every service sends today:
//
//	2026-01-02T15:04:05Z INFO [api] latency=12ms request served
var standardFormat = lineFormat{
	name: "standard",
	fields: []field{
		{name: "time", pattern: `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z`},
		{name: "level", pattern: `DEBUG|INFO|WARN|ERROR`},
		{name: "service", prefix: `\[`, pattern: `[a-z][a-z0-9-]*`, suffix: `\]`},
		{name: "latency", prefix: `latency=`, pattern: `\d+`, suffix: `ms`},
		{name: "msg", pattern: `.*`},
	},
}

// expr returns the regular expression for the whole line: every field in
// order, one space apart, anchored at both ends.
func (f lineFormat) expr() string {
	parts := make([]string, len(f.fields))
	for i, fl := range f.fields {
		parts[i] = fl.prefix + "(" + fl.pattern + ")" + fl.suffix
	}
	return "^" + strings.Join(parts, " ") + "$"
}

// matcher returns the format's regular expression, ready to match lines.
var testRE = regexp.MustCompile(standardFormat.expr())

func (f lineFormat) matcher() *regexp.Regexp {
	if testing.Testing() {
		return testRE
	}
	return regexp.MustCompile(f.expr())
}

// index returns the position of the named field's capture in a match, or
// -1 if the format has no such field. Capture 0 is the whole line.
func (f lineFormat) index(name string) int {
	for i, fl := range f.fields {
		if fl.name == name {
			return i + 1
		}
	}
	return -1
}
