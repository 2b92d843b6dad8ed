package profile

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// A flame graph drawn from the samples themselves: one box per function
// per call path, as wide as its cumulative cost, callers below callees.
// It is plain SVG (a title per box for the hover text), so any browser
// shows it and no Graphviz is needed.

const (
	flameWidth = 1200.0
	rowHeight  = 18.0
	charWidth  = 7.0 // of the 12px monospace font, roughly
	headHeight = 40.0
)

// frame is one node of the call tree.
type frame struct {
	name     string
	mine     bool
	value    int64
	children []*frame
}

func (f *frame) child(fn *profile.Function, mine Mine) *frame {
	for _, c := range f.children {
		if c.name == fn.Name {
			return c
		}
	}
	c := &frame{name: fn.Name, mine: mine != nil && mine(fn)}
	f.children = append(f.children, c)
	return c
}

// tree builds the call tree of one sample type, root first; samples of no
// positive value (a diff's falls) are left out.
func tree(p *profile.Profile, i int, mine Mine) *frame {
	root := &frame{name: "all"}
	for _, s := range p.Sample {
		v := s.Value[i]
		if v <= 0 {
			continue
		}
		root.value += v
		node := root
		fs := frames(s)
		for j := len(fs) - 1; j >= 0; j-- {
			node = node.child(fs[j], mine)
			node.value += v
		}
	}
	return root
}

func (f *frame) depth() int {
	d := 0
	for _, c := range f.children {
		d = max(d, c.depth())
	}
	return d + 1
}

// WriteFlameGraph writes the profile's flame graph of the sample type
// named index as a self-contained SVG document.
func WriteFlameGraph(w io.Writer, p *profile.Profile, index, title string, mine Mine) error {
	i := sampleIndex(p, index)
	root := tree(p, i, mine)
	height := headHeight + float64(root.depth())*rowHeight + 10
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="monospace" font-size="12">
<rect width="100%%" height="100%%" fill="#fdfdf8"/>
<text x="10" y="18" font-size="15">%s</text>
<text x="10" y="34" fill="#555">%s: %s in all; the width of a box is its share; blue boxes are your code; hover for figures</text>
`, flameWidth+20, height, flameWidth+20, height, esc(title), esc(p.SampleType[i].Type), esc(FormatValue(p.SampleType[i].Unit, root.value)))
	if root.value > 0 {
		draw(&b, root, 10, height-10-rowHeight, flameWidth/float64(root.value), root.value, p.SampleType[i].Unit)
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// draw writes f's box at (x, y) and its children's above it.
func draw(b *bytes.Buffer, f *frame, x, y, scale float64, total int64, unit string) {
	w := float64(f.value) * scale
	if w < 0.5 {
		return
	}
	label := fmt.Sprintf("%s (%s, %.1f%%)", f.name, FormatValue(unit, f.value), 100*float64(f.value)/float64(total))
	fmt.Fprintf(b, "<g><title>%s</title><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%g\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.5\"/>",
		esc(label), x, y, w, rowHeight-1, color(f))
	if text := fit(ShortName(f.name), w); text != "" {
		fmt.Fprintf(b, "<text x=\"%.2f\" y=\"%.2f\">%s</text>", x+3, y+13, esc(text))
	}
	b.WriteString("</g>\n")
	children := slices.Clone(f.children)
	slices.SortFunc(children, func(a, c *frame) int { return strings.Compare(a.name, c.name) })
	for _, c := range children {
		draw(b, c, x, y-rowHeight, scale, total, unit)
		x += float64(c.value) * scale
	}
}

// fit cuts a label to the box's width, or drops it when too little fits.
func fit(s string, width float64) string {
	n := int((width - 6) / charWidth)
	switch {
	case n >= len([]rune(s)):
		return s
	case n < 4:
		return ""
	}
	return string([]rune(s)[:n-2]) + ".."
}

// color is a warm hue for other code, picked by name so that a function
// keeps its color, and blue for the learner's.
func color(f *frame) string {
	h := fnv.New32a()
	h.Write([]byte(f.name))
	v := h.Sum32()
	if f.mine {
		return fmt.Sprintf("rgb(%d,%d,235)", 80+v%40, 140+v%50)
	}
	if f.name == "all" {
		return "rgb(200,200,200)"
	}
	return fmt.Sprintf("rgb(%d,%d,%d)", 205+v%50, 80+(v>>8)%130, 40+(v>>16)%40)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
