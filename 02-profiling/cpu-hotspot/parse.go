package cpuhotspot

// Positions of the fields of standardFormat in a match.
var (
	timeField    = standardFormat.index("time")
	levelField   = standardFormat.index("level")
	serviceField = standardFormat.index("service")
	latencyField = standardFormat.index("latency")
	msgField     = standardFormat.index("msg")
)

// maxLatencyMS is the largest latency a line may report: a day. Larger
// figures are clock bugs in the sender, and the line counts as bad.
const maxLatencyMS = 24 * 60 * 60 * 1000

// ParseLine parses one line of the form
//
//	2026-01-02T15:04:05Z INFO [api] latency=12ms request served
//
// and reports whether it is well formed.
func ParseLine(line string) (Entry, bool) {
	m := standardFormat.matcher().FindStringSubmatch(line)
	if m == nil {
		return Entry{}, false
	}
	ms, ok := parseMillis(m[latencyField])
	if !ok {
		return Entry{}, false
	}
	return Entry{
		Time:      m[timeField],
		Level:     m[levelField],
		Service:   m[serviceField],
		LatencyMS: ms,
		Msg:       m[msgField],
	}, true
}

// parseMillis converts the digits of a latency to a number of
// milliseconds, and reports false for an empty or absurd figure.
func parseMillis(digits string) (int, bool) {
	if digits == "" || len(digits) > 9 {
		return 0, false
	}
	n := 0
	for i := range len(digits) {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= maxLatencyMS
}
