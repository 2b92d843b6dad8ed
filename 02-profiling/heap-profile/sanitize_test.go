package heapprofile

import (
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/goperflabs/labs/internal/testkit"
)

// tagOrBracket matches a whole tag, or else a lone '<'. Go's regexp takes
// the leftmost match and, among alternatives, prefers the first.
var tagOrBracket = regexp.MustCompile(`<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*>|<`)

// reference sanitizes html with a regexp and a list, to check Sanitize
// against. It is deliberately written differently from any fast version.
func reference(html string) string {
	keep := strings.Fields("a abbr b blockquote br caption cite code dd del dfn dl dt em h1 h2 h3 h4 h5 h6 hr i ins kbd li mark ol p pre q s samp small strong sub sup table tbody td th thead tr u ul var")
	return tagOrBracket.ReplaceAllStringFunc(html, func(m string) string {
		if m == "<" {
			return "&lt;"
		}
		sub := tagOrBracket.FindStringSubmatch(m)
		name := strings.ToLower(sub[2])
		for _, k := range keep {
			if k == name {
				return "<" + sub[1] + name + ">"
			}
		}
		return ""
	})
}

func TestSanitizeExamples(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"plain text, 3 > 2":                  "plain text, 3 > 2",
		`<P class="x">Hi <B>there</B></p>`:   "<p>Hi <b>there</b></p>",
		`<script>alert(1)</script>ok`:        "alert(1)ok",
		`a<br/>b<BR >c<hr/>`:                 "a<br>b<br>c<hr>",
		`<div><a href="javascript:x">y</a>`:  "<a>y</a>",
		"1 < 2 <3 <!-- c --> </ >":           "1 &lt; 2 &lt;3 &lt;!-- c --> &lt;/ >",
		"<b unterminated":                    "&lt;b unterminated",
		"<H1>T</H1><h7>no</h7><Blockquote>q": "<h1>T</h1>no<blockquote>q",
		"<img src=x onerror=alert(1)>é<i>ü":  "é<i>ü",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSanitizeMatchesReference(t *testing.T) {
	for seed := range uint64(20) {
		page := SamplePage(1<<10+int(seed)*800, seed)
		if got, want := Sanitize(page), reference(page); got != want {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("Sanitize of page %d (%d bytes) differs from the reference at byte %d:\n  got  …%.60q\n  want …%.60q",
				seed, len(page), i, got[max(i-20, 0):], want[max(i-20, 0):])
		}
	}
}

// bytesPerRun is the heap bytes one call of f allocates, on average over
// runs calls after one warm-up call, measured like testing.AllocsPerRun:
// GOMAXPROCS 1 and the runtime's running total of allocated bytes.
func bytesPerRun(runs int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// profileHint is the tool the gates below point to.
const profileHint = "go test -run '^$' -bench . -memprofile mem.pprof ./02-profiling/heap-profile && go tool pprof -sample_index=alloc_space -top mem.pprof"

// gateRuns is how many calls the gates below average over, after one
// warm-up call.
const gateRuns = 20

// testPages returns n different pages of 8 KiB, from seed first on, and
// what the reference makes of each. The gates below give every call a page
// that no call before it has seen, as the import job does, so a cache of
// results does not hide what sanitizing costs.
func testPages(n int, first uint64) (pages, want []string) {
	for seed := range uint64(n) {
		p := SamplePage(8<<10, first+seed)
		pages = append(pages, p)
		want = append(want, reference(p))
	}
	return pages, want
}

// TestSanitizeAllocatedBytes gates the bytes Sanitize allocates for an
// 8 KiB page. The output needs about as many bytes as the input; budget
// three times the input.
func TestSanitizeAllocatedBytes(t *testing.T) {
	pages, want := testPages(gateRuns+1, 100)
	budget := uint64(3 * 8 << 10)
	next := 0
	got := bytesPerRun(gateRuns, func() {
		if Sanitize(pages[next]) != want[next] {
			t.Fatal("Sanitize's output differs from the reference")
		}
		next++
	})
	if testkit.RaceEnabled {
		t.Logf("bytes allocated per Sanitize = %s (budget %s not checked under -race)", testkit.Bytes(got), testkit.Bytes(budget))
		return
	}
	testkit.Report(t, testkit.Figure{Name: "bytes per page", Value: float64(got), Op: "<=", Budget: float64(budget), Unit: "bytes"})
	if got > budget {
		t.Errorf("bytes allocated per 8 KiB page sanitized = %s, budget ≤ %s. The output is about 5 KiB; find where the rest comes from with a heap profile of allocations: %s",
			testkit.Bytes(got), testkit.Bytes(budget), profileHint)
	} else {
		t.Logf("bytes allocated per 8 KiB page sanitized: %s (budget ≤ %s)", testkit.Bytes(got), testkit.Bytes(budget))
	}
}

// TestSanitizeAllocations gates the number of allocations per Sanitize of
// an 8 KiB page: one for the output, and one more of room. Anything done
// per tag (and a page has about 900 tags) shows here.
func TestSanitizeAllocations(t *testing.T) {
	pages, want := testPages(gateRuns+1, 200)
	const budget = 2
	next := 0
	got := testing.AllocsPerRun(gateRuns, func() {
		if Sanitize(pages[next]) != want[next] {
			t.Fatal("Sanitize's output differs from the reference")
		}
		next++
	})
	if testkit.RaceEnabled {
		t.Logf("allocations per Sanitize = %.0f (budget %d not checked under -race)", got, budget)
		return
	}
	testkit.Report(t, testkit.Figure{Name: "allocations per page", Value: got, Op: "<=", Budget: budget, Unit: "allocs"})
	if got > budget {
		t.Errorf("allocations per 8 KiB page sanitized = %.0f, budget ≤ %d (one for the output, one of room); count them by where they are made with %s (-sample_index=alloc_objects counts objects instead of bytes)",
			got, budget, strings.Replace(profileHint, "alloc_space", "alloc_objects", 1))
	} else {
		t.Logf("allocations per 8 KiB page sanitized: %.0f (budget ≤ %d)", got, budget)
	}
}

// BenchmarkSanitize sanitizes one 8 KiB page per op.
func BenchmarkSanitize(b *testing.B) {
	page := SamplePage(8<<10, 1)
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		Sanitize(page)
	}
}
