package labrun

import (
	"context"
	"os"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/screen"
)

// Screening is what Verdict reads before it runs a lab's tests: the edit
// files as they will be tested and as they shipped.
type Screening struct {
	Screener *screen.Screener
	// Tested maps an edit file's name to the file the run will test (the
	// lab's own, or an overlay's copy); Shipped maps it to the file as the
	// course ships it. A name missing from either, or a file missing on
	// disk, is not screened.
	Tested, Shipped map[string]string
}

// run screens the lab's edit files; a nil Screening finds nothing.
func (s *Screening) run(ctx context.Context, c *course.Course, l manifest.Lab) ([]screen.Problem, error) {
	if s == nil {
		return nil, nil
	}
	var out []screen.Problem
	for _, f := range l.Edit {
		tested, ok1 := s.Tested[f]
		shipped, ok2 := s.Shipped[f]
		if !ok1 || !ok2 || !exists(tested) || !exists(shipped) {
			continue // nothing to screen: the run says what is missing
		}
		probs, err := s.Screener.File(ctx, l, c.Dir(l), f, tested, shipped)
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
// path) against the lab's reference solution, as check and verify do:
// git's HEAD may hold a learner's own commits, and verify proves that the
// solution uses every telltale the shipped files do.
func AgainstSolution(s *screen.Screener, c *course.Course, l manifest.Lab, tested map[string]string) *Screening {
	sc := &Screening{Screener: s, Tested: tested, Shipped: map[string]string{}}
	for f := range tested {
		sc.Shipped[f] = c.SolutionFile(l, f)
	}
	return sc
}
