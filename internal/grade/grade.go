// Package grade grades a submission against the teacher's course so that
// a student cannot change the verdict from outside the files the course
// asks them to edit.
//
// The course is read from git (OpenCourse): tests, the test kit, manifests
// and go.mod come from a commit, never from the submission. From the
// submission only each lab's edit files are taken (ReadSubmission); they are
// screened with go/parser (screen.go), swapped into the course with
// `go test -overlay`, and run with a time, memory and process limit
// (limits.go). The verdict is read from the test2json events by test name
// (score.go): every test of the course's test files, and a canary test
// planted for each run, must report pass, plain and, for labs with
// race = true, under -race. A Report (report.go) can be printed for people,
// as versioned JSON (schema perflab-grade/v1, docs/grade-json.md), or in
// the Gradescope, GitHub Actions and CSV formats (formats.go). Batch grades
// a class (batch.go).
package grade

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/screen"
	"github.com/goperflabs/labs/internal/stage"
)

// Grader grades submissions against one course.
type Grader struct {
	Course *Course
	Limits Limits
	// Labs are the labs graded; nil means every lab of the course.
	Labs []manifest.Lab

	screen *screen.Screener
	warm   sync.Once
}

// NewGrader returns a grader for c with the default limits.
func NewGrader(c *Course) *Grader {
	return &Grader{Course: c, Limits: DefaultLimits, screen: screen.ForModules(c.Root, c.Module, c.Requires)}
}

func (g *Grader) labs() []manifest.Lab {
	if g.Labs != nil {
		return g.Labs
	}
	return g.Course.Labs()
}

// Warm compiles the course's packages and their dependencies once, outside
// any limit, so that the limits of a lab run count its own build and tests,
// not the first build of a dependency. Errors are left for the runs to
// report.
func (g *Grader) Warm(ctx context.Context) {
	g.warm.Do(func() {
		var plain, race []string
		for _, l := range g.labs() {
			plain = append(plain, "./"+l.ID())
			if l.Race {
				race = append(race, "./"+l.ID())
			}
		}
		for _, flags := range [][]string{nil, {"-race"}} {
			pkgs := plain
			if flags != nil {
				pkgs = race
			}
			if len(pkgs) == 0 {
				continue
			}
			args := append(append([]string{"list", "-e", "-deps", "-test", "-export", "-f", "{{.ImportPath}}"}, flags...), pkgs...)
			cmd := exec.CommandContext(ctx, "go", args...)
			cmd.Dir, cmd.Env = g.Course.Root, testEnv()
			_ = cmd.Run()
		}
	})
}

// Grade grades one submission, every lab in teaching order. The error is
// for grade itself failing; anything wrong with the submission is in the
// report.
func (g *Grader) Grade(ctx context.Context, sub *Submission) (*Report, error) {
	start := time.Now()
	g.Warm(ctx)
	tmp, err := os.MkdirTemp("", "perflab-grade-")
	if err != nil {
		return nil, fmt.Errorf("making a folder for overlays: %w", err)
	}
	defer os.RemoveAll(tmp)
	rep := newReport(g.Course, sub)
	for _, l := range g.labs() {
		lr, err := g.gradeLab(ctx, sub, l, tmp)
		if err != nil {
			return nil, fmt.Errorf("grading %s: %w", l.ID(), err)
		}
		rep.add(lr)
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

// gradeLab screens, runs and judges one lab.
func (g *Grader) gradeLab(ctx context.Context, sub *Submission, l manifest.Lab, tmp string) (LabResult, error) {
	start := time.Now()
	lr := LabResult{Lab: l.ID(), Title: l.Title, Max: l.Points, Race: l.Race}
	defer func() { lr.Elapsed = time.Since(start).Seconds() }()
	files := map[string]string{}
	for _, f := range l.Edit {
		path, why := sub.File(l, f)
		if why != "" {
			lr.set(verdict{Status: StatusMissing, Reason: why})
			return lr, nil
		}
		files[f] = path
	}
	for _, f := range l.Edit {
		probs, err := g.screenFile(ctx, l, f, files[f])
		if err != nil {
			return lr, err
		}
		lr.Problems = append(lr.Problems, probs...)
	}
	if len(lr.Problems) > 0 {
		p := lr.Problems[0]
		lr.set(verdict{Status: StatusRejected, Reason: p.String(), Location: &Location{p.File, p.Line}})
		return lr, nil
	}
	plain, figs, err := g.runOnce(ctx, l, files, false, tmp)
	if err != nil {
		return lr, err
	}
	lr.Figures = figs
	v := plain
	if l.Race && worthRace(plain.Status) {
		race, figs, err := g.runOnce(ctx, l, files, true, tmp)
		if err != nil {
			return lr, err
		}
		lr.Figures = append(lr.Figures, figs...)
		switch {
		case race.Status == StatusDataRace || plain.Status == StatusPassed:
			v = race
			if v.Status != StatusPassed && v.Status != StatusDataRace {
				v.Reason = "under -race: " + v.Reason
			}
		}
	}
	lr.set(v)
	return lr, nil
}

// worthRace says whether a -race run could change a plain run's verdict:
// a failure, a crash or a panic may be a race's doing; a build failure or
// a limit would only repeat.
func worthRace(s Status) bool {
	switch s {
	case StatusBuildFailed, StatusTimedOut, StatusOverLimit:
		return false
	}
	return true
}

// runOnce plants a canary, runs the lab's tests once and judges the run.
func (g *Grader) runOnce(ctx context.Context, l manifest.Lab, files map[string]string, race bool, tmp string) (verdict, []Figure, error) {
	cn, err := plantCanary(g.Course, l, tmp)
	if err != nil {
		return verdict{}, nil, err
	}
	rc, goFiles, done, err := g.stageData(l, files, tmp)
	if err != nil {
		return verdict{}, nil, err
	}
	defer done()
	ov, err := writeOverlay(rc, l, goFiles, cn.Path, tmp)
	if err != nil {
		return verdict{}, nil, err
	}
	expected, err := expectedTests(g.Course.Dir(l), race)
	if err != nil {
		return verdict{}, nil, fmt.Errorf("listing the course's tests: %w", err)
	}
	var r *run
	changed, err := g.Course.guarded(ctx, func() error {
		var err error
		r, err = runTests(ctx, rc, l, ov, race, g.Limits)
		return err
	})
	if err != nil {
		return verdict{}, nil, err
	}
	if len(changed) > 0 {
		if len(changed) > 3 {
			changed = append(changed[:3], fmt.Sprintf("and %d more", len(changed)-3))
		}
		return verdict{Status: StatusTampered, Reason: "the code under test changed the course's files (" + strings.Join(changed, ", ") + "); they were copied again from git"}, nil, nil
	}
	roots := []string{g.Course.Root, rc.Root}
	for _, f := range files {
		// The copies are at <tmp>/<chapter>/<lab>/<file>.
		base := filepath.Dir(filepath.Dir(filepath.Dir(f)))
		roots = append(roots, base)
		if rel, err := filepath.Rel(g.Course.Root, base); err == nil {
			roots = append(roots, rel)
		}
	}
	v := judge(r, l, expected, cn, roots)
	v.Reason = strings.TrimSpace(v.Reason)
	return v, figures(r), nil
}

// screenFile screens one edit file: Go source against its baseline, the
// shipped file and the reference solution of the course's copy (either
// may be missing); a data file by its format.
func (g *Grader) screenFile(ctx context.Context, l manifest.Lab, name, path string) ([]Problem, error) {
	if !manifest.IsGo(name) {
		return screenData(l, name, path)
	}
	return g.screen.File(ctx, l, g.Course.Dir(l), name, path, filepath.Join(g.Course.Dir(l), name), g.Course.SolutionFile(l, name))
}

// stageData readies a run of files (a name in the lab's folder → the
// submission's copy): the course to run in, and the Go files, for the
// overlay. A data file (default.pgo) is read from disk by the go command
// and the tests, which an overlay does not reach, so a submission with
// one runs in a private copy of the course with it in the lab's folder;
// done removes that copy. The shared course is never written.
func (g *Grader) stageData(l manifest.Lab, files map[string]string, tmp string) (*Course, map[string]string, func(), error) {
	data := stage.DataFiles(files)
	if len(data) == 0 {
		return g.Course, files, func() {}, nil
	}
	s, err := stage.Course(g.Course.Course, l, data, tmp)
	if err != nil {
		return nil, nil, nil, err
	}
	rc := *g.Course
	rc.Course = s.Course
	goFiles := map[string]string{}
	for f, p := range files {
		if manifest.IsGo(f) {
			goFiles[f] = p
		}
	}
	return &rc, goFiles, s.Remove, nil
}
