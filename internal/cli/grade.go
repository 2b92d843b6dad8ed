package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/grade"
)

// grade grades submissions against the teacher's course: see
// internal/grade. It parses flags and prints; it needs no course in the
// working directory when --course is given.
func (a *app) grade(ctx context.Context, args []string) error {
	fs := a.flags("grade")
	courseDir := fs.String("course", "", "")
	rev := fs.String("rev", "", "")
	asJSON := fs.Bool("json", false, "")
	format := fs.String("format", "text", "")
	parallel := fs.Int("p", 1, "")
	results := fs.String("results", "grades", "")
	csvPath := fs.String("csv", "", "")
	memMiB := fs.Int64("mem", grade.DefaultLimits.Memory>>20, "")
	labsFlag := fs.String("labs", "", "")
	merge := fs.Bool("merge", false, "")
	subs, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if *merge {
		return a.mergeReports(subs, *csvPath)
	}
	if *asJSON {
		*format = "json"
	}
	if a.redisURL != "" {
		fmt.Fprintln(a.stderr, "perflab grade: every grade uses the embedded miniredis, so that no server's contents change it; --redis and PERFLAB_REDIS_URL are not used")
	}
	switch *format {
	case "text", "json", "gradescope", "github", "csv":
	default:
		return &usageError{fmt.Sprintf("grade: --format %q: use text, json, gradescope, github or csv", *format)}
	}
	dir := *courseDir
	if dir == "" {
		here, err := course.Find(a.dir)
		if err != nil {
			return err
		}
		dir = here.Root
	}
	c, err := grade.OpenCourse(ctx, dir, *rev)
	if err != nil {
		return err
	}
	defer c.Close()
	g := grade.NewGrader(c)
	g.Limits.Memory = *memMiB << 20
	if *labsFlag != "" {
		if g.Labs, err = c.Resolve(strings.Split(*labsFlag, ",")); err != nil {
			return err
		}
	}
	if len(subs) > 1 {
		return a.gradeClass(ctx, g, subs, *parallel, *results, *csvPath)
	}
	sub := c.Source
	if len(subs) == 1 {
		sub = subs[0]
	}
	return a.gradeOne(ctx, g, sub, *format)
}

// gradeOne grades one submission and prints its report; it returns
// ErrFailed unless every lab scored.
func (a *app) gradeOne(ctx context.Context, g *grade.Grader, dir, format string) error {
	s, err := grade.ReadSubmission(ctx, g.Course, dir)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := g.Grade(ctx, s)
	if err != nil {
		return err
	}
	if err := a.writeReport(rep, format); err != nil {
		return err
	}
	if !rep.Full() {
		return ErrFailed
	}
	return nil
}

func (a *app) writeReport(rep *grade.Report, format string) error {
	switch format {
	case "json":
		return rep.WriteJSON(a.stdout)
	case "gradescope":
		return rep.WriteGradescope(a.stdout)
	case "csv":
		return rep.WriteCSV(a.stdout)
	case "github":
		if err := rep.WriteAnnotations(a.stdout); err != nil {
			return err
		}
		return writeSummary(rep, a.stdout)
	}
	return rep.WriteText(a.stdout)
}

// writeSummary appends the Markdown summary to $GITHUB_STEP_SUMMARY when
// the runner set it, and otherwise prints it.
func writeSummary(rep *grade.Report, stdout io.Writer) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return rep.WriteMarkdown(stdout)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("writing the job summary: %w", err)
	}
	if err := rep.WriteMarkdown(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// gradeClass grades many submissions, p at a time, with a progress line
// on stderr; it writes each report to results/NAME.json and one CSV row per
// submission. It returns ErrFailed if any submission could not be graded.
func (a *app) gradeClass(ctx context.Context, g *grade.Grader, subs []string, p int, results, csvPath string) error {
	if csvPath == "" {
		csvPath = filepath.Join(results, "grades.csv")
	}
	if err := os.MkdirAll(results, 0o755); err != nil {
		return fmt.Errorf("making %s: %w", results, err)
	}
	start := time.Now()
	tty := isTerminal(a.stderr)
	out := g.Batch(ctx, subs, grade.BatchOptions{Parallel: p, Results: results, Done: func(done, total int, r grade.BatchResult) {
		line := fmt.Sprintf("[%d/%d] %s: ", done, total, r.Name)
		switch {
		case r.Err != nil:
			line += "not graded: " + r.Err.Error()
		case r.Resumed:
			line += fmt.Sprintf("%d/%d (already graded)", r.Report.Score, r.Report.Max)
		default:
			line += fmt.Sprintf("%d/%d in %.0fs", r.Report.Score, r.Report.Max, r.Report.Elapsed)
		}
		if tty && r.Err == nil {
			fmt.Fprintf(a.stderr, "\r\x1b[K%s", line)
		} else {
			fmt.Fprintln(a.stderr, line)
		}
	}})
	if tty {
		fmt.Fprint(a.stderr, "\r\x1b[K")
	}
	f, err := os.Create(csvPath)
	if err != nil {
		return fmt.Errorf("writing the class CSV: %w", err)
	}
	if err := g.WriteClassCSV(f, out); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing the class CSV: %w", err)
	}
	failed, resumed := 0, 0
	for _, r := range out {
		if r.Err != nil {
			failed++
		}
		if r.Resumed {
			resumed++
		}
	}
	fmt.Fprintf(a.stdout, "graded %d submissions (%d already graded, %d could not be graded) in %s; scores in %s, reports in %s/\n",
		len(out), resumed, failed, time.Since(start).Round(time.Second), csvPath, results)
	if failed > 0 {
		return ErrFailed
	}
	return nil
}

// mergeReports writes one CSV of reports made by --json, as a class
// workflow's last job does with its matrix jobs' artifacts.
func (a *app) mergeReports(paths []string, csvPath string) error {
	results, labs := grade.Merge(paths)
	commit := ""
	for _, r := range results {
		if r.Report != nil {
			commit = r.Report.Course.Commit
		}
	}
	w := a.stdout
	if csvPath != "" {
		f, err := os.Create(csvPath)
		if err != nil {
			return fmt.Errorf("writing the class CSV: %w", err)
		}
		defer f.Close()
		w = f
	}
	if err := grade.WriteCSV(w, results, labs, commit); err != nil {
		return err
	}
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(a.stderr, "%s: %v\n", r.Name, r.Err)
		}
	}
	return nil
}
