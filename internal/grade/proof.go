package grade

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/snapshot"
)

// Named is one set of edit files to grade a lab with: a reference
// solution or a kept alternative fix.
type Named struct {
	Name  string            // "solution", "alt/sync-map"
	Files map[string]string // an edit file's name → the file to use
}

// Proof is what grading one lab's reference solution and kept
// alternatives showed: each must score full marks, as check accepts it.
type Proof struct {
	Lab     manifest.Lab
	Graded  []Graded
	Elapsed time.Duration
	Err     error // grade itself failed
}

// Graded is one Named set's result.
type Graded struct {
	Name   string
	Result LabResult
}

// Full reports whether every set scored the lab's points.
func (p Proof) Full() bool {
	if p.Err != nil || len(p.Graded) == 0 {
		return false
	}
	for _, g := range p.Graded {
		if g.Result.Score != g.Result.Max {
			return false
		}
	}
	return true
}

// Prove grades each lab of solved (a submission that holds every
// reference solution: see Solved), as Grade would, and then with each of
// its other sets (sets(l), the kept alternatives); parallel labs at a
// time. It calls done as each lab finishes, one call at a time.
func (g *Grader) Prove(ctx context.Context, solved *Submission, labs []manifest.Lab, sets func(manifest.Lab) []Named, parallel int, done func(Proof)) []Proof {
	out := make([]Proof, len(labs))
	sem := make(chan struct{}, max(parallel, 1))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, l := range labs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p := g.proveLab(ctx, solved, l, sets(l))
			mu.Lock()
			defer mu.Unlock()
			out[i] = p
			if done != nil {
				done(p)
			}
		})
	}
	wg.Wait()
	return out
}

func (g *Grader) proveLab(ctx context.Context, solved *Submission, l manifest.Lab, sets []Named) (p Proof) {
	start := time.Now()
	p.Lab = l
	defer func() { p.Elapsed = time.Since(start) }()
	tmp, err := os.MkdirTemp("", "perflab-grade-")
	if err != nil {
		p.Err = err
		return p
	}
	defer os.RemoveAll(tmp)
	lr, err := g.gradeLab(ctx, solved, l, tmp)
	if err != nil {
		p.Err = err
		return p
	}
	p.Graded = append(p.Graded, Graded{Name: "solution", Result: lr})
	for _, s := range sets {
		lr, err := g.GradeFiles(ctx, l, s.Files)
		if err != nil {
			p.Err = err
			break
		}
		p.Graded = append(p.Graded, Graded{Name: s.Name, Result: lr})
	}
	return p
}

// Solved writes into dir, which must not exist, a submission made of the
// course as committed with every lab's reference solution in place: the
// work that must score full marks.
func Solved(ctx context.Context, c *Course, dir string) error {
	if c.Commit == "" {
		return errors.New("a solved submission is made from a commit of the course: grade from a git checkout")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("making the solved submission: %w", err)
	}
	if err := snapshot.Into(ctx, c.Source, c.Commit, dir); err != nil {
		return err
	}
	for _, l := range c.Labs() {
		for _, f := range l.Edit {
			data, err := os.ReadFile(c.SolutionFile(l, f))
			if err != nil {
				return fmt.Errorf("lab %s: reading its solution: %w", l.ID(), err)
			}
			if err := os.WriteFile(filepath.Join(dir, l.Chapter, l.Name, f), data, 0o644); err != nil {
				return fmt.Errorf("lab %s: putting its solution in place: %w", l.ID(), err)
			}
		}
	}
	return nil
}

// ReadSolved reads a submission of every reference solution of c, made by
// Solved in a temporary folder that is gone when it returns (the
// submission keeps copies of its edit files; Close removes them).
func ReadSolved(ctx context.Context, c *Course) (*Submission, error) {
	tmp, err := os.MkdirTemp("", "perflab-solved-")
	if err != nil {
		return nil, fmt.Errorf("making the solved submission: %w", err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "solved")
	if err := Solved(ctx, c, dir); err != nil {
		return nil, err
	}
	return ReadSubmission(ctx, c, dir)
}
