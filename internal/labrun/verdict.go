package labrun

import (
	"context"
	"time"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
)

// RaceTimeoutFactor stretches a lab's time limit for its -race run: the
// race detector slows code down several times over.
const RaceTimeoutFactor = 3

// Verdict runs a lab's tests the way its grade is decided: plain, and, for
// a lab whose manifest declares race = true (or when opts.Race is set),
// under -race too, both at once. The lab passes only if both runs pass.
//
// The plain run decides the exact gates (allocation counts and speed
// ratios log and skip under -race); the -race run finds data races. The
// result is the plain run's unless that passed or the -race run found a
// race: then it is the -race run's (Race set), with any failures of the
// plain run kept as well. With opts.RaceInTurn the -race run comes after
// the plain one, and only if that passed.
func Verdict(ctx context.Context, c *course.Course, l manifest.Lab, opts Options) (Result, error) {
	if probs, err := opts.Screen.run(ctx, c, l); err != nil || len(probs) > 0 {
		return Result{Lab: l, Outcome: Rejected, Problems: probs}, err
	}
	withRace := l.Race || opts.Race
	plainOpts := opts
	plainOpts.Race = false
	if !withRace {
		return Run(ctx, c, l, plainOpts)
	}
	raceOpts := opts
	raceOpts.Race = true
	raceOpts.Timeout = RaceTimeoutFactor * timeLimit(l, opts)
	raceOpts.OnEvent = nil

	type run struct {
		r   Result
		err error
	}
	raced := make(chan run, 1)
	runRace := func() {
		r, err := Run(ctx, c, l, raceOpts)
		raced <- run{r, err}
	}
	if !opts.RaceInTurn {
		go runRace()
	}
	plain, err := Run(ctx, c, l, plainOpts)
	if opts.RaceInTurn {
		// Taking turns is for batch callers: a failed plain run
		// already decides the verdict.
		if err != nil || plain.Outcome != Passed {
			return plain, err
		}
		runRace()
	}
	rr := <-raced
	if err != nil {
		return plain, err
	}
	if rr.err != nil {
		return rr.r, rr.err
	}
	return merge(plain, rr.r), nil
}

func timeLimit(l manifest.Lab, opts Options) time.Duration {
	if opts.Timeout > 0 {
		return opts.Timeout
	}
	return l.Timeout.Duration
}

// merge combines a plain run and a -race run of the same code into one
// verdict.
func merge(plain, raced Result) Result {
	plain.RaceElapsed = raced.Elapsed
	switch {
	case plain.Outcome == BuildFailed, raced.Outcome == Passed:
		return plain
	case raced.Outcome == DataRace:
		raced.RaceElapsed = raced.Elapsed
		raced.Elapsed = plain.Elapsed
		if plain.Outcome != Passed {
			raced.Failures = append(plainFailuresNotIn(plain, raced), raced.Failures...)
		}
		return raced
	case plain.Outcome != Passed:
		return plain
	default:
		raced.RaceElapsed = raced.Elapsed
		raced.Elapsed = plain.Elapsed
		return raced
	}
}

// plainFailuresNotIn returns the plain run's failures of tests that did not
// also fail under -race, so one test is not reported twice.
func plainFailuresNotIn(plain, raced Result) []Failure {
	seen := map[string]bool{}
	for _, f := range raced.Failures {
		seen[f.Test] = true
	}
	var out []Failure
	for _, f := range plain.Failures {
		if !seen[f.Test] {
			out = append(out, f)
		}
	}
	return out
}
