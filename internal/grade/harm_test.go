package grade

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// settle is how long the harm check gives processes an attack may have
// left to end, or to do their harm, before it looks.
const settle = 3 * time.Second

// check says what the attacks changed or left: processes still running
// under the test process, a changed submission folder or course
// checkout, paths written outside, a changed or extra file in the results
// folder, connections to the host's listener. It kills the processes it
// finds.
func (h *harmCheck) check(t *testing.T) []string {
	t.Helper()
	var out []string
	left := waitForDescendants(settle)
	for _, p := range left {
		out = append(out, "a process outlived the grader: "+p.String())
	}
	killAll(left)
	for dir, sum := range h.subs {
		if hashTree(t, dir) != sum {
			out = append(out, "submission folder "+filepath.Base(dir)+" changed while the class was graded")
		}
	}
	if hashTree(t, filepath.Join(fixture.root, ".git")) != h.course {
		out = append(out, "the course checkout's .git changed")
	}
	if st, err := exec.Command("git", "-C", fixture.root, "status", "--porcelain").Output(); err != nil || len(st) > 0 {
		out = append(out, fmt.Sprintf("the course checkout is not clean (%v): %s", err, st))
	}
	for _, p := range outsidePaths() {
		out = append(out, "written outside the sandbox: "+p)
	}
	out = append(out, h.checkResults(t)...)
	if n := h.ln.accepted.Load(); n > 0 {
		out = append(out, fmt.Sprintf("the host's listeners (127.0.0.1:%d, %s) accepted %d connections", attackPort, attackSocket, n))
	}
	return out
}

// checkResults says whether the results folder holds other files than
// the grader's (NAME.json, its signature NAME.json.hmac, and grades.csv)
// or changed after grading.
func (h *harmCheck) checkResults(t *testing.T) []string {
	t.Helper()
	var out []string
	entries, _ := os.ReadDir(h.results)
	for _, e := range entries {
		ours := strings.HasSuffix(e.Name(), ".json") || strings.HasSuffix(e.Name(), ".json.hmac") || e.Name() == "grades.csv"
		if !e.Type().IsRegular() || !ours {
			out = append(out, "the results folder holds "+e.Name()+", which the grader did not write")
		}
	}
	if hashTree(t, h.results) != h.resultsSum {
		out = append(out, "the results folder changed after the grader wrote it")
	}
	return out
}

// outsidePaths lists what exists of the paths that attacks writing
// outside aim at: /tmp/perflab-attack-* and $HOME/perflab-attack-*.
func outsidePaths() []string {
	var out []string
	for _, dir := range []string{"/tmp", os.TempDir(), os.Getenv("HOME")} {
		if dir == "" {
			continue
		}
		m, _ := filepath.Glob(filepath.Join(dir, attackMark+"*"))
		for _, p := range m {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// removeOutsidePaths removes what outsidePaths lists.
func removeOutsidePaths() {
	for _, p := range outsidePaths() {
		os.RemoveAll(p)
	}
}

// hashTree hashes the names, modes, link targets and contents of every
// entry under root ("" when root does not exist).
func hashTree(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == root {
				return filepath.SkipAll
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintf(h, "%s %v\n", rel, d.Type())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			fmt.Fprintln(h, target)
		case d.Type().IsRegular():
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			io.Copy(h, f)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("hashing %s: %v", root, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// process is a process found under the test process.
type process struct {
	pid, ppid int
	state     string
	cmdline   string
}

func (p process) String() string {
	return fmt.Sprintf("pid %d (parent %d, state %s): %s", p.pid, p.ppid, p.state, p.cmdline)
}

// waitForDescendants waits up to d for the test process to have no live
// descendant, reaping the zombies it inherited as a subreaper, and
// returns those still alive then.
func waitForDescendants(d time.Duration) []process {
	deadline := time.Now().Add(d)
	for {
		var live []process
		for _, p := range descendants(os.Getpid()) {
			if p.state == "Z" {
				var ws syscall.WaitStatus
				syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil)
				continue
			}
			live = append(live, p)
		}
		if len(live) == 0 || time.Now().After(deadline) {
			return live
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// descendants walks /proc by parent for every process under root.
func descendants(root int) []process {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]process{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		i := strings.LastIndexByte(string(data), ')')
		if err != nil || i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		children[ppid] = append(children[ppid], process{pid, ppid, f[0], strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))})
	}
	var out []process
	for queue := children[root]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0].pid]...)
	}
	return out
}

// killAll kills the processes and reaps those that were the test
// process's children.
func killAll(ps []process) {
	for _, p := range ps {
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
	for _, p := range ps {
		if p.ppid == os.Getpid() {
			var ws syscall.WaitStatus
			syscall.Wait4(p.pid, &ws, 0, nil)
		}
	}
}
