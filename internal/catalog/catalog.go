// Package catalog is a product catalogue in SQLite, with every query
// counted, for the caching labs.
//
// Open creates a small database with deterministic generated data: products
// 1..n, each with a few reviews. Product reads one product and aggregates
// its reviews in a single query; SetPrice and Insert write. Every call that
// reaches SQLite counts as one query, so a test can gate on how much work a
// cache saved the database.
//
// The database lives in a file (in t.TempDir() in tests), opened through a
// pooled *sql.DB in WAL mode with a busy timeout, so concurrent readers and
// writers do not fail. Everything here is safe for concurrent use.
package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
)

// Product is one row of the catalogue with its reviews aggregated.
type Product struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Category   string  `json:"category"`
	PriceCents int64   `json:"price_cents"`
	Rating     float64 `json:"rating"`  // average of its reviews
	Reviews    int     `json:"reviews"` // number of reviews
}

// ErrNotFound is returned by Product and SetPrice for an ID with no row.
var ErrNotFound = errors.New("catalog: product not found")

// Hooks are called synchronously inside Product and SetPrice, so a test can
// pause a caller at an exact point and force an interleaving of readers and
// writers. A nil field is not called.
type Hooks struct {
	AfterRead  func(id int64, p Product) // after the row is read, before Product returns it
	AfterWrite func(id int64)            // after SetPrice committed, before it returns
}

// DB is the catalogue. Create it with Open and Close it when done.
type DB struct {
	sql   *sql.DB
	path  string
	delay atomic.Int64 // nanoseconds added to each read query
	hooks atomic.Pointer[Hooks]

	queries atomic.Int64
	reads   atomic.Int64

	readStmt *sql.Stmt
}

const schema = `
CREATE TABLE products (
	id          INTEGER PRIMARY KEY,
	name        TEXT    NOT NULL,
	category    TEXT    NOT NULL,
	price_cents INTEGER NOT NULL
);
CREATE TABLE reviews (
	id         INTEGER PRIMARY KEY,
	product_id INTEGER NOT NULL REFERENCES products(id),
	stars      INTEGER NOT NULL
);
CREATE INDEX reviews_by_product ON reviews(product_id);
`

const productQuery = `
SELECT p.id, p.name, p.category, p.price_cents,
       COALESCE(AVG(r.stars), 0), COUNT(r.id)
FROM products p LEFT JOIN reviews r ON r.product_id = p.id
WHERE p.id = ?
GROUP BY p.id`

var (
	adjectives = []string{"Swift", "Quiet", "Sturdy", "Bright", "Compact", "Classic", "Rugged", "Nimble", "Smooth", "Clever", "Lucky", "Bold"}
	nouns      = []string{"Kettle", "Lamp", "Backpack", "Keyboard", "Mug", "Notebook", "Headphones", "Bottle", "Chair", "Blender", "Umbrella", "Router"}
	categories = []string{"kitchen", "home", "outdoor", "electronics", "office", "travel"}
)

// mix is a small deterministic hash (splitmix64) used to generate data.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Generated returns the product that Open generates for id, with its rating
// and review count, without touching a database. Tests use it to check that
// a cache returns correct data.
func Generated(id int64) Product {
	h := mix(uint64(id))
	p := Product{
		ID:         id,
		Name:       fmt.Sprintf("%s %s %d", adjectives[h%uint64(len(adjectives))], nouns[(h>>8)%uint64(len(nouns))], id),
		Category:   categories[(h>>16)%uint64(len(categories))],
		PriceCents: 199 + int64((h>>24)%50000),
	}
	stars := reviewStars(id)
	p.Reviews = len(stars)
	if len(stars) > 0 {
		sum := 0
		for _, s := range stars {
			sum += s
		}
		p.Rating = float64(sum) / float64(len(stars))
	}
	return p
}

// reviewStars returns the stars of the reviews Open generates for id:
// 0 to 5 reviews of 1 to 5 stars.
func reviewStars(id int64) []int {
	h := mix(uint64(id) ^ 0x5eed)
	n := int(h % 6)
	out := make([]int, n)
	for i := range out {
		out[i] = 1 + int((h>>(8+4*i))%5)
	}
	return out
}

// Open creates a fresh SQLite database in dir (t.TempDir() in tests) with
// products 1..n and their reviews. Each call creates its own file, so
// several databases may share dir.
func Open(ctx context.Context, dir string, n int) (*DB, error) {
	f, err := os.CreateTemp(dir, "catalog-*.db")
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	path := f.Name()
	f.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(OFF)")
	q.Add("_txlock", "immediate")
	dsn := "file:" + abs + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	db := &DB{sql: sdb, path: abs}
	if err := db.fill(ctx, n); err != nil {
		sdb.Close()
		return nil, err
	}
	if db.readStmt, err = sdb.PrepareContext(ctx, productQuery); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("catalog: prepare: %w", err)
	}
	return db, nil
}

func (db *DB) fill(ctx context.Context, n int) error {
	if _, err := db.sql.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("catalog: schema: %w", err)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	defer tx.Rollback()
	// Rows go in batches of multi-row INSERTs: one statement per row would
	// make Open several times slower, and tests open many databases.
	const batch = 200
	var pargs, rargs []any
	flush := func(force bool) error {
		if len(pargs) >= 4*batch || (force && len(pargs) > 0) {
			q := "INSERT INTO products(id, name, category, price_cents) VALUES " + placeholders(len(pargs)/4, "(?,?,?,?)")
			if _, err := tx.ExecContext(ctx, q, pargs...); err != nil {
				return fmt.Errorf("catalog: insert products: %w", err)
			}
			pargs = pargs[:0]
		}
		if len(rargs) >= 2*batch || (force && len(rargs) > 0) {
			q := "INSERT INTO reviews(product_id, stars) VALUES " + placeholders(len(rargs)/2, "(?,?)")
			if _, err := tx.ExecContext(ctx, q, rargs...); err != nil {
				return fmt.Errorf("catalog: insert reviews: %w", err)
			}
			rargs = rargs[:0]
		}
		return nil
	}
	for id := int64(1); id <= int64(n); id++ {
		p := Generated(id)
		pargs = append(pargs, p.ID, p.Name, p.Category, p.PriceCents)
		for _, s := range reviewStars(id) {
			rargs = append(rargs, id, s)
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	if err := flush(true); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	return nil
}

// placeholders returns n copies of group joined by commas.
func placeholders(n int, group string) string {
	return strings.TrimSuffix(strings.Repeat(group+",", n), ",")
}

// Close closes the database and removes its file.
func (db *DB) Close() error {
	err := db.sql.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(db.path + suffix)
	}
	return err
}

// Path returns the file the database lives in.
func (db *DB) Path() string { return db.path }

// Product reads one product and aggregates its reviews, in one query. It
// returns ErrNotFound if there is no product with that id.
func (db *DB) Product(ctx context.Context, id int64) (Product, error) {
	db.queries.Add(1)
	db.reads.Add(1)
	if d := time.Duration(db.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return Product{}, ctx.Err()
		}
	}
	var p Product
	err := db.readStmt.QueryRowContext(ctx, id).Scan(&p.ID, &p.Name, &p.Category, &p.PriceCents, &p.Rating, &p.Reviews)
	if errors.Is(err, sql.ErrNoRows) {
		return Product{}, ErrNotFound
	}
	if err != nil {
		return Product{}, fmt.Errorf("catalog: product %d: %w", id, err)
	}
	if h := db.hooks.Load(); h != nil && h.AfterRead != nil {
		h.AfterRead(id, p)
	}
	return p, nil
}

// SetPrice changes a product's price, in one write query. It returns
// ErrNotFound if there is no product with that id.
func (db *DB) SetPrice(ctx context.Context, id, cents int64) error {
	db.queries.Add(1)
	res, err := db.sql.ExecContext(ctx, `UPDATE products SET price_cents = ? WHERE id = ?`, cents, id)
	if err != nil {
		return fmt.Errorf("catalog: set price of %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("catalog: set price of %d: %w", id, err)
	} else if n == 0 {
		return ErrNotFound
	}
	if h := db.hooks.Load(); h != nil && h.AfterWrite != nil {
		h.AfterWrite(id)
	}
	return nil
}

// Insert adds a product, in one write query, with p.ID as its id, or the
// next free id if p.ID is 0. The new product has no reviews, so the returned
// Product (as Product would read it) has Rating 0 and Reviews 0 whatever p
// holds.
func (db *DB) Insert(ctx context.Context, p Product) (Product, error) {
	db.queries.Add(1)
	var id any
	if p.ID != 0 {
		id = p.ID
	}
	res, err := db.sql.ExecContext(ctx, `INSERT INTO products(id, name, category, price_cents) VALUES (?, ?, ?, ?)`,
		id, p.Name, p.Category, p.PriceCents)
	if err != nil {
		return Product{}, fmt.Errorf("catalog: insert: %w", err)
	}
	if p.ID == 0 {
		if p.ID, err = res.LastInsertId(); err != nil {
			return Product{}, fmt.Errorf("catalog: insert: %w", err)
		}
	}
	p.Rating, p.Reviews = 0, 0
	return p, nil
}

// Queries returns the number of queries (reads and writes) run since Open
// or the last ResetQueries.
func (db *DB) Queries() int64 { return db.queries.Load() }

// Reads returns the number of read queries (Product calls) run since Open
// or the last ResetQueries.
func (db *DB) Reads() int64 { return db.reads.Load() }

// ResetQueries sets the Queries and Reads counters to zero.
func (db *DB) ResetQueries() {
	db.queries.Store(0)
	db.reads.Store(0)
}

// SetDelay adds d of artificial latency to every read query, like a slow
// database over a network, so a stampede or a cache's latency win is
// visible. 0 turns it off. The wait ends early if the context is done.
func (db *DB) SetDelay(d time.Duration) { db.delay.Store(int64(d)) }

// SetHooks installs hooks called inside Product and SetPrice; the zero
// Hooks removes them. Safe to call while other goroutines use db.
func (db *DB) SetHooks(h Hooks) {
	if h.AfterRead == nil && h.AfterWrite == nil {
		db.hooks.Store(nil)
		return
	}
	db.hooks.Store(&h)
}
