package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

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
	subs, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if *asJSON {
		*format = "json"
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

// gradeClass grades many submissions; see grade.Batch.
func (a *app) gradeClass(ctx context.Context, g *grade.Grader, subs []string, p int, results, csvPath string) error {
	return fmt.Errorf("not yet")
}
