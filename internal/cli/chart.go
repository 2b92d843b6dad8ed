package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/goperflabs/labs/internal/chart"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/store"
)

// chartCmd runs a lab's workload on the learner's code and on the shipped
// code (from git, swapped in by -overlay) while sampling the runtime's
// memory metrics, writes the two series as a new HTML page in
// .perflab/charts/ and prints its path.
func (a *app) chartCmd(ctx context.Context, args []string) error {
	l, err := a.parseLab(a.flags("chart"), args)
	if err != nil {
		return err
	}
	if l.Workload == "" {
		return fmt.Errorf("%s declares no workload to chart: add workload = \"TestName\" (a test or benchmark of the lab's package) to its [[lab]] in %s/%s", l.ID(), l.Chapter, manifest.FileName)
	}
	tmp, err := os.MkdirTemp("", "perflab-chart-")
	if err != nil {
		return fmt.Errorf("making a folder for the test binaries: %w", err)
	}
	defer os.RemoveAll(tmp)
	shipped, err := a.shippedFiles(ctx, l, tmp)
	if err != nil {
		return fmt.Errorf("chart %w", err)
	}
	fmt.Fprintf(a.stderr, "%s\n", a.dim(fmt.Sprintf("sampling %s while %s runs, on your code and on the shipped code…", l.ID(), l.Workload)))
	series, err := chart.Run(ctx, chart.Spec{
		Root: a.course.Root, Package: "./" + l.ID(), Dir: a.course.Dir(l), Workload: l.Workload,
		Timeout: l.Timeout.Duration, Work: tmp, Env: a.testOptions().Env,
		Versions: []chart.Version{{Name: "yours"}, {Name: "shipped", Replace: shipped.Replace}},
	})
	if errors.Is(err, chart.ErrNoWorkload) {
		return fmt.Errorf("%s's workload %s is not a test or benchmark of its package; fix workload in %s/%s", l.ID(), l.Workload, l.Chapter, manifest.FileName)
	}
	if err != nil {
		return fmt.Errorf("chart %s: %w", l.ID(), err)
	}
	path, err := a.writeChart(l, chart.Page{Lab: l.ID(), Workload: l.Workload, Series: series, Same: shipped.Same, Taken: time.Now()})
	if err != nil {
		return err
	}
	a.printChart(l, path, series, shipped.Same)
	return nil
}

// chartsDir is where a lab's charts are kept.
func (a *app) chartsDir(l manifest.Lab) string {
	return filepath.Join(a.course.Root, ".perflab", "charts", l.Chapter+"-"+l.Name)
}

// writeChart renders p into a new file of the lab's charts folder.
func (a *app) writeChart(l manifest.Lab, p chart.Page) (string, error) {
	var b bytes.Buffer
	if err := chart.Render(&b, p); err != nil {
		return "", err
	}
	path, err := store.Reserve(a.chartsDir(l), "chart", ".html", p.Taken)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("writing the chart: %w", err)
	}
	return path, nil
}

// printChart prints each metric's last value for each series and the
// page's path.
func (a *app) printChart(l manifest.Lab, path string, series []chart.Series, same bool) {
	if same {
		fmt.Fprintf(a.stdout, "%s\n", a.dim("your files are the shipped ones: the two lines coincide"))
	}
	for _, s := range series {
		if note := s.Note(); note != "" {
			fmt.Fprintf(a.stdout, "%s\n", a.dim(note))
		}
	}
	for _, m := range chart.Metrics {
		fmt.Fprintf(a.stdout, "%-11s at the end:", m.Name)
		for i, s := range series {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(a.stdout, "%s %s %s", sep, s.Name, m.Format(m.Last(s)))
		}
		fmt.Fprintln(a.stdout)
	}
	fmt.Fprintf(a.stdout, "chart of %s while %s runs: %s\n", l.ID(), l.Workload, a.rel(path))
}
