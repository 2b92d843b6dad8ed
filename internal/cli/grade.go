package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goperflabs/labs/internal/course"
	"github.com/goperflabs/labs/internal/grade"
)

// gradeFormats are the formats grade writes a report in.
var gradeFormats = []string{"text", "json", "gradescope", "github", "csv"}

// gradeOutput is one place a report goes: a format and a path, "-" for
// stdout.
type gradeOutput struct{ format, path string }

// gradeOptions are grade's flags.
type gradeOptions struct {
	course, rev, format, results, csv, labs string
	json, merge, workingTree, unsandboxed   bool
	parallel                                int
	memMiB                                  int64
	outs                                    []gradeOutput
	set                                     map[string]bool // the flags given
}

// gradeFlags defines grade's flags; helps["grade"] has a line for each.
func (a *app) gradeFlags() (*flag.FlagSet, *gradeOptions) {
	o := &gradeOptions{}
	fs := a.flags("grade")
	fs.StringVar(&o.course, "course", "", "")
	fs.StringVar(&o.rev, "rev", "", "")
	fs.BoolVar(&o.json, "json", false, "")
	fs.StringVar(&o.format, "format", "text", "")
	fs.Func("out", "", func(s string) error {
		out, err := parseGradeOutput(s)
		o.outs = append(o.outs, out)
		return err
	})
	fs.IntVar(&o.parallel, "p", 1, "")
	fs.StringVar(&o.results, "results", "", "")
	fs.StringVar(&o.csv, "csv", "", "")
	fs.Int64Var(&o.memMiB, "mem", grade.DefaultLimits.Memory>>20, "")
	fs.StringVar(&o.labs, "labs", "", "")
	fs.BoolVar(&o.merge, "merge", false, "")
	fs.BoolVar(&o.workingTree, "working-tree", false, "")
	fs.BoolVar(&o.unsandboxed, "unsandboxed", false, "")
	return fs, o
}

// parseGradeOutput parses --out FORMAT=PATH.
func parseGradeOutput(s string) (gradeOutput, error) {
	format, path, ok := strings.Cut(s, "=")
	if !ok || path == "" {
		return gradeOutput{}, errors.New("use FORMAT=PATH, such as gradescope=results.json (PATH - is stdout)")
	}
	if err := checkGradeFormat(format); err != nil {
		return gradeOutput{}, err
	}
	return gradeOutput{format, path}, nil
}

func checkGradeFormat(format string) error {
	for _, f := range gradeFormats {
		if f == format {
			return nil
		}
	}
	return fmt.Errorf("format %q: use %s", format, strings.Join(gradeFormats, ", "))
}

// outputs are where one submission's report goes: each --out, and
// --format (or --json) on stdout when given or when there is no --out.
func (o *gradeOptions) outputs() ([]gradeOutput, error) {
	format := o.format
	if o.json {
		format = "json"
	}
	if err := checkGradeFormat(format); err != nil {
		return nil, &usageError{"grade --format: " + err.Error()}
	}
	if len(o.outs) > 0 && !o.set["format"] && !o.set["json"] {
		return o.outs, nil
	}
	return append([]gradeOutput{{format, "-"}}, o.outs...), nil
}

// grade grades submissions against the teacher's course: see
// internal/grade. It parses flags and prints; it needs no course in the
// working directory when --course is given.
func (a *app) grade(ctx context.Context, args []string) error {
	fs, o := a.gradeFlags()
	subs, err := a.parse(fs, args)
	if errors.Is(err, errHelpShown) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.merge {
		return a.mergeReports(subs, o.csv)
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	outs, err := o.outputs()
	if err != nil {
		return err
	}
	class := len(subs) > 1 || len(subs) == 1 && (o.set["csv"] || o.set["results"])
	if class && o.set["out"] {
		return &usageError{"grade --out is for one submission; a class gets RESULTS/NAME.json for each and a CSV (--results, --csv)"}
	}
	err = a.gradeCourse(ctx, o, subs, outs, class)
	var written *outputError
	if err != nil && !class && !errors.Is(err, ErrFailed) && !errors.As(err, &written) {
		a.writeGradescopeFailure(outs, err)
	}
	return err
}

// gradeCourse opens the course and grades one submission or a class.
func (a *app) gradeCourse(ctx context.Context, o *gradeOptions, subs []string, outs []gradeOutput, class bool) error {
	if a.redisURL != "" {
		fmt.Fprintln(a.stderr, "perflab grade: every grade uses the embedded miniredis, so that no server's contents change it; --redis and PERFLAB_REDIS_URL are not used")
	}
	c, err := a.openGradeCourse(ctx, o)
	if err != nil {
		return err
	}
	defer c.Close()
	g := grade.NewGrader(c)
	defer g.Close()
	g.Limits.Memory = o.memMiB << 20
	g.Unsandboxed = o.unsandboxed
	if o.unsandboxed {
		fmt.Fprintln(a.stderr, "perflab grade: --unsandboxed: the submissions' code runs as you, and can read your files, use your network and outlive grading")
	}
	if o.labs != "" {
		if g.Labs, err = c.Resolve(strings.Split(o.labs, ",")); err != nil {
			return err
		}
	}
	if len(subs) == 1 {
		if held := g.SubmissionsIn(subs[0]); len(held) > 0 {
			return &usageError{fmt.Sprintf("grade: %s is not a copy of the course but a folder of %d submissions; grade them all with: go run ./cmd/perflab grade %s", subs[0], len(held), filepath.Join(subs[0], "*"))}
		}
	}
	if err := g.Prepare(ctx); err != nil {
		return err
	}
	if class {
		return a.gradeClass(ctx, g, subs, o)
	}
	sub := c.Source
	if len(subs) == 1 {
		sub = subs[0]
	}
	return a.gradeOne(ctx, g, sub, outs)
}

// openGradeCourse opens the course at --course (or the one the working
// directory is in) at --rev. A folder that is not a git checkout has no
// commit to pin the grade to, and is graded only with --working-tree.
func (a *app) openGradeCourse(ctx context.Context, o *gradeOptions) (*grade.Course, error) {
	dir := o.course
	if dir == "" {
		here, err := course.Find(a.dir)
		if err != nil {
			return nil, err
		}
		dir = here.Root
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(a.dir, dir)
	}
	c, err := grade.OpenCourse(ctx, dir, o.rev)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Commit == "" && !o.workingTree:
		c.Close()
		return nil, &usageError{fmt.Sprintf("grade: the course at %s is not a git checkout, so no commit pins the grade; grade from a checkout of the course, or add --working-tree to grade against its files as they are on disk", c.Source)}
	case c.Commit == "":
		fmt.Fprintf(a.stderr, "perflab grade: --working-tree: the course at %s is graded as it is on disk, not at a pinned commit\n", c.Source)
	case o.workingTree:
		c.Close()
		return nil, &usageError{fmt.Sprintf("grade --working-tree is for a course folder that is not a git checkout; %s is one, graded at its commit %s (--rev for another)", c.Source, c.ShortCommit())}
	}
	return c, nil
}

// outputError is a report that could not be written: grading itself
// went well, so no failure is reported in its place.
type outputError struct{ err error }

func (e *outputError) Error() string { return e.err.Error() }
func (e *outputError) Unwrap() error { return e.err }

// gradeOne grades one submission, with a line per lab on stderr as it
// finishes, and writes its report to each output; it returns ErrFailed
// unless every lab scored.
func (a *app) gradeOne(ctx context.Context, g *grade.Grader, dir string, outs []gradeOutput) error {
	s, err := grade.ReadSubmission(ctx, g.Course, dir)
	if err != nil {
		return err
	}
	defer s.Close()
	g.Progress = func(done, total int, lr grade.LabResult) {
		status := ""
		if lr.Status != grade.StatusPassed {
			status = " " + string(lr.Status)
		}
		fmt.Fprintf(a.stderr, "[%d/%d] %s %d/%d%s in %.0fs\n", done, total, lr.Lab, lr.Score, lr.Max, status, lr.Elapsed)
	}
	rep, err := g.Grade(ctx, s)
	if err != nil {
		return err
	}
	for _, out := range outs {
		if err := a.writeOutput(rep, out); err != nil {
			return &outputError{err}
		}
	}
	if !rep.Full() {
		return ErrFailed
	}
	return nil
}

// writeOutput writes the report in one format to stdout or a file. A JSON
// file is signed, as a class's reports are, when the key can be had.
func (a *app) writeOutput(rep *grade.Report, out gradeOutput) error {
	if out.path == "-" {
		return writeReport(rep, out.format, a.stdout)
	}
	if out.format == "json" {
		key, err := grade.LoadKey("", true)
		if err == nil {
			return key.WriteReport(out.path, rep)
		}
		fmt.Fprintf(a.stderr, "perflab grade: %s is not signed: %v\n", out.path, err)
	}
	return createFile(out.path, func(w io.Writer) error { return writeReport(rep, out.format, w) })
}

// writeReport writes the report in a format to w.
func writeReport(rep *grade.Report, format string, w io.Writer) error {
	switch format {
	case "json":
		return rep.WriteJSON(w)
	case "gradescope":
		return rep.WriteGradescope(w)
	case "csv":
		return rep.WriteCSV(w)
	case "github":
		if err := rep.WriteAnnotations(w); err != nil {
			return err
		}
		return writeSummary(rep, w)
	}
	return rep.WriteText(w)
}

// writeGradescopeFailure writes, for each Gradescope output, a
// results.json that says why grading failed, so that Gradescope shows the
// reason instead of "invalid autograder output".
func (a *app) writeGradescopeFailure(outs []gradeOutput, cause error) {
	for _, out := range outs {
		if out.format != "gradescope" {
			continue
		}
		var err error
		if out.path == "-" {
			err = grade.WriteGradescopeFailure(a.stdout, cause.Error())
		} else {
			err = createFile(out.path, func(w io.Writer) error { return grade.WriteGradescopeFailure(w, cause.Error()) })
		}
		if err != nil {
			fmt.Fprintf(a.stderr, "perflab grade: %v\n", err)
		}
	}
}

// createFile creates path and writes it with write.
func createFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writeSummary appends the Markdown summary to $GITHUB_STEP_SUMMARY when
// the runner set it, and otherwise writes it to w.
func writeSummary(rep *grade.Report, w io.Writer) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return rep.WriteMarkdown(w)
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

// classResults is where a class's reports go: --results, or
// grade.DefaultResults.
func (a *app) classResults(ctx context.Context, c *grade.Course, o *gradeOptions) (string, error) {
	if o.results == "" {
		return grade.DefaultResults(ctx, c, a.dir)
	}
	if filepath.IsAbs(o.results) {
		return o.results, nil
	}
	return filepath.Join(a.dir, o.results), nil
}

// gradeClass grades many submissions, p at a time, with a progress line
// on stderr; it writes each signed report to RESULTS/NAME.json and one CSV
// row per submission, and says where. It returns ErrFailed if any
// submission could not be graded.
func (a *app) gradeClass(ctx context.Context, g *grade.Grader, subs []string, o *gradeOptions) error {
	results, err := a.classResults(ctx, g.Course, o)
	if err != nil {
		return err
	}
	csvPath := o.csv
	if csvPath == "" {
		csvPath = filepath.Join(results, "grades.csv")
	}
	if err := os.MkdirAll(results, 0o755); err != nil {
		return fmt.Errorf("making %s: %w", results, err)
	}
	if _, err := grade.LoadKey("", true); err != nil {
		return err
	}
	start := time.Now()
	tty := isTerminal(a.stderr)
	out := g.Batch(ctx, subs, grade.BatchOptions{Parallel: o.parallel, Results: results, Done: func(done, total int, r grade.BatchResult) {
		line := fmt.Sprintf("[%d/%d] %s: %s", done, total, r.Name, batchLine(r))
		switch {
		case !tty:
			fmt.Fprintln(a.stderr, line)
		case r.Err == nil && r.NotResumed == "":
			fmt.Fprintf(a.stderr, "\r\x1b[K%s", line)
		default:
			fmt.Fprintf(a.stderr, "\r\x1b[K%s\n", line)
		}
	}})
	if tty {
		fmt.Fprint(a.stderr, "\r\x1b[K")
	}
	csvErr := createFile(csvPath, func(w io.Writer) error { return g.WriteClassCSV(w, out) })
	return a.classSummary(out, time.Since(start), csvPath, results, csvErr)
}

// batchLine is what the progress line says of one submission.
func batchLine(r grade.BatchResult) string {
	switch {
	case r.Err != nil:
		return "not graded: " + r.Err.Error()
	case r.Resumed:
		return fmt.Sprintf("%d/%d (already graded)", r.Report.Score, r.Report.Max)
	case r.NotResumed != "":
		return fmt.Sprintf("%d/%d in %.0fs (not resumed: %s)", r.Report.Score, r.Report.Max, r.Report.Elapsed, r.NotResumed)
	}
	return fmt.Sprintf("%d/%d in %.0fs", r.Report.Score, r.Report.Max, r.Report.Elapsed)
}

// classSummary prints the line that ends a class: how many, and where the
// scores and reports are.
func (a *app) classSummary(out []grade.BatchResult, took time.Duration, csvPath, results string, csvErr error) error {
	failed, resumed := 0, 0
	for _, r := range out {
		if r.Err != nil {
			failed++
		}
		if r.Resumed {
			resumed++
		}
	}
	scores := "scores in " + csvPath
	if csvErr != nil {
		scores = "no CSV (" + csvErr.Error() + ")"
	}
	fmt.Fprintf(a.stdout, "graded %d submissions (%d already graded, %d could not be graded) in %s; %s, reports in %s%c\n",
		len(out), resumed, failed, took.Round(time.Second), scores, results, filepath.Separator)
	if csvErr != nil {
		return csvErr
	}
	if failed > 0 {
		return ErrFailed
	}
	return nil
}

// mergeReports writes one CSV of reports made by --json, as a class
// workflow's last job does with its matrix jobs' artifacts. When this
// machine has a grade key, it says of each report whether that key
// signed it; merge itself trusts the files it is given.
func (a *app) mergeReports(paths []string, csvPath string) error {
	results, labs := grade.Merge(paths)
	commit := ""
	for _, r := range results {
		if r.Report != nil {
			commit = r.Report.Course.Commit
		}
	}
	write := func(w io.Writer) error { return grade.WriteCSV(w, results, labs, commit) }
	var err error
	if csvPath != "" {
		err = createFile(csvPath, write)
	} else {
		err = write(a.stdout)
	}
	if err != nil {
		return err
	}
	key, keyErr := grade.LoadKey("", false)
	for _, r := range results {
		switch {
		case r.Err != nil:
			fmt.Fprintf(a.stderr, "%s: %v\n", r.Name, r.Err)
		case keyErr != nil:
		case key.Verify(r.Dir) == nil:
			fmt.Fprintf(a.stderr, "%s: verified: signed by this machine's grade key\n", r.Dir)
		default:
			fmt.Fprintf(a.stderr, "%s: not verified: not signed by this machine's grade key (merged as an artifact of the workflow's own jobs)\n", r.Dir)
		}
	}
	if keyErr != nil {
		fmt.Fprintf(a.stderr, "perflab grade --merge: no report verified (%v); merge trusts the files it is given\n", keyErr)
	}
	return nil
}
