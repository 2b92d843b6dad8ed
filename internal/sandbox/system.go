package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// etcFiles are the whole of the sandbox's /etc: enough for "localhost"
// to resolve and for os/user to name the sandbox's user, and nothing of
// the host's.
var etcFiles = map[string]string{
	"hosts":         "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
	"passwd":        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n",
	"group":         "root:x:0:\nnogroup:x:65534:\n",
	"nsswitch.conf": "hosts: files dns\npasswd: files\ngroup: files\n",
}

func writeEtc(dir string) error {
	for name, body := range etcFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return fmt.Errorf("writing the sandbox's /etc: %w", err)
		}
	}
	return os.Chmod(dir, 0o755)
}

// goPaths returns GOROOT, GOMODCACHE and GOCACHE, for tests that run
// the go command (the pgo lab builds its package with a profile). The
// build cache is shared only where Spec.ShareGoCache says so; otherwise a
// go command inside gets a fresh one in /tmp.
func goPaths(ctx context.Context) (goroot, modcache, cache string) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOMODCACHE", "GOCACHE").Output()
	if err != nil {
		return "", "", ""
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(f) != 3 {
		return "", "", ""
	}
	return existing(f[0]), existing(f[1]), existing(f[2])
}

func existing(path string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return path
	}
	return ""
}

// systemBinds are the bwrap arguments that give the sandbox the system's
// programs and libraries: /usr read-only, and /bin, /lib, /lib64 and
// /sbin as links into it on a merged-/usr system, or bound read-only
// where they are folders of their own.
func systemBinds() []string {
	args := []string{"--ro-bind", "/usr", "/usr"}
	for _, d := range []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		st, err := os.Lstat(d)
		switch {
		case err != nil:
		case st.Mode()&os.ModeSymlink != 0:
			if target, err := os.Readlink(d); err == nil {
				args = append(args, "--symlink", target, d)
			}
		case st.IsDir():
			args = append(args, "--ro-bind", d, d)
		}
	}
	return args
}
