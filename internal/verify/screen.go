package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/screen"
)

// caseScreening screens a kept fix's files as check screens a learner's.
// A wrong fix that can tell a test from a program is rejected, which
// counts as failing; an alternative must not be. The baseline is the
// solution and the shipped file, which verify's course holds in the lab's
// folder.
func caseScreening(s *screen.Screener, c *course.Course, l manifest.Lab, cs Case) *labrun.Screening {
	tested := map[string]string{}
	for _, f := range cs.Files {
		tested[f] = filepath.Join(cs.Dir, f)
	}
	return labrun.AgainstSolution(s, c, l, tested).WithShipped(c, l)
}

// shippedScreenProblems proves that the shipped files pass the screen
// with the solution alone as the baseline, as check uses it: an import or
// a member the shipped code uses and the solution dropped would reject a
// learner who kept it. It also proves that the solution passes the screen
// against itself and the shipped file, as grade uses it.
func shippedScreenProblems(ctx context.Context, s *screen.Screener, c *course.Course, l manifest.Lab) ([]string, error) {
	var out []string
	for _, f := range l.Edit {
		shipped, ref := filepath.Join(c.Dir(l), f), c.SolutionFile(l, f)
		if _, err := os.Stat(ref); err != nil {
			continue // Completeness reports a missing solution file
		}
		if _, err := os.Stat(shipped); err != nil {
			continue
		}
		probs, err := s.File(ctx, l, c.Dir(l), f, shipped, ref)
		if err != nil {
			return nil, err
		}
		for _, p := range probs {
			out = append(out, fmt.Sprintf("check screens learners' files against the solution, and would reject the shipped %s (%s); keep in the solution what the shipped file uses", f, p))
		}
		if probs, err = s.File(ctx, l, c.Dir(l), f, ref, shipped, ref); err != nil {
			return nil, err
		}
		for _, p := range probs {
			out = append(out, fmt.Sprintf("grade would reject the solution's %s (%s); change the solution", f, p))
		}
	}
	return out, nil
}
