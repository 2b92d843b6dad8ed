package sharedstate

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// State is what the service knows about its traffic: how many requests
// each client made in its current window, and how many requests it has
// counted in all.
type State struct {
	rdb    *redis.Client // the service's Redis; every key must start with prefix
	prefix string
	limit  int
	window time.Duration
}

// NewState returns the state of one worker process. rdb is a client of
// the Redis server every worker of the service shares; every key kept
// there must start with prefix.
func NewState(rdb *redis.Client, prefix string, limit int, win time.Duration) *State {
	return &State{rdb: rdb, prefix: prefix, limit: limit, window: win}
}

// allowScript counts a hit and a request by the client, starting the
// client's window on its first request. KEYS[1] is the hit counter,
// KEYS[2] the client's counter, ARGV[1] the window in milliseconds.
var allowScript = redis.NewScript(`
redis.call("INCR", KEYS[1])
local n = redis.call("INCR", KEYS[2])
if n == 1 then
	redis.call("PEXPIRE", KEYS[2], ARGV[1])
end
return n
`)

// Allow counts one request by client and reports whether it is within the
// limit.
func (s *State) Allow(ctx context.Context, client string) (bool, error) {
	n, err := allowScript.Run(ctx, s.rdb, []string{s.prefix + "hits", s.prefix + "rate:" + client}, s.window.Milliseconds()).Int64()
	if err != nil {
		return false, err
	}
	return n <= int64(s.limit), nil
}

// Hits returns how many requests have been counted so far, by every
// worker.
func (s *State) Hits(ctx context.Context) (int64, error) {
	n, err := s.rdb.Get(ctx, s.prefix+"hits").Int64()
	if err == redis.Nil {
		return 0, nil
	}
	return n, err
}
