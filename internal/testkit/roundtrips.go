package testkit

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// RoundTrips counts the network round trips a go-redis client makes: one
// per command, one per pipeline or transaction however many commands it
// carries. It works the same on miniredis and a real server. The commands
// go-redis sends by itself when it opens a connection (HELLO, CLIENT
// SETINFO, AUTH, SELECT) are not counted.
//
// A transaction (TxPipelined, MULTI … EXEC) counts as one round trip.
type RoundTrips struct {
	n atomic.Int64
}

// CountRoundTrips installs a hook on c that counts its round trips from now
// on, and returns the counter. Hooks cannot be removed; call it once per
// client.
func CountRoundTrips(c *redis.Client) *RoundTrips {
	rt := &RoundTrips{}
	c.AddHook(rt)
	return rt
}

// Count returns the round trips counted since CountRoundTrips or Reset.
func (r *RoundTrips) Count() int64 { return r.n.Load() }

// Reset sets the count to zero.
func (r *RoundTrips) Reset() { r.n.Store(0) }

// DialHook implements redis.Hook; dialing is not counted.
func (r *RoundTrips) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook implements redis.Hook: one command, one round trip.
func (r *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !setupCommand(cmd) {
			r.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook: one pipeline or transaction,
// one round trip.
func (r *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && !connectionSetup(cmds) {
			r.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// connectionSetup reports whether cmds is the pipeline go-redis sends when
// it opens a connection.
func connectionSetup(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if !setupCommand(c) {
			return false
		}
	}
	return true
}

// setupCommand reports whether c is one that go-redis sends by itself when
// it opens a connection. A CLIENT or SELECT the program sends itself is not
// counted either.
func setupCommand(c redis.Cmder) bool {
	switch c.Name() {
	case "hello", "auth", "select", "client", "readonly":
		return true
	}
	return false
}

// RoundTripsAtMost fails t if rt counted more than budget round trips, and
// returns the count.
func RoundTripsAtMost(t testing.TB, rt *RoundTrips, budget int64, where string) int64 {
	t.Helper()
	got := rt.Count()
	Report(t, Figure{Name: "Redis round trips", Value: float64(got), Op: "<=", Budget: float64(budget), Unit: "round trips"})
	if got > budget {
		t.Errorf("Redis round trips = %d, budget ≤ %d; look at %s (batch commands with a pipeline or MGET; against a real server, redis-cli MONITOR shows each command as it arrives)", got, budget, where)
	}
	return got
}
