package chart

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func render(t *testing.T, p Page) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Render(&b, p))
	return b.String()
}

func TestPageNeedsNothingFromElsewhere(t *testing.T) {
	html := render(t, fixedPage())
	for _, ref := range []string{"http:", "https:", "//", "src=", "href=", "url(", "@import", "<link", "<img", "<iframe"} {
		assert.NotContains(t, html, ref, "the page must be self-contained")
	}
	assert.Contains(t, html, "<svg ")
	assert.Contains(t, html, "<title>01-memory/retention: memory while TestIndexRetention runs</title>")
}

func TestPageLabelsEachPanel(t *testing.T) {
	html := render(t, fixedPage())
	for _, m := range Metrics {
		assert.Contains(t, html, `<figure data-metric="`+m.Name+`">`)
	}
	assert.Contains(t, html, "live heap (MiB)", "the byte axis names its unit")
	assert.Contains(t, html, ">time (s)<")
	assert.Contains(t, html, "shipped: 58.3 MiB at the end")
	assert.Contains(t, html, "yours: 2.0 MiB at the end")
	assert.Contains(t, html, "shipped: the workload failed")
	assert.NotContains(t, html, "coincide")
}

func TestPageSaysWhenYoursIsTheShippedCode(t *testing.T) {
	p := fixedPage()
	p.Same = true
	assert.Contains(t, render(t, p), "Your files are the shipped ones: the two lines coincide.")
}

func TestNiceSteps(t *testing.T) {
	for _, c := range []struct{ span, want float64 }{{2, 0.5}, {0.3, 0.1}, {58, 20}, {1000, 500}, {0, 1}} {
		assert.InDelta(t, c.want, niceStep(c.span, 4), 1e-9, "span %v", c.span)
	}
	assert.Equal(t, "0.25", trimFloat(0.25))
	assert.Equal(t, "3", trimFloat(3.0))
}

func TestReadSamplesDropsACutLine(t *testing.T) {
	in := `{"t":0.01,"live":10,"goal":20,"goroutines":2,"gc":0}` + "\n" + `{"t":0.02,"live":1`
	got, err := ReadSamples(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []Sample{{T: 0.01, Live: 10, Goal: 20, Goroutines: 2, GC: 0}}, got)
}

func TestLongRunsAreThinnedToFewerPoints(t *testing.T) {
	s := Series{Name: "yours"}
	for i := range 10_001 {
		s.Samples = append(s.Samples, Sample{T: float64(i) * 0.002, Live: float64(i)})
	}
	pts := strings.Fields(points(s, Metrics[0], func(t float64) float64 { return t }, func(v float64) float64 { return v }))
	assert.LessOrEqual(t, len(pts), maxPoints+1)
	assert.Equal(t, "20.0,10000.0", pts[len(pts)-1], "the last sample is kept")
}
