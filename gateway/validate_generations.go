package gateway

import "sync"

// generations is a bounded memory of values: two generations of at most
// limit entries and byteLimit bytes (as size counts them) each. When the
// current generation is full it becomes the old one and the one before is
// dropped; a value found in the old generation moves back to the current
// one. What a load keeps asking for stays, the rest ages out, and nothing
// is kept for more than two generations' worth of other entries.
type generations[K comparable, V any] struct {
	limit, byteLimit int
	size             func(V) int
	mu               sync.Mutex
	current          map[K]V
	currentBytes     int
	previous         map[K]V
}

func newGenerations[K comparable, V any](limit, byteLimit int, size func(V) int) generations[K, V] {
	return generations[K, V]{limit: limit, byteLimit: byteLimit, size: size, current: make(map[K]V)}
}

// lookup returns the value remembered for key.
func (g *generations[K, V]) lookup(key K) (V, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	v, ok := g.current[key]
	if !ok {
		if v, ok = g.previous[key]; ok {
			delete(g.previous, key)
			g.storeLocked(key, v)
		}
	}
	return v, ok
}

// store remembers v for key, in place of what was remembered before.
func (g *generations[K, V]) store(key K, v V) {
	g.mu.Lock()
	g.storeLocked(key, v)
	g.mu.Unlock()
}

func (g *generations[K, V]) storeLocked(key K, v V) {
	if old, ok := g.current[key]; ok {
		g.currentBytes -= g.size(old)
		delete(g.current, key)
	}
	n := g.size(v)
	if len(g.current) >= g.limit || g.currentBytes+n > g.byteLimit {
		g.previous, g.current = g.current, make(map[K]V, len(g.current))
		g.currentBytes = 0
	}
	// A value stored anew must not come back from the old generation in
	// place of this one.
	delete(g.previous, key)
	g.current[key] = v
	g.currentBytes += n
}

// reserve lets each generation hold at least n entries, and n times
// perEntry bytes. A load of n objects asks for every one of them on each
// compile, in the same order: with room for fewer, the walk pushes the
// first ones out before it comes back to them, and nothing is ever found
// again. The limits grow with the largest load and never shrink, so the
// memory stays in proportion to what the program serves.
func (g *generations[K, V]) reserve(n, perEntry int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limit = max(g.limit, n)
	g.byteLimit = max(g.byteLimit, n*perEntry)
}
