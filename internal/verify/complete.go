package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
)

// Completeness checks the lab's manifest entry against the files: a
// README, each edited .go file, the solution of every edit file, tests,
// nothing else in the solution folder but wrong/ and alt/, and no build
// output in the lab.
func Completeness(c *course.Course, l manifest.Lab) []string {
	dir := c.Dir(l)
	if _, err := os.Stat(dir); err != nil {
		return []string{fmt.Sprintf("its folder %s is missing", l.ID())}
	}
	var problems []string
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		problems = append(problems, "no README.md in "+l.ID())
	}
	for _, f := range l.Edit {
		// A data file (default.pgo) is one the learner makes; the lab
		// need not ship it.
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil && manifest.IsGo(f) {
			problems = append(problems, fmt.Sprintf("edit lists %s, which is not in %s", f, l.ID()))
		}
		if _, err := os.Stat(c.SolutionFile(l, f)); err != nil {
			problems = append(problems, fmt.Sprintf("no solution for %s: want solutions/%s/%s", f, l.ID(), f))
		}
	}
	if tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go")); len(tests) == 0 {
		problems = append(problems, "no *_test.go in "+l.ID())
	}
	entries, _ := os.ReadDir(solutionDir(c, l))
	for _, e := range entries {
		if e.IsDir() && (e.Name() == string(Wrong) || e.Name() == string(Alt)) {
			continue
		}
		if !slices.Contains(l.Edit, e.Name()) {
			problems = append(problems, fmt.Sprintf("stray file solutions/%s/%s: not in the lab's edit list", l.ID(), e.Name()))
		}
	}
	return append(problems, buildOutput(c, dir)...)
}

func buildOutput(c *course.Course, dir string) []string {
	var problems []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if isBuildOutput(d) {
			rel, _ := filepath.Rel(c.Root, path)
			problems = append(problems, fmt.Sprintf("build output %s must not ship with the lab", filepath.ToSlash(rel)))
		}
		return nil
	})
	return problems
}

func isBuildOutput(d os.DirEntry) bool {
	for _, ext := range []string{".test", ".pprof", ".prof", ".out"} {
		if strings.HasSuffix(d.Name(), ext) {
			return true
		}
	}
	info, err := d.Info()
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 && filepath.Ext(d.Name()) == ""
}

// StrayLabs finds lab folders of the given chapters that their manifest
// does not list, and solution folders without a lab.
func StrayLabs(c *course.Course, labs []manifest.Lab) []string {
	chapters := map[string]bool{}
	for _, l := range labs {
		chapters[l.Chapter] = true
	}
	var problems []string
	for _, ch := range c.Chapters {
		if !chapters[ch.Dir] {
			continue
		}
		listed := map[string]bool{}
		for _, l := range ch.Labs {
			listed[l.Name] = true
		}
		for _, base := range []string{ch.Dir, filepath.Join("solutions", ch.Dir)} {
			entries, _ := os.ReadDir(filepath.Join(c.Root, base))
			for _, e := range entries {
				if !e.IsDir() || listed[e.Name()] || e.Name() == "examples" {
					continue
				}
				if files, _ := filepath.Glob(filepath.Join(c.Root, base, e.Name(), "*.go")); len(files) > 0 {
					problems = append(problems, fmt.Sprintf("%s/%s is not listed in %s/labs.toml", filepath.ToSlash(base), e.Name(), ch.Dir))
				}
			}
		}
	}
	return problems
}
