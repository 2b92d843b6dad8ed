package labrun

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/screen"
)

// Screening is what Verdict reads before it runs a lab's tests: the edit
// files as they will be tested and the baseline each is screened against.
type Screening struct {
	Screener *screen.Screener
	// Tested maps an edit file's name to the file the run will test (the
	// lab's own, or an overlay's copy); Baseline maps it to the files the
	// screen allows what they use (screen.Screener.File). A name missing
	// from either, a tested file missing on disk, or a baseline of which
	// no file is on disk, is not screened.
	Tested   map[string]string
	Baseline map[string][]string
}

// run screens the lab's edit files; a nil Screening finds nothing.
func (s *Screening) run(ctx context.Context, c *course.Course, l manifest.Lab) ([]screen.Problem, error) {
	if s == nil {
		return nil, nil
	}
	var out []screen.Problem
	for _, f := range l.Edit {
		tested, ok := s.Tested[f]
		if !ok || !exists(tested) || !slices.ContainsFunc(s.Baseline[f], exists) {
			continue // nothing to screen: the run says what is missing
		}
		probs, err := s.Screener.File(ctx, l, c.Dir(l), f, tested, s.Baseline[f]...)
		if err != nil {
			return nil, err
		}
		out = append(out, probs...)
	}
	return out, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// AgainstSolution screens the files as tested (an edit file's name → its
// path) with the lab's reference solution as the baseline, as check does.
// The lab's folder holds the learner's files there, and git's HEAD may
// hold a learner's own commits, so the shipped file is not read; verify
// proves that the shipped files pass this screen, so the solution allows
// all that they use and the baseline is the shipped file and the solution
// in effect.
func AgainstSolution(s *screen.Screener, c *course.Course, l manifest.Lab, tested map[string]string) *Screening {
	sc := &Screening{Screener: s, Tested: tested, Baseline: map[string][]string{}}
	for f := range tested {
		sc.Baseline[f] = []string{c.SolutionFile(l, f)}
	}
	return sc
}

// WithShipped adds to each baseline the file as the lab's folder holds
// it, for a course whose lab folders hold the shipped files (verify's;
// not a learner's, whose folders hold their own).
func (s *Screening) WithShipped(c *course.Course, l manifest.Lab) *Screening {
	for f := range s.Tested {
		s.Baseline[f] = append(s.Baseline[f], filepath.Join(c.Dir(l), f))
	}
	return s
}
