// Package stampede caches product reads in Redis in front of the catalogue
// database, the cache-aside way: look in Redis, and on a miss read the
// database and store what it returned for the next caller.
//
// It returns the right products. What goes wrong is what happens at the
// moment a popular key expires, when hundreds of requests for it arrive
// together. Read README.md.
package stampede

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// DefaultTTL is how long a cached product lives in Redis.
const DefaultTTL = 60 * time.Second

const (
	// lockTTL bounds how long a crashed or stuck loader can keep the other
	// instances waiting: the lock key expires on its own after it.
	lockTTL = 5 * time.Second
	// pollEvery is how often an instance that lost the lock looks for the
	// value the winner is loading.
	pollEvery = 10 * time.Millisecond
)

// unlock deletes the lock only if it still holds our token, so a loader
// whose lock expired cannot delete the lock of the next one.
var unlock = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Service serves products from Redis, falling back to the database.
// It is safe for concurrent use. Two Services that share a Redis server
// and a prefix are two instances of the same application.
type Service struct {
	rdb    *redis.Client
	prefix string
	db     *catalog.DB

	// TTL is the lifetime of a cached product; NewService sets DefaultTTL.
	// Each key gets TTL ± 10%, chosen at random, so keys written together
	// do not expire together.
	TTL time.Duration

	// flights lets one goroutine per key load a miss while the other
	// callers in this process wait for its result.
	flights singleflight.Group
}

// NewService returns a Service that keeps its keys under prefix in rdb and
// reads misses from db.
func NewService(rdb *redis.Client, prefix string, db *catalog.DB) *Service {
	return &Service{rdb: rdb, prefix: prefix, db: db, TTL: DefaultTTL}
}

// Key is the Redis key that holds product id: prefix + "product:<id>".
func (s *Service) Key(id int64) string {
	return s.prefix + "product:" + strconv.FormatInt(id, 10)
}

// Product returns product id, from Redis if it is there, otherwise from the
// database (and then stores it in Redis for about TTL). It returns
// catalog.ErrNotFound if there is no such product.
//
// On a miss, one goroutine per process loads the product (singleflight),
// and across processes only the holder of a short Redis lock reads the
// database; the others poll Redis for the value it writes.
func (s *Service) Product(ctx context.Context, id int64) (catalog.Product, error) {
	key := s.Key(id)
	p, hit, err := s.cached(ctx, key)
	switch {
	case hit:
		return p, nil
	case err != nil:
		// Redis is in trouble: serve from the database rather than fail.
		return s.db.Product(ctx, id)
	}
	v, err, _ := s.flights.Do("product", func() (any, error) {
		return s.load(ctx, id, key)
	})
	if err != nil {
		return catalog.Product{}, err
	}
	return v.(catalog.Product), nil
}

// cached looks key up: a hit, a miss (false, nil) or a Redis error.
func (s *Service) cached(ctx context.Context, key string) (catalog.Product, bool, error) {
	b, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return catalog.Product{}, false, nil
	}
	if err != nil {
		return catalog.Product{}, false, err
	}
	var p catalog.Product
	if err := json.Unmarshal(b, &p); err != nil {
		return catalog.Product{}, false, nil // undecodable: a miss
	}
	return p, true, nil
}

// load runs once per key per process at a time. It takes the key's lock
// in Redis and reads the database, or, if another instance holds the lock,
// waits for the value that instance writes.
func (s *Service) load(ctx context.Context, id int64, key string) (catalog.Product, error) {
	lockKey := key + ":lock"
	token := strconv.FormatUint(rand.Uint64(), 36)
	for {
		got, err := s.rdb.SetNX(ctx, lockKey, token, lockTTL).Result()
		if err != nil {
			return s.fill(ctx, id, key) // no lock service: load anyway
		}
		if got {
			defer unlock.Run(context.WithoutCancel(ctx), s.rdb, []string{lockKey}, token)
			// The previous holder may have filled the key after our miss.
			if p, hit, _ := s.cached(ctx, key); hit {
				return p, nil
			}
			return s.fill(ctx, id, key)
		}
		t := time.NewTimer(pollEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return catalog.Product{}, ctx.Err()
		case <-t.C:
		}
		if p, hit, _ := s.cached(ctx, key); hit {
			return p, nil
		}
		// Still missing: try the lock again; if its holder gave up or
		// crashed, the lock is gone (or expires) and we load it ourselves.
	}
}

// fill reads product id from the database and stores it under key with a
// jittered TTL.
func (s *Service) fill(ctx context.Context, id int64, key string) (catalog.Product, error) {
	p, err := s.db.Product(ctx, id)
	if err != nil {
		return catalog.Product{}, err
	}
	if b, err := json.Marshal(p); err == nil {
		s.rdb.Set(ctx, key, b, s.jittered())
	}
	return p, nil
}

// jittered returns TTL ± 10%, uniformly at random.
func (s *Service) jittered() time.Duration {
	spread := s.TTL / 5
	if spread <= 0 {
		return s.TTL
	}
	return s.TTL - spread/2 + rand.N(spread)
}
