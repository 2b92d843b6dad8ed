package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/grade"
	"github.com/goperflabs/labs/internal/manifest"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/snapshot"
	"github.com/goperflabs/labs/internal/verify"
)

// verify proves, for each targeted lab as committed (HEAD, or --from
// REV), that its entry is complete, that it fails in a test as shipped,
// that it passes with its solution, plain and under -race, and that its
// kept wrong fixes fail and its alternatives pass. It ends with
// "N passed, N failed", N counting labs.
func (a *app) verify(ctx context.Context, args []string) error {
	fs := a.flags("verify")
	parallel := fs.Int("p", 0, "")
	from := fs.String("from", "HEAD", "")
	workingTree := fs.Bool("working-tree", false, "")
	viaGrade := fs.Bool("grade", false, "")
	targets, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if *viaGrade {
		return a.verifyGrade(ctx, targets, *from, *parallel)
	}
	if err := a.checkRedis(ctx); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "perflab-verify-")
	if err != nil {
		return fmt.Errorf("making a folder for the snapshot: %w", err)
	}
	defer os.RemoveAll(tmp)
	c, err := a.verifiedCourse(ctx, *from, *workingTree, tmp)
	if err != nil {
		return err
	}
	labs, err := c.Resolve(targets)
	if err != nil {
		return err
	}
	n := 0
	opts := verify.Options{Parallel: *parallel, Env: a.testOptions().Env, Overlays: tmp}
	verdicts, err := verify.Labs(ctx, c, labs, opts, func(v verify.Verdict) {
		n++
		a.writeVerdict(n, len(labs), v)
	})
	if err != nil {
		return err
	}
	return a.verifySummary(verdicts, verify.StrayLabs(c, labs))
}

// verifiedCourse is the course to prove: the commit rev as git has it, or
// the working tree when asked or when there is no git checkout.
func (a *app) verifiedCourse(ctx context.Context, rev string, workingTree bool, tmp string) (*course.Course, error) {
	if workingTree {
		fmt.Fprintln(a.stderr, "verifying the working tree as it is, edits included")
		return a.course, nil
	}
	dir, err := snapshot.Export(ctx, a.course.Root, rev, tmp)
	if errors.Is(err, snapshot.ErrNotGit) {
		fmt.Fprintf(a.stderr, "%v: verifying the working tree as it is, edits included\n", err)
		return a.course, nil
	}
	if err != nil {
		return nil, err
	}
	return course.Load(dir)
}

func (a *app) verifySummary(verdicts []verify.Verdict, strays []string) error {
	passed, failed := 0, 0
	for _, v := range verdicts {
		if v.Sound() {
			passed++
		} else {
			failed++
		}
	}
	for _, p := range strays {
		fmt.Fprintf(a.stdout, "%s %s\n", a.red("FAIL"), p)
		failed++
	}
	fmt.Fprintf(a.stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return ErrFailed
	}
	return nil
}

func (a *app) writeVerdict(i, total int, v verify.Verdict) {
	status := a.green("ok  ")
	if !v.Sound() {
		status = a.red("FAIL")
	}
	notes := v.Notes
	if len(v.Cases) > 0 {
		notes = append(notes, casesNote(v.Cases))
	}
	fmt.Fprintf(a.stdout, "[%d/%d] %s %s  %s\n", i, total, status, a.bold(v.Lab.ID()), strings.Join(notes, "; "))
	for _, p := range v.Problems {
		fmt.Fprintf(a.stdout, "        %s\n", p)
	}
}

// casesNote sums up the kept fixes: "kept fixes: 4 wrong fail, 2 alt pass".
func casesNote(cases []verify.CaseResult) string {
	counts := map[verify.Kind][2]int{}
	for _, c := range cases {
		n := counts[c.Case.Kind]
		if c.OK {
			n[0]++
		} else {
			n[1]++
		}
		counts[c.Case.Kind] = n
	}
	w, alt := counts[verify.Wrong], counts[verify.Alt]
	return fmt.Sprintf("kept fixes: %d/%d wrong fail, %d/%d alt pass", w[0], w[0]+w[1], alt[0], alt[0]+alt[1])
}

// verifyGrade grades every targeted lab's reference solution and kept
// alternatives through perflab grade's own path (screen, trusted build,
// sandboxed run, verdict by recorder) and expects full marks for each:
// what check accepts, grade must too. N counts labs.
func (a *app) verifyGrade(ctx context.Context, targets []string, rev string, parallel int) error {
	c, err := grade.OpenCourse(ctx, a.course.Root, rev)
	if err != nil {
		return err
	}
	defer c.Close()
	labs, err := c.Resolve(targets)
	if err != nil {
		return err
	}
	g := grade.NewGrader(c)
	defer g.Close()
	if err := g.Prepare(ctx); err != nil {
		return err
	}
	solved, err := grade.ReadSolved(ctx, c)
	if err != nil {
		return err
	}
	defer solved.Close()
	fmt.Fprintf(a.stderr, "grading a submission of every reference solution, and each kept alternative, of %d labs at %s through perflab grade\n", len(labs), c.ShortCommit())
	g.Warm(ctx)
	n, failed := 0, 0
	g.Prove(ctx, solved, labs, func(l manifest.Lab) []grade.Named { return altSets(c.Course, l) }, max(parallel, 2), func(p grade.Proof) {
		n++
		if !p.Full() {
			failed++
		}
		a.writeProof(n, len(labs), p)
	})
	fmt.Fprintf(a.stdout, "%d passed, %d failed\n", len(labs)-failed, failed)
	if failed > 0 {
		return ErrFailed
	}
	return nil
}

// altSets are the lab's kept alternatives, as verify runs them.
func altSets(c *course.Course, l manifest.Lab) []grade.Named {
	var sets []grade.Named
	for _, cs := range verify.Cases(c, l) {
		if cs.Kind == verify.Alt {
			sets = append(sets, grade.Named{Name: cs.ID(), Files: cs.LabFiles(c, l)})
		}
	}
	return sets
}

func (a *app) writeProof(i, total int, p grade.Proof) {
	status := a.green("ok  ")
	if !p.Full() {
		status = a.red("FAIL")
	}
	full := 0
	for _, g := range p.Graded {
		if g.Result.Score == g.Result.Max {
			full++
		}
	}
	fmt.Fprintf(a.stdout, "[%d/%d] %s %s  grade: %d/%d full marks (solution and alternatives) in %s\n", i, total, status, a.bold(p.Lab.ID()), full, len(p.Graded), p.Elapsed.Round(time.Second))
	if p.Err != nil {
		fmt.Fprintf(a.stdout, "        grade failed: %v\n", p.Err)
	}
	for _, g := range p.Graded {
		if g.Result.Score != g.Result.Max {
			fmt.Fprintf(a.stdout, "        %s scored %d/%d: %s %s\n", g.Name, g.Result.Score, g.Result.Max, g.Result.Status, g.Result.Reason)
		}
	}
}
