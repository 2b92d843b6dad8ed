package grade

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	// Results is the folder for each submission's report, NAME.json, and
	// its signature, NAME.json.hmac. A report there for the same course
	// commit, submission commit and edit files is reused instead of
	// grading again, if the key signed it.
	Results string
	// KeyFile is the key that signs the reports; "" means
	// DefaultKeyFile(). It must not be in Results.
	KeyFile string
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
	// NotResumed says why a report found in Results was graded again
	// though it might have been reused ("report not signed by this
	// grader"); "" otherwise.
	NotResumed string
}

// Batch grades every folder of dirs, opts.Parallel at a time, and returns
// the results in the order of dirs. One submission that cannot be graded
// never stops the others: its error is in its result.
func (g *Grader) Batch(ctx context.Context, dirs []string, opts BatchOptions) []BatchResult {
	out := make([]BatchResult, len(dirs))
	var key *Key
	if opts.Results != "" {
		os.MkdirAll(opts.Results, 0o755)
		var err error
		if key, err = LoadKey(opts.KeyFile, true); err != nil {
			for i, n := range uniqueNames(dirs) {
				out[i] = BatchResult{Name: n, Dir: dirs[i], Err: err}
			}
			return out
		}
	}
	g.Warm(ctx)
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
			r := g.gradeInBatch(ctx, dir, names[i], opts.Results, key)
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

// gradeInBatch grades one submission of a batch, or reuses its report in
// results when key signed it and it graded the same thing.
func (g *Grader) gradeInBatch(ctx context.Context, dir, name, results string, key *Key) BatchResult {
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
		prev, why := g.previous(key, path, sub)
		if prev != nil {
			r.Report, r.Resumed = prev, true
			return r
		}
		r.NotResumed = why
	}
	rep, err := g.Grade(ctx, sub)
	if err != nil {
		r.Err = err
		return r
	}
	r.Report = rep
	if path != "" {
		if err := key.WriteReport(path, rep); err != nil {
			r.Err = err
		}
	}
	return r
}

// previous returns the report at path if key signed it and it graded the
// same edit files of the same submission commit against the same course
// commit and labs. When a report is there but is not reused for want of a
// signature, it says so.
func (g *Grader) previous(key *Key, path string, sub *Submission) (*Report, string) {
	if g.Course.Commit == "" {
		return nil, ""
	}
	if _, err := os.Stat(path); err != nil {
		return nil, ""
	}
	rep, err := key.ReadReport(path)
	if errors.Is(err, ErrNotSigned) {
		return nil, err.Error()
	}
	if err != nil {
		return nil, ""
	}
	var labs []string
	for _, l := range rep.Labs {
		labs = append(labs, l.Lab)
	}
	if rep.Course.Commit != g.Course.Commit || rep.Submission.Commit != sub.Commit ||
		rep.Submission.Digest != sub.Digest || !slices.Equal(labs, g.labIDs()) {
		return nil, ""
	}
	return rep, ""
}

func (g *Grader) labIDs() []string {
	var out []string
	for _, l := range g.labs() {
		out = append(out, l.ID())
	}
	return out
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

// DefaultResults is the folder for a class's reports when the teacher
// names none: grades in cwd, unless cwd is inside the course's checkout
// (whose files a report must not join), and then
// os.UserCacheDir()/perflab/grades/<course commit>.
func DefaultResults(ctx context.Context, c *Course, cwd string) (string, error) {
	top, err := gitOutput(ctx, c.Source, "rev-parse", "--show-toplevel")
	if err != nil {
		top = c.Source
	}
	if !within(top, cwd) {
		return filepath.Join(cwd, "grades"), nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a folder for the reports outside the course (or name one with --results): %w", err)
	}
	name := c.Commit
	if name == "" {
		sum := sha256.Sum256([]byte(c.Source))
		name = "working-tree-" + hex.EncodeToString(sum[:6])
	}
	return filepath.Join(cache, "perflab", "grades", name), nil
}

// within reports whether dir is root or inside it, links resolved.
func within(root, dir string) bool {
	for _, p := range []*string{&root, &dir} {
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs
		}
		if real, err := filepath.EvalSymlinks(*p); err == nil {
			*p = real
		}
	}
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// SubmissionsIn returns the subfolders of dir that look like copies of
// the course (they hold one of its lab folders) when dir itself does not:
// dir is then a folder of submissions, not one.
func (g *Grader) SubmissionsIn(dir string) []string {
	if looksLikeCopy(g.Course, dir) {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		if e.IsDir() && looksLikeCopy(g.Course, sub) {
			out = append(out, sub)
		}
	}
	return out
}

// looksLikeCopy reports whether dir holds a lab folder of c.
func looksLikeCopy(c *Course, dir string) bool {
	for _, l := range c.Labs() {
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(l.ID()))); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}
