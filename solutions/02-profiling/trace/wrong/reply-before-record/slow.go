package orders

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/trace"
	"sync"
	"time"
)

// minDumpGap is the least time between two dumps, so that a burst of slow
// checkouts does not fill the disk.
const minDumpGap = time.Second

// Flight recorder window: the last few seconds of execution trace, held in
// memory, capped at a few megabytes.
const (
	flightMinAge   = 5 * time.Second
	flightMaxBytes = 16 << 20
)

// slowReporter writes what the process did in the seconds before a
// checkout turned out slow: the flight recorder's window of execution
// trace, one file per slow checkout, to dir.
type slowReporter struct {
	dir string
	log *slog.Logger
	fr  *trace.FlightRecorder // nil when dir is ""

	mu   sync.Mutex
	last time.Time
}

func newSlowReporter(dir string, log *slog.Logger) (*slowReporter, error) {
	r := &slowReporter{dir: dir, log: log}
	if dir == "" {
		return r, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dump directory: %w", err)
	}
	r.fr = trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: flightMinAge, MaxBytes: flightMaxBytes})
	if err := r.fr.Start(); err != nil {
		return nil, fmt.Errorf("starting the flight recorder: %w", err)
	}
	return r, nil
}

// report writes the flight recorder's window of trace.
func (r *slowReporter) report(orderID string) {
	if r.fr == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.last) < minDumpGap {
		return
	}
	r.last = time.Now()
	path := filepath.Join(r.dir, "slow-"+orderID+".trace")
	if err := r.write(path); err != nil {
		r.log.Error("writing slow checkout trace", "path", path, "err", err)
		return
	}
	r.log.Info("wrote slow checkout trace", "path", path)
}

func (r *slowReporter) write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = r.fr.WriteTo(f)
	return errors.Join(err, f.Close())
}

// close stops the flight recorder.
func (r *slowReporter) close() error {
	if r.fr != nil {
		r.fr.Stop()
	}
	return nil
}
