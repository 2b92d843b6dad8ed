package invalidation

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goperflabs/labs/internal/catalog"
	"github.com/goperflabs/labs/internal/catalog/catalogtest"
	"github.com/goperflabs/labs/internal/testkit"
)

// reached waits until the instance is paused in its gap and says where,
// or reports false if the call returned first (it has fewer gaps).
func reached(t *testing.T, g *catalogtest.Gap, a *actor) (string, bool) {
	t.Helper()
	select {
	case where := <-g.Arrived():
		return where, true
	case err := <-a.done:
		a.done <- err // for finish
		return "", false
	case <-time.After(stepTimeout):
		t.Fatalf("%s neither reached its Redis gap nor returned within %v", a.what, stepTimeout)
	}
	return "", false
}

// gaps runs script for gap 0, 1, 2… until the paused instance returns
// before reaching its gap (it has no more), a script fails, or maxSteps.
// script reports whether the instance reached the gap.
func gaps(t *testing.T, name string, script func(t *testing.T, k int) bool) {
	t.Helper()
	for k := 0; k <= maxSteps; k++ {
		reached := true
		ok := t.Run(fmt.Sprintf("%sgap-%d", name, k), func(t *testing.T) { reached = script(t, k) })
		if !reached || !ok {
			return
		}
	}
}

// maxSteps bounds the gaps a script tries; a fix needs a handful of
// commands after its database call.
const maxSteps = 8

// TestWriterInEveryGapOfAFill: a reader misses and reads the row; then,
// in each gap between the Redis commands the reader sends after that read
// in turn, a writer on another instance changes the price and finishes.
// Whatever the reader's steps are (a lease checked with GET then SET, a
// script…), the cache must end equal to the database after every gap.
// While the reader is parked, every key in Redis must expire.
func TestWriterInEveryGapOfAFill(t *testing.T) {
	gaps(t, "", func(t *testing.T, k int) bool {
		f := setup(t)
		readerSvc := NewService(f.r.NewClient(), f.r.Prefix, f.db)
		st := catalogtest.PauseInGap(readerSvc.rdb, k)
		f.db.SetHooks(catalog.Hooks{AfterRead: func(int64, catalog.Product) { st.Arm() }})
		reader := start("reader Product(1)", f.read(readerSvc, 1))
		where, paused := reached(t, st, reader)
		if !paused {
			reader.finish(t)
			return false
		}
		f.allExpire(t, "while a reader was parked "+where)
		if err := f.svc.SetPrice(f.ctx, 1, 50_000+int64(k)); err != nil {
			t.Fatal(err)
		}
		st.Release()
		reader.finish(t)
		f.db.SetHooks(catalog.Hooks{})
		f.consistent(t, 1, "1. reader misses and reads the row; 2. "+where+", a writer on another instance changes the price and invalidates; 3. the reader goes on")
		return true
	})
}

// TestWriterInEveryGapOfAWrite: writer 1 commits price 1111; then, in each
// gap between the Redis commands it sends after the commit in turn, writer
// 2 (another instance) commits 2222 and finishes. The cache must end equal
// to the database, 2222, whichever gap writer 2 used: the writer-writer
// race of write-through caching. It runs with the product cached before
// the writes and without.
func TestWriterInEveryGapOfAWrite(t *testing.T) {
	for _, warm := range []bool{false, true} {
		gaps(t, fmt.Sprintf("warm=%v/", warm), func(t *testing.T, k int) bool {
			f := setup(t)
			if warm {
				if _, err := f.svc.Product(f.ctx, 2); err != nil {
					t.Fatal(err)
				}
			}
			w1 := NewService(f.r.NewClient(), f.r.Prefix, f.db)
			st := catalogtest.PauseInGap(w1.rdb, k)
			f.db.SetHooks(catalog.Hooks{AfterWrite: func(int64) { st.Arm() }})
			writer1 := start("writer 1 SetPrice(2, 1111)", f.write(w1, 2, 1111))
			where, paused := reached(t, st, writer1)
			if !paused {
				writer1.finish(t)
				return false
			}
			if err := f.svc.SetPrice(f.ctx, 2, 2222); err != nil {
				t.Fatal(err)
			}
			st.Release()
			writer1.finish(t)
			f.db.SetHooks(catalog.Hooks{})
			f.consistent(t, 2, "1. writer 1 commits 1111; 2. "+where+", writer 2 on another instance commits 2222 and finishes; 3. writer 1 goes on")
			return true
		})
	}
}

// TestReaderInEveryGapOfAWrite: a writer changes the price; in each gap
// between the Redis commands it sends from its start in turn, a reader on
// another instance reads the product. The cache must end equal to the
// database: a reader that runs between an early invalidation and the
// commit must not leave the old row behind.
func TestReaderInEveryGapOfAWrite(t *testing.T) {
	for _, warm := range []bool{false, true} {
		gaps(t, fmt.Sprintf("warm=%v/", warm), func(t *testing.T, k int) bool {
			f := setup(t)
			if warm {
				if _, err := f.svc.Product(f.ctx, 4); err != nil {
					t.Fatal(err)
				}
			}
			w := NewService(f.r.NewClient(), f.r.Prefix, f.db)
			st := catalogtest.PauseInGap(w.rdb, k)
			st.Arm()
			writer := start("writer SetPrice(4, 4444)", f.write(w, 4, 4444))
			where, paused := reached(t, st, writer)
			if !paused {
				writer.finish(t)
				return false
			}
			start("reader Product(4)", f.read(f.svc, 4)).finish(t)
			st.Release()
			writer.finish(t)
			f.consistent(t, 4, "1. a writer starts SetPrice(4, 4444); 2. "+where+", a reader on another instance reads product 4; 3. the writer goes on")
			return true
		})
	}
}

// TestFailedFillLeavesNothingForever: a reader whose database read fails
// (here: its request times out) must not leave anything in Redis that
// never expires, or later readers could be blocked from filling for good.
func TestFailedFillLeavesNothingForever(t *testing.T) {
	f := setup(t)
	f.db.SetDelay(time.Second)
	ctx, cancel := context.WithTimeout(f.ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := f.svc.Product(ctx, 3); err == nil {
		t.Fatalf("Product(3) with a 200ms deadline and a 1s database returned no error")
	}
	f.db.SetDelay(0)
	f.allExpire(t, "after a reader's database read failed")
	if p, err := f.svc.Product(f.ctx, 3); err != nil || p != catalog.Generated(3) {
		t.Fatalf("Product(3) after a failed read = %+v, %v; want %+v", p, err, catalog.Generated(3))
	}
}

// allExpire fails t if any key under the prefix has no TTL.
func (f *fixture) allExpire(t *testing.T, when string) {
	t.Helper()
	keys := f.r.Keys()
	var forever []string
	for _, k := range keys {
		if f.r.TTL(k) == 0 {
			forever = append(forever, strings.TrimPrefix(k, f.r.Prefix))
		}
	}
	testkit.Report(t, testkit.Figure{Name: "keys without a TTL", Value: float64(len(forever)), Op: "<=", Budget: 0, Unit: "keys"})
	if len(forever) > 0 {
		t.Errorf("%s, Redis held keys without a TTL = %d of %d, budget 0 (e.g. %s): if that request died there, the key would stay for good. "+
			"Check with redis-cli --scan and PTTL <key> (-1 means no expiry)", when, len(forever), len(keys), forever[0])
	}
}
