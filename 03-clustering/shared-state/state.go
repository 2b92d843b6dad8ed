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

	mu      sync.Mutex
	clients map[string]*window
	hits    int64
}

// window is one client's count since start.
type window struct {
	start time.Time
	count int
}

// NewState returns the state of one worker process. rdb is a client of
// the Redis server every worker of the service shares; every key kept
// there must start with prefix.
func NewState(rdb *redis.Client, prefix string, limit int, win time.Duration) *State {
	return &State{rdb: rdb, prefix: prefix, limit: limit, window: win, clients: map[string]*window{}}
}

// Allow counts one request by client and reports whether it is within the
// limit: at most limit requests per window, the window starting at the
// client's first request.
func (s *State) Allow(ctx context.Context, client string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits++
	now := time.Now()
	w := s.clients[client]
	if w == nil || now.Sub(w.start) >= s.window {
		w = &window{start: now}
		s.clients[client] = w
	}
	w.count++
	return w.count <= s.limit, nil
}

// Hits returns how many requests have been counted so far.
func (s *State) Hits(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits, nil
}
