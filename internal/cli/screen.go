package cli

import (
	"context"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/screen"
)

// screener is made once per invocation: it caches what go list says.
type screener struct {
	once sync.Once
	s    *screen.Screener
	err  error
}

// verdict is labrun.Verdict on the learner's files, read first by the
// screen: a file that can tell a test from a program is rejected.
func (a *app) verdict(ctx context.Context, l manifest.Lab, opts labrun.Options) (labrun.Result, error) {
	sc, err := a.screening(l)
	if err != nil {
		return labrun.Result{Lab: l}, err
	}
	opts.Screen = sc
	return labrun.Verdict(ctx, a.course, l, opts)
}

// screening screens the learner's edit files against the reference
// solution's (labrun.AgainstSolution says why).
func (a *app) screening(l manifest.Lab) (*labrun.Screening, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return nil, labrun.ErrNoGo
	}
	a.screen.once.Do(func() { a.screen.s, a.screen.err = screen.New(a.course.Root) })
	if a.screen.err != nil {
		return nil, a.screen.err
	}
	tested := map[string]string{}
	for _, f := range l.Edit {
		tested[f] = filepath.Join(a.course.Dir(l), f)
	}
	return labrun.AgainstSolution(a.screen.s, a.course, l, tested), nil
}
