// Command procgroup shows what signals do to a supervisor and its workers
// on Linux. It starts a supervisor process in a process group of its own
// (Setpgid), which starts two workers; the workers inherit its group. Then:
//
//  1. it sends SIGINT to the whole group, as a terminal does on Ctrl-C to
//     its foreground group: every process in it gets the signal at once;
//
//  2. it kills the supervisor alone with SIGKILL: the workers keep running,
//     adopted by another process, until it kills the whole group;
//
//  3. the same with Pdeathsig set on the workers: the kernel sends them
//     SIGTERM when the supervisor dies.
//
//     go run ./03-clustering/examples/procgroup
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const roleEnv, deathEnv = "PROCGROUP_ROLE", "PROCGROUP_PDEATHSIG"

func main() {
	log.SetFlags(0)
	switch os.Getenv(roleEnv) {
	case "worker":
		worker()
	case "supervisor":
		supervisor()
	default:
		demo()
	}
}

// self returns a command that runs this program again in role.
func self(role string, extra ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role), extra...)
	cmd.Stderr = os.Stderr
	return cmd
}

// worker says it is ready on stdout, then reports on stderr the signal
// that ends it.
func worker() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	fmt.Println("ready")
	s := <-sig
	fmt.Fprintf(os.Stderr, "  worker %d (group %d): got %v, exiting\n", os.Getpid(), syscall.Getpgrp(), s)
}

// supervisor starts two workers and prints their pids on stdout once both
// are ready; it reports the signal that ends it on stderr.
func supervisor() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	// Pdeathsig fires when the thread that started the child exits, not
	// the process: keep this goroutine on one thread for its whole life.
	runtime.LockOSThread()
	var pids []string
	for range 2 {
		cmd := self("worker")
		if os.Getenv(deathEnv) == "1" {
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			log.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		bufio.NewReader(out).ReadString('\n') // "ready"
		pids = append(pids, strconv.Itoa(cmd.Process.Pid))
	}
	fmt.Println(strings.Join(pids, " "))
	s := <-sig
	fmt.Fprintf(os.Stderr, "  supervisor %d (group %d): got %v, exiting\n", os.Getpid(), syscall.Getpgrp(), s)
	time.Sleep(100 * time.Millisecond) // let the workers report first
}

// startGroup starts a supervisor as the leader of a new process group and
// returns it with its workers' pids.
func startGroup(pdeathsig bool) (*exec.Cmd, []int) {
	cmd := self("supervisor", fmt.Sprintf("%s=%d", deathEnv, map[bool]int{false: 0, true: 1}[pdeathsig]))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		log.Fatalf("supervisor: %v", err)
	}
	var pids []int
	for _, f := range strings.Fields(line) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	fmt.Printf("supervisor %d leads group %d; workers %v\n", cmd.Process.Pid, cmd.Process.Pid, pids)
	return cmd, pids
}

// state returns "running, parent N" or "gone" for pid, from /proc.
func state(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "gone"
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if f[0] == "Z" {
		return "exited (a zombie until its parent reaps it)"
	}
	return "running, parent " + f[1]
}

func report(pids []int) {
	for _, pid := range pids {
		fmt.Printf("  worker %d: %s\n", pid, state(pid))
	}
}

func demo() {
	fmt.Printf("this program: pid %d, group %d\n\n", os.Getpid(), syscall.Getpgrp())

	fmt.Println("1. SIGINT to the group, as Ctrl-C in a terminal:")
	sup, _ := startGroup(false)
	syscall.Kill(-sup.Process.Pid, syscall.SIGINT) // a negative pid means the group
	sup.Wait()
	time.Sleep(100 * time.Millisecond)

	fmt.Println("\n2. SIGKILL to the supervisor alone:")
	sup, pids := startGroup(false)
	sup.Process.Kill()
	sup.Wait()
	time.Sleep(300 * time.Millisecond)
	report(pids)
	fmt.Println("  then SIGKILL to the group:")
	syscall.Kill(-sup.Process.Pid, syscall.SIGKILL)
	time.Sleep(300 * time.Millisecond)
	report(pids)

	fmt.Println("\n3. SIGKILL to the supervisor alone, workers started with Pdeathsig: SIGTERM:")
	sup, pids = startGroup(true)
	sup.Process.Kill()
	sup.Wait()
	time.Sleep(300 * time.Millisecond)
	report(pids)
}
