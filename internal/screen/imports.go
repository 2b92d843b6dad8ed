package screen

import (
	"slices"
	"strings"
)

// Pure are the packages any edit file may import: they compute on the
// values they are given and cannot observe the process, the machine, the
// clock or the files around it. time is not among them (it reads the
// clock; a test's timing differs from a program's). fmt, io and bufio only
// format and move bytes between values the file already has; context only
// carries cancellation and values the caller put there; unique and weak
// observe only the garbage collector, which behaves the same under a
// test; golang.org/x/sync's errgroup, singleflight and semaphore are
// goroutines and locks, and the course's go.mod requires them.
var Pure = []string{
	"bufio", "bytes", "cmp", "container/heap", "container/list", "container/ring",
	"context", "encoding/binary", "encoding/hex", "errors", "fmt",
	"hash", "hash/adler32", "hash/crc32", "hash/crc64", "hash/fnv", "hash/maphash",
	"io", "iter", "maps", "math", "math/bits", "slices", "sort", "strconv", "strings",
	"sync", "sync/atomic", "unicode", "unicode/utf16", "unicode/utf8", "unique", "weak",
	"golang.org/x/sync/errgroup", "golang.org/x/sync/semaphore", "golang.org/x/sync/singleflight",
}

// harmless are the members of sensitive packages any edit file may use
// where it imports the package: types, constants and errors, and the
// calls that wait or label without reading anything of the process or
// its environment (time.NewTimer waits; time.Now reads the clock).
var harmless = map[string][]string{
	"time": {"Duration", "Nanosecond", "Microsecond", "Millisecond", "Second", "Minute", "Hour",
		"Time", "Timer", "Ticker", "Month", "Weekday", "ParseDuration",
		"After", "AfterFunc", "NewTimer", "NewTicker", "Sleep", "Tick"},
	"os": {"File", "FileMode", "FileInfo", "Signal", "Interrupt", "Kill", "PathError", "LinkError", "SyscallError",
		"ErrNotExist", "ErrExist", "ErrClosed", "ErrPermission", "ErrDeadlineExceeded", "ErrProcessDone"},
	"runtime/pprof": {"Do", "Labels", "Label", "LabelSet", "WithLabels", "SetGoroutineLabels", "ForLabels"},
	"io/fs":         {"FileMode", "FileInfo", "ErrNotExist", "ErrExist", "ErrClosed", "ErrPermission", "PathError"},
	"net":           {"Conn", "Listener", "Addr", "Error", "ErrClosed", "IP", "ParseIP", "SplitHostPort", "JoinHostPort"},
	"net/http": {"Handler", "HandlerFunc", "ResponseWriter", "Request", "Header", "ServeMux", "NewServeMux", "Error",
		"StatusOK", "StatusBadRequest", "StatusNotFound", "StatusInternalServerError", "StatusServiceUnavailable",
		"StatusMethodNotAllowed", "StatusTooManyRequests", "MethodGet", "MethodPost"},
}

// sensitive are the packages, by path or by a path they are under, that
// can observe the process or its environment: the command line, the call
// stack, the files around it, the machine, the clock, the network. Of
// these, an edit file may use only the members its baseline uses.
var sensitive = []string{
	"C", "debug", "expvar", "flag", "go/build", "io/fs", "log", "net", "os",
	"path/filepath", "plugin", "reflect", "runtime", "syscall", "testing",
	"time", "unsafe", "golang.org/x/sys",
}

// Sensitive reports whether an import path is one whose members an edit
// file may use only where its baseline does.
func Sensitive(path string) bool {
	return slices.ContainsFunc(sensitive, func(s string) bool {
		return path == s || strings.HasPrefix(path, s+"/")
	})
}

// screenImports checks each import: testing outside a _test.go file, a
// module outside go.mod, then the allowlist (the baseline's imports and
// the pure packages), and dot imports of sensitive packages, whose
// members could not be screened. It returns the paths it rejected, whose
// members need no report of their own.
func (s *Screener) screenImports(sub *parsed, b *baseline, isTest bool, r *reporter) map[string]bool {
	rejected := map[string]bool{}
	for path, imp := range importPaths(sub) {
		n := len(r.out)
		switch {
		case (path == "testing" || strings.HasPrefix(path, "testing/")) && !isTest:
			r.add(imp.Pos(), "imports %q: code under test must not know it is being tested; remove it", path)
		case !s.inModules(path):
			r.add(imp.Pos(), "imports %q, from a module that is not in the course's go.mod; remove it", path)
		case !b.imports[path] && !slices.Contains(Pure, path):
			r.add(imp.Pos(), "imports %q: edit files may import only what the lab's shipped and solution files import, plus the pure packages the README lists; remove it", path)
		case imp.Name != nil && imp.Name.Name == "." && Sensitive(path):
			r.add(imp.Pos(), "imports %q with a dot; import it by name, so that what the file uses of it can be screened", path)
		}
		rejected[path] = len(r.out) > n
	}
	return rejected
}

// inModules reports whether an import path is in the standard library, the
// course's module or a module its go.mod requires.
func (s *Screener) inModules(path string) bool {
	elem, _, _ := strings.Cut(path, "/")
	if !strings.Contains(elem, ".") {
		return true // the standard library
	}
	for _, m := range append([]string{s.module}, s.requires...) {
		if path == m || strings.HasPrefix(path, m+"/") {
			return true
		}
	}
	return false
}

// screenMembers rejects each member of a sensitive package that the
// baseline does not use, except those skip says were reported already
// (by member, "os.Exit", or by import path, "testing").
func screenMembers(sub *parsed, b *baseline, skip map[string]bool, r *reporter) {
	sels := selectors(sub)
	keys := make([]string, 0, len(sels))
	for key := range sels {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, c string) int { return int(sels[a] - sels[c]) })
	for _, key := range keys {
		path := key[:strings.LastIndex(key, ".")]
		if !Sensitive(path) || b.members[key] || skip[key] || skip[path] || slices.Contains(harmless[path], key[len(path)+1:]) {
			continue
		}
		r.add(sels[key], "uses %s: of %s, edit files may use only what the lab's shipped and solution files use; do without it", key, path)
	}
}
