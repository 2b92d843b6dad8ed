package ipc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// Worker is the primary's handle on one worker process and its two pipes:
// messages go in on the worker's stdin, replies come back on its stdout.
type Worker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	nextID atomic.Uint64

	wmu sync.Mutex // one message at a time on stdin
	rmu sync.Mutex // one reply at a time from stdout

	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Start starts cmd as a worker process: a program that calls RunWorker
// with its stdin and stdout when IsWorker reports true. Start adds
// WorkerEnv to cmd's environment and takes over its stdin and stdout.
func Start(cmd *exec.Cmd) (*Worker, error) {
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, WorkerEnv+"=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("ipc: stdin pipe: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("ipc: stdout pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ipc: starting the worker: %w", err)
	}
	return &Worker{cmd: cmd, stdin: in, stdout: bufio.NewReader(out), done: make(chan struct{})}, nil
}

// Pid is the worker's process id.
func (w *Worker) Pid() int { return w.cmd.Process.Pid }

// Done is closed once the worker has gone away and its pipe is closed, so
// that a supervisor can start a replacement.
func (w *Worker) Done() <-chan struct{} { return w.done }

// send writes one message as one line.
func (w *Worker) send(m Msg) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("ipc: encoding a message: %w", err)
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if _, err := w.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("ipc: writing to worker %d: %w", w.Pid(), err)
	}
	return nil
}

// receive reads the next reply.
func (w *Worker) receive() (Reply, error) {
	w.rmu.Lock()
	defer w.rmu.Unlock()
	line, err := w.stdout.ReadBytes('\n')
	if err != nil {
		return Reply{}, fmt.Errorf("ipc: reading from worker %d: %w", w.Pid(), err)
	}
	var r Reply
	if err := json.Unmarshal(line, &r); err != nil {
		return Reply{}, fmt.Errorf("ipc: decoding a reply from worker %d: %w", w.Pid(), err)
	}
	return r, nil
}

// call sends m and returns the worker's reply to it, or gives up when ctx
// ends.
func (w *Worker) call(ctx context.Context, m Msg) (Reply, error) {
	type result struct {
		r   Reply
		err error
	}
	res := make(chan result, 1)
	go func() {
		r, err := w.callNow(m)
		res <- result{r, err}
	}()
	select {
	case x := <-res:
		return x.r, x.err
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
}

func (w *Worker) callNow(m Msg) (Reply, error) {
	m.ID = w.nextID.Add(1)
	if err := w.send(m); err != nil {
		return Reply{}, err
	}
	r, err := w.receive()
	if err != nil {
		return Reply{}, err
	}
	if r.Err != "" {
		return r, fmt.Errorf("ipc: worker %d: %s", w.Pid(), r.Err)
	}
	return r, nil
}

// Ask asks the worker question q and returns its answer.
func (w *Worker) Ask(ctx context.Context, q string) (string, error) {
	r, err := w.call(ctx, Msg{Kind: KindAsk, Text: q})
	return r.Text, err
}

// AskMany asks the worker every question in qs and returns the answers in
// the same order.
func (w *Worker) AskMany(ctx context.Context, qs []string) ([]string, error) {
	ids := make([]uint64, len(qs))
	for i, q := range qs {
		ids[i] = w.nextID.Add(1)
		if err := w.send(Msg{ID: ids[i], Kind: KindAsk, Text: q}); err != nil {
			return nil, err
		}
	}
	answers := make([]string, len(qs))
	byID := make(map[uint64]string, len(qs))
	for range qs {
		r, err := w.receive()
		if err != nil {
			return nil, err
		}
		byID[r.ID] = r.Text
	}
	for i, id := range ids {
		answers[i] = byID[id]
	}
	return answers, nil
}

// Stats asks the worker for its counters.
func (w *Worker) Stats(ctx context.Context) (Stats, error) {
	r, err := w.call(ctx, Msg{Kind: KindStats})
	return r.Stats, err
}

// Reload tells the worker to switch to config version v and waits until
// it says it has.
func (w *Worker) Reload(ctx context.Context, v int) error {
	_, err := w.call(ctx, Msg{Kind: KindReload, Version: v})
	return err
}

// Close closes the worker's stdin, which tells it to exit, and waits for
// it; a worker still running after two seconds is killed.
func (w *Worker) Close() error {
	w.closeOnce.Do(func() {
		w.stdin.Close()
		exited := make(chan error, 1)
		go func() { exited <- w.cmd.Wait() }()
		select {
		case w.closeErr = <-exited:
		case <-time.After(2 * time.Second):
			w.cmd.Process.Kill()
			w.closeErr = <-exited
		}
	})
	return w.closeErr
}

// Cluster is a primary's set of workers.
type Cluster struct {
	Workers []*Worker
}

// StartCluster starts n workers; command(i) returns the command for
// worker i.
func StartCluster(n int, command func(i int) *exec.Cmd) (*Cluster, error) {
	c := &Cluster{}
	for i := range n {
		w, err := Start(command(i))
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Workers = append(c.Workers, w)
	}
	return c, nil
}

// Broadcast tells every worker to switch to config version v.
func (c *Cluster) Broadcast(ctx context.Context, v int) error {
	for i, w := range c.Workers {
		if err := w.Reload(ctx, v); err != nil {
			return fmt.Errorf("worker %d: %w", i, err)
		}
	}
	return nil
}

// Totals sums the counters of every worker.
func (c *Cluster) Totals(ctx context.Context) (Stats, error) {
	var sum Stats
	for i, w := range c.Workers {
		s, err := w.Stats(ctx)
		if err != nil {
			return sum, fmt.Errorf("worker %d: %w", i, err)
		}
		sum.Answered += s.Answered
		sum.MaxInFlight = max(sum.MaxInFlight, s.MaxInFlight)
	}
	return sum, nil
}

// Close closes every worker.
func (c *Cluster) Close() error {
	var errs []error
	for _, w := range c.Workers {
		if err := w.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
