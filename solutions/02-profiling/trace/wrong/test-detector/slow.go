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

// slowReporter writes what the process was doing when a checkout was slow,
// one file per slow checkout, to dir.
type slowReporter struct {
	dir string
	log *slog.Logger

	fr *trace.FlightRecorder // nil when dir is ""

	mu   sync.Mutex
	last time.Time
}

func newSlowReporter(dir string, log *slog.Logger) (*slowReporter, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("dump directory: %w", err)
		}
		fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: 5 * time.Second})
		if err := fr.Start(); err != nil {
			return nil, fmt.Errorf("flight recorder: %w", err)
		}
		return &slowReporter{dir: dir, log: log, fr: fr}, nil
	}
	return &slowReporter{dir: dir, log: log}, nil
}

// report writes the flight recorder's last seconds of execution trace.
func (r *slowReporter) report(orderID string) {
	if r.dir == "" {
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
		r.log.Error("writing slow checkout dump", "path", path, "err", err)
		return
	}
	r.log.Info("wrote slow checkout dump", "path", path)
}

func (r *slowReporter) write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = r.fr.WriteTo(f)
	return errors.Join(err, f.Close())
}

func (r *slowReporter) close() error {
	if r.fr != nil {
		r.fr.Stop()
	}
	return nil
}
