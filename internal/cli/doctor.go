package cli

import (
	"context"
	"fmt"
	"github.com/goperflabs/labs/internal/sandbox"
	"os"
	"os/exec"
	"strings"

	"github.com/goperflabs/labs/internal/buildcache"
	"github.com/goperflabs/labs/internal/redisguard"
)

// finding is one line of doctor's report.
type finding struct {
	what   string
	ok     bool
	detail string // the version found, or how to install what is missing
	needed bool   // the course cannot run without it
}

// doctor checks what the course needs on this machine and says, for each
// missing thing, the command that installs it. It fails only if something
// needed is missing.
func (a *app) doctor(ctx context.Context, args []string) error {
	fs := a.flags("doctor")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	findings := []finding{
		a.goFinding(ctx),
		toolFinding("git", true, "git --version", "needed by reset, restore and verify: apt install git (Debian, Ubuntu), brew install git (macOS)"),
		toolFinding("dot", false, "dot -V", "Graphviz, for go tool pprof -svg/-png and the web UI's graph view (the flame graph works without it): apt install graphviz, brew install graphviz"),
		toolFinding("redis-server", false, "redis-server --version", "optional, to run the caching labs against a real Redis: apt install redis-server, brew install redis; then "+redisguard.StartCommand),
		procFinding(),
		a.cacheFinding(ctx),
		sandboxFinding(ctx),
	}
	missing := false
	for _, f := range findings {
		mark := a.green("✓")
		if !f.ok {
			mark = a.red("✗")
			if !f.needed {
				mark = a.dim("-")
			}
			missing = missing || f.needed
		}
		fmt.Fprintf(a.stdout, "%s %-14s %s\n", mark, f.what, f.detail)
	}
	if missing {
		return ErrFailed
	}
	return nil
}

func (a *app) goFinding(ctx context.Context) finding {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return finding{"go", false, "not on PATH: install Go 1.26 or later from https://go.dev/dl/", true}
	}
	v := strings.TrimSpace(string(out))
	var minor int
	if _, err := fmt.Sscanf(v, "go1.%d", &minor); err != nil || minor < 26 {
		return finding{"go", false, v + ": the course needs Go 1.26 or later, from https://go.dev/dl/", true}
	}
	return finding{"go", true, v, true}
}

// toolFinding runs versionCmd to see whether a tool is installed.
func toolFinding(name string, needed bool, versionCmd, install string) finding {
	if _, err := exec.LookPath(name); err != nil {
		return finding{name, false, "not found; " + install, needed}
	}
	f := strings.Fields(versionCmd)
	out, _ := exec.Command(f[0], f[1:]...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return finding{name, true, line, needed}
}

func procFinding() finding {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return finding{"/proc", false, "missing: 03-clustering's process-cluster and graceful-restart labs read it; work in Linux or WSL", false}
	}
	return finding{"/proc", true, "present (the clustering labs read it)", false}
}

func (a *app) cacheFinding(ctx context.Context) finding {
	stale, err := buildcache.StaleDeps(ctx, a.course.Root, "./...")
	switch {
	case err != nil:
		return finding{"build cache", false, err.Error(), false}
	case len(stale) > 0:
		return finding{"build cache", false, fmt.Sprintf("cold: %d dependencies to compile on the first run (a few minutes; go run ./cmd/perflab list does it)", len(stale)), false}
	}
	return finding{"build cache", true, "warm: every dependency is compiled", false}
}

// sandboxFinding says whether grade can run submissions in a sandbox:
// bwrap installed and able to start one here. Learners do not need it.
func sandboxFinding(ctx context.Context) finding {
	tmp, err := os.MkdirTemp("", "perflab-doctor-")
	if err != nil {
		return finding{"sandbox", false, err.Error(), false}
	}
	defer os.RemoveAll(tmp)
	b, err := sandbox.New(ctx, tmp)
	if err != nil {
		return finding{"sandbox", false, "for teachers only, grade needs it: " + err.Error(), false}
	}
	b.Close()
	return finding{"sandbox", true, "bubblewrap starts a sandbox: grade runs submissions in it", false}
}
