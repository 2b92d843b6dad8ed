package verify

import (
	"strings"

	"github.com/goperflabs/labs/internal/labrun"
)

// Describe says in a few words how a run that should have gone the other
// way went: its headline and up to three of its messages.
func Describe(r labrun.Result) string {
	var details []string
	for _, f := range r.Failures {
		for _, race := range f.Races {
			details = append(details, f.Test+": "+race.String())
		}
		if len(f.Messages) > 0 {
			details = append(details, f.Test+": "+strings.TrimSpace(f.Messages[0]))
		}
	}
	details = append(details, r.BuildErrors...)
	for _, p := range r.Problems {
		details = append(details, p.String())
	}
	if r.Outcome == labrun.Crashed {
		details = append(details, r.Output...)
	}
	if len(details) > 3 {
		details = details[:3]
	}
	s := r.Headline()
	if r.Race {
		s += " under -race"
	}
	if len(details) > 0 {
		s += " (" + strings.Join(details, " | ") + ")"
	}
	return s
}
