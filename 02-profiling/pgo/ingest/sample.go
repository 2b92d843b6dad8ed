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
	name, rest, ok := bytes.Cut(line, []byte(":"))
	if !ok || !validName(name) {
		return nil, fmt.Errorf("%w: name in %q", ErrBadLine, line)
	}
	s.Name = name
	val, rest, _ := bytes.Cut(rest, []byte("|"))
	v, err := strconv.ParseFloat(string(val), 64)
	if err != nil {
		return nil, fmt.Errorf("%w: value %q", ErrBadLine, val)
	}
	s.Value = v
	kind, rest, _ := bytes.Cut(rest, []byte("|"))
	switch string(kind) {
	case "c":
		s.Kind = Counter
	case "g":
		s.Kind = Gauge
	case "ms":
		s.Kind = Timer
	default:
		return nil, fmt.Errorf("%w: type %q", ErrBadLine, kind)
	}
	for len(rest) > 0 {
		var field []byte
		field, rest, _ = bytes.Cut(rest, []byte("|"))
		if err := s.option(field); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// option reads one optional field of a line: @RATE or #TAGS.
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

// validName reports whether name is a metric name: letters, digits, '.',
// '_' and '-', starting with a letter.
func validName(name []byte) bool {
	if len(name) == 0 || !isLetter(name[0]) {
		return false
	}
	for _, c := range name {
		if !isLetter(c) && !(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
