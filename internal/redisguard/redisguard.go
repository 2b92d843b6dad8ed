// Package redisguard keeps the course away from other people's Redis data:
// it finds keys the course did not create, and holds the one recipe for
// starting (and stopping) a throwaway redis-server that every README and
// message quotes.
package redisguard

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The environment variables that point the course at a real Redis.
const (
	URLEnv         = "PERFLAB_REDIS_URL"          // redis://host:port/db
	AllowSharedEnv = "PERFLAB_REDIS_ALLOW_SHARED" // 1: run even where foreign keys exist
)

// KeyPrefix starts every key the course creates.
const KeyPrefix = "perflab:"

// The recipe for a throwaway server on a loopback port, with nothing
// saved to disk, and the command that stops it.
const (
	StartCommand = `redis-server --port 6390 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile /tmp/perflab-redis.pid`
	StopCommand  = `kill "$(cat /tmp/perflab-redis.pid)"`
)

// ForeignKey returns a key of the database that does not start with
// KeyPrefix, or "" when the course made every key there.
func ForeignKey(ctx context.Context, c *redis.Client) (string, error) {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
		if err != nil {
			return "", err
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, KeyPrefix) {
				return k, nil
			}
		}
		if next == 0 {
			return "", nil
		}
		cursor = next
	}
}
