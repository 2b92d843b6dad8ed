package cpuhotspot

import "strings"

// maxLatencyMS is the largest latency a line may report: a day. Larger
// figures are clock bugs in the sender, and the line counts as bad.
const maxLatencyMS = 24 * 60 * 60 * 1000

// ParseLine parses one line of the form
//
//	2026-01-02T15:04:05Z INFO [api] latency=12ms request served
//
// and reports whether it is well formed. It cuts the line at its spaces
// instead of matching a regexp, and allocates nothing: every field is a
// substring of line.
func ParseLine(line string) (Entry, bool) {
	ts, rest, ok1 := strings.Cut(line, " ")
	level, rest, ok2 := strings.Cut(rest, " ")
	svc, rest, ok3 := strings.Cut(rest, " ")
	lat, msg, ok4 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !ok3 || !ok4 || !isTimestamp(ts) || !isLevel(level) || strings.IndexByte(msg, '\n') >= 0 {
		return Entry{}, false
	}
	svc, ok := strings.CutPrefix(svc, "[")
	if svc, ok2 = strings.CutSuffix(svc, "]"); !ok || !ok2 || !isService(svc) {
		return Entry{}, false
	}
	lat, ok = strings.CutPrefix(lat, "latency=")
	if lat, ok2 = strings.CutSuffix(lat, "ms"); !ok || !ok2 {
		return Entry{}, false
	}
	ms, ok := parseMillis(lat)
	if !ok {
		return Entry{}, false
	}
	return Entry{Time: ts, Level: level, Service: svc, LatencyMS: ms, Msg: msg}, true
}

// isTimestamp reports whether s is laid out as 2026-01-02T15:04:05Z.
func isTimestamp(s string) bool {
	const layout = "dddd-dd-ddTdd:dd:ddZ"
	if len(s) != len(layout) {
		return false
	}
	for i := range len(s) {
		if layout[i] == 'd' && (s[i] < '0' || s[i] > '9') || layout[i] != 'd' && s[i] != layout[i] {
			return false
		}
	}
	return true
}

func isLevel(s string) bool {
	return s == "DEBUG" || s == "INFO" || s == "WARN" || s == "ERROR"
}

// isService reports whether s is a lower-case letter followed by lower-case
// letters, digits and dashes.
func isService(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
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
