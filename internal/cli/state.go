package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// state is what perflab remembers for a learner, in .perflab/state.json
// at the course root (git ignores .perflab/). Whether a lab is done is
// never stored: it is found by running the lab's tests.
type state struct {
	// HintsShown counts, per lab ID, how many hints have been shown.
	HintsShown map[string]int `json:"hints_shown"`
}

func (a *app) statePath() string { return filepath.Join(a.course.Root, ".perflab", "state.json") }

func (a *app) loadState() (state, error) {
	s := state{HintsShown: map[string]int{}}
	data, err := os.ReadFile(a.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("reading perflab's state: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("%s is damaged (%v); delete it to start the hints over", a.statePath(), err)
	}
	if s.HintsShown == nil {
		s.HintsShown = map[string]int{}
	}
	return s, nil
}

func (a *app) saveState(s state) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(a.statePath()), 0o755); err != nil {
		return fmt.Errorf("saving perflab's state: %w", err)
	}
	tmp := a.statePath() + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("saving perflab's state: %w", err)
	}
	return os.Rename(tmp, a.statePath())
}
