package cli

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/goperflabs/labs/internal/labrun"
	"github.com/goperflabs/labs/internal/manifest"
	"github.com/goperflabs/labs/internal/redisguard"
)

// runAll calls run for each lab, at most p at a time (0 means one per
// CPU), and returns the results in the order of labs. run gets the lab's
// index in labs; done, if set, is called with it as each lab finishes, from
// one goroutine at a time.
func (a *app) runAll(ctx context.Context, labs []manifest.Lab, p int, run func(ctx context.Context, i int, l manifest.Lab) (labrun.Result, error), done func(i int, r labrun.Result)) ([]labrun.Result, error) {
	if p <= 0 {
		p = runtime.NumCPU()
	}
	results := make([]labrun.Result, len(labs))
	errs := make([]error, len(labs))
	sem := make(chan struct{}, p)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, l := range labs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			results[i], errs[i] = run(ctx, i, l)
			if done != nil && errs[i] == nil {
				mu.Lock()
				done(i, results[i])
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// testOptions are the options every run of a learner's lab uses. Against
// a real Redis a result depends on the server's contents, so it never
// comes from go's test cache.
func (a *app) testOptions() labrun.Options {
	var opts labrun.Options
	if a.redisURL != "" {
		opts.Env = append(opts.Env, redisguard.URLEnv+"="+a.redisURL)
		opts.NoCache = true
	}
	return opts
}

// checkRedis fails with one clear line if --redis names a server that does
// not answer, before any lab runs against it.
func (a *app) checkRedis(ctx context.Context) error {
	if a.redisURL == "" {
		return nil
	}
	opt, err := redis.ParseURL(a.redisURL)
	if err != nil {
		return fmt.Errorf("--redis %q is not a Redis URL (want redis://host:port/db): %v", a.redisURL, err)
	}
	// Dial first ourselves: go-redis logs each failed dial to stderr.
	conn, err := net.DialTimeout("tcp", opt.Addr, 2*time.Second)
	if err != nil {
		return fmt.Errorf("cannot reach Redis at %s (%v); start it, or drop --redis and PERFLAB_REDIS_URL to use the embedded miniredis", a.redisURL, err)
	}
	conn.Close()
	opt.DialTimeout = 2 * time.Second
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("cannot reach Redis at %s (%v); start it, or drop --redis and PERFLAB_REDIS_URL to use the embedded miniredis", a.redisURL, err)
	}
	if a.getenv(redisguard.AllowSharedEnv) == "1" {
		return nil
	}
	key, err := redisguard.ForeignKey(ctx, c)
	if err != nil {
		return fmt.Errorf("cannot scan Redis at %s: %v", a.redisURL, err)
	}
	if key != "" {
		return fmt.Errorf("Redis at %s holds keys the course did not create (such as %q): give perflab an empty database (such as redis://%s/15) or set %s=1 if you are sure", a.redisURL, key, opt.Addr, redisguard.AllowSharedEnv)
	}
	return nil
}

// progressLine prints "checking 3/10 …" on stderr as labs finish.
func (a *app) progressLine(total int) func(i int, r labrun.Result) {
	n := 0
	return func(i int, r labrun.Result) {
		n++
		fmt.Fprintf(a.stderr, "\rchecked %d/%d labs", n, total)
		if n == total {
			fmt.Fprint(a.stderr, "\r\x1b[K")
		}
	}
}
