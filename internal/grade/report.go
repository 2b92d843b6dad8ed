package grade

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/goperflabs/labs/internal/screen"
)

// SchemaVersion names the JSON format of a Report; docs/grade-json.md
// describes it. A change that removes or renames a field gets a new version.
const SchemaVersion = "perflab-grade/v1"

// Report is the grade of one submission.
type Report struct {
	Schema     string         `json:"schema"`
	Course     CourseInfo     `json:"course"`
	Submission SubmissionInfo `json:"submission"`
	Score      int            `json:"score"`
	Max        int            `json:"max"`
	Labs       []LabResult    `json:"labs"`
	Ignored    []Ignored      `json:"ignored"`
	// IgnoredMore counts ignored files left out of Ignored.
	IgnoredMore int     `json:"ignored_more,omitempty"`
	Elapsed     float64 `json:"elapsed_seconds"`
}

// CourseInfo says which course a report was graded against.
type CourseInfo struct {
	Source string `json:"source"`
	Commit string `json:"commit"` // "" for a folder outside git
}

// SubmissionInfo says what was graded.
type SubmissionInfo struct {
	Name   string `json:"name"`
	Dir    string `json:"dir"`
	Commit string `json:"commit"` // "" when the folder is not a git checkout of its own
	Digest string `json:"digest"` // SHA-256 of the edit files
}

// LabResult is one lab's grade.
type LabResult struct {
	Lab      string    `json:"lab"`
	Title    string    `json:"title"`
	Score    int       `json:"score"`
	Max      int       `json:"max"`
	Status   Status    `json:"status"`
	Reason   string    `json:"reason"`
	Location *Location `json:"location,omitempty"`
	Race     bool      `json:"race"`
	Figures  []Figure  `json:"figures"`
	Problems []Problem `json:"problems,omitempty"`
	Elapsed  float64   `json:"elapsed_seconds"`
}

func (lr *LabResult) set(v verdict) {
	lr.Status, lr.Reason, lr.Location = v.Status, v.Reason, v.Location
	if v.Status == StatusPassed {
		lr.Score = lr.Max
	}
}

func newReport(c *Course, s *Submission) *Report {
	return &Report{
		Schema:      SchemaVersion,
		Course:      CourseInfo{Source: c.Source, Commit: c.Commit},
		Submission:  SubmissionInfo{Name: s.Name, Dir: s.Dir, Commit: s.Commit, Digest: s.Digest},
		Labs:        []LabResult{},
		Ignored:     append([]Ignored{}, s.Ignored...),
		IgnoredMore: s.IgnoredMore,
	}
}

func (r *Report) add(lr LabResult) {
	if lr.Figures == nil {
		lr.Figures = []Figure{}
	}
	r.Labs = append(r.Labs, lr)
	r.Score += lr.Score
	r.Max += lr.Max
}

// Full reports whether every lab scored its points.
func (r *Report) Full() bool { return r.Score == r.Max && r.Max > 0 }

// Lab returns the named lab's result, or nil.
func (r *Report) Lab(id string) *LabResult {
	for i := range r.Labs {
		if r.Labs[i].Lab == id {
			return &r.Labs[i]
		}
	}
	return nil
}

// WriteJSON writes the report in the perflab-grade/v1 format.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// WriteText writes the report as a table for people.
func (r *Report) WriteText(w io.Writer) error {
	commit := r.Submission.Commit
	if commit == "" {
		commit = "no commit"
	}
	fmt.Fprintf(w, "Grade of %s (%s) against the course at %s\n\n", r.Submission.Name, short(commit), short(orWorkingTree(r.Course.Commit)))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAB\tPOINTS\tSTATUS\tREASON")
	for _, l := range r.Labs {
		reason := l.Reason
		if l.Status == StatusPassed {
			reason = "-"
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\n", l.Lab, l.Score, l.Max, l.Status, reason)
		for _, f := range l.Figures {
			fmt.Fprintf(tw, "\t\t\t%s\n", figureText(f))
		}
	}
	tw.Flush()
	if len(r.Ignored) > 0 {
		fmt.Fprintf(w, "\nIgnored (the course's copy was used, or nothing):\n")
		for _, ig := range r.Ignored {
			fmt.Fprintf(w, "  %-8s %s (%s)\n", ig.Change, ig.Path, ig.Kind)
		}
		if r.IgnoredMore > 0 {
			fmt.Fprintf(w, "  and %d more\n", r.IgnoredMore)
		}
	}
	_, err := fmt.Fprintf(w, "\nTotal: %d/%d\n", r.Score, r.Max)
	return err
}

// figureText is "TestX: allocs/op 3 (budget <= 0)".
func figureText(f Figure) string {
	mark := "ok"
	if !f.Pass {
		mark = "over budget"
	}
	race := ""
	if f.Race {
		race = " -race"
	}
	return fmt.Sprintf("%s%s: %s = %s %s, budget %s %s: %s", f.Test, race, f.Name, num(f.Value), f.Unit, f.Op, num(f.Budget), mark)
}

func num(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func short(s string) string {
	if len(s) == 40 {
		return s[:12]
	}
	return s
}

func orWorkingTree(s string) string {
	if s == "" {
		return "working tree"
	}
	return s
}

// Problem is a reason to score a lab 0 without running it, at a line of
// one of its edit files: what the screen found.
type Problem = screen.Problem
