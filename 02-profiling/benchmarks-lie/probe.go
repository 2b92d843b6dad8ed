package benchmarkslie

import "sync"

// probe counts the work the package does: lookups, parses and quotes, the
// calls whose input differs from the call before, and the quotes the cache
// could not answer.
// It is nil, and costs one comparison, except while the lab's gate test
// checks what a benchmark feeds the package.
var probe *workProbe

type workProbe struct {
	mu      sync.Mutex
	calls   map[string]int    // kind → calls
	changes map[string]int    // kind → calls whose input differs from the call before
	last    map[string]string // kind → the last call's input
	misses  int               // quotes priced, not from the cache
}

func newWorkProbe() *workProbe {
	return &workProbe{calls: map[string]int{}, changes: map[string]int{}, last: map[string]string{}}
}

func (p *workProbe) saw(kind, input string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[kind]++
	if last, ok := p.last[kind]; !ok || last != input {
		p.changes[kind]++
	}
	p.last[kind] = input
}

func (p *workProbe) missed() {
	p.mu.Lock()
	p.misses++
	p.mu.Unlock()
}
