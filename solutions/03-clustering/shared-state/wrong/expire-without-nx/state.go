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

// Allow counts one request by client, pushing the window's end back.
func (s *State) Allow(ctx context.Context, client string) (bool, error) {
	key := s.prefix + "rate:" + client
	var count *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, s.prefix+"hits")
		count = p.Incr(ctx, key)
		p.Expire(ctx, key, s.window)
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
	n, err := s.rdb.Get(ctx, s.prefix+"hits").Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
