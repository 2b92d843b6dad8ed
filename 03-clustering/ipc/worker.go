package ipc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// The worker answers questions in batches: it gathers up to batchSize
// questions (or what arrived within batchWait of the first), looks them up
// together, and writes the answers as the lookups finish, last question
// first. It holds at most maxInFlight questions at a time; while it holds
// that many, it reads no more messages.
const (
	batchSize   = 8
	batchWait   = 200 * time.Millisecond
	maxInFlight = 16
)

// worker is the state of one worker process.
type worker struct {
	stall bool
	trace bool
	pid   int
	sem   chan struct{} // one token per question held

	outMu sync.Mutex // one reply per Write, whole
	out   io.Writer

	mu       sync.Mutex
	version  int
	stats    Stats
	inFlight int
	batch    []Msg
	timer    *time.Timer
}

// RunWorker is the whole life of a worker process: it reads messages from
// in and writes replies to out until in ends (the primary closed the pipe
// or exited), then returns.
func RunWorker(in io.Reader, out io.Writer) error {
	w := &worker{
		stall: os.Getenv(StallEnv) == "1",
		trace: os.Getenv(TraceEnv) == "1",
		pid:   os.Getpid(),
		sem:   make(chan struct{}, maxInFlight),
		out:   out,
	}
	go exitWithParent()
	dec := json.NewDecoder(bufio.NewReader(in))
	for {
		var m Msg
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("worker %d: reading a message: %w", w.pid, err)
		}
		if w.trace {
			fmt.Fprintf(os.Stderr, "worker %d: read  id=%-4d %-6s %.24s\n", w.pid, m.ID, m.Kind, m.Text)
		}
		if err := w.handle(m); err != nil {
			return err
		}
	}
}

// exitWithParent ends the worker when its parent goes away (an orphan is
// adopted, so its parent pid changes), even if it is stuck writing to a
// full pipe and never sees its stdin close.
func exitWithParent() {
	parent := os.Getppid()
	for os.Getppid() == parent {
		time.Sleep(100 * time.Millisecond)
	}
	os.Exit(2)
}

// handle answers one message: a question joins the current batch; the
// other kinds are answered at once.
func (w *worker) handle(m Msg) error {
	switch m.Kind {
	case KindAsk:
		w.sem <- struct{}{} // blocks while maxInFlight questions are held
		w.hold(m)
		return nil
	case KindStats:
		w.mu.Lock()
		r := Reply{ID: m.ID, Kind: m.Kind, Stats: w.stats, Version: w.version}
		r.Stats.Version = w.version
		w.mu.Unlock()
		return w.write(r)
	case KindReload:
		w.mu.Lock()
		w.version = m.Version
		w.mu.Unlock()
		return w.write(Reply{ID: m.ID, Kind: m.Kind, Version: m.Version})
	default:
		return w.write(Reply{ID: m.ID, Kind: m.Kind, Err: fmt.Sprintf("unknown kind %q", m.Kind)})
	}
}

// hold adds a question to the batch and starts the batch's lookup when it
// is full or, from a timer, when the first question has waited batchWait.
func (w *worker) hold(m Msg) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inFlight++
	w.stats.MaxInFlight = max(w.stats.MaxInFlight, w.inFlight)
	if w.stall {
		return // never answered; the token is never given back
	}
	w.batch = append(w.batch, m)
	if len(w.batch) >= batchSize {
		w.flushLocked()
		return
	}
	if w.timer == nil {
		w.timer = time.AfterFunc(batchWait, func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.flushLocked()
		})
	}
}

// flushLocked answers the batch in another goroutine, last question first.
func (w *worker) flushLocked() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	batch := w.batch
	w.batch = nil
	if len(batch) == 0 {
		return
	}
	go func() {
		for i := len(batch) - 1; i >= 0; i-- {
			m := batch[i]
			w.mu.Lock()
			w.stats.Answered++
			w.mu.Unlock()
			w.write(Reply{ID: m.ID, Kind: m.Kind, Text: Answer(m.Text)})
			w.mu.Lock()
			w.inFlight--
			w.mu.Unlock()
			<-w.sem
		}
	}()
}

// write sends one reply as one line.
func (w *worker) write(r Reply) error {
	r.PID = w.pid
	if w.trace {
		fmt.Fprintf(os.Stderr, "worker %d: reply id=%-4d %-6s %.24s\n", w.pid, r.ID, r.Kind, r.Text)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("worker %d: encoding a reply: %w", w.pid, err)
	}
	w.outMu.Lock()
	defer w.outMu.Unlock()
	if _, err := w.out.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("worker %d: writing a reply: %w", w.pid, err)
	}
	return nil
}
