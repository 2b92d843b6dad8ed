package grade

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// ErrNotSigned means a report file has no signature, or one that this
// grader's key did not make.
var ErrNotSigned = errors.New("report not signed by this grader")

// Key signs the report files a grader writes (HMAC-SHA256 of the file's
// bytes, in a sidecar file SigFile(path)), so that a report found in a
// results folder is reused only if this grader wrote it, not a student's
// code that ran while the class was graded.
type Key struct{ secret []byte }

// keySize is the number of random bytes in a key.
const keySize = 32

// DefaultKeyFile is where the key is kept, outside any results folder:
// os.UserCacheDir()/perflab/grade.key.
func DefaultKeyFile() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the folder for the grade key: %w", err)
	}
	return filepath.Join(dir, "perflab", "grade.key"), nil
}

// LoadKey reads the key at path ("" means DefaultKeyFile). With create,
// a missing key is made: random bytes in a file only its owner can read.
func LoadKey(path string, create bool) (*Key, error) {
	if path == "" {
		var err error
		if path, err = DefaultKeyFile(); err != nil {
			return nil, err
		}
	}
	secret, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return newKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the grade key: %w", err)
	}
	if len(secret) < keySize {
		return nil, fmt.Errorf("the grade key %s is too short (%d bytes); delete it and a new one is made", path, len(secret))
	}
	return &Key{secret}, nil
}

// newKey writes a new key at path, 0600, unless another grader just did.
func newKey(path string) (*Key, error) {
	secret := make([]byte, keySize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("making the grade key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("making the grade key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadKey(path, false)
	}
	if err != nil {
		return nil, fmt.Errorf("making the grade key: %w", err)
	}
	if _, err := f.Write(secret); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing the grade key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing the grade key: %w", err)
	}
	return &Key{secret}, nil
}

// SigFile is the sidecar that holds a report file's signature.
func SigFile(path string) string { return path + ".hmac" }

func (k *Key) sum(data []byte) []byte {
	m := hmac.New(sha256.New, k.secret)
	m.Write(data)
	return m.Sum(nil)
}

// WriteReport writes rep as JSON to path and its signature to
// SigFile(path), each through a temporary file and a rename.
func (k *Key) WriteReport(path string, rep *Report) error {
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		return err
	}
	if err := writeAtomic(path, b.Bytes()); err != nil {
		return err
	}
	return writeAtomic(SigFile(path), []byte("hmac-sha256 "+hex.EncodeToString(k.sum(b.Bytes()))+"\n"))
}

// Verify returns ErrNotSigned unless SigFile(path) holds this key's
// signature of the file at path.
func (k *Key) Verify(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading a report: %w", err)
	}
	sig, err := os.ReadFile(SigFile(path))
	if err != nil {
		return ErrNotSigned
	}
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(string(sig)), "hmac-sha256 ")
	got, err := hex.DecodeString(hexSum)
	if !ok || err != nil || !hmac.Equal(got, k.sum(data)) {
		return ErrNotSigned
	}
	return nil
}

// ReadReport reads the report at path if this key signed it.
func (k *Key) ReadReport(path string) (*Report, error) {
	if err := k.Verify(path); err != nil {
		return nil, err
	}
	return ReadReport(path)
}

// writeAtomic writes data to path through a temporary file.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
