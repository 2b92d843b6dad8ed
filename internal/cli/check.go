package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
)

// check runs the tests of the targeted labs and reports each. It returns
// ErrFailed unless every lab passed.
func (a *app) check(ctx context.Context, args []string) error {
	fs := a.flags("check")
	asJSON := fs.Bool("json", false, "")
	labs, err := a.parseLabs(fs, args)
	if err != nil {
		return err
	}
	results, err := a.runLabs(ctx, labs, !*asJSON)
	if err != nil {
		return err
	}
	st, err := a.loadState()
	if err != nil {
		return err
	}
	if *asJSON {
		if err := a.writeJSON(results, st); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			a.writeResult(r, st)
		}
	}
	for _, r := range results {
		if r.Outcome != labrun.Passed {
			return ErrFailed
		}
	}
	return nil
}

// runLabs runs the learner's labs as they are, one per CPU at a time, each
// plain and, where it declares race, under -race.
func (a *app) runLabs(ctx context.Context, labs []manifest.Lab, showProgress bool) ([]labrun.Result, error) {
	if err := a.checkRedis(ctx); err != nil {
		return nil, err
	}
	opts := a.testOptions()
	// One lab runs its plain and -race passes side by side; several labs
	// already fill the cores, so each takes its passes in turn.
	opts.RaceInTurn = len(labs) > 1
	var done func(int, labrun.Result)
	if showProgress && len(labs) > 1 && isTerminal(a.stderr) {
		done = a.progressLine(len(labs))
	}
	return a.runAll(ctx, labs, 0, func(ctx context.Context, _ int, l manifest.Lab) (labrun.Result, error) {
		return labrun.Verdict(ctx, a.course, l, opts)
	}, done)
}

// writeResult prints one lab's result and, if it did not pass, the
// details and the command that shows the next hint.
func (a *app) writeResult(r labrun.Result, st state) {
	mark := a.green("✓")
	if r.Outcome != labrun.Passed {
		mark = a.red("✗")
	}
	fmt.Fprintf(a.stdout, "%s %s  %s\n", mark, a.bold(r.Lab.ID()), r.Headline())
	if r.Outcome == labrun.Passed {
		return
	}
	a.writeDetails(a.stdout, r)
	fmt.Fprintf(a.stdout, "    %s\n", a.dim(nextHintLine(r.Lab, st)))
}

func nextHintLine(l manifest.Lab, st state) string {
	shown := st.HintsShown[l.ID()]
	if shown >= len(l.Hints) {
		return fmt.Sprintf("all %d hints shown: go run ./cmd/perflab hint %s repeats the last; read %s/README.md again", len(l.Hints), l.ID(), l.ID())
	}
	return fmt.Sprintf("stuck? go run ./cmd/perflab hint %s   (hint %d of %d)", l.ID(), shown+1, len(l.Hints))
}

// jsonResult is the --json form of a lab's result.
type jsonResult struct {
	Lab         string        `json:"lab"`
	Title       string        `json:"title"`
	Points      int           `json:"points"`
	Outcome     string        `json:"outcome"`
	Passed      bool          `json:"passed"`
	Failures    []jsonFailure `json:"failures,omitempty"`
	BuildErrors []string      `json:"build_errors,omitempty"`
	TimedOut    *jsonTimeout  `json:"timed_out,omitempty"`
	Output      []string      `json:"output,omitempty"`
	Elapsed     float64       `json:"elapsed_seconds"`
	NextHint    string        `json:"next_hint,omitempty"`
}

type jsonFailure struct {
	Test     string   `json:"test"`
	Messages []string `json:"messages"`
	Panicked bool     `json:"panicked,omitempty"`
}

type jsonTimeout struct {
	Test  string  `json:"test"`
	After float64 `json:"after_seconds"`
}

func toJSON(r labrun.Result, st state) jsonResult {
	j := jsonResult{
		Lab: r.Lab.ID(), Title: r.Lab.Title, Points: r.Lab.Points,
		Outcome: string(r.Outcome), Passed: r.Outcome == labrun.Passed,
		Elapsed: r.Elapsed.Seconds(),
	}
	for _, f := range r.Failures {
		j.Failures = append(j.Failures, jsonFailure{f.Test, f.Messages, f.Panicked})
	}
	for _, l := range r.BuildErrors {
		j.BuildErrors = append(j.BuildErrors, compileError(l))
	}
	if r.Outcome == labrun.TimedOut {
		j.TimedOut = &jsonTimeout{r.TimedOutTest, r.TimedOutAfter.Seconds()}
	}
	if r.Outcome == labrun.Crashed {
		j.Output = r.Output
	}
	if !j.Passed {
		j.NextHint = "go run ./cmd/perflab hint " + r.Lab.ID()
	}
	return j
}

func (a *app) writeJSON(results []labrun.Result, st state) error {
	out := make([]jsonResult, 0, len(results))
	for _, r := range results {
		out = append(out, toJSON(r, st))
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
