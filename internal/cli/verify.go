package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
)

// The limits every lab must meet as shipped.
const (
	shippedTimeLimit = 20 * time.Second
	shippedMemLimit  = 1 << 30
	// raceTimeoutFactor stretches a lab's time limit for its -race run.
	raceTimeoutFactor = 3
)

// verdict is what verify found for one lab.
type verdict struct {
	lab      manifest.Lab
	problems []string // empty when the lab is sound
	shipped  labrun.Result
	notes    []string
}

// verify proves, for each targeted lab, that its manifest entry is
// complete, that it fails in a test as shipped (fast and small), and that
// it passes with its solution, under -race too. It ends with
// "N passed, N failed", N counting labs.
func (a *app) verify(ctx context.Context, args []string) error {
	fs := a.flags("verify")
	parallel := fs.Int("p", 0, "")
	labs, err := a.parseLabs(fs, args)
	if err != nil {
		return err
	}
	if err := a.checkRedis(ctx); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "perflab-verify-")
	if err != nil {
		return fmt.Errorf("making a folder for overlays: %w", err)
	}
	defer os.RemoveAll(tmp)

	problems := a.strayLabs(labs)
	verdicts := make([]verdict, len(labs))
	n := 0
	_, err = a.runAll(ctx, labs, *parallel, func(ctx context.Context, i int, l manifest.Lab) (labrun.Result, error) {
		v, err := a.verifyLab(ctx, l, tmp)
		verdicts[i] = v
		return v.shipped, err
	}, func(i int, _ labrun.Result) {
		n++
		a.writeVerdict(n, len(labs), verdicts[i])
	})
	if err != nil {
		return err
	}
	passed, failed := 0, 0
	for _, v := range verdicts {
		if len(v.problems) == 0 {
			passed++
		} else {
			failed++
		}
	}
	for _, p := range problems {
		fmt.Fprintf(a.stdout, "%s %s\n", a.red("FAIL"), p)
		failed++
	}
	fmt.Fprintf(a.stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return ErrFailed
	}
	return nil
}

func (a *app) writeVerdict(i, total int, v verdict) {
	status := a.green("ok  ")
	if len(v.problems) > 0 {
		status = a.red("FAIL")
	}
	fmt.Fprintf(a.stdout, "[%d/%d] %s %s  %s\n", i, total, status, a.bold(v.lab.ID()), strings.Join(v.notes, "; "))
	for _, p := range v.problems {
		fmt.Fprintf(a.stdout, "        %s\n", p)
	}
}

// verifyLab runs the three proofs for one lab. Problems go into the
// verdict; the error is for the tool itself failing.
func (a *app) verifyLab(ctx context.Context, l manifest.Lab, tmp string) (verdict, error) {
	v := verdict{lab: l}
	v.problems = a.completeness(l)
	if _, err := os.Stat(a.course.Dir(l)); err != nil {
		return v, nil
	}
	opts := a.testOptions()
	opts.NoCache = true

	// 1. As shipped: fails in a test, within the limits.
	shipped, err := labrun.Run(ctx, a.course, l, opts)
	if err != nil {
		return v, err
	}
	if shipped.MaxRSS > shippedMemLimit {
		// The figure counts the compiler too; with the build cached
		// now, measure once more.
		if shipped, err = labrun.Run(ctx, a.course, l, opts); err != nil {
			return v, err
		}
	}
	v.shipped = shipped
	switch {
	case shipped.Outcome != labrun.Failed:
		v.problems = append(v.problems, fmt.Sprintf("as shipped it must fail in a test, but it %s", describe(shipped)))
	case shipped.Elapsed > shippedTimeLimit:
		v.problems = append(v.problems, fmt.Sprintf("as shipped its tests take %s; the limit is %s", seconds(shipped.Elapsed), shippedTimeLimit))
	case shipped.MaxRSS > shippedMemLimit:
		v.problems = append(v.problems, fmt.Sprintf("as shipped it uses %d MiB; the limit is 1024 MiB", shipped.MaxRSS>>20))
	}
	v.notes = append(v.notes, fmt.Sprintf("shipped: %s in %s, ≤%d MiB", headline(shipped), seconds(shipped.Elapsed), shipped.MaxRSS>>20))

	// 2 and 3. With the solution swapped in: passes, and passes with -race.
	overlay, err := a.course.WriteOverlay(l, tmp)
	if err != nil {
		v.problems = append(v.problems, err.Error())
		return v, nil
	}
	opts.Overlay = overlay
	for _, race := range []bool{false, true} {
		opts.Race = race
		name := "solution"
		if race {
			// The race detector slows code several times over; the
			// 20 s limit is for the shipped lab, not for this run.
			name, opts.Timeout = "solution -race", raceTimeoutFactor*l.Timeout.Duration
		}
		r, err := labrun.Run(ctx, a.course, l, opts)
		if err != nil {
			return v, err
		}
		if r.Outcome != labrun.Passed {
			v.problems = append(v.problems, fmt.Sprintf("with its %s it must pass, but it %s", name, describe(r)))
			continue
		}
		v.notes = append(v.notes, fmt.Sprintf("%s: %d pass in %s", name, r.Passed, seconds(r.Elapsed)))
	}
	return v, nil
}

// describe says in a few words how a run that should have gone the other
// way went.
func describe(r labrun.Result) string {
	var details []string
	for _, f := range r.Failures {
		if len(f.Messages) > 0 {
			details = append(details, f.Test+": "+strings.TrimSpace(f.Messages[0]))
		}
	}
	for _, l := range r.BuildErrors {
		details = append(details, compileError(l))
	}
	if r.Outcome == labrun.Crashed {
		details = append(details, r.Output...)
	}
	if len(details) > 3 {
		details = details[:3]
	}
	s := headline(r)
	if len(details) > 0 {
		s += " (" + strings.Join(details, " | ") + ")"
	}
	return s
}

// completeness checks the lab's manifest entry against the files: a
// README, each edited file and its solution, and nothing else in the
// solution folder or stray build output in the lab.
func (a *app) completeness(l manifest.Lab) []string {
	var problems []string
	dir := a.course.Dir(l)
	if _, err := os.Stat(dir); err != nil {
		return []string{fmt.Sprintf("its folder %s is missing", l.ID())}
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		problems = append(problems, "no README.md in "+l.ID())
	}
	for _, f := range l.Edit {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			problems = append(problems, fmt.Sprintf("edit lists %s, which is not in %s", f, l.ID()))
		}
		if _, err := os.Stat(a.course.SolutionFile(l, f)); err != nil {
			problems = append(problems, fmt.Sprintf("no solution for %s: want solutions/%s/%s", f, l.ID(), f))
		}
	}
	tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if len(tests) == 0 {
		problems = append(problems, "no *_test.go in "+l.ID())
	}
	solDir := filepath.Join(a.course.Root, "solutions", l.Chapter, l.Name)
	entries, _ := os.ReadDir(solDir)
	for _, e := range entries {
		if !slices.Contains(l.Edit, e.Name()) {
			problems = append(problems, fmt.Sprintf("stray file solutions/%s/%s: not in the lab's edit list", l.ID(), e.Name()))
		}
	}
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if isBuildOutput(d) {
			rel, _ := filepath.Rel(a.course.Root, path)
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

// strayLabs finds lab folders of the targeted chapters that their manifest
// does not list, and solution folders without a lab.
func (a *app) strayLabs(labs []manifest.Lab) []string {
	var problems []string
	chapters := map[string]bool{}
	for _, l := range labs {
		chapters[l.Chapter] = true
	}
	for _, ch := range a.course.Chapters {
		if !chapters[ch.Dir] {
			continue
		}
		listed := map[string]bool{}
		for _, l := range ch.Labs {
			listed[l.Name] = true
		}
		for _, base := range []string{ch.Dir, filepath.Join("solutions", ch.Dir)} {
			entries, _ := os.ReadDir(filepath.Join(a.course.Root, base))
			for _, e := range entries {
				if !e.IsDir() || listed[e.Name()] || e.Name() == "examples" {
					continue
				}
				tests, _ := filepath.Glob(filepath.Join(a.course.Root, base, e.Name(), "*.go"))
				if len(tests) > 0 {
					problems = append(problems, fmt.Sprintf("%s/%s is not listed in %s/labs.toml", filepath.ToSlash(base), e.Name(), ch.Dir))
				}
			}
		}
	}
	return problems
}
