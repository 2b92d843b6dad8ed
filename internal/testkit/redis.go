package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/goperflabs/labs/internal/redisguard"
)

// RedisURLEnv names the environment variable that points the tests at a
// real Redis server instead of the embedded miniredis, as
// redis://host:port/db.
const RedisURLEnv = redisguard.URLEnv

// RedisAllowSharedEnv names the environment variable that, set to 1, lets
// Redis run tests against a database that holds keys not made by the course
// (keys not starting with "perflab:").
const RedisAllowSharedEnv = redisguard.AllowSharedEnv

// RedisServer is the Redis a test talks to: an embedded miniredis, or a
// real server when PERFLAB_REDIS_URL is set.
type RedisServer struct {
	Client *redis.Client        // a go-redis/v9 client for the test, closed at cleanup
	Prefix string               // every key the test uses must start with it: "perflab:test:<random>:"
	Mini   *miniredis.Miniredis // the embedded server; nil against a real server
	URL    string               // redis://host:port/db of the server
	opts   *redis.Options
	t      testing.TB
}

// Redis returns a Redis for the test. By default it is an embedded
// miniredis (github.com/alicebob/miniredis/v2), closed at cleanup. If
// PERFLAB_REDIS_URL is set (redis://host:port/db), it is that real server
// instead, and then:
//   - every key the test uses must start with r.Prefix, which is unique to
//     this call ("perflab:test:<random>:");
//   - it refuses, with t.Fatal, a database that holds keys not starting
//     with "perflab:", unless PERFLAB_REDIS_ALLOW_SHARED=1, so a course run
//     never touches someone's data;
//   - at cleanup it deletes only the keys that start with r.Prefix (SCAN and
//     UNLINK), never FLUSHALL or FLUSHDB.
//
// A server that cannot be reached is one t.Fatal line naming the URL.
func Redis(t testing.TB) *RedisServer {
	t.Helper()
	r := &RedisServer{Prefix: "perflab:test:" + randomHex(6) + ":", t: t}
	url := os.Getenv(RedisURLEnv)
	if url == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			t.Fatalf("testkit: cannot start the embedded miniredis: %v", err)
		}
		t.Cleanup(m.Close)
		r.Mini = m
		r.URL = "redis://" + m.Addr() + "/0"
		r.opts = &redis.Options{Addr: m.Addr()}
		r.Client = r.NewClient()
		return r
	}

	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("testkit: %s=%q is not a Redis URL (%v); use redis://127.0.0.1:6379/0, or unset it to use the embedded miniredis", RedisURLEnv, url, err)
	}
	r.URL, r.opts = url, opts
	r.Client = r.NewClient()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := r.Client.Ping(ctx).Err(); err != nil {
		t.Fatalf("testkit: cannot reach Redis at %s=%s (%v); start a throwaway server with %s (stop it with %s), or unset %s to use the embedded miniredis", RedisURLEnv, url, err, redisguard.StartCommand, redisguard.StopCommand, RedisURLEnv)
	}
	if os.Getenv(RedisAllowSharedEnv) != "1" {
		if key, err := redisguard.ForeignKey(ctx, r.Client); err != nil {
			t.Fatalf("testkit: cannot scan Redis at %s: %v", url, err)
		} else if key != "" {
			t.Fatalf("testkit: Redis at %s holds keys the course did not make (e.g. %q); refusing to use a shared database — point %s at an empty database (e.g. redis://127.0.0.1:6379/15) or set %s=1", url, key, RedisURLEnv, RedisAllowSharedEnv)
		}
	}
	// Registered after NewClient's Close, so it runs before it.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := redis.NewClient(r.opts)
		defer c.Close()
		if n, err := DeletePrefix(ctx, c, r.Prefix); err != nil {
			t.Errorf("testkit: deleting the test's %d keys %s* from %s: %v", n, r.Prefix, url, err)
		}
	})
	return r
}

// DeletePrefix deletes the keys that start with prefix, with SCAN and
// UNLINK, and returns how many it deleted. It never flushes a database.
// prefix must not contain the glob characters * ? [ ] or \.
func DeletePrefix(ctx context.Context, c *redis.Client, prefix string) (int, error) {
	if prefix == "" || strings.ContainsAny(prefix, `*?[]\`) {
		return 0, fmt.Errorf("refusing to delete keys by prefix %q", prefix)
	}
	n := 0
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return n, err
		}
		if len(keys) > 0 {
			if err := c.Unlink(ctx, keys...).Err(); err != nil {
				return n, err
			}
			n += len(keys)
		}
		if next == 0 {
			return n, nil
		}
		cursor = next
	}
}

// Key returns Prefix followed by parts joined with ":".
func (r *RedisServer) Key(parts ...string) string {
	return r.Prefix + strings.Join(parts, ":")
}

// NewClient returns another client to the same server, like a second
// instance of a service; it is closed at cleanup.
func (r *RedisServer) NewClient() *redis.Client {
	o := *r.opts
	c := redis.NewClient(&o)
	r.t.Cleanup(func() { c.Close() })
	return c
}

// Keys returns the keys that start with Prefix (with SCAN), in no order.
func (r *RedisServer) Keys() []string {
	r.t.Helper()
	var out []string
	var cursor uint64
	for {
		keys, next, err := r.Client.Scan(context.Background(), cursor, r.Prefix+"*", 1000).Result()
		if err != nil {
			r.t.Fatalf("testkit: SCAN %s* on %s: %v", r.Prefix, r.URL, err)
		}
		out = append(out, keys...)
		if next == 0 {
			return out
		}
		cursor = next
	}
}

// FastForward lets d pass for the keys' TTLs. On miniredis it moves the
// server's clock (instant); on a real server it sleeps d, so keep d small
// (1.5s or less) in tests.
func (r *RedisServer) FastForward(d time.Duration) {
	if r.Mini != nil {
		r.Mini.FastForward(d)
		return
	}
	time.Sleep(d)
}

// TTL returns the time key has left to live: positive if it expires, 0 if
// it exists without a TTL, negative if it does not exist. It works on both
// backends.
func (r *RedisServer) TTL(key string) time.Duration {
	r.t.Helper()
	ms, err := r.Client.Do(context.Background(), "PTTL", key).Int64()
	if err != nil {
		r.t.Fatalf("testkit: PTTL %s on %s: %v", key, r.URL, err)
	}
	switch {
	case ms == -1:
		return 0
	case ms < 0:
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// DownRedis returns a client whose server is down: it dials a loopback port
// that nothing listens on, with short timeouts and no retries, so every
// command fails fast with a connection error. Use it to test that a service
// survives Redis going away, on both backends. It is closed at cleanup.
func DownRedis(t testing.TB) *redis.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testkit: finding a free loopback port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	c := redis.NewClient(&redis.Options{
		Addr:          addr,
		DialTimeout:   200 * time.Millisecond,
		ReadTimeout:   200 * time.Millisecond,
		WriteTimeout:  200 * time.Millisecond,
		MaxRetries:    -1,
		DialerRetries: 1,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
