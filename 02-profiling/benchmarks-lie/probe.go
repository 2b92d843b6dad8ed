package benchmarkslie

import "sync"

// probe counts the work the package does: lookups, parses and quotes, the
// distinct inputs among them, and the quotes the cache could not answer.
// It is nil, and costs one comparison, except while the lab's gate test
// checks what a benchmark feeds the package.
var probe *workProbe

type workProbe struct {
	mu     sync.Mutex
	calls  map[string]int                 // kind → calls
	inputs map[string]map[string]struct{} // kind → distinct inputs
	misses int                            // quotes priced, not from the cache
}

func newWorkProbe() *workProbe {
	return &workProbe{calls: map[string]int{}, inputs: map[string]map[string]struct{}{}}
}

func (p *workProbe) saw(kind, input string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[kind]++
	m := p.inputs[kind]
	if m == nil {
		m = map[string]struct{}{}
		p.inputs[kind] = m
	}
	m[input] = struct{}{}
}

func (p *workProbe) missed() {
	p.mu.Lock()
	p.misses++
	p.mu.Unlock()
}
