package cli

import (
	"context"
	"fmt"
)

// hint shows a lab's next hint and remembers that it did; once all are
// shown, it repeats the last. With --all it shows again every hint given
// so far, and gives no new one.
func (a *app) hint(ctx context.Context, args []string) error {
	fs := a.flags("hint")
	all := fs.Bool("all", false, "")
	l, err := a.parseLab(fs, args)
	if err != nil {
		return err
	}
	st, err := a.loadState()
	if err != nil {
		return err
	}
	if *all {
		shown := st.HintsShown[l.ID()]
		if shown == 0 {
			fmt.Fprintf(a.stdout, "no hint of %s shown yet; go run ./cmd/perflab hint %s gives the first\n", l.ID(), l.ID())
		}
		for i := range shown {
			fmt.Fprintf(a.stdout, "%s hint %d of %d: %s\n", a.bold(l.ID()), i+1, len(l.Hints), l.Hints[i])
		}
		return nil
	}
	n := min(st.HintsShown[l.ID()]+1, len(l.Hints))
	st.HintsShown[l.ID()] = n
	if err := a.saveState(st); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s hint %d of %d: %s\n", a.bold(l.ID()), n, len(l.Hints), l.Hints[n-1])
	if n < len(l.Hints) {
		fmt.Fprintf(a.stdout, "%s\n", a.dim("run the same command again for the next hint"))
	}
	return nil
}
