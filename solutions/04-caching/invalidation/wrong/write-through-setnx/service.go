// Package invalidation serves products from Redis in front of the SQLite
// catalogue (cache-aside) and lets prices change. Read README.md.
//
// Fills are guarded by a lease: a reader that misses takes a lease token
// before it reads the database, and may store what it read only if its
// lease is still there. A price change writes the database and then
// deletes both the cached copy and any lease, so a reader that read the
// old row can no longer put it back.
package invalidation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/redis/go-redis/v9"
)

// DefaultTTL is how long a cached product lives in Redis. It is the
// longest a stale copy can be served.
const DefaultTTL = 10 * time.Minute

// LeaseTTL bounds how long a reader that died mid-fill can block fills of
// its key; meanwhile readers are served from the database.
const LeaseTTL = 5 * time.Second

// Service serves and updates products. It is safe for concurrent use, and
// several Services sharing a Redis and a prefix are several instances of
// one application.
type Service struct {
	rdb    *redis.Client
	prefix string
	db     *catalog.DB

	// TTL is the lifetime of a cached product; NewService sets DefaultTTL.
	TTL time.Duration
}

// NewService returns a Service that keeps its keys under prefix in rdb and
// reads and writes products in db.
func NewService(rdb *redis.Client, prefix string, db *catalog.DB) *Service {
	return &Service{rdb: rdb, prefix: prefix, db: db, TTL: DefaultTTL}
}

// Key is the Redis key that holds product id: prefix + "product:<id>".
func (s *Service) Key(id int64) string {
	return s.prefix + "product:" + strconv.FormatInt(id, 10)
}

// leaseKey is the key of the fill lease for product id.
func (s *Service) leaseKey(id int64) string {
	return s.prefix + "lease:" + strconv.FormatInt(id, 10)
}

// fill stores the value only if the caller's lease is still in place, and
// releases the lease, atomically.
//
//	KEYS[1] value key, KEYS[2] lease key
//	ARGV[1] lease token, ARGV[2] value, ARGV[3] TTL in milliseconds
var fill = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
	redis.call('DEL', KEYS[2])
	return 1
end
return 0
`)

// Product returns product id: from Redis on a hit, otherwise from the
// database, and then, if no write got in the way, it stores the product in
// Redis for TTL.
func (s *Service) Product(ctx context.Context, id int64) (catalog.Product, error) {
	key := s.Key(id)
	data, err := s.rdb.Get(ctx, key).Bytes()
	if err == nil {
		var p catalog.Product
		if err := json.Unmarshal(data, &p); err == nil {
			return p, nil
		}
	} else if !errors.Is(err, redis.Nil) {
		return s.db.Product(ctx, id) // Redis trouble: serve from the database
	}

	// Fill only if no writer has stored a fresher copy meanwhile.
	p, err := s.db.Product(ctx, id)
	if err != nil {
		return p, err
	}
	if data, err := json.Marshal(p); err == nil {
		s.rdb.SetNX(ctx, key, data, s.TTL)
	}
	return p, nil
}

// SetPrice changes the price of product id in the database, then
// invalidates its cached copy and revokes any fill in flight, so the next
// read fetches the new price.
func (s *Service) SetPrice(ctx context.Context, id, cents int64) error {
	if err := s.db.SetPrice(ctx, id, cents); err != nil {
		return err
	}
	p, err := s.db.Product(ctx, id)
	if err != nil {
		return err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, s.Key(id), data, s.TTL).Err(); err != nil {
		return fmt.Errorf("price of %d saved, but its cached copy was not invalidated (it expires within %v): %w", id, s.TTL, err)
	}
	return nil
}

func newToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
