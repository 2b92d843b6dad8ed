// Package verify proves that labs are sound: that each lab's entry is
// complete, that it fails in a test as shipped (fast and small), that it
// passes with its reference solution, plain and under -race, that every
// wrong fix kept for it fails in a test and every alternative correct fix
// passes.
//
// # Usage
//
//	verdicts, err := verify.Labs(ctx, c, labs, verify.Options{Parallel: 2}, func(v verify.Verdict) {
//		fmt.Println(v.Lab.ID(), v.Sound())
//	})
//
// The course c is normally a snapshot of a commit (see package snapshot),
// so that what is proven is what was committed, not a learner's edits.
//
// # Kept fixes
//
// A lab's known wrong fixes live in solutions/<chapter>/<lab>/wrong/<case>/
// and its alternative correct fixes in .../alt/<case>/. Each case folder
// holds replacement files named like the lab's edit files (a file it does
// not hold stays as shipped) and about.txt, one line saying what the fix
// does. They are swapped in with `go test -overlay`, like the solution.
package verify

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/screen"
)

// The limits every lab must meet as shipped.
const (
	ShippedTimeLimit = 20 * time.Second
	ShippedMemLimit  = 1 << 30
)

// Options change how labs are verified.
type Options struct {
	Parallel int      // go test commands at once; 0 means one per CPU
	Env      []string // added to every run's environment
	Overlays string   // folder for overlay files; "" means os.TempDir

	screener *screen.Screener // made by Labs
}

// Verdict is what verification found for one lab.
type Verdict struct {
	Lab      manifest.Lab
	Problems []string // empty when the lab is sound
	Notes    []string // what each proof measured, for the report
	Shipped  labrun.Result
	Cases    []CaseResult
}

// Sound reports whether the lab passed every proof.
func (v Verdict) Sound() bool { return len(v.Problems) == 0 }

// job is one go test (or Verdict) run that proves part of a lab.
type job struct {
	lab int
	run func(ctx context.Context, v *Verdict) error
}

// Labs verifies each lab of c, running up to opts.Parallel proofs at once,
// and calls done with each lab's verdict as soon as all of its proofs have
// run. The verdicts come back in the order of labs; the error is for the
// tool failing, not for a lab that is not sound.
func Labs(ctx context.Context, c *course.Course, labs []manifest.Lab, opts Options, done func(Verdict)) ([]Verdict, error) {
	verdicts := make([]Verdict, len(labs))
	scr, err := screen.New(c.Root)
	if err != nil {
		return nil, err
	}
	opts.screener = scr
	var jobs []job
	for i, l := range labs {
		verdicts[i] = Verdict{Lab: l, Problems: append(Completeness(c, l), Concurrency(c, l)...)}
		jobs = append(jobs, labJobs(c, i, l, opts)...)
	}
	return verdicts, runJobs(ctx, jobs, verdicts, opts.Parallel, done)
}

// labJobs lists the proofs of one lab: as shipped, with its solution, and
// with each kept case.
func labJobs(c *course.Course, i int, l manifest.Lab, opts Options) []job {
	jobs := []job{
		{i, func(ctx context.Context, v *Verdict) error { return shipped(ctx, c, l, opts, v) }},
		{i, func(ctx context.Context, v *Verdict) error { return solution(ctx, c, l, opts, v) }},
	}
	for _, cs := range Cases(c, l) {
		jobs = append(jobs, job{i, func(ctx context.Context, v *Verdict) error { return runCase(ctx, c, l, cs, opts, v) }})
	}
	return jobs
}

// runJobs runs jobs p at a time. Jobs of one lab write to its verdict
// under one lock; done sees a lab once its last job has finished.
func runJobs(ctx context.Context, jobs []job, verdicts []Verdict, p int, done func(Verdict)) error {
	if p <= 0 {
		p = runtime.NumCPU()
	}
	left := make([]int, len(verdicts))
	for _, j := range jobs {
		left[j.lab]++
	}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, p)
	var wg sync.WaitGroup
	for _, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		}
		wg.Go(func() {
			defer func() { <-sem }()
			var part Verdict
			err := j.run(ctx, &part)
			mu.Lock()
			defer mu.Unlock()
			v := &verdicts[j.lab]
			v.add(part)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if left[j.lab]--; left[j.lab] == 0 && done != nil && firstErr == nil {
				done(*v)
			}
		})
	}
	wg.Wait()
	return firstErr
}

// add merges what one job found into the lab's verdict.
func (v *Verdict) add(part Verdict) {
	v.Problems = append(v.Problems, part.Problems...)
	v.Notes = append(v.Notes, part.Notes...)
	v.Cases = append(v.Cases, part.Cases...)
	if part.Shipped.Lab.Name != "" {
		v.Shipped = part.Shipped
	}
}

// shipped proves that the lab as shipped fails in a test, within the
// limits.
func shipped(ctx context.Context, c *course.Course, l manifest.Lab, opts Options, v *Verdict) error {
	ro := labrun.Options{NoCache: true, Env: opts.Env, RaceInTurn: true}
	r, err := labrun.Verdict(ctx, c, l, ro)
	if err != nil {
		return err
	}
	if r.MaxRSS > ShippedMemLimit {
		// The figure counts the compiler too; with the build cached
		// now, measure once more.
		if r, err = labrun.Verdict(ctx, c, l, ro); err != nil {
			return err
		}
	}
	v.Shipped = r
	switch {
	case !failedInATest(r):
		v.Problems = append(v.Problems, fmt.Sprintf("as shipped it must fail in a test, but it %s", Describe(r)))
	case r.Elapsed > ShippedTimeLimit:
		v.Problems = append(v.Problems, fmt.Sprintf("as shipped its tests take %s; the limit is %s", seconds(r.Elapsed), ShippedTimeLimit))
	case r.MaxRSS > ShippedMemLimit:
		v.Problems = append(v.Problems, fmt.Sprintf("as shipped it uses %d MiB; the limit is 1024 MiB", r.MaxRSS>>20))
	}
	v.Notes = append(v.Notes, fmt.Sprintf("shipped: %s in %s, ≤%d MiB", r.Headline(), seconds(r.Elapsed), r.MaxRSS>>20))
	return nil
}

// failedInATest reports whether a run failed the way a lab must fail: in
// a test's assertions or through a data race, not by a build error, a
// panic, a timeout or a crash.
func failedInATest(r labrun.Result) bool {
	return r.Outcome == labrun.Failed || r.Outcome == labrun.DataRace
}

// solution proves that the lab passes with its reference solution, plain
// and under -race, whether or not the lab declares race.
func solution(ctx context.Context, c *course.Course, l manifest.Lab, opts Options, v *Verdict) error {
	probs, err := shippedScreenProblems(ctx, opts.screener, c, l)
	if err != nil {
		return err
	}
	v.Problems = append(v.Problems, probs...)
	files := map[string]string{}
	for _, f := range l.Edit {
		sol := c.SolutionFile(l, f)
		if _, err := os.Stat(sol); err != nil {
			v.Problems = append(v.Problems, fmt.Sprintf("lab %s: no reference solution for %s: %v", l.ID(), f, err))
			return nil
		}
		files[f] = sol
	}
	a, err := apply(c, l, files, "overlay-"+l.Chapter+"-"+l.Name+".json", overlayDir(opts))
	if err != nil {
		return err
	}
	defer a.done()
	ro := labrun.Options{NoCache: true, Env: opts.Env, Overlay: a.overlay, Race: true, RaceInTurn: true}
	r, err := labrun.Verdict(ctx, a.course, l, ro)
	if err != nil {
		return err
	}
	if r.Outcome != labrun.Passed {
		v.Problems = append(v.Problems, fmt.Sprintf("with its solution it must pass, plain and under -race, but it %s", Describe(r)))
		return nil
	}
	if !realRedis(opts.Env) {
		// Against a real server, a test that needs the embedded one
		// (to stop it midway) skips, as grade, on miniredis, never sees.
		v.Problems = append(v.Problems, helperProblems(l, r)...)
	}
	v.Notes = append(v.Notes, fmt.Sprintf("solution: %d pass in %s, -race in %s", r.Passed, seconds(r.Elapsed), seconds(r.RaceElapsed)))
	return nil
}

// realRedis says whether the tests run against a real Redis server.
func realRedis(env []string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, "PERFLAB_REDIS_URL=") && kv != "PERFLAB_REDIS_URL=" {
			return true
		}
	}
	return false
}

// helperProblems checks the lab's helpers against the solution's run:
// grade counts a skip as a pass only for the tests labs.toml names as
// helpers, so every top-level test that skips must be named there, and
// every one named there must skip.
func helperProblems(l manifest.Lab, r labrun.Result) []string {
	var out []string
	skipped := map[string]bool{}
	for _, t := range r.Tests {
		if t.Skipped && !strings.Contains(t.Name, "/") {
			skipped[t.Name] = true
			if !slices.Contains(l.Helpers, t.Name) {
				out = append(out, fmt.Sprintf("%s skips with the solution in place: grade would score that incomplete; make it run, or, if it only runs as a child process, add it to helpers = [...] in labs.toml", t.Name))
			}
		}
	}
	for _, h := range l.Helpers {
		if !skipped[h] {
			out = append(out, fmt.Sprintf("helpers names %s, which did not skip with the solution in place: take it out of helpers", h))
		}
	}
	return out
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
