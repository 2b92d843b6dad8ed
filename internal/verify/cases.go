package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
)

// Kind says whether a kept fix is wrong or correct.
type Kind string

// The kinds of kept fixes, named as their folders are.
const (
	Wrong Kind = "wrong" // must fail in a test
	Alt   Kind = "alt"   // must pass, plain and under -race
)

// AboutFile is the one-line description in every case folder.
const AboutFile = "about.txt"

// Case is one kept fix of a lab.
type Case struct {
	Kind  Kind
	Name  string // the folder's name
	Dir   string // absolute
	About string // the first line of about.txt
	Files []string
}

// ID names the case in reports: "wrong/no-mutex".
func (cs Case) ID() string { return string(cs.Kind) + "/" + cs.Name }

// LabFiles maps each of the lab's edit files to the file a run of the
// case uses: the case's own, or the shipped one where the case has none
// (as the overlay of runCase leaves it).
func (cs Case) LabFiles(c *course.Course, l manifest.Lab) map[string]string {
	files := map[string]string{}
	for _, f := range l.Edit {
		if shipped := filepath.Join(c.Dir(l), f); isFile(shipped) {
			files[f] = shipped
		}
	}
	for _, f := range cs.Files {
		files[f] = filepath.Join(cs.Dir, f)
	}
	return files
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// CaseResult is how a case's run went.
type CaseResult struct {
	Case   Case
	Result labrun.Result
	OK     bool // a wrong case failed in a test; an alt case passed
}

// Cases lists the lab's kept fixes, wrong ones first, each kind by name.
func Cases(c *course.Course, l manifest.Lab) []Case {
	var out []Case
	for _, k := range []Kind{Wrong, Alt} {
		base := filepath.Join(solutionDir(c, l), string(k))
		entries, _ := os.ReadDir(base)
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			cs := Case{Kind: k, Name: e.Name(), Dir: filepath.Join(base, e.Name())}
			files, _ := os.ReadDir(cs.Dir)
			for _, f := range files {
				if !f.IsDir() && f.Name() != AboutFile {
					cs.Files = append(cs.Files, f.Name())
				}
			}
			if data, err := os.ReadFile(filepath.Join(cs.Dir, AboutFile)); err == nil {
				cs.About, _, _ = strings.Cut(strings.TrimSpace(string(data)), "\n")
			}
			out = append(out, cs)
		}
	}
	return out
}

func solutionDir(c *course.Course, l manifest.Lab) string {
	return filepath.Join(c.Root, "solutions", l.Chapter, l.Name)
}

// caseProblems checks a case folder's contents against the lab's entry.
func caseProblems(l manifest.Lab, cs Case) []string {
	var problems []string
	where := fmt.Sprintf("solutions/%s/%s", l.ID(), cs.ID())
	if cs.About == "" {
		problems = append(problems, fmt.Sprintf("%s has no %s: one line saying what the fix does", where, AboutFile))
	}
	if len(cs.Files) == 0 {
		problems = append(problems, fmt.Sprintf("%s holds no file to swap in", where))
	}
	for _, f := range cs.Files {
		if !slices.Contains(l.Edit, f) {
			problems = append(problems, fmt.Sprintf("stray file %s/%s: not in the lab's edit list", where, f))
		}
	}
	return problems
}

// runCase proves one kept fix: a wrong one fails in a test, an
// alternative passes plain and under -race.
func runCase(ctx context.Context, c *course.Course, l manifest.Lab, cs Case, opts Options, v *Verdict) error {
	if p := caseProblems(l, cs); len(p) > 0 {
		v.Problems = append(v.Problems, p...)
		return nil
	}
	files := map[string]string{}
	for _, f := range cs.Files {
		files[f] = filepath.Join(cs.Dir, f)
	}
	name := fmt.Sprintf("overlay-%s-%s-%s-%s.json", l.Chapter, l.Name, cs.Kind, cs.Name)
	a, err := apply(c, l, files, name, overlayDir(opts))
	if err != nil {
		return err
	}
	defer a.done()
	ro := labrun.Options{NoCache: true, Env: opts.Env, Overlay: a.overlay, Race: cs.Kind == Alt, RaceInTurn: true,
		Screen: caseScreening(opts.screener, c, l, cs)}
	r, err := labrun.Verdict(ctx, a.course, l, ro)
	if err != nil {
		return err
	}
	res := CaseResult{Case: cs, Result: r}
	switch cs.Kind {
	case Wrong:
		// A wrong fix may fail any way but by not compiling: a panic,
		// a crash (concurrent map writes) or a timeout is its fault.
		res.OK = r.Outcome != labrun.Passed && r.Outcome != labrun.BuildFailed
		if !res.OK {
			v.Problems = append(v.Problems, fmt.Sprintf("wrong fix %s (%s) must fail when its tests run, but it %s", cs.ID(), cs.About, Describe(r)))
		}
	case Alt:
		res.OK = r.Outcome == labrun.Passed
		if !res.OK {
			v.Problems = append(v.Problems, fmt.Sprintf("correct fix %s (%s) must pass, plain and under -race, but it %s", cs.ID(), cs.About, Describe(r)))
		}
	}
	v.Cases = append(v.Cases, res)
	return nil
}

func overlayDir(opts Options) string {
	if opts.Overlays != "" {
		return opts.Overlays
	}
	return os.TempDir()
}
