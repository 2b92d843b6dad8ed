package grade

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// BatchOptions say how to grade a class.
type BatchOptions struct {
	// Parallel is how many submissions are graded at once; 0 means 1.
	Parallel int
	// Results is the folder for each submission's report, NAME.json. A
	// report there for the same course commit, submission commit and edit
	// files is reused instead of grading again.
	Results string
	// Done, if set, is called as each submission finishes, one call at a
	// time, with how many are done.
	Done func(done, total int, r BatchResult)
}

// BatchResult is one submission of a class.
type BatchResult struct {
	Name    string
	Dir     string
	Report  *Report // nil when Err is set
	Err     error   // the submission could not be graded
	Resumed bool    // the report was read from Results, not graded again
}

// Batch grades every folder of dirs, opts.Parallel at a time, and returns
// the results in the order of dirs. One submission that cannot be graded
// never stops the others: its error is in its result.
func (g *Grader) Batch(ctx context.Context, dirs []string, opts BatchOptions) []BatchResult {
	if opts.Results != "" {
		os.MkdirAll(opts.Results, 0o755)
	}
	g.Warm(ctx)
	out := make([]BatchResult, len(dirs))
	names := uniqueNames(dirs)
	p := max(opts.Parallel, 1)
	sem := make(chan struct{}, p)
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := 0
	for i, dir := range dirs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r := g.gradeInBatch(ctx, dir, names[i], opts.Results)
			mu.Lock()
			defer mu.Unlock()
			out[i] = r
			done++
			if opts.Done != nil {
				opts.Done(done, len(dirs), r)
			}
		})
	}
	wg.Wait()
	return out
}

// uniqueNames names each submission by its folder, with -2, -3 … added
// when two folders have the same name.
func uniqueNames(dirs []string) []string {
	seen := map[string]int{}
	out := make([]string, len(dirs))
	for i, d := range dirs {
		n := filepath.Base(filepath.Clean(d))
		seen[n]++
		if seen[n] > 1 {
			n += "-" + strconv.Itoa(seen[n])
		}
		out[i] = n
	}
	return out
}

func (g *Grader) gradeInBatch(ctx context.Context, dir, name, results string) BatchResult {
	r := BatchResult{Name: name, Dir: dir}
	if err := ctx.Err(); err != nil {
		r.Err = err
		return r
	}
	sub, err := ReadSubmission(ctx, g.Course, dir)
	if err != nil {
		r.Err = err
		return r
	}
	defer sub.Close()
	sub.Name = name
	path := ""
	if results != "" {
		path = filepath.Join(results, name+".json")
		if prev := g.previous(path, sub); prev != nil {
			r.Report, r.Resumed = prev, true
			return r
		}
	}
	rep, err := g.Grade(ctx, sub)
	if err != nil {
		r.Err = err
		return r
	}
	r.Report = rep
	if path != "" {
		if err := writeReportFile(path, rep); err != nil {
			r.Err = err
		}
	}
	return r
}

// previous returns the report at path if it graded the same edit files
// of the same submission commit against the same course commit and labs.
func (g *Grader) previous(path string, sub *Submission) *Report {
	if g.Course.Commit == "" {
		return nil
	}
	rep, err := ReadReport(path)
	if err != nil {
		return nil
	}
	var labs []string
	for _, l := range rep.Labs {
		labs = append(labs, l.Lab)
	}
	if rep.Course.Commit != g.Course.Commit || rep.Submission.Commit != sub.Commit ||
		rep.Submission.Digest != sub.Digest || !slices.Equal(labs, g.labIDs()) {
		return nil
	}
	return rep
}

func (g *Grader) labIDs() []string {
	var out []string
	for _, l := range g.labs() {
		out = append(out, l.ID())
	}
	return out
}

// writeReportFile writes a report as JSON, atomically.
func writeReportFile(path string, rep *Report) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// WriteClassCSV writes a header and one row per submission, in order: the
// per-lab scores and total, or the error that kept it from being graded.
func (g *Grader) WriteClassCSV(w io.Writer, results []BatchResult) error {
	return WriteCSV(w, results, g.labIDs(), g.Course.Commit)
}

// WriteCSV writes results under the columns of labs; courseCommit fills
// the rows of submissions that were not graded.
func WriteCSV(w io.Writer, results []BatchResult, labs []string, courseCommit string) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader(labs))
	for _, r := range results {
		if r.Report != nil {
			cw.Write(r.Report.CSVRow(labs))
			continue
		}
		row := []string{r.Name, "", courseCommit}
		for range labs {
			row = append(row, "")
		}
		cw.Write(append(row, "", "", r.Err.Error()))
	}
	cw.Flush()
	return cw.Error()
}

// Merge reads reports written by --json (one per file, as the matrix jobs
// of a class workflow upload them) into results, and lists their labs in
// the order they first appear. A file that is not a report becomes a
// result with its error.
func Merge(paths []string) ([]BatchResult, []string) {
	var out []BatchResult
	var labs []string
	for _, p := range paths {
		r := BatchResult{Name: strings.TrimSuffix(filepath.Base(p), ".json"), Dir: p}
		rep, err := ReadReport(p)
		if err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		r.Name, r.Report = rep.Submission.Name, rep
		for _, l := range rep.Labs {
			if !slices.Contains(labs, l.Lab) {
				labs = append(labs, l.Lab)
			}
		}
		out = append(out, r)
	}
	return out, labs
}

// ReadReport reads a perflab-grade/v1 report.
func ReadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading a report: %w", err)
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%s is not a grade report: %w", path, err)
	}
	if rep.Schema != SchemaVersion {
		return nil, fmt.Errorf("%s: schema %q, want %q", path, rep.Schema, SchemaVersion)
	}
	return &rep, nil
}
