package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
)

// solution prints the reference solution of a lab as a unified diff
// against the learner's files. It does so only once the lab passes, or
// with --reveal, so that nobody sees it by accident.
func (a *app) solution(ctx context.Context, args []string) error {
	fs := a.flags("solution")
	reveal := fs.Bool("reveal", false, "")
	l, err := a.parseLab(fs, args)
	if err != nil {
		return err
	}
	if !*reveal {
		if err := a.checkRedis(ctx); err != nil {
			return err
		}
		r, err := a.verdict(ctx, l, a.testOptions())
		if err != nil {
			return err
		}
		if r.Outcome != labrun.Passed {
			return fmt.Errorf("%s does not pass yet (%s), so its solution stays hidden; try `go run ./cmd/perflab hint %s`, or add --reveal to see it anyway", l.ID(), r.Headline(), l.ID())
		}
	}
	for _, f := range l.Edit {
		mine, err := os.ReadFile(a.course.Dir(l) + "/" + f)
		if os.IsNotExist(err) && !manifest.IsGo(f) {
			fmt.Fprintf(a.stdout, "you have no %s/%s yet; the reference solution's is solutions/%s/%s\n", l.ID(), f, l.ID(), f)
			continue
		}
		if err != nil {
			return fmt.Errorf("reading your %s: %w", f, err)
		}
		ref, err := os.ReadFile(a.course.SolutionFile(l, f))
		if err != nil {
			return fmt.Errorf("reading the solution for %s: %w", f, err)
		}
		if !manifest.IsGo(f) {
			a.compareData(l, f, mine, ref)
			continue
		}
		diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A:        difflib.SplitLines(string(mine)),
			B:        difflib.SplitLines(string(ref)),
			FromFile: "yours/" + l.ID() + "/" + f,
			ToFile:   "solution/" + l.ID() + "/" + f,
			Context:  3,
		})
		if err != nil {
			return fmt.Errorf("comparing %s: %w", f, err)
		}
		if diff == "" {
			fmt.Fprintf(a.stdout, "%s/%s is the same as the reference solution\n", l.ID(), f)
			continue
		}
		fmt.Fprint(a.stdout, diff)
	}
	return nil
}

// compareData says whether a data edit file (default.pgo, often binary)
// is the reference solution's, instead of a diff.
func (a *app) compareData(l manifest.Lab, f string, mine, ref []byte) {
	if bytes.Equal(mine, ref) {
		fmt.Fprintf(a.stdout, "%s/%s is the same as the reference solution\n", l.ID(), f)
		return
	}
	fmt.Fprintf(a.stdout, "%s/%s (%d bytes) differs from the reference solution (%d bytes), a data file: see it with cp solutions/%s/%s /tmp/ and the tool its README names\n", l.ID(), f, len(mine), len(ref), l.ID(), f)
}
