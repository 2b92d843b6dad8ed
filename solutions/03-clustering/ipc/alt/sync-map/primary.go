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

// Worker is the primary's handle on one worker process and its pipes. A
// reader goroutine decodes the replies and finds each one's caller in a
// sync.Map keyed by message ID.
type Worker struct {
	cmd    *exec.Cmd
	pid    int
	stdin  io.WriteCloser
	nextID atomic.Uint64

	wmu sync.Mutex
	enc *json.Encoder

	waiting sync.Map // uint64 → chan Reply
	exited  atomic.Bool
	done    chan struct{}
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
	w := &Worker{cmd: cmd, pid: cmd.Process.Pid, stdin: in, enc: json.NewEncoder(in), done: make(chan struct{})}
	go w.read(out)
	return w, nil
}

// Pid is the worker's process id.
func (w *Worker) Pid() int { return w.pid }

// Done is closed once the worker has gone away and its pipe is closed.
func (w *Worker) Done() <-chan struct{} { return w.done }

// read delivers replies until the pipe ends, then fails whoever still
// waits, and only then reaps the process (Wait closes the pipe).
func (w *Worker) read(out io.Reader) {
	defer close(w.done)
	dec := json.NewDecoder(bufio.NewReader(out))
	for {
		var r Reply
		if err := dec.Decode(&r); err != nil {
			break
		}
		if ch, ok := w.waiting.LoadAndDelete(r.ID); ok {
			ch.(chan Reply) <- r
		}
	}
	w.exited.Store(true)
	w.waiting.Range(func(id, ch any) bool {
		if _, ok := w.waiting.LoadAndDelete(id); ok {
			close(ch.(chan Reply))
		}
		return true
	})
	w.waitErr = w.cmd.Wait()
}

// begin registers the call and writes its message.
func (w *Worker) begin(m Msg) (uint64, chan Reply, error) {
	m.ID = w.nextID.Add(1)
	ch := make(chan Reply, 1)
	w.waiting.Store(m.ID, ch)
	if w.exited.Load() {
		w.waiting.Delete(m.ID)
		return 0, nil, fmt.Errorf("worker %d: %w", w.pid, ErrWorkerExited)
	}
	w.wmu.Lock()
	err := w.enc.Encode(m)
	w.wmu.Unlock()
	if err != nil {
		w.waiting.Delete(m.ID)
		return 0, nil, fmt.Errorf("writing to worker %d: %w (%w)", w.pid, ErrWorkerExited, err)
	}
	return m.ID, ch, nil
}

// wait waits for the reply to call id until ctx ends.
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
		w.waiting.Delete(id)
		return Reply{}, ctx.Err()
	}
}

func (w *Worker) forget(id uint64) { w.waiting.Delete(id) }

// call sends m and returns the worker's reply to it.
func (w *Worker) call(ctx context.Context, m Msg) (Reply, error) {
	id, ch, err := w.begin(m)
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
		id, ch, err := w.begin(Msg{Kind: KindAsk, Text: q})
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
	w.closing.Do(func() { w.stdin.Close() })
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
