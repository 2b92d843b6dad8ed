// Package course finds the course on disk: its root, its chapters and
// labs in teaching order, the files of each lab and of its reference
// solution, and what a learner means by a lab's name.
package course

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goperflabs/labs/internal/manifest"
)

// Course is a course root and its chapters.
type Course struct {
	Root     string // absolute
	Chapters []manifest.Chapter
}

// ErrNoCourse means no course root was found above the working directory.
var ErrNoCourse = errors.New("not inside the course: run perflab from the repository (the folder with go.mod and 01-memory/), or cd there first")

// Find walks up from dir to the first directory that holds a go.mod and at
// least one chapter manifest (NN-name/labs.toml), and loads it.
func Find(dir string) (*Course, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("finding the course: %w", err)
	}
	for {
		if isRoot(dir) {
			return Load(dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, ErrNoCourse
		}
		dir = parent
	}
}

func isRoot(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return false
	}
	m, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*", manifest.FileName))
	return len(m) > 0
}

// Load reads the chapters of the course at root.
func Load(root string) (*Course, error) {
	chapters, err := manifest.Chapters(root)
	if err != nil {
		return nil, err
	}
	return &Course{Root: root, Chapters: chapters}, nil
}

// Labs returns every lab in teaching order.
func (c *Course) Labs() []manifest.Lab {
	var out []manifest.Lab
	for _, ch := range c.Chapters {
		out = append(out, ch.Labs...)
	}
	return out
}

// Dir returns the absolute directory of a lab.
func (c *Course) Dir(l manifest.Lab) string {
	return filepath.Join(c.Root, l.Chapter, l.Name)
}

// SolutionFile returns the absolute path of the reference solution for one
// of the lab's edited files.
func (c *Course) SolutionFile(l manifest.Lab, file string) string {
	return filepath.Join(c.Root, "solutions", l.Chapter, l.Name, file)
}

// Resolve turns targets ("01-memory/retention", "01-memory", "all") into
// labs, in teaching order and without repeats. No targets means all.
func (c *Course) Resolve(targets []string) ([]manifest.Lab, error) {
	all := c.Labs()
	if len(targets) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, t := range targets {
		t = strings.Trim(filepath.ToSlash(filepath.Clean(t)), "/")
		t = strings.TrimPrefix(t, "./")
		t = strings.TrimSuffix(t, "/...")
		matched := false
		for _, l := range all {
			if t == "all" || t == "." || t == l.ID() || t == l.Chapter || t == l.Name && c.unique(l.Name) {
				want[l.ID()] = true
				matched = true
			}
		}
		if !matched {
			return nil, c.unknown(t)
		}
	}
	var out []manifest.Lab
	for _, l := range all {
		if want[l.ID()] {
			out = append(out, l)
		}
	}
	return out, nil
}

// unique reports whether exactly one lab is called name, so that a
// learner may leave the chapter out.
func (c *Course) unique(name string) bool {
	n := 0
	for _, l := range c.Labs() {
		if l.Name == name {
			n++
		}
	}
	return n == 1
}

// Lab resolves one target that must name exactly one lab.
func (c *Course) Lab(target string) (manifest.Lab, error) {
	labs, err := c.Resolve([]string{target})
	if err != nil {
		return manifest.Lab{}, err
	}
	if len(labs) != 1 {
		return manifest.Lab{}, fmt.Errorf("%q names %d labs; name one, such as %s", target, len(labs), labs[0].ID())
	}
	return labs[0], nil
}

// unknown builds the error for a target that names nothing, with the
// closest lab and chapter names suggested.
func (c *Course) unknown(target string) error {
	var names []string
	for _, ch := range c.Chapters {
		names = append(names, ch.Dir)
		for _, l := range ch.Labs {
			names = append(names, l.ID())
		}
	}
	type scored struct {
		name string
		d    int
	}
	var s []scored
	for _, n := range names {
		d := distance(target, n)
		// A bare lab name ("retention") is close to its full ID.
		if base := n[strings.LastIndex(n, "/")+1:]; strings.Contains(n, "/") {
			d = min(d, distance(target, base)+1)
		}
		s = append(s, scored{n, d})
	}
	slices.SortStableFunc(s, func(a, b scored) int { return a.d - b.d })
	var close []string
	for _, x := range s {
		if len(close) == 3 || x.d > max(3, len(target)/2) {
			break
		}
		close = append(close, x.name)
	}
	if len(close) == 0 {
		return fmt.Errorf("unknown lab %q; run `go run ./cmd/perflab list` to see them all", target)
	}
	return fmt.Errorf("unknown lab %q; did you mean %s?", target, strings.Join(close, ", "))
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
