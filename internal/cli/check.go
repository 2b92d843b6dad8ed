package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goperflabs/labs/internal/buildcache"
	"github.com/goperflabs/labs/internal/figure"
	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
)

// check runs the tests of the targeted labs and reports each. It returns
// ErrFailed unless every lab passed.
func (a *app) check(ctx context.Context, args []string) error {
	fs := a.flags("check")
	asJSON := fs.Bool("json", false, "")
	targets, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		if l, ok := a.labHere(); ok {
			targets = []string{l.ID()}
		}
	}
	labs, err := a.course.Resolve(targets)
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
	a.compileColdChapters(ctx, labs)
	opts := a.testOptions()
	// One lab runs its plain and -race passes side by side; several labs
	// already fill the cores, so each takes its passes in turn.
	opts.RaceInTurn = len(labs) > 1
	var done func(int, labrun.Result)
	if showProgress && len(labs) > 1 && isTerminal(a.stderr) {
		done = a.progressLine(len(labs))
	}
	return a.runAll(ctx, labs, 0, func(ctx context.Context, _ int, l manifest.Lab) (labrun.Result, error) {
		return a.verdict(ctx, l, opts)
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
	Rejected    []string      `json:"rejected,omitempty"` // what the screen found, "file:line: message"
	TimedOut    *jsonTimeout  `json:"timed_out,omitempty"`
	Output      []string      `json:"output,omitempty"`
	Elapsed     float64       `json:"elapsed_seconds"`
	NextHint    string        `json:"next_hint,omitempty"`
	// Tests holds every test that ran with the figures its gates
	// measured, read from the attr events of go test -json.
	Tests []jsonTest `json:"tests,omitempty"`
}

type jsonFailure struct {
	Test     string   `json:"test"`
	Messages []string `json:"messages"`
	Panicked bool     `json:"panicked,omitempty"`
	Race     bool     `json:"under_race,omitempty"` // it failed in the -race run
	Races    []string `json:"data_races,omitempty"` // each race in one line
}

type jsonTest struct {
	Name    string          `json:"name"`
	Passed  bool            `json:"passed"`
	Figures []figure.Figure `json:"figures,omitempty"`
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
		jf := jsonFailure{Test: f.Test, Messages: f.Messages, Panicked: f.Panicked, Race: f.Race}
		for _, race := range f.Races {
			jf.Races = append(jf.Races, race.String())
		}
		j.Failures = append(j.Failures, jf)
	}
	for _, tc := range r.Tests {
		j.Tests = append(j.Tests, jsonTest{tc.Name, tc.Passed, tc.Figures})
	}
	for _, l := range r.BuildErrors {
		j.BuildErrors = append(j.BuildErrors, compileError(l))
	}
	for _, p := range r.Problems {
		j.Rejected = append(j.Rejected, p.String())
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

// compileColdChapters compiles, chapter by chapter with a line for each,
// the targeted labs when the build cache lacks what they need (one go
// list finds out); on a warm cache it says nothing. A failure here is left
// for the lab runs to report.
func (a *app) compileColdChapters(ctx context.Context, labs []manifest.Lab) {
	var patterns, chapters []string
	byChapter := map[string][]string{}
	for _, l := range labs {
		patterns = append(patterns, "./"+l.ID())
		if !slices.Contains(chapters, l.Chapter) {
			chapters = append(chapters, l.Chapter)
		}
		byChapter[l.Chapter] = append(byChapter[l.Chapter], "./"+l.ID())
	}
	stale, err := buildcache.StaleDeps(ctx, a.course.Root, patterns...)
	if err != nil || len(stale) == 0 {
		return
	}
	fmt.Fprintf(a.stderr, "%s\n", a.dim(fmt.Sprintf("first run: compiling %d packages the labs need (SQLite, for the caching labs, takes a few minutes)", len(stale))))
	for _, ch := range chapters {
		fmt.Fprintf(a.stderr, "%s\n", a.dim("  compiling "+ch+"…"))
		_ = buildcache.Compile(ctx, a.course.Root, byChapter[ch]...)
	}
}

// labHere returns the lab whose folder perflab was started in, if any.
func (a *app) labHere() (manifest.Lab, bool) {
	here, err := filepath.Abs(a.dir)
	if err != nil {
		return manifest.Lab{}, false
	}
	for _, l := range a.course.Labs() {
		rel, err := filepath.Rel(a.course.Dir(l), here)
		if err == nil && !strings.HasPrefix(rel, "..") {
			return l, true
		}
	}
	return manifest.Lab{}, false
}
