package ipc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Worker is the primary's handle on one worker process and its two pipes:
// messages go in on the worker's stdin, replies come back on its stdout.
// One goroutine reads every reply and hands it to the call waiting for its
// ID, so any number of calls can share the pipes.
type Worker struct {
	cmd   *exec.Cmd
	pid   int
	stdin *os.File // the write end; os.Pipe files honour write deadlines

	wmu sync.Mutex // one message at a time on stdin

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan Reply // the calls waiting, by message ID
	gone    bool                  // the reply pipe has closed

	done    chan struct{} // closed once the worker has exited and was waited for
	waitErr error
	closing sync.Once
}

// Start starts cmd as a worker process: a program that calls RunWorker
// with its stdin and stdout when IsWorker reports true. Start adds
// WorkerEnv to cmd's environment and takes over its stdin and stdout.
func Start(cmd *exec.Cmd) (*Worker, error) {
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, WorkerEnv+"=1")
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("ipc: stdin pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("ipc: stdout pipe: %w", err)
	}
	cmd.Stdin, cmd.Stdout = inR, outW
	err = cmd.Start()
	inR.Close() // the child has its own copies now
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("ipc: starting the worker: %w", err)
	}
	w := &Worker{
		cmd:     cmd,
		pid:     cmd.Process.Pid,
		stdin:   inW,
		pending: map[uint64]chan Reply{},
		done:    make(chan struct{}),
	}
	go w.readReplies(outR)
	return w, nil
}

// Pid is the worker's process id.
func (w *Worker) Pid() int { return w.pid }

// Done is closed once the worker has gone away and its pipe is closed, so
// that a supervisor can start a replacement.
func (w *Worker) Done() <-chan struct{} { return w.done }

// readReplies hands each reply to the call waiting for it. When the pipe
// closes (the worker exited), it fails every waiting call, reaps the
// process and closes done.
func (w *Worker) readReplies(out *os.File) {
	defer close(w.done)
	r := bufio.NewReader(out)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			break
		}
		var rep Reply
		if json.Unmarshal(line, &rep) != nil {
			continue // not a reply; a worker printing junk must not stop the others
		}
		w.mu.Lock()
		ch := w.pending[rep.ID]
		delete(w.pending, rep.ID)
		w.mu.Unlock()
		if ch != nil {
			ch <- rep // buffered: never blocks
		}
	}
	out.Close()
	w.waitErr = w.cmd.Wait()
}

// begin registers a call and writes its message; the reply arrives on the
// returned channel, which is closed if the worker goes away first.
func (w *Worker) begin(ctx context.Context, m Msg) (uint64, chan Reply, error) {
	ch := make(chan Reply, 1)
	w.mu.Lock()
	if w.gone {
		w.mu.Unlock()
		return 0, nil, fmt.Errorf("worker %d: %w", w.pid, ErrWorkerExited)
	}
	w.nextID++
	m.ID = w.nextID
	w.pending[m.ID] = ch
	w.mu.Unlock()
	if err := w.send(ctx, m); err != nil {
		w.forget(m.ID)
		return 0, nil, err
	}
	return m.ID, ch, nil
}

// wait waits for the reply to call id, until ctx ends.
func (w *Worker) wait(ctx context.Context, id uint64, ch chan Reply) (Reply, error) {
	select {
	case r, ok := <-ch:
		if !ok {
			return Reply{}, fmt.Errorf("worker %d: %w", w.pid, ErrWorkerExited)
		}
		if r.Err != "" {
			return r, fmt.Errorf("ipc: worker %d: %s", w.pid, r.Err)
		}
		return r, nil
	case <-ctx.Done():
		w.forget(id)
		return Reply{}, fmt.Errorf("ipc: worker %d: %w", w.pid, ctx.Err())
	}
}

func (w *Worker) forget(id uint64) {
	w.mu.Lock()
	delete(w.pending, id)
	w.mu.Unlock()
}

// send writes one message as one line, giving up when ctx's deadline
// passes.
func (w *Worker) send(ctx context.Context, m Msg) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("ipc: encoding a message: %w", err)
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	deadline, _ := ctx.Deadline() // zero: no deadline
	w.stdin.SetWriteDeadline(deadline)
	_, err = w.stdin.Write(append(b, '\n'))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("ipc: writing to worker %d: %w", w.pid, context.DeadlineExceeded)
	case errors.Is(err, syscall.EPIPE), errors.Is(err, os.ErrClosed):
		return fmt.Errorf("ipc: writing to worker %d: %w", w.pid, ErrWorkerExited)
	}
	return fmt.Errorf("ipc: writing to worker %d: %w", w.pid, err)
}

// call sends m and returns the worker's reply to it.
func (w *Worker) call(ctx context.Context, m Msg) (Reply, error) {
	id, ch, err := w.begin(ctx, m)
	if err != nil {
		return Reply{}, err
	}
	return w.wait(ctx, id, ch)
}

// Ask asks the worker question q and returns its answer.
func (w *Worker) Ask(ctx context.Context, q string) (string, error) {
	r, err := w.call(ctx, Msg{Kind: KindAsk, Text: q})
	return r.Text, err
}

// AskMany asks the worker every question in qs and returns the answers in
// the same order. It writes every question before it waits for any
// answer: the reader goroutine keeps the reply pipe drained meanwhile.
func (w *Worker) AskMany(ctx context.Context, qs []string) ([]string, error) {
	ids := make([]uint64, len(qs))
	chans := make([]chan Reply, len(qs))
	for i, q := range qs {
		id, ch, err := w.begin(ctx, Msg{Kind: KindAsk, Text: q})
		if err != nil {
			for _, id := range ids[:i] {
				w.forget(id)
			}
			return nil, err
		}
		ids[i], chans[i] = id, ch
	}
	answers := make([]string, len(qs))
	for i := range qs {
		r, err := w.wait(ctx, ids[i], chans[i])
		if err != nil {
			for _, id := range ids[i+1:] {
				w.forget(id)
			}
			return nil, err
		}
		answers[i] = r.Text
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
	w.closing.Do(func() {
		w.wmu.Lock()
		w.stdin.Close()
		w.wmu.Unlock()
	})
	select {
	case <-w.done:
	case <-time.After(2 * time.Second):
		w.cmd.Process.Kill()
		<-w.done
	}
	return w.waitErr
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

// each runs f for every worker at once and joins the errors.
func (c *Cluster) each(f func(i int, w *Worker) error) error {
	errs := make([]error, len(c.Workers))
	var wg sync.WaitGroup
	for i, w := range c.Workers {
		wg.Go(func() {
			if err := f(i, w); err != nil {
				errs[i] = fmt.Errorf("worker %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Broadcast tells every worker to switch to config version v, all at
// once. A worker that fails does not keep the others from getting it; the
// error names each worker that failed.
func (c *Cluster) Broadcast(ctx context.Context, v int) error {
	return c.each(func(_ int, w *Worker) error { return w.Reload(ctx, v) })
}

// Totals sums the counters of every worker.
func (c *Cluster) Totals(ctx context.Context) (Stats, error) {
	stats := make([]Stats, len(c.Workers))
	err := c.each(func(i int, w *Worker) (err error) {
		stats[i], err = w.Stats(ctx)
		return err
	})
	var sum Stats
	for _, s := range stats {
		sum.Answered += s.Answered
		sum.MaxInFlight = max(sum.MaxInFlight, s.MaxInFlight)
	}
	return sum, err
}

// Close closes every worker.
func (c *Cluster) Close() error {
	return c.each(func(_ int, w *Worker) error {
		err := w.Close()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil // it had crashed or was killed: nothing left to clean up
		}
		return err
	})
}
