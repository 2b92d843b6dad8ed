// Package penetration caches product reads in Redis in front of the
// catalogue database, the cache-aside way.
//
// Products that exist are served from Redis after the first read. What
// goes wrong is asking for products that do not exist. Read README.md.
package penetration

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/redis/go-redis/v9"
)

// DefaultTTL is how long a cached product lives in Redis.
const DefaultTTL = 10 * time.Minute

// NegativeTTL is how long Redis remembers that a product does not exist.
// It is short: it bounds how long a product created behind the service's
// back stays invisible.
const NegativeTTL = 30 * time.Second

// missing is the value cached for a product that does not exist. It is not
// JSON, so it can never be mistaken for a product.
const missing = "!missing"

// Service serves products from Redis, falling back to the database.
// It is safe for concurrent use.
type Service struct {
	rdb    *redis.Client
	prefix string
	db     *catalog.DB

	// TTL is the lifetime of a cached product; NewService sets DefaultTTL.
	TTL time.Duration
}

// NewService returns a Service that keeps its keys under prefix in rdb and
// reads misses from db.
func NewService(rdb *redis.Client, prefix string, db *catalog.DB) *Service {
	return &Service{rdb: rdb, prefix: prefix, db: db, TTL: DefaultTTL}
}

// Key is the Redis key for product id: prefix + "product:<id>".
func (s *Service) Key(id int64) string {
	return s.prefix + "product:" + strconv.FormatInt(id, 10)
}

// Product returns product id, from Redis if it is there, otherwise from the
// database (and then stores it in Redis for TTL). It returns
// catalog.ErrNotFound if there is no such product, and remembers that in
// Redis for NegativeTTL.
func (s *Service) Product(ctx context.Context, id int64) (catalog.Product, error) {
	key := s.Key(id)
	b, err := s.rdb.Get(ctx, key).Bytes()
	if err == nil {
		if string(b) == missing {
			return catalog.Product{}, catalog.ErrNotFound
		}
		var p catalog.Product
		if err := json.Unmarshal(b, &p); err == nil {
			return p, nil
		}
		// A value we cannot decode is treated as a miss.
	} else if !errors.Is(err, redis.Nil) {
		// Redis is in trouble: serve from the database rather than fail.
		return s.db.Product(ctx, id)
	}

	p, err := s.db.Product(ctx, id)
	if errors.Is(err, catalog.ErrNotFound) {
		// Only a definite "no such row" is remembered; a failing
		// database must not make real products disappear.
		s.rdb.Set(ctx, key, missing, NegativeTTL)
		return catalog.Product{}, err
	}
	if err != nil {
		return catalog.Product{}, err
	}
	if b, err := json.Marshal(p); err == nil {
		s.rdb.Set(ctx, key, b, s.TTL)
	}
	return p, nil
}

// Invalidate drops whatever Redis holds for product id, so that the next
// Product call reads the database.
func (s *Service) Invalidate(ctx context.Context, id int64) error {
	return s.rdb.Del(ctx, s.Key(id)).Err()
}

// Insert adds p to the catalogue (p.ID 0 picks the next free id) and
// returns the product as Product will return it. It drops any "missing"
// entry for the new id, so the product is visible at once.
func (s *Service) Insert(ctx context.Context, p catalog.Product) (catalog.Product, error) {
	p, err := s.db.Insert(ctx, p)
	if err != nil {
		return catalog.Product{}, err
	}
	return p, nil
}
