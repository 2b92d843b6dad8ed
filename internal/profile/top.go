package profile

import (
	"cmp"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// Entry is one function's cost in a profile.
type Entry struct {
	Name string // the function's full name
	Flat int64  // in the function itself (the leaf of a stack)
	Cum  int64  // in the function and what it called
	Mine bool   // the function is the learner's code
}

// Table is every function's cost in one sample type of a profile.
type Table struct {
	Type    string // the sample type: "cpu", "inuse_space", …
	Unit    string // its unit: "nanoseconds", "bytes", "count"
	Total   int64  // the sum over all samples
	Entries []Entry
}

// Mine says whether a function is the learner's own code.
type Mine func(fn *profile.Function) bool

// InDir is a Mine that holds a function the learner's when its file is
// directly in one of dirs and is not a test file: the lab's package. Give
// the folder and the import path, which is what a binary built with
// -trimpath records.
func InDir(dirs ...string) Mine {
	return func(fn *profile.Function) bool {
		if fn == nil || strings.HasSuffix(fn.Filename, "_test.go") {
			return false
		}
		return slices.Contains(dirs, path.Dir(filepath.ToSlash(fn.Filename))) ||
			slices.Contains(dirs, filepath.Dir(fn.Filename))
	}
}

// Top adds up the cost of each function in the sample type named index
// ("" or an unknown name: the profile's default, its last).
func Top(p *profile.Profile, index string, mine Mine) Table {
	i := sampleIndex(p, index)
	t := Table{Type: p.SampleType[i].Type, Unit: p.SampleType[i].Unit}
	byName := map[string]*Entry{}
	entry := func(fn *profile.Function) *Entry {
		e, ok := byName[fn.Name]
		if !ok {
			e = &Entry{Name: fn.Name, Mine: mine != nil && mine(fn)}
			byName[fn.Name] = e
		}
		return e
	}
	for _, s := range p.Sample {
		v := s.Value[i]
		t.Total += v
		seen := map[string]bool{}
		for depth, fn := range frames(s) {
			e := entry(fn)
			if depth == 0 {
				e.Flat += v
			}
			if !seen[fn.Name] {
				seen[fn.Name] = true
				e.Cum += v
			}
		}
	}
	for _, e := range byName {
		t.Entries = append(t.Entries, *e)
	}
	return t
}

// frames returns a sample's functions, leaf first, inlined calls included.
func frames(s *profile.Sample) []*profile.Function {
	var out []*profile.Function
	for _, loc := range s.Location {
		for _, line := range loc.Line {
			if line.Function != nil {
				out = append(out, line.Function)
			}
		}
	}
	return out
}

func sampleIndex(p *profile.Profile, name string) int {
	for i, st := range p.SampleType {
		if st.Type == name {
			return i
		}
	}
	return len(p.SampleType) - 1
}

// ByFlat returns the n entries of largest flat cost (by size, for a diff).
func (t Table) ByFlat(n int) []Entry { return t.top(n, func(e Entry) int64 { return e.Flat }) }

// ByCum returns the n entries of largest cumulative cost.
func (t Table) ByCum(n int) []Entry { return t.top(n, func(e Entry) int64 { return e.Cum }) }

func (t Table) top(n int, key func(Entry) int64) []Entry {
	es := slices.Clone(t.Entries)
	es = slices.DeleteFunc(es, func(e Entry) bool { return key(e) == 0 })
	slices.SortFunc(es, func(a, b Entry) int {
		if c := cmp.Compare(abs(key(b)), abs(key(a))); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return es[:min(n, len(es))]
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// Write prints the top n functions by flat and by cumulative cost, the
// learner's own marked with "»".
func (t Table) Write(w io.Writer, n int) {
	fmt.Fprintf(w, "%s: %s in all; » marks your code (the lab's package)\n", t.Type, FormatValue(t.Unit, t.Total))
	fmt.Fprintf(w, "\ntop %d by flat (in the function itself):\n", n)
	t.writeRows(w, t.ByFlat(n))
	fmt.Fprintf(w, "\ntop %d by cum (in the function and what it calls):\n", n)
	t.writeRows(w, t.ByCum(n))
}

func (t Table) writeRows(w io.Writer, es []Entry) {
	fmt.Fprintf(w, "  %10s %6s %10s %6s\n", "flat", "flat%", "cum", "cum%")
	for _, e := range es {
		mark := " "
		if e.Mine {
			mark = "»"
		}
		fmt.Fprintf(w, "  %10s %6s %10s %6s %s %s\n", FormatValue(t.Unit, e.Flat), t.percent(e.Flat),
			FormatValue(t.Unit, e.Cum), t.percent(e.Cum), mark, ShortName(e.Name))
	}
	if len(es) == 0 {
		fmt.Fprintln(w, "  (no samples)")
	}
}

func (t Table) percent(v int64) string {
	if t.Total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(v)/float64(t.Total))
}

// FormatValue prints a sample value in its unit.
func FormatValue(unit string, v int64) string {
	switch unit {
	case "nanoseconds":
		d := time.Duration(v)
		switch {
		case abs(v) >= int64(time.Second):
			return fmt.Sprintf("%.2fs", d.Seconds())
		case abs(v) >= int64(time.Millisecond):
			return fmt.Sprintf("%.2fms", float64(v)/1e6)
		case abs(v) >= int64(time.Microsecond):
			return fmt.Sprintf("%.2fµs", float64(v)/1e3)
		}
		return fmt.Sprintf("%dns", v)
	case "bytes":
		switch {
		case abs(v) >= 1<<30:
			return fmt.Sprintf("%.2fGiB", float64(v)/(1<<30))
		case abs(v) >= 1<<20:
			return fmt.Sprintf("%.2fMiB", float64(v)/(1<<20))
		case abs(v) >= 1<<10:
			return fmt.Sprintf("%.2fKiB", float64(v)/(1<<10))
		}
		return fmt.Sprintf("%dB", v)
	}
	return fmt.Sprint(v)
}

// ShortName drops a function name's import path but for its last element:
// "github.com/a/b.(*T).F" is "b.(*T).F".
func ShortName(name string) string {
	head := name
	if i := strings.IndexAny(head, "[("); i >= 0 {
		head = head[:i]
	}
	if i := strings.LastIndex(head, "/"); i >= 0 {
		return name[i+1:]
	}
	return name
}
