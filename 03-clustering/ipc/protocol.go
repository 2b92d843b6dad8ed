// Package ipc runs a primary process and a few worker processes that talk
// over pipes, the way a Node.js cluster primary and its workers talk with
// process.send and process.on('message'): each worker reads one JSON
// message per line on its standard input and writes one JSON reply per
// line on its standard output.
//
// The primary side (primary.go) asks a worker questions, asks it for its
// counters, and broadcasts a config reload to every worker. The worker side
// (worker.go) is given: it answers questions in batches, so its answers do
// not come back in the order the questions went in.
package ipc

import (
	"errors"
	"os"
)

// The environment a worker process is started with.
const (
	WorkerEnv = "PERFLAB_IPC_WORKER" // "1" in a worker process
	// StallEnv, set to "1", makes a worker read questions and never answer
	// them, as a worker stuck in a lock or an endless loop would. It still
	// answers "stats" and "reload".
	StallEnv = "PERFLAB_IPC_STALL"
	// TraceEnv, set to "1", makes a worker log every message it reads and
	// every reply it writes to its standard error.
	TraceEnv = "PERFLAB_IPC_TRACE"
)

// IsWorker reports whether this process was started as a worker.
func IsWorker() bool { return os.Getenv(WorkerEnv) == "1" }

// The kinds of message.
const (
	KindAsk    = "ask"    // a question; the reply's Text is the answer
	KindStats  = "stats"  // the reply carries the worker's counters
	KindReload = "reload" // switch to config Version; the reply confirms it
)

// Msg is one message from the primary to a worker.
type Msg struct {
	ID      uint64 `json:"id"`
	Kind    string `json:"kind"`
	Text    string `json:"text,omitempty"`
	Version int    `json:"version,omitempty"`
}

// Reply is one message from a worker to the primary. Its ID is the ID of
// the message it answers.
type Reply struct {
	ID      uint64 `json:"id"`
	Kind    string `json:"kind"`
	Text    string `json:"text,omitempty"`
	PID     int    `json:"pid"`
	Version int    `json:"version"`
	Stats   Stats  `json:"stats"`
	Err     string `json:"err,omitempty"`
}

// Stats are a worker's counters.
type Stats struct {
	Answered    int `json:"answered"`      // questions answered so far
	MaxInFlight int `json:"max_in_flight"` // the most questions it held unanswered at once
	Version     int `json:"version"`       // the config version it runs
}

// Answer is what a worker answers to the question q.
func Answer(q string) string { return "A:" + q }

// ErrWorkerExited is the error a call gets when its worker's pipe closed
// (the worker exited or was killed) before the answer came.
var ErrWorkerExited = errors.New("ipc: worker exited")
