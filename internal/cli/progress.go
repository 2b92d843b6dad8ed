package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/goperflabs/labs/internal/labrun"
)

// progress is what perflab does with no command: how far the learner has
// come, the check of the next unfinished lab, and what to do next.
func (a *app) progress(ctx context.Context, args []string) error {
	fs := a.flags("perflab")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, a.dim("running every lab's tests…"))
	results, err := a.runLabs(ctx, a.course.Labs(), true)
	if err != nil {
		return err
	}
	st, err := a.loadState()
	if err != nil {
		return err
	}
	done, points, total := tally(results)
	fmt.Fprintf(a.stdout, "%s: %d of %d labs done, %d of %d points  %s\n\n",
		a.bold("Go Performance Labs"), done, len(results), points, total, bar(done, len(results)))
	for _, r := range results {
		if r.Outcome == labrun.Passed {
			continue
		}
		l := r.Lab
		fmt.Fprintf(a.stdout, "Next: %s — %s\n", a.bold(l.ID()), l.Title)
		a.writeResult(r, st)
		fmt.Fprintf(a.stdout, "\nWhat to do: read %s/README.md, fix %s, then run\n", l.ID(), strings.Join(l.Edit, " and "))
		fmt.Fprintf(a.stdout, "  go run ./cmd/perflab check %s     (or: watch %s, to re-check on every save)\n", l.ID(), l.ID())
		return nil
	}
	fmt.Fprintln(a.stdout, "Every lab passes. Well done! Compare your answers with the reference: go run ./cmd/perflab solution LAB")
	return nil
}

// bar draws a progress bar 20 cells wide.
func bar(done, total int) string {
	if total == 0 {
		return ""
	}
	n := done * 20 / total
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", 20-n) + "]"
}
