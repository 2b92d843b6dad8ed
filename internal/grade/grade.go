// Package grade grades a submission against the teacher's course so that
// a student cannot change the verdict from outside the files the course
// asks them to edit, nor harm the machine that grades.
//
// The course is read from git (OpenCourse): tests, the test kit, manifests
// and go.mod come from a commit, never from the submission. From the
// submission only each lab's edit files are taken (ReadSubmission, which
// follows no link); they are screened with go/parser (internal/screen).
// For each run the lab's test binary is built outside any sandbox with the
// course's toolchain (run.go: go test -c, and the package alone without
// its test files), then run inside bubblewrap (internal/sandbox) with a
// time, memory and process limit (limits.go). The verdict is not read from
// what the binary prints: a recorder planted in the course's test files
// writes each test's outcome, with a per-run token, to a pipe only grade
// reads (record.go), and every expected test must record pass and the
// binary exit 0 (score.go), plain and, for labs with race = true, under
// -race. A Report (report.go) can be printed for people, as versioned JSON
// (schema perflab-grade/v1, docs/grade-json.md), or in the Gradescope,
// GitHub Actions and CSV formats (formats.go). Batch grades a class
// (batch.go); Prove grades every reference solution and kept alternative
// (proof.go).
package grade

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/sandbox"
	"github.com/goperflabs/labs/internal/screen"
	"github.com/goperflabs/labs/internal/stage"
	"github.com/goperflabs/labs/internal/testjson"
)

// Grader grades submissions against one course.
type Grader struct {
	Course *Course
	Limits Limits
	// Labs are the labs graded; nil means every lab of the course.
	Labs []manifest.Lab
	// Progress, if set, is called by Grade as each lab finishes, with how
	// many of total are done and the lab's result.
	Progress func(done, total int, lr LabResult)

	// Unsandboxed runs the student's code without the sandbox, as the
	// grader's own user: for machines where none can be made, at the
	// teacher's word (grade --unsandboxed).
	Unsandboxed bool

	screen    *screen.Screener
	warm      sync.Once
	ready     sync.Once
	readyErr  error
	sandbox   *sandbox.Sandbox // nil when Unsandboxed
	test2json string           // go's test2json tool
	tmp       string           // the sandbox's own files
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
			cmd.Dir, cmd.Env = g.Course.Root, buildEnv(flags != nil)
			_ = cmd.Run()
		}
	})
}

// Prepare finds go's test2json tool and makes the sandbox, once; an
// error wrapping sandbox.ErrUnavailable says no sandbox can be made here
// and what to do. Grade and Batch call it; Close undoes it.
func (g *Grader) Prepare(ctx context.Context) error {
	g.ready.Do(func() {
		if g.test2json, g.readyErr = test2jsonPath(ctx); g.readyErr != nil {
			return
		}
		if g.Unsandboxed {
			return
		}
		if g.tmp, g.readyErr = os.MkdirTemp("", "perflab-sandbox-"); g.readyErr != nil {
			return
		}
		if g.sandbox, g.readyErr = sandbox.New(ctx, g.tmp); g.readyErr != nil {
			g.readyErr = fmt.Errorf("%w; or grade --unsandboxed, which runs every submission's code as you, with your files and network (see TEACHING.md)", g.readyErr)
		}
	})
	return g.readyErr
}

// Close removes what Prepare made.
func (g *Grader) Close() {
	if g.sandbox != nil {
		g.sandbox.Close()
	}
	if g.tmp != "" {
		os.RemoveAll(g.tmp)
	}
}

// Grade grades one submission, every lab in teaching order. The error is
// for grade itself failing; anything wrong with the submission is in the
// report.
func (g *Grader) Grade(ctx context.Context, sub *Submission) (*Report, error) {
	start := time.Now()
	if err := g.Prepare(ctx); err != nil {
		return nil, err
	}
	g.Warm(ctx)
	tmp, err := os.MkdirTemp("", "perflab-grade-")
	if err != nil {
		return nil, fmt.Errorf("making a folder for overlays: %w", err)
	}
	defer os.RemoveAll(tmp)
	rep := newReport(g.Course, sub)
	labs := g.labs()
	for i, l := range labs {
		labStart := time.Now()
		lr, err := g.gradeLab(ctx, sub, l, tmp)
		if err != nil {
			return nil, fmt.Errorf("grading %s: %w", l.ID(), err)
		}
		lr.Elapsed = time.Since(labStart).Seconds()
		rep.add(lr)
		if g.Progress != nil {
			g.Progress(i+1, len(labs), lr)
		}
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

// gradeLab takes one lab's edit files from the submission and grades
// them; Grade times it.
func (g *Grader) gradeLab(ctx context.Context, sub *Submission, l manifest.Lab, tmp string) (LabResult, error) {
	lr := LabResult{Lab: l.ID(), Title: l.Title, Max: l.Points, Race: l.Race}
	files := map[string]string{}
	for _, f := range l.Edit {
		path, why := sub.File(l, f)
		if why != "" {
			lr.set(verdict{Status: StatusMissing, Reason: why})
			return lr, nil
		}
		files[f] = path
	}
	return g.gradeFiles(ctx, l, files, tmp, lr)
}

// GradeFiles grades one lab with the given edit files (a name in the
// lab's folder → the file to use), the way Grade grades a submission's:
// screen, trusted build, sandboxed run, verdict. verify --grade uses it to
// prove that every reference solution and kept alternative scores full
// marks.
func (g *Grader) GradeFiles(ctx context.Context, l manifest.Lab, files map[string]string) (LabResult, error) {
	if err := g.Prepare(ctx); err != nil {
		return LabResult{}, err
	}
	tmp, err := os.MkdirTemp("", "perflab-grade-")
	if err != nil {
		return LabResult{}, fmt.Errorf("making a folder for a run: %w", err)
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	lr, err := g.gradeFiles(ctx, l, files, tmp, LabResult{Lab: l.ID(), Title: l.Title, Max: l.Points, Race: l.Race})
	lr.Elapsed = time.Since(start).Seconds()
	return lr, err
}

// gradeFiles screens, runs and judges one lab's files into lr.
func (g *Grader) gradeFiles(ctx context.Context, l manifest.Lab, files map[string]string, tmp string, lr LabResult) (LabResult, error) {
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

// runOnce builds the lab's test binary from the course and the
// submission's files, runs it once, and judges the run.
func (g *Grader) runOnce(ctx context.Context, l manifest.Lab, files map[string]string, race bool, tmp string) (verdict, []Figure, error) {
	scratch, err := os.MkdirTemp(tmp, "run-")
	if err != nil {
		return verdict{}, nil, fmt.Errorf("making a folder for a run: %w", err)
	}
	defer os.RemoveAll(scratch)
	rc, goFiles, done, err := g.stageData(l, files, scratch)
	if err != nil {
		return verdict{}, nil, err
	}
	defer done()
	expected, err := expectedTests(g.Course.Dir(l), l, race)
	if err != nil {
		return verdict{}, nil, fmt.Errorf("listing the course's tests: %w", err)
	}
	var r *run
	run := func() error {
		var err error
		r, err = g.buildAndRun(ctx, rc, l, files, goFiles, race, scratch)
		return err
	}
	var changed []string
	if g.sandbox != nil {
		// The sandbox sees the course read-only: there is nothing to
		// compare after the run.
		err = run()
	} else {
		changed, err = g.Course.guarded(ctx, run)
	}
	if err != nil {
		return verdict{}, nil, err
	}
	if len(changed) > 0 {
		if len(changed) > 3 {
			changed = append(changed[:3], fmt.Sprintf("and %d more", len(changed)-3))
		}
		return verdict{Status: StatusTampered, Reason: "the code under test changed the course's files (" + strings.Join(changed, ", ") + "); they were copied again from git"}, nil, nil
	}
	v := judge(r, l, expected, g.roots(files, scratch))
	v.Reason = strings.TrimSpace(v.Reason)
	return v, figures(r), nil
}

// roots are the folders a compiler's message may name a file under: the
// course, and the copies of the submission's files.
func (g *Grader) roots(files map[string]string, scratch string) []string {
	roots := []string{g.Course.Root, scratch}
	for _, f := range files {
		// The copies are at <tmp>/<chapter>/<lab>/<file>.
		base := filepath.Dir(filepath.Dir(filepath.Dir(f)))
		roots = append(roots, base)
		if rel, err := filepath.Rel(g.Course.Root, base); err == nil {
			roots = append(roots, rel)
		}
	}
	return roots
}

// buildAndRun builds the lab's test binary and (plain runs only) its
// program alone, outside the sandbox, then runs the binary inside it. A
// build that fails or runs out of time is a run with no test.
func (g *Grader) buildAndRun(ctx context.Context, rc *Course, l manifest.Lab, files, goFiles map[string]string, race bool, scratch string) (*run, error) {
	rec, err := plantRecorder(rc, l, scratch)
	if err != nil {
		return nil, err
	}
	student := map[string]string{}
	for name, path := range goFiles {
		student[filepath.Join(rc.Dir(l), name)] = path
	}
	all := maps.Clone(rec.Overlay)
	maps.Copy(all, student)
	ov, err := writeOverlay(all, scratch)
	if err != nil {
		return nil, err
	}
	alone, err := writeOverlay(student, scratch)
	if err != nil {
		return nil, err
	}
	grace := g.Limits.BuildGrace
	bin := filepath.Join(scratch, "lab.test")
	pkg, expired, err := buildTest(ctx, rc, l, ov, bin, race, grace)
	if err != nil || expired || pkg != nil {
		return buildRun(race, pkg, expired, grace, false), err
	}
	if !race {
		pkg, expired, err := buildAlone(ctx, rc, l, alone, grace)
		if err != nil || expired || pkg != nil {
			return buildRun(race, pkg, expired, grace, true), err
		}
	}
	x := execution{Course: rc, Lab: l, Bin: bin, Race: race, Token: rec.Token}
	for name, path := range files {
		if dst := filepath.Join(rc.Dir(l), name); exists(dst) {
			x.Binds = append(x.Binds, sandbox.Bind{Src: path, Dst: dst})
		}
	}
	return g.execute(ctx, x)
}

// buildRun is a run that stopped at its build: of the program alone
// (without test files), or of the test binary.
func buildRun(race bool, pkg *testjson.Package, expired bool, grace time.Duration, alone bool) *run {
	r := &run{Race: race, Package: pkg, Alone: alone}
	if expired {
		r.Limit = fmt.Sprintf("the time limit of %s for compiling", grace)
	}
	return r
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
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
