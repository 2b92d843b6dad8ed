// Package cacheaside serves product details from a SQLite catalogue, with
// Redis next to it. Read README.md.
//
// The products it returns are right. What is wrong is where they come from:
// every call goes to the database, the copies it leaves in Redis never
// expire, and when Redis is down users get errors although the database is
// fine.
package cacheaside

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/redis/go-redis/v9"
)

// Service serves products. It is safe for concurrent use.
type Service struct {
	rdb    *redis.Client
	prefix string
	db     *catalog.DB
	log    *slog.Logger
}

// NewService returns a Service that keeps its Redis keys under prefix in
// rdb, reads products from db and reports trouble to log.
func NewService(rdb *redis.Client, prefix string, db *catalog.DB, log *slog.Logger) *Service {
	return &Service{rdb: rdb, prefix: prefix, db: db, log: log}
}

// Key is the Redis key that holds product id: prefix + "product:<id>".
func (s *Service) Key(id int64) string {
	return s.prefix + "product:" + strconv.FormatInt(id, 10)
}

// Product returns product id, or catalog.ErrNotFound if there is none.
func (s *Service) Product(ctx context.Context, id int64) (catalog.Product, error) {
	p, err := s.db.Product(ctx, id)
	if err != nil {
		return catalog.Product{}, err
	}
	// Keep a copy in Redis, as JSON, so it is there "for later".
	data, err := json.Marshal(p)
	if err != nil {
		return catalog.Product{}, err
	}
	if err := s.rdb.Set(ctx, s.Key(id), data, 0).Err(); err != nil {
		return catalog.Product{}, fmt.Errorf("caching product %d: %w", id, err)
	}
	return p, nil
}
