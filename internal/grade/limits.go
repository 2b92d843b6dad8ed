package grade

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goperflabs/labs/internal/labrun"
)

// Limits bound one lab run: its time (the lab's timeout, from the
// manifest), its memory and its processes.
type Limits struct {
	// Memory is the most resident memory the run's processes may use
	// together, in bytes; -race runs get raceMemFactor times as much.
	Memory int64
	// Processes is the most processes the run may have at once.
	Processes int
	// BuildGrace is how long each build of a run (the test binary, the
	// package alone) may take.
	BuildGrace time.Duration
}

// DefaultLimits are the limits unless the teacher sets others.
var DefaultLimits = Limits{Memory: 2 << 30, Processes: 256, BuildGrace: 5 * time.Minute}

// RaceFactor stretches a lab's time limit for its -race run, as it does
// for check and verify, and raceMemFactor its memory limit: the race
// detector slows code several times over and keeps shadow memory.
const (
	RaceFactor    = labrun.RaceTimeoutFactor
	raceMemFactor = 2
)

// guard enforces the memory and process limits on one running process
// and its descendants: in a cgroup v2 of its own where one can be made, otherwise by a
// watchdog that reads the group's resident memory from /proc.
type guard interface {
	// wrap returns the command to run instead of name args, to place it in
	// the guard (the same command when nothing is needed).
	wrap(name string, args []string) (string, []string)
	// watch starts watching pid and its descendants; kill kills them.
	watch(pid int, kill func())
	// stop ends watching and says which limit, if any, the run hit
	// ("" or a sentence), and the peak memory seen.
	stop() (hit string, peak int64)
}

func newGuard(l Limits, mem int64) guard {
	if cg := newCgroup(l, mem); cg != nil {
		return cg
	}
	return &watchdog{limits: l, mem: mem, done: make(chan struct{})}
}

// watchdog polls /proc for the processes of one tree.
type watchdog struct {
	limits Limits
	mem    int64
	done   chan struct{}
	wg     sync.WaitGroup
	peak   atomic.Int64
	mu     sync.Mutex
	hit    string
}

func (w *watchdog) wrap(name string, args []string) (string, []string) { return name, args }

func (w *watchdog) watch(pid int, kill func()) {
	w.wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-tick.C:
			}
			rss, n := treeUsage(pid)
			if rss > w.peak.Load() {
				w.peak.Store(rss)
			}
			var hit string
			switch {
			case rss > w.mem:
				hit = fmt.Sprintf("the memory limit of %s (its processes held %s)", mib(w.mem), mib(rss))
			case n > w.limits.Processes:
				hit = fmt.Sprintf("the limit of %d processes", w.limits.Processes)
			}
			if hit != "" {
				w.mu.Lock()
				w.hit = hit
				w.mu.Unlock()
				kill()
				return
			}
		}
	})
}

func (w *watchdog) stop() (string, int64) {
	close(w.done)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hit, w.peak.Load()
}

// treeUsage sums the resident memory, in bytes, of process root and
// every process descended from it, and counts them. Descent, unlike a
// process group, holds a child that called setsid: in the sandbox's PID
// namespace every orphan is adopted by bwrap's own init, a descendant of
// root.
func treeUsage(root int) (int64, int) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	type stat struct {
		ppid int
		rss  int64
	}
	procs := map[int]stat{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, rss, ok := readStat(pid); ok {
			procs[pid] = stat{ppid, rss}
		}
	}
	children := map[int][]int{}
	for pid, st := range procs {
		children[st.ppid] = append(children[st.ppid], pid)
	}
	var rss int64
	n := 0
	for queue := []int{root}; len(queue) > 0; queue = queue[1:] {
		pid := queue[0]
		if st, ok := procs[pid]; ok {
			rss += st.rss
			n++
		}
		queue = append(queue, children[pid]...)
	}
	return rss, n
}

// readStat reads a process's parent and resident memory, in bytes, from
// /proc/PID/stat.
func readStat(pid int) (ppid int, rss int64, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name, in parentheses, may hold spaces: the fields that
	// matter come after its closing parenthesis.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, rss field 24.
	if len(f) < 22 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	pages, _ := strconv.ParseInt(f[21], 10, 64)
	return ppid, pages * int64(os.Getpagesize()), true
}

func mib(b int64) string {
	if b >= 1<<30 && b%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", b>>30)
	}
	return fmt.Sprintf("%d MiB", b>>20)
}

// cgroup is a cgroup v2 of its own for one run, with memory.max (and
// pids.max where that controller is on) set.
type cgroup struct {
	dir string
	mem int64
}

var cgroupSeq atomic.Int64

// newCgroup makes a child of perflab's own cgroup v2, or returns nil when
// the machine has none it may write to (cgroup v1, no delegation).
func newCgroup(l Limits, mem int64) *cgroup {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	var rel string
	for _, line := range strings.Split(string(self), "\n") {
		if after, ok := strings.CutPrefix(line, "0::"); ok {
			rel = after
		}
	}
	root := "/sys/fs/cgroup"
	if rel == "" || !hasWord(filepath.Join(root, "cgroup.controllers"), "memory") {
		return nil
	}
	parent := filepath.Join(root, filepath.FromSlash(rel))
	if !hasWord(filepath.Join(parent, "cgroup.subtree_control"), "memory") {
		if os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+memory +pids"), 0) != nil &&
			os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+memory"), 0) != nil {
			return nil
		}
	}
	dir := filepath.Join(parent, fmt.Sprintf("perflab-grade-%d-%d", os.Getpid(), cgroupSeq.Add(1)))
	if os.Mkdir(dir, 0o755) != nil {
		return nil
	}
	cg := &cgroup{dir: dir}
	if os.WriteFile(filepath.Join(dir, "memory.max"), []byte(strconv.FormatInt(mem, 10)), 0) != nil {
		cg.remove()
		return nil
	}
	_ = os.WriteFile(filepath.Join(dir, "memory.swap.max"), []byte("0"), 0)
	_ = os.WriteFile(filepath.Join(dir, "pids.max"), []byte(strconv.Itoa(l.Processes)), 0)
	cg.mem = mem
	return cg
}

func hasWord(path, word string) bool {
	data, err := os.ReadFile(path)
	return err == nil && slices.Contains(strings.Fields(string(data)), word)
}

// wrap runs the command through sh, which moves itself into the cgroup
// before it execs the command, so that everything it starts is inside.
func (cg *cgroup) wrap(name string, args []string) (string, []string) {
	script := `echo $$ > "$1/cgroup.procs" || exit 125; shift; exec "$@"`
	return "/bin/sh", append([]string{"-c", script, "sh", cg.dir, name}, args...)
}

func (cg *cgroup) watch(int, func()) {}

func (cg *cgroup) stop() (string, int64) {
	defer cg.remove()
	var peak int64
	if data, err := os.ReadFile(filepath.Join(cg.dir, "memory.peak")); err == nil {
		peak, _ = strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	}
	if n := eventCount(filepath.Join(cg.dir, "memory.events"), "oom_kill"); n > 0 {
		return fmt.Sprintf("the memory limit of %s (the kernel killed a process)", mib(cg.mem)), peak
	}
	if n := eventCount(filepath.Join(cg.dir, "pids.events"), "max"); n > 0 {
		return "the process limit (forks were refused)", peak
	}
	return "", peak
}

func eventCount(path, key string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == key {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// remove deletes the cgroup once its processes are gone.
func (cg *cgroup) remove() {
	// Whatever left the process group (setsid) is still in the cgroup.
	_ = os.WriteFile(filepath.Join(cg.dir, "cgroup.kill"), []byte("1"), 0)
	for range 50 {
		if os.Remove(cg.dir) == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
