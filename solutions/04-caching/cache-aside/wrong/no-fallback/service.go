// Package cacheaside serves product details from a SQLite catalogue, with
// Redis in front of it as a cache-aside cache. Read README.md.
package cacheaside

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/redis/go-redis/v9"
)

// DefaultTTL is how long a cached product may be served before it is read
// from the database again. It bounds how stale a copy can get even if an
// invalidation is lost.
const DefaultTTL = 5 * time.Minute

// Service serves products. It is safe for concurrent use.
type Service struct {
	rdb    *redis.Client
	prefix string
	db     *catalog.DB
	log    *slog.Logger

	// TTL is the lifetime of a cached product; NewService sets DefaultTTL.
	TTL time.Duration
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

// Product returns product id, or catalog.ErrNotFound if there is none. It
// looks in Redis first; on a miss it reads the database and stores the
// product as JSON for TTL. Redis is an optimisation: if it fails, the
// failure is logged and the database answers.
func (s *Service) Product(ctx context.Context, id int64) (catalog.Product, error) {
	key := s.Key(id)
	data, err := s.rdb.Get(ctx, key).Bytes()
	switch {
	case err == nil:
		var p catalog.Product
		if err := json.Unmarshal(data, &p); err == nil {
			return p, nil
		}
		s.log.Warn("cache: undecodable value, reading the database", "key", key)
	case errors.Is(err, redis.Nil):
		// A miss: fill it below.
	default:
		s.log.Warn("cache: redis GET failed", "key", key, "err", err)
		return catalog.Product{}, fmt.Errorf("cache: %w", err)
	}

	p, err := s.db.Product(ctx, id)
	if err != nil {
		return catalog.Product{}, err
	}
	if data, err := json.Marshal(p); err == nil {
		if err := s.rdb.Set(ctx, key, data, s.TTL).Err(); err != nil {
			s.log.Warn("cache: redis SET failed", "key", key, "err", err)
		}
	}
	return p, nil
}
