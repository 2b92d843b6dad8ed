package grade

import (
	"context"
	"sync"
	"time"

	"github.com/goperflabs/labs/internal/manifest"
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

// Prove grades each lab with each of its sets (sets(l)), parallel labs at
// a time, and calls done as each lab finishes, one call at a time.
func (g *Grader) Prove(ctx context.Context, labs []manifest.Lab, sets func(manifest.Lab) []Named, parallel int, done func(Proof)) []Proof {
	out := make([]Proof, len(labs))
	sem := make(chan struct{}, max(parallel, 1))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, l := range labs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p := g.proveLab(ctx, l, sets(l))
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

func (g *Grader) proveLab(ctx context.Context, l manifest.Lab, sets []Named) Proof {
	start := time.Now()
	p := Proof{Lab: l}
	for _, s := range sets {
		lr, err := g.GradeFiles(ctx, l, s.Files)
		if err != nil {
			p.Err = err
			break
		}
		p.Graded = append(p.Graded, Graded{Name: s.Name, Result: lr})
	}
	p.Elapsed = time.Since(start)
	return p
}
