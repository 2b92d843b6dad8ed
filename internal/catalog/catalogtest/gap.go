package catalogtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Gap is a go-redis hook on one instance's client that pauses the
// instance in one chosen gap of its conversation with Redis: gap 0 is just
// before the first command (or pipeline) it sends once armed, gap k just
// after the k-th one has returned. A test lets another instance run in
// that gap, and tries every gap in turn, so whatever a fix sends (GET, SET,
// EVALSHA, a MULTI…), no interleaving between its steps is missed. The
// commands go-redis sends by itself to open a connection do not count.
type Gap struct {
	k       int
	armed   atomic.Bool
	sent    atomic.Int32
	paused  atomic.Bool
	once    sync.Once
	arrived chan string
	release chan struct{}
}

// PauseInGap installs a Gap for gap k on c. It counts nothing until Arm.
func PauseInGap(c *redis.Client, k int) *Gap {
	g := &Gap{k: k, arrived: make(chan string, 1), release: make(chan struct{})}
	c.AddHook(g)
	return g
}

// Arm starts counting commands from now on; later calls do nothing, so it
// can be called from a catalog hook that runs more than once.
func (g *Gap) Arm() { g.once.Do(func() { g.armed.Store(true) }) }

// Arrived delivers, once, where the instance paused, such as "after its
// Redis command 1 (del)".
func (g *Gap) Arrived() <-chan string { return g.arrived }

// Release lets the paused instance go on. Call it once.
func (g *Gap) Release() { close(g.release) }

// DialHook implements redis.Hook.
func (g *Gap) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (g *Gap) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		return g.around(cmd.Name(), func() error { return next(ctx, cmd) })
	}
}

// ProcessPipelineHook implements redis.Hook; a pipeline is one step.
func (g *Gap) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		names := make([]string, len(cmds))
		for i, c := range cmds {
			names[i] = c.Name()
		}
		return g.around(strings.Join(names, "+"), func() error { return next(ctx, cmds) })
	}
}

func (g *Gap) around(name string, send func() error) error {
	if connSetup(name) || !g.armed.Load() {
		return send()
	}
	if g.k == 0 && g.sent.Load() == 0 {
		g.pause("before its first Redis command (" + name + ")")
	}
	err := send()
	if n := g.sent.Add(1); int(n) == g.k {
		g.pause(fmt.Sprintf("after its Redis command %d (%s)", n, name))
	}
	return err
}

func (g *Gap) pause(where string) {
	if !g.paused.CompareAndSwap(false, true) {
		return
	}
	g.arrived <- where
	select {
	case <-g.release:
	case <-time.After(10 * time.Second): // never leave a goroutine behind
	}
}

// connSetup reports whether every command of name ("get", or "a+b" for a
// pipeline) is one go-redis sends by itself when it opens a connection.
func connSetup(name string) bool {
	for _, c := range strings.Split(name, "+") {
		switch c {
		case "hello", "auth", "select", "client", "readonly":
		default:
			return false
		}
	}
	return true
}
