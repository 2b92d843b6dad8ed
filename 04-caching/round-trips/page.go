// Package roundtrips serves pages of products (a category listing, a
// search result) from Redis, falling back to the catalogue database for
// products that are not cached yet.
//
// Every page it returns is right. What goes wrong is how many times it
// talks to Redis to build one. Read README.md.
package roundtrips

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

// Service serves pages of products from Redis, falling back to the
// database. It is safe for concurrent use.
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

// Page returns the products with the given ids, in the same order. IDs
// with no product in the catalogue are left out. Products missing from
// Redis are read from the database and stored in Redis for TTL.
func (s *Service) Page(ctx context.Context, ids []int64) ([]catalog.Product, error) {
	out := make([]catalog.Product, 0, len(ids))
	for _, id := range ids {
		p, err := s.product(ctx, id)
		if errors.Is(err, catalog.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// product returns one product, from Redis or else from the database.
func (s *Service) product(ctx context.Context, id int64) (catalog.Product, error) {
	key := s.Key(id)
	b, err := s.rdb.Get(ctx, key).Bytes()
	if err == nil {
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
	if err != nil {
		return catalog.Product{}, err
	}
	if b, err := json.Marshal(p); err == nil {
		s.rdb.Set(ctx, key, b, s.TTL)
	}
	return p, nil
}
