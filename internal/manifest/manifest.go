// Package manifest reads a chapter's labs.toml: the ordered list of its labs
// with, for each, its title, points, the files the learner edits, its time
// limit and its hints.
//
// # Format
//
//	title = "Memory and the garbage collector"
//
//	[[lab]]
//	name    = "goroutine-leak"          # the lab's directory in the chapter
//	title   = "Goroutines that never return"
//	points  = 10
//	edit    = ["search.go"]             # each has solutions/<chapter>/<name>/<file>
//	                                    # (a .go file, or a data file such as default.pgo)
//	timeout = "20s"                     # how long its tests may run
//	hints   = ["first nudge", "closer", "nearly the answer"]
//	race    = true                      # its code is concurrent: check runs -race too
//	workload = "TestSearchLeavesNoGoroutines" # optional: the test or benchmark
//	                                    # `perflab chart` runs to sample memory
//
// Errors name the file and line, as "01-memory/labs.toml:12: …".
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// FileName is the name of the manifest in each chapter directory.
const FileName = "labs.toml"

// Chapter is one parsed labs.toml.
type Chapter struct {
	Dir   string `toml:"-"` // chapter directory relative to the course root, such as "01-memory"
	Title string `toml:"title"`
	Labs  []Lab  `toml:"lab"`
}

// Lab is one [[lab]] entry.
type Lab struct {
	Name    string   `toml:"name"`
	Title   string   `toml:"title"`
	Points  int      `toml:"points"`
	Edit    []string `toml:"edit"`
	Timeout Duration `toml:"timeout"`
	Hints   []string `toml:"hints"`
	// Race says the lab's code runs concurrently: its verdict needs the
	// tests to pass plain and under -race.
	Race bool `toml:"race"`
	// Workload, if set, is the test or benchmark of the lab's package
	// (TestX or BenchmarkX) that `perflab chart` runs while it samples the
	// runtime's memory metrics.
	Workload string `toml:"workload"`
	// Helpers are tests of the lab that skip by design when go test runs
	// them (a child process's entry point, which runs only when a test
	// starts the test binary again): grade counts their skip as a pass.
	// verify proves that the reference solution skips exactly these.
	Helpers []string `toml:"helpers"`
	// ScreenAllow lists what the shipped edit files use beyond the
	// reference solution ("runtime.SetFinalizer", an import path such as
	// "runtime/pprof"): check screens a learner's files against the
	// solution and these, since the learner's folder no longer holds the
	// shipped files. verify proves the list is complete.
	ScreenAllow []string `toml:"screen_allow"`

	Chapter string `toml:"-"` // the chapter directory, such as "01-memory"
	Line    int    `toml:"-"` // line of the entry's name key in labs.toml
}

// ID is the lab's path from the course root, such as
// "01-memory/goroutine-leak"; it is how learners name a lab.
func (l Lab) ID() string { return l.Chapter + "/" + l.Name }

// IsGo reports whether an edit file is Go source, which `go test -overlay`
// can swap in; any other file (default.pgo) must be on disk to be read.
func IsGo(file string) bool { return strings.HasSuffix(file, ".go") }

// DataFiles returns the lab's edit files that are not Go source: files its
// tests or the go command read from disk, which an overlay cannot reach.
func (l Lab) DataFiles() []string {
	var out []string
	for _, f := range l.Edit {
		if !IsGo(f) {
			out = append(out, f)
		}
	}
	return out
}

// Duration is a time.Duration written as a string ("20s") in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a duration such as "20s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("timeout %q: want a duration such as \"20s\"", b)
	}
	d.Duration = v
	return nil
}

// Error is a problem at a line of a manifest.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

var chapterDir = regexp.MustCompile(`^\d\d-[a-z0-9-]+$`)

// Chapters reads the manifest of every chapter directory (NN-name) under
// root, in order. Directories without a labs.toml are skipped.
func Chapters(root string) ([]Chapter, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("reading course root: %w", err)
	}
	var out []Chapter
	for _, e := range entries {
		if !e.IsDir() || !chapterDir.MatchString(e.Name()) {
			continue
		}
		path := filepath.Join(root, e.Name(), FileName)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		ch, err := Load(root, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// Load reads and checks root/dir/labs.toml.
func Load(root, dir string) (Chapter, error) {
	rel := filepath.ToSlash(filepath.Join(dir, FileName))
	data, err := os.ReadFile(filepath.Join(root, dir, FileName))
	if err != nil {
		return Chapter{}, fmt.Errorf("reading manifest: %w", err)
	}
	return Parse(rel, dir, data)
}

// Parse decodes and checks a manifest's bytes. file is the name used in
// errors; dir is the chapter directory.
func Parse(file, dir string, data []byte) (Chapter, error) {
	var ch Chapter
	md, err := toml.Decode(string(data), &ch)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return Chapter{}, &Error{File: file, Line: perr.Position.Line, Msg: perr.Message}
		}
		line, msg := decodeErrorLine(err, data)
		return Chapter{}, &Error{File: file, Line: line, Msg: msg}
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		key := undec[0].String()
		return Chapter{}, &Error{File: file, Line: lineOfKey(data, undec[0][len(undec[0])-1], 0), Msg: fmt.Sprintf("unknown key %q (known: name, title, points, edit, timeout, hints, race, workload, screen_allow)", key)}
	}
	ch.Dir = dir
	if ch.Title == "" {
		return Chapter{}, &Error{File: file, Line: 1, Msg: `missing title = "…" at the top`}
	}
	if len(ch.Labs) == 0 {
		return Chapter{}, &Error{File: file, Msg: "no [[lab]] entries"}
	}
	seen := map[string]bool{}
	headers := labHeaderLines(data)
	for i := range ch.Labs {
		l := &ch.Labs[i]
		l.Chapter = dir
		if i < len(headers) {
			l.Line = headers[i]
		}
		if err := l.check(); err != "" {
			return Chapter{}, &Error{File: file, Line: l.Line, Msg: fmt.Sprintf("lab %d (%s): %s", i+1, orUnnamed(l.Name), err)}
		}
		if seen[l.Name] {
			return Chapter{}, &Error{File: file, Line: l.Line, Msg: fmt.Sprintf("lab %q is listed twice", l.Name)}
		}
		seen[l.Name] = true
	}
	return ch, nil
}

var workloadName = regexp.MustCompile(`^(Test|Benchmark)[A-Za-z0-9_]*$`)

var labName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// check returns what is wrong with the entry, or "".
func (l *Lab) check() string {
	switch {
	case l.Name == "":
		return `missing name = "…"`
	case !labName.MatchString(l.Name):
		return fmt.Sprintf("name %q: use lower-case letters, digits and dashes", l.Name)
	case l.Title == "":
		return `missing title = "…"`
	case l.Points <= 0:
		return "points must be a positive number"
	case len(l.Edit) == 0:
		return `missing edit = ["file.go", …], the files the learner changes`
	case l.Timeout.Duration <= 0:
		return `missing timeout = "20s"`
	case len(l.Hints) < 2 || len(l.Hints) > 3:
		return fmt.Sprintf("has %d hints; give 2 or 3, from a nudge to nearly the answer", len(l.Hints))
	}
	if l.Workload != "" && !workloadName.MatchString(l.Workload) {
		return fmt.Sprintf("workload %q: name one test or benchmark of the lab's package, such as \"TestLeak\" or \"BenchmarkGet\"", l.Workload)
	}
	for _, h := range l.Helpers {
		if !strings.HasPrefix(h, "Test") {
			return fmt.Sprintf("helpers %q: name a test of the lab's package, such as \"TestChild\"", h)
		}
	}
	for _, f := range l.Edit {
		if f == "" || f == "." || f == ".." || filepath.Base(f) != f || strings.ContainsAny(f, `/\`) {
			return fmt.Sprintf("edit %q: list files of the lab directory by name, such as main.go or default.pgo", f)
		}
	}
	for i, h := range l.Hints {
		if strings.TrimSpace(h) == "" {
			return fmt.Sprintf("hint %d is empty", i+1)
		}
	}
	return ""
}

func orUnnamed(s string) string {
	if s == "" {
		return "unnamed"
	}
	return s
}

// labHeaderLines returns the line numbers of the [[lab]] headers, in order.
func labHeaderLines(data []byte) []int {
	var out []int
	for i, line := range bytes.Split(data, []byte("\n")) {
		if strings.TrimSpace(string(line)) == "[[lab]]" {
			out = append(out, i+1)
		}
	}
	return out
}

// lineOfKey returns the first line at or after from that assigns key.
func lineOfKey(data []byte, key string, from int) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if i+1 < from {
			continue
		}
		t := strings.TrimSpace(string(line))
		if strings.HasPrefix(t, key) && strings.HasPrefix(strings.TrimSpace(t[len(key):]), "=") {
			return i + 1
		}
	}
	return 0
}

var decodeLine = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// decodeErrorLine finds the line and key of a type error, which
// BurntSushi/toml reports as `toml: line 14 (last key "lab.points"): …`.
func decodeErrorLine(err error, data []byte) (int, string) {
	m := decodeLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, err.Error()
	}
	line, _ := strconv.Atoi(m[1])
	key := m[2][strings.LastIndex(m[2], ".")+1:]
	return line, key + ": " + m[3]
}
