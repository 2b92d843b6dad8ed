package cpuhotspot

// latencyBuckets are the upper bounds, in milliseconds, of the latency
// histogram a batch keeps; the last bucket holds everything slower.
var latencyBuckets = [...]int{10, 50, 100, 250, 500, 1000, 2500}

func newStats() Stats {
	return Stats{ByLevel: make(map[string]int, 4)}
}

// add counts one line, which may be empty (then it is skipped) or bad.
func (st *Stats) add(line string) {
	if line == "" {
		return
	}
	st.Lines++
	e, ok := ParseLine(line)
	if !ok {
		st.Bad++
		return
	}
	st.ByLevel[e.Level]++
	st.TotalMS += e.LatencyMS
	st.Histogram[bucket(e.LatencyMS)]++
	if st.Slowest == "" || e.LatencyMS > st.SlowestMS {
		st.Slowest, st.SlowestMS = e.Service, e.LatencyMS
	}
}

// merge adds the figures of o, a batch that came after st's lines, to st.
// The slowest line stays the first one on a tie, as in a single batch.
func (st *Stats) merge(o Stats) {
	st.Lines += o.Lines
	st.Bad += o.Bad
	st.TotalMS += o.TotalMS
	for lvl, n := range o.ByLevel {
		st.ByLevel[lvl] += n
	}
	for i, n := range o.Histogram {
		st.Histogram[i] += n
	}
	if o.Slowest != "" && (st.Slowest == "" || o.SlowestMS > st.SlowestMS) {
		st.Slowest, st.SlowestMS = o.Slowest, o.SlowestMS
	}
}

// bucket returns the histogram bucket of a latency.
func bucket(ms int) int {
	for i, limit := range latencyBuckets {
		if ms <= limit {
			return i
		}
	}
	return len(latencyBuckets)
}

// MeanMS returns the mean latency of the batch's good lines, or 0.
func (st Stats) MeanMS() float64 {
	good := st.Lines - st.Bad
	if good == 0 {
		return 0
	}
	return float64(st.TotalMS) / float64(good)
}

// Percentile returns the upper bound of the histogram bucket that holds
// the p-th percentile (0 < p ≤ 100) of the batch's latencies, or -1 when
// it falls in the open last bucket or the batch has no good lines.
func (st Stats) Percentile(p float64) int {
	good := st.Lines - st.Bad
	if good == 0 {
		return -1
	}
	rank := int(float64(good)*p/100 + 0.5)
	seen := 0
	for i, n := range st.Histogram {
		seen += n
		if seen >= rank && i < len(latencyBuckets) {
			return latencyBuckets[i]
		}
	}
	return -1
}
