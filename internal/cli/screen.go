package cli

import (
	"context"
	"os"
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
// solution's: git's HEAD may hold the learner's own commits, and verify
// proves that the solution uses every telltale the shipped file does.
func (a *app) screening(l manifest.Lab) (*labrun.Screening, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return nil, labrun.ErrNoGo
	}
	a.screen.once.Do(func() { a.screen.s, a.screen.err = screen.New(a.course.Root) })
	if a.screen.err != nil {
		return nil, a.screen.err
	}
	sc := &labrun.Screening{Screener: a.screen.s, Tested: map[string]string{}, Shipped: map[string]string{}}
	for _, f := range l.Edit {
		ref := filepath.Join(a.course.Root, "solutions", l.Chapter, l.Name, f)
		if _, err := os.Stat(ref); err != nil {
			continue // no reference to screen against: the tests decide
		}
		sc.Tested[f] = filepath.Join(a.course.Dir(l), f)
		sc.Shipped[f] = ref
	}
	return sc, nil
}
