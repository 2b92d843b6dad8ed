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
	"strconv"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/redis/go-redis/v9"
)

// DefaultTTL is how long a cached product lives in Redis.
const DefaultTTL = 60 * time.Second

// Service serves products from Redis, falling back to the database.
// It is safe for concurrent use. Two Services that share a Redis server
// and a prefix are two instances of the same application.
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

// Key is the Redis key that holds product id: prefix + "product:<id>".
func (s *Service) Key(id int64) string {
	return s.prefix + "product:" + strconv.FormatInt(id, 10)
}

// Product returns product id, from Redis if it is there, otherwise from the
// database (and then stores it in Redis for TTL). It returns
// catalog.ErrNotFound if there is no such product.
func (s *Service) Product(ctx context.Context, id int64) (catalog.Product, error) {
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

	// Miss: every caller that gets here reads the database.
	p, err := s.db.Product(ctx, id)
	if err != nil {
		return catalog.Product{}, err
	}
	if b, err := json.Marshal(p); err == nil {
		// Every key written now expires exactly TTL from now.
		s.rdb.Set(ctx, key, b, s.TTL)
	}
	return p, nil
}
