package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
)

// debounce is how long watch waits after a change for more changes, since
// an editor's save is often several events.
const debounce = 200 * time.Millisecond

// watch checks a lab, then re-checks it each time a file in it is saved;
// when it passes, it moves on to the next lab. q (then Enter) quits.
//
// It runs a fixed set of goroutines for its whole life: one that turns
// file events (or, with --poll, changed modification times) into signals
// on one channel, and one that reads standard input. Moving to the next
// lab only changes which folder they look at.
func (a *app) watch(ctx context.Context, args []string) error {
	fs := a.flags("watch")
	poll := fs.Bool("poll", false, "")
	targets, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(targets) > 1 {
		return &usageError{"watch takes at most one lab, such as: go run ./cmd/perflab watch 01-memory/retention"}
	}
	if err := a.checkRedis(ctx); err != nil {
		return err
	}
	labs := a.course.Labs()
	i := 0
	if len(targets) == 1 {
		l, err := a.course.Lab(targets[0])
		if err != nil {
			return err
		}
		i = indexOf(labs, l)
	} else if i, err = a.firstUnfinished(ctx, labs); err != nil {
		return err
	}
	if i == len(labs) {
		fmt.Fprintln(a.stdout, "Every lab passes; nothing to watch.")
		return nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var src changeSource
	if *poll {
		src = newPoller(ctx, 500*time.Millisecond)
	} else if src, err = newNotifier(ctx); err != nil {
		return fmt.Errorf("watching files (%v); try --poll", err)
	}
	defer src.Close()
	quit := a.readQuit(ctx)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for i < len(labs) {
		l := labs[i]
		if err := src.Watch(a.course.Dir(l)); err != nil {
			return fmt.Errorf("watching %s: %w", l.ID(), err)
		}
		r, err := a.verdict(ctx, l, a.testOptions())
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		st, err := a.loadState()
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s\n", a.dim(time.Now().Format("15:04:05")))
		a.writeResult(r, st)
		if r.Outcome == labrun.Passed {
			i++
			if i < len(labs) {
				fmt.Fprintf(a.stdout, "\nOn to %s — %s (read its README.md)\n", a.bold(labs[i].ID()), labs[i].Title)
			}
			continue
		}
		fmt.Fprintf(a.stdout, "%s\n", a.dim("watching "+l.ID()+" for changes; q then Enter quits"))
		// Wait for a change, then for the edits to settle.
		settled := false
		for !settled {
			select {
			case <-ctx.Done():
				return nil
			case <-quit:
				return nil
			case <-src.Changes():
				timer.Reset(debounce)
			case <-timer.C:
				settled = true
			}
		}
	}
	fmt.Fprintln(a.stdout, "\nEvery lab passes. Well done!")
	return nil
}

func indexOf(labs []manifest.Lab, l manifest.Lab) int {
	for i, x := range labs {
		if x.ID() == l.ID() {
			return i
		}
	}
	return 0
}

// firstUnfinished runs labs in order until one does not pass.
func (a *app) firstUnfinished(ctx context.Context, labs []manifest.Lab) (int, error) {
	for i, l := range labs {
		r, err := a.verdict(ctx, l, a.testOptions())
		if err != nil {
			return 0, err
		}
		if r.Outcome != labrun.Passed {
			return i, nil
		}
	}
	return len(labs), nil
}

// readQuit returns a channel that is closed when a line starting with q
// arrives on standard input, or when it ends.
func (a *app) readQuit(ctx context.Context) <-chan struct{} {
	quit := make(chan struct{})
	go func(in io.Reader) {
		defer close(quit)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			if strings.HasPrefix(strings.TrimSpace(strings.ToLower(sc.Text())), "q") {
				return
			}
		}
		// Standard input ended (not a terminal): keep watching until
		// interrupted.
		<-ctx.Done()
	}(a.stdin)
	return quit
}

// changeSource signals that something in the watched folder changed.
type changeSource interface {
	Watch(dir string) error // replaces the folder watched before
	Changes() <-chan struct{}
	Close() error
}

// notifier is a changeSource on fsnotify.
type notifier struct {
	w       *fsnotify.Watcher
	changes chan struct{}
	mu      sync.Mutex
	dir     string
	done    chan struct{}
}

func newNotifier(ctx context.Context) (*notifier, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	n := &notifier{w: w, changes: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(n.done)
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if strings.HasSuffix(ev.Name, ".go") && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove) != 0 {
					signal(n.changes)
				}
			case _, ok := <-w.Errors:
				if !ok {
					return
				}
			}
		}
	}()
	return n, nil
}

func (n *notifier) Watch(dir string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dir == dir {
		return nil
	}
	if n.dir != "" {
		_ = n.w.Remove(n.dir)
	}
	n.dir = dir
	return n.w.Add(dir)
}

func (n *notifier) Changes() <-chan struct{} { return n.changes }

func (n *notifier) Close() error {
	err := n.w.Close()
	<-n.done
	return err
}

// poller is a changeSource that compares modification times, for file
// systems whose events never arrive (WSL's /mnt, NFS).
//
// Watch takes the folder's first fingerprint itself, before it returns, so
// a save that lands right after Watch differs from it and is seen on the
// next tick.
type poller struct {
	changes chan struct{}
	mu      sync.Mutex
	dir     string
	base    string // fingerprint of dir when it was last seen
	stop    context.CancelFunc
	done    chan struct{}
}

func newPoller(ctx context.Context, every time.Duration) *poller {
	ctx, stop := context.WithCancel(ctx)
	p := &poller{changes: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			p.look()
		}
	}()
	return p
}

// look signals a change if the folder's fingerprint moved since the last
// look or the last Watch.
func (p *poller) look() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dir == "" {
		return
	}
	if sig := fingerprint(p.dir); sig != p.base {
		p.base = sig
		signal(p.changes)
	}
}

func (p *poller) Watch(dir string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dir, p.base = dir, fingerprint(dir)
	return nil
}

func (p *poller) Changes() <-chan struct{} { return p.changes }

func (p *poller) Close() error {
	p.stop()
	<-p.done
	return nil
}

// fingerprint sums up the names, sizes and times of a folder's .go files.
func fingerprint(dir string) string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", f, info.Size(), info.ModTime().UnixNano())
		}
	}
	return b.String()
}

// signal sends on a channel of capacity one without blocking: a pending
// signal already says "something changed".
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
