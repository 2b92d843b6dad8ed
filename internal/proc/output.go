package proc

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
)

// Output runs s in its own process group, kills the group once limit has
// passed, and returns what the command printed (standard output and error,
// merged) and its exit code. A run stopped by the limit or by ctx is an
// error, which ends with the last lines printed; s.Output is ignored.
func Output(ctx context.Context, s Spec, limit time.Duration) ([]byte, int, error) {
	var out bytes.Buffer
	s.Output = &out
	g, err := Start(ctx, s)
	if err != nil {
		return nil, 0, err
	}
	g.Deadline(limit)
	res, err := g.Wait()
	switch {
	case err != nil:
		return nil, 0, err
	case ctx.Err() != nil:
		return nil, 0, fmt.Errorf("stopped: %w", ctx.Err())
	case res.Expired:
		return nil, 0, fmt.Errorf("still running after %s; stopped:\n%s", limit, Tail(out.Bytes(), 15))
	}
	return out.Bytes(), res.ExitCode, nil
}

// Tail returns the last n lines of b.
func Tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
