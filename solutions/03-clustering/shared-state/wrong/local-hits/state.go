package sharedstate

import (
	"context"
	"sync"
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

	mu   sync.Mutex
	hits int64
}

// NewState returns the state of one worker process. rdb is a client of
// the Redis server every worker of the service shares; every key kept
// there must start with prefix.
func NewState(rdb *redis.Client, prefix string, limit int, win time.Duration) *State {
	return &State{rdb: rdb, prefix: prefix, limit: limit, window: win}
}

// Allow counts one request by client in Redis and one hit locally.
func (s *State) Allow(ctx context.Context, client string) (bool, error) {
	s.mu.Lock()
	s.hits++
	s.mu.Unlock()
	key := s.prefix + "rate:" + client
	var count *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		count = p.Incr(ctx, key)
		p.ExpireNX(ctx, key, s.window)
		return nil
	})
	if err != nil {
		return false, err
	}
	return count.Val() <= int64(s.limit), nil
}

// Hits returns how many requests this worker has counted.
func (s *State) Hits(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits, nil
}
