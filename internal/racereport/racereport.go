// Package racereport finds the race detector's reports in a test's output
// and trims each to what a learner needs: which test it happened in, the
// two conflicting accesses, and for each the frames in the learner's own
// files.
//
// # Usage
//
//	for _, r := range racereport.Parse(lines, racereport.InDir(labDir)) {
//		fmt.Println(r)
//	}
//
// A report in the output of `go test -race` reads:
//
//	==================
//	WARNING: DATA RACE
//	Write at 0x00c0001 by goroutine 8:
//	  example.com/lab.(*Cache).Get()
//	      /src/lab/cache.go:45 +0x84
//	Previous read at 0x00c0001 by goroutine 7:
//	  ...
//	Goroutine 8 (running) created at:
//	  ...
//	==================
package racereport

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Frame is one function in an access's stack.
type Frame struct {
	Func string // such as "(*Cache).Get", the package path left out
	File string // absolute, as the race detector prints it
	Line int
}

func (f Frame) String() string {
	return fmt.Sprintf("%s at %s:%d", f.Func, filepath.Base(f.File), f.Line)
}

// Access is one side of a race: a read or a write, and where.
type Access struct {
	Kind      string // "Write", "Previous read", …
	Goroutine int
	Frames    []Frame
}

// Report is one "WARNING: DATA RACE" block.
type Report struct {
	Accesses []Access // the two conflicting accesses, the later first
}

// String gives the report in one line: each access with up to three of
// its kept frames, innermost first.
func (r Report) String() string { return strings.Join(r.Lines(), "; ") }

// Lines gives one line per access, with up to three of its kept frames,
// innermost first.
func (r Report) Lines() []string {
	var parts []string
	for _, a := range r.Accesses {
		var frames []string
		for _, f := range a.Frames[:min(3, len(a.Frames))] {
			frames = append(frames, f.String())
		}
		where := "(no frame in your files)"
		if len(frames) > 0 {
			where = strings.Join(frames, " ← ")
		}
		parts = append(parts, fmt.Sprintf("%s by goroutine %d in %s", strings.ToLower(a.Kind), a.Goroutine, where))
	}
	return parts
}

// Keep says which frames to keep.
type Keep func(Frame) bool

// InDir keeps frames in files directly inside dir.
func InDir(dir string) Keep {
	dir = filepath.Clean(dir)
	return func(f Frame) bool { return filepath.Dir(filepath.Clean(f.File)) == dir }
}

var (
	accessLine = regexp.MustCompile(`^((?:Previous )?(?:[Ww]rite|[Rr]ead)) at 0x[0-9a-f]+ by (?:goroutine (\d+)|main goroutine):$`)
	fileLine   = regexp.MustCompile(`^(\S+\.(?:go|s)):(\d+)(?: \+0x[0-9a-f]+)?$`)
)

// Parse finds every race report in lines (a test's output) and keeps, for
// each access, the frames keep accepts; where it accepts none, the first
// three frames are kept so the report still says something.
func Parse(lines []string, keep Keep) []Report {
	var out []Report
	var cur *Report
	var acc *Access
	var all []Frame
	finish := func() {
		if acc != nil {
			acc.Frames = trim(all, keep)
			cur.Accesses = append(cur.Accesses, *acc)
		}
		acc, all = nil, nil
	}
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "WARNING: DATA RACE":
			out = append(out, Report{})
			cur = &out[len(out)-1]
		case cur == nil:
		case strings.HasPrefix(l, "=================="), strings.HasPrefix(l, "Goroutine "):
			finish()
			if strings.HasPrefix(l, "==") {
				cur = nil
			}
		case accessLine.MatchString(l):
			finish()
			m := accessLine.FindStringSubmatch(l)
			g, _ := strconv.Atoi(m[2])
			acc = &Access{Kind: m[1], Goroutine: g}
		case acc != nil && i+1 < len(lines) && fileLine.MatchString(strings.TrimSpace(lines[i+1])):
			m := fileLine.FindStringSubmatch(strings.TrimSpace(lines[i+1]))
			n, _ := strconv.Atoi(m[2])
			all = append(all, Frame{Func: funcName(l), File: m[1], Line: n})
			i++
		}
	}
	if cur != nil {
		finish()
	}
	return out
}

func trim(frames []Frame, keep Keep) []Frame {
	var out []Frame
	for _, f := range frames {
		if keep == nil || keep(f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		out = frames[:min(3, len(frames))]
	}
	return out
}

// funcName drops the package path and the argument list:
// "example.com/lab.(*Cache).Get(0xc00, 0x1)" becomes "(*Cache).Get".
func funcName(s string) string {
	if strings.HasSuffix(s, ")") {
		depth := 0
		for i := len(s) - 1; i >= 0; i-- {
			switch s[i] {
			case ')':
				depth++
			case '(':
				depth--
			}
			if depth == 0 {
				s = s[:i]
				break
			}
		}
	}
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.Index(s, "."); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// Found reports whether lines hold a race report at all.
func Found(lines []string) bool {
	for _, l := range lines {
		if strings.Contains(l, "WARNING: DATA RACE") || strings.Contains(l, "race detected during execution of test") {
			return true
		}
	}
	return false
}
