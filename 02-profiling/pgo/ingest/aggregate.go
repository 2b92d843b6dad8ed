package ingest

import (
	"bytes"
	"math"
	"slices"
	"sync"
)

// Aggregator sums the samples of one flush interval per time series. It is
// safe for concurrent use.
type Aggregator struct {
	mu     sync.Mutex
	series map[string]*series
	key    []byte // scratch space for series keys, used under mu
	lines  int
	bad    int
}

// series is the state of one time series in the current interval.
type series struct {
	kind  Kind
	count int     // samples seen
	sum   float64 // counters: the total; timers: the sum of values
	last  float64 // gauges: the last value
	min   float64 // timers
	max   float64 // timers
}

// NewAggregator returns an empty Aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{series: make(map[string]*series)}
}

// Ingest parses and records every line of batch (lines end with '\n') and
// returns how many lines it saw and how many it rejected.
func (a *Aggregator) Ingest(batch []byte) (lines, bad int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for len(batch) > 0 {
		var line []byte
		line, batch, _ = bytes.Cut(batch, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		lines++
		s, err := parseSample(line)
		if err != nil {
			bad++
			continue
		}
		a.record(s)
	}
	a.lines += lines
	a.bad += bad
	return lines, bad
}

// record adds one sample to its series. It does not keep s.
func (a *Aggregator) record(s *Sample) {
	a.key = seriesKey(a.key[:0], s)
	st, ok := a.series[string(a.key)]
	if !ok {
		st = &series{kind: s.Kind, min: math.Inf(1), max: math.Inf(-1)}
		a.series[string(a.key)] = st
	}
	st.count++
	switch s.Kind {
	case Counter:
		st.sum += s.Value / s.Rate
	case Gauge:
		st.last = s.Value
	case Timer:
		st.sum += s.Value
		st.min = min(st.min, s.Value)
		st.max = max(st.max, s.Value)
	}
}

// Point is one series' figure at a flush.
type Point struct {
	Key   string
	Kind  Kind
	Count int
	Value float64 // counter total, gauge last value, timer mean
	Min   float64 // timers only
	Max   float64 // timers only
}

// Flush returns the figures of the interval, sorted by key, and starts a
// new interval. It also returns the lines seen and rejected since the last
// flush.
func (a *Aggregator) Flush() (points []Point, lines, bad int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	points = make([]Point, 0, len(a.series))
	for k, st := range a.series {
		p := Point{Key: k, Kind: st.kind, Count: st.count}
		switch st.kind {
		case Counter:
			p.Value = st.sum
		case Gauge:
			p.Value = st.last
		case Timer:
			p.Value, p.Min, p.Max = st.sum/float64(st.count), st.min, st.max
		}
		points = append(points, p)
	}
	slices.SortFunc(points, func(x, y Point) int { return cmpString(x.Key, y.Key) })
	lines, bad = a.lines, a.bad
	a.series = make(map[string]*series, len(a.series))
	a.lines, a.bad = 0, 0
	return points, lines, bad
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
