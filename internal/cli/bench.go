package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/bench"
	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/overlay"
)

// benchCmd compares the benchmarks of the learner's code with the shipped
// code (from git, swapped in by -overlay) or the reference solution, in
// interleaved rounds, and prints benchstat's table.
func (a *app) benchCmd(ctx context.Context, args []string) error {
	fs := a.flags("bench")
	count := fs.Int("count", 10, "")
	vs := fs.String("vs", "shipped", "")
	pattern := fs.String("bench", ".", "")
	l, err := a.parseLab(fs, args)
	if err != nil {
		return err
	}
	if *count < 2 {
		return &usageError{"bench --count needs 2 or more rounds to say anything; the default is 10"}
	}
	tmp, err := os.MkdirTemp("", "perflab-bench-")
	if err != nil {
		return fmt.Errorf("making a folder for the test binaries: %w", err)
	}
	defer os.RemoveAll(tmp)
	base, err := a.baseVersion(ctx, l, *vs, tmp)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "%s\n", a.dim(fmt.Sprintf("comparing %s with yours: %s, %d rounds each, interleaved", base.Name, l.ID(), *count)))
	cmp, err := bench.Run(ctx, bench.Spec{
		Root: a.course.Root, Package: "./" + l.ID(), Base: base, Head: bench.Version{Name: "yours"},
		Rounds: *count, Bench: *pattern, Work: tmp, Timeout: 2 * time.Minute, Progress: a.benchProgress(),
	})
	if errors.Is(err, bench.ErrNoBenchmarks) {
		return fmt.Errorf("%s has no benchmark (matching %q): its tests are its measure; run go run ./cmd/perflab check %s", l.ID(), *pattern, l.ID())
	}
	if err != nil {
		return err
	}
	cmp.WriteTable(a.stdout)
	return nil
}

// baseVersion is the code yours is compared with: the lab's edit files as
// git's HEAD has them, or the reference solution once the lab passes.
func (a *app) baseVersion(ctx context.Context, l manifest.Lab, vs, tmp string) (bench.Version, error) {
	if data := l.DataFiles(); len(data) > 0 {
		return bench.Version{}, fmt.Errorf("bench swaps Go files in with an overlay, and %s's answer, %s, is a data file the go command reads from disk; compare builds as its README says (go test -pgo=off … and benchstat)", l.ID(), strings.Join(data, ", "))
	}
	replace := map[string]string{}
	switch vs {
	case "shipped":
		shipped, err := a.shippedFiles(ctx, l, tmp)
		if err != nil {
			return bench.Version{}, fmt.Errorf("bench --vs shipped %w; in a copy without git, use --vs solution", err)
		}
		replace = shipped.Replace
	case "solution":
		r, err := a.verdict(ctx, l, a.testOptions())
		if err != nil {
			return bench.Version{}, err
		}
		if r.Outcome != labrun.Passed {
			return bench.Version{}, fmt.Errorf("%s does not pass yet (%s), so the solution stays hidden; compare with the shipped code: go run ./cmd/perflab bench %s", l.ID(), r.Headline(), l.ID())
		}
		for _, f := range l.Edit {
			replace[filepath.Join(a.course.Dir(l), f)] = a.course.SolutionFile(l, f)
		}
	default:
		return bench.Version{}, &usageError{fmt.Sprintf("bench --vs %q: use shipped or solution", vs)}
	}
	path := filepath.Join(tmp, "overlay-"+vs+".json")
	if err := overlay.Write(path, replace); err != nil {
		return bench.Version{}, err
	}
	return bench.Version{Name: vs, Overlay: path}, nil
}

func (a *app) benchProgress() func(done, total int) {
	if !isTerminal(a.stderr) {
		return nil
	}
	return func(done, total int) {
		fmt.Fprintf(a.stderr, "\rran %d/%d", done, total)
		if done == total {
			fmt.Fprint(a.stderr, "\r\x1b[K")
		}
	}
}

// shipped is the lab's edit files as git's HEAD has them, written into a
// folder of their own.
type shipped struct {
	Replace map[string]string // the learner's file → the shipped copy
	Same    bool              // the learner's files are byte for byte the shipped ones
}

// shippedFiles writes the shipped edit files of l into tmp.
func (a *app) shippedFiles(ctx context.Context, l manifest.Lab, tmp string) (shipped, error) {
	s := shipped{Replace: map[string]string{}, Same: true}
	for _, f := range l.Edit {
		data, err := a.git(ctx, "show", "HEAD:./"+l.ID()+"/"+f)
		if err != nil {
			return shipped{}, fmt.Errorf("reads the shipped %s from git (%v)", f, err)
		}
		path := filepath.Join(tmp, "shipped-"+f)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return shipped{}, fmt.Errorf("writing the shipped %s: %w", f, err)
		}
		mine := filepath.Join(a.course.Dir(l), f)
		s.Replace[mine] = path
		if cur, err := os.ReadFile(mine); err != nil || !bytes.Equal(cur, data) {
			s.Same = false
		}
	}
	return s, nil
}
