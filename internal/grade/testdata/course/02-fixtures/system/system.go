// Package system is a fixture lab for perflab grade's tests. Unlike the
// other fixtures, its own code uses the operating system (files,
// processes, the network, the clock, the environment), so the screen lets
// a submission make the same calls, and only the sandbox and the recorder
// stand between that code and the grading machine. The attacks in
// internal/grade/testdata/attacks aim at it.
package system

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Greet greets name.
func Greet(name string) string {
	return "hello"
}

// Inspect reports on the process and its machine, as a service's
// diagnostics page might. The tests do not call it.
func Inspect(dir string) (string, error) {
	var b strings.Builder
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	exe, _ := os.Executable()
	link, _ := os.Readlink("/proc/self/exe")
	fmt.Fprintln(&b, host, wd, exe, link, os.Args, os.Getpid(), os.Getppid(), os.Getenv("HOME"), len(os.Environ()))
	fmt.Fprintln(&b, runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.NumGoroutine(), time.Since(time.Now()))
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	entries, _ := os.ReadDir(dir)
	data, _ := os.ReadFile(dir + "/notes.txt")
	fmt.Fprintln(&b, len(entries), len(data))
	if err := os.WriteFile(dir+"/inspect.txt", []byte(b.String()), 0o644); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir+"/tmp", 0o755); err != nil {
		return "", err
	}
	os.Remove(dir + "/inspect.txt")
	ifaces, _ := net.Interfaces()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:1", time.Second)
	if err == nil {
		conn.Close()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err == nil {
		ln.Close()
	}
	var cmd *exec.Cmd = exec.Command("true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Run(); err != nil {
		return "", err
	}
	fmt.Fprintln(&b, os.TempDir())
	if len(ifaces) > 100 {
		os.Exit(3)
	}
	if len(ifaces) > 200 {
		syscall.Exit(4)
	}
	if err := mirror(dir + "/notes.txt"); err != nil {
		return "", err
	}
	return b.String(), nil
}

// mirror copies descriptor 1 to a pipe and back, and reads a file
// through a descriptor of its own: low-level calls a service might make,
// which the screen must therefore allow here.
func mirror(path string) error {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return err
	}
	saved, err := syscall.Dup(1)
	if err != nil {
		return err
	}
	if err := syscall.Dup3(p[1], 1, 0); err != nil {
		return err
	}
	syscall.Write(1, []byte("mirror\n"))
	syscall.Dup3(saved, 1, 0)
	r := os.NewFile(uintptr(p[0]), "mirror")
	defer r.Close()
	flag := os.O_RDONLY
	if strings.HasSuffix(path, ".log") {
		flag = os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return err
	}
	return f.Close()
}
