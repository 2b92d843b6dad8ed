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

// Allow counts one request by client with a read, an add and a write.
func (s *State) Allow(ctx context.Context, client string) (bool, error) {
	key := s.prefix + "rate:" + client
	if err := s.rdb.Incr(ctx, s.prefix+"hits").Err(); err != nil {
		return false, err
	}
	n, err := s.rdb.Get(ctx, key).Int64()
	switch {
	case errors.Is(err, redis.Nil):
		err = s.rdb.Set(ctx, key, 1, s.window).Err()
		return true, err
	case err != nil:
		return false, err
	}
	n++
	if err := s.rdb.Set(ctx, key, n, redis.KeepTTL).Err(); err != nil {
		return false, err
	}
	return n <= int64(s.limit), nil
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
