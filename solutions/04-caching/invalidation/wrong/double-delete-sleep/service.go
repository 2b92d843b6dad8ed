// Package invalidation serves products from Redis in front of the SQLite
// catalogue (cache-aside) and lets prices change. Read README.md.
//
// A price change writes the database and then deletes the cached copy,
// the textbook way. Almost always the next read then fills the cache with
// the new price. Almost: a reader that missed just before the write can
// put the old price back after the delete, and it stays until the TTL.
package invalidation

import (
	"context"
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

// Product returns product id: from Redis on a hit, otherwise from the
// database, and then it stores the product in Redis for TTL.
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

	p, err := s.db.Product(ctx, id)
	if err != nil {
		return catalog.Product{}, err
	}
	// Fill the cache with what we read. By now the row may have changed.
	if data, err := json.Marshal(p); err == nil {
		s.rdb.Set(ctx, key, data, s.TTL)
	}
	return p, nil
}

// SetPrice changes the price of product id in the database, then
// invalidates its cached copy so the next read fetches the new price.
func (s *Service) SetPrice(ctx context.Context, id, cents int64) error {
	if err := s.db.SetPrice(ctx, id, cents); err != nil {
		return err
	}
	if err := s.rdb.Del(ctx, s.Key(id)).Err(); err != nil {
		return fmt.Errorf("price of %d saved, but its cached copy was not invalidated (it expires within %v): %w", id, s.TTL, err)
	}
	// Delayed double delete: catch a reader that stored an old row
	// just after the first delete.
	time.Sleep(50 * time.Millisecond)
	return s.rdb.Del(ctx, s.Key(id)).Err()
}
