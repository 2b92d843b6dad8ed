package screen

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
)

// TestTheCourse screens every lab of the course as check, verify and grade
// do: the shipped files pass against the solution alone (check's
// baseline); the solution and every kept alternative pass against the
// shipped file and the solution (verify's and grade's baseline) and
// against the solution alone; every kept test detector is rejected.
func TestTheCourse(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	c, err := course.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Labs() {
		t.Run(l.ID(), func(t *testing.T) {
			shipped := func(f string) string { return filepath.Join(c.Dir(l), f) }
			sol := func(f string) string { return c.SolutionFile(l, f) }
			both := func(f string) []string { return []string{shipped(f), sol(f)} }
			solOnly := func(f string) []string { return []string{sol(f)} }
			solDir := filepath.Dir(sol("x"))
			if probs := screenCase(t, s, c, l, func(f string) string { return c.Dir(l) }, solOnly); len(probs) > 0 {
				t.Errorf("check would reject the shipped files: %v", probs)
			}
			if probs := screenCase(t, s, c, l, func(string) string { return solDir }, both); len(probs) > 0 {
				t.Errorf("grade would reject the solution: %v", probs)
			}
			alts, _ := filepath.Glob(filepath.Join(solDir, "alt", "*"))
			for _, a := range alts {
				in := func(string) string { return a }
				if probs := append(screenCase(t, s, c, l, in, both), screenCase(t, s, c, l, in, solOnly)...); len(probs) > 0 {
					t.Errorf("%s rejected: %v", filepath.Base(a), probs)
				}
			}
			det := filepath.Join(solDir, "wrong", "test-detector")
			if _, err := os.Stat(det); err == nil {
				if probs := screenCase(t, s, c, l, func(string) string { return det }, both); len(probs) == 0 {
					t.Errorf("wrong/test-detector passed; want it rejected")
				} else {
					t.Logf("wrong/test-detector: %v", probs)
				}
			}
		})
	}
}

// screenCase screens the edit files that folder(f) holds against the
// baseline of each, skipping those it does not hold.
func screenCase(t *testing.T, s *Screener, c *course.Course, l manifest.Lab, folder func(string) string, baseline func(string) []string) []Problem {
	t.Helper()
	var out []Problem
	for _, f := range l.Edit {
		path := filepath.Join(folder(f), f)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		probs, err := s.File(context.Background(), l, c.Dir(l), f, path, baseline(f)...)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, probs...)
	}
	return out
}
