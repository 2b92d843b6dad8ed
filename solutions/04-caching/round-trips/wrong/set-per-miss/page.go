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
//
// It talks to Redis at most twice: one MGET for the whole page, and, if
// anything was missing, one pipeline that writes the misses back.
func (s *Service) Page(ctx context.Context, ids []int64) ([]catalog.Product, error) {
	if len(ids) == 0 {
		return []catalog.Product{}, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.Key(id)
	}
	// vals[i] is the cached JSON for ids[i], or nil. If Redis is in
	// trouble every product counts as a miss and comes from the database.
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	redisOK := err == nil
	if !redisOK {
		vals = make([]any, len(ids))
	}

	products := make([]catalog.Product, len(ids))
	found := make([]bool, len(ids))
	loaded := map[int64]int{} // id -> index of its first miss, so duplicates load once
	var fill []int            // indexes of products to write back
	for i, v := range vals {
		if str, ok := v.(string); ok && json.Unmarshal([]byte(str), &products[i]) == nil {
			found[i] = true
			continue
		}
		if j, ok := loaded[ids[i]]; ok {
			products[i], found[i] = products[j], found[j]
			continue
		}
		loaded[ids[i]] = i
		p, err := s.db.Product(ctx, ids[i])
		if errors.Is(err, catalog.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		products[i], found[i] = p, true
		fill = append(fill, i)
	}

	if redisOK && len(fill) > 0 {
		for _, i := range fill {
			if b, err := json.Marshal(products[i]); err == nil {
				s.rdb.Set(ctx, keys[i], b, s.TTL)
			}
		}
	}

	out := make([]catalog.Product, 0, len(ids))
	for i := range ids {
		if found[i] {
			out = append(out, products[i])
		}
	}
	return out, nil
}
