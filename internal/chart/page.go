package chart

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"
)

// Page is what a chart page shows.
type Page struct {
	Lab      string // "01-memory/retention"
	Workload string // "TestIndexRetention"
	Series   []Series
	// Same says the learner's files equal the shipped ones: the two lines
	// coincide.
	Same  bool
	Taken time.Time
}

//go:embed page.html
var pageSource string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"add": func(a, b float64) float64 { return a + b },
	"sub": func(a, b float64) float64 { return a - b },
	"div": func(a, b float64) float64 { return a / b },
}).Parse(pageSource))

// Render writes p as one HTML page that needs nothing else: no script,
// style or font from elsewhere.
func Render(w io.Writer, p Page) error {
	if err := pageTemplate.Execute(w, p.view()); err != nil {
		return fmt.Errorf("writing the chart: %w", err)
	}
	return nil
}

// pageView is the template's data.
type pageView struct {
	Title, Subtitle string
	Notes           []string
	Panels          []panel
}

func (p Page) view() pageView {
	v := pageView{
		Title:    fmt.Sprintf("%s: memory while %s runs", p.Lab, p.Workload),
		Subtitle: fmt.Sprintf("runtime/metrics sampled every %d ms, your code and the shipped code, %s", Every, p.Taken.Format("2006-01-02 15:04:05")),
	}
	if p.Same {
		v.Notes = append(v.Notes, "Your files are the shipped ones: the two lines coincide. Change the code and run chart again.")
	}
	for _, s := range p.Series {
		if note := s.Note(); note != "" {
			v.Notes = append(v.Notes, note)
		}
	}
	for _, m := range Metrics {
		v.Panels = append(v.Panels, newPanel(m, p.Series))
	}
	return v
}

// Note says how the workload ended when it failed or ran out of time
// ("" when it passed).
func (s Series) Note() string {
	switch {
	case s.TimedOut:
		return fmt.Sprintf("%s: the workload hit the lab's time limit and was stopped; the line shows what ran until then.", s.Name)
	case s.Failed:
		return fmt.Sprintf("%s: the workload failed (a lab's tests do until it is fixed); the line shows what ran.", s.Name)
	}
	return ""
}

// Last is the metric's value at the series' last sample (0 without one).
func (m Metric) Last(s Series) float64 {
	if len(s.Samples) == 0 {
		return 0
	}
	return m.Value(s.Samples[len(s.Samples)-1])
}

// Format writes v in the metric's unit: bytes as KiB, MiB or GiB.
func (m Metric) Format(v float64) string {
	if m.Unit != "bytes" {
		return fmt.Sprintf("%.0f %s", v, m.Unit)
	}
	div, unit := byteUnit(v)
	if div == 1 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f %s", v/div, unit)
}

func byteUnit(v float64) (float64, string) {
	switch {
	case v >= 1<<30:
		return 1 << 30, "GiB"
	case v >= 1<<20:
		return 1 << 20, "MiB"
	case v >= 1<<10:
		return 1 << 10, "KiB"
	}
	return 1, "B"
}

// niceStep is a round step (1, 2 or 5 times a power of ten) that cuts
// span into about n parts.
func niceStep(span float64, n int) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / float64(n)
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*pow >= raw {
			return f * pow
		}
	}
	return 10 * pow
}

// trimFloat writes v without trailing zeros.
func trimFloat(v float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}
