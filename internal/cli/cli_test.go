package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/figure"
	"github.com/goperflabs/labs/internal/labrun"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureCourse is the small course whose labs end in each possible way.
var fixtureCourse = filepath.Join("..", "..", "testdata", "course")

// run runs perflab in dir and returns what it printed.
func run(t *testing.T, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Run(context.Background(), Config{Stdout: &out, Stderr: &errOut, Dir: dir, Getenv: func(string) string { return "" }}, args)
	return out.String(), errOut.String(), err
}

// copyCourse copies the fixture course into a temporary folder, so a test
// may change its files.
func copyCourse(t *testing.T) string {
	t.Helper()
	return copyTree(t, fixtureCourse)
}

// copyTree copies the folder src into a temporary folder.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	require.NoError(t, err)
	return dst
}

func TestCheckReportsEachOutcome(t *testing.T) {
	out, _, err := run(t, fixtureCourse, "check", "--json", "01-fixtures")
	require.ErrorIs(t, err, ErrFailed, "check exits non-zero when a lab fails")
	var results []jsonResult
	require.NoError(t, json.Unmarshal([]byte(out), &results), out)
	byLab := map[string]jsonResult{}
	for _, r := range results {
		byLab[r.Lab] = r
	}
	assert.Equal(t, "passed", byLab["01-fixtures/passes"].Outcome)

	fails := byLab["01-fixtures/fails"]
	assert.Equal(t, "failed", fails.Outcome)
	require.Len(t, fails.Failures, 1)
	assert.Equal(t, "TestSum", fails.Failures[0].Test)
	assert.Contains(t, fails.Failures[0].Messages[0], "sum_test.go:19: Sum = 3, want 6")
	assert.Equal(t, "go run ./cmd/perflab hint 01-fixtures/fails", fails.NextHint)
	// Gate figures come from the attr events, per test.
	require.Len(t, fails.Tests, 2)
	assert.Equal(t, "TestSum", fails.Tests[1].Name)
	require.Len(t, fails.Tests[1].Figures, 1)
	assert.Equal(t, figure.Figure{Name: "sum", Value: 3, Op: "==", Budget: 6}, fails.Tests[1].Figures[0])
	assert.Equal(t, "data race", byLab["01-fixtures/racy"].Outcome)

	nocompile := byLab["01-fixtures/nocompile"]
	assert.Equal(t, "build failed", nocompile.Outcome)
	require.NotEmpty(t, nocompile.BuildErrors)
	assert.Regexp(t, `^01-fixtures/nocompile/sum\.go:6: cannot use`, nocompile.BuildErrors[0], "compile errors read file:line: message")

	hangs := byLab["01-fixtures/hangs"]
	assert.Equal(t, "timed out", hangs.Outcome)
	require.NotNil(t, hangs.TimedOut)
	assert.Equal(t, "TestDrain", hangs.TimedOut.Test)
	assert.Equal(t, 2.0, hangs.TimedOut.After)

	panics := byLab["01-fixtures/panics"]
	assert.Equal(t, "panicked", panics.Outcome)
}

func TestCheckTextNamesTestsHintsAndTimeouts(t *testing.T) {
	out, _, err := run(t, fixtureCourse, "check", "01-fixtures/fails", "01-fixtures/hangs", "01-fixtures/nocompile")
	require.ErrorIs(t, err, ErrFailed)
	for _, want := range []string{
		"✗ 01-fixtures/fails  failed: TestSum",
		"sum_test.go:19: Sum = 3, want 6; look at the loop in sum.go",
		"go run ./cmd/perflab hint 01-fixtures/fails   (hint 1 of 3)",
		"timed out in TestDrain after 2s",
		"01-fixtures/nocompile/sum.go:6: cannot use",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "\x1b[", "no color when stdout is not a terminal")
}

func TestCheckPassingLabExitsZero(t *testing.T) {
	out, _, err := run(t, fixtureCourse, "check", "01-fixtures/passes")
	require.NoError(t, err)
	assert.Contains(t, out, "✓ 01-fixtures/passes  passed (1 test)")
}

func TestNoOrphanOutlivesCheck(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "worker.pid")
	t.Setenv("PERFLAB_FIXTURE_PIDFILE", pidFile)
	_, _, err := run(t, fixtureCourse, "check", "01-fixtures/forks")
	require.NoError(t, err)
	data, err := os.ReadFile(pidFile)
	require.NoError(t, err, "the fixture's test should have written its worker's pid")
	pid, err := strconv.Atoi(string(data))
	require.NoError(t, err)
	deadline := time.Now().Add(2 * time.Second)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.False(t, processAlive(pid), "the worker %d forked by the lab's test outlived perflab check", pid)
}

// processAlive reports whether pid runs (a zombie does not).
func processAlive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat))
	return len(f) > 2 && f[2] != "Z"
}

// gitCourse is a copy of the fixture course, committed in a repository of
// its own, so that verify's snapshot of HEAD is the fixture as it is now.
func gitCourse(t *testing.T) string {
	t.Helper()
	return gitCopy(t, fixtureCourse)
}

// gitCopy is a copy of the course at src, committed in a repository of
// its own.
func gitCopy(t *testing.T, src string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := copyTree(t, src)
	gitIn(t, dir, "init", "-q")
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "course")
	return dir
}

func TestVerifyPassesOnlySoundLabs(t *testing.T) {
	out, _, err := run(t, gitCourse(t), "verify", "01-fixtures")
	require.ErrorIs(t, err, ErrFailed)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Equal(t, "3 passed, 5 failed", lines[len(lines)-1], out)
	// Its answer, answer.txt, is read from disk; each of its runs has a
	// private copy of the course, or its test would see the others' files.
	assert.Regexp(t, `ok   01-fixtures/datafile  .*kept fixes: 1/1 wrong fail, 1/1 alt pass`, out)
	assert.Regexp(t, `ok   01-fixtures/racy  .*kept fixes: 1/1 wrong fail, 1/1 alt pass`, out)
	assert.Regexp(t, `ok   01-fixtures/fails  .*kept fixes: 1/1 wrong fail, 1/1 alt pass`, out)
	assert.Contains(t, out, "01-fixtures/forks starts goroutines or processes (01-fixtures/forks/child.go", "a lab that starts processes must declare race")
	assert.Regexp(t, `ok   01-fixtures/fails  shipped: failed: TestSum`, out)
	assert.Contains(t, out, "as shipped it must fail in a test, but it passed")
	assert.Contains(t, out, "as shipped it must fail in a test, but it does not compile")
	assert.Contains(t, out, "as shipped it must fail in a test, but it timed out in TestDrain")
	assert.Contains(t, out, "as shipped it must fail in a test, but it panicked in TestCount")
}

func TestVerifyFindsIncompleteLabs(t *testing.T) {
	dir := copyCourse(t)
	require.NoError(t, os.Remove(filepath.Join(dir, "solutions", "01-fixtures", "fails", "sum.go")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "solutions", "01-fixtures", "fails", "extra.go"), []byte("package fails\n"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "01-fixtures", "fails", "README.md")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "01-fixtures", "fails", "cpu.pprof"), []byte("x"), 0o644))
	out, _, err := run(t, dir, "verify", "01-fixtures/fails")
	require.ErrorIs(t, err, ErrFailed)
	for _, want := range []string{
		"no README.md in 01-fixtures/fails",
		"no solution for sum.go: want solutions/01-fixtures/fails/sum.go",
		"stray file solutions/01-fixtures/fails/extra.go",
		"build output 01-fixtures/fails/cpu.pprof",
		"0 passed, 1 failed",
	} {
		assert.Contains(t, out, want)
	}
}

func TestBadInputGetsOneClearLine(t *testing.T) {
	cases := []struct {
		name string
		dir  string
		args []string
		want string
	}{
		{"unknown lab", fixtureCourse, []string{"check", "01-fixtures/fail"}, `unknown lab "01-fixtures/fail"; did you mean 01-fixtures/fails`},
		{"misspelt bare lab name", fixtureCourse, []string{"hint", "hang"}, "did you mean 01-fixtures/hangs"},
		{"unknown command", fixtureCourse, []string{"chek"}, `unknown command "chek"`},
		{"malformed manifest", filepath.Join("..", "..", "testdata", "badcourse"), []string{"list"}, "01-broken/labs.toml:14: points: incompatible types"},
		{"outside the repository", t.TempDir(), []string{"list"}, "not inside the course"},
		{"unreachable redis", fixtureCourse, []string{"--redis", "redis://127.0.0.1:1/0", "check", "01-fixtures/passes"}, "cannot reach Redis at redis://127.0.0.1:1/0"},
		{"not a redis url", fixtureCourse, []string{"check", "--redis", "http://x", "01-fixtures/passes"}, "is not a Redis URL"},
		{"bad flag", fixtureCourse, []string{"check", "--nope"}, "flag provided but not defined: -nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := run(t, c.dir, c.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.False(t, errors.Is(err, ErrFailed))
		})
	}
}

func TestDeletedLabFolder(t *testing.T) {
	dir := copyCourse(t)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "01-fixtures", "fails")))
	_, _, err := run(t, dir, "check", "01-fixtures/fails")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "its folder 01-fixtures/fails is missing")
	assert.Contains(t, err.Error(), "reset 01-fixtures/fails")
}

func TestNoGoToolchain(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, _, err := run(t, fixtureCourse, "check", "01-fixtures/passes")
	require.ErrorIs(t, err, labrun.ErrNoGo)
}

func TestHintsProgressAndAreRemembered(t *testing.T) {
	dir := copyCourse(t)
	for i, want := range []string{
		"hint 1 of 3: look at the loop bounds",
		"hint 2 of 3: the loop skips the last element",
		"hint 3 of 3: range over the whole slice",
		"hint 3 of 3: range over the whole slice",
	} {
		out, _, err := run(t, dir, "hint", "01-fixtures/fails")
		require.NoError(t, err)
		assert.Contains(t, out, want, "call %d", i+1)
	}
	out, _, _ := run(t, dir, "check", "01-fixtures/fails")
	assert.Contains(t, out, "all 3 hints shown")
	_, err := os.Stat(filepath.Join(dir, ".perflab", "state.json"))
	assert.NoError(t, err)
}

func TestSolutionIsHiddenUntilTheLabPasses(t *testing.T) {
	_, _, err := run(t, fixtureCourse, "solution", "01-fixtures/fails")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stays hidden")
	assert.Contains(t, err.Error(), "--reveal")

	out, _, err := run(t, fixtureCourse, "solution", "--reveal", "01-fixtures/fails")
	require.NoError(t, err)
	assert.Contains(t, out, "--- yours/01-fixtures/fails/sum.go")
	assert.Contains(t, out, "+++ solution/01-fixtures/fails/sum.go")
	assert.Contains(t, out, "-	for i := 0; i < len(xs)-1; i++ {")

	out, _, err = run(t, fixtureCourse, "solution", "01-fixtures/passes")
	require.NoError(t, err, "a passing lab shows its solution")
	assert.Contains(t, out, "is the same as the reference solution")
}

func TestResetBacksUpThenRestores(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := copyCourse(t)
	gitIn(t, dir, "init", "-q")
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "course")
	mine := filepath.Join(dir, "01-fixtures", "fails", "sum.go")
	require.NoError(t, os.WriteFile(mine, []byte("package fails // my attempt\n"), 0o644))

	out, _, err := run(t, dir, "reset", "01-fixtures/fails")
	require.NoError(t, err)
	assert.Contains(t, out, "your changed files (1) are saved in .perflab/backup/")
	shipped, _ := os.ReadFile(filepath.Join(fixtureCourse, "01-fixtures", "fails", "sum.go"))
	now, _ := os.ReadFile(mine)
	assert.Equal(t, string(shipped), string(now), "restored to the shipped file")
	backups, _ := filepath.Glob(filepath.Join(dir, ".perflab", "backup", "*", "01-fixtures", "fails", "sum.go"))
	require.Len(t, backups, 1)
	saved, _ := os.ReadFile(backups[0])
	assert.Equal(t, "package fails // my attempt\n", string(saved), "the learner's file is in the backup")

	// A deleted lab folder comes back too.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "01-fixtures", "fails")))
	_, _, err = run(t, dir, "reset", "01-fixtures/fails")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "01-fixtures", "fails", "sum_test.go"))
	assert.NoError(t, err)
}

// TestResetRemovesAMadeDataFile: the datafile lab's answer, answer.txt,
// is a file the learner makes; reset backs it up and removes it, and
// restore brings it back.
func TestResetRemovesAMadeDataFile(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := copyCourse(t)
	gitIn(t, dir, "init", "-q")
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "course")
	mine := filepath.Join(dir, "01-fixtures", "datafile", "answer.txt")
	require.NoError(t, os.WriteFile(mine, []byte("42\n"), 0o644))

	out, _, err := run(t, dir, "reset", "01-fixtures/datafile")
	require.NoError(t, err)
	assert.Contains(t, out, "your changed files (1) are saved in .perflab/backup/")
	assert.Contains(t, out, "removed 01-fixtures/datafile/answer.txt, which the lab does not ship")
	assert.NoFileExists(t, mine)

	out, _, err = run(t, dir, "restore", "01-fixtures/datafile")
	require.NoError(t, err)
	assert.Contains(t, out, "restored 1 files of 01-fixtures/datafile")
	got, err := os.ReadFile(mine)
	require.NoError(t, err)
	assert.Equal(t, "42\n", string(got))
}

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

// lockedBuffer lets watch write while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestWatchRechecksOnSaveAndMovesOn(t *testing.T) {
	for _, mode := range []string{"fsnotify", "poll"} {
		t.Run(mode, func(t *testing.T) {
			dir := copyCourse(t)
			stdinR, stdinW := io.Pipe()
			var out lockedBuffer
			args := []string{"watch", "01-fixtures/fails"}
			if mode == "poll" {
				args = append(args, "--poll")
			}
			done := make(chan error, 1)
			go func() {
				done <- Run(context.Background(), Config{Stdout: &out, Stderr: io.Discard, Stdin: stdinR, Dir: dir, Getenv: func(string) string { return "" }}, args)
			}()
			waitFor := func(s string, n int) {
				t.Helper()
				deadline := time.Now().Add(30 * time.Second)
				for strings.Count(out.String(), s) < n {
					if time.Now().After(deadline) {
						t.Fatalf("waited for %d× %q; output so far:\n%s", n, s, out.String())
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			file := filepath.Join(dir, "01-fixtures", "fails", "sum.go")
			waitFor("✗ 01-fixtures/fails", 1)

			// Saving a still-broken file re-checks, and the goroutine
			// count does not grow from one check to the next.
			var counts []int
			for i := range 3 {
				data, _ := os.ReadFile(file)
				require.NoError(t, os.WriteFile(file, append(data, []byte("\n// edit\n")...), 0o644))
				waitFor("✗ 01-fixtures/fails", i+2)
				counts = append(counts, runtime.NumGoroutine())
			}
			assert.LessOrEqual(t, counts[2]-counts[0], 1, "goroutines after each re-check: %v", counts)

			fixed, _ := os.ReadFile(filepath.Join(dir, "solutions", "01-fixtures", "fails", "sum.go"))
			require.NoError(t, os.WriteFile(file, fixed, 0o644))
			waitFor("✓ 01-fixtures/fails", 1)
			waitFor("On to 01-fixtures/nocompile", 1)
			waitFor("✗ 01-fixtures/nocompile", 1)

			_, err := stdinW.Write([]byte("q\n"))
			require.NoError(t, err)
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(10 * time.Second):
				t.Fatal("watch did not quit on q")
			}
		})
	}
}

// writeFile replaces a file of a course copy.
func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), []byte(content), 0o644))
}

func TestVerifyProvesTheCommittedLabsNotTheWorkingTree(t *testing.T) {
	dir := gitCourse(t)
	// A learner solved one lab, broke another and deleted a third.
	sol, err := os.ReadFile(filepath.Join(dir, "solutions", "01-fixtures", "fails", "sum.go"))
	require.NoError(t, err)
	writeFile(t, dir, "01-fixtures/fails/sum.go", string(sol))
	writeFile(t, dir, "01-fixtures/racy/counter.go", "package racy\n\nfunc (")
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "01-fixtures", "passes")))

	out, _, err := run(t, dir, "verify", "01-fixtures/fails", "01-fixtures/racy")
	require.NoError(t, err, out)
	assert.Contains(t, out, "2 passed, 0 failed")

	out, _, err = run(t, dir, "verify", "--working-tree", "01-fixtures/fails")
	require.ErrorIs(t, err, ErrFailed, "the working tree's solved lab no longer fails as shipped")
	assert.Contains(t, out, "as shipped it must fail in a test, but it passed")
}

func TestVerifyKeptFixesMustBehave(t *testing.T) {
	dir := gitCourse(t)
	sol, err := os.ReadFile(filepath.Join(dir, "solutions", "01-fixtures", "fails", "sum.go"))
	require.NoError(t, err)
	// A "wrong" fix that passes and an "alternative" that does not.
	writeFile(t, dir, "solutions/01-fixtures/fails/wrong/skips-first/sum.go", string(sol))
	shipped, err := os.ReadFile(filepath.Join(dir, "01-fixtures", "fails", "sum.go"))
	require.NoError(t, err)
	writeFile(t, dir, "solutions/01-fixtures/fails/alt/index-loop/sum.go", string(shipped))
	// A case that does not compile is no proof of anything.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "solutions", "01-fixtures", "fails", "wrong", "broken"), 0o755))
	writeFile(t, dir, "solutions/01-fixtures/fails/wrong/broken/sum.go", "package fails\n\nfunc Sum(")
	writeFile(t, dir, "solutions/01-fixtures/fails/wrong/broken/about.txt", "does not compile\n")
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "bad cases")

	out, _, err := run(t, dir, "verify", "01-fixtures/fails")
	require.ErrorIs(t, err, ErrFailed)
	assert.Contains(t, out, "wrong fix wrong/skips-first (moves the off-by-one to the other end of the loop) must fail when its tests run, but it passed")
	assert.Contains(t, out, "correct fix alt/index-loop (an index loop with the right bound) must pass, plain and under -race, but it failed: TestSum")
	assert.Contains(t, out, "wrong fix wrong/broken (does not compile) must fail when its tests run, but it does not compile")
	assert.Contains(t, out, "0 passed, 1 failed")
}

func TestCheckFailsARaceLabOnItsDataRace(t *testing.T) {
	dir := copyCourse(t)
	out, _, err := run(t, dir, "check", "01-fixtures/racy")
	require.ErrorIs(t, err, ErrFailed, out)
	assert.Contains(t, out, "✗ 01-fixtures/racy  data race in TestCountFromTwoGoroutines")
	assert.Contains(t, out, "--- TestCountFromTwoGoroutines (under -race)")
	assert.Regexp(t, `data race: (read|write) by goroutine \d+ in \(\*Counter\)\.Add at counter\.go:9`, out)
	assert.Contains(t, out, "go test -race -count=1 -run '^TestCountFromTwoGoroutines$' ./01-fixtures/racy")

	js, _, _ := run(t, dir, "check", "--json", "01-fixtures/racy")
	var results []jsonResult
	require.NoError(t, json.Unmarshal([]byte(js), &results))
	require.Len(t, results, 1)
	assert.Equal(t, "data race", results[0].Outcome)

	sol, err := os.ReadFile(filepath.Join(dir, "solutions", "01-fixtures", "racy", "counter.go"))
	require.NoError(t, err)
	writeFile(t, dir, "01-fixtures/racy/counter.go", string(sol))
	out, _, err = run(t, dir, "check", "01-fixtures/racy")
	require.NoError(t, err, out)
	assert.Contains(t, out, "✓ 01-fixtures/racy  passed")
}
