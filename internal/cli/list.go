package cli

import (
	"context"
	"fmt"

	"github.com/goperflabs/labs/internal/labrun"
)

// list runs every lab's tests and prints one line per lab, by chapter.
// Passing labs come from go's test cache, so a second list is quick.
func (a *app) list(ctx context.Context, args []string) error {
	fs := a.flags("list")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	results, err := a.runLabs(ctx, a.course.Labs(), !*asJSON)
	if err != nil {
		return err
	}
	st, err := a.loadState()
	if err != nil {
		return err
	}
	if *asJSON {
		return a.writeJSON(results, st)
	}
	i := 0
	for _, ch := range a.course.Chapters {
		fmt.Fprintf(a.stdout, "%s  %s\n", a.bold(ch.Dir), ch.Title)
		for range ch.Labs {
			r := results[i]
			i++
			mark, state := a.green("✓"), "done"
			if r.Outcome != labrun.Passed {
				mark, state = a.red("✗"), string(r.Outcome)
			}
			fmt.Fprintf(a.stdout, "  %s %-38s %-12s %3d pts  %s\n", mark, r.Lab.ID(), state, r.Lab.Points, a.dim(r.Lab.Title))
		}
	}
	done, points, total := tally(results)
	fmt.Fprintf(a.stdout, "\n%d of %d labs done, %d of %d points\n", done, len(results), points, total)
	return nil
}

func tally(results []labrun.Result) (done, points, total int) {
	for _, r := range results {
		total += r.Lab.Points
		if r.Outcome == labrun.Passed {
			done++
			points += r.Lab.Points
		}
	}
	return done, points, total
}
