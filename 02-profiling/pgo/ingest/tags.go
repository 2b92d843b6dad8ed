package ingest

import "bytes"

// splitTags splits "route:/cart,code:200" into tags, keeping at most
// len(dst), and returns how many it kept. Empty tags are skipped.
func splitTags(list []byte, dst *[maxTags][]byte) int {
	n := 0
	for len(list) > 0 && n < len(dst) {
		var tag []byte
		tag, list, _ = bytes.Cut(list, []byte(","))
		if len(tag) == 0 {
			continue
		}
		dst[n] = tag
		n++
	}
	return n
}

// seriesKey appends the key that identifies a time series, the name and
// the tags in the order given, to dst: "api.latency#route:/cart,code:200".
func seriesKey(dst []byte, s *Sample) []byte {
	dst = append(dst, s.Name...)
	for i := range s.NTags {
		if i == 0 {
			dst = append(dst, '#')
		} else {
			dst = append(dst, ',')
		}
		dst = append(dst, s.Tags[i]...)
	}
	return dst
}
