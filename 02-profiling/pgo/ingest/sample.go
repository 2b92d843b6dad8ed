// Package ingest is the core of statsd, a metrics collector: it parses
// StatsD lines ("api.latency:12.5|ms|@0.5|#route:/cart,code:200") and
// aggregates them into counters, gauges and timers.
package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Kind is the type of a metric: counter, gauge or timer.
type Kind byte

// The kinds of metric, as written in a line.
const (
	Counter Kind = 'c' // |c: add Value/Rate to a running total
	Gauge   Kind = 'g' // |g: keep the last Value
	Timer   Kind = 't' // |ms: record Value, in milliseconds, in a histogram
)

// maxTags is how many tags a sample keeps; later ones are dropped.
const maxTags = 4

// Sample is one parsed line. Its byte slices point into the line.
type Sample struct {
	Name  []byte
	Value float64
	Kind  Kind
	Rate  float64 // sampling rate, 0 < Rate ≤ 1; 1 if the line has none
	Tags  [maxTags][]byte
	NTags int
}

// ErrBadLine is wrapped by every error about a malformed line.
var ErrBadLine = errors.New("bad statsd line")

// parseSample parses one line: NAME:VALUE|TYPE[|@RATE][|#TAG,TAG…].
func parseSample(line []byte) (*Sample, error) {
	s := &Sample{Rate: 1}
	name, rest, ok := cut(line, ':')
	if !ok || len(name) == 0 || !nameStart[name[0]] {
		return nil, badLine("name in", line)
	}
	for _, c := range name {
		if !nameByte[c] {
			return nil, badLine("name in", line)
		}
	}
	s.Name = name
	val, rest, _ := cut(rest, '|')
	v, err := parseValue(val)
	if err != nil {
		return nil, badLine("value", val)
	}
	s.Value = v
	kind, rest, _ := cut(rest, '|')
	switch string(kind) {
	case "c":
		s.Kind = Counter
	case "g":
		s.Kind = Gauge
	case "ms":
		s.Kind = Timer
	default:
		return nil, badLine("type", kind)
	}
	for len(rest) > 0 {
		var field []byte
		field, rest, _ = cut(rest, '|')
		if err := s.option(field); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// option reads one optional field of a line: @RATE or #TAGS.
//
// It stays a call (go:noinline), so that parseSample's size does not
// depend on which of its callees a profile also finds hot: with every
// callee inlined, it would be over the 2,000 a hot call may cost.
//
//go:noinline
func (s *Sample) option(field []byte) error {
	switch {
	case len(field) > 1 && field[0] == '@':
		r, err := strconv.ParseFloat(string(field[1:]), 64)
		if err != nil || r <= 0 || r > 1 {
			return fmt.Errorf("%w: rate %q", ErrBadLine, field)
		}
		s.Rate = r
	case len(field) > 1 && field[0] == '#':
		s.NTags = splitTags(field[1:], &s.Tags)
	default:
		return fmt.Errorf("%w: field %q", ErrBadLine, field)
	}
	return nil
}

// cut is bytes.Cut for a one-byte separator. bytes.Cut, compiled with a
// profile, inlines a search of its own and would grow parseSample too.
func cut(b []byte, sep byte) (before, after []byte, found bool) {
	if i := bytes.IndexByte(b, sep); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}

// badLine is the error about a malformed line. It stays a call
// (go:noinline): the error paths must not make parseSample bigger with a
// profile that has malformed lines.
//
//go:noinline
func badLine(what string, b []byte) error { return fmt.Errorf("%w: %s %q", ErrBadLine, what, b) }

// parseValue reads a sample's value. It stays a call (go:noinline), as
// option does: with a profile, strconv.ParseFloat may be inlined into it,
// and it must not grow parseSample past what a hot call may cost.
//
//go:noinline
func parseValue(val []byte) (float64, error) { return strconv.ParseFloat(string(val), 64) }

// nameStart and nameByte say which bytes may start and make up a metric
// name: letters, then letters, digits, '.', '_' and '-'.
var nameStart, nameByte = nameTables()

func nameTables() (start, part [256]bool) {
	for c := range 256 {
		b := byte(c)
		start[c] = isLetter(b)
		part[c] = isLetter(b) || b >= '0' && b <= '9' || b == '.' || b == '_' || b == '-'
	}
	return start, part
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
