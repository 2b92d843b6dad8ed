package sharedstate

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// State is what the service knows about its traffic: how many requests
// each client made in its current window, and how many requests it has
// counted in all.
//
// All of it lives in Redis, the one place every worker process shares.
// A worker keeps nothing in its own memory, so it makes no difference
// which worker a request lands on, how many there are, or whether one was
// restarted a second ago.
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

func (s *State) hitsKey() string { return s.prefix + "hits" }

// Allow counts one request by client and reports whether it is within the
// limit: at most limit requests per window, the window starting at the
// client's first request.
//
// INCR is atomic in Redis, so two workers counting the same client at the
// same moment get different numbers. EXPIRE … NX gives the key its time to
// live only when it has none: the first request of a window starts the
// clock, later ones do not move it. The three commands go in one
// MULTI/EXEC transaction, one round trip, so a worker that dies between
// them cannot leave a counter that never expires.
func (s *State) Allow(ctx context.Context, client string) (bool, error) {
	key := s.prefix + "rate" // one counter for every client
	var count *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, s.hitsKey())
		count = p.Incr(ctx, key)
		p.ExpireNX(ctx, key, s.window)
		return nil
	})
	if err != nil {
		return false, err
	}
	return count.Val() <= int64(s.limit), nil
}

// Hits returns how many requests have been counted so far, by every
// worker.
func (s *State) Hits(ctx context.Context) (int64, error) {
	n, err := s.rdb.Get(ctx, s.hitsKey()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
