package chart

import (
	"fmt"
	"strings"
)

// The size of a panel and its plot area, in pixels.
const (
	panelW, panelH           = 560, 300
	marginL, marginR         = 70.0, 15.0
	marginTop, marginBottom  = 50.0, 45.0
	legendX, legendY, legend = 80.0, 14.0, 16.0
)

// panel is one metric's SVG: the plot area L..R × T..B, ticks, one
// polyline per series and its legend entry.
type panel struct {
	Name, About, YLabel string
	W, H                int
	L, R, T, B          float64
	XTicks, YTicks      []tick
	Lines               []line
	Legend              []legendEntry
}

type tick struct {
	Pos   float64
	Label string
}

// style is how a series is drawn: the shipped code solid under yours
// dashed, so both show where they coincide.
type style struct {
	Color, Dash string
	Width       float64
}

type line struct {
	style
	Series, Points string
}

type legendEntry struct {
	style
	Series, Text string
	X, Y         float64
}

var styles = map[string]style{
	"shipped": {Color: "#d1495b", Width: 3},
	"yours":   {Color: "#1f6fb2", Dash: "7 4", Width: 2},
}

func styleOf(name string) style {
	if s, ok := styles[name]; ok {
		return s
	}
	return style{Color: "#555", Width: 2}
}

// newPanel lays out metric m for every series, the shipped one first so
// that yours is drawn over it.
func newPanel(m Metric, series []Series) panel {
	p := panel{Name: m.Name, About: m.About, W: panelW, H: panelH,
		L: marginL, R: panelW - marginR, T: marginTop, B: panelH - marginBottom}
	tmax, vmax := extent(m, series)
	div, unit := 1.0, m.Unit
	if m.Unit == "bytes" {
		div, unit = byteUnit(vmax)
	}
	p.YLabel = m.Unit
	if m.Unit == "bytes" {
		p.YLabel = fmt.Sprintf("%s (%s)", m.Name, unit)
	}
	xs, ys := niceStep(tmax, 6), niceStep(vmax/div, 4)
	xmax, ymax := ceilTo(tmax, xs), ceilTo(vmax/div, ys)*div
	x := func(t float64) float64 { return p.L + t/xmax*(p.R-p.L) }
	y := func(v float64) float64 { return p.B - v/ymax*(p.B-p.T) }
	for t := 0.0; t <= xmax+xs/2; t += xs {
		p.XTicks = append(p.XTicks, tick{round1(x(t)), trimFloat(t)})
	}
	for v := 0.0; v <= ymax/div+ys/2; v += ys {
		p.YTicks = append(p.YTicks, tick{round1(y(v * div)), trimFloat(v)})
	}
	for i, s := range drawOrder(series) {
		st := styleOf(s.Name)
		p.Lines = append(p.Lines, line{st, s.Name, points(s, m, x, y)})
		text := fmt.Sprintf("%s: %s at the end", s.Name, m.Format(m.Last(s)))
		p.Legend = append(p.Legend, legendEntry{st, s.Name, text, legendX + float64(i)*235, legendY + legend})
	}
	return p
}

// extent is the longest time and the largest value of m in any series
// (never zero, so the scales can divide by them).
func extent(m Metric, series []Series) (tmax, vmax float64) {
	for _, s := range series {
		for _, smp := range s.Samples {
			tmax, vmax = max(tmax, smp.T), max(vmax, m.Value(smp))
		}
	}
	if tmax <= 0 {
		tmax = 0.01
	}
	if vmax <= 0 {
		vmax = 1
	}
	return tmax, vmax
}

func drawOrder(series []Series) []Series {
	var out []Series
	for _, s := range series {
		if s.Name == "shipped" {
			out = append([]Series{s}, out...)
		} else {
			out = append(out, s)
		}
	}
	return out
}

// maxPoints bounds a polyline: a 20 s run sampled every 2 ms has 10,000
// samples, far more than the panel has pixels.
const maxPoints = 1000

// points is the polyline of s: an x,y pair per sample, or per every k-th
// one, and the last, for a long run.
func points(s Series, m Metric, x, y func(float64) float64) string {
	var b strings.Builder
	k := (len(s.Samples) + maxPoints - 1) / maxPoints
	for i, smp := range s.Samples {
		if i%k != 0 && i != len(s.Samples)-1 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x(smp.T), y(m.Value(smp)))
	}
	return b.String()
}

func ceilTo(v, step float64) float64 {
	n := float64(int(v/step + 0.999999))
	return max(n, 1) * step
}

func round1(v float64) float64 { return float64(int(v*10+0.5)) / 10 }
