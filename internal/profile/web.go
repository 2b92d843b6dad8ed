package profile

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/goperflabs/labs/internal/proc"
)

// Serve runs `go tool pprof -http=127.0.0.1:PORT -no_browser` on a profile
// in its own process group, calls ready with the flame graph's address
// once the server answers, and stops it when ctx is done. args come before
// the file (such as "-sample_index=inuse_space").
func Serve(ctx context.Context, file string, port int, args []string, log io.Writer, ready func(url string)) error {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	all := append([]string{"tool", "pprof", "-http=" + addr, "-no_browser"}, args...)
	g, err := proc.Start(ctx, proc.Spec{Name: "go", Args: append(all, file), Output: log})
	if err != nil {
		return err
	}
	exited := make(chan struct{})
	var res proc.Result
	go func() {
		defer close(exited)
		res, _ = g.Wait()
	}()
	url := "http://" + addr + "/ui/flamegraph"
	for deadline := time.Now().Add(time.Minute); ; {
		if answers(url) {
			ready(url)
			break
		}
		select {
		case <-exited:
			return fmt.Errorf("go tool pprof -http stopped (exit status %d) before it answered", res.ExitCode)
		case <-ctx.Done():
			<-exited
			return nil
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			g.Deadline(0) // stop it now
			<-exited
			return fmt.Errorf("go tool pprof -http did not answer on %s within a minute", addr)
		}
	}
	select {
	case <-exited:
		if ctx.Err() == nil {
			return fmt.Errorf("go tool pprof -http stopped (exit status %d)", res.ExitCode)
		}
	case <-ctx.Done():
		<-exited // cancelling ctx kills the group
	}
	return nil
}

func answers(url string) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
