// Package cacheaside serves product details from a SQLite catalogue, with
// Redis in front of it as a cache-aside cache. This version stores each
// product as a Redis hash, one field per column.
package cacheaside

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/redis/go-redis/v9"
)

// DefaultTTL is how long a cached product may be served.
const DefaultTTL = 5 * time.Minute

// Service serves products. It is safe for concurrent use.
type Service struct {
	rdb    *redis.Client
	prefix string
	db     *catalog.DB
	log    *slog.Logger
	TTL    time.Duration
}

// NewService returns a Service that keeps its Redis keys under prefix in
// rdb, reads products from db and reports trouble to log.
func NewService(rdb *redis.Client, prefix string, db *catalog.DB, log *slog.Logger) *Service {
	return &Service{rdb: rdb, prefix: prefix, db: db, log: log, TTL: DefaultTTL}
}

// Key is the Redis key that holds product id: prefix + "product:<id>".
func (s *Service) Key(id int64) string {
	return s.prefix + "product:" + strconv.FormatInt(id, 10)
}

// cachedProduct is the hash layout of a product.
type cachedProduct struct {
	ID         int64   `redis:"id"`
	Name       string  `redis:"name"`
	Category   string  `redis:"category"`
	PriceCents int64   `redis:"price_cents"`
	Rating     float64 `redis:"rating"`
	Reviews    int     `redis:"reviews"`
}

// Product returns product id, or catalog.ErrNotFound if there is none.
func (s *Service) Product(ctx context.Context, id int64) (catalog.Product, error) {
	key := s.Key(id)
	res := s.rdb.HGetAll(ctx, key)
	if err := res.Err(); err != nil {
		s.log.Warn("cache: HGETALL failed, reading the database", "key", key, "err", err)
		return s.db.Product(ctx, id)
	}
	if len(res.Val()) > 0 {
		var c cachedProduct
		if err := res.Scan(&c); err == nil {
			return catalog.Product(c), nil
		}
		s.log.Warn("cache: undecodable hash, reading the database", "key", key)
	}
	p, err := s.db.Product(ctx, id)
	if err != nil {
		return catalog.Product{}, err
	}
	_, err = s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSet(ctx, key, cachedProduct(p))
		pipe.Expire(ctx, key, s.TTL)
		return nil
	})
	if err != nil {
		s.log.Warn("cache: HSET failed", "key", key, "err", err)
	}
	return p, nil
}
