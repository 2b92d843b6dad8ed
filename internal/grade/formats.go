package grade

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// gradescope is Gradescope's results.json, the subset grade writes:
// https://gradescope-autograders.readthedocs.io/en/latest/specs/ (the
// repository's docs/schemas/gradescope-results.schema.json checks it).
type gradescope struct {
	Score         float64          `json:"score"`
	ExecutionTime float64          `json:"execution_time"`
	Output        string           `json:"output"`
	Visibility    string           `json:"visibility"`
	Tests         []gradescopeTest `json:"tests"`
}

type gradescopeTest struct {
	Name     string  `json:"name"`
	Score    float64 `json:"score"`
	MaxScore float64 `json:"max_score"`
	Status   string  `json:"status"` // "passed" or "failed"
	Output   string  `json:"output"`
}

// WriteGradescope writes the report as Gradescope's results.json: one
// test per lab.
func (r *Report) WriteGradescope(w io.Writer) error {
	g := gradescope{Score: float64(r.Score), ExecutionTime: r.Elapsed, Visibility: "visible", Tests: []gradescopeTest{}}
	g.Output = fmt.Sprintf("Graded against the course at %s: %d/%d.", short(orWorkingTree(r.Course.Commit)), r.Score, r.Max)
	if n := len(r.Ignored) + r.IgnoredMore; n > 0 {
		g.Output += fmt.Sprintf(" %d changed files outside the edit files were ignored:", n)
		for _, ig := range r.Ignored {
			g.Output += fmt.Sprintf("\n- %s %s (%s)", ig.Change, ig.Path, ig.Kind)
		}
	}
	for _, l := range r.Labs {
		t := gradescopeTest{Name: l.Lab + ": " + l.Title, Score: float64(l.Score), MaxScore: float64(l.Max), Status: "failed", Output: labOutput(l)}
		if l.Status == StatusPassed {
			t.Status = "passed"
		}
		g.Tests = append(g.Tests, t)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(g)
}

// WriteGradescopeFailure writes a results.json for a grade that could not
// be made (no course, no go, grading itself failed): score 0, no tests and
// the reason in output, so that Gradescope shows the reason instead of
// "invalid autograder output".
func WriteGradescopeFailure(w io.Writer, reason string) error {
	g := gradescope{Visibility: "visible", Tests: []gradescopeTest{},
		Output: "perflab grade could not grade this submission: " + reason + "\nThis is a failure of the grader, not a grade: ask your teacher."}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		return fmt.Errorf("writing results.json: %w", err)
	}
	return nil
}

// labOutput is the status, the reason and the figures of a lab, as lines.
func labOutput(l LabResult) string {
	lines := []string{string(l.Status)}
	if l.Reason != "" {
		lines[0] += ": " + l.Reason
	}
	for _, f := range l.Figures {
		lines = append(lines, figureText(f))
	}
	return strings.Join(lines, "\n")
}

// WriteAnnotations writes one GitHub Actions ::error command for each lab
// that did not pass, at its line where one is known.
func (r *Report) WriteAnnotations(w io.Writer) error {
	for _, l := range r.Labs {
		if l.Status == StatusPassed {
			continue
		}
		props := "title=" + escapeProperty(l.Lab+" ("+string(l.Status)+")")
		if l.Location != nil {
			props = fmt.Sprintf("file=%s,line=%d,%s", escapeProperty(l.Location.File), l.Location.Line, props)
		}
		if _, err := fmt.Fprintf(w, "::error %s::%s\n", props, escapeData(l.Reason)); err != nil {
			return err
		}
	}
	return nil
}

// escapeData and escapeProperty follow the runner's rules for workflow
// command values.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// WriteMarkdown writes the report as a GitHub Actions job summary.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## perflab grade: %d/%d\n\n", r.Score, r.Max)
	fmt.Fprintf(&b, "Submission `%s` (%s), course at `%s`.\n\n", r.Submission.Name, short(orNone(r.Submission.Commit)), short(orWorkingTree(r.Course.Commit)))
	b.WriteString("| lab | points | status | reason |\n| --- | ---: | --- | --- |\n")
	for _, l := range r.Labs {
		mark := "✅"
		if l.Status != StatusPassed {
			mark = "❌"
		}
		reason := l.Reason
		for _, f := range l.Figures {
			reason += "<br>" + figureText(f)
		}
		fmt.Fprintf(&b, "| %s | %d/%d | %s %s | %s |\n", l.Lab, l.Score, l.Max, mark, l.Status, mdCell(strings.TrimPrefix(reason, "<br>")))
	}
	if len(r.Ignored) > 0 {
		b.WriteString("\n<details><summary>Ignored files (the course's copy was used)</summary>\n\n")
		for _, ig := range r.Ignored {
			fmt.Fprintf(&b, "- %s `%s` (%s)\n", ig.Change, ig.Path, ig.Kind)
		}
		if r.IgnoredMore > 0 {
			fmt.Fprintf(&b, "- and %d more\n", r.IgnoredMore)
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", "<br>").Replace(s)
}

func orNone(s string) string {
	if s == "" {
		return "no commit"
	}
	return s
}

// CSVHeader is the header row of the class CSV for labs.
func CSVHeader(labs []string) []string {
	return append(append([]string{"name", "commit", "course_commit"}, labs...), "total", "max", "error")
}

// CSVRow is one report's row under CSVHeader(labs). A submission that
// could not be graded has its error in the last column.
func (r *Report) CSVRow(labs []string) []string {
	row := []string{r.Submission.Name, r.Submission.Commit, r.Course.Commit}
	for _, id := range labs {
		if l := r.Lab(id); l != nil {
			row = append(row, strconv.Itoa(l.Score))
		} else {
			row = append(row, "")
		}
	}
	return append(row, strconv.Itoa(r.Score), strconv.Itoa(r.Max), "")
}

// WriteCSV writes the report as a header and one row.
func (r *Report) WriteCSV(w io.Writer) error {
	var labs []string
	for _, l := range r.Labs {
		labs = append(labs, l.Lab)
	}
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader(labs))
	cw.Write(r.CSVRow(labs))
	cw.Flush()
	return cw.Error()
}
